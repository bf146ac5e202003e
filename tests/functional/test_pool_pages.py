"""The pool overview, member lists with their Excel export, the membership page with its actions, the
firm page's 培育库 section and timeline, and the navigation: content, scope per role, errors, escaping."""

import io
import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from models import db
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
from workflows.exporting import MEMBER_COLUMNS

MEMBER_HEADERS = [c.header for c in MEMBER_COLUMNS]  # the one spec the page, the CLI and background jobs write


@pytest.fixture(name="filled")
def filled_fixture(session, pool_firm, nominated, admitted, clock):
    """西湖区: 甲 admitted (county and city), 乙 admitted (初创型, batch 2025-2), 丙 nominated;
    上城区: 丁 admitted (county and city), 戊 nominated."""
    firms = {
        "a": pool_firm(name="杭州甲精密机械有限公司"),
        "b": pool_firm(name="杭州乙电子科技有限公司"),
        "c": pool_firm(name="杭州丙新材料有限公司"),
        "d": pool_firm(name="杭州丁贸易有限公司", district=SHANGCHENG),
        "e": pool_firm(name="杭州戊软件有限公司", district=SHANGCHENG),
    }
    later = NOW + timedelta(hours=1)
    made = {
        "a": admitted(firms["a"]),
        "b": admitted(firms["b"], cultivation_type="startup", batch="2025-2"),
        "c": nominated(firms["c"]),
        "d": admitted(firms["d"], nominator="shangcheng"),
        "e": nominated(firms["e"], by="shangcheng"),
    }
    made["city_a"] = admitted(firms["a"], pool=city_pool(session), nominator="city", at=later)
    made["city_d"] = admitted(firms["d"], pool=city_pool(session), nominator="city", at=later)
    return {"firms": firms, **made}


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    sheet = load_workbook(io.BytesIO(response.data)).active
    return response, [list(row) for row in sheet.iter_rows(values_only=True)]


# ------------------------------------------------------------------------------------------ overview


def test_overview_lists_the_city_pool_first_then_each_county_with_its_figures(client, session, users, filled):
    login(client, "city")
    html = page(client, "/pools/")
    ids = table_rows(html, "pools", "pool")
    assert len(ids) == 14 and int(ids[0]) == city_pool(session).id
    city = row_html(html, "pools", "pool", city_pool(session).id)
    assert "市级培育库" in city and "12,000" in city and "不限" in city
    assert re.search(r'class="num admitted">2<', city) and re.search(r'class="num pending">0<', city)
    xihu = row_html(html, "pools", "pool", county_pool(session).id)
    assert "西湖区县级培育库" in xihu
    assert re.search(r'class="num admitted">2<', xihu) and re.search(r'class="num pending">1<', xihu)
    target = county_pool(session).target
    assert f"{target:,}" in xihu and f"{100 * 2 / target:.1f}%" in xihu
    assert 'role="progressbar"' in xihu
    assert "45,000" in html[html.index('id="county-total"'):]
    assert "own-pool" not in html  # city staff have no district of their own


def test_overview_shows_capacity_room_and_a_full_pool(client, session, users, filled):
    pool = county_pool(session)
    pool.capacity = 2
    city = city_pool(session)
    city.capacity = 10
    session.commit()
    login(client, "leader")
    html = page(client, "/pools/")
    assert "已满" in row_html(html, "pools", "pool", pool.id)
    city_row = row_html(html, "pools", "pool", city.id)
    assert re.search(r'class="num capacity">10<', city_row) and re.search(r'class="num room">8<', city_row)
    assert "推荐入库" not in html  # leaders read only


def test_officer_sees_every_pool_with_their_own_highlighted(client, session, users, filled):
    login(client, "xihu")
    html = page(client, "/pools/")
    assert len(table_rows(html, "pools", "pool")) == 14
    own = row_html(html, "pools", "pool", county_pool(session).id)
    other = row_html(html, "pools", "pool", county_pool(session, SHANGCHENG).id)
    assert "本区县" in own and "本区县" not in other
    assert html.count("own-pool") == 1
    # Their own pool's and the city pool's members are a link away; another county's are not.
    assert f'/pools/{county_pool(session).id}/members"' in html and f'/pools/{city_pool(session).id}/members"' in html
    assert f'/pools/{county_pool(session, SHANGCHENG).id}/members"' not in html
    assert re.search(r'class="num admitted">1<', other)  # figures of every pool are public


