"""Every login attempt (and logout) is logged: who, when, from where, the result and why; admins read the
log on a Chinese page, paginated and filtered by user and result; nobody else can."""

from datetime import timedelta

import pytest

from models import LoginEvent
from pool.extensions import limiter
from tests.factories import PASSWORD
from tests.functional.pages import login

ADDRESS = {"REMOTE_ADDR": "10.9.8.7"}


@pytest.fixture
def users_inactive(session, users, now):
    from workflows.users import create_user, set_active

    gone = create_user(session, "gone", PASSWORD, "leader", district=None, now=now)
    set_active(session, gone, False, actor=None, now=now)
    session.commit()
    return gone


def test_each_attempt_leaves_one_event_with_its_reason(ctx, client, session, users, users_inactive, now):
    client.post("/login", data={"username": "nobody", "password": "whatever-123"}, environ_base=ADDRESS)
    client.post("/login", data={"username": "city", "password": "wrong-pass-1"}, environ_base=ADDRESS)
    client.post("/login", data={"username": "gone", "password": PASSWORD}, environ_base=ADDRESS)
    client.post("/login", data={"username": " city", "password": PASSWORD}, environ_base=ADDRESS)
    client.post("/logout", environ_base=ADDRESS)
    rows = [(e.username, e.user_id is not None, e.address, e.result, e.reason, e.at)
            for e in session.query(LoginEvent).order_by(LoginEvent.id)]
    assert rows == [
        ("nobody", False, "10.9.8.7", "failure", "unknown_user", now),
        ("city", True, "10.9.8.7", "failure", "wrong_password", now),
        ("gone", True, "10.9.8.7", "failure", "inactive", now),
        ("city", True, "10.9.8.7", "success", "ok", now),
        ("city", True, "10.9.8.7", "logout", "logout", now),
    ]


def test_failures_look_alike_on_the_page(client, users, users_inactive):
    """The log tells the reason; the login page does not tell a guesser which names exist."""
    bodies = [client.post("/login", data={"username": name, "password": password}).get_data(as_text=True)
              for name, password in (("nobody", "whatever-123"), ("city", "wrong-pass-1"), ("gone", PASSWORD))]
    assert all("用户名或密码错误" in body for body in bodies)


def test_admin_reads_the_log_filtered_and_paginated(ctx, client, session, users, clock, now):
    for n in range(55):
        clock.at = now + timedelta(minutes=n)
        ctx.test_client().post("/login", data={"username": "city", "password": f"wrong-{n:02d}-pass"})
        limiter.reset()  # 55 failures in a row would be throttled (rightly); this test is about the log
    clock.at = now + timedelta(hours=2)
    login(client, "admin")
    page = client.get("/admin/logins")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "登录日志" in body and "共 56 条" in body
    assert "密码错误" in body and "登录成功" in body and 'rel="next"' in body
    failures = client.get("/admin/logins?username=city&result=failure&page=2").get_data(as_text=True)
    assert "共 55 条" in failures and "登录成功" not in failures.split('id="logins"')[1]
    assert client.get("/admin/logins?result=maybe").status_code == 400


def test_only_the_admin_reads_the_log(client, users):
    for role in ("city", "leader", "xihu"):
        login(client, role)
        assert client.get("/admin/logins").status_code == 403
        client.post("/logout")
    assert client.get("/admin/logins").status_code == 302
