"""The run itself: read and check every row into staging, check set-wise, then write all, some or nothing.

Phases, and what each costs:
1. read: stream the file, clean each row in Python (the shared rules; in worker processes for a large
   file, batches.py), bulk-load good rows and every problem into the staging tables in batches.
   Memory holds a batch or two, never the file.
2. check: duplicates, firms, scope, dates, in SQL over the staging table (checks.py).
3. decide: any problem, or any warning (an implausible figure, plausible.py), and not partial -> REFUSED,
   nothing written; else compute each row's changes (also what a dry run reports) and, unless dry run,
   upsert and audit set-wise (firms.py, ...). With partial, rows with only a warning are written.
4. report: problems, warnings and notices (rows skipped: title, hidden, totals; columns ignored; what a
   CSV or .xls cannot hold) streamed from staging into the .xlsx report.

All of it runs in the caller's transaction (see run.py for the contract), so a failure at any point,
the progress callback included, leaves nothing once the caller rolls back.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from functools import partial
from pathlib import Path

from models import ImportRun
from models.enums import ImportKind, ImportStatus
from workflows.errors import NotPermitted, ValidationFailed
from workflows.importing.batches import batches
from workflows.importing.checks import run_checks, status_date_checks
from workflows.importing.columns import LAYOUTS, looks_like_header, resolve_header
from workflows.importing.dialect import Sql
from workflows.importing.firms import FirmsWriter
from workflows.importing.indicators import IndicatorsWriter
from workflows.importing.plausible import WARNED, file_notices, plausibility_warnings
from workflows.importing.readers import FileProblem, open_table
from workflows.importing.report import REPORT_LIMIT, write_report
from workflows.importing.run import Progress, can_import
from workflows.importing.staging import PROBLEMS, ROWS, Staging
from workflows.importing.status import StatusWriter
from workflows.importing.validate import RETIRED_MAPPED, STAGING_FIELDS, Context, RowValidator
from workflows.permissions import is_scoped

SQLITE_CACHE_KB = 32_768  # 32 MB each for the main and the temp schema's page cache, during a run
READ_SHARE, CHECK_SHARE, WRITE_SHARE = 0.70, 0.05, 0.22  # of a run's time, for the progress bar's ETA
WRITERS = {ImportKind.FIRMS: FirmsWriter, ImportKind.INDICATORS: IndicatorsWriter, ImportKind.STATUS: StatusWriter}


class Engine:
    def __init__(self, session, run: ImportRun, path: Path, *, actor, now, today, progress=None):
        self.session, self.run, self.path = session, run, path
        self.actor, self.now, self.today = actor, now, today
        self.progress = progress

    # ------------------------------------------------------------------------------------------ outline

    def execute(self) -> ImportRun:
        run = self.run
        scope = self._scope()
        layout = LAYOUTS.get(run.kind)
        if layout is None:
            raise ValidationFailed(f"未知的导入类型：{run.kind}")
        options = run.options or {}
        self.partial, self.dry_run = bool(options.get("partial")), bool(options.get("dry_run"))
        unit = options.get("unit") or "wan"
        if unit not in ("wan", "yuan"):
            raise ValidationFailed(f"未知的金额单位：{unit}")
        if run.id is None:
            self.session.add(run)
            self.session.flush()
        run.status, run.started_at, run.error = ImportStatus.RUNNING, self.now, None
        run.rows_total = run.rows_done = run.inserted = run.updated = run.unchanged = run.rejected = 0
        conn = self.session.connection()
        self.sql = Sql(conn)
        staging = Staging(conn, STAGING_FIELDS[layout.kind])
        restore = self._tune()
        try:
            self._execute(layout, staging, Context(*self._districts(), today=self.today, scope=scope, unit=unit))
        except BaseException:
            with contextlib.suppress(Exception):  # the caller rolls back; a failed PG transaction refuses DDL
                staging.drop()
            with contextlib.suppress(Exception):
                restore()
            raise
        staging.drop()
        restore()
        run.finished_at = self.now
        self._tell("done", 1.0)
        return run

    def _execute(self, layout, staging: Staging, ctx: Context) -> None:
        try:
            table = open_table(self.path, partial(looks_like_header, layout))
        except FileProblem as exc:
            return self._refuse_file(exc.message, [(exc.line, exc.column, exc.value, exc.message)])
        with table:
            header = resolve_header(layout, table.header, ctx.unit)
            if header.problems:
                message = "表头有误：" + "；".join(m for _c, m in header.problems)
                return self._refuse_file(message, [(table.header_line, c, "", m) for c, m in header.problems])
            staging.add_problems(file_notices(table, header))
            try:
                self._load(table, RowValidator(layout, header, ctx), staging, ctx)
            except FileProblem as exc:
                return self._refuse_file(exc.message, [(exc.line, exc.column, exc.value, exc.message)])
        if not self.run.rows_total:
            return self._refuse_file("文件中没有数据行（只有表头）", [(table.header_line, "", "", "文件中没有数据行")])
        headers = {column.field: written for _i, column, written in header.columns}
        self._check(layout, staging, headers, ctx)
        if layout.kind == "indicators":
            plausibility_warnings(self.sql, staging, headers)
        self._decide_and_write(layout, staging, headers)
        self._report()

    # ------------------------------------------------------------------------------------------- phases

    def _load(self, table, validate: RowValidator, staging: Staging, ctx: Context) -> None:
        count = 0
        for batch in batches(table, validate, path=self.path, kind=self.run.kind, ctx=ctx):
            staging.add_rows(batch.rows)
            staging.add_problems(batch.problems)
            count += batch.count
            self.run.rows_done = count
            self._tell("read", READ_SHARE * batch.fraction, total=table.total_rows)
        self.run.rows_total = count

    def _check(self, layout, staging: Staging, headers: dict, ctx: Context) -> None:
        self._tell("check", READ_SHARE)
        run_checks(self.sql, layout.kind, uscc_column=headers["uscc"], scope=ctx.scope)
        if layout.kind == "status":
            status_date_checks(self.sql, date_column=headers["effective_on"])
        self.run.rejected = self.sql.scalar(
            f"SELECT COUNT(DISTINCT line) FROM {PROBLEMS} WHERE severity = 'error' AND line IS NOT NULL")

    def _decide_and_write(self, layout, staging: Staging, headers: dict) -> None:
        run = self.run
        valid = run.rows_total - run.rejected
        warned = self.sql.scalar(
            f"SELECT COUNT(DISTINCT p.line) FROM {PROBLEMS} p JOIN {ROWS} s ON s.line = p.line"
            f" WHERE p.severity = 'warning' AND s.ok")
        if run.rejected and (not self.partial or valid == 0):
            run.status = ImportStatus.REFUSED
            return
        if warned and not self.partial:  # the officer decides: check the figures, then import with partial
            run.status, run.error = ImportStatus.REFUSED, WARNED.format(n=warned)
            return
        self._tell("write", READ_SHARE + CHECK_SHARE)
        params = {"run_id": run.id, "actor_id": getattr(self.actor, "id", None),
                  "actor_name": getattr(self.actor, "username", None) or "system", "now": self.now,
                  "comment": f"导入文件“{run.filename}”（导入 #{run.id}）"}
        writer = WRITERS[layout.kind](self.sql, staging, params=params, headers=headers, today=self.today,
                                      filename=run.filename)
        statements = [0]

        def tick() -> None:  # a statement of the write phase done: creep towards its end (count unknown)
            statements[0] += 1
            self._tell("write", READ_SHARE + CHECK_SHARE + WRITE_SHARE * (1 - 0.85 ** statements[0]))

        self.sql.on_statement = tick
        try:
            writer.prepare()
            if not self.dry_run:
                writer.write()
            run.inserted, run.updated, run.unchanged = (int(n) for n in writer.counts())
        finally:
            self.sql.on_statement = None
        run.status = ImportStatus.PARTIAL if run.rejected else ImportStatus.SUCCEEDED

    def _report(self) -> None:
        self._tell("report", READ_SHARE + CHECK_SHARE + WRITE_SHARE)
        problems = self.sql.scalar(f"SELECT COUNT(*) FROM {PROBLEMS} WHERE severity = 'error'")
        notices = self.sql.scalar(f"SELECT COUNT(*) FROM {PROBLEMS} WHERE severity <> 'error'")
        if not problems and not notices:
            self.run.report_path = None  # set only when a report was written
            return
        limit = REPORT_LIMIT

        def listed(severity):
            return self.sql.run(f"SELECT line, col, value, message FROM {PROBLEMS} WHERE severity = :severity"
                                f" ORDER BY COALESCE(line, 0), seq LIMIT {limit}", severity=severity)

        write_report(self._report_path(), listed("error"), listed("notice"), total_problems=problems, limit=limit,
                     warnings=listed("warning"))

    # ------------------------------------------------------------------------------------------ helpers

    def _refuse_file(self, message: str, problems: list[tuple]) -> None:
        run = self.run
        run.status, run.error = ImportStatus.REFUSED, message
        run.inserted = run.updated = run.unchanged = 0
        write_report(self._report_path(), problems)

    def _report_path(self) -> str:
        if not self.run.report_path:
            handle, name = tempfile.mkstemp(prefix=f"import-{self.run.id}-", suffix="-report.xlsx")
            os.close(handle)
            self.run.report_path = name
        Path(self.run.report_path).parent.mkdir(parents=True, exist_ok=True)
        return self.run.report_path

    def _scope(self) -> str | None:
        """A county officer imports for their own district only; city staff may narrow a run to one."""
        if not can_import(self.actor):
            raise NotPermitted("只有市局工作人员和区县工作人员可以导入数据")
        if is_scoped(self.actor):
            if self.run.district_code not in (None, self.actor.district_code):
                raise NotPermitted("区县工作人员只能导入本区县的数据")
            self.run.district_code = self.actor.district_code
        return self.run.district_code

    def _tune(self):
        """Memory for the big joins and sorts of one run: PostgreSQL's work_mem for this transaction only;
        SQLite's page caches (main and temp) for this connection, put back afterwards. Both stay well inside
        the run's memory budget (DESIGN: under 500 MB for a million rows)."""
        if self.sql.pg:
            self.sql.run("SET LOCAL work_mem = '128MB'")
            return lambda: None
        conn = self.sql.conn
        before = [conn.exec_driver_sql(f"PRAGMA {schema}.cache_size").scalar() for schema in ("main", "temp")]
        conn.exec_driver_sql(f"PRAGMA main.cache_size = {-SQLITE_CACHE_KB}")
        conn.exec_driver_sql(f"PRAGMA temp.cache_size = {-SQLITE_CACHE_KB}")

        def restore() -> None:
            for schema, value in zip(("main", "temp"), before, strict=True):
                conn.exec_driver_sql(f"PRAGMA {schema}.cache_size = {int(value)}")
        return restore

    def _districts(self) -> tuple[dict[str, str], dict[str, str]]:
        names = dict(self.sql.run("SELECT code, name FROM districts").all())
        lookup = {code: code for code in names} | {name: code for code, name in names.items()}
        return lookup | RETIRED_MAPPED, names

    def _tell(self, phase: str, fraction: float, total: int | None = None) -> None:
        if self.progress is not None:
            run = self.run
            self.progress(Progress(run.id, phase, run.rows_done, total if total is not None else run.rows_total or None,
                                   min(fraction, 1.0)))
