"""The firm routes of /api/v1: list, detail, create, edit, annual figures, opening cases, history."""

import re

import pytest

from models import AuditEvent
from tests.factories import SHANGCHENG, XIHU, firm_payload, uscc
from tests.functional.api import assert_error

HANGZHOU_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")
FIRM_KEYS = {"uscc", "name", "legal_form", "district", "district_name", "industry", "registered_on", "status",
             "stage", "size_class", "tags", "abnormal", "serious_violation", "tech_sme", "high_tech"}


def events(session) -> int:
    return session.query(AuditEvent).count()


# --- GET /firms ------------------------------------------------------------------------------------------

def test_list_shape_and_paging(api, make_firm):
    codes = [make_firm() for _ in range(3)]
    body = api["city"].get("/firms?per_page=2").get_json()
    assert set(body) == {"items", "total", "page", "per_page"}
    assert (body["total"], body["page"], body["per_page"]) == (3, 1, 2)
    assert set(body["items"][0]) == FIRM_KEYS
    second = api["city"].get("/firms?per_page=2&page=2").get_json()
    assert [f["uscc"] for f in body["items"] + second["items"]] == codes


@pytest.mark.parametrize("query", ["per_page=201", "per_page=0", "page=0", "page=x"])
def test_list_paging_out_of_range(api, query):
    error = assert_error(api["city"].get(f"/firms?{query}"), 400, "validation_error")
    assert set(error["fields"]) <= {"page", "per_page"} and error["fields"]


def test_list_per_page_200_is_allowed(api):
    assert api["city"].get("/firms?per_page=200").get_json()["per_page"] == 200


def test_list_filters(api, make_firm):
    machine = make_firm(industry="C39", tags=["equipment"], name="杭州精工机械有限公司")
    shop = make_firm(industry="F5211", tags=[], name="西湖便利店", legal_form="个体工商户")
    other = make_firm(district=SHANGCHENG, industry="I65", tags=["information"], name="上城软件有限公司",
                      high_tech=True)

    def found(query):
        return [f["uscc"] for f in api["city"].get(f"/firms?{query}").get_json()["items"]]

    assert found(f"district={XIHU}") == [machine, shop]
    assert found("industry=c") == [machine]
    assert found("industry=F52") == [shop]
    assert found("stage=individual") == [shop]
    assert found("tags=information") == [other]
    assert found("high_tech=true") == [other]
    assert found("q=便利") == [shop]
    assert found(f"q={other.lower()}") == [other]
    assert found("status=active") == [machine, shop, other]
    assert found("status=deregistered") == []


def test_list_bad_filter_names_the_field(api):
    error = assert_error(api["city"].get("/firms?stage=giant&abnormal=maybe"), 400, "validation_error")
    assert set(error["fields"]) == {"stage", "abnormal"}


def test_county_officer_lists_only_own_district(api, make_firm):
    mine = make_firm(district=XIHU)
    make_firm(district=SHANGCHENG)
    body = api["xihu"].get("/firms").get_json()
    assert [f["uscc"] for f in body["items"]] == [mine] and body["total"] == 1
    # Asking for another district by filter shows nothing rather than an error.
    assert api["xihu"].get(f"/firms?district={SHANGCHENG}").get_json()["total"] == 0
    assert api["leader"].get("/firms").get_json()["total"] == 2


# --- GET /firms/<uscc> -----------------------------------------------------------------------------------

def test_detail_shape(api, make_firm, make_case):
    code = make_firm(indicators={2023: {"revenue": 1500, "profit": "-12.5", "employees": 30},
                                 2024: {"revenue": "1800.4", "employees": 35}})
    case_id = make_case("small_to_scale", code)
    body = api["xihu"].get(f"/firms/{code.lower()}").get_json()
    assert FIRM_KEYS | {"predecessor_uscc", "indicators", "cases", "honours"} == set(body)
    assert body["uscc"] == code and body["stage"] == "enterprise" and body["district"] == XIHU
    assert body["district_name"] == "西湖区"
    assert body["registered_on"] == "2019-05-20"
    assert body["predecessor_uscc"] is None
    assert body["size_class"] == "small"
    assert [row["year"] for row in body["indicators"]] == [2024, 2023]
    latest, older = body["indicators"]
    assert latest["revenue"] == "1800.40" and latest["tax"] is None and latest["employees"] == 35
    assert older["revenue"] == "1500.00" and older["profit"] == "-12.50"
    assert body["cases"] == [{"id": case_id, "kind": "small_to_scale", "kind_label": "小升规",
                              "state": "identified", "state_label": "已识别", "version": 1, "is_open": True}]


