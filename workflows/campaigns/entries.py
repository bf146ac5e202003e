"""Entries of a 成长之星 campaign: one per nomination, on its own small workflow.

    nominated ──shortlist──> shortlisted ──award (on publication)──> awarded
        │  └──decline (reason)──> declined ──close (on publication)──> not_awarded
        │                          ↑   │ shortlist (room in the quota)
        └──withdraw──> withdrawn    shortlisted ──decline──┘

A county officer (or city staff) nominates a firm of their district while the campaign is `nominating` and
its deadline (the injected clock's Hangzhou day) has not passed: a screened candidate of the campaign's
candidate list (its flag is marked acted on, and the entry keeps the flag's score), or any other eligible
pool member with a written reason (its score computed as the screening computes it). Nominations never
exceed the district's quota, whatever the concurrency: the quota row is locked first (`quotas.lock_quota`),
then counted. City staff review while the campaign is `reviewing`: shortlist, or decline with a reason. A
withdrawn nomination frees its place; a declined one too (shortlisting it again needs a free place).
Awarding, which writes the firm's honour, happens only as a consequence of the campaign's `publish`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import Campaign, CampaignEntry, District, Firm, Flag, Honour
from models.enums import FlagKind
from workflows import flags
from workflows.campaigns import eligibility
from workflows.campaigns.quotas import counted, lock_quota
from workflows.campaigns.scoring import RANK_RULE, SCORE_RULE, reasons_of, score_of
from workflows.campaigns.settings import star_policy
from workflows.campaigns.workflow import CAMPAIGN
from workflows.errors import (
    Duplicate,
    GuardFailed,
    IllegalTransition,
    NotPermitted,
    QuotaFull,
    ValidationFailed,
)
from workflows.machine import Action, Field, State, Transition, Workflow, fire, register, start
from workflows.permissions import CITY_STAFF_ONLY, OFFICERS, in_scope, require
from workflows.reasons import Reason
from workflows.timefmt import local_date

MAX_REASON = 1000


def _campaign_in(state: str, words: str):
    def guard(t: Transition) -> list[Reason]:
        campaign = t.subject.campaign
        if campaign.state != state:
            label = CAMPAIGN.states[campaign.state].label
            return [Reason("campaign_state", f"评选当前为“{label}”，{words}", value=campaign.state, threshold=state)]
        return []
    return guard


def _before_deadline(t: Transition) -> list[Reason]:
    return deadline_reasons(t.subject.campaign, local_date(t.now))


def deadline_reasons(campaign: Campaign, today) -> list[Reason]:
    deadline = campaign.nomination_deadline
    if today > deadline:
        return [Reason("nomination_deadline", f"提名已于{deadline.isoformat()}截止，不能再提名或撤回",
                       value=today.isoformat(), threshold=deadline.isoformat())]
    return []


def _room(t: Transition) -> list[Reason]:
    """A declined entry shortlisted again takes a place of its district's quota: there must be one."""
    entry = t.subject
    quota = lock_quota(t.session, entry.campaign_id, entry.district_code) or 0
    with t.session.no_autoflush:
        taken = counted(t.session, entry.campaign_id, entry.district_code).get(entry.district_code, 0)
    if taken >= quota:
        return [Reason("quota_full", f"本区县名额{quota}名已满，不能再入围", value=taken, threshold=quota)]
    return []


def _reviewed(t: Transition) -> None:
    entry = t.subject
    entry.reviewed_by_id, entry.reviewed_at = getattr(t.actor, "id", None), t.now
    entry.review_note = t.values.get("reason") or t.comment or ""


def _honour(t: Transition) -> None:
    """The 良好信息 record of the award, dated by the publication."""
    entry, star = t.subject, star_policy()
    campaign = entry.campaign
    t.session.add(Honour(firm_id=entry.firm_id, name=star.honour_name, level=star.honour_level, year=campaign.year,
                         campaign_id=campaign.id, entry_id=entry.id, published_at=t.now))
    t.evidence["honour"] = {"category": "良好信息", "name": star.honour_name, "level": star.honour_level,
                            "year": campaign.year}


DECLINE_REASON = Field("reason", "不予入围的理由", kind="textarea")
_reviewing = _campaign_in("reviewing", "复核阶段才能入围或不予入围")
_nominating = _campaign_in("nominating", "提名阶段才能撤回")

ENTRY = register(Workflow(
    "campaign_entry",
    "成长之星提名",
    [
        State("nominated", "已提名", initial=True),
        State("shortlisted", "已入围"),
        State("declined", "不予入围"),
        State("withdrawn", "已撤回", final=True, failure=True),
        State("awarded", "已获评", final=True),
        State("not_awarded", "未获评", final=True, failure=True),
    ],
    [
        ("nominated", "withdrawn", Action("withdraw", "撤回提名", OFFICERS, guards=(_nominating, _before_deadline))),
        ("nominated", "shortlisted", Action("shortlist", "入围", CITY_STAFF_ONLY, guards=(_reviewing,),
                                            effects=(_reviewed,))),
        ("nominated", "declined", Action("decline", "不予入围", CITY_STAFF_ONLY, fields=(DECLINE_REASON,),
                                         guards=(_reviewing,), effects=(_reviewed,))),
        ("shortlisted", "declined", Action("decline", "不予入围", CITY_STAFF_ONLY, fields=(DECLINE_REASON,),
                                           guards=(_reviewing,), effects=(_reviewed,))),
        ("declined", "shortlisted", Action("shortlist", "改为入围", CITY_STAFF_ONLY, guards=(_reviewing, _room),
                                           effects=(_reviewed,))),
        ("shortlisted", "awarded", Action("award", "获评成长之星", CITY_STAFF_ONLY, consequence=True,
                                          effects=(_honour,))),
        ("declined", "not_awarded", Action("close", "未获评", CITY_STAFF_ONLY, consequence=True)),
    ],
))


