"""A metric's value per district on a day: computed metrics by their registry query, reported ones from
the latest figure handed in. The scorecard, the API, the exports and the trend snapshots all read here.

The figures a page needs (every metric, at the plan's end, today, its start, each year's end) are asked for
together: one statement, a UNION ALL of each (metric, day)'s grouped count, rather than one round trip each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import Integer, Numeric, cast, func, literal, null, select, union_all

from models import PlanMetric, ReportedFigure
from workflows.plans.plans import reported_history
from workflows.plans.registry import COMPUTED
from workflows.plans.stored import stored_grid
from workflows.plans.window import Scope, Window

CITY = ""  # the key of the city-wide figure
HUNDRED = Decimal(100)
Sum = Numeric(24, 4)


@dataclass(frozen=True)
class Value:
    """A figure: the value, and what it rests on (records counted, or the reported entry). A stored figure
    (`workflows.plans.stored`) says when it was computed; every other is computed when asked."""

    value: Decimal | None
    count: int = 0  # records behind a computed figure (for a rate: the firms in it)
    figure: ReportedFigure | None = None
    computed_at: datetime | None = None
    computed_for: date | None = None  # the day a stored figure was computed for


@lru_cache(maxsize=512)
def grouped(key: str, window: Window):
    """(district_code, n, num, den) per district of a computed metric on the window: from its kept aggregates
    where it has them for the window, else by counting its members (num and den: a rate's sums).

    Statements are values (immutable, a pure function of the metric and the window): each is built once per
    process and reused, so its construction and cache key are paid once, not on every page view."""
    definition = COMPUTED[key]
    fast = definition.counts(window) if definition.counts else None
    if fast is not None:
        c = fast.subquery("counts").c
        stmt = select(c.district_code, cast(func.sum(c.value), Integer).label("n"),
                      cast(null(), Sum).label("num"), cast(null(), Sum).label("den"))
        if window.scope.district:
            stmt = stmt.where(c.district_code == window.scope.district)
    else:
        c = definition.members(window).subquery("members").c
        sums = (func.sum(c.num), func.sum(c.den)) if definition.rate else (null(), null())
        stmt = select(c.district_code, cast(func.count(), Integer).label("n"),
                      *(cast(s, Sum).label(name) for s, name in zip(sums, ("num", "den"), strict=True)))
    return stmt.group_by(c.district_code)


def grouped_rows(session, key: str, window: Window) -> list[tuple]:
    return [tuple(row) for row in session.execute(grouped(key, window))]


def computed_grid(session, wanted: list[tuple[str, Window]], *, today: date) -> dict[tuple, dict[str, Value]]:
    """{(key, start, as_of): {district or CITY: Value}} for every (metric key, window) wanted, the counts in
    one statement. A figure is read from the nightly store where one is kept for the window (a rate; a count on a
    past day: `workflows.plans.stored`)."""
    wanted = list(dict.fromkeys((key, w) for key, w in wanted))
    out: dict[tuple, dict[str, Value]] = {}
    for (key, w), stored in stored_grid(session, wanted, today=today).items():
        rate = COMPUTED[key].rate
        out[(key, w.start, w.as_of)] = {
            district: Value(_ratio(f.num, f.den) if rate else Decimal(f.count), f.count, computed_at=f.computed_at,
                            computed_for=f.as_of)
            for district, f in stored.items() if not w.scope.district or district in (w.scope.district, CITY)}
    live = [(key, w) for key, w in wanted if (key, w.start, w.as_of) not in out]
    if not live:
        return out
    rows: dict[int, list] = {i: [] for i in range(len(live))}
    for district, n, num, den, i in session.execute(_together(tuple(live))):
        rows[i].append((district, n, num, den))
    for i, (key, w) in enumerate(live):
        out[(key, w.start, w.as_of)] = _values(COMPUTED[key].rate, rows[i])
    return out


@lru_cache(maxsize=64)
def _together(live: tuple[tuple[str, Window], ...]):
    """The grouped counts of every (key, window) as one statement, each row tagged with its position."""
    parts = [grouped(key, w).add_columns(literal(i, Integer).label("i")) for i, (key, w) in enumerate(live)]
    return union_all(*parts) if len(parts) > 1 else parts[0]


def _values(rate: bool, rows: list[tuple]) -> dict[str, Value]:
    out: dict[str, Value] = {}
    total = [0, Decimal(0), Decimal(0)]
    for district, n, num, den in rows:
        n = int(n or 0)
        total[0] += n
        if rate:
            num, den = Decimal(num or 0), Decimal(den or 0)
            total[1] += num
            total[2] += den
            out[district] = Value(_ratio(num, den), n)
        else:
            out[district] = Value(Decimal(n), n)
    out[CITY] = Value(_ratio(total[1], total[2]) if rate else Decimal(total[0]), total[0])
    return out


def _ratio(num: Decimal, den: Decimal) -> Decimal | None:
    return (HUNDRED * num / den).quantize(Decimal("0.01")) if den else None


def reported(session, metrics: list[PlanMetric], days: list[date]) -> dict[date, dict[int, dict[str, Value]]]:
    """{day: {metric id: {district or CITY: Value}}} from the latest figures dated on or before each day
    (one read of the figures up to the last day)."""
    history = reported_history(session, [m.id for m in metrics], max(days)) if metrics and days else []
    out = {}
    for day in days:
        latest = {}
        for figure in history:  # ascending: the last one dated on or before the day wins
            if figure.as_of <= day:
                latest[(figure.plan_metric_id, figure.district_code)] = figure
        by_metric: dict[int, dict[str, Value]] = {m.id: {} for m in metrics}
        for (metric_id, district), figure in latest.items():
            by_metric[metric_id][district or CITY] = Value(Decimal(figure.value), 0, figure)
        out[day] = by_metric
    return out


def metric_values(session, metrics: list[PlanMetric], start: date, days: list[date], scope: Scope, *,
                  today: date, wanted: dict | None = None) -> dict[date, dict[int, dict]]:
    """{day: {metric id: {district or CITY: Value}}}: every metric on each of `days`, counted from `start`;
    `wanted` ({metric id: days}) narrows which computed metric is asked for on which day. One statement for
    all the counts, one read of the reported figures per day."""
    computed = [m for m in metrics if m.kind == "computed"]
    pairs = [(m.key, Window(start, day, scope)) for day in days for m in computed
             if wanted is None or day in wanted.get(m.id, days)]
    grid = computed_grid(session, pairs, today=today)
    out: dict[date, dict[int, dict]] = {}
    handed_in = reported(session, [m for m in metrics if m.kind == "reported"], days)
    for day in days:
        values = handed_in[day]
        if scope.district:  # a reported city figure is not the district's
            values = {k: {d: v for d, v in by.items() if d == scope.district} for k, by in values.items()}
        for m in computed:
            if (m.key, start, day) in grid:
                values[m.id] = grid[(m.key, start, day)]
        out[day] = values
    return out
