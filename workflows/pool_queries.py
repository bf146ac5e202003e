"""Read-side queries for pools and memberships, narrowed to what the actor may see (the API and pages share them).

Scope: a county officer sees the memberships of their own district's firms only, in their county pool and
in the city pool alike (a county pool holds only its district's firms, so one rule covers both). Another
district's membership is "not found", as another district's firm is. Pool totals (targets, counts) are
not scoped: they are the plan's published figures, and an officer compares their district with the rest.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, false, func, select
from sqlalchemy.orm import contains_eager, defaultload, selectinload

from models import AnnualIndicator, AuditEvent, Firm, Pool, PoolMembership, PoolMemberTally, User
from models.enums import CULTIVATION_LABELS, PoolLevel
from workflows.errors import NotFound, ValidationFailed
from workflows.membership import MEMBERSHIP, eligibility_reasons
from workflows.permissions import can, is_scoped, not_own_nomination
from workflows.pools import all_pools, eligible_clause
from workflows.queries import Page, name_or_uscc, scope_firms
from workflows.reasons import Reason
from workflows.rules.fields import is_district_code

MEMBER_FILTERS = ("state", "cultivation_type", "batch", "district", "q")
CHOICES = {"state": tuple(MEMBERSHIP.states), "cultivation_type": tuple(CULTIVATION_LABELS)}


def scoped_memberships(actor):
    # contains_eager: the firm joined for the scope is the one loaded, not a second eager join of it.
    stmt = select(PoolMembership).join(PoolMembership.firm).options(contains_eager(PoolMembership.firm))
    return scope_firms(stmt, actor)


def membership_by_id(session, membership_id: int, actor) -> PoolMembership:
    membership = session.scalar(scoped_memberships(actor).where(PoolMembership.id == membership_id))
    if membership is None:
        raise NotFound("未找到该入库记录")
    return membership


def firm_for_nomination(session, uscc: str) -> Firm:
    """Unscoped on purpose: nominating another district's firm is refused as not permitted (403), per the
    pools issue, rather than hidden; the nomination check itself decides who may nominate whom."""
    firm = session.scalar(select(Firm).where(Firm.uscc == (uscc or "").strip().upper()))
    if firm is None:
        raise NotFound("未找到该企业")
    return firm


def member_filters(args) -> dict:
    """Validate the member list's query parameters; empty values mean 'no filter'."""
    clean, errors = {}, {}
    for key in MEMBER_FILTERS:
        value = (args.get(key) or "").strip()
        if not value:
            continue
        if value not in CHOICES.get(key, (value,)):
            errors[key] = f"取值无效：{value}（可用：{'、'.join(CHOICES[key])}）"
        elif key == "district" and not is_district_code(value):
            errors[key] = f"区县代码应为6位数字，如330106：{value}"
        else:
            clean[key] = value
    if errors:
        raise ValidationFailed("筛选条件有误", fields=errors)
    return clean


def members_stmt(actor, pool_id: int, filters: dict):
    """The member list's statement, unpaged: the page shows a slice of it, the Excel export all of it."""
    return filter_members(scoped_memberships(actor).where(PoolMembership.pool_id == pool_id), filters)


def filter_members(stmt, filters: dict):
    """The member list's filters, on any statement joining PoolMembership and Firm (list and export alike)."""
    for key, value in filters.items():
        if key == "district":
            stmt = stmt.where(Firm.district_code == value)
        elif key == "q":
            stmt = stmt.where(name_or_uscc(value, indexes=False))  # a pool's members: a few thousand
        else:
            stmt = stmt.where(getattr(PoolMembership, key) == value)
    return stmt


def list_members(session, actor, pool_id: int, filters: dict, page: int, per_page: int) -> Page:
    stmt = members_stmt(actor, pool_id, filters)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = session.scalars(stmt.order_by(PoolMembership.id).limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(rows), total or 0, page, per_page)


def usernames(session, memberships) -> dict[int, str]:
    """{user id: username} for the nominators and deciders of these memberships, in one query."""
    ids = {i for m in memberships for i in (m.nominated_by_id, m.decided_by_id) if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())


def iter_members(session, actor, pool_id: int, filters: dict):
    """Every member the list shows (same scope, filters and order), streamed for the Excel export."""
    stmt = members_stmt(actor, pool_id, filters).order_by(PoolMembership.id)
    return session.scalars(stmt.execution_options(yield_per=500))


