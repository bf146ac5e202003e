"""`flask import firms|indicators|status PATH --as USERNAME`, `flask import template KIND --out PATH` and
`flask imports recover`.

Thin, as every command: find the user, record the run as running with this process's lease (its own unit
of work, so a killed command leaves a visible run that the next scheduler tick fails once the lease
lapses), call the engine once in a second unit of work while the lease is renewed; when that one fails it
rolls back (the import leaves nothing) and a third records the run as failed. The import runs here, in the
command's own process, not in the scheduler. Exit codes (DESIGN §8): 0 every row written
(or unchanged), 1 refused or failed and nothing written, 2 partial (the valid rows written, the rest in the
report). A dry run exits as the real import would, having written nothing but the run record.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from openpyxl import load_workbook

from models import ImportRun
from models.enums import ImportStatus
from pool.cli.common import domain_errors
from pool.clock import now, today
from pool.imports.runner import report_path
from pool.scheduler.beacons import beacons_for
from pool.scheduler.claims import process_leases, recover_lapsed
from pool.uow import unit_of_work
from workflows.errors import DomainError
from workflows.importing import can_import, execute_import, file_sha256, mark_failed, summary, write_template
from workflows.permissions import scope_district
from workflows.users import get_user

import_cli = AppGroup("import", help="导入企业登记信息、年度指标、状态变更（.xlsx、.xls、.ods 或 .csv）")
imports_cli = AppGroup("imports", help="导入记录维护")

EXIT_CODES = {ImportStatus.SUCCEEDED: 0, ImportStatus.REFUSED: 1, ImportStatus.FAILED: 1, ImportStatus.PARTIAL: 2}
KIND_HELP = {"firms": "企业登记信息：按统一社会信用代码新增或更新", "indicators": "年度指标：按统一社会信用代码和年度新增或更新",
             "status": "状态变更：注销、吊销、迁出、经营异常名录列入/移出等"}
PHASES = {"read": "读取校验", "check": "整体校验", "write": "写入", "report": "生成报告", "done": "完成"}
SHOWN_PROBLEMS = 10


def _import_command(kind: str):
    @import_cli.command(kind, help=KIND_HELP[kind])
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--as", "username", required=True, help="以该用户的身份和权限范围导入")
    @click.option("--partial", is_flag=True, help="只写入无误的行，其余列入问题报告；有警告（数值可疑）的行核实后也写入"
                                                "（默认：有任何问题或警告则全部不写入）")
    @click.option("--dry-run", is_flag=True, help="只校验并统计将新增、更新的行数，不写入")
    @click.option("--report", "report", type=click.Path(dir_okay=False), help="问题报告（.xlsx）的保存位置")
    @click.option("--unit", type=click.Choice(["wan", "yuan"]), default="wan", show_default=True,
                  help="金额单位：wan 万元，yuan 元")
    def command(path, username, partial, dry_run, report, unit):
        sys.exit(run_import(kind, Path(path), username, partial=partial, dry_run=dry_run, report=report, unit=unit))

    return command


for _kind in ("firms", "indicators", "status"):
    _import_command(_kind)


@import_cli.command("template", help="写出某一导入类型的 Excel 模板（第一个工作表填数据，第二个工作表为填写说明）")
@click.argument("kind", type=click.Choice(["firms", "indicators", "status"]))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False))
@click.option("--unit", type=click.Choice(["wan", "yuan"]), default="wan", show_default=True)
def template_cmd(kind, out, unit):
    write_template(kind, out, unit)
    click.echo(f"已写出模板 → {out}")


def run_import(kind: str, path: Path, username: str, *, partial: bool, dry_run: bool, report: str | None,
               unit: str) -> int:
    leases = process_leases()
    with domain_errors(), unit_of_work() as session:
        actor = get_user(session, username)
        if not can_import(actor):
            raise click.ClickException(f"用户 {username} 无权导入数据（只有市局工作人员和区县工作人员可以导入）")
        run = ImportRun(kind=kind, filename=path.name, sha256=file_sha256(path), stored_path=str(path.resolve()),
                        actor_id=actor.id, actor_name=actor.username,
                        district_code=scope_district(actor),
                        options={"partial": partial, "dry_run": dry_run, "unit": unit, "source": "cli",
                                 "runner": leases.owner},
                        status=ImportStatus.RUNNING, started_at=now())
        session.add(run)
        session.flush()
        # By default next to the upload page's reports, so the page lists a CLI run's report like any other.
        run.report_path = str(Path(report).resolve()) if report else str(report_path(current_app, run.id))
        leases.take("import", run.id)  # before the commit: a running run always has a lease
    run_id = run.id
    with leases.kept("import", run_id):
        try:
            with unit_of_work() as session, _ProgressBar(kind) as bar:
                execute_import(session, run, path, actor=actor, now=now(), today=today(), progress=bar)
        except Exception as exc:  # any failure: nothing of the file stays, the run records why
            message = exc.message if isinstance(exc, DomainError) else f"导入中断（{type(exc).__name__}: {exc}），未写入任何数据"
            with unit_of_work() as session:
                run = mark_failed(session, run_id, message, now=now())
            click.echo(summary(run), err=True)
            return 1
    click.echo(summary(run))
    if run.report_path:
        _show_problems(run.report_path)
        click.echo(f"问题报告：{run.report_path}")
    return EXIT_CODES.get(ImportStatus(run.status), 1)


class _ProgressBar:
    """click's bar on stderr (rows, rows/s, ETA); on a pipe or log only the final summary line is printed."""

    STEPS = 1000

    def __init__(self, kind: str):
        self.bar = click.progressbar(length=self.STEPS, label=f"导入 {kind}", file=sys.stderr, show_eta=True,
                                     item_show_func=self._item)
        self.done, self.state, self.started = 0, None, time.monotonic()

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)

    def __call__(self, state) -> None:
        self.state = state
        step = int(state.fraction * self.STEPS)
        self.bar.update(max(0, step - self.done), state)
        self.done = max(self.done, step)

    def _item(self, state) -> str | None:
        if state is None:
            return None
        rate = state.rows / max(time.monotonic() - self.started, 1e-6)
        return f"{PHASES.get(state.phase, state.phase)} {state.rows:,} 行，{rate:,.0f} 行/秒"


