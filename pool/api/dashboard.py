"""/api/v1 dashboard and plan routes: the same numbers the 领导看板 page shows (DESIGN §7).

- `GET /dashboard/scorecard?plan=&district=`: each metric's `key`, `label`, `kind` (computed/reported), `unit`,
  `actual` (at the plan's end, or today while it runs), `today`, `target`, `percent`, `status`, `list_url`
  (the records behind `actual`; null for a reported metric or where the caller may not list), `computed_at`
  (a stored rate's moment of computation, `workflows.plans.stored`; null: computed for this answer), for the city
  and, with `district`, for that district; plus the district `ranking`.
- `GET /dashboard/funnel?district=&from=&to=`: rungs, flow per transition, conversion, open cases by state,
  median days per state. `GET /dashboard/pools`: fill, decisions per month, endings by reason, hygiene flags.
- `GET /dashboard/trends?metric=&district=`: the snapshots, oldest first (`backfilled` for history).
- `GET /plans`; `POST /plans/<id>/reports {"metric", "value", "as_of", "source", "district"?, "comment"?}`.
"""

from __future__ import annotations

from flask import g, jsonify, request, url_for

from models import db
from pool.api import bp
from pool.api.access import requires
from pool.api.contract import BOARD, operation
from pool.api.serialize import json_body
from pool.clock import now, today
from pool.dashboard import tables
from pool.templating import iso_time
from pool.uow import read_only, unit_of_work
from workflows.permissions import is_scoped
from workflows.plans.dashboard import build_dashboard, clean_params
from workflows.plans.figures import CITY
from workflows.plans.funnel import SOURCE_RUNG
from workflows.plans.plans import all_plans, get_plan, metric_by_key, report_figure
from workflows.plans.trends import series

num = tables.num


def _board(args, panel: str):
    params = clean_params(db.session, args, g.actor, today())
    return params, build_dashboard(db.session, params, today=today(), now=now(), panels={panel})


def _list_url(row, sc, district):
    if row.metric.kind != "computed" or (is_scoped(g.actor) and district != g.actor.district_code):
        return None
    args = {"drill": "metric", "key": row.metric.key, "start": sc.plan.starts_on.isoformat(),
            "as_of": sc.as_of.isoformat()}
    if district:
        args["district"] = district
    return url_for("dashboard.drill", _external=False, **args)


def _figure(row, fig, sc, district):
    return {"actual": num(fig.value.value), "today": num(fig.today.value), "target": num(fig.target),
            "percent": num(fig.percent), "status": fig.status, "status_label": fig.status_label,
            "pace_needed": num(fig.pace_needed), "pace_so_far": num(fig.pace_so_far),
            "list_url": _list_url(row, sc, district),
            "computed_at": iso_time(fig.value.computed_at) or None,  # a stored figure's moment; null: computed now
            "source": ({"as_of": fig.value.figure.as_of.isoformat(), "document": fig.value.figure.source,
                        "entered_by": fig.value.figure.entered_by_name} if fig.value.figure else None)}


@bp.get("/dashboard/scorecard")
@operation("计划指标完成情况（记分卡）", answer=(200, "Board"), query=BOARD)
@requires("plan.read")
def scorecard():
    with read_only():
        params, board = _board(request.args, "scorecard")
        sc = board.scorecard
        if sc is None:
            return jsonify({"plan": None, "items": [], "ranking": []})
        district = params.scope.district
        items = []
        for row in sc.rows:
            item = {"key": row.metric.key, "label": row.metric.label, "kind": row.metric.kind, "unit": row.metric.unit,
                    "section": row.metric.section, "definition": row.definition, **_figure(row, row.city, sc, None)}
            if district:
                item["district"] = {"code": district, **_figure(row, row.districts[district], sc, district)}
            if row.years:
                item["year_ends"] = {str(y): num(v.value) for y, v in row.years}
            items.append(item)
        ranking = [{"rank": r["rank"], "district": r["district"].code, "name": r["district"].name,
                    "score": num(r["score"]), "metrics": r["metrics"], "reached": r["reached"]} for r in sc.ranking]
        return jsonify({"plan": _plan_body(sc.plan), "ended": sc.ended, "as_of": sc.as_of.isoformat(),
                        "today": sc.today.isoformat(), "items": items, "ranking": ranking})