def all_usernames(session) -> dict[int, str]:
    """{user id: username} of every user: a whole-pool export names nominators of thousands of rows."""
    return dict(session.execute(select(User.id, User.username)).all())


# ------------------------------------------------------------------ the pool pages: fill, review, search
# What the overview, the review queue and the nomination pages read. Pool figures are not scoped (see the
# module docstring); firms and memberships are, through `scope_firms` as everywhere else.

PENDING, ADMITTED = "nominated", "admitted"


@dataclass
class PoolFill:
    """A pool with its counts and the room left toward its target and its capacity."""

    pool: Pool
    admitted: int
    nominated: int

    @property
    def percent(self) -> float | None:
        target = self.pool.target
        return 100 * self.admitted / target if target else None

    @property
    def bar(self) -> int:
        """The progress bar's width: the percentage toward the target, never past 100."""
        return min(100, round(self.percent or 0))

    @property
    def room_to_target(self) -> int:
        return max(0, self.pool.target - self.admitted)

    @property
    def room_to_capacity(self) -> int | None:
        capacity = self.pool.capacity
        return None if capacity is None else max(0, capacity - self.admitted)

    @property
    def full(self) -> bool:
        return self.pool.capacity is not None and self.admitted >= self.pool.capacity


def pool_sort_key(pool: Pool):
    """The city pool first, then the county pools in the districts' official order."""
    return (pool.level != PoolLevel.CITY, pool.district.sort_order if pool.district else 0, pool.district_code or "")


def pool_fills(session) -> list[PoolFill]:
    """Every pool with its counts, in two grouped reads for all of them, not one per pool: the admitted from
    the member tally (migration 0016), the pending nominations from the members index (a few thousand)."""
    admitted = dict(session.execute(select(PoolMemberTally.pool_id, func.sum(PoolMemberTally.n))
                                    .group_by(PoolMemberTally.pool_id)).all())
    m = PoolMembership
    pending = dict(session.execute(select(m.pool_id, func.count()).where(m.level.in_(tuple(PoolLevel)), m.state == PENDING)
                                   .group_by(m.pool_id)).all())
    pools = sorted(all_pools(session), key=pool_sort_key)
    return [PoolFill(p, int(admitted.get(p.id) or 0), pending.get(p.id, 0)) for p in pools]


def own_pool_fills(session, actor) -> list[PoolFill]:
    """The pools a county officer fills (their district's county pool): the first thing their home shows.
    Empty for a city-wide user, whose home shows every district instead."""
    if not is_scoped(actor):
        return []
    pools = session.scalars(select(Pool).where(Pool.district_code == actor.district_code)).all()
    return [pool_fill(session, pool) for pool in sorted(pools, key=pool_sort_key)]


def pool_fill(session, pool: Pool) -> PoolFill:
    rows = session.execute(select(PoolMembership.state, func.count())
                           .where(PoolMembership.pool_id == pool.id, PoolMembership.state.in_((PENDING, ADMITTED)))
                           .group_by(PoolMembership.state))
    counts = dict(rows.all())
    return PoolFill(pool, counts.get(ADMITTED, 0), counts.get(PENDING, 0))


@dataclass
class ReviewItem:
    """A nomination as a reviewer sees it: the firm's latest figures and its eligibility checked today."""

    membership: PoolMembership
    reasons: list[Reason]
    own: bool  # the reviewer nominated it: a county officer may not decide it (four eyes)

    @property
    def firm(self) -> Firm:
        return self.membership.firm

    @property
    def latest(self) -> AnnualIndicator | None:
        return self.membership.firm.latest_indicator


@dataclass(frozen=True)
class ReviewFilters:
    """The queue's filters: a pool, a firm's name or USCC, a district (city staff; an officer's scope is
    their district already), and `decidable`: only the nominations this viewer may decide."""

    pool_id: int | None = None
    q: str | None = None
    district: str | None = None
    decidable: bool = False


def review_stmt(actor, filters: ReviewFilters = ReviewFilters()):
    """Pending nominations the actor reviews: city staff (and leaders, reading) every pool; a county officer
    their own county pool only (the city pool is city staff's to decide)."""
    stmt = scoped_memberships(actor).where(PoolMembership.state == PENDING)
    if is_scoped(actor):
        own_pool = select(Pool.id).where(Pool.level == PoolLevel.COUNTY, Pool.district_code == actor.district_code)
        stmt = stmt.where(PoolMembership.pool_id.in_(own_pool.scalar_subquery()))
        if filters.decidable:  # four eyes: not what they nominated themselves
            stmt = stmt.where(not_own_nomination(actor))
    elif filters.decidable and not can(actor, "membership.decide"):
        stmt = stmt.where(false())  # leaders read the queue and decide nothing
    if filters.pool_id is not None:
        stmt = stmt.where(PoolMembership.pool_id == filters.pool_id)
    if filters.q:
        stmt = stmt.where(name_or_uscc(filters.q, indexes=False))  # pending nominations: a few thousand
    if filters.district and not is_scoped(actor):
        stmt = stmt.where(Firm.district_code == filters.district)
    return stmt


