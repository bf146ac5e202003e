"""A metric's value per district on a day: computed metrics by their registry query, reported ones from
the latest figure handed in. The scorecard, the API, the exports and the trend snapshots all read here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from models import PlanMetric, ReportedFigure
from workflows.plans.plans import reported_values
from workflows.plans.registry import COMPUTED
from workflows.plans.window import Scope, Window

CITY = ""  # the key of the city-wide figure
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Value:
    """A figure: the value, and what it rests on (records counted, or the reported entry)."""

    value: Decimal | None
    count: int = 0  # records behind a computed figure (for a rate: the firms in it)
    figure: ReportedFigure | None = None


def computed_values(session, key: str, window: Window) -> dict[str, Value]:
    """{district: Value} and {CITY: Value} for a computed metric, in one grouped query."""
    definition = COMPUTED[key]
    members = definition.members(window).subquery("members")
    c = members.c
    if definition.rate:
        stmt = select(c.district_code, func.count(), func.sum(c.num), func.sum(c.den))
    else:
        stmt = select(c.district_code, func.count())
    rows = session.execute(stmt.group_by(c.district_code)).all()
    out: dict[str, Value] = {}
    total = [0, Decimal(0), Decimal(0)]
    for row in rows:
        district, n = row[0], row[1]
        total[0] += n
        if definition.rate:
            num, den = Decimal(row[2] or 0), Decimal(row[3] or 0)
            total[1] += num
            total[2] += den
            out[district] = Value(_ratio(num, den), n)
        else:
            out[district] = Value(Decimal(n), n)
    out[CITY] = Value(_ratio(total[1], total[2]) if definition.rate else Decimal(total[0]), total[0])
    return out


def _ratio(num: Decimal, den: Decimal) -> Decimal | None:
    return (HUNDRED * num / den).quantize(Decimal("0.01")) if den else None


def reported(session, metrics: list[PlanMetric], as_of: date) -> dict[int, dict[str, Value]]:
    """{metric id: {district or CITY: Value}} from the latest figures dated on or before `as_of`."""
    latest = reported_values(session, [m.id for m in metrics], as_of)
    out: dict[int, dict[str, Value]] = {m.id: {} for m in metrics}
    for (metric_id, district), figure in latest.items():
        out[metric_id][district or CITY] = Value(Decimal(figure.value), 0, figure)
    return out


def metric_values(session, metrics: list[PlanMetric], start: date, as_of: date, scope: Scope) -> dict[int, dict]:
    """Every metric's {district or CITY: Value} on `as_of`, counted from `start`."""
    window = Window(start, as_of, scope)
    out = reported(session, [m for m in metrics if m.kind == "reported"], as_of)
    for metric in metrics:
        if metric.kind == "computed":
            out[metric.id] = computed_values(session, metric.key, window)
    if scope.district:  # a reported city figure is not the district's
        for metric in metrics:
            if metric.kind == "reported":
                out[metric.id] = {k: v for k, v in out[metric.id].items() if k == scope.district}
    return out