def test_detail_unknown_uscc_is_404(api):
    assert_error(api["city"].get(f"/firms/{uscc()}"), 404, "not_found")


# --- POST /firms -----------------------------------------------------------------------------------------

def test_create_firm(api, session):
    data = firm_payload(legal_form="股份有限公司")
    response = api["xihu"].post("/firms", json=data)
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/firms/{data['uscc']}")
    assert body["stage"] == "joint_stock"  # derived from the legal form
    assert body["status"] == "active" and body["size_class"] == "unknown"
    assert body["indicators"] == [] and body["cases"] == []
    assert body["tags"] == ["equipment"]
    assert api["xihu"].get(f"/firms/{data['uscc']}").status_code == 200
    created = session.query(AuditEvent).filter_by(action="create", subject_type="firm").one()
    assert created.actor_name == "xihu"


def test_html_in_name_is_stored_and_returned_as_typed(api):
    name = '<script>alert("x")</script>杭州&公司'
    data = firm_payload(name=name)
    assert api["city"].post("/firms", json=data).get_json()["name"] == name
    assert api["city"].get(f"/firms/{data['uscc']}").get_json()["name"] == name
    assert api["city"].get("/firms").mimetype == "application/json"


def test_create_duplicate_uscc_is_409(api, make_firm, session):
    code = make_firm()
    before = events(session)
    error = assert_error(api["city"].post("/firms", json=firm_payload(uscc=code)), 409, "duplicate")
    assert code in error["message"]
    assert events(session) == before


def test_losing_a_unique_race_is_409_and_writes_nothing(api, make_firm, session, monkeypatch):
    """Two requests with one USCC can both pass the duplicate check; the unique index decides, as a 409."""
    import pool.api.firms as views
    from models import Firm

    taken = make_firm()

    def racing_create(session, data, *, actor, now):
        session.add(Firm(uscc=taken, name="并发提交有限公司", legal_form="有限责任公司", stage="enterprise",
                         district_code=XIHU, industry="C39"))
        session.flush()

    monkeypatch.setattr(views, "create_firm", racing_create)
    before = events(session)
    assert_error(api["city"].post("/firms", json=firm_payload()), 409, "duplicate")
    assert events(session) == before
    assert api["city"].get("/firms").get_json()["total"] == 1


@pytest.mark.parametrize(("bad", "field", "fragment"), [
    ({"uscc": "91330106MA2XXXXX0A"}, "uscc", "第18位"),
    ({"uscc": "91330106MA2XXXXX"}, "uscc", "长度"),
    ({"uscc": "91330106MA2XXXIX0Y"}, "uscc", "第15位"),
    ({"name": "  "}, "name", "不能为空"),
    ({"legal_form": "有限公司"}, "legal_form", "组织形式"),
    ({"district": "330103"}, "district", "未知的区县"),
    ({"district": "abc"}, "district", "6位"),
    ({"industry": "Q99"}, "industry", ""),
    ({"registered_on": "2021-02-30"}, "registered_on", "日期"),
    ({"tags": ["space"]}, "tags", "space"),
    ({"stage": "listed"}, "stage", "升级案件"),
    ({"colour": "red"}, "colour", "未知字段"),
])
def test_create_firm_bad_fields(api, session, bad, field, fragment):
    before = events(session)
    error = assert_error(api["city"].post("/firms", json=firm_payload(**bad)), 400, "validation_error")
    assert fragment in error["fields"][field]
    assert events(session) == before


def test_create_firm_missing_fields_listed_together(api):
    error = assert_error(api["city"].post("/firms", json={}), 400, "validation_error")
    assert set(error["fields"]) == {"uscc", "name", "legal_form", "district", "industry"}


# --- PATCH /firms/<uscc> ---------------------------------------------------------------------------------