def test_overview_counts_with_one_grouped_query(client, session, users, filled):
    login(client, "city")
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        page(client, "/pools/")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len([s for s in statements if "pool_memberships" in s]) == 1


def test_admin_has_no_domain_pages_but_the_targets_page(client, session, users, filled):
    login(client, "admin")
    membership = filled["a"]
    for url in ("/pools/", f"/pools/{county_pool(session).id}/members", "/pools/review",
                f"/memberships/{membership.id}", f"/pools/{county_pool(session).id}/members/export.xlsx"):
        assert client.get(url).status_code == 403, url
    home = page(client, "/")
    assert 'id="nav-targets"' in home and 'id="nav-pools"' not in home and 'id="nav-review"' not in home


@pytest.mark.parametrize("username,links", [
    ("city", {"nav-pools", "nav-review"}), ("xihu", {"nav-pools", "nav-review"}), ("leader", {"nav-pools"}),
])
def test_navigation_per_role(client, users, username, links):
    login(client, username)
    html = page(client, "/")
    shown = {name for name in ("nav-pools", "nav-review", "nav-targets") if f'id="{name}"' in html}
    assert shown == links


# --------------------------------------------------------------------------------------- member list


def test_member_list_shows_members_with_links(client, session, users, filled):
    login(client, "city")
    assert client.get("/pools/9999/members").status_code == 404
    html = page(client, f"/pools/{county_pool(session).id}/members")
    assert "共 3 条" in html
    row = row_html(html, "members", "membership", filled["b"].id)
    assert filled["firms"]["b"].name in row and f'/firms/{filled["firms"]["b"].uscc}"' in row
    assert f'/memberships/{filled["b"].id}"' in row and "已入库" in row and "初创型" in row and "2025-2" in row
    assert "xihu" in row and "city" in row  # nominated by, decided by


@pytest.mark.parametrize("query,expected", [
    ("state=nominated", ["c"]),
    ("state=admitted", ["a", "b"]),
    ("cultivation_type=startup", ["b"]),
    ("batch=2025-2", ["b"]),
    ("q=丙新材料", ["c"]),
    ("state=admitted&cultivation_type=growth", ["a"]),
])
def test_member_list_filters(client, session, users, filled, query, expected):
    login(client, "city")
    html = page(client, f"/pools/{county_pool(session).id}/members?{query}")
    assert table_rows(html, "members", "membership") == [str(filled[k].id) for k in expected]


def test_city_pool_list_filters_by_district_and_searches_by_the_whole_uscc(client, session, users, filled):
    login(client, "city")
    code = filled["firms"]["c"].uscc
    html = page(client, f"/pools/{county_pool(session).id}/members?q={code.lower()}")
    assert table_rows(html, "members", "membership") == [str(filled["c"].id)]
    url = f"/pools/{city_pool(session).id}/members"
    assert table_rows(page(client, url), "members", "membership") == [str(filled["city_a"].id), str(filled["city_d"].id)]
    html = page(client, f"{url}?district={SHANGCHENG}")
    assert table_rows(html, "members", "membership") == [str(filled["city_d"].id)]
    assert "所属区县" in html


def test_member_list_pages_keep_the_filters(client, session, users, filled):
    login(client, "city")
    url = f"/pools/{county_pool(session).id}/members?state=admitted&per_page=1"
    first = page(client, url)
    assert table_rows(first, "members", "membership") == [str(filled["a"].id)] and "第 1/2 页" in first
    next_link = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "state=admitted" in next_link and "per_page=1" in next_link
    assert table_rows(page(client, next_link), "members", "membership") == [str(filled["b"].id)]


