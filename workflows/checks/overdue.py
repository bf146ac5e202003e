"""`overdue_cases`: cases stalled in one state, and nominations left waiting for review (DESIGN §5).

A case is overdue when it has been in its state more days than the policy allows for that state
(`[checks.overdue.case_days]`, else `default_days`); a nomination when it has waited more than
`nomination_days`. Days are whole Hangzhou calendar days from the day the state was entered to `today`:
entered on 10-31 and checked on 11-30 is 30 days, overdue only past a 30-day limit.

The period is the day the state was entered, so a case that moves on and stalls again is a new flag, and
the old one resolves. The reason carries the days waited, which grow by one each day: a dismissed flag
comes back once the wait has grown by more than the policy's material change (10 % by default).

Times are stored as naive UTC; Hangzhou is UTC+8 all year (no daylight saving since 1991), so the local
day is the stored time shifted by 8 hours — in SQL, to stay set-based (workflows.timefmt does the same in
Python through zoneinfo).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Date, Integer, case, cast, func, literal, select

from models import Firm, Pool, PoolMembership, UpgradeCase
from models.enums import FlagKind
from workflows.checks.base import Check, CheckResult, count, hit
from workflows.checks.registry import register
from workflows.checks.settings import ChecksPolicy, checks_policy
from workflows.policy import Policy

HANGZHOU_OFFSET = timedelta(hours=8)
NOMINATED = "nominated"


def local_day(dialect: str, stamp):
    """The Hangzhou calendar day of a stored (naive UTC) time, as SQL."""
    if dialect == "postgresql":
        return cast(stamp + HANGZHOU_OFFSET, Date)
    return func.date(stamp, "+8 hours")


def days_since(dialect: str, stamp, today: date):
    """Whole Hangzhou days from the day of `stamp` to `today`, as SQL."""
    if dialect == "postgresql":
        return cast(literal(today, Date) - local_day(dialect, stamp), Integer)
    return cast(func.julianday(literal(today.isoformat())) - func.julianday(local_day(dialect, stamp)), Integer)


def iso_day(dialect: str, stamp):
    """The Hangzhou day of `stamp` as ISO text: the flag's period."""
    if dialect == "postgresql":
        return func.to_char(local_day(dialect, stamp), "YYYY-MM-DD")
    return local_day(dialect, stamp)


def case_limit(settings: ChecksPolicy, state):
    """The policy's days for a case's state, as SQL: one CASE over the states the policy names."""
    return case(dict(sorted(settings.overdue_case_days.items())), value=state,
                else_=settings.overdue_default_days)


def run(session, today: date, policy: Policy) -> CheckResult:
    settings = checks_policy(policy)
    dialect = session.get_bind().dialect.name
    c, m, p = UpgradeCase, PoolMembership, Pool

    cases = select(c.id).join(Firm, Firm.id == c.firm_id).where(c.is_open.is_(True))
    waited, limit = days_since(dialect, c.state_entered_at, today), case_limit(settings, c.state)
    overdue_case = hit(cases.where(waited > limit), kind=FlagKind.OVERDUE_CASE, subject_type="case",
                       subject_id=c.id, firm_id=c.firm_id, district_code=Firm.district_code,
                       period=iso_day(dialect, c.state_entered_at), rule="overdue.case", value=waited,
                       threshold=limit, material=False)

    nominations = (select(m.id).join(p, p.id == m.pool_id).join(Firm, Firm.id == m.firm_id)
                   .where(m.state == NOMINATED))
    pending = days_since(dialect, m.state_entered_at, today)
    days = settings.overdue_nomination_days
    overdue_nomination = hit(nominations.where(pending > days), kind=FlagKind.OVERDUE_NOMINATION,
                             subject_type="membership", subject_id=m.id, firm_id=m.firm_id,
                             district_code=func.coalesce(p.district_code, Firm.district_code),
                             period=iso_day(dialect, m.state_entered_at), rule="overdue.nomination",
                             value=pending, threshold=literal(days), material=False)

    examined = (count(session, select(c.id).where(c.is_open.is_(True)))
                + count(session, select(m.id).where(m.state == NOMINATED)))
    return CheckResult(hits=[overdue_case, overdue_nomination],
                       kinds=(FlagKind.OVERDUE_CASE, FlagKind.OVERDUE_NOMINATION), examined=examined)


CHECK = register(Check(
    "overdue_cases", "超期提醒",
    "找出在同一环节停留超过政策时限的升级案件，以及等待审核超过时限的入库推荐",
    run, kinds=(FlagKind.OVERDUE_CASE, FlagKind.OVERDUE_NOMINATION),
))
