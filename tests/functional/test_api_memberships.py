"""The membership routes of /api/v1: reading one, firing an action, and bulk actions item by item."""

import pytest
from sqlalchemy import select

from models import AuditEvent, Firm, Pool, PoolMembership
from tests.factories import SHANGCHENG, XIHU
from tests.functional.api import assert_error
from tests.functional.pool_api import counts, pool_id

ERROR_KEYS = {"code", "message", "fields", "reasons"}


def names(actions: list[dict]) -> list[str]:
    return [a["name"] for a in actions]


def state_of(session, membership_id: int) -> tuple[str, int]:
    session.expire_all()
    m = session.get(PoolMembership, membership_id)
    return m.state, m.version


def bulk(client, action: str, ids_versions, **extra):
    items = [{"id": i, "version": v} for i, v in ids_versions]
    return client.post(f"/memberships/bulk/{action}", json={"items": items, **extra})


# --- GET /memberships/<id> -------------------------------------------------------------------------------

def test_membership_detail(api, member, session):
    membership_id = member("admitted", level="city", by="xihu", cultivation_type="leading", batch="2026-2")
    body = api["city"].get(f"/memberships/{membership_id}").get_json()
    m = session.get(PoolMembership, membership_id)
    assert (body["id"], body["uscc"], body["pool_id"], body["pool_name"], body["level"]) == \
        (membership_id, m.firm.uscc, pool_id(session), "市级培育库", "city")
    assert (body["state"], body["state_label"], body["version"]) == ("admitted", "已入库", 2)
    assert (body["cultivation_type"], body["cultivation_type_label"], body["batch"]) == ("leading", "领军型", "2026-2")
    assert (body["nominated_by"], body["decided_by"], body["end_reason"]) == ("xihu", "city", None)
    assert body["nominated_at"].endswith("+08:00") and body["decided_at"].endswith("+08:00")
    assert body["eligibility"] == []
    remove = next(a for a in body["actions"] if a["name"] == "remove")
    assert remove["fields"][0]["name"] == "reason" and remove["fields"][0]["kind"] == "choice"
    assert {"value": "deregistered", "label": "注销/吊销"} in remove["fields"][0]["choices"]


def test_actions_follow_role_pool_and_four_eyes(api, member, colleague):
    own = member("nominated", by="xihu")
    theirs = member("nominated", by="city")
    city_level = member("nominated", level="city", by="xihu")
    assert names(api["city"].get(f"/memberships/{own}").get_json()["actions"]) == ["admit", "reject", "withdraw"]
    assert names(api["xihu"].get(f"/memberships/{own}").get_json()["actions"]) == ["withdraw"]
    assert names(colleague.get(f"/memberships/{own}").get_json()["actions"]) == ["admit", "reject"]
    assert names(api["xihu"].get(f"/memberships/{theirs}").get_json()["actions"]) == ["admit", "reject"]
    assert names(api["xihu"].get(f"/memberships/{city_level}").get_json()["actions"]) == ["withdraw"]
    assert api["leader"].get(f"/memberships/{own}").get_json()["actions"] == []


def test_another_districts_membership_is_not_found(api, member):
    other = member("nominated", district=SHANGCHENG)
    assert_error(api["xihu"].get(f"/memberships/{other}"), 404, "not_found")
    assert_error(api["xihu"].post(f"/memberships/{other}/actions/withdraw", json={"version": 1}), 404, "not_found")
    assert api["shangcheng"].get(f"/memberships/{other}").status_code == 200
    assert_error(api["city"].get("/memberships/999999"), 404, "not_found")
    assert_error(api["admin"].get(f"/memberships/{other}"), 403, "not_permitted")


def test_eligibility_is_shown_as_of_today(api, member, session):
    membership_id = member("nominated")
    session.get(PoolMembership, membership_id).firm.abnormal = True
    session.commit()
    body = api["city"].get(f"/memberships/{membership_id}").get_json()
    assert [r["rule"] for r in body["eligibility"]] == ["abnormal"]


# --- POST /memberships/<id>/actions/<action> -------------------------------------------------------------

