"""The case page: what it shows, who may act, and every way an action is refused without losing what
the officer typed (guard reasons, field errors, a colleague's step first, scope, CSRF, markup)."""

import re
from datetime import timedelta

import pytest

from models import AuditEvent, UpgradeCase
from tests.factories import PASSWORD, uscc
from tests.functional.case_pages import (
    ESCAPED,
    EVIL,
    act,
    case_page,
    current_state,
    form_of,
    history_rows,
    offered,
    post_action,
    switch,
    version_in,
)
from tests.functional.pages import login, page


@pytest.fixture
def make_case(firms, session, users, now):
    """A 西湖区 firm's case, opened by its officer and moved along by city staff (setup, not under test)."""
    from workflows.ladder import open_case
    from workflows.machine import fire

    def make(kind="small_to_scale", steps=(), at=None, **firm):
        case = open_case(session, firms(**firm), kind, actor=users["xihu"], now=at or now)
        for step in steps:
            name, values = (step, {}) if isinstance(step, str) else step
            fire(session, case, name, actor=users["city"], now=at or now, expected_version=case.version,
                 values=values)
        session.commit()
        return case.id

    return make


def events(session) -> int:
    session.expire_all()
    return session.query(AuditEvent).count()


def state_of(session, case_id):
    session.expire_all()
    case = session.get(UpgradeCase, case_id)
    return case.state, case.version


# --- what the page shows ---------------------------------------------------------------------------------

def test_page_shows_firm_case_state_days_and_diagram(client, make_case, clock, now):
    case_id = make_case("small_to_scale", ["start_cultivation"], name="杭州西溪精密机械有限公司")
    clock.at = now + timedelta(days=12, hours=3)
    login(client, "xihu")
    html = case_page(client, case_id)
    info = html[html.index('id="case-info"'):html.index("</table>", html.index('id="case-info"'))]
    for text in ("杭州西溪精密机械有限公司", "西湖区", "企业(规下)", "小升规", "培育中", "12 天（自 2026-11-30 10:00）"):
        assert text in info, text
    assert re.search(r'<a class="uscc" href="/firms/(\w{18})">\1</a>', info)
    assert current_state(html) == ["cultivating"]
    diagram = html[html.index('id="diagram"'):html.index("</figure>")]
    assert diagram.count('class="wf-state') == 5 and "已升规" in diagram and "已放弃" in diagram
    assert 'id="loop-actions"' not in html
    assert 'href="/static/ladder.css"' in html


def test_listing_case_shows_attributes_and_loop_actions(client, make_case):
    case_id = make_case("stock_to_listed", ["designate_key", ("file_application", {"board": "neeq"})],
                        legal_form="股份有限公司")
    login(client, "leader")
    html = case_page(client, case_id)
    attrs = dict(re.findall(r'<tr class="case-attr"><th scope="row">([^<]+)</th><td>([^<]+)</td>', html))
    assert attrs == {"上市板块": "新三板", "市级重点拟上市": "是"}
    loops = html[html.index('id="loop-actions"'):html.index("</p>", html.index('id="loop-actions"'))]
    assert "列为市级重点拟上市" in loops and "取消市级重点拟上市" in loops
    assert current_state(html) == ["filed"]


def test_history_oldest_first_with_labels_fields_and_changes(client, make_case, session, users, now):
    from workflows.machine import fire

    case_id = make_case("small_to_scale", ["start_cultivation"], industry="E47")
    case = session.get(UpgradeCase, case_id)
    fire(session, case, "declare", actor=users["xihu"], now=now + timedelta(hours=1), expected_version=2,
         comment="资质证书已核验", values={"qualification": "confirmed"})
    session.commit()
    login(client, "city")
    rows = history_rows(case_page(client, case_id))
    assert [a for a, _ in rows] == ["open", "start_cultivation", "declare"]
    declare = rows[-1][1]
    assert "2026-11-30 11:00" in declare and "xihu" in declare and "申报升规" in declare
    assert "培育中 → 已申报" in declare and "资质证书已核验" in declare
    assert "建筑业资质：已核实" in declare and "案件·建筑业资质：" in declare