@bp.get("/dashboard/funnel")
@operation("升级漏斗", answer=(200, "Board"), query=BOARD)
@requires("plan.read")
def funnel():
    with read_only():
        params, board = _board(request.args, "funnel")
        f, here = board.funnel, params.scope.district or CITY
        steps = [{"kind": kind, "label": label, "source_firms": base, "completed": done, "failed": lost,
                  "conversion": conv, "rung_rate_permille": rate}
                 for (label, base, done, lost, conv, rate), kind in zip(tables.flow_table(board, here)[1], SOURCE_RUNG,
                                                                         strict=True)]
        return jsonify({
            "district": params.scope.district, "from": f.start.isoformat(), "to": f.end.isoformat(),
            "rungs": f.rungs.get(here, {}), "rungs_by_district": {k: v for k, v in f.rungs.items() if k},
            "steps": steps,
            "open_cases": [{"kind": k, "state": s, "count": n} for (k, s), n in sorted(f.open_cases.get(here, {}).items())],
            "waits": [{"kind": k, "state": s, **w} for (k, s), w in f.waits.items()],
        })


@bp.get("/dashboard/pools")
@operation("培育库看板", answer=(200, "Board"), query=BOARD)
@requires("plan.read")
def pools():
    with read_only():
        params, board = _board(request.args, "pools")
        p = board.pools
        fills = [{"id": f.pool.id, "name": f.pool.name, "level": f.pool.level, "district": f.pool.district_code,
                  "target": f.pool.target, "capacity": f.pool.capacity, "admitted": f.admitted,
                  "nominated": f.nominated, "percent": round(f.percent, 1) if f.percent is not None else None}
                 for f in p.fills]
        return jsonify({"from": p.start.isoformat(), "to": p.end.isoformat(), "pools": fills, "decided": p.decided,
                        "endings": p.endings, "hygiene_flags": p.flags})


@bp.get("/dashboard/trends")
@operation("月度趋势", answer=(200, "Board"), query=BOARD)
@requires("plan.read")
def trends():
    with read_only():
        params, board = _board(request.args, "none")
        points = series(db.session, params.metric, params.scope.district)
        return jsonify({"metric": params.metric, "label": board.trend_label, "district": params.scope.district,
                        "items": [{"taken_on": d.isoformat(), "value": v, "backfilled": b} for d, v, b in points]})


def _plan_body(plan) -> dict:
    return {"id": plan.id, "name": plan.name, "starts_on": plan.starts_on.isoformat(),
            "ends_on": plan.ends_on.isoformat(), "source": plan.source,
            "metrics": [{"key": m.key, "label": m.label, "kind": m.kind, "unit": m.unit, "target": num(m.target),
                         "accumulation": m.accumulation, "per_year": m.per_year, "responsible": m.responsible,
                         "district_targets": {t.district_code: num(t.target) for t in m.targets}}
                        for m in plan.metrics]}


@bp.get("/plans")
@operation("计划及其指标", answer=(200, "PlanList"))
@requires("plan.read")
def list_plans():
    with read_only():
        items = [_plan_body(p) for p in all_plans(db.session)]
        return jsonify({"items": items, "total": len(items)})


@bp.post("/plans/<int:plan_id>/reports")
@operation("填报指标数据", answer=(201, "Figure"), body="ReportIn")
@requires("plan.report")
def post_report(plan_id: int):
    body = json_body()
    plan = get_plan(db.session, plan_id)
    metric = metric_by_key(plan, str(body.get("metric") or ""))
    with unit_of_work():
        figure = report_figure(db.session, metric, body, actor=g.actor, now=now(), today=today())
        result = {"id": figure.id, "metric": metric.key, "district": figure.district_code,
                  "as_of": figure.as_of.isoformat(), "value": num(figure.value), "source": figure.source,
                  "comment": figure.comment, "entered_by": figure.entered_by_name}
    return jsonify(result), 201
