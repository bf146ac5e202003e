""""导出Excel" for the list pages, and the `exports` blueprint: the pages of background export jobs.

`send_export(kind, args, on_invalid=...)` is what a list page's export route calls (the firm list's in
`pool.firms.views`): it validates the list's own query parameters (the same function the list uses, so the
same refusals), applies the officer's district scope, and either streams the workbook (up to
`EXPORT_INLINE_MAX_ROWS` rows) or queues a background job for the scheduler process and redirects to its
page, `/exports/<job_id>`, which only the user who asked for it can open. The pool member lists call
`send_export("members", {..., "pool_id": id})`, the work list `send_export("worklist", args)`; every one
writes the columns of `workflows.exporting`, as the CLI and the background jobs do.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, send_file, url_for
from flask_login import current_user

from models import ExportJob, db
from pool import clock
from pool.auth.views import requires
from pool.exports.jobs import columns, downloadable, job_payload, queue_export
from pool.exports.xlsx import XLSX_MIMETYPE, content_disposition, xlsx_response
from pool.scheduler.claims import dispatch
from pool.uow import unit_of_work
from workflows.errors import ValidationFailed
from workflows.exporting import check_pool, clean_params, count_rows, export_kind, iter_rows
from workflows.permissions import is_scoped

bp = Blueprint("exports", __name__, url_prefix="/exports")

DEFAULT_INLINE_MAX = 20_000  # see pool.exports.jobs
CSV_MIMETYPE = "text/csv"


def inline_max() -> int:
    configured = current_app.config.get("EXPORT_INLINE_MAX_ROWS")
    return DEFAULT_INLINE_MAX if configured is None else int(configured)  # 0: every export in the background


def _error_page(exc: ValidationFailed):
    return render_template("error.html", status=400, message=exc.message,
                           reasons=[{"message": f"{k}：{v}"} for k, v in exc.fields.items()]), 400


def send_export(kind: str, args, *, on_invalid=None, name: str | None = None, title: str | None = None):
    """The list as a download (or a background job): same filters, same scope, same order, every page,
    the columns of `workflows.exporting` (as the CLI writes them). `name` starts the file's name and
    `title` names the sheet (both default to the list's title)."""
    try:
        params = clean_params(kind, args, now=clock.now())
    except ValidationFailed as exc:
        return on_invalid() if on_invalid else _error_page(exc)
    if is_scoped(current_user):
        params["filters"].pop("district", None)  # their district is the scope, whatever the URL says
    if kind == "members":
        check_pool(db.session, params)
    spec, today = export_kind(kind), clock.today().isoformat()
    download_name = f"{name or spec.title}_{today}"
    total = count_rows(db.session, kind, current_user, params)
    if total <= inline_max():
        return xlsx_response(f"{download_name}.xlsx", columns(kind), iter_rows(db.session, kind, current_user, params),
                             title=title or spec.title, ascii_filename=f"{kind}-{today}.xlsx")
    with unit_of_work():
        job = queue_export(db.session, kind, current_user, params, total, download_name, now=clock.now())
    dispatch("export", job.id)
    flash(f"共 {total:,} 行，超过页面直接下载的 {inline_max():,} 行上限，已转入后台导出。"
          "完成后可在本页下载；超过 Excel 单表 1,048,576 行时分为多个工作表。", "info")
    return redirect(url_for("exports.job_page", job_id=job.id))


def _job_or_404(job_id: int) -> ExportJob:
    job = db.session.get(ExportJob, job_id)
    if job is None or job.actor_id != current_user.id:
        abort(404)
    return job


def _state(job: ExportJob) -> dict:
    urls = {
        "page_url": url_for("exports.job_page", job_id=job.id),
        "download_url": url_for("exports.job_download", job_id=job.id) if downloadable(job) else None,
    }
    return job_payload(current_app, job, urls)


@bp.route("/<int:job_id>")
@requires("domain.read")
def job_page(job_id: int):
    job = _job_or_404(job_id)
    return render_template("exports/job.html", job=job, state=_state(job))


@bp.route("/<int:job_id>/status")
@requires("domain.read")
def job_status(job_id: int):
    return jsonify(_state(_job_or_404(job_id)))


@bp.route("/<int:job_id>/download")
@requires("domain.read")
def job_download(job_id: int):
    job = _job_or_404(job_id)
    if not downloadable(job):
        abort(404)
    csv = job.file.endswith(".csv")
    try:
        response = send_file(job.file, mimetype=CSV_MIMETYPE if csv else XLSX_MIMETYPE, max_age=0)
    except FileNotFoundError:
        abort(404)
    response.headers["Content-Disposition"] = content_disposition(
        job.filename, f"{job.kind}-export.{'csv' if csv else 'xlsx'}")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Export-Rows"] = str(job.rows_done)
    return response
