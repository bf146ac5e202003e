"""The pool routes of /api/v1: the pools with their fill, targets and capacities, nominations, member lists."""

import pytest
from sqlalchemy import event, func, select

from models import AuditEvent, Pool, PoolMembership, db
from tests.factories import SHANGCHENG, XIHU, uscc
from tests.functional.api import assert_error
from tests.functional.pool_api import NOMINATION, counts, pool_id

POOL_KEYS = {"id", "level", "district", "name", "target", "capacity", "admitted", "nominated"}
MEMBERSHIP_KEYS = {"id", "uscc", "firm_name", "district", "pool_id", "pool_name", "level", "state", "state_label",
                   "version", "cultivation_type", "cultivation_type_label", "batch", "nomination_reason",
                   "end_reason", "end_reason_label", "nominated_by", "decided_by", "nominated_at", "decided_at",
                   "ended_at", "state_entered_at", "eligibility", "actions"}


def targets(session) -> dict[int, int]:
    session.expire_all()
    return dict(session.execute(select(Pool.id, Pool.target)).all())


def county_total(session) -> int:
    session.expire_all()
    return session.scalar(select(func.sum(Pool.target)).where(Pool.level == "county"))


# --- GET /pools ------------------------------------------------------------------------------------------

def test_pools_list_every_pool_with_its_fill(api, session, member):
    member("nominated")
    member("admitted")
    member("admitted", level="city")
    member("removed", district=SHANGCHENG)
    body = api["city"].get("/pools").get_json()
    assert body["total"] == len(body["items"]) == 14
    city, *county = body["items"]
    assert set(city) == POOL_KEYS
    assert (city["level"], city["district"], city["name"], city["target"], city["capacity"]) == \
        ("city", None, "市级培育库", 12_000, None)
    assert (city["admitted"], city["nominated"]) == (1, 0)
    assert {p["level"] for p in county} == {"county"} and sum(p["target"] for p in county) == 45_000
    xihu = next(p for p in county if p["district"] == XIHU)
    assert (xihu["name"], xihu["admitted"], xihu["nominated"]) == ("西湖区县级培育库", 2, 1)
    shangcheng = next(p for p in county if p["district"] == SHANGCHENG)
    assert (shangcheng["admitted"], shangcheng["nominated"]) == (0, 0)  # removed is neither


@pytest.mark.parametrize("role", ["city", "leader", "xihu", "admin"])
def test_every_role_reads_every_pool(api, role):
    """Targets and fill are the plan's published figures: a county officer sees the other districts' too."""
    response = api[role].get("/pools")
    assert response.status_code == 200
    assert len(response.get_json()["items"]) == 14


def test_pool_counts_are_one_query_not_one_per_pool(api, member):
    member("admitted")
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert api["leader"].get("/pools").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len([s for s in statements if "pool_memberships" in s]) == 1


def test_one_pool_and_unknown_pool(api, session):
    body = api["xihu"].get(f"/pools/{pool_id(session, XIHU)}").get_json()
    assert set(body) == POOL_KEYS and body["district"] == XIHU
    assert_error(api["city"].get("/pools/999999"), 404, "not_found")


def test_pools_need_a_token(client):
    assert_error(client.get("/api/v1/pools"), 401, "unauthenticated")


# --- PATCH /pools/<id> -----------------------------------------------------------------------------------

