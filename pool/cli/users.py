"""`flask users create|token|revoke-token`: accounts and API tokens, each change audited by the workflow."""

import sys

import click
from flask.cli import AppGroup

from pool.cli.common import domain_errors
from pool.clock import now
from pool.uow import unit_of_work
from workflows.users import create_user, get_user, issue_token, revoke_tokens

users_cli = AppGroup("users", help="用户与访问令牌")


@users_cli.command("create", help="新建用户（操作记入审计记录）")
@click.argument("username")
@click.option("--role", required=True, help="admin | city_staff | county_officer | leader")
@click.option("--district", default=None, help="区县代码（区县工作人员必填），如 330106")
@click.option("--name", "display_name", default="", help="显示名称")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码")
def create_user_cmd(username, role, district, display_name, password_stdin):
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("密码", hide_input=True, confirmation_prompt=True)
    with domain_errors(), unit_of_work() as session:
        user = create_user(session, username, password, role, district=district, now=now(),
                           display_name=display_name)
    click.echo(f"已创建用户 {user.username}（{user.role_label}）")


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
