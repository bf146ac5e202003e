"""Plans and reported figures: which plan the dashboard opens on, adding a plan, entering a reported figure.

City staff add the next plan (its period, metrics and targets) as data, without a code change; every plan
and every reported figure is an audit event (subject `plan`). A reported figure is never edited: a
correction is a newer entry, and the figure shown is the latest one dated on or before the day asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import or_, select

from models import District, Plan, PlanMetric, PlanTarget, ReportedFigure
from workflows.audit import as_json_value, record_event
from workflows.errors import Duplicate, NotFound, ValidationFailed
from workflows.permissions import require
from workflows.plans.plan_file import _number, clean_plan
from workflows.rules.fields import clean_date
from workflows.rules.text import is_int_text

SOURCE_MAX = 200


@dataclass(frozen=True)
class PlanChoice:
    """The plan the dashboard shows and why: the one covering today, else the latest (`ended` says so)."""

    plan: Plan | None
    covering: bool

    @property
    def ended(self) -> bool:
        return self.plan is not None and not self.covering


def all_plans(session) -> list[Plan]:
    return list(session.scalars(select(Plan).order_by(Plan.starts_on.desc(), Plan.id.desc())))


def get_plan(session, plan_id) -> Plan:
    plan = session.get(Plan, plan_id) if is_int_text(str(plan_id)) else None
    if plan is None:
        raise NotFound("未找到该计划")
    return plan


def choose_plan(session, today: date, plan_id=None) -> PlanChoice:
    """A plan asked for by id; else the plan covering today (the latest-starting if several); else the
    plan that ended last, which the page names as ended."""
    if plan_id not in (None, ""):
        plan = get_plan(session, plan_id)
        return PlanChoice(plan, plan.starts_on <= today <= plan.ends_on)
    covering = session.scalar(select(Plan).where(Plan.starts_on <= today, Plan.ends_on >= today)
                              .order_by(Plan.starts_on.desc(), Plan.id.desc()).limit(1))
    if covering is not None:
        return PlanChoice(covering, True)
    latest = session.scalar(select(Plan).where(Plan.starts_on <= today)
                            .order_by(Plan.ends_on.desc(), Plan.id.desc()).limit(1))
    return PlanChoice(latest, False)


def create_plan(session, data: dict, *, actor, now: datetime) -> Plan:
    """A plan from its data (the TOML layout, or the form's dictionary): validated whole, written whole."""
    require(actor, "plan.manage")
    clean = clean_plan(data)
    head = clean["plan"]
    if session.scalar(select(Plan.id).where(Plan.name == head["name"])):
        raise Duplicate(f"已有名为“{head['name']}”的计划", fields={"name": "计划名称已存在"})
    codes = set(session.scalars(select(District.code)))
    unknown = {c for m in clean["metrics"] for c in m["district_targets"] if c not in codes}
    if unknown:
        raise ValidationFailed("区县目标有误", fields={"district_targets": f"未知的区县代码：{'、'.join(sorted(unknown))}"})
    plan = Plan(**head, created_by_name=getattr(actor, "username", "system"), created_at=now)
    for m in clean["metrics"]:
        targets = m.pop("district_targets")
        metric = PlanMetric(**m)
        metric.targets = [PlanTarget(district_code=code, target=value) for code, value in sorted(targets.items())]
        plan.metrics.append(metric)
    session.add(plan)
    session.flush()
    record_event(session, subject_type="plan", subject_id=plan.id, firm_id=None, action="create", actor=actor,
                 now=now, evidence={"name": plan.name, "starts_on": plan.starts_on.isoformat(),
                                    "ends_on": plan.ends_on.isoformat(),
                                    "metrics": [_metric_evidence(m) for m in plan.metrics]})
    return plan


def _metric_evidence(m: PlanMetric) -> dict:
    return {"key": m.key, "kind": m.kind, "label": m.label, "target": as_json_value(m.target),
            "district_targets": {t.district_code: as_json_value(t.target) for t in m.targets}}


def metric_by_key(plan: Plan, key: str) -> PlanMetric:
    for metric in plan.metrics:
        if metric.key == key:
            return metric
    raise NotFound(f"该计划没有指标“{key}”")


def report_figure(session, metric: PlanMetric, data: dict, *, actor, now: datetime, today: date) -> ReportedFigure:
    """One figure for a reported metric: `value`, `as_of` (not after today), `source` (the document), an
    optional `district` (else city-wide) and `comment`. Audited on the plan, naming the metric."""
    require(actor, "plan.report")
    if metric.kind != "reported":
        raise ValidationFailed("该指标由系统按记录计算，不能填报", fields={"metric": f"“{metric.label}”是计算指标"})
    errors: dict[str, str] = {}
    value = _number(data.get("value"), "value", errors)
    if value is None and "value" not in errors:
        errors["value"] = "请填写数值"
    as_of = _day(data.get("as_of"), today, errors)
    source = str(data.get("source") or "").strip()
    if not source:
        errors["source"] = "请填写数据来源文件（如文件名称、文号）"
    elif len(source) > SOURCE_MAX:
        errors["source"] = f"来源不能超过{SOURCE_MAX}个字符"
    district = str(data.get("district") or "").strip() or None
    if district and session.get(District, district) is None:
        errors["district"] = f"未知的区县代码：{district}"
    if errors:
        raise ValidationFailed("填报内容有误", fields=errors)
    figure = ReportedFigure(plan_metric_id=metric.id, district_code=district, as_of=as_of, value=value, source=source,
                            comment=str(data.get("comment") or "").strip(), entered_by_id=getattr(actor, "id", None),
                            entered_by_name=getattr(actor, "username", "system"), entered_at=now)
    session.add(figure)
    session.flush()
    record_event(session, subject_type="plan", subject_id=metric.plan_id, firm_id=None, action="report_figure",
                 actor=actor, now=now, comment=figure.comment,
                 evidence={"figure": figure.id, "metric": metric.key, "label": metric.label, "district": district,
                           "as_of": as_of.isoformat(), "value": as_json_value(value), "source": source})
    return figure


def _day(value, today: date, errors: dict) -> date | None:
    try:
        day = clean_date(value)
    except ValueError:
        errors["as_of"] = "请填写数据截止日期（YYYY-MM-DD）"
        return None
    if day > today:
        errors["as_of"] = f"截止日期不能晚于今天（{today.isoformat()}）"
    return day


def reported_history(session, metric_ids: list[int], as_of: date) -> list[ReportedFigure]:
    """The figures of these metrics dated on or before `as_of`, oldest first (a later entry for the same day
    is a correction: it wins)."""
    if not metric_ids:
        return []
    return list(session.scalars(select(ReportedFigure).where(ReportedFigure.plan_metric_id.in_(metric_ids),
                                                             ReportedFigure.as_of <= as_of)
                                .order_by(ReportedFigure.as_of, ReportedFigure.entered_at, ReportedFigure.id)))


def figure_history(session, metric: PlanMetric, district: str | None = None) -> list[ReportedFigure]:
    """Every figure entered for a metric, newest first (corrections included): the list behind a reported number."""
    stmt = select(ReportedFigure).where(ReportedFigure.plan_metric_id == metric.id)
    if district:
        stmt = stmt.where(or_(ReportedFigure.district_code == district))
    return list(session.scalars(stmt.order_by(ReportedFigure.as_of.desc(), ReportedFigure.entered_at.desc(),
                                              ReportedFigure.id.desc())))


def as_decimal(value) -> Decimal | None:
    return None if value is None else Decimal(value)