def test_admin_sets_the_city_target_and_a_capacity_audited(api, session, member):
    member("admitted", level="city")
    city = pool_id(session)
    response = api["admin"].patch(f"/pools/{city}", json={"target": 13_000, "capacity": 1, "comment": "年度调整"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["target"], body["capacity"], body["admitted"]) == (13_000, 1, 1)
    assert body["changes"] == {"target": [12_000, 13_000], "capacity": [None, 1]}
    audit = session.scalars(select(AuditEvent).filter_by(subject_type="pool", subject_id=city)).one()
    assert (audit.action, audit.actor_name, audit.comment) == ("update", "admin", "年度调整")
    assert audit.evidence["changes"] == body["changes"]
    lifted = api["admin"].patch(f"/pools/{city}", json={"capacity": None}).get_json()
    assert lifted["capacity"] is None and lifted["changes"] == {"capacity": [1, None]}


def test_capacity_below_the_admitted_count_is_refused(api, session, member):
    member("admitted")
    member("admitted")
    xihu = pool_id(session, XIHU)
    before = counts(session)
    error = assert_error(api["admin"].patch(f"/pools/{xihu}", json={"capacity": 1}), 400, "validation_error")
    assert "已入库2家" in error["fields"]["capacity"]
    assert counts(session) == before
    assert session.get(Pool, xihu).capacity is None
    assert api["admin"].patch(f"/pools/{xihu}", json={"capacity": 2}).get_json()["capacity"] == 2


def test_a_county_target_alone_cannot_break_the_45000_total(api, session):
    xihu = pool_id(session, XIHU)
    before = targets(session), counts(session)
    error = assert_error(api["admin"].patch(f"/pools/{xihu}", json={"target": 5_000}), 400, "validation_error")
    assert "45000" in error["fields"]["target"] and "县级培育库目标合计" in error["message"]
    assert (targets(session), counts(session)) == before


@pytest.mark.parametrize("body, field", [
    ({"target": -1}, "target"),
    ({"target": "many"}, "target"),
    ({"target": True}, "target"),
    ({"target": None}, "target"),
    ({"capacity": 1.5}, "capacity"),
    ({"capacity": -3}, "capacity"),
    ({"size": 10}, "size"),
    ({}, "body"),
    ({"comment": 7, "target": 12_000}, "comment"),
])
def test_bad_pool_edits_are_400(api, session, body, field):
    error = assert_error(api["admin"].patch(f"/pools/{pool_id(session)}", json=body), 400, "validation_error")
    assert field in error["fields"]


@pytest.mark.parametrize("role", ["city", "leader", "xihu"])
def test_only_admins_edit_pools(api, session, role):
    before = targets(session)
    assert_error(api[role].patch(f"/pools/{pool_id(session)}", json={"target": 1}), 403, "not_permitted")
    assert_error(api[role].patch("/pools", json={"targets": {}}), 403, "not_permitted")
    assert targets(session) == before


def test_unknown_pool_edit_is_404(api):
    assert_error(api["admin"].patch("/pools/999999", json={"target": 1}), 404, "not_found")


# --- PATCH /pools ----------------------------------------------------------------------------------------

def test_moving_target_between_districts_in_one_edit(api, session):
    xihu, shangcheng = pool_id(session, XIHU), pool_id(session, SHANGCHENG)
    before = targets(session)
    body = {"targets": {str(xihu): before[xihu] + 500, str(shangcheng): before[shangcheng] - 500},
            "capacity": {str(xihu): 10_000}, "comment": "西湖区新设企业多"}
    response = api["admin"].patch("/pools", json=body)
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert len(result["items"]) == 14
    assert result["changes"] == {
        str(xihu): {"target": [before[xihu], before[xihu] + 500], "capacity": [None, 10_000]},
        str(shangcheng): {"target": [before[shangcheng], before[shangcheng] - 500]},
    }
    assert county_total(session) == 45_000
    assert session.query(AuditEvent).filter_by(subject_type="pool", action="update").count() == 2


def test_a_bulk_edit_that_breaks_the_total_writes_nothing(api, session):
    xihu, shangcheng = pool_id(session, XIHU), pool_id(session, SHANGCHENG)
    before, written = targets(session), counts(session)
    body = {"targets": {str(xihu): before[xihu] + 500, str(shangcheng): before[shangcheng] - 499}}
    error = assert_error(api["admin"].patch("/pools", json=body), 400, "validation_error")
    assert "45001" in error["fields"]["target"]
    assert (targets(session), counts(session)) == (before, written)


@pytest.mark.parametrize("body, field", [
    ({"targets": [1, 2]}, "targets"),
    ({"targets": {"abc": 1}}, "targets.abc"),
    ({"targets": {"999999": 1}}, "pool.999999"),
    ({"capacity": "none"}, "capacity"),
    ({"target": 1}, "target"),
    ({}, "body"),
])
def test_malformed_bulk_edits_are_400(api, session, body, field):
    before = targets(session)
    error = assert_error(api["admin"].patch("/pools", json=body), 400, "validation_error")
    assert field in error["fields"]
    assert targets(session) == before


# --- POST /pools/<id>/nominations ------------------------------------------------------------------------

def test_nominate_returns_the_membership(api, session, eligible):
    code = eligible(name="杭州西溪新材料有限公司")
    response = api["xihu"].post(f"/pools/{pool_id(session, XIHU)}/nominations", json={"uscc": code, **NOMINATION})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == MEMBERSHIP_KEYS
    assert response.headers["Location"].endswith(f"/api/v1/memberships/{body['id']}")
    assert (body["uscc"], body["firm_name"], body["level"], body["state"], body["state_label"], body["version"]) == \
        (code, "杭州西溪新材料有限公司", "county", "nominated", "已推荐待审核", 1)
    assert (body["cultivation_type"], body["cultivation_type_label"], body["batch"]) == ("growth", "成长型", "2026-1")
    assert (body["nominated_by"], body["decided_by"], body["eligibility"]) == ("xihu", None, [])
    assert [a["name"] for a in body["actions"]] == ["withdraw"]  # four eyes: not their own admission
    events = session.scalars(select(AuditEvent).filter_by(subject_type="membership")).all()
    assert [(e.action, e.to_state, e.actor_name) for e in events] == [("nominate", "nominated", "xihu")]


def test_city_nomination_after_county_admission(api, session, member):
    county = session.get(PoolMembership, member("admitted"))
    body = {"uscc": county.firm.uscc, **NOMINATION, "cultivation_type": "leading"}
    response = api["xihu"].post(f"/pools/{pool_id(session)}/nominations", json=body)
    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["level"], response.get_json()["cultivation_type_label"]) == ("city", "领军型")