def test_patch_firm_returns_changes(api, make_firm, session):
    code = make_firm(name="旧名有限公司")
    response = api["xihu"].patch(f"/firms/{code}", json={"name": "新名有限公司", "tech_sme": True,
                                                        "comment": "更名"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["name"] == "新名有限公司" and body["tech_sme"] is True
    assert body["changes"] == {"name": ["旧名有限公司", "新名有限公司"], "tech_sme": [False, True]}
    event = session.query(AuditEvent).filter_by(action="update").one()
    assert event.comment == "更名" and event.evidence["changes"]["name"] == ["旧名有限公司", "新名有限公司"]


def test_patch_without_changes_writes_no_event(api, make_firm, session):
    code = make_firm(name="同名有限公司")
    before = events(session)
    body = api["city"].patch(f"/firms/{code}", json={"name": "同名有限公司"}).get_json()
    assert body["changes"] == {}
    assert events(session) == before


@pytest.mark.parametrize("bad", [{"stage": "listed"}, {"uscc": uscc()}, {"size_class": "large"},
                                 {"status": "gone"}])
def test_patch_refuses_read_only_and_bad_fields(api, make_firm, bad):
    code = make_firm()
    error = assert_error(api["city"].patch(f"/firms/{code}", json=bad), 400, "validation_error")
    assert set(error["fields"]) == set(bad)
    assert api["city"].get(f"/firms/{code}").get_json()["stage"] == "enterprise"


def test_officer_cannot_move_a_firm_to_another_district(api, make_firm):
    code = make_firm(district=XIHU)
    assert_error(api["xihu"].patch(f"/firms/{code}", json={"district": SHANGCHENG}), 403, "not_permitted")
    assert api["city"].patch(f"/firms/{code}", json={"district": SHANGCHENG}).status_code == 200
    assert_error(api["xihu"].get(f"/firms/{code}"), 404, "not_found")


# --- PUT /firms/<uscc>/indicators/<year> -----------------------------------------------------------------

def test_put_indicators_creates_then_replaces(api, make_firm):
    code = make_firm(industry="C39")
    first = api["xihu"].put(f"/firms/{code}/indicators/2024",
                            json={"revenue": 1500, "profit": -20, "employees": 30, "tax": "12.345"})
    assert first.status_code == 201
    body = first.get_json()
    assert body["uscc"] == code and body["year"] == 2024
    assert body["revenue"] == "1500.00" and body["profit"] == "-20.00" and body["tax"] == "12.35"
    assert body["export"] is None and body["employees"] == 30
    assert body["size_class"] == "small"
    second = api["xihu"].put(f"/firms/{code}/indicators/2024", json={"revenue": "2500.5", "employees": 30})
    assert second.status_code == 200
    assert second.get_json()["changes"]["revenue"] == ["1500.00", "2500.50"]
    assert second.get_json()["profit"] is None  # PUT replaces the year: a figure left out is unknown
    detail = api["xihu"].get(f"/firms/{code}").get_json()
    assert [(r["year"], r["revenue"]) for r in detail["indicators"]] == [(2024, "2500.50")]


@pytest.mark.parametrize(("year", "body", "field"), [
    ("1999", {"revenue": 1}, "year"),
    ("2101", {"revenue": 1}, "year"),
    ("twenty", {"revenue": 1}, "year"),
    ("2024", {"revenue": -1}, "revenue"),
    ("2024", {"revenue": "很多"}, "revenue"),
    ("2024", {"employees": 2.5}, "employees"),
    ("2024", {"tax": True}, "tax"),
    ("2024", {"turnover": 5}, "turnover"),
])
def test_put_indicators_bad_input(api, make_firm, session, year, body, field):
    code = make_firm()
    before = events(session)
    error = assert_error(api["city"].put(f"/firms/{code}/indicators/{year}", json=body), 400, "validation_error")
    assert field in error["fields"]
    assert events(session) == before
    assert api["city"].get(f"/firms/{code}").get_json()["indicators"] == []


@pytest.mark.parametrize("year", ["2000", "2026"])  # the clock is 2026-11-30: the year under way is the last
def test_put_indicators_year_bounds_are_inclusive(api, make_firm, year):
    code = make_firm()
    assert api["city"].put(f"/firms/{code}/indicators/{year}", json={"revenue": 1}).status_code == 201


@pytest.mark.parametrize("year, message", [("1999", "年度不能早于2000年"), ("2027", "年度不能晚于今年（2026）"),
                                           ("2100", "年度不能晚于今年（2026）")])
def test_put_indicators_for_a_year_not_yet_begun_is_refused(api, make_firm, year, message):
    code = make_firm()
    error = assert_error(api["city"].put(f"/firms/{code}/indicators/{year}", json={"revenue": 1}), 400,
                         "validation_error")
    assert error["fields"] == {"year": message}


@pytest.mark.parametrize("day, message", [("2026-12-01", "成立日期不能晚于今天（2026-11-30）"),
                                          ("1800-01-01", "成立日期不能早于1949-10-01")])
def test_registration_dates_outside_the_registers_are_refused(api, day, message):
    error = assert_error(api["city"].post("/firms", json=firm_payload(registered_on=day)), 400, "validation_error")
    assert error["fields"] == {"registered_on": message}


# --- POST /firms/<uscc>/cases ----------------------------------------------------------------------------

def test_open_case(api, make_firm, session):
    code = make_firm()
    response = api["xihu"].post(f"/firms/{code}/cases", json={"kind": "small_to_scale", "comment": "达标在望"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["uscc"] == code and body["kind"] == "small_to_scale"
    assert body["state"] == "identified" and body["version"] == 1 and body["is_open"] is True
    assert [a["name"] for a in body["actions"]] == ["start_cultivation", "abandon"]
    assert response.headers["Location"].endswith(f"/api/v1/cases/{body['id']}")
    opened = session.query(AuditEvent).filter_by(action="open").one()
    assert (opened.comment, opened.to_state, opened.actor_name) == ("达标在望", "identified", "xihu")


@pytest.mark.parametrize("body", [{"kind": "moon_shot"}, {}, {"kind": 3}])
def test_open_case_unknown_kind(api, make_firm, body):
    code = make_firm()
    error = assert_error(api["city"].post(f"/firms/{code}/cases", json=body), 400, "validation_error")
    assert "kind" in error["fields"]


def test_open_case_stage_does_not_allow(api, make_firm):
    code = make_firm()  # 有限责任公司: an enterprise, not yet a 股份有限公司
    error = assert_error(api["city"].post(f"/firms/{code}/cases", json={"kind": "stock_to_listed"}),
                         422, "guard_failed")
    assert [r["rule"] for r in error["reasons"]] == ["stage_mismatch"]
    assert set(error["reasons"][0]) == {"rule", "message", "value", "threshold"}


def test_open_case_twice_is_duplicate(api, make_firm, session):
    code = make_firm()
    assert api["city"].post(f"/firms/{code}/cases", json={"kind": "small_to_scale"}).status_code == 201
    before = events(session)
    assert_error(api["xihu"].post(f"/firms/{code}/cases", json={"kind": "small_to_scale"}), 409, "duplicate")
    assert events(session) == before
    assert len(api["city"].get(f"/firms/{code}").get_json()["cases"]) == 1


# --- GET /firms/<uscc>/history ---------------------------------------------------------------------------

def test_firm_history_covers_edits_indicators_and_cases(api, make_firm):
    code = make_firm()
    city = api["city"]
    city.patch(f"/firms/{code}", json={"name": "改名后有限公司"})
    city.put(f"/firms/{code}/indicators/2024", json={"revenue": 10})
    case_id = city.post(f"/firms/{code}/cases", json={"kind": "small_to_scale"}).get_json()["id"]
    city.act(case_id, "start_cultivation", comment="开始")
    body = city.get(f"/firms/{code}/history").get_json()
    assert body["total"] == len(body["items"]) == 5
    actions = {e["action"] for e in body["items"]}
    assert actions == {"create", "update", "indicators_create", "open", "start_cultivation"}
    for item in body["items"]:
        assert {"action", "from_state", "to_state", "actor", "at", "comment", "subject_type", "subject_id",
                "changes", "uscc"} <= set(item)
        assert HANGZHOU_TIME.match(item["at"]), item["at"]
        assert item["uscc"] == code
    step = next(e for e in body["items"] if e["action"] == "start_cultivation")
    assert (step["subject_type"], step["subject_id"]) == ("case", case_id)
    assert (step["from_state"], step["to_state"], step["comment"], step["actor"]) == \
        ("identified", "cultivating", "开始", "city")
    update = next(e for e in body["items"] if e["action"] == "update")
    assert update["changes"]["name"][1] == "改名后有限公司"