@pytest.mark.parametrize(("username", "expected"), [
    ("city", ["return", "approve", "abandon"]),
    ("xihu", ["abandon"]),
    ("leader", []),
])
def test_buttons_follow_role(client, make_case, username, expected):
    case_id = make_case("small_to_scale", ["start_cultivation", "declare"], industry="C39",
                        indicators={2024: {"revenue": "2500"}})
    login(client, username)
    html = case_page(client, case_id)
    assert offered(html) == expected
    assert ('id="read-only"' in html) == (username == "leader")
    for action in expected:
        form = form_of(html, action)
        assert 'name="csrf_token"' in form and f'id="{action}-version" name="version" type="hidden" value="3"' in form
        assert 'name="comment"' in form
    if "return" in expected:
        assert '<textarea class="form-control form-control-sm" id="return-reason" name="reason"' in html


def test_choice_fields_render_chinese_labels(client, make_case):
    case_id = make_case("stock_to_listed", legal_form="股份有限公司")
    login(client, "xihu")
    form = form_of(case_page(client, case_id), "file_application")
    assert '<select class="form-select form-select-sm" id="file_application-board" name="board">' in form
    assert '<option value="">请选择…</option>' in form
    assert '<option value="star">科创板</option>' in form and '<option value="neeq">新三板</option>' in form


# --- refusals that keep what was typed -------------------------------------------------------------------

def test_guard_failure_lists_reasons_and_keeps_the_comment(client, make_case, session):
    case_id = make_case("small_to_scale", ["start_cultivation"], industry="C39",
                        indicators={2024: {"revenue": "1500"}})
    login(client, "xihu")
    before = events(session)
    response = act(client, case_id, "declare", comment="企业已达标，请审核")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    form = form_of(html, "declare")
    assert "不满足操作条件" in form
    assert '<li data-rule="scale.revenue_below">最近年度营业收入1500万元，未达到规上工业门槛2000万元</li>' in form
    assert "企业已达标，请审核</textarea>" in form
    assert "未能执行“申报升规”：不满足操作条件" in html
    assert "guard-reasons" not in form_of(html, "abandon")
    assert state_of(session, case_id) == ("cultivating", 2) and events(session) == before


def test_validation_failure_shows_errors_beside_fields(client, make_case, session):
    case_id = make_case("stock_to_listed", ["file_tutoring"], legal_form="股份有限公司")
    login(client, "xihu")
    response = act(client, case_id, "file_application", comment="已受理，待补板块")
    assert response.status_code == 400
    form = form_of(response.get_data(as_text=True), "file_application")
    assert 'class="form-select form-select-sm is-invalid"' in form and 'aria-invalid="true"' in form
    assert '<div class="invalid-feedback d-block">此项必填</div>' in form
    assert "已受理，待补板块</textarea>" in form
    assert state_of(session, case_id) == ("tutoring", 2)


def test_validation_failure_keeps_the_typed_values(client, make_case, session):
    case_id = make_case("ind_to_ent", ["confirm_intent", "submit_registration"],
                        uscc=uscc(kind="92"), legal_form="个体工商户", industry="F52")
    login(client, "xihu")
    response = act(client, case_id, "complete", comment="新设公司", legal_form="有限责任公司",
                   route="deregister_setup", new_uscc="91330106MA2XXXXX0A")
    assert response.status_code == 400
    form = form_of(response.get_data(as_text=True), "complete")
    assert "第18位" in form and 'value="91330106MA2XXXXX0A"' in form
    assert '<option selected value="deregister_setup">' in form and '<option selected value="有限责任公司">' in form
    assert state_of(session, case_id) == ("registering", 3)


