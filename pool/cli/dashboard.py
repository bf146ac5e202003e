"""`flask dashboard backfill`: the months before the first snapshot, from history; `flask plans list|load`.

`backfill` stores the 1st of each month from `--since` (default 2021-01-01) up to the first snapshot a run of
`metrics_snapshot` wrote (or today): the snapshot's counts and the plan's, computed as of the day before
from the records' dates and the audit history. Months already there are skipped (`--force` recomputes the
backfilled ones, never a real snapshot). One unit of work. `plans load PATH --as USERNAME` adds a plan
written as a plan file (workflows/data/plan_2021_2023.toml shows the layout).
"""

from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy import select

from models import User
from pool.cli.common import domain_errors, pad
from pool.clock import now, today
from pool.uow import read_only, unit_of_work
from workflows.errors import NotFound
from workflows.plans.plan_file import read_plan_file
from workflows.plans.plans import all_plans, create_plan
from workflows.plans.trends import backfill

dashboard_cli = AppGroup("dashboard", help="领导看板：按历史记录补齐过去月份的趋势快照")
plans_cli = AppGroup("plans", help="计划：列出计划，从计划文件新增计划")


@dashboard_cli.command("backfill", help="按历史记录补齐首个月度快照之前各月1日的快照（一次即可）")
@click.option("--since", default="2021-01-01", metavar="YYYY-MM-DD", help="从哪个月开始（默认 2021-01-01）")
@click.option("--force", is_flag=True, help="重新计算已补齐的月份（不改动定时检查写入的快照）")
def backfill_cmd(since, force):
    with domain_errors():
        try:
            start = date.fromisoformat(since)
        except ValueError:
            raise click.BadParameter(f"日期格式应为 YYYY-MM-DD：{since}", param_hint="--since") from None
        with unit_of_work() as session:
            days = backfill(session, since=start, today=today(), force=force)
    if days:
        click.echo(f"已补齐 {len(days)} 个月：{days[0].isoformat()} 至 {days[-1].isoformat()}")
    else:
        click.echo("没有需要补齐的月份。")


@plans_cli.command("list", help="列出计划")
def list_cmd():
    with read_only() as session:
        for plan in all_plans(session):
            click.echo(f"  #{plan.id:<4}{pad(plan.name, 44)}{plan.starts_on} 至 {plan.ends_on}  {len(plan.metrics)} 项指标")


@plans_cli.command("load", help="从计划文件（TOML）新增计划")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "username", required=True, help="以哪位市局工作人员的身份新增（留痕）")
def load_cmd(path, username):
    with domain_errors():
        with unit_of_work() as session:
            actor = session.scalar(select(User).where(User.username == username))
            if actor is None:
                raise NotFound(f"没有用户 {username}")
            plan = create_plan(session, read_plan_file(path), actor=actor, now=now())
        click.echo(f"已新增计划 #{plan.id}：{plan.name}（{len(plan.metrics)} 项指标）")
