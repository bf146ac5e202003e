"""District quotas of a 成长之星 campaign: the default split, edits, and the lock every nomination takes.

The default splits the campaign's total across the 13 districts in proportion to their admitted county-pool
members, each at least 1, by largest remainders so the parts add up exactly (`rules.targets.split_targets`,
the rule the county pool targets are split by). City staff may change a district's quota until nomination
opens; a quota is never set below the nominations its district has already made.

A quota is a hard limit whatever the concurrency: a nomination's first statement is an UPDATE of its
district's quota row (`seq + 1`), as an admission claims its pool row (`workflows.membership`). On
PostgreSQL the row lock serialises the district's nominations (and quota edits, which take the same
locks); on SQLite that UPDATE is the transaction's first write, so the database write lock is taken before
anything is counted. Only then are the district's nominations counted against its quota.
"""

from __future__ import annotations

from sqlalchemy import func, select, update

from models import CampaignEntry, CampaignQuota, District, Pool, PoolMembership
from models.enums import PoolLevel
from workflows.errors import ValidationFailed
from workflows.rules.targets import split_targets
from workflows.rules.text import is_int_text

COUNTED = ("nominated", "shortlisted", "awarded")  # what takes a place of the quota (not declined, withdrawn)


def district_codes(session) -> list[str]:
    return list(session.scalars(select(District.code).order_by(District.sort_order, District.code)))


def member_counts(session) -> dict[str, int]:
    """Admitted county-pool members per district (the pool's district)."""
    stmt = (select(Pool.district_code, func.count()).select_from(PoolMembership)
            .join(Pool, Pool.id == PoolMembership.pool_id)
            .where(PoolMembership.level == PoolLevel.COUNTY, PoolMembership.state == "admitted")
            .group_by(Pool.district_code))
    return dict(session.execute(stmt).all())


def propose_quotas(session, total: int) -> dict[str, int]:
    """The default split of `total`; a total below one per district is a 400 naming `total`."""
    codes = district_codes(session)
    counts = member_counts(session)
    if total < len(codes):
        raise ValidationFailed("评选总名额有误", fields={"total": f"总名额须不少于{len(codes)}（每个区县至少1名）"})
    return split_targets(total, {code: counts.get(code, 0) for code in codes})


def lock_quota(session, campaign_id: int, district: str) -> int | None:
    """Serialise the district's nominations; returns its quota as now committed (None: no such district)."""
    with session.no_autoflush:
        session.execute(update(CampaignQuota)
                        .where(CampaignQuota.campaign_id == campaign_id, CampaignQuota.district_code == district)
                        .values(seq=CampaignQuota.seq + 1).execution_options(synchronize_session=False))
        return session.scalar(select(CampaignQuota.quota).where(CampaignQuota.campaign_id == campaign_id,
                                                                CampaignQuota.district_code == district))


def lock_all(session, campaign_id: int) -> None:
    """Every quota row of the campaign, in district order (two edits never deadlock crosswise)."""
    with session.no_autoflush:  # called inside a campaign step: never flush the half-moved campaign
        for district in sorted(session.scalars(select(CampaignQuota.district_code)
                                               .where(CampaignQuota.campaign_id == campaign_id))):
            lock_quota(session, campaign_id, district)


def counted(session, campaign_id: int, district: str | None = None) -> dict[str, int]:
    """Places taken per district (nominated, shortlisted, awarded)."""
    stmt = (select(CampaignEntry.district_code, func.count())
            .where(CampaignEntry.campaign_id == campaign_id, CampaignEntry.state.in_(COUNTED))
            .group_by(CampaignEntry.district_code))
    if district is not None:
        stmt = stmt.where(CampaignEntry.district_code == district)
    return dict(session.execute(stmt).all())


def quota_map(campaign) -> dict[str, int]:
    return {q.district_code: q.quota for q in campaign.quotas}


def clean_quotas(raw, known: list[str]) -> dict[str, int]:
    """{district code: non-negative integer}; unknown districts and bad numbers are 400s naming each."""
    if not isinstance(raw, dict) or not raw:
        raise ValidationFailed("名额调整内容有误", fields={"quotas": "应为对象：{区县代码: 名额}"})
    clean, errors = {}, {}
    for code, value in raw.items():
        if code not in known:
            errors[f"quotas.{code}"] = "没有这个区县"
        elif isinstance(value, bool) or not (isinstance(value, int) or is_int_text(value)) \
                or int(value) < 0:
            errors[f"quotas.{code}"] = "名额应为非负整数"
        else:
            clean[code] = int(value)
    if errors:
        raise ValidationFailed("名额调整内容有误", fields=errors)
    return clean


def apply_quotas(session, campaign, changes: dict[str, int]) -> dict[str, list[int]]:
    """Set the quotas; {district: [old, new]} for those that changed. The caller has locked them all
    (`lock_all`), checked the campaign's state under that lock, and audits."""
    rows = {q.district_code: q for q in session.scalars(
        select(CampaignQuota).where(CampaignQuota.campaign_id == campaign.id)
        .execution_options(populate_existing=True))}
    taken = counted(session, campaign.id)
    errors = {f"quotas.{code}": f"该区县已提名{taken[code]}家，名额不能少于此数"
              for code, value in changes.items() if value < taken.get(code, 0)}
    if errors:
        raise ValidationFailed("名额不能少于已提名数", fields=errors)
    changed = {}
    for code, value in sorted(changes.items()):
        row = rows[code]
        if row.quota != value:
            changed[code] = [row.quota, value]
            row.quota = value
    return changed