def _show_problems(path: str) -> None:
    """The first problems on stderr, so a refused run explains itself without opening Excel."""
    try:
        book = load_workbook(path, read_only=True)
    except (OSError, ValueError):
        return
    try:
        for title, label in (("问题", "问题"), ("警告", "警告"), ("提示", "提示")):
            if title not in book.sheetnames:
                continue
            rows = book[title].iter_rows(min_row=2, max_row=SHOWN_PROBLEMS + 1, values_only=True)
            for line, column, value, message in rows:
                where = f"第{line}行" if line else "文件"
                shown = f"“{value}”" if value else ""
                click.echo(f"  [{label}] {where} {column or ''}{shown}：{message}", err=True)
    finally:
        book.close()


@imports_cli.command("recover")
@click.option("--all", "everything", is_flag=True, help="与不加时相同（保留给旧的部署脚本）")
def recover_cmd(everything):
    """把执行进程已不在（租约过期）的导入、检查、导出标记为失败（它们没有写入任何数据）。

    后台服务每个周期都会这样做；本命令供后台服务未运行时手动处理。"""
    from models import db

    failed = recover_lapsed(db.session, beacons_for(db.engine), now=now())
    imports = failed.pop("import", [])
    if imports:
        click.echo(f"已将 {len(imports)} 个中断的导入标记为失败：{', '.join(f'#{i}' for i in imports)}")
    else:
        click.echo("没有中断的导入。")
    labels = {"check": "检查", "export": "导出"}
    for name, ids in failed.items():
        click.echo(f"已将 {len(ids)} 个中断的{labels.get(name, name)}标记为失败：{', '.join(f'#{i}' for i in ids)}")
