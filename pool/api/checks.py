"""/api/v1 check and flag routes: the checks and their runs (DESIGN §5), the flags they raise (工作提醒).

- `GET /checks`, `GET /checks/runs/<id>`: every role that reads flags (an officer may ask when the checks
  behind their flags last ran); `POST /checks/<name>/runs {"today"}`: city staff only. The run is QUEUED
  (202) for the scheduler process, never run inside the web worker; its `GET` tells how it went.
- `GET /flags?kind=&status=&district=&firm=&q=`: paginated like every list (`page`, `per_page` ≤ 200),
  newest first, in the caller's district scope (a county officer's `district` filter cannot widen it).
  Without `status` every status is listed; unknown codes are 400 `validation_error` naming the parameter.
- `POST /flags/<id>/dismiss {"reason", "version"?}`: `reason` is required text; a `version` the flag no longer
  has is 409 `stale_version` (without one, the flag as it is now is dismissed). Another district's flag is 404.
"""

from flask import g, jsonify, request, url_for

from models import CheckRun, Flag, db
from models.enums import FLAG_KIND_LABELS, FLAG_STATE_LABELS, RUN_STATUS_LABELS, RunTrigger
from pool.api import bp
from pool.api.access import requires
from pool.api.contract import FLAG_FILTERS, operation
from pool.api.serialize import is_int, iso_time, json_body
from pool.clock import now, today
from pool.uow import unit_of_work
from workflows import queries
from workflows.checks.registry import CHECKS, get_check
from workflows.checks.runs import get_run, last_runs, parse_today, queue_run
from workflows.checks.settings import checks_policy
from workflows.checks.wording import describe_all
from workflows.errors import ValidationFailed
from workflows.flags import FLAG
from workflows.inbox.actions import dismiss_flag, may_dismiss
from workflows.inbox.queries import flag_by_id, flag_filters, list_flags


def run_body(run: CheckRun) -> dict:
    return {
        "id": run.id,
        "check": run.check,
        "today": run.today.isoformat(),
        "trigger": run.trigger,
        "requested_by": run.requested_by_name,
        "status": run.status,
        "status_label": RUN_STATUS_LABELS.get(run.status, run.status),
        "created_at": iso_time(run.created_at),
        "started_at": iso_time(run.started_at),
        "finished_at": iso_time(run.finished_at),
        "counts": dict(run.counts or {}),
        "error": run.error,
    }


def last_run_body(run: CheckRun | None) -> dict | None:
    if run is None:
        return None
    return {"id": run.id, "status": run.status, "today": run.today.isoformat(),
            "finished_at": iso_time(run.finished_at), "counts": dict(run.counts or {})}


def flag_body(flag: Flag, actor) -> dict:
    dismiss = FLAG.edge("open", "dismiss")[1]
    return {
        "id": flag.id,
        "kind": flag.kind,
        "kind_label": FLAG_KIND_LABELS.get(flag.kind, flag.kind),
        "status": flag.state,
        "status_label": FLAG_STATE_LABELS.get(flag.state, flag.state),
        "subject_type": flag.subject_type,
        "subject_id": flag.subject_id,
        "firm": flag.firm.uscc,
        "firm_name": flag.firm.name,
        "district": flag.district_code,
        "period": flag.period,
        "reasons": list(flag.reasons or []),
        "reasons_text": describe_all(flag.reasons),
        "outcome": dict(flag.outcome or {}),
        "first_seen": iso_time(flag.first_seen_at),
        "last_seen": iso_time(flag.last_seen_at),
        "version": flag.version,
        "actions": [dismiss.to_dict()] if may_dismiss(flag, actor) else [],
    }


@bp.get("/checks")
@operation("检查项及最近一次运行", answer=(200, "CheckList"))
@requires("flag.read")
def list_checks():
    schedules = checks_policy().schedules
    last = last_runs(db.session)
    items = [{"name": c.name, "label": c.label, "description": c.description, "schedule": schedules.get(c.name),
              "last_run": last_run_body(last.get(c.name))} for c in CHECKS.values()]
    return jsonify({"items": items, "total": len(items)})


@bp.post("/checks/<name>/runs")
@operation("排队运行一次检查（202）", answer=(202, "CheckRun"), body="CheckRunIn")
@requires("checks.run")
def post_check_run(name):
    check = get_check(name)  # 404 before the body is read
    body = json_body()
    day = parse_today(body.get("today"), default=today())
    with unit_of_work():
        run = queue_run(db.session, check.name, today=day, actor=g.actor, now=now(), trigger=RunTrigger.USER)
    response = jsonify(run_body(run))
    response.headers["Location"] = url_for("api.get_check_run", run_id=run.id)
    return response, 202


@bp.get("/checks/runs/<int:run_id>")
@operation("检查运行情况", answer=(200, "CheckRun"))
@requires("flag.read")
def get_check_run(run_id):
    return jsonify(run_body(get_run(db.session, run_id)))


@bp.get("/flags")
@operation("工作提醒列表", answer=(200, "FlagPage"), query=FLAG_FILTERS)
@requires("flag.read")
def list_flags_view():
    filters = flag_filters(request.args)
    page, per_page = queries.parse_paging(request.args, maximum=200)
    result = list_flags(db.session, g.actor, filters, page, per_page)
    return jsonify({"items": [flag_body(f, g.actor) for f in result.items], "total": result.total,
                    "page": result.page, "per_page": result.per_page})


@bp.get("/flags/<int:flag_id>")
@operation("工作提醒详情", answer=(200, "Flag"))
@requires("flag.read")
def get_flag(flag_id):
    return jsonify(flag_body(flag_by_id(db.session, flag_id, g.actor), g.actor))


@bp.post("/flags/<int:flag_id>/dismiss")
@operation("忽略工作提醒（须说明理由）", answer=(200, "Flag"), body="DismissIn")
@requires("flag.act")
def dismiss(flag_id):
    flag = flag_by_id(db.session, flag_id, g.actor)
    body = json_body()
    version = body.get("version")
    if version is not None and not is_int(version):
        raise ValidationFailed("提交的内容有误", fields={"version": "版本号应为整数"})
    with unit_of_work():
        dismiss_flag(db.session, flag, reason=body.get("reason"), actor=g.actor, now=now(), expected_version=version)
    return jsonify(flag_body(flag, g.actor))
