"""/api/v1/campaigns: creating a campaign, walking it by role, candidates, nominations with every refusal of
the issue (DESIGN §8 errors, `quota_full` among them), review, approval, publication, and a firm's honours."""

from datetime import datetime

from sqlalchemy import func, select

from models import AuditEvent, CampaignEntry
from tests.factories import SHANGCHENG, XIHU
from tests.functional.api import assert_error

NEW = {"year": 2027, "total": 20, "candidate_factor": 2, "nomination_deadline": "2027-03-31",
       "review_deadline": "2027-04-30"}


def audit_count(session):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(AuditEvent))


def act(client, year, action, **body):
    version = client.get(f"/campaigns/{year}").get_json()["version"]
    return client.post(f"/campaigns/{year}/actions/{action}", json={"version": version, **body})


def entry_act(client, year, entry_id, action, **body):
    version = client.get(f"/campaigns/{year}/entries/{entry_id}").get_json()["version"]
    return client.post(f"/campaigns/{year}/entries/{entry_id}/actions/{action}", json={"version": version, **body})


def test_creating_a_campaign(api, star):
    response = api["city"].post("/campaigns", json={**NEW, "year": 2026})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["year"], body["state"], body["total"], body["candidate_factor"]) == (2026, "draft", 20, 2.0)
    assert sum(body["quotas"].values()) == 20 and min(body["quotas"].values()) == 1 and len(body["quotas"]) == 13
    assert [a["name"] for a in body["actions"]] == ["screen"]
    assert response.headers["Location"].endswith("/api/v1/campaigns/2026")
    assert_error(api["city"].post("/campaigns", json={**NEW, "year": 2026}), 409, "duplicate")
    assert_error(api["leader"].post("/campaigns", json=NEW), 403, "not_permitted")
    assert_error(api["xihu"].post("/campaigns", json=NEW), 403, "not_permitted")
    error = assert_error(api["city"].post("/campaigns", json={"year": 1999, "total": "many",
                                                              "review_deadline": "soon"}), 400, "validation_error")
    assert set(error["fields"]) == {"year", "total", "nomination_deadline", "review_deadline"}
    # Every domain reader follows it; the leader has no step to take in a draft.
    leader_view = api["leader"].get("/campaigns/2026").get_json()
    assert leader_view["actions"] == [] and leader_view["quotas"] == body["quotas"]
    assert_error(api["admin"].get("/campaigns/2026"), 403, "not_permitted")
    assert_error(api["city"].get("/campaigns/2030"), 404, "not_found")


def test_screening_through_the_scheduler_then_opening_nomination(api, star, inline_runs):
    api["city"].post("/campaigns", json={**NEW, "year": 2026, "total": 15, "candidate_factor": 1,
                                         "nomination_deadline": "2026-12-31", "review_deadline": "2027-01-31"})
    assert_error(act(api["leader"], 2026, "screen"), 403, "not_permitted")
    screened = act(api["city"], 2026, "screen")
    assert screened.status_code == 200 and screened.get_json()["state"] == "screening"
    body = act(api["city"], 2026, "open_nomination").get_json()
    assert (body["state"], body["screened_on"]) == ("nominating", "2026-11-30")
    assert body["districts"][XIHU] == {"name": "西湖区", "quota": 2, "candidates": 2, "nominated": 0,
                                       "shortlisted": 0, "awarded": 0}
    stale = api["city"].post("/campaigns/2026/actions/close_nomination", json={"version": body["version"] - 1})
    assert_error(stale, 409, "stale_version")
    assert_error(api["city"].post("/campaigns/2026/actions/close_nomination", json={}), 400, "validation_error")


