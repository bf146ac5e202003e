"""The upload page (数据导入), a run's page with its progress and report, and the templates to fill in.

Who: city staff (every district's rows) and county officers (their district's rows only: the engine refuses
other districts' rows with a reason, given the run's `district_code`). Leaders and admins get 403.
Officers see the runs of their own district, city staff every run; another district's run is "not found".

The request never imports: it stores the file, records a queued `ImportRun` and commits; the scheduler
process (`flask scheduler run`) claims the run and executes it (`pool.imports.runner`). The request then
redirects to the run's page, which polls `/imports/<id>/status` (a few lines of `static/progress.js`;
without JavaScript a refresh link does the same) and says so when no scheduler process is running.
"""

from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, send_file, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from models import ImportRun, db
from models.enums import IMPORT_STATUS_LABELS, ImportStatus
from pool import clock
from pool.auth.views import requires
from pool.exports.xlsx import XLSX_MIMETYPE, content_disposition
from pool.imports import runner
from pool.imports.forms import ACCEPT, KIND_LABELS, UNIT_LABELS, UploadForm
from pool.imports.reports import read_report
from pool.imports.uploads import display_name, install_size_limit, limit_bytes, limit_text, store_upload
from pool.scheduler.claims import dispatch
from pool.uow import unit_of_work
from workflows.permissions import is_scoped, scope_district

bp = Blueprint("imports", __name__)

RECENT_RUNS = 20
INLINE_PROBLEMS = 50
PHASES = {"read": "读取文件", "check": "逐行检查", "write": "写入数据", "report": "生成报告", "done": "收尾"}
FINISHED = frozenset({ImportStatus.SUCCEEDED, ImportStatus.PARTIAL, ImportStatus.REFUSED, ImportStatus.FAILED})


@bp.record_once
def _install(state) -> None:
    install_size_limit(state.app)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc):
    message = (f"上传的文件超过 {limit_text(current_app)} 的上限，未导入任何数据。"
               "请将文件拆分后分批上传，或请系统管理员用命令行导入（命令行不限文件大小）。")
    return render_template("error.html", status=413, message=message, reasons=[]), 413


def visible_runs():
    stmt = select(ImportRun)
    if is_scoped(current_user):
        stmt = stmt.where(ImportRun.district_code == current_user.district_code)
    return stmt


def run_or_404(run_id: int) -> ImportRun:
    run = db.session.scalar(visible_runs().where(ImportRun.id == run_id))
    if run is None:
        abort(404)
    return run


@bp.route("/imports/", methods=["GET", "POST"])
@requires("import.run")
def index():
    form = UploadForm()
    if form.validate_on_submit():
        with unit_of_work():
            run = queue_run(form)
        dispatch("import", run.id)
        flash(f"文件“{run.filename}”已上传，已排队由后台导入，可离开本页，稍后在“最近的导入”中查看结果。", "success")
        return redirect(url_for("imports.run", run_id=run.id))
    runs = db.session.scalars(visible_runs().order_by(ImportRun.id.desc()).limit(RECENT_RUNS)).all()
    return render_template(
        "imports/index.html", form=form, runs=runs, kind_labels=KIND_LABELS, status_labels=IMPORT_STATUS_LABELS,
        limit=limit_text(current_app), officer=is_scoped(current_user), accept=ACCEPT,
    ), 400 if form.errors else 200


def queue_run(form: UploadForm) -> ImportRun:
    """Store the file and record the run, queued, with the officer's scope."""
    path, sha256, _ = store_upload(form.file.data, runner.upload_dir(current_app), limit_bytes(current_app))
    run = ImportRun(
        kind=form.kind.data, filename=display_name(form.file.data.filename), sha256=sha256, stored_path=str(path),
        actor_id=current_user.id, actor_name=current_user.username,
        district_code=scope_district(current_user),
        options={"partial": bool(form.partial.data), "dry_run": bool(form.dry_run.data), "unit": form.unit.data},
        status=ImportStatus.QUEUED, created_at=clock.now(),
    )
    db.session.add(run)
    db.session.flush()
    return run


@bp.route("/imports/<int:run_id>")
@requires("import.run")
def run(run_id: int):
    run = run_or_404(run_id)
    finished = run.status in FINISHED
    report = read_report(run.report_path, INLINE_PROBLEMS) if finished and has_report(run) else None
    return render_template(
        "imports/run.html", run=run, state=status_payload(run), report=report, finished=finished,
        kind_labels=KIND_LABELS, unit_labels=UNIT_LABELS, inline_problems=INLINE_PROBLEMS,
    )


@bp.route("/imports/<int:run_id>/status")
@requires("import.run")
def status(run_id: int):
    return jsonify(status_payload(run_or_404(run_id)))


def has_report(run: ImportRun) -> bool:
    return bool(run.report_path) and Path(run.report_path).is_file()


def status_payload(run: ImportRun) -> dict:
    """What the run page shows, as the polling script receives it."""
    live = runner.live_progress(run)
    done = live.get("rows_done", run.rows_done) or 0
    total = live.get("rows_total", run.rows_total) or 0
    finished = run.status in FINISHED
    fraction = live.get("fraction")
    percent = 100 if finished else min(99, int(fraction * 100)) if fraction is not None else None
    return {
        "id": run.id,
        "status": run.status,
        "status_label": IMPORT_STATUS_LABELS.get(run.status, run.status),
        "finished": finished,
        "rows_total": total,
        "rows_done": done,
        "percent": percent,
        "inserted": run.inserted,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "rejected": run.rejected,
        "error": run.error,
        "report_url": url_for("imports.report", run_id=run.id) if finished and has_report(run) else None,
        "phase": PHASES.get(live.get("phase"), "") if not finished else "",
        "page_url": url_for("imports.run", run_id=run.id),
    }


@bp.route("/imports/<int:run_id>/report.xlsx")
@requires("import.run")
def report(run_id: int):
    run = run_or_404(run_id)
    if not has_report(run):
        abort(404)
    stem = Path(run.filename).stem or "导入"
    response = send_file(run.report_path, mimetype=XLSX_MIMETYPE, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(f"导入报告_{run.id}_{stem}.xlsx",
                                                                  f"import-report-{run.id}.xlsx")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/imports/templates/<kind>.xlsx")
@requires("import.run")
def template(kind: str):
    """The engine's template for a kind: the headers, which are required, and a sample row."""
    if kind not in KIND_LABELS:
        abort(404)
    from workflows.importing.columns import write_template

    buffer = io.BytesIO()
    write_template(kind, buffer)
    buffer.seek(0)
    response = send_file(buffer, mimetype=XLSX_MIMETYPE, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(f"{KIND_LABELS[kind]}导入模板.xlsx",
                                                                  f"import-template-{kind}.xlsx")
    return response