def candidate_flag(session, campaign: Campaign, firm_id: int) -> Flag | None:
    """The firm's flag in the campaign's candidate list (the screening run fixed when nomination opened)."""
    if campaign.candidates_run_id is None:
        return None
    return session.scalar(select(Flag).where(
        Flag.kind == FlagKind.GROWTH_STAR, Flag.period == str(campaign.year), Flag.firm_id == firm_id,
        Flag.check_run_id == campaign.candidates_run_id).order_by(Flag.id.desc()).limit(1))


def _clean_reason(reason, flagged: bool) -> str:
    if reason is not None and not isinstance(reason, str):
        raise ValidationFailed("提交的内容有误", fields={"reason": "提名理由应为文本"})
    text = (reason or "").strip()
    if not text and not flagged:
        raise ValidationFailed("请填写提名理由", fields={
            "reason": "该企业不在本区县的候选名单中，须写明提名理由"})
    if len(text) > MAX_REASON:
        raise ValidationFailed("提名理由过长", fields={"reason": f"不超过{MAX_REASON}个字"})
    return text


def _score(session, campaign: Campaign, firm: Firm, flag: Flag | None, ctx) -> dict:
    """The entry's score: the flag's, as the candidate list showed it, or computed now as the screening would."""
    if flag is not None:
        parts = list(flag.reasons or [])
    else:
        weights = star_policy().weights
        row = score_of(session, firm.id, ctx, weights)
        parts = reasons_of(row, ctx, weights) if row is not None else []
    found = {r["rule"]: r for r in parts}
    score, rank = found.get(SCORE_RULE, {}).get("value"), found.get(RANK_RULE, {}).get("value")
    return {"parts": parts, "score": score, "rank": int(rank) if rank is not None else None}


def nominate(session, campaign: Campaign, firm: Firm, *, reason, actor, now: datetime) -> CampaignEntry:
    """Nominate `firm` for the campaign, within its district's quota (the caller commits).

    The district's quota row is locked before anything is read that the outcome depends on (the campaign's
    state, the places taken); every refusal comes before the first insert, and the caller's rollback undoes
    the lock's UPDATE, so a refused nomination leaves nothing."""
    require(actor, "campaign.nominate")
    if not in_scope(actor, firm.district_code):
        raise NotPermitted("只能提名本区县的企业")
    district = firm.district_code
    quota = lock_quota(session, campaign.id, district)
    session.refresh(campaign)
    if campaign.state != "nominating":
        raise IllegalTransition(f"评选当前为“{CAMPAIGN.states[campaign.state].label}”，不在提名阶段")
    late = deadline_reasons(campaign, local_date(now))
    if late:
        raise GuardFailed("提名已截止", reasons=late)
    if session.scalar(select(CampaignEntry.id).where(CampaignEntry.campaign_id == campaign.id,
                                                     CampaignEntry.firm_id == firm.id, CampaignEntry.is_open)):
        raise Duplicate(f"该企业已被提名参加{campaign.year}年成长之星评选")
    flag = candidate_flag(session, campaign, firm.id)
    text = _clean_reason(reason, flag is not None)
    ctx = eligibility.Context(campaign.screened_on, campaign.year)
    refused = eligibility.reasons(session, firm, ctx)
    if refused:
        raise GuardFailed("该企业不符合成长之星评选条件", reasons=refused)
    taken = counted(session, campaign.id, district).get(district, 0)
    if quota is None or taken >= quota:
        name = session.get(District, district).name
        raise QuotaFull(f"{name}的名额（{quota or 0}名）已用完，不能再提名；可先撤回已提名的企业")
    entry = CampaignEntry(campaign_id=campaign.id, firm_id=firm.id, district_code=district, reason=text,
                          flag_id=flag.id if flag else None, nominated_by_id=getattr(actor, "id", None),
                          nominated_at=now, **_score(session, campaign, firm, flag, ctx))
    try:
        start(session, entry, "nominate", actor=actor, now=now, comment=text or "从候选名单提名",
              evidence={"campaign": campaign.year, "flag": flag.id if flag else None, "score": entry.score,
                        "rank": entry.rank})
    except IntegrityError as exc:
        raise Duplicate(f"该企业已被提名参加{campaign.year}年成长之星评选") from exc
    if flag is not None and flag.state == "open":
        flags.act(session, flag, actor=actor, now=now, outcome={"entry": entry.id},
                  comment=f"提名参加{campaign.year}年成长之星评选")
    return entry


def act(session, entry: CampaignEntry, action: str, *, actor, now: datetime, expected_version, comment: str = "",
        values: dict | None = None):
    """One entry action through the engine (withdraw, shortlist, decline)."""
    return fire(session, entry, action, actor=actor, now=now, expected_version=expected_version, comment=comment,
                values=values)
