"""Who may be a 成长之星 candidate (DESIGN §6): one definition, read by Python and by SQL.

A candidate of the campaign of year Y is a member of a county cultivation pool admitted at least a full
year before the screening's day (the reference day), 存续, on neither the 经营异常名录 nor the 严重违法失信
名单, with figures for both years the score compares: Y−1 (the last completed year on 10 January of Y)
and Y−2. Each rule states its condition twice, side by side, as `workflows.rules.eligibility` does: the
reason an officer reads when one firm is refused, and the SQL condition the screening selects with over
the joined member, firm and figure rows (`frame`), so "eligible" means the same on a nomination and in the
screening of a million firms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import aliased

from models import AnnualIndicator, Firm, PoolMembership
from models.enums import STATUS_LABELS, FirmStatus, PoolLevel
from workflows.reasons import Reason
from workflows.timefmt import local_date, utc_start_of

ADMITTED = "admitted"


@dataclass(frozen=True)
class Context:
    reference: date  # the screening's day: the one a full year in the pool is counted back from
    year: int  # the campaign's year

    @property
    def figures_year(self) -> int:
        return self.year - 1

    @property
    def prior_year(self) -> int:
        return self.year - 2

    @property
    def admitted_by(self) -> date:
        """The last admission day that is a full year before the reference day (29 February → 28th)."""
        day = self.reference
        try:
            return day.replace(year=day.year - 1)
        except ValueError:
            return day.replace(year=day.year - 1, day=28)

    @property
    def admitted_before(self):
        """As a stored (UTC) time: admitted on `admitted_by` or earlier in Hangzhou."""
        return utc_start_of(self.admitted_by + timedelta(days=1))


@dataclass(frozen=True)
class Facts:
    """What the Python half knows about one firm."""

    firm: Firm
    admitted_on: date | None  # its admitted county membership's admission day, if it has one
    years: frozenset[int]  # the years it has figures for


@dataclass(frozen=True)
class Frame:
    """The rows the SQL half reads: the county membership, this year's and last year's figures."""

    member: type
    now: type
    prior: type


@dataclass(frozen=True)
class Rule:
    code: str
    refuses: Callable[[Facts, Context], Reason | None]
    holds: Callable[[Frame, Context], object]


def _member(facts: Facts, ctx: Context) -> Reason | None:
    if facts.admitted_on is None:
        return Reason("member", "不是县级培育库的在库企业（须入库满一年）")
    if facts.admitted_on > ctx.admitted_by:
        return Reason("member_year", f"入库未满一年：{facts.admitted_on.isoformat()}入库，须不晚于"
                                     f"{ctx.admitted_by.isoformat()}", value=facts.admitted_on.isoformat(),
                      threshold=ctx.admitted_by.isoformat())
    return None


def _member_sql(frame: Frame, ctx: Context):
    m = frame.member
    return and_(m.level == PoolLevel.COUNTY, m.state == ADMITTED, m.decided_at < ctx.admitted_before)


def _status(facts: Facts, ctx: Context) -> Reason | None:
    status = facts.firm.status
    if status != FirmStatus.ACTIVE:
        return Reason("status", f"登记状态为“{STATUS_LABELS.get(status, status)}”，须为存续", value=status)
    return None


def _figures(facts: Facts, ctx: Context) -> Reason | None:
    missing = [year for year in (ctx.prior_year, ctx.figures_year) if year not in facts.years]
    if missing:
        return Reason("figures", f"缺少{'、'.join(str(y) for y in missing)}年度数据（须有{ctx.prior_year}、"
                                 f"{ctx.figures_year}两年数据）", value=missing)
    return None


RULES = (
    Rule("member", _member, _member_sql),
    Rule("status", _status, lambda frame, ctx: Firm.status == FirmStatus.ACTIVE),
    Rule("abnormal", lambda facts, ctx: Reason("abnormal", "已列入经营异常名录") if facts.firm.abnormal else None,
         lambda frame, ctx: ~Firm.abnormal),
    Rule("serious_violation",
         lambda facts, ctx: Reason("serious_violation", "已列入严重违法失信名单")
         if facts.firm.serious_violation else None,
         lambda frame, ctx: ~Firm.serious_violation),
    Rule("figures", _figures,
         lambda frame, ctx: and_(frame.now.year == ctx.figures_year, frame.prior.year == ctx.prior_year)),
)


def facts_of(session, firm: Firm, ctx: Context) -> Facts:
    decided = session.scalar(select(PoolMembership.decided_at).where(
        PoolMembership.firm_id == firm.id, PoolMembership.level == PoolLevel.COUNTY,
        PoolMembership.state == ADMITTED))
    years = session.scalars(select(AnnualIndicator.year).where(
        AnnualIndicator.firm_id == firm.id, AnnualIndicator.year.in_((ctx.prior_year, ctx.figures_year))))
    return Facts(firm, local_date(decided) if decided else None, frozenset(years))


def reasons(session, firm: Firm, ctx: Context) -> list[Reason]:
    """Every reason this firm may not be a candidate of the campaign (empty: eligible)."""
    facts = facts_of(session, firm, ctx)
    return [reason for rule in RULES if (reason := rule.refuses(facts, ctx)) is not None]


def frame() -> Frame:
    return Frame(aliased(PoolMembership, name="m"), aliased(AnnualIndicator, name="a1"),
                 aliased(AnnualIndicator, name="a0"))


def eligible_rows(f: Frame, ctx: Context, *columns) -> Select:
    """`columns` of every eligible firm: from the county members, their firm and both years' figures, with
    every rule's SQL condition."""
    return (select(*columns)
            .select_from(f.member)
            .join(Firm, Firm.id == f.member.firm_id)
            .join(f.now, and_(f.now.firm_id == Firm.id, f.now.year == ctx.figures_year))
            .join(f.prior, and_(f.prior.firm_id == Firm.id, f.prior.year == ctx.prior_year))
            .where(*(rule.holds(f, ctx) for rule in RULES)))
