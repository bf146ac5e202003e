"""The review queue: who sees which nominations, the firm's figures and eligibility re-checked now, four
eyes, single and bulk admit/reject with each bulk item in its own transaction, a full pool, conflicts."""

import re
from datetime import timedelta

import pytest

from tests.factories import NOW, SHANGCHENG
from tests.functional.pages import page
from tests.functional.pool_pages import (
    ESCAPED,
    EVIL,
    city_pool,
    county_pool,
    csrf_in,
    flashes,
    login,
    reload,
    row_html,
    switch,
    table_rows,
)


@pytest.fixture(name="queue")
def queue_fixture(session, pool_firm, nominated, admitted, clock):
    """Pending, oldest first: 西湖 by_city (city staff, 3 days ago), 西湖 by_xihu (the officer, 2 days ago),
    上城 other (1 day ago), city pool nomination of an admitted 西湖 firm (now)."""
    ago = lambda days: NOW - timedelta(days=days)  # noqa: E731
    firms = {
        "by_city": pool_firm(name="杭州甲精密机械有限公司"),
        "by_xihu": pool_firm(name="杭州乙电子科技有限公司"),
        "other": pool_firm(name="杭州丙贸易有限公司", district=SHANGCHENG),
        "city": pool_firm(name="杭州丁新材料有限公司"),
    }
    made = {
        "by_city": nominated(firms["by_city"], by="city", at=ago(3)),
        "by_xihu": nominated(firms["by_xihu"], by="xihu", at=ago(2)),
        "other": nominated(firms["other"], by="shangcheng", at=ago(1)),
    }
    admitted(firms["city"], at=ago(10))
    made["city"] = nominated(firms["city"], by="city", pool=city_pool(session))
    return {"firms": firms, **made}


def decide(client, membership, action, **data):
    return client.post(f"/pools/review/{membership.id}/{action}", data={"version": membership.version, **data})


def bulk(client, action, memberships, **data):
    items = [f"{m.id}:{m.version}" for m in memberships]
    return client.post("/pools/review/bulk", data={"action": action, "items": items, **data}, follow_redirects=True)


def queue_ids(html) -> list[int]:
    return [int(i) for i in table_rows(html, "queue", "membership")]


# ------------------------------------------------------------------------------------------- content


def test_city_staff_see_every_pending_nomination_oldest_first(client, session, users, queue):
    login(client, "city")
    html = page(client, "/pools/review")
    assert queue_ids(html) == [queue[k].id for k in ("by_city", "by_xihu", "other", "city")]
    assert "共 4 条待审核" in html
    row = row_html(html, "queue", "membership", queue["by_xihu"].id)
    assert "西湖区县级培育库" in row and "成长型" in row and "成长性好" in row
    assert "2025年：营收 800.00 万元 · 从业 30 人 · 资产 500.00 万元" in row
    assert "小型" in row and "企业(规下)" in row and "存续" in row
    assert "符合入库条件" in row and "不限" in row
    assert 'name="items"' in row and "审核入库" in row and "不予入库" in row


def test_eligibility_is_checked_again_now_and_failures_are_red(client, session, users, queue):
    from workflows.firms import update_firm

    update_firm(session, queue["firms"]["by_city"], {"abnormal": True}, actor=users["city"], now=NOW)
    session.commit()
    login(client, "city")
    row = row_html(page(client, "/pools/review"), "queue", "membership", queue["by_city"].id)
    assert 'class="small text-danger mb-0 ps-3 eligibility-reasons"' in row and "已列入经营异常名录" in row
    assert "经营异常" in row  # the marker badge


def test_capacity_left_is_shown_where_set(client, session, users, queue, admitted, pool_firm):
    pool = county_pool(session)
    pool.capacity = 3
    session.commit()
    login(client, "city")
    html = page(client, "/pools/review")
    # one 西湖 firm is admitted already (the city pool candidate's county membership)
    assert re.search(r'class="num capacity-left">2<', row_html(html, "queue", "membership", queue["by_city"].id))
    pool.capacity = 1
    session.commit()
    assert "已满" in row_html(page(client, "/pools/review"), "queue", "membership", queue["by_city"].id)


def test_officer_reviews_their_county_pool_and_not_their_own_nominations(client, session, users, queue):
    login(client, "xihu")
    html = page(client, "/pools/review")
    assert queue_ids(html) == [queue["by_city"].id, queue["by_xihu"].id]  # not 上城, not the city pool
    own = row_html(html, "queue", "membership", queue["by_xihu"].id)
    assert "需他人审核" in own and 'name="items"' not in own and "<form" not in own
    other = row_html(html, "queue", "membership", queue["by_city"].id)
    assert 'name="items"' in other and "审核入库" in other


