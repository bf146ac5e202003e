"""The users CLI: create with a password from stdin, issue a token shown once, revoke it."""

import pytest
from sqlalchemy import func, select

from models import ApiToken, AuditEvent, User
from workflows.users import user_for_token


def run(ctx, *args, input=None):
    return ctx.test_cli_runner().invoke(args=list(args), input=input)


def test_create_county_officer_from_stdin(ctx, session):
    result = run(ctx, "users", "create", "wang", "--role", "county_officer", "--district", "330106",
                 "--password-stdin", input="s3cret-pass\n")
    assert result.exit_code == 0, result.output
    assert "已创建用户 wang（区县工作人员）" in result.output
    user = session.scalar(select(User).filter_by(username="wang"))
    assert user.district_code == "330106" and user.check_password("s3cret-pass")
    assert user.password_hash != "s3cret-pass"


def test_create_prompts_for_password_twice(ctx, session):
    result = run(ctx, "users", "create", "li", "--role", "leader", input="longpassword\nlongpassword\n")
    assert result.exit_code == 0, result.output
    assert session.scalar(select(User).filter_by(username="li")).role == "leader"


def test_create_refuses_bad_input_and_writes_nothing(ctx, session):
    cases = [
        (["--role", "county_officer"], "区县工作人员必须指定所属区县"),
        (["--role", "county_officer", "--district", "330103"], "未知的区县代码"),
        (["--role", "mayor"], "未知角色"),
        (["--role", "leader", "--district", "330106"], "只有区县工作人员属于某个区县"),
    ]
    for extra, message in cases:
        result = run(ctx, "users", "create", "zhao", *extra, "--password-stdin", input="longpassword\n")
        assert result.exit_code != 0
        assert message in result.output
    short = run(ctx, "users", "create", "zhao", "--role", "leader", "--password-stdin", input="short\n")
    assert "密码至少10个字符" in short.output
    assert session.scalar(select(func.count()).select_from(User)) == 0
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0


@pytest.mark.parametrize("password,message", [
    ("12345678", "密码至少10个字符"),
    ("password", "密码至少10个字符"),
    ("1234567890", "过于常见"),
    ("Qwertyuiop", "过于常见"),  # the blocklist ignores case
    (" " * 12, "不能为空或全是空格"),
    ("zhaoming-2026", "不能包含用户名"),
    ("ZHAOMING!!!!", "不能包含用户名"),
])
def test_create_refuses_guessable_passwords(ctx, session, password, message):
    """The issue's findings: 12345678, password, eight spaces and the user's own name were all accepted."""
    result = run(ctx, "users", "create", "zhaoming", "--role", "leader", "--password-stdin", input=password + "\n")
    assert result.exit_code != 0 and message in result.output, result.output
    assert session.scalar(select(func.count()).select_from(User)) == 0


def test_set_password_and_deactivate_from_the_command_line(ctx, session, users):
    weak = run(ctx, "users", "set-password", "city", "--password-stdin", input="1234567890\n")
    assert weak.exit_code != 0 and "过于常见" in weak.output
    generation = users["city"].session_generation
    done = run(ctx, "users", "set-password", "city", "--password-stdin", input="river-lantern-77\n")
    assert done.exit_code == 0, done.output
    session.expire_all()
    city = session.get(User, users["city"].id)
    assert city.check_password("river-lantern-77") and city.session_generation > generation
    token = run(ctx, "users", "token", "city").stdout.strip()
    assert run(ctx, "users", "deactivate", "city").exit_code == 0
    session.expire_all()
    assert user_for_token(session, token) is None
    assert run(ctx, "users", "activate", "city").exit_code == 0
    session.expire_all()
    assert session.get(User, users["city"].id).active
    actions = session.scalars(select(AuditEvent.action).filter_by(subject_type="user", subject_id=city.id)
                              .order_by(AuditEvent.id)).all()
    assert actions[-4:] == ["password_reset", "token_issued", "deactivated", "activated"]


def test_duplicate_username_refused(ctx, users):
    result = run(ctx, "users", "create", "city", "--role", "city_staff", "--password-stdin",
                 input="longpassword\n")
    assert result.exit_code != 0 and "已存在" in result.output


def test_token_is_shown_once_stored_hashed_and_revocable(ctx, session, users):
    result = run(ctx, "users", "token", "city")
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert "只显示这一次" in result.stderr
    assert len(token) >= 40
    stored = session.scalars(select(ApiToken.token_hash)).all()
    assert stored and token not in stored
    assert user_for_token(session, token).username == "city"

    revoked = run(ctx, "users", "revoke-token", "city")
    assert revoked.exit_code == 0 and "已吊销 city 的 1 个令牌" in revoked.output
    session.expire_all()
    assert user_for_token(session, token) is None


def test_token_for_unknown_user(ctx):
    result = run(ctx, "users", "token", "nobody")
    assert result.exit_code != 0 and "没有用户 nobody" in result.output