def test_bad_filters_are_named(client, session, users, filled):
    login(client, "city")
    html = page(client, f"/pools/{county_pool(session).id}/members?state=bogus&page=0", status=400)
    assert "筛选条件有误" in html or "分页参数有误" in html
    assert "取值无效：bogus" in html
    assert 'id="members"' not in html


def test_officer_sees_their_district_only(client, session, users, filled):
    login(client, "xihu")
    html = page(client, f"/pools/{city_pool(session).id}/members")
    assert table_rows(html, "members", "membership") == [str(filled["city_a"].id)]
    assert "仅列本区县企业" in html and 'name="district"' not in html
    # a district filter in the URL cannot widen the scope
    html = page(client, f"/pools/{city_pool(session).id}/members?district={SHANGCHENG}")
    assert table_rows(html, "members", "membership") == [str(filled["city_a"].id)]
    assert len(table_rows(page(client, f"/pools/{county_pool(session).id}/members"), "members", "membership")) == 3
    assert client.get(f"/pools/{county_pool(session, SHANGCHENG).id}/members").status_code == 403
    assert client.get(f"/pools/{county_pool(session, SHANGCHENG).id}/members/export.xlsx").status_code == 403


def test_export_holds_every_filtered_row_not_just_the_page(client, session, users, filled):
    login(client, "city")
    pool = county_pool(session)
    html = page(client, f"/pools/{pool.id}/members?state=admitted&per_page=1")
    href = re.search(r'id="export"\s+href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "state=admitted" in href and "per_page" not in href and "page=" not in href
    response, rows = download(client, href)
    assert rows[0] == MEMBER_HEADERS
    assert [r[1] for r in rows[1:]] == ["杭州甲精密机械有限公司", "杭州乙电子科技有限公司"]
    b = rows[2]
    assert b[:9] == [filled["firms"]["b"].uscc, "杭州乙电子科技有限公司", "西湖区", "西湖区县级培育库", "已入库", "初创型",
                     "2025-2", "成长性好", "xihu"]
    assert b[9].year == 2026 and b[10] == "city"
    assert response.headers["X-Export-Rows"] == "2"
    name = unquote(response.headers["Content-Disposition"].split("filename*=UTF-8''")[1])
    assert name == "西湖区县级培育库成员_2026-11-30.xlsx"


def test_export_keeps_the_officers_scope(client, session, users, filled):
    login(client, "xihu")
    _, rows = download(client, f"/pools/{city_pool(session).id}/members/export.xlsx?district={SHANGCHENG}")
    assert [r[1] for r in rows[1:]] == ["杭州甲精密机械有限公司"]


# ---------------------------------------------------------------------------------- membership page


def test_membership_page_shows_firm_pool_state_history_and_actions(client, session, users, filled):
    login(client, "city")
    m = filled["a"]
    html = page(client, f"/memberships/{m.id}")
    assert filled["firms"]["a"].name in html and "西湖区县级培育库" in html
    assert 'data-state="admitted"' in html and "成长型" in html and "2026-1" in html and "成长性好" in html
    actions = re.findall(r'id="action-(\w+)"', html)
    assert sorted(actions) == ["graduate", "remove"]
    remove = html[html.index('id="action-remove"'):]
    remove = remove[:remove.index("</form>")]
    assert "注销/吊销" in remove and "不再符合入库条件" in remove and 'name="version"' in remove
    history = re.findall(r'<tr data-action="(\w+)">', html)
    assert history == ["nominate", "admit"]
    assert "推荐入库" in html and "审核入库" in html and "已推荐待审核 → 已入库" in html


def test_leader_reads_without_buttons_and_cannot_post(client, session, users, filled):
    login(client, "leader")
    m = filled["a"]
    html = page(client, f"/memberships/{m.id}")
    assert 'id="read-only"' in html and 'id="action-' not in html
    response = client.post(f"/memberships/{m.id}/actions/remove", data={"version": m.version, "reason": "violation"})
    assert response.status_code == 403
    assert reload(session, m.id).state == "admitted"


def test_officer_of_another_district_gets_404(client, session, users, filled):
    login(client, "shangcheng")
    m = filled["a"]
    assert client.get(f"/memberships/{m.id}").status_code == 404
    assert client.post(f"/memberships/{m.id}/actions/remove",
                       data={"version": m.version, "reason": "violation"}).status_code == 404
    assert client.get(f"/memberships/{filled['city_a'].id}").status_code == 404
    assert client.get(f"/memberships/{filled['city_d'].id}").status_code == 200


def test_removing_a_county_member_ends_its_city_membership_too(client, session, users, filled):
    login(client, "xihu")
    m = filled["a"]
    response = client.post(f"/memberships/{m.id}/actions/remove",
                           data={"version": m.version, "reason": "violation", "comment": "列入严重违法"})
    assert response.status_code == 302 and response.headers["Location"] == f"/memberships/{m.id}"
    assert "已执行：清退出库" in flashes(page(client, f"/memberships/{m.id}"))
    assert reload(session, m.id).state == "removed"
    city = reload(session, filled["city_a"].id)
    assert city.state == "removed" and city.end_reason == "violation"
    html = page(client, f"/memberships/{m.id}")
    assert "经营异常或严重违法" in html and "已入库 → 已清退" in html and "清退原因：经营异常或严重违法" in html
    city_html = page(client, f"/memberships/{city.id}")
    assert "随县级培育库联动清退" in city_html


def test_a_missing_reason_comes_back_beside_the_field(client, session, users, filled):
    login(client, "city")
    m = filled["a"]
    response = client.post(f"/memberships/{m.id}/actions/graduate", data={"version": m.version, "comment": "已升规"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    form = html[html.index('id="action-graduate"'):]
    form = form[:form.index("</form>")]
    assert "此项必填" in form and "已升规</textarea>" in form
    assert reload(session, m.id).state == "admitted"


def test_a_stale_form_is_a_conflict_that_keeps_what_was_typed(client, session, users, filled):
    from workflows.membership import act

    login(client, "xihu")
    m = filled["a"]
    version = m.version
    act(session, m, "graduate", actor=users["city"], now=NOW, expected_version=version, values={"reason": "scaled_up"})
    session.commit()
    response = client.post(f"/memberships/{m.id}/actions/remove",
                           data={"version": version, "reason": "violation", "comment": "我写的说明"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "已被他人处理（当前状态：已毕业）" in html
    assert reload(session, m.id).state == "graduated"


def test_membership_action_needs_a_csrf_token(csrf_client, session, filled):
    client = csrf_client("city")
    m = filled["a"]
    html = client.get(f"/memberships/{m.id}").get_data(as_text=True)
    form = html[html.index('id="action-graduate"'):]
    token = csrf_in(form)
    refused = client.post(f"/memberships/{m.id}/actions/graduate", data={"version": m.version, "reason": "scaled_up"})
    assert refused.status_code == 400 and "安全令牌" in refused.get_data(as_text=True)
    assert reload(session, m.id).state == "admitted"
    done = client.post(f"/memberships/{m.id}/actions/graduate",
                       data={"version": m.version, "reason": "scaled_up", "csrf_token": token})
    assert done.status_code == 302 and reload(session, m.id).state == "graduated"


def test_markup_in_reasons_and_comments_is_escaped(client, session, users, pool_firm, nominated, clock):
    firm = pool_firm(name=f"{EVIL}有限公司")
    m = nominated(firm, reason=EVIL)
    login(client, "city")
    assert client.post(f"/memberships/{m.id}/actions/reject",
                       data={"version": m.version, "reason": EVIL, "comment": EVIL}).status_code == 302
    for url in (f"/memberships/{m.id}", f"/firms/{firm.uscc}", f"/pools/{county_pool(session).id}/members",
                f"/firms/{firm.uscc}/timeline"):
        html = page(client, url)
        assert EVIL not in html, url
        assert ESCAPED in html, url


# ------------------------------------------------------------------------------ the firm page and timeline


def test_firm_page_lists_memberships_and_offers_nomination_in_scope(client, session, users, filled, pool_firm):
    firm = filled["firms"]["a"]
    login(client, "xihu")
    html = page(client, f"/firms/{firm.uscc}")
    section = html[html.index('id="pools-heading"'):]
    assert 'id="nominate-firm"' in section
    assert f'/memberships/{filled["a"].id}"' in section and f'/memberships/{filled["city_a"].id}"' in section
    assert "西湖区县级培育库" in section and "市级培育库" in section
    switch(client, "leader")
    html = page(client, f"/firms/{firm.uscc}")
    assert 'id="pools-heading"' in html and 'id="nominate-firm"' not in html
    switch(client, "city")
    fresh = pool_firm(name="杭州新设有限公司")
    assert "尚未推荐入培育库" in page(client, f"/firms/{fresh.uscc}")


def test_membership_events_on_the_firm_timeline(client, session, users, filled):
    from workflows.membership import act

    m = filled["a"]
    act(session, m, "graduate", actor=users["city"], now=NOW + timedelta(days=1), expected_version=m.version,
        values={"reason": "scaled_up"}, comment="已纳入规上统计")
    session.commit()
    login(client, "city")
    firm = filled["firms"]["a"]
    html = page(client, f"/firms/{firm.uscc}/timeline?kind=membership")
    items = [(re.search(r'data-action="(\w+)"', chunk).group(1), chunk)
             for chunk in html[html.index('id="timeline"'):].split('<li class="list-group-item"')[1:]]
    actions = [a for a, _ in items]
    assert actions == ["cascade_graduate", "graduate", "admit", "nominate", "admit", "nominate"]  # newest first
    text = dict(reversed(items))  # the newest of each action
    assert "随县级培育库联动毕业" in text["cascade_graduate"] and "市级培育库" in text["cascade_graduate"]
    assert "已入库 → 已毕业" in text["cascade_graduate"] and "原因：升规（毕业）" in text["cascade_graduate"]
    assert "毕业出库" in text["graduate"] and "毕业原因：升规（毕业）" in text["graduate"]
    assert "西湖区县级培育库" in text["graduate"] and "已纳入规上统计" in text["graduate"]
    assert "推荐入库" in text["nominate"] and "培育类型：成长型" in text["nominate"] and "入库批次：2026-1" in text["nominate"]
    detail = page(client, f"/firms/{firm.uscc}")
    assert "随县级培育库联动毕业" in detail and "审核入库" in detail


# ---------------------------------------------------------------------------------- the officer's home


def test_officer_home_shows_their_county_pools_fill(client, session, users, pool_firm, nominated, admitted):
    """A county officer opens on their own pool: target, admitted and pending as counted here, each
    linked to the list behind it; another district's members are not counted."""
    pool = county_pool(session)
    pool.target, pool.capacity = 4, 3
    session.commit()
    for i in range(2):
        admitted(pool_firm(name=f"西湖入库{i}"))
    nominated(pool_firm(name="西湖待审"))
    admitted(pool_firm(name="上城入库", district=SHANGCHENG), nominator="shangcheng")
    login(client, "xihu")
    html = page(client, "/")
    panel = html[html.index('id="home-own-pools"'):html.index('id="stage-heading"')]
    assert pool.name in panel and "上城区" not in panel
    assert re.search(r'class="fs-5 mb-0 target">4<', panel)
    assert f'href="/pools/{pool.id}/members?state=admitted">2</a>' in panel
    assert f'href="/pools/{pool.id}/members?state=nominated">1</a>' in panel
    assert "50.0%" in panel and "距目标尚余 2 家；距容量尚余 1 家" in panel
    members = page(client, f"/pools/{pool.id}/members?state=admitted")
    assert len(table_rows(members, "members", "membership")) == 2


@pytest.mark.parametrize("username", ["city", "leader"])
def test_city_home_has_no_own_pool_panel(client, session, users, username):
    login(client, username)
    assert 'id="home-own-pools"' not in page(client, "/")