def test_stale_form_keeps_the_comment_and_shows_the_other_step(client, make_case, session, users, now):
    from workflows.machine import fire

    case_id = make_case("small_to_scale")
    login(client, "xihu")
    seen = version_in(case_page(client, case_id), "abandon")
    case = session.get(UpgradeCase, case_id)  # meanwhile city staff start the cultivation
    fire(session, case, "start_cultivation", actor=users["city"], now=now, expected_version=seen,
         comment="市局已对接")
    session.commit()
    before = events(session)

    response = post_action(client, case_id, "abandon", version=seen, comment="企业无意愿，建议放弃",
                           reason="经营者明确拒绝")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "该案件已被他人更新（当前状态：培育中）" in html
    assert f'href="/cases/{case_id}" id="reload">重新加载</a>' in html
    form = form_of(html, "abandon")
    assert "\n企业无意愿，建议放弃</textarea>" in form and "\n经营者明确拒绝</textarea>" in form
    assert version_in(html, "abandon") == seen + 1  # resubmitting is a choice made against the new state
    last_action, last_row = history_rows(html)[-1]
    assert last_action == "start_cultivation" and "city" in last_row and "市局已对接" in last_row
    assert events(session) == before and state_of(session, case_id) == ("cultivating", seen + 1)


def test_stale_form_for_an_action_gone_from_the_new_state(client, make_case, session, users, now):
    """The colleague moved the case on: the typed text is shown to copy, since its form is gone."""
    from workflows.machine import fire

    case_id = make_case("small_to_scale")
    login(client, "xihu")
    seen = version_in(case_page(client, case_id), "start_cultivation")
    case = session.get(UpgradeCase, case_id)
    fire(session, case, "start_cultivation", actor=users["city"], now=now, expected_version=seen)
    session.commit()
    response = post_action(client, case_id, "start_cultivation", version=seen, comment=f"首次走访 {EVIL}")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "该案件已被他人更新（当前状态：培育中）" in html
    unsent = html[html.index('id="unsent"'):html.index("</section>", html.index('id="unsent"'))]
    assert f"首次走访 {ESCAPED}" in unsent and EVIL not in html


def test_double_submit_says_the_step_was_ones_own(client, make_case, session):
    case_id = make_case("small_to_scale")
    login(client, "xihu")
    seen = version_in(case_page(client, case_id), "abandon")
    data = {"version": seen, "comment": "重复点击", "reason": "企业注销"}
    assert post_action(client, case_id, "abandon", **data).status_code == 302
    response = post_action(client, case_id, "abandon", **data)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "该案件刚刚已由您本人更新" in html and "当前状态：已放弃" in html and "他人" not in html
    assert "重复点击" in html[html.index('id="unsent"'):]
    assert [a for a, _ in history_rows(html)] == ["open", "abandon"]


def test_illegal_transition_at_current_version_is_a_top_message(client, make_case, session):
    case_id = make_case("small_to_scale", ["start_cultivation"])
    login(client, "city")
    response = post_action(client, case_id, "approve", version=2)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert '<div class="alert alert-danger" role="alert" id="case-message">当前状态“培育中”下不能执行“approve”</div>' \
        in html
    assert state_of(session, case_id) == ("cultivating", 2)


@pytest.mark.parametrize(("username", "action", "version", "status"), [
    ("xihu", "approve", 3, 403),       # an approving step is city staff's
    ("xihu", "fly", 3, 404),           # no such action
    ("xihu", "abandon", None, 400),    # the form lost its version
])
def test_other_refusals(client, make_case, session, username, action, version, status):
    case_id = make_case("small_to_scale", ["start_cultivation", "declare"], industry="C39",
                        indicators={2024: {"revenue": "2500"}})
    login(client, username)
    before = events(session)
    data = {"comment": "x", "reason": "y"} | ({"version": str(version)} if version else {})
    response = client.post(f"/cases/{case_id}/actions/{action}", data=data)
    assert response.status_code == status
    if status == 400:
        assert "页面缺少案件版本号" in response.get_data(as_text=True)
    assert events(session) == before and state_of(session, case_id) == ("declared", 3)


