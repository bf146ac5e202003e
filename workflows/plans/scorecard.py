"""The plan's scorecard: for each metric, city-wide and per district, the value (at the plan's end for an
ended plan, else today) and today's, the target, % reached, the pace needed against the pace so far, and a
status; then the districts ranked.

Status (`STATUS_LABELS`): `reached` when the value meets the target (≥, or > where the plan says 以上/超过);
for a running plan `on_track` when the pace so far (per month since the start; for a level, its growth from
the start's value) would reach the target by the plan's end, else `behind`; for an ended plan `missed`.
A rate has no pace: reached or behind. A metric without a quantified target is `no_target`; one without a
value yet (no figure reported) is `no_data`. A per-year target (每年保有) is reached only if every year-end
of the plan met it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from models import District, Plan, PlanMetric
from workflows.plans.figures import CITY, Value, metric_values
from workflows.plans.registry import COMPUTED, describe
from workflows.plans.stored import scorecard_days, year_end_days
from workflows.plans.window import Scope, Window

STATUS_LABELS = {"reached": "已达成", "on_track": "按进度", "behind": "滞后", "missed": "未达成",
                 "no_target": "无量化目标", "no_data": "暂无数据"}
STATUS_ORDER = ("behind", "missed", "no_data", "on_track", "reached", "no_target")
DAYS_PER_MONTH = Decimal("30.4375")


@dataclass
class Figure:
    value: Value
    today: Value
    target: Decimal | None
    status: str = "no_data"
    percent: Decimal | None = None
    pace_needed: Decimal | None = None  # per month, from the day to the plan's end
    pace_so_far: Decimal | None = None  # per month, since the plan's start

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass
class Row:
    metric: PlanMetric
    definition: str
    city: Figure
    districts: dict[str, Figure]
    years: list[tuple[int, Value]] = field(default_factory=list)  # per-year metrics: each year-end's city value

    @property
    def rate(self) -> bool:
        return self.metric.accumulation == "rate"


@dataclass
class Scorecard:
    plan: Plan
    as_of: date  # the day `value` is for: the plan's end if it ended, else today
    today: date
    ended: bool
    rows: list[Row]
    districts: list[District]
    ranking: list[dict]


def district_targets(session, metric: PlanMetric) -> dict[str, Decimal]:
    targets = metric.district_targets()
    if not targets and metric.kind == "computed" and COMPUTED[metric.key].district_targets:
        targets = {k: Decimal(v) for k, v in COMPUTED[metric.key].district_targets(session).items() if v}
    return targets


def build_scorecard(session, plan: Plan, today: date, scope: Scope | None = None) -> Scorecard:
    ended = today > plan.ends_on
    as_of = plan.ends_on if ended else today
    scope = (scope or Scope()).without_district()  # every district's figure at once; the page picks
    metrics = list(plan.metrics)
    years = year_end_days(plan, today)
    wanted = {m.id: scorecard_days(m, plan, today) for m in metrics}
    days = sorted({day for chosen in wanted.values() for day in chosen})
    values = metric_values(session, metrics, plan.starts_on, days, scope, today=today, wanted=wanted)
    at_end, now = values[as_of], values[today]
    start = values.get(plan.starts_on, {}) if not ended else {}
    districts = list(session.scalars(select(District).order_by(District.sort_order, District.code)))
    rows = []
    for metric in metrics:
        window = Window(plan.starts_on, as_of, scope)
        definition = describe(metric.key, window) if metric.kind == "computed" else _reported_words(metric)
        targets = district_targets(session, metric)
        base = start.get(metric.id, {}) if metric.accumulation == "level" else {}

        def figure(key, target, metric=metric, base=base):
            return _figure(metric, at_end[metric.id].get(key, _empty(metric)), now[metric.id].get(key, _empty(metric)),
                           target, base.get(key), plan, as_of, ended)

        row = Row(metric, definition, figure(CITY, metric.target),
                  {d.code: figure(d.code, targets.get(d.code)) for d in districts})
        if metric.per_year:
            row.years = [(day.year, values[day][metric.id].get(CITY, _empty(metric))) for day in years]
            if ended and row.city.status == "reached" and any(
                    not _meets(metric, v.value, metric.target) for _, v in row.years):
                row.city.status = "missed"
        rows.append(row)
    return Scorecard(plan, as_of, today, ended, rows, districts, rank_districts(rows, districts))


def _empty(metric: PlanMetric) -> Value:
    return Value(None if metric.kind == "reported" or metric.accumulation == "rate" else Decimal(0))


def _reported_words(metric: PlanMetric) -> str:
    words = f"由{metric.responsible or '责任单位'}填报：取截止日期不晚于当日的最近一次填报数（附来源文件、填报人）。"
    return f"{words}{metric.note}" if metric.note else words


def _meets(metric: PlanMetric, value, target) -> bool:
    if value is None or target is None:
        return False
    return value > target if metric.comparison == "above" else value >= target


def _figure(metric, value: Value, today: Value, target, base: Value | None, plan: Plan, as_of: date,
            ended: bool) -> Figure:
    fig = Figure(value, today, target)
    v = value.value
    if target is None:
        fig.status = "no_target"
        return fig
    if v is None:
        return fig
    if target:
        fig.percent = (Decimal(100) * v / target).quantize(Decimal("0.1"))
    if _meets(metric, v, target):
        fig.status = "reached"
        return fig
    if ended:
        fig.status = "missed"
        return fig
    if metric.accumulation == "rate":
        fig.status = "behind"
        return fig
    elapsed = Decimal(max((as_of - plan.starts_on).days + 1, 1)) / DAYS_PER_MONTH
    remaining = Decimal(max((plan.ends_on - as_of).days, 1)) / DAYS_PER_MONTH
    gained = v - (base.value if base is not None and base.value is not None else 0)
    fig.pace_so_far = (gained / elapsed).quantize(Decimal("0.1"))
    fig.pace_needed = ((target - v) / remaining).quantize(Decimal("0.1"))
    fig.status = "on_track" if fig.pace_so_far >= fig.pace_needed else "behind"
    return fig


def rank_districts(rows: list[Row], districts: list[District]) -> list[dict]:
    """Districts by their mean completion (each metric's % capped at 100) over the metrics that set the
    district a target; ties by the number of targets reached."""
    ranking = []
    for d in districts:
        shares = [min(r.districts[d.code].percent, Decimal(100)) for r in rows
                  if r.districts[d.code].target and r.districts[d.code].percent is not None]
        reached = sum(1 for r in rows if r.districts[d.code].status == "reached")
        mean = (sum(shares) / len(shares)).quantize(Decimal("0.1")) if shares else None
        ranking.append({"district": d, "score": mean, "metrics": len(shares), "reached": reached})
    ranking.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), -r["reached"], r["district"].sort_order))
    for i, r in enumerate(ranking, 1):
        r["rank"] = i if r["score"] is not None else None
    return ranking
