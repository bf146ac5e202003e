"""The reads the 成长之星 pages and API share: candidates, entries, the per-district progress, honours.

A county officer reads their own district's candidates and entries only (another district's entry is "not
found", as for firms); the campaign itself, its quotas and the per-district counts are read by every
domain reader, as pool targets and fill are: officers compare their district with the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from models import Campaign, CampaignEntry, CampaignQuota, District, Firm, Flag, Honour, User
from models.enums import FlagKind
from workflows.campaigns.scoring import RANK_RULE, SCORE_RULE
from workflows.errors import NotFound
from workflows.permissions import scope_district

STATES_NOMINATED = ("nominated", "shortlisted", "declined", "awarded", "not_awarded")
STATES_SHORTLISTED = ("shortlisted", "awarded")


def _figure(flag_or_reasons, rule: str):
    reasons = flag_or_reasons.reasons if isinstance(flag_or_reasons, Flag) else flag_or_reasons
    return next((r.get("value") for r in reasons or [] if r.get("rule") == rule), None)


def rank_of(flag: Flag) -> int:
    value = _figure(flag, RANK_RULE)
    return int(value) if value is not None else 10**9


def score_of_flag(flag: Flag):
    return _figure(flag, SCORE_RULE)


def candidates_query(campaign: Campaign):
    """The campaign's candidate flags: once nomination opened, those of the run that fixed the list (whatever
    their state since); before, the year's live flags (the latest screening's)."""
    stmt = select(Flag).where(Flag.kind == FlagKind.GROWTH_STAR, Flag.period == str(campaign.year))
    if campaign.candidates_run_id is not None:
        return stmt.where(Flag.check_run_id == campaign.candidates_run_id)
    return stmt.where(Flag.is_open.is_(True))


def candidates(session, campaign: Campaign, actor, district: str | None = None) -> list[Flag]:
    """Ranked within each district (districts in their usual order)."""
    stmt = candidates_query(campaign)
    scope = scope_district(actor) or district
    if scope:
        stmt = stmt.where(Flag.district_code == scope)
    order = {code: i for i, code in enumerate(session.scalars(select(District.code).order_by(District.sort_order)))}
    found = list(session.scalars(stmt).unique())
    return sorted(found, key=lambda f: (order.get(f.district_code, 99), rank_of(f), f.id))


def entries(session, campaign: Campaign, actor, district: str | None = None, states=None) -> list[CampaignEntry]:
    """The campaign's entries in the actor's scope, by district, then score (highest first)."""
    stmt = select(CampaignEntry).join(District, District.code == CampaignEntry.district_code) \
        .where(CampaignEntry.campaign_id == campaign.id)
    scope = scope_district(actor) or district
    if scope:
        stmt = stmt.where(CampaignEntry.district_code == scope)
    if states:
        stmt = stmt.where(CampaignEntry.state.in_(states))
    stmt = stmt.order_by(District.sort_order, CampaignEntry.score.desc().nulls_last(), CampaignEntry.id)
    return list(session.scalars(stmt).unique())


def entry_by_id(session, campaign: Campaign, entry_id: int, actor) -> CampaignEntry:
    stmt = select(CampaignEntry).where(CampaignEntry.campaign_id == campaign.id, CampaignEntry.id == entry_id)
    scope = scope_district(actor)
    if scope:
        stmt = stmt.where(CampaignEntry.district_code == scope)
    entry = session.scalar(stmt)
    if entry is None:
        raise NotFound("未找到该提名")
    return entry


@dataclass
class DistrictRow:
    code: str
    name: str
    quota: int
    candidates: int = 0
    nominated: int = 0
    shortlisted: int = 0
    awarded: int = 0

    @property
    def open_places(self) -> int:
        return max(0, self.quota - self.taken)

    taken: int = 0  # places counted against the quota (nominated, shortlisted, awarded)
    waiting: int = 0  # nominated, not yet reviewed


def progress(session, campaign: Campaign) -> list[DistrictRow]:
    """Per district: quota, candidates flagged, nominated, shortlisted, awarded (districts in order)."""
    rows = {code: DistrictRow(code, name, quota) for code, name, quota in session.execute(
        select(CampaignQuota.district_code, District.name, CampaignQuota.quota)
        .join(District, District.code == CampaignQuota.district_code)
        .where(CampaignQuota.campaign_id == campaign.id).order_by(District.sort_order))}
    flagged = candidates_query(campaign).with_only_columns(Flag.district_code, func.count()).group_by(Flag.district_code)
    for code, n in session.execute(flagged):
        if code in rows:
            rows[code].candidates = n
    states = session.execute(select(CampaignEntry.district_code, CampaignEntry.state, func.count())
                             .where(CampaignEntry.campaign_id == campaign.id)
                             .group_by(CampaignEntry.district_code, CampaignEntry.state))
    for code, state, n in states:
        row = rows.get(code)
        if row is None:
            continue
        row.nominated += n if state in STATES_NOMINATED else 0
        row.shortlisted += n if state in STATES_SHORTLISTED else 0
        row.awarded += n if state == "awarded" else 0
        row.taken += n if state in ("nominated", "shortlisted", "awarded") else 0
        row.waiting += n if state == "nominated" else 0
    return list(rows.values())


def totals(rows: list[DistrictRow]) -> DistrictRow:
    total = DistrictRow("", "合计", sum(r.quota for r in rows))
    for name in ("candidates", "nominated", "shortlisted", "awarded", "taken", "waiting"):
        setattr(total, name, sum(getattr(r, name) for r in rows))
    return total


def firm_honours(session, firm: Firm) -> list[Honour]:
    return list(session.scalars(select(Honour).where(Honour.firm_id == firm.id)
                                .order_by(Honour.published_at.desc(), Honour.id.desc())))


def published_list(session, campaign: Campaign) -> list[CampaignEntry]:
    """The awards (or, before publication, the shortlist) by district in their usual order, then score."""
    states = ("awarded",) if campaign.state == "published" else ("shortlisted",)
    stmt = (select(CampaignEntry).join(District, District.code == CampaignEntry.district_code)
            .where(CampaignEntry.campaign_id == campaign.id, CampaignEntry.state.in_(states))
            .order_by(District.sort_order, CampaignEntry.score.desc().nulls_last(), CampaignEntry.id))
    return list(session.scalars(stmt).unique())


def names(session, ids) -> dict[int, str]:
    """User ids to their label (name, else login), for "who nominated / reviewed"."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {u.id: u.label for u in session.scalars(select(User).where(User.id.in_(wanted)))}
