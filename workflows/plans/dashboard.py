"""The dashboard's parameters and panels, assembled once for the page, its Excel export and the API.

Parameters (query string): `plan` (id; default: the plan covering today, else the latest, `ended`),
`district`, `industry` (GB/T 4754 门类 letter or code prefix), `tag` (八大万亿产业), `from`/`to` (the period of
the flow, waits and pool decisions; default this year so far), `metric` (the trend shown). A county
officer's dashboard opens on their district; other districts' aggregates stay readable, their lists do not
(`workflows.plans.drill`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from models import District
from models.enums import IndustryTag
from workflows.errors import ValidationFailed
from workflows.permissions import scope_district
from workflows.plans.funnel import Funnel, build_funnel, default_period
from workflows.plans.plans import PlanChoice, choose_plan
from workflows.plans.pools_panel import PoolsPanel, build_pools_panel
from workflows.plans.scorecard import Scorecard, build_scorecard
from workflows.plans.trends import series, trend_labels
from workflows.plans.window import Scope
from workflows.rules.fields import INDUSTRY_PREFIX, clean_date
from workflows.rules.text import is_int_text

DEFAULT_TREND = "pool.county"


@dataclass(frozen=True)
class Params:
    plan_id: int | None
    scope: Scope
    start: date
    end: date
    metric: str
    labels: dict[str, str] = field(compare=False)  # every trend's name, read once while checking `metric`

    def args(self) -> dict:
        """The query parameters that reproduce this view (links, exports)."""
        out = {**self.scope.args(), "from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.plan_id:
            out["plan"] = self.plan_id
        if self.metric != DEFAULT_TREND:
            out["metric"] = self.metric
        return out


def clean_params(session, args, actor, today: date) -> Params:
    errors: dict[str, str] = {}
    plan = str(args.get("plan") or "").strip()
    if plan and not is_int_text(plan):
        errors["plan"] = f"计划编号应为正整数：{plan}"
    district = str(args.get("district") or "").strip() or scope_district(actor)
    if district and session.get(District, district) is None:
        errors["district"] = f"未知的区县代码：{district}"
    industry = str(args.get("industry") or "").strip().upper() or None
    if industry and not INDUSTRY_PREFIX.fullmatch(industry):
        errors["industry"] = f"行业应为国民经济行业门类字母或代码，如 C、C39：{industry}"
    tag = str(args.get("tag") or "").strip() or None
    if tag and tag not in {t.value for t in IndustryTag}:
        errors["tag"] = f"未知的八大万亿产业：{tag}"
    start, end = default_period(today)
    for key in ("from", "to"):
        text = str(args.get(key) or "").strip()
        if text:
            try:
                day = clean_date(text)
            except ValueError:
                errors[key] = f"日期格式应为 YYYY-MM-DD：{text}"
                continue
            start, end = (day, end) if key == "from" else (start, day)
    if start > end:
        errors["to"] = "结束日期不能早于开始日期"
    metric = str(args.get("metric") or "").strip() or DEFAULT_TREND
    labels = trend_labels(session)
    if metric not in labels:
        errors["metric"] = f"没有名为“{metric}”的趋势指标"
    if errors:
        raise ValidationFailed("看板参数有误", fields=errors)
    return Params(int(plan) if plan else None, Scope(district, industry, tag), start, end, metric, labels)


@dataclass
class Dashboard:
    params: Params
    today: date
    choice: PlanChoice
    scorecard: Scorecard | None
    funnel: Funnel
    pools: PoolsPanel
    trend: list[tuple[date, int, bool]]
    city_trend: list[tuple[date, int, bool]]
    trend_label: str
    trend_labels: dict[str, str]
    districts: list[District]

    @property
    def city_values(self) -> dict[date, int]:
        return {day: value for day, value, _ in self.city_trend}


PANELS = frozenset({"scorecard", "funnel", "pools", "trends"})


def build_dashboard(session, params: Params, *, today: date, now: datetime, panels=PANELS) -> Dashboard:
    """The panels asked for (the page: all; each API route: its own), the others left empty."""
    from workflows.plans.funnel import Funnel as EmptyFunnel
    from workflows.plans.pools_panel import PoolsPanel as EmptyPools

    choice = choose_plan(session, today, params.plan_id)
    scorecard = build_scorecard(session, choice.plan, today, params.scope) \
        if choice.plan and "scorecard" in panels else None
    labels = params.labels
    district = params.scope.district
    trends = "trends" in panels
    return Dashboard(
        params, today, choice, scorecard,
        build_funnel(session, params.scope, params.start, params.end, now) if "funnel" in panels
        else EmptyFunnel(params.start, params.end, {}, {}, {}, {}, {}),
        build_pools_panel(session, params.scope, params.start, params.end) if "pools" in panels
        else EmptyPools(params.start, params.end, [], [], [], {}),
        series(session, params.metric, district) if trends else [],
        series(session, params.metric) if trends and district else [],
        labels[params.metric], labels,
        list(session.scalars(select(District).order_by(District.sort_order, District.code))),
    )