def test_admit_then_remove_cascades_to_the_city(api, member, session):
    county = member("nominated", by="xihu")
    response = api["city"].post(f"/memberships/{county}/actions/admit", json={"version": 1, "comment": "同意"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["state"], body["version"], body["decided_by"]) == ("admitted", 2, "city")
    assert names(body["actions"]) == ["remove", "graduate"]
    city_id = city_member_of(api, session, session.get(PoolMembership, county).firm)
    removed = api["xihu"].post(f"/memberships/{county}/actions/remove",
                               json={"version": 2, "reason": "moved_out", "comment": "迁往宁波"}).get_json()
    assert (removed["state"], removed["end_reason"], removed["end_reason_label"], removed["actions"]) == \
        ("removed", "moved_out", "迁出", [])
    assert state_of(session, city_id) == ("removed", 3)
    cascade = session.scalars(select(AuditEvent).filter_by(subject_type="membership", subject_id=city_id)
                              .order_by(AuditEvent.id.desc())).first()
    assert (cascade.action, cascade.actor_name) == ("cascade_remove", "xihu")


def city_member_of(api, session, firm: Firm) -> int:
    """Nominate and admit the firm to the city pool over the API, as city staff."""
    created = api["city"].post(f"/pools/{pool_id(session)}/nominations", json={
        "uscc": firm.uscc, "reason": "县级培育成效明显", "cultivation_type": "growth", "batch": "2026-1"}).get_json()
    assert api["city"].post(f"/memberships/{created['id']}/actions/admit", json={"version": 1}).status_code == 200
    return created["id"]


def test_action_refusals_write_nothing(api, member, session):
    own = member("nominated", by="xihu")
    admitted = member("admitted")
    cases = [
        (api["city"], own, "admit", {"version": 7}, 409, "stale_version"),
        (api["city"], own, "admit", {}, 400, "validation_error"),
        (api["city"], own, "admit", {"version": "two"}, 400, "validation_error"),
        (api["xihu"], own, "admit", {"version": 1}, 403, "not_permitted"),  # four eyes
        (api["leader"], own, "withdraw", {"version": 1}, 403, "not_permitted"),
        (api["city"], own, "reject", {"version": 1}, 400, "validation_error"),  # a reason is required
        (api["city"], own, "remove", {"version": 1, "reason": "violation"}, 422, "illegal_transition"),
        (api["city"], own, "promote", {"version": 1}, 404, "not_found"),
        (api["city"], admitted, "graduate", {"version": 2, "reason": "violation"}, 400, "validation_error"),
    ]
    before = counts(session), state_of(session, own), state_of(session, admitted)
    for client, membership_id, action, body, status, code in cases:
        assert_error(client.post(f"/memberships/{membership_id}/actions/{action}", json=body), status, code)
        assert (counts(session), state_of(session, own), state_of(session, admitted)) == before


def test_admission_rechecks_eligibility(api, member, session):
    membership_id = member("nominated")
    firm = session.get(PoolMembership, membership_id).firm
    firm.serious_violation = True
    session.commit()
    error = assert_error(api["city"].post(f"/memberships/{membership_id}/actions/admit", json={"version": 1}),
                         422, "guard_failed")
    assert [r["rule"] for r in error["reasons"]] == ["serious_violation"]
    assert state_of(session, membership_id) == ("nominated", 1)


def test_admitting_into_a_full_pool_is_409(api, member, session):
    member("admitted")
    waiting = member("nominated")
    session.get(Pool, pool_id(session, XIHU)).capacity = 1
    session.commit()
    before = counts(session)
    error = assert_error(api["city"].post(f"/memberships/{waiting}/actions/admit", json={"version": 1}), 409,
                         "pool_full")
    assert "容量1家" in error["message"]
    assert counts(session) == before and state_of(session, waiting) == ("nominated", 1)


# --- POST /memberships/bulk/<action> ---------------------------------------------------------------------

def test_bulk_results_mix_successes_and_failures(api, member, session):
    ok1, stale, ok2 = member(by="xihu"), member(by="xihu"), member(by="xihu")
    done = member("admitted")
    other = member(district=SHANGCHENG)
    before_events = counts(session)[1]
    response = bulk(api["city"], "admit", [(ok1, 1), (stale, 5), (999_999, 1), (done, 2), (ok2, 1), (other, 1)],
                    comment="批量审核")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["ok"], body["failed"]) == (3, 3)
    results = body["results"]
    assert [r["id"] for r in results] == [ok1, stale, 999_999, done, ok2, other]
    assert [r["ok"] for r in results] == [True, False, False, False, True, True]
    assert [r["error"]["code"] if r["error"] else None for r in results] == \
        [None, "stale_version", "not_found", "illegal_transition", None, None]
    assert all(set(r["error"]) == ERROR_KEYS for r in results if r["error"])
    assert (results[0]["state"], results[0]["version"]) == ("admitted", 2)
    assert (results[1]["state"], results[1]["version"]) == (None, None)
    assert [state_of(session, i) for i in (ok1, stale, ok2, other)] == \
        [("admitted", 2), ("nominated", 1), ("admitted", 2), ("admitted", 2)]
    assert counts(session)[1] == before_events + 3  # one admit event per success, none for a failure
    fresh = session.scalars(select(AuditEvent).filter_by(action="admit").where(
        AuditEvent.subject_id.in_((ok1, ok2, other)))).all()
    assert [(e.comment, e.actor_name) for e in fresh] == [("批量审核", "city")] * 3