def review_queue(session, actor, today: date, filters: ReviewFilters = ReviewFilters(), *, page: int = 1,
                 per_page: int = 50) -> Page:
    """Oldest nomination first; each item's eligibility is re-checked now, as `admit` will check it."""
    stmt = review_stmt(actor, filters)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = session.scalars(
        stmt.options(defaultload(PoolMembership.firm).selectinload(Firm.indicators))
        .order_by(PoolMembership.nominated_at, PoolMembership.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    items = [ReviewItem(m, eligibility_reasons(session, m.firm, today), m.nominated_by_id == actor.id) for m in rows]
    return Page(items, total or 0, page, per_page)


@dataclass
class Candidate:
    """A firm found for nomination: its figures, its eligibility now, its active membership at the level."""

    firm: Firm
    reasons: list[Reason]
    active: PoolMembership | None

    @property
    def latest(self) -> AnnualIndicator | None:
        return self.firm.latest_indicator


def _county_admitted_clause():
    return exists().where(PoolMembership.firm_id == Firm.id, PoolMembership.level == PoolLevel.COUNTY,
                          PoolMembership.state == ADMITTED)


def nomination_candidates(session, actor, pool: Pool, today: date, *, q: str | None = None,
                          only_open: bool = False, page: int = 1, per_page: int = 20) -> Page:
    """Firms the actor could nominate into `pool`: its district's firms for a county pool, firms admitted
    to a county pool for the city pool. `only_open` keeps the eligible ones not yet active at the level."""
    stmt = scope_firms(select(Firm), actor)
    if pool.level == PoolLevel.COUNTY:
        stmt = stmt.where(Firm.district_code == pool.district_code)
    else:
        stmt = stmt.where(_county_admitted_clause())
    if q:
        stmt = stmt.where(name_or_uscc(q, session))
    if only_open:
        active = exists().where(PoolMembership.firm_id == Firm.id, PoolMembership.level == pool.level,
                                PoolMembership.is_active)
        stmt = stmt.where(eligible_clause(today), ~active)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    firms = session.scalars(stmt.options(selectinload(Firm.indicators)).order_by(Firm.name, Firm.id)
                            .limit(per_page).offset((page - 1) * per_page)).all()
    actives = {}
    if firms:
        actives = {m.firm_id: m for m in session.scalars(select(PoolMembership).where(
            PoolMembership.firm_id.in_([f.id for f in firms]), PoolMembership.level == pool.level,
            PoolMembership.is_active))}
    items = [Candidate(f, eligibility_reasons(session, f, today), actives.get(f.id)) for f in firms]
    return Page(items, total or 0, page, per_page)


def nomination_pools(session, firm: Firm) -> tuple[list[Pool], Pool | None]:
    """The pools a firm can be nominated to (its county pool, the city pool) and the natural one: the city
    pool once the firm is admitted to a county pool, else its county pool."""
    county = session.scalar(select(Pool).where(Pool.level == PoolLevel.COUNTY, Pool.district_code == firm.district_code))
    city = session.scalar(select(Pool).where(Pool.level == PoolLevel.CITY))
    pools = [p for p in (county, city) if p is not None]
    admitted = session.scalar(select(PoolMembership.id).where(
        PoolMembership.firm_id == firm.id, PoolMembership.level == PoolLevel.COUNTY,
        PoolMembership.state == ADMITTED).limit(1)) is not None
    return pools, (city if admitted else county)


def firm_memberships(session, firm: Firm) -> list[PoolMembership]:
    stmt = select(PoolMembership).where(PoolMembership.firm_id == firm.id)
    return list(session.scalars(stmt.order_by(PoolMembership.nominated_at.desc(), PoolMembership.id.desc())))


def membership_history(session, membership: PoolMembership) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.subject_type == "membership", AuditEvent.subject_id == membership.id)
    return list(session.scalars(stmt.order_by(AuditEvent.at, AuditEvent.id)))
