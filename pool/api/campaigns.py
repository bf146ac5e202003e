"""/api/v1 成长之星 routes (DESIGN §6, §8): the campaign, its candidates and its entries.

- `POST /campaigns {"year", "total", "candidate_factor", "nomination_deadline", "review_deadline"}`: city
  staff; 201; a second campaign of a year is 409 `duplicate`. `total` defaults to the policy's, the factor
  too; quotas are the default split (each district at least 1, largest remainders).
- `GET /campaigns`, `GET /campaigns/<year>`: every domain reader; `state`, `version`, `actions` (what the
  caller may do now), `quotas` by district code, and per district the candidates flagged, nominated,
  shortlisted and awarded.
- `PATCH /campaigns/<year> {"quotas": {"<code>": n}, "total", "candidate_factor", "nomination_deadline",
  "review_deadline", "comment"}`: city staff; quotas until nomination opens (never below a district's
  nominations), deadlines until publication.
- `POST /campaigns/<year>/actions/<action> {"version", "comment", ...fields}`: `screen`, `rescreen`,
  `open_nomination`, `close_nomination`, `reopen_nomination` (`reason`, optional `nomination_deadline`),
  `approve` and `send_back` (`reason`; a leader's), `publish`. A way back's `comment` serves as its reason.
- `GET /campaigns/<year>/candidates?district=`: the screened candidates (a county officer: their
  district's), each with `score`, `rank` and `parts`; `GET /campaigns/<year>/entries?district=` likewise.
- `POST /campaigns/<year>/entries {"uscc", "reason"}`: nominate. 409 `quota_full` past the district's quota,
  409 `duplicate` for a firm already nominated, 422 after the deadline or outside nomination, 422
  `guard_failed` with every reason for an ineligible firm, 400 without a reason for a firm that is not a
  candidate; an unknown USCC, or a firm the caller may not see (another district's, for a county
  officer), is 404; a firm the caller sees but may not nominate is 403.
- `GET /campaigns/<year>/entries/<id>`, `POST .../entries/<id>/actions/<action> {"version", "comment",
  "reason"}`: `withdraw`, `shortlist`, `decline` (`reason`).
"""

from flask import g, jsonify, request, url_for

from models import Campaign, CampaignEntry, Firm, Flag, db
from pool.api import bp
from pool.api.access import requires
from pool.api.contract import operation
from pool.api.serialize import action_envelope, iso_date, iso_time, json_body
from pool.clock import now
from pool.scheduler.claims import dispatch
from pool.uow import unit_of_work
from workflows.campaigns import entries as entry_flow
from workflows.campaigns import queries
from workflows.campaigns.scoring import card
from workflows.campaigns.workflow import (
    CAMPAIGN,
    act,
    campaign_years,
    create_campaign,
    edit_campaign,
    get_campaign,
)
from workflows.checks.wording import describe_all
from workflows.errors import NotFound, ValidationFailed
from workflows.machine import workflow_for
from workflows.permissions import can
from workflows.pool_queries import firm_for_nomination
from workflows.rules.fields import is_district_code


def _district(args) -> str | None:
    value = (args.get("district") or "").strip()
    if value and not is_district_code(value):
        raise ValidationFailed("筛选条件有误", fields={"district": "区县代码应为6位数字"})
    return value or None


def campaign_body(campaign: Campaign, actor) -> dict:
    rows = queries.progress(db.session, campaign)
    return {
        "year": campaign.year,
        "state": campaign.state,
        "state_label": CAMPAIGN.states[campaign.state].label,
        "version": campaign.version,
        "total": campaign.total,
        "candidate_factor": float(campaign.candidate_factor),
        "figures_year": campaign.figures_year,
        "nomination_deadline": iso_date(campaign.nomination_deadline),
        "review_deadline": iso_date(campaign.review_deadline),
        "screening_run": campaign.screening_run_id,
        "screened_on": iso_date(campaign.screened_on),
        "published_at": iso_time(campaign.published_at),
        "quotas": {row.code: row.quota for row in rows},
        "districts": {row.code: {"name": row.name, "quota": row.quota, "candidates": row.candidates,
                                 "nominated": row.nominated, "shortlisted": row.shortlisted, "awarded": row.awarded}
                      for row in rows},
        "actions": [a.to_dict() for a in CAMPAIGN.available(campaign, actor)],
    }