def test_candidates_with_their_score_parts(api, star_open, star):
    items = api["city"].get("/campaigns/2026/candidates").get_json()["items"]
    assert [(i["uscc"], i["rank"]) for i in items] == [
        (star["D"].uscc, 1), (star["C"].uscc, 2), (star["A"].uscc, 1), (star["B"].uscc, 2)]  # 上城区 comes first
    first = items[2]
    assert first["parts"]["revenue_growth"]["value"] == 150 and first["parts"]["revenue_growth"]["base"] == 100
    assert set(first["parts"]) == {"revenue_growth", "tax_growth", "employment_growth", "rd_intensity",
                                   "rd_staff_share"}
    assert first["score"] > items[3]["score"] and first["entry"] is None
    assert "2025年营业收入150万元，上年100万元，增长50.0%" in first["reasons_text"]
    mine = api["xihu"].get(f"/campaigns/2026/candidates?district={SHANGCHENG}").get_json()["items"]
    assert {i["district"] for i in mine} == {XIHU}  # an officer's district is their scope, whatever they ask
    assert_error(api["city"].get("/campaigns/2026/candidates?district=西湖"), 400, "validation_error")


def test_nominating_and_every_refusal(api, session, star_open, star, clock):
    officer = api["xihu"]
    made = officer.post("/campaigns/2026/entries", json={"uscc": star["A"].uscc})
    assert made.status_code == 201, made.get_json()
    entry = made.get_json()
    assert (entry["state"], entry["from_candidates"], entry["rank"]) == ("nominated", True, 1)
    assert [a["name"] for a in entry["actions"]] == ["withdraw"]
    before = audit_count(session)
    assert_error(officer.post("/campaigns/2026/entries", json={"uscc": star["A"].uscc}), 409, "duplicate")
    error = assert_error(officer.post("/campaigns/2026/entries", json={"uscc": star["E"].uscc}), 400,
                         "validation_error")
    assert "reason" in error["fields"]  # E is no candidate: a written reason is needed
    assert officer.post("/campaigns/2026/entries", json={"uscc": star["E"].uscc, "reason": "订单增长快"}).status_code == 201
    before = audit_count(session)
    full = assert_error(officer.post("/campaigns/2026/entries", json={"uscc": star["B"].uscc}), 409, "quota_full")
    assert "西湖区" in full["message"]
    assert_error(officer.post("/campaigns/2026/entries", json={"uscc": star["D"].uscc}), 404, "not_found")
    assert_error(officer.post("/campaigns/2026/entries", json={"uscc": "91330106MA2HXXXXXX"}), 404, "not_found")
    assert_error(officer.post("/campaigns/2026/entries", json={}), 400, "validation_error")
    assert_error(api["leader"].post("/campaigns/2026/entries", json={"uscc": star["D"].uscc}), 403, "not_permitted")
    assert audit_count(session) == before  # a failed request writes nothing
    # An ineligible firm: every reason.
    from tests.factories import figures, star_member

    late = star_member(session, api_users(api), district=SHANGCHENG, now2024=None, now2025=figures(),
                       admitted_at=datetime(2026, 6, 1, 2))
    session.commit()
    refused = assert_error(api["shangcheng"].post("/campaigns/2026/entries", json={"uscc": late.uscc, "reason": "好"}),
                           422, "guard_failed")
    assert [r["rule"] for r in refused["reasons"]] == ["member_year", "figures"]
    # After the deadline (the clock's Hangzhou day): 422, nothing written.
    clock.at = datetime(2026, 12, 31, 16, 0)  # 2027-01-01 00:00 in Hangzhou
    late_try = assert_error(api["shangcheng"].post("/campaigns/2026/entries", json={"uscc": star["D"].uscc}), 422,
                            "guard_failed")
    assert late_try["reasons"][0]["rule"] == "nomination_deadline"
    assert session.scalar(select(func.count()).select_from(CampaignEntry)) == 2


def api_users(api):
    """The users fixture's users are the factory's actors too (their `city` nominates to the pools)."""
    from models import User, db

    return {u.username: u for u in db.session.scalars(select(User))}


