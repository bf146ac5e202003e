"""Stored figures: computed once a night (the `plan_figures` check) and read with the moment they were computed.

Two kinds are kept. A rate (研发投入占比, 科研人员占比) joins every labelled small firm with its year's figures:
tens of thousands of look-ups at city scale, too many for each page view, and its inputs (the annual figures)
change when a year's figures are imported, not by the minute — so it is kept for every day the scorecard
shows, today included. And every computed metric's value on a past day the scorecard shows (the plan's end,
its year ends, a running plan's start): counted "as of" that day from the records' own dates and the audit
history, it changes only when a record is back-dated, yet costs a pass over history on each view (at a million
firms, most of the scorecard's time). Today's counts are never stored: they move with every admission.
The scorecard shows a stored value with its computation time. Where none is stored for the day (a new
installation before its first night, a filter by industry or tag), the figure is computed on the spot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import delete, select

from models import Plan, PlanMetric, StoredFigure
from workflows.plans.registry import COMPUTED
from workflows.plans.window import Scope, Window

CITY = ""
KEEP_DAYS = 7  # a stored "today" is dropped after a week; the days a scorecard shows are kept


@dataclass(frozen=True)
class Stored:
    """A stored rate's parts for one district (or the city), and when it was computed for which day."""

    count: int
    num: Decimal
    den: Decimal
    as_of: date
    computed_at: datetime


def year_end_days(plan: Plan, today: date) -> list[date]:
    """Each year's last day within the plan, up to today: when a per-year target (每年保有) is judged."""
    days = [date(year, 12, 31) for year in range(plan.starts_on.year, plan.ends_on.year + 1)]
    return [day for day in days if day <= today and day <= plan.ends_on]


def scorecard_days(metric: PlanMetric, plan: Plan, today: date) -> list[date]:
    """The days the scorecard needs a metric's figures on: its value's (the plan's end once it has ended, else
    today) and today's; a running level's start (its pace counts growth from there); a per-year metric's year
    ends. Every metric on both, so the reported ones are read for both."""
    ended = today > plan.ends_on
    days = {plan.ends_on if ended else today, today}
    if metric.kind == "computed" and metric.accumulation == "level" and not ended:
        days.add(plan.starts_on)
    if metric.per_year:
        days.update(year_end_days(plan, today))
    return sorted(days)


def is_stored(key: str, day: date, today: date) -> bool:
    """Whether the nightly run keeps a computed metric's figure for a day: a rate's always, a count's on a past
    day only."""
    return COMPUTED[key].rate or day < today


def store_figures(session, *, today: date, now: datetime) -> int:
    """Compute and store, for every plan that has begun, the figures `is_stored` keeps on the days its
    scorecard shows; returns the rows written."""
    written, kept = 0, set()
    for plan in session.scalars(select(Plan).where(Plan.starts_on <= today)):
        for metric in plan.metrics:
            if metric.kind != "computed":
                continue
            for day in scorecard_days(metric, plan, today):
                if is_stored(metric.key, day, today):
                    written += _store(session, metric.key, plan.starts_on, day, now)
                    kept.add(day)
    cutoff = date.fromordinal(today.toordinal() - KEEP_DAYS)  # earlier "todays", kept a week for a late night run
    session.execute(delete(StoredFigure).where(StoredFigure.as_of < cutoff, StoredFigure.as_of.not_in(kept)))
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
    """{(key, window): {district or CITY ('')}: Stored}} for the figures wanted that have a stored figure: computed
    for the window's very day or, for today before tonight's run, for the latest earlier day of the same figures
    year. Windows filtered by industry or tag have none (stored figures are for the whole register). One read."""
    wanted = [(key, w) for key, w in wanted if not (w.scope.industry or w.scope.tag) and is_stored(key, w.as_of, today)]
    if not wanted:
        return {}
    s = StoredFigure
    rows = session.execute(select(s.metric, s.start, s.as_of, s.district_code, s.count, s.num, s.den, s.computed_at)
                           .where(s.metric.in_({key for key, _ in wanted}),
                                  s.start.in_({w.start for _, w in wanted}), s.as_of <= today))  # columns: no ORM objects
    found: dict[tuple, dict[date, dict[str, Stored]]] = {}
    for metric, start, as_of, district, n, num, den, computed_at in rows:
        days = found.setdefault((metric, start), {})
        days.setdefault(as_of, {})[district] = Stored(n, Decimal(num), Decimal(den), as_of, computed_at)
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