def test_four_eyes_refusal_when_posting_anyway(client, session, users, queue):
    login(client, "xihu")
    m = queue["by_xihu"]
    response = decide(client, m, "admit")
    assert response.status_code == 403
    assert "本人推荐的企业须由他人审核（四眼原则）" in response.get_data(as_text=True)
    assert reload(session, m.id).state == "nominated"
    # a colleague of the same district may: here city staff
    switch(client, "city")
    assert decide(client, m, "admit").status_code == 302
    assert reload(session, m.id).state == "admitted"


def test_leader_reads_the_queue_without_buttons_and_cannot_post(client, session, users, queue):
    login(client, "leader")
    html = page(client, "/pools/review")
    assert len(queue_ids(html)) == 4 and 'id="read-only"' in html
    assert 'id="bulk-form"' not in html and 'name="items"' not in html and "/pools/review/" not in html
    assert decide(client, queue["by_city"], "admit").status_code == 403
    assert bulk(client, "admit", [queue["by_city"]]).status_code == 403
    assert reload(session, queue["by_city"].id).state == "nominated"


def test_queue_filters_by_pool_and_refuses_a_pool_outside_the_queue(client, session, users, queue):
    login(client, "city")
    html = page(client, f"/pools/review?pool={city_pool(session).id}")
    assert queue_ids(html) == [queue["city"].id]
    switch(client, "xihu")
    html = page(client, f"/pools/review?pool={county_pool(session, SHANGCHENG).id}", status=400)
    assert "取值无效" in html


def test_markup_in_nomination_reasons_is_escaped(client, session, users, pool_firm, nominated, clock):
    nominated(pool_firm(name="杭州某有限公司"), by="city", reason=EVIL)
    login(client, "xihu")
    html = page(client, "/pools/review")
    assert EVIL not in html and ESCAPED in html


# ---------------------------------------------------------------------------------- single decisions


def test_admit_one(client, session, users, queue):
    login(client, "xihu")
    m = queue["by_city"]
    response = decide(client, m, "admit", comment="材料齐全")
    assert response.status_code == 302 and response.headers["Location"] == "/pools/review"
    html = page(client, "/pools/review")
    assert f"已审核入库：{queue['firms']['by_city'].name}" in flashes(html)
    assert queue["by_city"].id not in queue_ids(html)
    assert reload(session, m.id).state == "admitted"


def test_reject_needs_a_reason(client, session, users, queue):
    login(client, "city")
    m = queue["by_city"]
    response = decide(client, m, "reject", reason="  ")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "不予入库的理由：此项必填" in html
    assert 'class="table-danger"' in row_html(html, "queue", "membership", m.id) or "table-danger" in html
    assert reload(session, m.id).state == "nominated"
    assert decide(client, m, "reject", reason="材料不全").status_code == 302
    m = reload(session, m.id)
    assert m.state == "rejected"


def test_a_decision_taken_meanwhile_is_a_conflict(client, session, users, queue):
    from workflows.membership import act

    m = queue["by_city"]
    version = m.version
    act(session, m, "reject", actor=users["xihu"], now=NOW, expected_version=version, values={"reason": "不符"})
    session.commit()
    login(client, "city")
    response = client.post(f"/pools/review/{m.id}/admit", data={"version": version})
    assert response.status_code == 409
    assert "已被他人处理（当前状态：未予入库）" in response.get_data(as_text=True)


def test_admit_into_a_full_pool_is_refused_clearly(client, session, users, queue):
    pool = county_pool(session)
    pool.capacity = 1  # the city candidate's county membership fills it
    session.commit()
    login(client, "city")
    response = decide(client, queue["by_city"], "admit")
    assert response.status_code == 409
    assert "西湖区县级培育库已满（容量1家），不能再入库" in response.get_data(as_text=True)
    assert reload(session, queue["by_city"].id).state == "nominated"


def test_admit_into_a_full_pool_says_so_on_the_membership_page(client, session, users, queue):
    pool = county_pool(session)
    pool.capacity = 1
    session.commit()
    login(client, "city")
    m = queue["by_city"]
    response = client.post(f"/memberships/{m.id}/actions/admit", data={"version": m.version})
    assert response.status_code == 409
    assert "西湖区县级培育库已满（容量1家），不能再入库" in response.get_data(as_text=True)
    assert reload(session, m.id).state == "nominated"


def test_an_ineligible_firm_is_refused_with_its_reasons(client, session, users, queue):
    from workflows.firms import update_firm

    update_firm(session, queue["firms"]["by_city"], {"serious_violation": True}, actor=users["city"], now=NOW)
    session.commit()
    login(client, "xihu")
    response = decide(client, queue["by_city"], "admit")
    assert response.status_code == 422
    assert "不符合入库条件：已列入严重违法失信名单" in response.get_data(as_text=True)