def test_nomination_refusals(api, session, eligible, member, make_firm):
    xihu_pool, city_pool = pool_id(session, XIHU), pool_id(session)
    shangcheng_firm = eligible(district=SHANGCHENG)
    active = session.get(PoolMembership, member("nominated")).firm.uscc
    individual = make_firm(legal_form="个体工商户", abnormal=True, registered_on="2015-01-01")
    fresh = eligible()
    cases = [
        (api["xihu"], xihu_pool, {"uscc": uscc(n=999_999)}, 404, "not_found"),
        (api["xihu"], pool_id(session, SHANGCHENG), {"uscc": shangcheng_firm}, 403, "not_permitted"),
        (api["xihu"], xihu_pool, {"uscc": shangcheng_firm}, 403, "not_permitted"),
        (api["city"], xihu_pool, {"uscc": active}, 409, "duplicate"),
        (api["city"], xihu_pool, {"uscc": individual}, 422, "guard_failed"),
        (api["city"], city_pool, {"uscc": fresh}, 422, "guard_failed"),
        (api["city"], 999_999, {"uscc": fresh}, 404, "not_found"),
        (api["leader"], xihu_pool, {"uscc": fresh}, 403, "not_permitted"),
        (api["admin"], xihu_pool, {"uscc": fresh}, 403, "not_permitted"),
    ]
    before = counts(session)
    errors = []
    for client, pool, body, status, code in cases:
        errors.append(assert_error(client.post(f"/pools/{pool}/nominations", json={**NOMINATION, **body}),
                                   status, code))
        assert counts(session) == before
    rules = {r["rule"] for r in errors[4]["reasons"]}
    assert rules == {"stage", "abnormal", "no_indicators"}
    assert all(set(r) == {"rule", "message", "value", "threshold"} for r in errors[4]["reasons"])
    assert [r["rule"] for r in errors[5]["reasons"]] == ["county_membership"]


@pytest.mark.parametrize("body, fields", [
    ({**NOMINATION, "uscc": None}, {"uscc"}),
    ({**NOMINATION, "uscc": 12}, {"uscc"}),
    ({}, {"reason", "cultivation_type", "batch"}),
    ({"reason": " ", "cultivation_type": "huge", "batch": "第一批"}, {"reason", "cultivation_type", "batch"}),
])
def test_bad_nominations_are_400(api, session, eligible, body, fields):
    code = eligible()
    before = counts(session)
    response = api["city"].post(f"/pools/{pool_id(session, XIHU)}/nominations", json={"uscc": code, **body})
    assert set(assert_error(response, 400, "validation_error")["fields"]) == fields
    assert counts(session) == before


# --- GET /pools/<id>/members -----------------------------------------------------------------------------

def test_member_list_pages_and_filters(api, session, member, eligible):
    ids = [member("nominated", uscc=eligible(name=f"杭州列表测试{i}号有限公司")) for i in range(3)]
    ids.append(member("admitted", cultivation_type="startup", batch="2025-2"))
    ids.append(member("removed"))
    xihu = pool_id(session, XIHU)
    body = api["city"].get(f"/pools/{xihu}/members?per_page=2").get_json()
    assert (body["total"], body["page"], body["per_page"], [m["id"] for m in body["items"]]) == (5, 1, 2, ids[:2])
    assert api["city"].get(f"/pools/{xihu}/members?per_page=2&page=3").get_json()["items"][0]["id"] == ids[4]

    def found(query: str) -> list[int]:
        return [m["id"] for m in api["city"].get(f"/pools/{xihu}/members?{query}").get_json()["items"]]

    assert found("state=nominated") == ids[:3]
    assert found("state=removed") == [ids[4]]
    assert found("cultivation_type=startup") == found("batch=2025-2") == [ids[3]]
    assert found("q=列表测试2号") == [ids[2]]
    code = session.get(PoolMembership, ids[1]).firm.uscc
    assert found(f"q={code.lower()}") == [ids[1]]
    assert found(f"district={XIHU}") == ids and found(f"district={SHANGCHENG}") == []
    row = next(m for m in body["items"] if m["id"] == ids[0])
    assert row["nominated_by"] == "city" and "actions" not in row


def test_member_list_refusals(api, session):
    xihu = pool_id(session, XIHU)
    error = assert_error(api["city"].get(f"/pools/{xihu}/members?state=gone&cultivation_type=x"), 400,
                         "validation_error")
    assert set(error["fields"]) == {"state", "cultivation_type"}
    assert_error(api["city"].get(f"/pools/{xihu}/members?per_page=201"), 400, "validation_error")
    assert_error(api["city"].get("/pools/999999/members"), 404, "not_found")
    assert_error(api["admin"].get(f"/pools/{xihu}/members"), 403, "not_permitted")


def test_county_officers_list_their_own_district_only(api, session, member):
    own = member("admitted", level="city")
    member("admitted", level="city", district=SHANGCHENG)
    member("nominated", district=SHANGCHENG)
    city = pool_id(session)
    assert [m["id"] for m in api["xihu"].get(f"/pools/{city}/members").get_json()["items"]] == [own]
    assert api["leader"].get(f"/pools/{city}/members").get_json()["total"] == 2
    assert api["xihu"].get(f"/pools/{pool_id(session, SHANGCHENG)}/members").get_json()["total"] == 0
