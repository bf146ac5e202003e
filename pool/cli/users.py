"""`flask users create|token|revoke-token`: accounts and API tokens, each change audited by the workflow."""

import sys

import click
from flask.cli import AppGroup

from pool.cli.common import domain_errors
from pool.clock import now
from pool.uow import unit_of_work
from workflows.users import create_user, get_user, issue_token, reset_password, revoke_tokens, set_active

users_cli = AppGroup("users", help="用户与访问令牌")


@users_cli.command("create", help="新建用户（操作记入审计记录）")
@click.argument("username")
@click.option("--role", required=True, help="admin | city_staff | county_officer | leader")
@click.option("--district", default=None, help="区县代码（区县工作人员必填），如 330106")
@click.option("--name", "display_name", default="", help="显示名称")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码")
def create_user_cmd(username, role, district, display_name, password_stdin):
    password = _read_password(password_stdin)
    with domain_errors(), unit_of_work() as session:
        user = create_user(session, username, password, role, district=district, now=now(),
                           display_name=display_name)
    click.echo(f"已创建用户 {user.username}（{user.role_label}）")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("密码", hide_input=True, confirmation_prompt=True)


@users_cli.command("set-password", help="重置用户密码（须符合密码规则），该用户的所有登录立即失效")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码")
def set_password_cmd(username, password_stdin):
    password = _read_password(password_stdin)
    with domain_errors(), unit_of_work() as session:
        reset_password(session, get_user(session, username), password, actor=None, now=now())
    click.echo(f"已重置 {username} 的密码，其所有登录均已失效")


@users_cli.command("deactivate", help="停用用户：所有登录立即失效，访问令牌停止生效")
@click.argument("username")
def deactivate_cmd(username):
    with domain_errors(), unit_of_work() as session:
        set_active(session, get_user(session, username), False, actor=None, now=now())
    click.echo(f"已停用用户 {username}")


@users_cli.command("activate", help="重新启用已停用的用户")
@click.argument("username")
def activate_cmd(username):
    with domain_errors(), unit_of_work() as session:
        set_active(session, get_user(session, username), True, actor=None, now=now())
    click.echo(f"已启用用户 {username}")


@users_cli.command("token", help="为用户签发 API 访问令牌（只显示这一次，库中只存其散列）")
@click.argument("username")
def token_cmd(username):
    with domain_errors(), unit_of_work() as session:
        token = issue_token(session, get_user(session, username), now=now())
    click.echo(token)
    click.echo("（令牌只显示这一次，请妥善保存）", err=True)


@users_cli.command("revoke-token", help="吊销用户的全部 API 访问令牌，立即生效")
@click.argument("username")
def revoke_cmd(username):
    with domain_errors(), unit_of_work() as session:
        count = revoke_tokens(session, get_user(session, username), now=now())
    click.echo(f"已吊销 {username} 的 {count} 个令牌")
