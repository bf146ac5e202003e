"""The case routes of /api/v1: reading a case, firing actions, every refusal, the four workflows end to end."""

import re

import pytest

from models import AuditEvent, UpgradeCase
from tests.factories import SHANGCHENG, XIHU, uscc
from tests.functional.api import assert_error

CASE_KEYS = {"id", "uscc", "firm_name", "kind", "kind_label", "state", "state_label", "version", "is_open",
             "attributes", "opened_at", "state_entered_at", "closed_at", "actions"}


@pytest.fixture
def advance(session, users, now):
    """Move a case along as city staff through the workflow engine itself (setup, not the thing tested)."""
    from workflows.machine import fire

    def run(case_id: int, *steps) -> None:
        case = session.get(UpgradeCase, case_id)
        for step in steps:
            name, values = (step, {}) if isinstance(step, str) else step
            fire(session, case, name, actor=users["city"], now=now, expected_version=case.version,
                 values=values)
        session.commit()

    return run


def events(session) -> int:
    return session.query(AuditEvent).count()


def names(actions: list[dict]) -> list[str]:
    return [a["name"] for a in actions]


# --- GET /cases/<id> -------------------------------------------------------------------------------------

def test_case_shape(api, make_case):
    case_id = make_case("small_to_scale", name="杭州示例机械有限公司")
    body = api["xihu"].get(f"/cases/{case_id}").get_json()
    assert set(body) == CASE_KEYS
    assert (body["id"], body["kind"], body["kind_label"]) == (case_id, "small_to_scale", "小升规")
    assert (body["state"], body["state_label"], body["version"], body["is_open"]) == \
        ("identified", "已识别", 1, True)
    assert body["firm_name"] == "杭州示例机械有限公司" and body["attributes"] == {}
    assert body["opened_at"] == body["state_entered_at"] == "2026-11-30T10:00:00+08:00"
    assert body["closed_at"] is None
    assert body["actions"] == [
        {"name": "start_cultivation", "label": "开始培育", "fields": []},
        {"name": "abandon", "label": "放弃",
         "fields": [{"name": "reason", "label": "原因", "kind": "textarea", "required": True}]},
    ]


def test_actions_depend_on_role(api, make_case, advance):
    case_id = make_case("small_to_scale", indicators={2024: {"revenue": 2500}})
    advance(case_id, "start_cultivation", "declare")
    assert names(api["city"].get(f"/cases/{case_id}").get_json()["actions"]) == ["return", "approve", "abandon"]
    assert names(api["xihu"].get(f"/cases/{case_id}").get_json()["actions"]) == ["abandon"]
    assert api["leader"].get(f"/cases/{case_id}").get_json()["actions"] == []


def test_choice_fields_carry_their_choices(api, make_case):
    case_id = make_case("stock_to_listed", legal_form="股份有限公司")
    actions = {a["name"]: a for a in api["xihu"].get(f"/cases/{case_id}").get_json()["actions"]}
    board = actions["file_application"]["fields"][0]
    assert board["name"] == "board" and board["kind"] == "choice"
    assert {"value": "star", "label": "科创板"} in board["choices"]


def test_unknown_case_is_404(api):
    assert_error(api["city"].get("/cases/999999"), 404, "not_found")
    assert_error(api["city"].post("/cases/999999/actions/abandon", json={"version": 1}), 404, "not_found")


def test_case_history(api, make_case, advance):
    case_id = make_case("small_to_scale")
    api["xihu"].act(case_id, "start_cultivation", comment="企业有意愿")
    body = api["city"].get(f"/cases/{case_id}/history").get_json()
    assert body["total"] == 2
    opened, started = body["items"]  # oldest first
    assert (opened["action"], opened["from_state"], opened["to_state"], opened["actor"]) == \
        ("open", None, "identified", "city")
    assert (started["action"], started["from_state"], started["to_state"]) == \
        ("start_cultivation", "identified", "cultivating")
    assert (started["actor"], started["comment"], started["subject_type"], started["subject_id"]) == \
        ("xihu", "企业有意愿", "case", case_id)
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$", started["at"])


# --- POST /cases/<id>/actions/<action>: refusals ---------------------------------------------------------

@pytest.fixture
def cultivating(make_case, advance):
    """A 小升规 case of a 西湖区 firm with no figures yet, at version 2."""
    case_id = make_case("small_to_scale", industry="C39")
    advance(case_id, "start_cultivation")
    return case_id


