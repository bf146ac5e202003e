"""Writing an export to a file (the CLI, background jobs) and the background export jobs themselves.

A list page streams its "导出Excel" straight to the browser up to `EXPORT_INLINE_MAX_ROWS` rows (default
20,000). openpyxl writes about 3,000 firm rows a second on this machine (14 columns; lxml barely helps),
so 20,000 rows take some 6 seconds, well inside a web worker's timeout, while 100,000 would take 30. A
longer list becomes a background job like an import: a thread with its own app context writes the file
under `instance/exports/`, the job's page polls its progress and offers the download when it is done.
Past Excel's 1,048,576 rows per sheet the file is CSV (UTF-8 with BOM, so Excel opens it as UTF-8).

A job is a small JSON file beside its output, not a table: it lives for `EXPORT_KEEP_HOURS` (default 24)
and belongs to the user who asked for it. A job whose worker is gone (a restart) is reported failed when
next read, by the same runner check as import runs.
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flask import Flask, current_app

from models import User, db
from pool.exports.xlsx import Column, write_xlsx
from pool.imports import runner
from workflows.exporting import count_rows, export_kind, iter_rows, needs_csv, write_csv

log = logging.getLogger(__name__)

JOB_LABELS = {"queued": "排队中", "running": "导出中", "succeeded": "已完成", "failed": "失败"}
INTERRUPTED = "服务重启，导出中断，请重新导出"
CRASHED = "导出时发生内部错误（{name}），请稍后重试或联系系统管理员"
JOB_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class ExportOutcome:
    path: Path
    rows: int
    format: str  # xlsx | csv
    truncated: bool = False


def columns(kind: str) -> list[Column]:
    return [Column(c.header, c.kind, c.width) for c in export_kind(kind).columns]


def counted(rows: Iterable, report: Callable[[int], None], every: int = 5000) -> Iterator:
    done = 0
    for done, row in enumerate(rows, 1):  # noqa: B007 - `done` is read after the loop
        if done % every == 0:
            report(done)
        yield row
    report(done)


def write_export_file(session, kind: str, actor, params: dict, path: Path, *, total: int | None = None,
                      progress: Callable[[int], None] | None = None) -> ExportOutcome:
    """The list into `path` (.xlsx or .csv). An .xlsx path for more rows than a sheet holds becomes .csv.

    Written to a temporary name and renamed at the end, so a failed export leaves no half-written file."""
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValueError("导出文件名须以 .xlsx 或 .csv 结尾")
    if total is None:
        total = count_rows(session, kind, actor, params)
    as_csv = suffix == ".csv" or needs_csv(total)
    path = path.with_suffix(".csv") if as_csv else path
    rows = iter_rows(session, kind, actor, params)
    if progress is not None:
        rows = counted(rows, progress)
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if as_csv:
            written, truncated = write_csv(temp, export_kind(kind).columns, rows), False
        else:
            result = write_xlsx(temp, columns(kind), rows, title=export_kind(kind).title)
            written, truncated = result.rows, result.truncated
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return ExportOutcome(path, written, "csv" if as_csv else "xlsx", truncated)


# ------------------------------------------------------------------------------------------- jobs

@dataclass
class ExportJob:
    id: str
    kind: str
    actor_id: int
    params: dict
    download_name: str  # without the extension, which follows the format
    rows_total: int = 0
    rows_done: int = 0
    status: str = "queued"
    file: str | None = None
    error: str | None = None
    truncated: bool = False
    runner: str = field(default_factory=runner.runner_token)
    created_at: float = field(default_factory=time.time)

    @property
    def label(self) -> str:
        return JOB_LABELS.get(self.status, self.status)

    @property
    def finished(self) -> bool:
        return self.status in ("succeeded", "failed")

    @property
    def filename(self) -> str:
        return self.download_name + (Path(self.file).suffix if self.file else ".xlsx")


def export_dir(app: Flask) -> Path:
    configured = app.config.get("EXPORT_DIR")
    return (Path(configured) if configured else Path(app.instance_path) / "exports").absolute()


def _job_path(app: Flask, job_id: str) -> Path:
    return export_dir(app) / f"{job_id}.json"


def save_job(app: Flask, job: ExportJob) -> None:
    runner.write_progress(_job_path(app, job.id), **asdict(job))


def load_job(app: Flask, job_id: str, *, recover: bool = True) -> ExportJob | None:
    """The job, or None; a job left open by a worker that is gone is failed here (and saved so)."""
    if not JOB_ID.fullmatch(job_id or ""):
        return None
    data = runner.read_progress(_job_path(app, job_id))
    if not data:
        return None
    try:
        job = ExportJob(**data)
    except TypeError:
        return None
    if recover and not job.finished and runner.runner_alive(job.runner, job_key(job.id)) is False:
        job.status, job.error = "failed", INTERRUPTED
        save_job(app, job)
    return job


def job_key(job_id: str) -> str:
    return f"export:{job_id}"


def queue_export(kind: str, actor, params: dict, total: int, download_name: str) -> ExportJob:
    app = current_app._get_current_object()
    sweep(app)
    job = ExportJob(uuid.uuid4().hex, kind, actor.id, params, download_name, rows_total=total)
    key = job_key(job.id)
    runner.reserve(key)
    save_job(app, job)
    if app.config.get("IMPORT_RUN_INLINE"):
        try:
            run_export(app, job.id)
        finally:
            runner.release(key)
    else:
        runner.start_thread(app, key, run_export, job.id)
    return job


def run_export(app: Flask, job_id: str) -> None:
    with app.app_context():
        job = load_job(app, job_id, recover=False)
        if job is None or job.status != "queued":
            return
        job.status = "running"
        save_job(app, job)
        last = [0.0]

        def progress(done: int) -> None:
            job.rows_done = done
            if time.monotonic() - last[0] >= runner.PROGRESS_EVERY:
                last[0] = time.monotonic()
                save_job(app, job)

        try:
            actor = db.session.get(User, job.actor_id)
            if actor is None or not actor.active:
                raise PermissionError("导出人账号不存在或已停用")
            outcome = write_export_file(db.session, job.kind, actor, job.params,
                                        export_dir(app) / f"{job.id}.xlsx", total=job.rows_total, progress=progress)
            job.status, job.file, job.rows_done, job.truncated = "succeeded", str(outcome.path), outcome.rows, \
                outcome.truncated
        except Exception as exc:  # noqa: BLE001 - the job reports it; the log keeps the traceback
            log.exception("export job %s failed", job_id)
            job.status = "failed"
            job.error = str(exc) if isinstance(exc, PermissionError) else CRASHED.format(name=type(exc).__name__)
        finally:
            db.session.rollback()
            db.session.remove()
        save_job(app, job)


def sweep(app: Flask) -> None:
    """Delete jobs and files older than EXPORT_KEEP_HOURS: exports are copies, the database keeps the data."""
    keep = float(app.config.get("EXPORT_KEEP_HOURS") or 24) * 3600
    directory = export_dir(app)
    if not directory.is_dir():
        return
    cutoff = time.time() - keep
    for path in directory.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue


def job_payload(job: ExportJob, urls: dict) -> dict:
    total = job.rows_total or 0
    percent = 100 if job.status == "succeeded" else (min(99, job.rows_done * 100 // total) if total else None)
    return {"id": job.id, "status": job.status, "status_label": job.label, "finished": job.finished,
            "rows_total": total, "rows_done": job.rows_done, "percent": percent, "error": job.error, **urls}