def candidate_body(flag: Flag, entry_ids: dict[int, int]) -> dict:
    scored = card(flag.reasons)
    return {"flag_id": flag.id, "flag_state": flag.state, "uscc": flag.firm.uscc, "name": flag.firm.name,
            "district": flag.district_code, "score": scored["score"], "rank": scored["rank"],
            "eligible": scored["eligible"], "parts": scored["parts"], "reasons_text": describe_all(flag.reasons),
            "entry": entry_ids.get(flag.firm_id)}


def entry_body(entry: CampaignEntry, actor, names: dict | None = None) -> dict:
    names = names if names is not None else queries.names(db.session, [entry.nominated_by_id, entry.reviewed_by_id])
    workflow = workflow_for(entry)
    scored = card(entry.parts)
    return {
        "id": entry.id, "year": entry.campaign.year, "uscc": entry.firm.uscc, "firm_name": entry.firm.name,
        "district": entry.district_code, "state": entry.state, "state_label": workflow.states[entry.state].label,
        "version": entry.version, "reason": entry.reason, "from_candidates": entry.flag_id is not None,
        "score": float(entry.score) if entry.score is not None else None, "rank": entry.rank,
        "eligible": scored["eligible"], "parts": scored["parts"],
        "nominated_by": names.get(entry.nominated_by_id), "nominated_at": iso_time(entry.nominated_at),
        "review_note": entry.review_note or None, "reviewed_by": names.get(entry.reviewed_by_id),
        "reviewed_at": iso_time(entry.reviewed_at),
        "actions": [a.to_dict() for a in workflow.available(entry, actor)],
    }


@bp.get("/campaigns")
@operation("成长之星评选列表", answer=(200, "CampaignList"))
@requires("campaign.read")
def list_campaigns():
    items = [campaign_body(c, g.actor) for c in campaign_years(db.session)]
    return jsonify({"items": items, "total": len(items)})


@bp.post("/campaigns")
@operation("新建年度评选", answer=(201, "Campaign"), body="CampaignIn")
@requires("campaign.manage")
def post_campaign():
    body = json_body()
    with unit_of_work():
        campaign = create_campaign(db.session, body, actor=g.actor, now=now())
    response = jsonify(campaign_body(campaign, g.actor))
    response.headers["Location"] = url_for("api.get_campaign_view", year=campaign.year)
    return response, 201


@bp.get("/campaigns/<int:year>")
@operation("年度评选详情", answer=(200, "Campaign"))
@requires("campaign.read")
def get_campaign_view(year):
    return jsonify(campaign_body(get_campaign(db.session, year), g.actor))


@bp.patch("/campaigns/<int:year>")
@operation("调整名额、倍数或截止日期", answer=(200, "Campaign"), body="CampaignPatch")
@requires("campaign.manage")
def patch_campaign(year):
    campaign = get_campaign(db.session, year)
    body = json_body()
    comment = body.pop("comment", None) or ""
    if not isinstance(comment, str):
        raise ValidationFailed("提交的内容有误", fields={"comment": "备注应为文本"})
    unknown = set(body) - {"quotas", "total", "candidate_factor", "nomination_deadline", "review_deadline"}
    if unknown or not body:
        raise ValidationFailed("调整内容有误", fields={k: "未知字段" for k in unknown} or {"body": "请提供要调整的内容"})
    with unit_of_work():
        changes = edit_campaign(db.session, campaign, body, actor=g.actor, now=now(), comment=comment)
    _dispatch_screening(campaign, changes.get("screening_run"))
    return jsonify({**campaign_body(campaign, g.actor), "changes": changes})