@pytest.mark.parametrize(("action", "body", "status", "code", "field"), [
    ("declare", {"version": 1}, 409, "stale_version", None),
    ("approve", {"version": 2}, 422, "illegal_transition", None),
    ("fly", {"version": 2}, 404, "not_found", None),
    ("declare", {"version": 2}, 422, "guard_failed", None),
    ("abandon", {"version": 2}, 400, "validation_error", "reason"),
    ("abandon", {"version": 2, "reason": "   "}, 400, "validation_error", "reason"),
    ("declare", {"version": 2, "qualification": "maybe"}, 400, "validation_error", "qualification"),
    ("abandon", {"reason": "企业迁出"}, 400, "validation_error", "version"),
    ("abandon", {"version": "two", "reason": "企业迁出"}, 400, "validation_error", "version"),
    ("abandon", {"version": True, "reason": "企业迁出"}, 400, "validation_error", "version"),
    ("abandon", {"version": 2.5, "reason": "企业迁出"}, 400, "validation_error", "version"),
    ("abandon", {"version": 2, "comment": ["x"], "reason": "企业迁出"}, 400, "validation_error", "comment"),
])
def test_refused_action_writes_nothing(api, session, cultivating, action, body, status, code, field):
    xihu = api["xihu"]
    before_events, before = events(session), xihu.get(f"/cases/{cultivating}").get_json()
    error = assert_error(xihu.post(f"/cases/{cultivating}/actions/{action}", json=body), status, code)
    if field:
        assert field in error["fields"]
    assert events(session) == before_events
    assert xihu.get(f"/cases/{cultivating}").get_json() == before


def test_malformed_json_on_action(api, cultivating):
    response = api["xihu"].post(f"/cases/{cultivating}/actions/abandon", data="{version: 2",
                                headers={"Content-Type": "application/json"})
    assert_error(response, 400, "validation_error")


def test_version_as_digit_string_is_accepted(api, cultivating):
    response = api["xihu"].post(f"/cases/{cultivating}/actions/abandon", json={"version": "2", "reason": "迁出"})
    assert response.status_code == 200 and response.get_json()["state"] == "abandoned"


def test_stale_version_after_someone_else_acted(api, make_case, session):
    case_id = make_case("small_to_scale")
    seen = api["xihu"].get(f"/cases/{case_id}").get_json()["version"]
    assert api["city"].post(f"/cases/{case_id}/actions/start_cultivation", json={"version": seen}).status_code \
        == 200
    before = events(session)
    error = assert_error(
        api["xihu"].post(f"/cases/{case_id}/actions/abandon", json={"version": seen, "reason": "企业无意愿"}),
        409, "stale_version")
    assert "刷新" in error["message"]
    assert events(session) == before
    body = api["xihu"].get(f"/cases/{case_id}").get_json()
    assert (body["state"], body["version"]) == ("cultivating", seen + 1)


def test_guard_failure_lists_reasons(api, cultivating, session, users, now):
    from models import Firm
    from workflows.firms import put_indicators

    firm = session.query(Firm).join(UpgradeCase).filter(UpgradeCase.id == cultivating).one()
    put_indicators(session, firm, 2024, {"revenue": "1999.99"}, actor=users["city"], now=now)
    session.commit()
    error = assert_error(api["xihu"].post(f"/cases/{cultivating}/actions/declare", json={"version": 2}),
                         422, "guard_failed")
    assert error["reasons"] == [{
        "rule": "scale.revenue_below",
        "message": "最近年度营业收入1999.99万元，未达到规上工业门槛2000万元",
        "value": "1999.99",
        "threshold": "2000",
    }]


# --- role × action × district ----------------------------------------------------------------------------

ROLES = ["city", "xihu", "shangcheng", "leader", "admin"]
EXPECTED = {  # action -> status per role, on a 西湖区 firm's case in a state where the action exists
    "start_cultivation": {"city": 200, "xihu": 200, "shangcheng": 404, "leader": 403, "admin": 403},
    "approve": {"city": 200, "xihu": 403, "shangcheng": 404, "leader": 403, "admin": 403},
    "designate_key": {"city": 200, "xihu": 403, "shangcheng": 404, "leader": 403, "admin": 403},
}
CODES = {403: "not_permitted", 404: "not_found"}


@pytest.fixture
def case_for(make_case, advance):
    def build(action: str) -> tuple[int, str]:
        if action == "start_cultivation":
            return make_case("small_to_scale", district=XIHU), "cultivating"
        if action == "approve":
            case_id = make_case("small_to_scale", district=XIHU, industry="C39",
                                indicators={2024: {"revenue": 2500}})
            advance(case_id, "start_cultivation", "declare")
            return case_id, "completed"
        return make_case("stock_to_listed", district=XIHU, legal_form="股份有限公司"), "reserve"
    return build


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(EXPECTED))
def test_role_action_district_matrix(api, session, case_for, role, action):
    case_id, target = case_for(action)
    before_case = session.get(UpgradeCase, case_id)
    version, state = before_case.version, before_case.state
    before_events = events(session)
    response = api[role].post(f"/cases/{case_id}/actions/{action}", json={"version": version})
    expected = EXPECTED[action][role]
    if expected == 200:
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["state"] == target
        assert response.get_json()["version"] == version + 1
        assert events(session) == before_events + 1
    else:
        assert_error(response, expected, CODES[expected])
        assert events(session) == before_events
        session.expire_all()
        after = session.get(UpgradeCase, case_id)
        assert (after.state, after.version) == (state, version)


