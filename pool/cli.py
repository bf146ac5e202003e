"""Flask CLI groups. Thin: parse, call one workflow function, commit, print."""

import sys
import unicodedata

import click
from flask import Flask
from flask.cli import AppGroup

from models import db
from pool.clock import now

users_cli = AppGroup("users", help="用户与访问令牌")
demo_cli = AppGroup("demo", help="演示数据")
pools_cli = AppGroup("pools", help="培育库：目标、容量与入库情况")


def _fail(exc) -> None:
    fields = getattr(exc, "fields", None) or {}
    detail = "; ".join(f"{k}: {v}" for k, v in fields.items())
    raise click.ClickException(f"{getattr(exc, 'message', exc)}{' (' + detail + ')' if detail else ''}")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, help="admin | city_staff | county_officer | leader")
@click.option("--district", default=None, help="区县代码（区县工作人员必填），如 330106")
@click.option("--name", "display_name", default="", help="显示名称")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码")
def create_user_cmd(username, role, district, display_name, password_stdin):
    from workflows.errors import DomainError
    from workflows.users import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("密码", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(db.session, username, password, role, district=district, now=now(),
                           display_name=display_name)
    except DomainError as exc:
        db.session.rollback()
        _fail(exc)
    db.session.commit()
    click.echo(f"已创建用户 {user.username}（{user.role_label}）")


@users_cli.command("token")
@click.argument("username")
def token_cmd(username):
    from workflows.errors import DomainError
    from workflows.users import get_user, issue_token

    try:
        token = issue_token(db.session, get_user(db.session, username), now=now())
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(token)
    click.echo("（令牌只显示这一次，请妥善保存）", err=True)


@users_cli.command("revoke-token")
@click.argument("username")
def revoke_cmd(username):
    from workflows.errors import DomainError
    from workflows.users import get_user, revoke_tokens

    try:
        count = revoke_tokens(db.session, get_user(db.session, username), now=now())
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"已吊销 {username} 的 {count} 个令牌")


@demo_cli.command("seed")
@click.option("--firms", "n_firms", default=200_000, show_default=True, type=click.IntRange(min=100))
@click.option("--seed", default=2021, show_default=True, type=int)
@click.option("--if-empty", is_flag=True, help="库中已有企业时不做任何事")
def demo_seed_cmd(n_firms, seed, if_empty):
    from workflows.demo.seed import demo_logins, seed_demo

    summary = seed_demo(db.session, n_firms=n_firms, seed=seed, now=now(), if_empty=if_empty)
    db.session.commit()
    click.echo(summary.describe())
    click.echo(demo_logins())


@demo_cli.command("files")
@click.argument("directory", type=click.Path(file_okay=False))
def demo_files_cmd(directory):
    """写出可直接导入的示例文件（与演示数据一致），以及一份带错误的文件用于查看错误报告。"""
    from pathlib import Path

    from pool.clock import today
    from workflows.demo.files import write_demo_files

    written = write_demo_files(db.session, Path(directory), today=today())
    db.session.rollback()  # reads only
    for item in written:
        click.echo(f"{item.path}  {item.describe()}")


@pools_cli.command("list")
def pools_list_cmd():
    """Every pool with its target, capacity and fill."""
    from workflows.pools import all_pools, pool_counts

    counts = pool_counts(db.session)
    click.echo(f"  {'编号':<6}{_pad('培育库', 18)}{'目标':>8}{'容量':>8}{'已入库':>8}{'待审核':>8}{'完成率':>8}")
    for pool in all_pools(db.session):
        mine = counts.get(pool.id, {})
        admitted, nominated = mine.get("admitted", 0), mine.get("nominated", 0)
        share = f"{admitted / pool.target:.1%}" if pool.target else "—"
        capacity = "不限" if pool.capacity is None else f"{pool.capacity:,}"
        click.echo(f"  {pool.id:<8}{_pad(pool.name, 18)}{pool.target:>10,}{_pad(capacity, 10, right=True)}"
                   f"{admitted:>11,}{nominated:>11,}{share:>11}")


@pools_cli.command("split-targets")
@click.option("--apply", "apply_", is_flag=True, help="写入建议的目标（须同时用 --as 指定管理员）")
@click.option("--as", "username", default=None, help="执行写入的管理员用户名")
def split_targets_cmd(apply_, username):
    """Propose the county targets in proportion to each district's eligible firms (largest remainders,
    at least 1 each, exactly 45,000 in total); `--apply --as ADMIN` writes them, audited."""
    from pool.clock import today
    from workflows.errors import DomainError
    from workflows.pools import COUNTY_TOTAL, all_pools, apply_split, eligible_counts, propose_split
    from workflows.users import get_user

    if username and not apply_:
        raise click.UsageError("--as 只与 --apply 一起使用")
    if apply_ and not username:
        raise click.UsageError("--apply 须用 --as 指定执行写入的管理员")
    day = today()
    split = propose_split(db.session, day)
    eligible = eligible_counts(db.session, day)
    pools = [p for p in all_pools(db.session) if p.level == "county"]
    click.echo(f"县级培育库目标建议（按 {day.isoformat()} 符合入库条件的企业数比例分配，合计 {COUNTY_TOTAL:,}）：")
    click.echo(f"  {_pad('区县', 10)}{'符合条件企业':>12}{'建议目标':>10}{'现有目标':>10}{'变化':>9}")
    for pool in pools:
        code = pool.district_code
        name = pool.district.name if pool.district else code
        click.echo(f"  {_pad(name, 10)}{eligible.get(code, 0):>18,}{split[code]:>14,}{pool.target:>14,}"
                   f"{split[code] - pool.target:>+11,}")
    click.echo(f"  {_pad('合计', 10)}{sum(eligible.get(p.district_code, 0) for p in pools):>18,}"
               f"{sum(split.values()):>14,}{sum(p.target for p in pools):>14,}")
    if not apply_:
        click.echo("（仅为建议，未写入；加 --apply --as 管理员用户名 写入）")
        return
    try:
        changed = apply_split(db.session, split, actor=get_user(db.session, username), now=now())
    except DomainError as exc:
        db.session.rollback()
        _fail(exc)
    db.session.commit()
    click.echo(f"已写入：{len(changed)} 个县级培育库的目标有变化（已记入审计记录）。")


def _pad(text: str, width: int, right: bool = False) -> str:
    """Pad to a terminal width in which a CJK character takes two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    gap = " " * max(0, width - used)
    return gap + text if right else text + gap


def install_cli(app: Flask) -> None:
    from pool.import_cli import import_cli
    from pool.imports.cli import export_cli, imports_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(pools_cli)
    app.cli.add_command(export_cli)
    app.cli.add_command(imports_cli)
    app.cli.add_command(import_cli)
