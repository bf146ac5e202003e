"""`flask checks list|run`: the registered checks with their schedules and last runs; one check run now.

`checks run` runs in this process (not queued for the scheduler), through the scheduler's own executor
(`pool.scheduler.checks.run_check_now`): the run is queued, leased to this process and begun in one unit of
work, then the check and its flags are a second one, committed once, while the lease is renewed — so a
killed command leaves a run the next scheduler tick fails. When the check raises, that work is rolled back
— no flag of a failed run survives — and the failure with its error is recorded in a fresh unit of work; the
command then exits 1, as it does for an unknown check or a bad date (nothing written).
"""

import click
from flask.cli import AppGroup

from models.enums import RunStatus, RunTrigger
from pool.cli.common import domain_errors, pad
from pool.clock import today
from pool.inbox.display import count_rows, schedule_words
from pool.scheduler.checks import run_check_now
from pool.uow import read_only
from workflows.checks.registry import CHECKS, get_check
from workflows.checks.runs import last_runs, parse_today
from workflows.checks.settings import checks_policy
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
    with domain_errors():
        run = run_check_now(check.name, today=when, actor=None, trigger=RunTrigger.CLI)
    if run.status != RunStatus.SUCCEEDED:
        raise click.ClickException(f"检查失败：{run.error}")
    click.echo(f"完成：运行 #{run.id}")
    for label, number in count_rows(run.counts):
        click.echo(f"  {pad(label, 30)}{number:>10}")
