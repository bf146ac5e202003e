"""Pool targets and capacities (admin), counts for the overview, and the county target split."""

from datetime import date, datetime

from sqlalchemy import func, select

from models import Firm, Pool, PoolMembership
from models.enums import PoolLevel
from workflows.audit import diff, record_event
from workflows.errors import NotFound, ValidationFailed
from workflows.membership import admitted_count, lock_pool
from workflows.permissions import require
from workflows.policy import default_policy
from workflows.rules.eligibility import eligible_clause as rules_clause
from workflows.rules.targets import split_targets


def get_pool(session, pool_id: int) -> Pool:
    pool = session.get(Pool, pool_id)
    if pool is None:
        raise NotFound("未找到该培育库")
    return pool


def all_pools(session) -> list[Pool]:
    """The city pool first, then the county pools by district code."""
    return list(session.scalars(select(Pool).order_by(Pool.level != PoolLevel.CITY, Pool.district_code)))


def pool_counts(session) -> dict[int, dict[str, int]]:
    """{pool_id: {state: n}} in one grouped query (the overview shows every pool at once)."""
    rows = session.execute(select(PoolMembership.pool_id, PoolMembership.state, func.count())
                           .group_by(PoolMembership.pool_id, PoolMembership.state))
    counts: dict[int, dict[str, int]] = {}
    for pool_id, state, n in rows:
        counts.setdefault(pool_id, {})[state] = n
    return counts


def _require_admin(actor) -> None:
    require(actor, "pool.configure")


def _clean_int(value, name: str, label: str, *, allow_none: bool) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationFailed(f"{label}应为非负整数", fields={name: f"{label}应为非负整数"})
    try:
        number = int(value)
    except ValueError:
        raise ValidationFailed(f"{label}应为非负整数", fields={name: f"{label}应为非负整数"}) from None
    if number < 0:
        raise ValidationFailed(f"{label}不能为负数", fields={name: f"{label}不能为负数"})
    return number


def _clean_change(change) -> dict:
    if not isinstance(change, dict):
        raise ValidationFailed("调整内容应为对象", fields={"body": "应为 {\"target\": n, \"capacity\": n|null}"})
    unknown = set(change) - {"target", "capacity"}
    if unknown:
        raise ValidationFailed("未知字段", fields={k: "未知字段" for k in unknown})
    clean = {}
    if "target" in change:
        clean["target"] = _clean_int(change["target"], "target", "目标", allow_none=False)
    if "capacity" in change:
        clean["capacity"] = _clean_int(change["capacity"], "capacity", "容量", allow_none=True)
    return clean


def _locked_pool(session, pool_id) -> Pool:
    """Take the pool's row lock (as admissions do), then read the pool as committed now."""
    lock_pool(session, pool_id)
    pool = session.scalar(select(Pool).where(Pool.id == pool_id).execution_options(populate_existing=True))
    if pool is None:
        raise NotFound("未找到该培育库")
    return pool


def update_pools(session, changes: dict[int, dict], *, actor, now: datetime, comment: str = "") -> dict:
    """Apply target/capacity edits to several pools at once, all or nothing.

    County targets must still add up to the plan's 45,000 afterwards, so moving targets between districts
    is one edit of several pools. Every pool named is locked first, in id order, before it is read: a
    capacity is never set below an admitted count that an admission is about to raise, two edits of the same
    pools never deadlock crosswise on PostgreSQL, and an edit compares against (and audits) what is committed,
    so two admins moving targets at once cannot overwrite each other into a wrong county total.
    """
    _require_admin(actor)
    cleaned = {pool_id: _clean_change(change) for pool_id, change in changes.items()}
    pools = {pool_id: _locked_pool(session, pool_id) for pool_id in sorted(cleaned)}
    result = {}
    for pool_id, clean in sorted(cleaned.items()):
        pool = pools[pool_id]
        if clean.get("capacity") is not None:
            admitted = admitted_count(session, pool.id)
            if clean["capacity"] < admitted:
                raise ValidationFailed("容量不能低于已入库企业数", fields={
                    "capacity": f"{pool.name}已入库{admitted}家，容量不能设为{clean['capacity']}"})
        changed = diff(pool, clean)
        if changed:
            record_event(session, subject_type="pool", subject_id=pool.id, firm_id=None, action="update",
                         actor=actor, now=now, comment=comment, evidence={"changes": changed})
            result[pool.id] = changed
    session.flush()
    _check_county_total(session)
    return result


def _check_county_total(session) -> None:
    """Summed in SQL after the flush: this edit's targets plus every other district's as committed."""
    total = session.scalar(select(func.sum(Pool.target)).where(Pool.level == PoolLevel.COUNTY)) or 0
    if total != county_total():
        raise ValidationFailed("县级培育库目标合计不符", fields={
            "target": f"县级培育库目标合计须为{county_total()}，调整后为{total}；请同时调整多个区县"})


def eligible_clause(today: date):
    """DESIGN §9 in SQL: the rules of `workflows.rules.eligibility`, with the policy's 新设 window."""
    return rules_clause(today, default_policy().new_firm_months)


def county_total() -> int:
    """The plan's 县级培育库 total (seed §二), policy data: the county targets must add up to it."""
    return default_policy().county_pool_total


def eligible_counts(session, today: date) -> dict[str, int]:
    """Eligible firms per district, for the target split."""
    stmt = select(Firm.district_code, func.count()).where(eligible_clause(today)).group_by(Firm.district_code)
    return dict(session.execute(stmt).all())


def propose_split(session, today: date) -> dict[str, int]:
    pools = session.scalars(select(Pool).where(Pool.level == PoolLevel.COUNTY)).all()
    counts = eligible_counts(session, today)
    return split_targets(county_total(), {p.district_code: counts.get(p.district_code, 0) for p in pools})


def apply_split(session, split: dict[str, int], *, actor, now: datetime) -> dict:
    pools = session.scalars(select(Pool).where(Pool.level == PoolLevel.COUNTY)).all()
    changes = {p.id: {"target": split[p.district_code]} for p in pools}
    return update_pools(session, changes, actor=actor, now=now, comment="按符合条件企业数比例分配县级目标")