def test_unknown_or_foreign_nominations_are_404(client, session, users, queue):
    login(client, "xihu")
    assert decide(client, queue["other"], "admit").status_code == 404
    assert client.post(f"/pools/review/{queue['by_city'].id}/remove", data={"version": 1}).status_code == 404
    assert reload(session, queue["other"].id).state == "nominated"


# ------------------------------------------------------------------------------------------------ bulk


def test_bulk_results_are_mixed_and_each_item_stands_alone(client, session, users, queue, pool_firm, nominated):
    from workflows.firms import update_firm
    from workflows.membership import act

    extra = [nominated(pool_firm(name=f"杭州批量{i}有限公司"), by="city") for i in range(3)]
    pool = county_pool(session)
    pool.capacity = 3  # one admitted already: two seats left
    update_firm(session, queue["firms"]["by_xihu"], {"abnormal": True}, actor=users["city"], now=NOW)
    stale = queue["by_city"]
    stale_version = stale.version
    act(session, stale, "withdraw", actor=users["city"], now=NOW, expected_version=stale_version)
    session.commit()

    login(client, "city")
    items = [f"{stale.id}:{stale_version}", f"{queue['by_xihu'].id}:{queue['by_xihu'].version}",
             *(f"{m.id}:{m.version}" for m in extra)]
    response = client.post("/pools/review/bulk", data={"action": "admit", "items": items, "comment": "批量"},
                           follow_redirects=True)
    assert response.status_code == 200 and [r.status_code for r in response.history] == [303]
    html = response.get_data(as_text=True)
    assert "成功 2 条，失败 3 条" in html
    results = dict(re.findall(r'data-membership="(\d+)" data-ok="(\w+)"', html))
    assert results == {str(stale.id): "false", str(queue["by_xihu"].id): "false", str(extra[0].id): "true",
                       str(extra[1].id): "true", str(extra[2].id): "false"}
    messages = dict(re.findall(r'data-membership="(\d+)".*?class="bulk-message">([^<]*)<', html, re.S))
    assert messages[str(stale.id)].startswith("已被他人处理（当前状态：已撤回）")
    assert messages[str(queue["by_xihu"].id)] == "不符合入库条件：已列入经营异常名录"
    assert messages[str(extra[2].id)] == "西湖区县级培育库已满（容量3家），不能再入库"
    assert [reload(session, m.id).state for m in extra] == ["admitted", "admitted", "nominated"]
    assert reload(session, queue["by_xihu"].id).state == "nominated"


def test_bulk_by_an_officer_reports_their_own_nominations(client, session, users, queue):
    login(client, "xihu")
    html = bulk(client, "reject", [queue["by_city"], queue["by_xihu"]], reason="不符合培育方向").get_data(as_text=True)
    assert "成功 1 条，失败 1 条" in html
    assert "本人推荐的企业须由他人审核（四眼原则）" in html
    assert reload(session, queue["by_city"].id).state == "rejected"
    assert reload(session, queue["by_xihu"].id).state == "nominated"


def test_bulk_reject_without_a_reason_writes_nothing(client, session, users, queue):
    login(client, "city")
    response = bulk(client, "reject", [queue["by_city"], queue["other"]], reason="")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="bulk-reason-error">此项必填' in html
    assert {reload(session, queue[k].id).state for k in ("by_city", "other")} == {"nominated"}


@pytest.mark.parametrize("data,message", [
    ({"action": "admit"}, "请至少勾选一条推荐"),
    ({"action": "admit", "items": ["1:x"]}, "所选记录有误"),
    ({"action": "destroy", "items": ["1:1"]}, "请选择“审核入库”或“不予入库”"),
])
def test_malformed_bulk_requests_write_nothing(client, session, users, queue, data, message):
    login(client, "city")
    response = client.post("/pools/review/bulk", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert reload(session, queue["by_city"].id).state == "nominated"


def test_bulk_needs_a_csrf_token(csrf_client, session, queue):
    client = csrf_client("city")
    html = client.get("/pools/review").get_data(as_text=True)
    form = html[html.index('id="bulk-form"'):]
    token = csrf_in(form)
    item = f"{queue['by_city'].id}:{queue['by_city'].version}"
    refused = client.post("/pools/review/bulk", data={"action": "admit", "items": [item]})
    assert refused.status_code == 400 and "安全令牌" in refused.get_data(as_text=True)
    assert reload(session, queue["by_city"].id).state == "nominated"
    done = client.post("/pools/review/bulk", data={"action": "admit", "items": [item], "csrf_token": token},
                       follow_redirects=True)
    assert done.status_code == 200 and "成功 1 条，失败 0 条" in done.get_data(as_text=True)
