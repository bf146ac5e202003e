"""`flask checks list|run`: the registered checks with their schedules and last runs; one check run now.

`checks run` runs inline in this process (not queued for the scheduler): the run and its flags are one unit
of work, committed once. When the check raises, that work is rolled back — no flag of a failed run survives —
and a failed run with the error is recorded in a fresh unit of work, so the log says what happened; the
command then exits 1, as it does for an unknown check or a bad date (nothing written).
"""

import click
from flask.cli import AppGroup

from models.enums import RunTrigger
from pool.cli.common import domain_errors, pad
from pool.clock import now, today
from pool.inbox.display import count_rows, schedule_words
from pool.uow import read_only, unit_of_work
from workflows.checks.registry import CHECKS, get_check
from workflows.checks.runs import begin_run, fail_run, last_runs, parse_today, queue_run, run_inline
from workflows.checks.settings import checks_policy
from workflows.errors import DomainError
from workflows.timefmt import format_local

checks_cli = AppGroup("checks", help="定时检查：列出检查项目，立即运行一项检查")


@checks_cli.command("list", help="列出各项检查的运行计划和最近一次运行")
def list_cmd():
    schedules = checks_policy().schedules
    click.echo(f"  {pad('检查', 22)}{pad('名称', 14)}{pad('运行计划', 18)}最近一次运行")
    with read_only() as session:
        last = last_runs(session)
        for check in CHECKS.values():
            run = last.get(check.name)
            when = (f"#{run.id} {format_local(run.finished_at)} {'已完成' if run.status == 'succeeded' else '失败'}"
                    f"（检查日期 {run.today.isoformat()}）") if run else "尚未运行"
            click.echo(f"  {pad(check.name, 22)}{pad(check.label, 14)}"
                       f"{pad(schedule_words(schedules.get(check.name)), 18)}{when}")


@checks_cli.command("run", help="立即运行一项检查（在本进程中执行，不经后台服务排队）")
@click.argument("name")
@click.option("--today", "day", default=None, metavar="YYYY-MM-DD", help="检查日期（默认今天，杭州时间）")
def run_cmd(name, day):
    with domain_errors():
        check = get_check(name)
        when = parse_today(day, default=today())
    click.echo(f"运行检查：{check.label}（{check.name}），检查日期 {when.isoformat()} ……")
    try:
        with unit_of_work() as session:
            run = run_inline(session, check.name, today=when, actor=None, now=now(), trigger=RunTrigger.CLI)
    except DomainError as exc:
        _record_failure(check.name, when, exc.message)
        raise click.ClickException(f"检查失败：{exc.message}") from None
    except Exception as exc:  # the check's own failure: rolled back above, recorded here, reported
        _record_failure(check.name, when, f"{type(exc).__name__}: {exc}")
        raise click.ClickException(f"检查失败（未写入任何提醒）：{type(exc).__name__}: {exc}") from None
    click.echo(f"完成：运行 #{run.id}")
    for label, number in count_rows(run.counts):
        click.echo(f"  {pad(label, 30)}{number:>10}")


def _record_failure(name: str, when, error: str) -> None:
    """The failed run for the log, in its own unit of work (the run's own was rolled back with its flags)."""
    with unit_of_work() as session:
        run = queue_run(session, name, today=when, actor=None, now=now(), trigger=RunTrigger.CLI)
        begin_run(session, run, now=now())
        fail_run(session, run.id, error, now=now())
