"""Reading the kept aggregates of the register (models/tallies.py), and folding PostgreSQL's difference rows.

Each key may hold several rows (see models/tallies.py): every read sums them. A count over a span of days is
the tally's whole months inside the span plus the firms of the partial months at either end, counted from
`firms` itself by its registration-date index (a month of registrations, not the register).
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta

from sqlalchemy import func, literal, select, text, union_all

from models import Firm, FirmMonthTally, FirmStageTally, Pool, PoolMemberTally
from models.enums import FirmStatus


def stage_counts(session, status: str = FirmStatus.ACTIVE) -> dict[tuple[str, str], int]:
    """{(district, stage): firms} of a status, from the stage tally."""
    t = FirmStageTally
    rows = session.execute(select(t.district_code, t.stage, func.sum(t.n)).where(t.status == status)
                           .group_by(t.district_code, t.stage))
    return {(district, stage): int(n) for district, stage, n in rows if n}


def admitted_members(level: str, *, by_pool: bool):
    """(district_code, value) rows of the members admitted now at a level, from the member tally, by the pool's
    district (a county pool's) or the firm's: a statement to sum per district."""
    t = PoolMemberTally
    if not by_pool:
        return (select(t.district_code, func.sum(t.n).label("value")).where(t.level == level)
                .group_by(t.district_code))
    return (select(Pool.district_code.label("district_code"), func.sum(t.n).label("value"))
            .join(Pool, Pool.id == t.pool_id).where(t.level == level).group_by(Pool.district_code))


def month_span(start: date, end: date) -> tuple[tuple[str, str] | None, list[tuple[date, date]]]:
    """The whole months inside [start, end] as ('YYYY-MM', 'YYYY-MM'), or None, and the partial day ranges
    left over at either end."""
    first = start if start.day == 1 else _next_month(start)
    last = end if end.day == monthrange(end.year, end.month)[1] else end.replace(day=1) - timedelta(days=1)
    if first > last:
        return None, [(start, end)] if start <= end else []
    partial = [(start, first - timedelta(days=1))] if start < first else []
    if last < end:
        partial.append((last + timedelta(days=1), end))
    return (first.strftime("%Y-%m"), last.strftime("%Y-%m")), partial


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def new_firm_counts(start: date, end: date, *, small: bool, individual: bool, tagged: bool | None = None):
    """(district_code, value) rows, several per district, of the firms registered in [start, end] with the given
    size flag and form (and, unless None, tag flag): a statement to sum per district."""
    t = FirmMonthTally
    whole, partial = month_span(start, end)
    parts = []
    if whole:
        tally = [t.month.between(*whole), t.small.is_(small), t.individual.is_(individual)]
        if tagged is not None:
            tally.append(t.tagged.is_(tagged))
        parts.append(select(t.district_code, func.sum(t.n).label("value")).where(*tally).group_by(t.district_code))
    for a, b in partial:
        parts.append(select(Firm.district_code, func.count().label("value"))
                     .where(Firm.registered_on.between(a, b), *_firm_flags(small, individual, tagged))
                     .group_by(Firm.district_code))
    if not parts:
        return select(literal("").label("district_code"), literal(0).label("value")).where(literal(False))
    return union_all(*parts) if len(parts) > 1 else parts[0]


def _firm_flags(small: bool, individual: bool, tagged: bool | None) -> list:
    """The tally's flags as conditions on `firms`: the registry's definitions."""
    from workflows.plans.registry import INDIVIDUAL, NOT_SMALL, small_or_unsized
    from workflows.plans.window import has_tags

    out = [small_or_unsized() if small else Firm.size_class.in_(NOT_SMALL),
           (Firm.legal_form == INDIVIDUAL) if individual else (Firm.legal_form != INDIVIDUAL)]
    if tagged is not None:
        out.append(has_tags() if tagged else ~has_tags())
    return out


FOLD = {
    "pool_member_tallies": ("level", "pool_id", "district_code"),
    "firm_stage_tallies": ("district_code", "stage", "status"),
    "firm_month_tallies": ("district_code", "month", "small", "individual", "tagged"),
}


def compact_tallies(session) -> int:
    """Fold each key's rows into one, dropping keys that net to zero; returns the rows removed. Safe beside
    concurrent writers: on PostgreSQL the rows deleted are exactly those summed (one statement), and a row a
    writer has not committed yet is neither."""
    removed = 0
    for table, key in FOLD.items():
        before = session.scalar(text(f"SELECT count(*) FROM {table}"))
        columns = ", ".join(key)
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text(f"WITH gone AS (DELETE FROM {table} RETURNING {columns}, n) "
                                 f"INSERT INTO {table} ({columns}, n) SELECT {columns}, sum(n) FROM gone "
                                 f"GROUP BY {columns} HAVING sum(n) <> 0"))
        else:  # one row per key already: drop the emptied ones
            session.execute(text(f"DELETE FROM {table} WHERE n = 0"))
        removed += before - session.scalar(text(f"SELECT count(*) FROM {table}"))
    return removed