def _dispatch_screening(campaign: Campaign, queued) -> None:
    """A screening the step queued goes to the scheduler process (run here under RUN_QUEUED_INLINE)."""
    if queued:
        dispatch("check", campaign.screening_run_id)


@bp.post("/campaigns/<int:year>/actions/<action>")
@operation("执行评选操作", answer=(200, "Campaign"), body="ActionIn")
@requires("campaign.read")
def post_campaign_action(year, action):
    campaign = get_campaign(db.session, year)
    body = json_body()
    version, comment = action_envelope(body, "评选")
    before = campaign.screening_run_id
    with unit_of_work():
        act(db.session, campaign, action, actor=g.actor, now=now(), expected_version=version, comment=comment,
            values=body)
    _dispatch_screening(campaign, campaign.screening_run_id != before)
    return jsonify(campaign_body(campaign, g.actor))


@bp.get("/campaigns/<int:year>/candidates")
@operation("筛选出的候选企业", answer=(200, "CandidateList"), query=("district",))
@requires("campaign.read")
def list_candidates(year):
    campaign = get_campaign(db.session, year)
    flags = queries.candidates(db.session, campaign, g.actor, _district(request.args))
    taken = {e.firm_id: e.id for e in queries.entries(db.session, campaign, g.actor)
             if e.state != "withdrawn"}
    items = [candidate_body(f, taken) for f in flags]
    return jsonify({"items": items, "total": len(items)})


@bp.get("/campaigns/<int:year>/entries")
@operation("提名列表", answer=(200, "EntryList"), query=("district",))
@requires("campaign.read")
def list_entries(year):
    campaign = get_campaign(db.session, year)
    found = queries.entries(db.session, campaign, g.actor, _district(request.args))
    names = queries.names(db.session, [i for e in found for i in (e.nominated_by_id, e.reviewed_by_id)])
    items = [entry_body(e, g.actor, names) for e in found]
    return jsonify({"items": items, "total": len(items)})


def firm_to_nominate(body: dict, actor) -> Firm:
    uscc = body.get("uscc")
    if not isinstance(uscc, str) or not uscc.strip():
        raise ValidationFailed("请填写统一社会信用代码", fields={"uscc": "此项必填"})
    firm = firm_for_nomination(db.session, uscc)
    if not can(actor, "domain.read", firm):
        raise NotFound("未找到该企业")  # another district's firm is not disclosed to a county officer
    return firm


@bp.post("/campaigns/<int:year>/entries")
@operation("提名成长之星", answer=(201, "Entry"), body="EntryIn")
@requires("campaign.nominate")
def post_entry(year):
    campaign = get_campaign(db.session, year)
    body = json_body()
    firm = firm_to_nominate(body, g.actor)
    with unit_of_work():
        entry = entry_flow.nominate(db.session, campaign, firm, reason=body.get("reason"), actor=g.actor, now=now())
    response = jsonify(entry_body(entry, g.actor))
    response.headers["Location"] = url_for("api.get_entry", year=year, entry_id=entry.id)
    return response, 201


@bp.get("/campaigns/<int:year>/entries/<int:entry_id>")
@operation("提名详情", answer=(200, "Entry"))
@requires("campaign.read")
def get_entry(year, entry_id):
    campaign = get_campaign(db.session, year)
    return jsonify(entry_body(queries.entry_by_id(db.session, campaign, entry_id, g.actor), g.actor))


@bp.post("/campaigns/<int:year>/entries/<int:entry_id>/actions/<action>")
@operation("执行提名操作", answer=(200, "Entry"), body="ActionIn")
@requires("domain.write")
def post_entry_action(year, entry_id, action):
    campaign = get_campaign(db.session, year)
    entry = queries.entry_by_id(db.session, campaign, entry_id, g.actor)
    body = json_body()
    version, comment = action_envelope(body, "提名")
    with unit_of_work():
        entry_flow.act(db.session, entry, action, actor=g.actor, now=now(), expected_version=version,
                       comment=comment, values=body)
    return jsonify(entry_body(entry, g.actor))