def test_county_officer_acts_only_in_own_district(api, make_case):
    case_id = make_case("small_to_scale", district=SHANGCHENG)
    assert api["shangcheng"].act(case_id, "start_cultivation").status_code == 200
    assert_error(api["xihu"].post(f"/cases/{case_id}/actions/abandon", json={"version": 2, "reason": "x"}),
                 404, "not_found")


# --- the four workflows end to end -----------------------------------------------------------------------

def open_case(client, code: str, kind: str) -> int:
    response = client.post(f"/firms/{code}/cases", json={"kind": kind})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def step(client, case_id: int, action: str, **fields) -> dict:
    response = client.act(case_id, action, **fields)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_ind_to_ent_direct_change(api, make_firm):
    xihu = api["xihu"]
    code = make_firm(uscc=uscc(kind="92"), legal_form="个体工商户", industry="F52", name="西湖区张记便利店")
    case_id = open_case(xihu, code, "ind_to_ent")
    step(xihu, case_id, "confirm_intent")
    step(xihu, case_id, "submit_registration")
    assert step(xihu, case_id, "return", reason="材料不全")["state"] == "intent"
    step(xihu, case_id, "submit_registration")
    done = step(xihu, case_id, "complete", legal_form="有限责任公司", route="direct_change")
    assert (done["state"], done["is_open"], done["actions"]) == ("completed", False, [])
    assert done["closed_at"] and done["attributes"] == {"route": "direct_change"}
    firm = xihu.get(f"/firms/{code}").get_json()
    assert (firm["uscc"], firm["stage"], firm["legal_form"], firm["status"]) == \
        (code, "enterprise", "有限责任公司", "active")
    history = xihu.get(f"/cases/{case_id}/history").get_json()["items"]
    assert [e["action"] for e in history] == \
        ["open", "confirm_intent", "submit_registration", "return", "submit_registration", "complete"]
    assert history[-1]["changes"]["firm"]["stage"] == ["individual", "enterprise"]


def test_ind_to_ent_deregister_setup(api, make_firm):
    xihu = api["xihu"]
    old = make_firm(uscc=uscc(kind="92"), legal_form="个体工商户", industry="F52", name="西湖区李记小吃")
    case_id = open_case(xihu, old, "ind_to_ent")
    step(xihu, case_id, "confirm_intent")
    step(xihu, case_id, "submit_registration")
    complete = {"legal_form": "有限责任公司", "route": "deregister_setup"}

    error = assert_error(xihu.act(case_id, "complete", **complete), 422, "guard_failed")
    assert [r["rule"] for r in error["reasons"]] == ["new_uscc_required"]
    error = assert_error(xihu.act(case_id, "complete", **complete, new_uscc="91330106MA2XXXXX0A"),
                         400, "validation_error")
    assert "第18位" in error["fields"]["new_uscc"]
    error = assert_error(xihu.act(case_id, "complete", **complete, new_uscc=old), 422, "guard_failed")
    assert [r["rule"] for r in error["reasons"]] == ["new_uscc_same"]

    new = uscc()
    done = step(xihu, case_id, "complete", **complete, new_uscc=new)
    assert done["state"] == "completed" and done["uscc"] == old
    predecessor = xihu.get(f"/firms/{old}").get_json()
    assert (predecessor["status"], predecessor["stage"]) == ("deregistered", "individual")
    successor = xihu.get(f"/firms/{new}").get_json()
    assert (successor["stage"], successor["legal_form"], successor["status"]) == \
        ("enterprise", "有限责任公司", "active")
    assert (successor["predecessor_uscc"], successor["name"], successor["district"]) == (old, "西湖区李记小吃", XIHU)
    history = xihu.get(f"/firms/{new}/history").get_json()["items"]
    assert {"create", "open", "confirm_intent", "submit_registration", "complete"} <= {e["action"] for e in history}
    assert {e["uscc"] for e in history} == {old}
    # The successor is a firm like any other: it may start its own 小升规.
    assert open_case(xihu, new, "small_to_scale")


