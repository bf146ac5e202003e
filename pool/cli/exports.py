"""`flask export firms|indicators|members|worklist --out PATH [filters]`.

Exports take the list pages' filters, validated by the same functions, and write .xlsx through
`pool.exports` (bold frozen Chinese header, dates and numbers typed, codes as text). A list longer than an
Excel sheet holds (1,048,576 rows with the header) goes on in further sheets of the same workbook. CSV
(UTF-8 with a BOM) is for programs only: `--format csv` or an `--out` ending in .csv. Rows stream from the database, so millions of rows
cost memory for one batch. Without `--as` the export is city-wide; with it, that user's scope applies.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from models import District
from pool.cli.common import domain_errors
from pool.clock import now
from pool.exports.jobs import write_export_file
from pool.uow import read_only
from workflows.exporting import check_pool, clean_params, count_rows
from workflows.permissions import is_scoped, may_read_domain
from workflows.users import get_user

export_cli = AppGroup("export", help="导出企业名录、年度指标、培育库成员、升级案件（.xlsx，超过单表行数上限时分为多个工作表；--format csv 供程序读取）")

OUT = click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
                   help="输出文件（.xlsx 或 .csv）")
FORMAT = click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default=None,
                      help="xlsx（默认；Excel 工作簿）或 csv（供程序读取（CSV）：办公软件打开会损坏纯数字代码）")
AS = click.option("--as", "username", default=None, help="按该用户的权限范围导出（区县工作人员只导出本区县）")
FIRM_OPTIONS = (
    click.option("--district", default=None, help="区县代码或名称，如 330106 或 西湖区"),
    click.option("--stage", default=None, help="individual | enterprise | above_scale | joint_stock | listed"),
    click.option("--status", default=None, help="active | deregistered | revoked | moved_out"),
    click.option("--size-class", "size_class", default=None, help="large | medium | small | micro | unknown"),
    click.option("--legal-form", "legal_form", default=None, help="组织形式，如 有限责任公司"),
    click.option("--industry", default=None, help="行业代码前缀，如 C39"),
    click.option("--tags", default=None, help="八大万亿产业代码，如 equipment"),
    click.option("--abnormal", default=None, help="true | false"),
    click.option("--serious-violation", "serious_violation", default=None, help="true | false"),
    click.option("--tech-sme", "tech_sme", default=None, help="true | false"),
    click.option("--high-tech", "high_tech", default=None, help="true | false"),
    click.option("--q", default=None, help="企业名称的一部分或完整的统一社会信用代码"),
)


def firm_options(command):
    for option in reversed(FIRM_OPTIONS):
        command = option(command)
    return command


def _district_code(session, value: str | None) -> str | None:
    """A district by code or by name (西湖区); an unknown one is refused before anything is written."""
    if not value or value.isdigit():
        return value
    code = session.scalar(select(District.code).where(District.name == value.strip()))
    if code is None:
        raise click.ClickException(f"未知的区县：{value}")
    return code


def _progress_bar(total: int):
    """A bar on a terminal (stderr); nothing when the output is piped or logged."""
    if not sys.stderr.isatty() or total < 10_000:
        return None
    return click.progressbar(length=total, label="导出", file=sys.stderr, show_eta=True, show_pos=True)


def run_export(kind: str, out: str, username: str | None, args: dict) -> None:
    fmt = args.pop("fmt", None)
    args = {k: v for k, v in args.items() if v not in (None, "")}
    path = Path(out)
    with domain_errors(), read_only() as session:
        actor = get_user(session, username) if username else None
        if "district" in args:
            args["district"] = _district_code(session, args["district"])
        params = clean_params(kind, args, now=now())
        if actor is not None and is_scoped(actor):
            params["filters"].pop("district", None)
        if actor is not None and not may_read_domain(actor):
            raise click.ClickException("系统管理员不能导出业务数据")
        if kind == "members":
            check_pool(session, params)
        total = count_rows(session, kind, actor, params)
        if path.suffix.lower() not in (".xlsx", ".csv"):
            raise click.ClickException("输出文件名须以 .xlsx 或 .csv 结尾")
        outcome = _write(session, kind, actor, params, path, total, fmt)
    if outcome.path != path:
        click.echo(f"按 {outcome.format} 格式写入：{outcome.path}", err=True)
    click.echo(f"已导出 {outcome.rows:,} 行 → {outcome.path}")


def _write(session, kind: str, actor, params: dict, path: Path, total: int, fmt: str | None):
    """The file, with a progress bar on a terminal for a long list."""
    bar, shown = _progress_bar(total), [0]
    if bar is None:
        return write_export_file(session, kind, actor, params, path, total=total, fmt=fmt)

    def progress(done: int) -> None:
        bar.update(done - shown[0])
        shown[0] = done

    with bar:
        return write_export_file(session, kind, actor, params, path, total=total, progress=progress, fmt=fmt)


@export_cli.command("firms")
@firm_options
@AS
@FORMAT
@OUT
def export_firms_cmd(out, username, **filters):
    """企业名录，筛选条件同企业名录页面。"""
    run_export("firms", out, username, filters)


@export_cli.command("indicators")
@firm_options
@click.option("--year", default=None, help="只导出该年度，如 2024")
@AS
@FORMAT
@OUT
def export_indicators_cmd(out, username, **filters):
    """年度指标（每家企业每年一行），按企业的筛选条件。"""
    run_export("indicators", out, username, filters)


@export_cli.command("members")
@click.option("--pool", "pool_id", required=True, help="培育库编号")
@click.option("--state", default=None, help="nominated | admitted | rejected | withdrawn | removed | graduated")
@click.option("--cultivation-type", "cultivation_type", default=None, help="startup | growth | leading")
@click.option("--batch", default=None, help="入库批次，如 2022-1")
@click.option("--district", default=None, help="区县代码或名称")
@click.option("--q", default=None, help="企业名称的一部分或完整的统一社会信用代码")
@AS
@FORMAT
@OUT
def export_members_cmd(out, username, **filters):
    """培育库成员，筛选条件同成员列表页面。"""
    run_export("members", out, username, filters)


@export_cli.command("worklist")
@click.option("--kind", default=None, help="ind_to_ent | small_to_scale | scale_to_stock | stock_to_listed")
@click.option("--state", default=None, help="进行中的状态，如 cultivating")
@click.option("--district", default=None, help="区县代码或名称")
@click.option("--q", default=None, help="企业名称的一部分或完整的统一社会信用代码")
@click.option("--min-days", "min_days", default=None, help="在当前状态停留至少多少天")
@click.option("--sort", default=None, help="days | opened | name")
@click.option("--dir", "dir", default=None, help="desc | asc")
@AS
@FORMAT
@OUT
def export_worklist_cmd(out, username, **filters):
    """进行中的升级案件（即“我的待办”/“案件一览”），筛选条件同该页面。"""
    run_export("worklist", out, username, filters)
