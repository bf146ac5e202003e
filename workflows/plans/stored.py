"""Stored figures: the plan's rates, computed once a night (the `plan_figures` check) and read with the moment
they were computed.

A rate (研发投入占比, 科研人员占比) joins every labelled small firm with its year's figures: tens of thousands
of look-ups at city scale, too many for each page view, and its inputs (the annual figures) change when a year's
figures are imported, not by the minute. So it is computed for the days the dashboard asks about — each plan's
end once it has ended, and today — and the scorecard shows the stored value with its computation time. Where
none is stored for the day (a new installation before its first night, a filter by industry or tag), the
figure is computed on the spot, as every count is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import delete, select

from models import Plan, StoredFigure
from workflows.plans.registry import COMPUTED
from workflows.plans.window import Scope, Window

CITY = ""
KEEP_DAYS = 7  # earlier days' stored figures are dropped (a plan's end is kept as long as the plan)


@dataclass(frozen=True)
class Stored:
    """A stored rate's parts for one district (or the city), and when it was computed for which day."""

    count: int
    num: Decimal
    den: Decimal
    as_of: date
    computed_at: datetime


def stored_keys(plan: Plan) -> list[str]:
    return [m.key for m in plan.metrics if m.kind == "computed" and COMPUTED[m.key].rate]


def days_for(plan: Plan, today: date) -> list[date]:
    """The days a plan's dashboard shows: its end once it has ended, and today while it has begun."""
    days = [plan.ends_on] if plan.ends_on < today else []
    return days + ([today] if plan.starts_on <= today else [])


def store_figures(session, *, today: date, now: datetime) -> int:
    """Compute and store every plan's rates for the days its dashboard shows; returns the rows written."""
    written = 0
    for plan in session.scalars(select(Plan)):
        for key in stored_keys(plan):
            for day in days_for(plan, today):
                written += _store(session, key, plan.starts_on, day, now)
    cutoff = date.fromordinal(today.toordinal() - KEEP_DAYS)
    ends = select(Plan.ends_on)
    session.execute(delete(StoredFigure).where(StoredFigure.as_of < cutoff, StoredFigure.as_of.not_in(ends)))
    return written


def _store(session, key: str, start: date, day: date, now: datetime) -> int:
    from workflows.plans.figures import grouped_rows

    s = StoredFigure
    session.execute(delete(s).where(s.metric == key, s.start == start, s.as_of == day))
    rows = grouped_rows(session, key, Window(start, day, Scope()))
    totals = [0, Decimal(0), Decimal(0)]
    for district, n, num, den in rows:
        session.add(s(metric=key, start=start, as_of=day, district_code=district, count=n, num=num or 0,
                      den=den or 0, computed_at=now))
        totals = [totals[0] + n, totals[1] + Decimal(num or 0), totals[2] + Decimal(den or 0)]
    session.add(s(metric=key, start=start, as_of=day, district_code=CITY, count=totals[0], num=totals[1],
                  den=totals[2], computed_at=now))
    session.flush()
    return len(rows) + 1


def stored_grid(session, wanted: list[tuple[str, Window]], *, today: date) -> dict[tuple, dict[str, Stored]]:
    """{(key, window): {district or CITY ('')}: Stored}} for the rates wanted that have a stored figure: computed
    for the window's very day or, for today before tonight's run, for the latest earlier day of the same figures
    year. Windows filtered by industry or tag have none (stored figures are for the whole register). One read."""
    wanted = [(key, w) for key, w in wanted if not (w.scope.industry or w.scope.tag)]
    if not wanted:
        return {}
    s = StoredFigure
    rows = session.scalars(select(s).where(s.metric.in_({key for key, _ in wanted}),
                                           s.start.in_({w.start for _, w in wanted}), s.as_of <= today))
    found: dict[tuple, dict[date, dict[str, Stored]]] = {}
    for f in rows:
        days = found.setdefault((f.metric, f.start), {})
        days.setdefault(f.as_of, {})[f.district_code] = Stored(f.count, Decimal(f.num), Decimal(f.den), f.as_of,
                                                               f.computed_at)
    out = {}
    for key, w in wanted:
        days = found.get((key, w.start), {})
        if w.as_of == today:
            earlier = [d for d in days if d <= today and Window(w.start, d).figures_year == w.figures_year]
            day = max(earlier, default=None)
        else:
            day = w.as_of if w.as_of in days else None
        if day is not None:
            out[(key, w)] = days[day]
    return out