def test_review_approval_publication_and_the_firms_honours(api, session, star_open, star):
    a = api["xihu"].post("/campaigns/2026/entries", json={"uscc": star["A"].uscc}).get_json()
    d = api["shangcheng"].post("/campaigns/2026/entries", json={"uscc": star["D"].uscc}).get_json()
    assert_error(entry_act(api["city"], 2026, a["id"], "shortlist"), 422, "guard_failed")  # still nominating
    assert act(api["city"], 2026, "close_nomination").get_json()["state"] == "reviewing"
    assert_error(api["shangcheng"].post("/campaigns/2026/entries", json={"uscc": star["C"].uscc}), 422,
                 "illegal_transition")
    assert_error(entry_act(api["xihu"], 2026, a["id"], "shortlist"), 403, "not_permitted")
    assert entry_act(api["city"], 2026, a["id"], "shortlist", comment="指标突出").get_json()["state"] == "shortlisted"
    assert_error(entry_act(api["city"], 2026, d["id"], "decline"), 400, "validation_error")
    declined = entry_act(api["city"], 2026, d["id"], "decline", reason="研发人员数据待核实").get_json()
    assert (declined["state"], declined["review_note"]) == ("declined", "研发人员数据待核实")
    assert_error(act(api["city"], 2026, "approve"), 403, "not_permitted")
    assert_error(act(api["city"], 2026, "publish"), 422, "illegal_transition")  # not approved
    assert_error(act(api["leader"], 2026, "send_back"), 400, "validation_error")  # a way back needs a reason
    assert act(api["leader"], 2026, "send_back", comment="请核实上城区").get_json()["state"] == "reviewing"
    assert act(api["leader"], 2026, "approve").get_json()["state"] == "approved"
    published = act(api["city"], 2026, "publish").get_json()
    assert published["state"] == "published" and published["published_at"] == "2026-11-30T10:00:00+08:00"
    assert published["districts"][XIHU]["awarded"] == 1 and published["districts"][SHANGCHENG]["awarded"] == 0
    honours = api["xihu"].get(f"/firms/{star['A'].uscc}").get_json()["honours"]
    assert honours == [{"category": "良好信息", "name": "小微企业成长之星", "level": "市级", "year": 2026,
                        "campaign": 2026, "published_at": "2026-11-30T10:00:00+08:00"}]
    assert api["city"].get(f"/firms/{star['D'].uscc}").get_json()["honours"] == []
    entries = api["city"].get("/campaigns/2026/entries").get_json()["items"]
    assert {(e["uscc"], e["state"]) for e in entries} == {(star["A"].uscc, "awarded"), (star["D"].uscc, "not_awarded")}
    assert [e["district"] for e in api["xihu"].get("/campaigns/2026/entries").get_json()["items"]] == [XIHU]
    assert_error(api["xihu"].get(f"/campaigns/2026/entries/{d['id']}"), 404, "not_found")


def test_quotas_are_patched_until_nomination_opens(api, star, inline_runs):
    made = api["city"].post("/campaigns", json={**NEW, "year": 2026, "nomination_deadline": "2026-12-31",
                                                "review_deadline": "2027-01-31"}).get_json()
    assert made["quotas"][XIHU] == 5  # 1 + 7·3/5 (西湖区 has 3 of the 5 members)
    body = api["city"].patch("/campaigns/2026", json={"quotas": {XIHU: 6}, "comment": "西湖区加名额"}).get_json()
    assert body["quotas"][XIHU] == 6 and body["total"] == 21 and body["changes"]["quotas"] == {XIHU: [5, 6]}
    assert_error(api["city"].patch("/campaigns/2026", json={"quotas": {XIHU: "六"}}), 400, "validation_error")
    assert_error(api["city"].patch("/campaigns/2026", json={"colour": "red"}), 400, "validation_error")
    assert_error(api["leader"].patch("/campaigns/2026", json={"quotas": {XIHU: 1}}), 403, "not_permitted")
    act(api["city"], 2026, "screen")
    act(api["city"], 2026, "open_nomination")
    assert_error(api["city"].patch("/campaigns/2026", json={"quotas": {XIHU: 1}}), 422, "illegal_transition")
