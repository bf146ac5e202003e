"""/api/v1 checks and flags: the checks with their last runs, queueing a run (202), a run's status, the flag
list in the caller's scope, and dismissing a flag — with DESIGN §8's errors."""

import pytest
from sqlalchemy import select

from models import CheckRun, Flag
from tests.factories import SHANGCHENG, XIHU
from tests.functional.api import assert_error

# --- checks and runs -------------------------------------------------------------------------------------

def test_the_checks_with_their_schedule_and_last_run(api, flagged, session):
    body = api["xihu"].get("/checks").get_json()
    (check,) = [c for c in body["items"] if c["name"] == "upgrade_candidates"]
    run = session.get(CheckRun, flagged["near"].check_run_id)
    assert (check["label"], check["schedule"]) == ("升级候选检查", "0 2 * * *")
    last = check["last_run"]
    assert (last["id"], last["status"], last["today"]) == (run.id, "succeeded", "2026-11-30")
    assert last["finished_at"].endswith("+08:00") and last["counts"]["opened"] == 4
    assert_error(api["admin"].get("/checks"), 403, "not_permitted")


def test_a_run_asked_for_is_queued_for_the_scheduler(api, session):
    response = api["city"].post("/checks/upgrade_candidates/runs", json={"today": "2026-11-15"})
    assert response.status_code == 202
    body = response.get_json()
    assert (body["check"], body["status"], body["today"], body["trigger"], body["requested_by"]) == \
        ("upgrade_candidates", "queued", "2026-11-15", "user", "city")
    assert response.headers["Location"].endswith(f"/api/v1/checks/runs/{body['id']}")
    assert session.get(CheckRun, body["id"]).status == "queued"
    run = api["leader"].get(f"/checks/runs/{body['id']}").get_json()
    assert (run["status"], run["counts"], run["error"]) == ("queued", {}, None)
    default = api["city"].post("/checks/upgrade_candidates/runs").get_json()
    assert default["today"] == "2026-11-30"  # no body: today in Hangzhou


def test_queueing_refuses_other_roles_unknown_checks_and_bad_dates(api, session):
    assert_error(api["xihu"].post("/checks/upgrade_candidates/runs", json={}), 403, "not_permitted")
    assert_error(api["leader"].post("/checks/upgrade_candidates/runs", json={}), 403, "not_permitted")
    assert_error(api["city"].post("/checks/nonsense/runs", json={}), 404, "not_found")
    error = assert_error(api["city"].post("/checks/upgrade_candidates/runs", json={"today": "30.11.2026"}),
                         400, "validation_error")
    assert "today" in error["fields"]
    assert_error(api["city"].post("/checks/upgrade_candidates/runs", json={"today": 20261130}), 400,
                 "validation_error")
    assert_error(api["city"].get("/checks/runs/999"), 404, "not_found")
    assert session.scalar(select(CheckRun)) is None


# --- flags -----------------------------------------------------------------------------------------------

def test_the_flag_list_in_each_scope(api, flagged):
    everyone = api["city"].get("/flags").get_json()
    assert everyone["total"] == 4 and (everyone["page"], everyone["per_page"]) == (1, 20)
    mine = api["xihu"].get("/flags").get_json()
    assert {f["id"] for f in mine["items"]} == {flagged[k].id for k in ("near", "ready", "individual")}
    assert api["xihu"].get(f"/flags?district={SHANGCHENG}").get_json()["total"] == 0
    assert api["city"].get(f"/flags?district={SHANGCHENG}").get_json()["total"] == 1
    assert api["leader"].get("/flags?kind=scale_ready").get_json()["total"] == 2
    near = flagged["near"]
    (item,) = api["xihu"].get(f"/flags?firm={near.firm.uscc.lower()}").get_json()["items"]
    assert item == {
        "id": near.id, "kind": "near_scale", "kind_label": "小升规临规", "status": "open", "status_label": "待处理",
        "subject_type": "firm", "subject_id": near.firm_id, "firm": near.firm.uscc, "firm_name": near.firm.name,
        "district": XIHU, "period": "2025",
        "reasons": [{"rule": "scale.revenue", "value": 1700, "threshold": 2000, "year": 2025}],
        "reasons_text": ["2025年营业收入1,700万元，达到规上标准2,000万元的85.0%"], "outcome": {},
        "first_seen": "2026-11-30T10:00:00+08:00", "last_seen": "2026-11-30T10:00:00+08:00",
        "version": near.version, "actions": [item["actions"][0]],
    }
    assert item["actions"][0]["name"] == "dismiss"
    assert api["leader"].get(f"/flags/{near.id}").get_json()["actions"] == []
    paged = api["city"].get("/flags?per_page=3&page=2").get_json()
    assert (len(paged["items"]), paged["total"], paged["page"]) == (1, 4, 2)
    assert api["city"].get("/flags?status=dismissed").get_json()["total"] == 0


@pytest.mark.parametrize("query", ["kind=nonsense", "status=closed", "district=西湖区", "per_page=500"])
def test_a_bad_flag_filter_is_a_validation_error(api, flagged, query):
    error = assert_error(api["city"].get(f"/flags?{query}"), 400, "validation_error")
    assert query.split("=")[0] in error["fields"]


def test_flags_are_not_for_the_admin(api, flagged):
    assert_error(api["admin"].get("/flags"), 403, "not_permitted")


def test_dismissing_a_flag(api, flagged, session):
    flag = flagged["ready"]
    version = flag.version
    error = assert_error(api["xihu"].post(f"/flags/{flag.id}/dismiss", json={"reason": " "}), 400, "validation_error")
    assert "reason" in error["fields"]
    assert_error(api["xihu"].post(f"/flags/{flag.id}/dismiss", json={"reason": "x", "version": version + 1}),
                 409, "stale_version")
    assert_error(api["xihu"].post(f"/flags/{flag.id}/dismiss", json={"reason": "x", "version": "one"}),
                 400, "validation_error")
    response = api["xihu"].post(f"/flags/{flag.id}/dismiss", json={"reason": "企业已说明", "version": version})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["version"], body["actions"]) == ("dismissed", version + 1, [])
    assert_error(api["xihu"].post(f"/flags/{flag.id}/dismiss", json={"reason": "再次"}), 422, "illegal_transition")
    session.expire_all()
    assert session.get(Flag, flag.id).state == "dismissed"


def test_dismissing_outside_the_scope_or_without_the_right(api, flagged, session):
    other = flagged["other"]
    assert_error(api["xihu"].post(f"/flags/{other.id}/dismiss", json={"reason": "x"}), 404, "not_found")
    assert_error(api["xihu"].get(f"/flags/{other.id}"), 404, "not_found")
    assert_error(api["leader"].post(f"/flags/{other.id}/dismiss", json={"reason": "x"}), 403, "not_permitted")
    assert_error(api["city"].post("/flags/999/dismiss", json={"reason": "x"}), 404, "not_found")
    session.expire_all()
    assert session.get(Flag, other.id).state == "open"
