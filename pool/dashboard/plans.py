"""计划与指标 (`/plans`): the plans, each metric's definition and targets, reported figures with their source
and who entered them, entering a figure (city staff), and adding the next plan without a code change.

The new-plan form starts from a plan already entered (its metrics, labels and targets, each editable or left
out) plus rows for new reported metrics; what it posts is the same dictionary a plan file holds, created by
`workflows.plans.plans.create_plan` in one unit of work.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from models import District, db
from pool import clock
from pool.auth.views import requires
from pool.uow import unit_of_work
from workflows.errors import Duplicate, ValidationFailed
from workflows.plans.figures import CITY
from workflows.plans.plans import (
    all_plans,
    create_plan,
    figure_history,
    get_plan,
    metric_by_key,
    report_figure,
)
from workflows.plans.registry import COMPUTED, describe
from workflows.plans.scorecard import district_targets
from workflows.plans.window import Window

bp = Blueprint("plans", __name__)
NEW_ROWS = 3


def _districts():
    return list(db.session.scalars(db.select(District).order_by(District.sort_order, District.code)))


@bp.route("/plans")
@requires("plan.read")
def index():
    return render_template("plans/index.html", plans=all_plans(db.session), today=clock.today())


@bp.route("/plans/<int:plan_id>")
@requires("plan.read")
def detail(plan_id: int):
    plan = get_plan(db.session, plan_id)
    window = Window(plan.starts_on, min(plan.ends_on, clock.today()))
    definitions = {m.key: describe(m.key, window) for m in plan.metrics if m.kind == "computed"}
    targets = {m.id: district_targets(db.session, m) for m in plan.metrics}
    return render_template("plans/detail.html", plan=plan, definitions=definitions, targets=targets,
                           districts={d.code: d.name for d in _districts()})


@bp.route("/plans/<int:plan_id>/metrics/<key>", methods=["GET", "POST"])
@requires("plan.read")
def metric(plan_id: int, key: str):
    plan = get_plan(db.session, plan_id)
    m = metric_by_key(plan, key)
    errors, values = {}, {}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            with unit_of_work():
                figure = report_figure(db.session, m, values, actor=current_user._get_current_object(),
                                       now=clock.now(), today=clock.today())
            flash(f"已填报：{m.label} {figure.value.normalize():f}{m.unit}（截至{figure.as_of}，来源：{figure.source}）",
                  "success")
            return redirect(url_for("plans.metric", plan_id=plan.id, key=m.key))
        except ValidationFailed as exc:
            errors = exc.fields
    definition = describe(m.key, Window(plan.starts_on, min(plan.ends_on, clock.today()))) \
        if m.kind == "computed" else ""
    return render_template("plans/metric.html", plan=plan, metric=m, history=figure_history(db.session, m),
                           errors=errors, values=values, definition=definition, districts=_districts(),
                           today=clock.today(), city=CITY), 400 if errors else 200


def _form_to_plan(form, base) -> dict:
    """The posted form as a plan dictionary (the plan file's layout)."""
    metrics = []
    for m in (base.metrics if base else []):
        if not form.get(f"include-{m.key}"):
            continue
        targets = _district_targets(form.get(f"districts-{m.key}", ""))
        metrics.append({"key": m.key, "kind": m.kind, "label": form.get(f"label-{m.key}") or m.label,
                        "section": m.section, "unit": m.unit, "target": form.get(f"target-{m.key}") or None,
                        "comparison": m.comparison, "accumulation": m.accumulation, "per_year": m.per_year,
                        "responsible": m.responsible, "note": m.note, "district_targets": targets})
    for i in range(NEW_ROWS):
        label = (form.get(f"new-label-{i}") or "").strip()
        if label:
            metrics.append({"key": (form.get(f"new-key-{i}") or "").strip(), "kind": "reported", "label": label,
                            "section": "新增指标", "unit": form.get(f"new-unit-{i}") or "家",
                            "target": form.get(f"new-target-{i}") or None,
                            "responsible": form.get(f"new-responsible-{i}") or ""})
    return {"plan": {"name": form.get("name"), "starts_on": form.get("starts_on"), "ends_on": form.get("ends_on"),
                     "source": form.get("source"), "note": form.get("note")}, "metrics": metrics}


def _district_targets(text: str) -> dict:
    """"330102=1200; 330106=900" -> {"330102": "1200", ...} (validated with the rest of the plan)."""
    out = {}
    for part in text.replace("；", ";").replace("，", ";").replace(",", ";").split(";"):
        if "=" in part:
            code, value = part.split("=", 1)
            out[code.strip()] = value.strip()
    return out


@bp.route("/plans/new", methods=["GET", "POST"])
@requires("plan.manage")
def new():
    plans = all_plans(db.session)
    base_id = request.values.get("base") or (plans[0].id if plans else None)
    base = get_plan(db.session, base_id) if base_id else None
    errors = {}
    if request.method == "POST":
        try:
            with unit_of_work():
                plan = create_plan(db.session, _form_to_plan(request.form, base),
                                   actor=current_user._get_current_object(), now=clock.now())
            flash(f"已新增计划：{plan.name}（{len(plan.metrics)}项指标）", "success")
            return redirect(url_for("plans.detail", plan_id=plan.id))
        except (ValidationFailed, Duplicate) as exc:
            errors = exc.fields or {"plan": exc.message}
    targets = {m.id: district_targets(db.session, m) for m in (base.metrics if base else [])}
    return render_template("plans/new.html", plans=plans, base=base, form=request.form, errors=errors,
                           targets=targets, new_rows=range(NEW_ROWS), computed=COMPUTED), 400 if errors else 200