# --- scope and roles -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("username", "get_status", "post_status"), [
    ("shangcheng", 404, 404),  # another district's case: not revealed
    ("leader", 200, 403),      # reads everything, writes nothing
    ("admin", 403, 403),       # manages users only
])
def test_scope_and_roles(client, make_case, session, username, get_status, post_status):
    case_id = make_case("small_to_scale", name="西湖区保密企业")
    login(client, username)
    response = client.get(f"/cases/{case_id}")
    assert response.status_code == get_status
    assert ("西湖区保密企业" in response.get_data(as_text=True)) == (get_status == 200)
    before = events(session)
    response = post_action(client, case_id, "start_cultivation", version=1)
    assert response.status_code == post_status
    assert "西湖区保密企业" not in response.get_data(as_text=True)
    assert events(session) == before and state_of(session, case_id) == ("identified", 1)


def test_unknown_case_is_404(client, users):
    login(client, "city")
    assert client.get("/cases/999999").status_code == 404
    assert post_action(client, 999999, "abandon", version=1, reason="x").status_code == 404


def test_anonymous_is_sent_to_login(client, make_case):
    case_id = make_case()
    response = client.get(f"/cases/{case_id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert post_action(client, case_id, "start_cultivation", version=1).status_code == 302


# --- markup is text --------------------------------------------------------------------------------------

def test_markup_in_comments_and_fields_is_escaped(client, make_case, session):
    case_id = make_case("small_to_scale", name=f"{EVIL}有限公司")
    login(client, "xihu")
    assert act(client, case_id, "start_cultivation", comment=EVIL).status_code == 302
    response = act(client, case_id, "declare", comment=EVIL, justification=EVIL)  # refused: no figures
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert EVIL not in html
    assert f"\n{ESCAPED}</textarea>" in form_of(html, "declare")
    switch(client, "city")
    assert act(client, case_id, "abandon", comment=EVIL, reason=EVIL).status_code == 302
    html = case_page(client, case_id)
    assert EVIL not in html
    rows = dict(history_rows(html))
    assert ESCAPED in rows["start_cultivation"] and f"原因：{ESCAPED}" in rows["abandon"]
    assert EVIL not in page(client, "/firms/" + session.get(UpgradeCase, case_id).firm.uscc)


# --- CSRF, switched on as in production ------------------------------------------------------------------

def test_forms_without_csrf_token_are_refused(csrf_app, users, firms):
    firm = firms()
    client = csrf_app.test_client()
    login_form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_form).group(1)
    assert client.post("/login", data={"username": "xihu", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    firm_html = client.get(f"/firms/{firm.uscc}").get_data(as_text=True)
    open_form = firm_html[firm_html.index('id="open-case"'):]
    token = re.search(r'name="csrf_token" value="([^"]+)"', open_form).group(1)

    for data in ({"kind": "small_to_scale"}, {"kind": "small_to_scale", "csrf_token": "forged"}):
        refused = client.post(f"/cases/open/{firm.uscc}", data=data)
        assert refused.status_code == 400 and "安全令牌" in refused.get_data(as_text=True)
    opened = client.post(f"/cases/open/{firm.uscc}", data={"kind": "small_to_scale", "csrf_token": token})
    assert opened.status_code == 302
    case_url = opened.headers["Location"]

    html = client.get(case_url).get_data(as_text=True)
    form = form_of(html, "start_cultivation")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    action_url = f"{case_url}/actions/start_cultivation"
    refused = client.post(action_url, data={"version": "1", "comment": "无令牌"})
    assert refused.status_code == 400 and "安全令牌" in refused.get_data(as_text=True)
    assert current_state(client.get(case_url).get_data(as_text=True)) == ["identified"]
    done = client.post(action_url, data={"version": "1", "comment": "有令牌", "csrf_token": token})
    assert done.status_code == 302
    assert current_state(client.get(case_url).get_data(as_text=True)) == ["cultivating"]
