"""`flask demo seed|files`: the demo data set (`workflows.demo`) and import files that match it."""

from pathlib import Path

import click
from flask.cli import AppGroup

from pool.clock import now, today
from pool.uow import read_only, unit_of_work

demo_cli = AppGroup("demo", help="演示数据")


@demo_cli.command("seed", help="写入演示数据：用户、企业及年度指标、升级案件、培育库成员，并打印演示账号")
@click.option("--firms", "n_firms", default=200_000, show_default=True, type=click.IntRange(min=100))
@click.option("--seed", default=2021, show_default=True, type=int)
@click.option("--if-empty", is_flag=True, help="库中已有企业时不做任何事")
def demo_seed_cmd(n_firms, seed, if_empty):
    from workflows.demo.seed import demo_logins, seed_demo  # the demo's imports cost nothing elsewhere

    with unit_of_work() as session:
        summary = seed_demo(session, n_firms=n_firms, seed=seed, now=now(), if_empty=if_empty)
    click.echo(summary.describe())
    click.echo(demo_logins())


@demo_cli.command("files")
@click.argument("directory", type=click.Path(file_okay=False))
def demo_files_cmd(directory):
    """写出可直接导入的示例文件（与演示数据一致），以及一份带错误的文件用于查看错误报告。"""
    from workflows.demo.files import write_demo_files

    with read_only() as session:
        written = write_demo_files(session, Path(directory), today=today())
    for item in written:
        click.echo(f"{item.path}  {item.describe()}")
