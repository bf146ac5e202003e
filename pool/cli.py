"""Flask CLI groups. Thin: parse, call one workflow function, commit, print."""

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from models import db
from pool.clock import now

users_cli = AppGroup("users", help="用户与访问令牌")
demo_cli = AppGroup("demo", help="演示数据")


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
    from workflows.demo import demo_logins, seed_demo

    summary = seed_demo(db.session, n_firms=n_firms, seed=seed, now=now(), if_empty=if_empty)
    db.session.commit()
    click.echo(summary.describe())
    click.echo(demo_logins())


def install_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