def test_bulk_respects_scope_four_eyes_and_capacity(api, member, session, colleague):
    own, theirs = member(by="xihu"), member(by="city")
    other = member(district=SHANGCHENG)
    results = bulk(api["xihu"], "admit", [(own, 1), (theirs, 1), (other, 1)]).get_json()["results"]
    assert [(r["ok"], r["error"] and r["error"]["code"]) for r in results] == \
        [(False, "not_permitted"), (True, None), (False, "not_found")]
    third, fourth = member(by="xihu"), member(by="xihu")
    session.get(Pool, pool_id(session, XIHU)).capacity = 3
    session.commit()
    results = bulk(colleague, "admit", [(own, 1), (third, 1), (fourth, 1)]).get_json()["results"]
    assert [(r["ok"], r["error"] and r["error"]["code"]) for r in results] == \
        [(True, None), (True, None), (False, "pool_full")]
    assert api["city"].get(f"/pools/{pool_id(session, XIHU)}").get_json()["admitted"] == 3


def test_bulk_reject_carries_the_reason_to_every_item(api, member, session):
    ids = [member(), member()]
    results = bulk(api["city"], "reject", [(i, 1) for i in ids], reason="推荐材料不全").get_json()["results"]
    assert all(r["ok"] for r in results)
    events = session.scalars(select(AuditEvent).filter_by(action="reject")).all()
    assert [e.evidence["fields"] for e in events] == [{"reason": "推荐材料不全"}] * 2


def test_bulk_over_500_items_is_refused(api, member, session):
    first = member()
    before = counts(session), state_of(session, first)
    items = [(first, 1)] + [(100_000 + i, 1) for i in range(500)]
    error = assert_error(bulk(api["city"], "admit", items), 400, "validation_error")
    assert "500" in error["fields"]["items"]
    assert (counts(session), state_of(session, first)) == before
    assert bulk(api["city"], "admit", items[:500]).status_code == 200  # exactly 500 is fine


@pytest.mark.parametrize("body", [
    {"items": "all"},
    {"items": {"id": 1, "version": 1}},
    {"items": []},
    {},
    {"items": [{"id": "1", "version": 1}]},
    {"items": [{"id": 1.0, "version": 1}]},
    {"items": [{"id": "FIRST"}]},
    {"items": [{"id": "FIRST", "version": "1"}]},
    {"items": [{"id": "FIRST", "version": True}]},
    {"items": [{"id": "FIRST", "version": 1}, {"id": "FIRST", "version": 1}]},
    {"items": [{"id": "FIRST", "version": 1}, 7]},
    {"items": [{"id": "FIRST", "version": 1}], "comment": ["x"]},
])
def test_malformed_bulk_requests_write_nothing(api, member, session, body):
    first = member()
    items = body.get("items")
    if isinstance(items, list):
        body = {**body, "items": [{**i, "id": first} if isinstance(i, dict) and i.get("id") == "FIRST" else i
                                  for i in items]}
    before = counts(session), state_of(session, first)
    assert_error(api["city"].post("/memberships/bulk/admit", json=body), 400, "validation_error")
    assert (counts(session), state_of(session, first)) == before


def test_bulk_unknown_action_or_bad_fields_write_nothing(api, member, session):
    admitted = member("admitted")
    before = counts(session), state_of(session, admitted)
    error = assert_error(bulk(api["city"], "promote", [(admitted, 2)]), 400, "validation_error")
    assert "admit" in error["fields"]["action"]
    error = assert_error(bulk(api["city"], "remove", [(admitted, 2)], reason="bored"), 400, "validation_error")
    assert "reason" in error["fields"]
    assert_error(bulk(api["city"], "remove", [(admitted, 2)]), 400, "validation_error")
    assert (counts(session), state_of(session, admitted)) == before


@pytest.mark.parametrize("role", ["leader", "admin"])
def test_bulk_is_for_writers_only(api, member, session, role):
    first = member()
    before = counts(session)
    assert_error(bulk(api[role], "admit", [(first, 1)]), 403, "not_permitted")
    assert counts(session) == before