def test_small_to_scale_revenue_basis(api, make_firm):
    xihu, city = api["xihu"], api["city"]
    code = make_firm(industry="C39", indicators={2023: {"revenue": 1500, "employees": 40}})
    case_id = open_case(xihu, code, "small_to_scale")
    step(xihu, case_id, "start_cultivation")
    error = assert_error(xihu.act(case_id, "declare"), 422, "guard_failed")
    assert error["reasons"][0]["rule"] == "scale.revenue_below"
    assert (error["reasons"][0]["value"], error["reasons"][0]["threshold"]) == ("1500.00", "2000")

    assert xihu.put(f"/firms/{code}/indicators/2024", json={"revenue": 2000, "employees": 60}).status_code == 201
    assert step(xihu, case_id, "declare")["state"] == "declared"
    assert_error(xihu.act(case_id, "approve"), 403, "not_permitted")
    assert step(city, case_id, "return", reason="请补充报表")["state"] == "cultivating"
    step(xihu, case_id, "declare")
    done = step(city, case_id, "approve")
    assert (done["state"], done["is_open"]) == ("completed", False)
    assert xihu.get(f"/firms/{code}").get_json()["stage"] == "above_scale"


def test_scale_to_stock(api, make_firm):
    xihu, city = api["xihu"], api["city"]
    code = make_firm(name="杭州股改试点有限公司")  # a 规下 enterprise: the policy's skip edge
    case_id = open_case(xihu, code, "scale_to_stock")
    for action in ("confirm_intent", "engage_intermediaries", "start_audit", "hold_meeting"):
        step(xihu, case_id, action)
    assert_error(xihu.act(case_id, "complete"), 403, "not_permitted")
    done = step(city, case_id, "complete")
    assert (done["state"], done["is_open"]) == ("completed", False)
    firm = xihu.get(f"/firms/{code}").get_json()
    assert (firm["stage"], firm["legal_form"]) == ("joint_stock", "股份有限公司")
    assert_error(xihu.post(f"/firms/{code}/cases", json={"kind": "scale_to_stock"}), 422, "guard_failed")


def test_stock_to_listed_star_market_full_path(api, make_firm):
    xihu, city = api["xihu"], api["city"]
    code = make_firm(legal_form="股份有限公司", industry="I65")
    case_id = open_case(xihu, code, "stock_to_listed")
    error = assert_error(xihu.act(case_id, "file_application", board="star"), 422, "guard_failed")
    assert error["reasons"][0]["rule"] == "board_requires_full_path"
    assert step(city, case_id, "designate_key")["attributes"] == {"key": True}
    assert_error(city.act(case_id, "designate_key"), 422, "guard_failed")
    step(xihu, case_id, "file_tutoring")
    assert step(xihu, case_id, "file_application", board="star")["state"] == "filed"
    assert_error(xihu.act(case_id, "register"), 403, "not_permitted")
    step(city, case_id, "register")
    done = step(city, case_id, "list")
    assert (done["state"], done["is_open"]) == ("completed", False)
    assert done["attributes"]["board"] == "star" and done["attributes"]["key"] is True
    assert done["attributes"]["listed_on"]
    assert xihu.get(f"/firms/{code}").get_json()["stage"] == "listed"


def test_stock_to_listed_neeq_takes_the_skip_edges(api, make_firm):
    xihu, city = api["xihu"], api["city"]
    code = make_firm(legal_form="股份有限公司")
    case_id = open_case(xihu, code, "stock_to_listed")
    assert_error(xihu.act(case_id, "file_application", board="nasdaq"), 400, "validation_error")
    filed = step(xihu, case_id, "file_application", board="neeq")
    assert (filed["state"], filed["attributes"]) == ("filed", {"board": "neeq"})
    error = assert_error(city.act(case_id, "register"), 422, "guard_failed")
    assert error["reasons"][0]["rule"] == "board_without_registration"
    done = step(city, case_id, "list")
    assert done["state"] == "completed"
    assert xihu.get(f"/firms/{code}").get_json()["stage"] == "listed"
    assert_error(city.act(case_id, "terminate", reason="x"), 422, "illegal_transition")


def test_a_double_click_after_the_state_moved_is_stale_not_illegal(api, make_case, session):
    """The second of two identical posts carries the version the first one used up: 409, not 422."""
    case_id = make_case("small_to_scale")
    seen = api["xihu"].get(f"/cases/{case_id}").get_json()["version"]
    first = api["xihu"].post(f"/cases/{case_id}/actions/start_cultivation", json={"version": seen})
    assert first.status_code == 200
    before = events(session)
    error = assert_error(api["xihu"].post(f"/cases/{case_id}/actions/start_cultivation", json={"version": seen}),
                         409, "stale_version")
    assert "刷新" in error["message"]
    assert events(session) == before
