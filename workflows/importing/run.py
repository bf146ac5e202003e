"""execute_import: one import run from file to database, never committing (the caller commits once).

Contract for callers (the CLI, the upload page's background runner):

- The caller creates the `ImportRun` (kind, filename, sha256, actor_id/actor_name, district_code, options
  {"partial": bool, "dry_run": bool, "unit": "wan" | "yuan"}) and may commit it as `queued` first, so
  that a crash leaves a visible run. `execute_import` fills status, started/finished_at, rows_total,
  rows_done, inserted/updated/unchanged/rejected, report_path and error on that object.
- It never commits. Everything it writes (firms, indicators, audit events, the run's fields) belongs to
  the caller's transaction: commit once afterwards. If it raises, roll back (that leaves nothing of the
  import behind), then `mark_failed(session, run_id, message, now=...)` and commit.
- `progress(Progress)` is called every few thousand rows and at each phase; an exception raised by it
  aborts the import like any crash (a cancel button or a test's simulated crash).
- Outcomes: SUCCEEDED (every row valid and written or unchanged), REFUSED (a file-level problem, or any
  bad row without `partial`: nothing written), PARTIAL (`partial`: the valid rows written, the rest
  reported). `dry_run` does every check and counts what would change, writing nothing but the run.
- A report (.xlsx: 行号, 列, 值, 问题; notices on a second sheet) is written when there is anything to
  report, to `run.report_path` if the caller set it, else to a temporary file whose path is stored;
  with nothing to report, `run.report_path` is left None.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from models import ImportRun
from models.enums import ImportStatus
from workflows.permissions import can


@dataclass(frozen=True)
class Progress:
    """Where a run is. `fraction` (0–1) covers the whole run, for an ETA; `rows` counts data rows read."""

    run_id: int | None
    phase: str  # read | check | write | report | done
    rows: int
    total: int | None  # data rows in the file when known (after reading; an .xlsx may say up front)
    fraction: float


ProgressCallback = Callable[[Progress], None]


def execute_import(session, run: ImportRun, path: str | Path, *, actor, now: datetime, today: date,
                   progress: ProgressCallback | None = None) -> ImportRun:
    from workflows.importing.engine import Engine

    return Engine(session, run, Path(path), actor=actor, now=now, today=today, progress=progress).execute()


def can_import(actor) -> bool:
    """Who may import (DESIGN §1): city staff city-wide, county officers for their own district."""
    return can(actor, "import.run")


def mark_failed(session, run_id: int, message: str, *, now: datetime) -> ImportRun | None:
    """After a rollback: record that the run failed and wrote nothing. The caller commits."""
    run = session.get(ImportRun, run_id)
    if run is None:
        return None
    run.status = ImportStatus.FAILED
    run.error = message[:2000]
    run.finished_at = now
    run.inserted = run.updated = run.unchanged = 0
    return run


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def summary(run: ImportRun) -> str:
    """One Chinese sentence for a CLI line or a flash message."""
    from models.enums import IMPORT_STATUS_LABELS

    label = IMPORT_STATUS_LABELS.get(run.status, run.status)
    dry = ""
    if (run.options or {}).get("dry_run") and run.status != ImportStatus.FAILED:
        label, dry = f"试运行（未写入任何数据），结果将为：{label.split('（')[0]}", ""
    if run.status == ImportStatus.FAILED:
        return f"导入 #{run.id} {label}：{run.error or ''}"
    if run.error and not run.rows_total:
        return f"导入 #{run.id} {label}{dry}：{run.error}"
    return (f"导入 #{run.id} {label}{dry}：共 {run.rows_total:,} 行，新增 {run.inserted:,}，更新 {run.updated:,}，"
            f"未变 {run.unchanged:,}，有问题 {run.rejected:,}")
