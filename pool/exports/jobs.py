"""Writing an export to a file (the CLI, background jobs) and the background export jobs themselves.

A list page streams its "导出Excel" straight to the browser up to `EXPORT_INLINE_MAX_ROWS` rows (default
20,000). openpyxl writes about 3,000 firm rows a second on this machine (14 columns; lxml barely helps),
so 20,000 rows take some 6 seconds, well inside a web worker's timeout, while 100,000 would take 30. A
longer list becomes a background job like an import: the request records a queued `ExportJob` (its
requester, the list's cleaned parameters), the scheduler process claims it (`pool.scheduler.claims`, kind
"export") and writes the file under `instance/exports/`; the job's page polls its progress (a small file
beside the output, since the export reads in one transaction) and offers the download when it is done.
Past Excel's 1,048,576 rows per sheet the workbook goes on in further sheets (`pool.exports.xlsx`).

Only the requester may open a job. Files live for `EXPORT_KEEP_HOURS` (default 24; the scheduler's hourly
sweep deletes them), the job rows stay as the record of who exported what. A job whose process died is
failed by the next scheduler tick, like every leased run.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import Flask

from models import ExportJob, User, db
from models.enums import RunStatus
from pool import clock
from pool.exports.xlsx import Column, write_xlsx
from pool.imports.runner import PROGRESS_EVERY, read_progress, write_progress
from pool.uow import read_only, unit_of_work
from workflows.exporting import export_kind, iter_rows, write_csv

log = logging.getLogger(__name__)

JOB_LABELS = {"queued": "排队中", "running": "导出中", "succeeded": "已完成", "failed": "失败"}
INTERRUPTED = "后台服务中断，导出未完成，请重新导出"
CRASHED = "导出时发生内部错误（{name}），请稍后重试或联系系统管理员"
NO_ACTOR = "导出人账号不存在或已停用"


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
                      progress: Callable[[int], None] | None = None, fmt: str | None = None) -> ExportOutcome:
    """The list into `path`: a workbook (several sheets past Excel's rows per sheet), or CSV only when asked
    for (`fmt="csv"` or a .csv path), for programs: an office suite opening it mangles all-digit codes.

    Written to a temporary name and renamed at the end, so a failed export leaves no half-written file."""
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValueError("导出文件名须以 .xlsx 或 .csv 结尾")
    as_csv = (fmt or suffix.lstrip(".")) == "csv"
    path = path.with_suffix(".csv" if as_csv else ".xlsx")
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

def export_dir(app: Flask) -> Path:
    configured = app.config.get("EXPORT_DIR")
    return (Path(configured) if configured else Path(app.instance_path) / "exports").absolute()


def progress_path(app: Flask, job_id: int) -> Path:
    return export_dir(app) / f"export-{job_id}.progress.json"


def queue_export(session, kind: str, actor, params: dict, total: int, download_name: str, *,
                 now: datetime) -> ExportJob:
    """Record a background export for the scheduler to claim; the caller commits."""
    job = ExportJob(kind=kind, actor_id=actor.id, params=params, download_name=download_name, rows_total=total,
                    status=RunStatus.QUEUED, created_at=now)
    session.add(job)
    session.flush()
    return job


def start_export(session, job: ExportJob, *, token: str, now: datetime) -> bool:
    if job.status != RunStatus.QUEUED:
        return False
    job.status, job.started_at, job.runner = RunStatus.RUNNING, now, token
    return True


def fail_export(session, job_id: int, message: str, *, now: datetime) -> None:
    job = session.get(ExportJob, job_id)
    if job is not None and not job.finished:
        job.status, job.error, job.finished_at = RunStatus.FAILED, message, now


def run_export(app: Flask, job_id: int) -> None:
    """Write a claimed job's file (reading in one transaction, rolled back), then settle the job."""
    with app.app_context():
        session = db.session
        progress = progress_path(app, job_id)
        last = [0.0]

        def report(done: int) -> None:
            if time.monotonic() - last[0] >= PROGRESS_EVERY:
                last[0] = time.monotonic()
                write_progress(progress, rows_done=done)

        try:
            with read_only(session):
                job = session.get(ExportJob, job_id)
                if job is None or job.status != RunStatus.RUNNING:
                    return
                actor = session.get(User, job.actor_id)
                if actor is None or not actor.active:
                    raise PermissionError(NO_ACTOR)
                outcome = write_export_file(session, job.kind, actor, job.params,
                                            export_dir(app) / f"export-{job_id}.xlsx", total=job.rows_total,
                                            progress=report)
            with unit_of_work(session):
                job = session.get(ExportJob, job_id)
                job.status, job.file, job.rows_done, job.truncated = RunStatus.SUCCEEDED, str(outcome.path), \
                    outcome.rows, outcome.truncated
                job.finished_at, job.error = clock.now(), None
        except Exception as exc:  # noqa: BLE001 - the job reports it; the log keeps the traceback
            log.exception("export job %s failed", job_id)
            message = str(exc) if isinstance(exc, PermissionError) else CRASHED.format(name=type(exc).__name__)
            with unit_of_work(session):
                fail_export(session, job_id, message, now=clock.now())
        finally:
            progress.unlink(missing_ok=True)
            session.remove()


def sweep(app: Flask) -> None:
    """Delete export files older than EXPORT_KEEP_HOURS: exports are copies, the database keeps the data."""
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


def downloadable(job: ExportJob) -> bool:
    return job.status == RunStatus.SUCCEEDED and bool(job.file) and Path(job.file).is_file()


def job_payload(app: Flask, job: ExportJob, urls: dict) -> dict:
    total = job.rows_total or 0
    done = read_progress(progress_path(app, job.id)).get("rows_done", job.rows_done) if job.status == "running" \
        else job.rows_done
    percent = 100 if job.status == "succeeded" else (min(99, done * 100 // total) if total else None)
    return {"id": job.id, "status": job.status, "status_label": JOB_LABELS.get(job.status, job.status),
            "finished": job.finished, "rows_total": total, "rows_done": done, "percent": percent,
            "error": job.error, **urls}
