"""Sessions that end: a session or remember-me cookie captured before logout, a password change, an admin's
reset or deactivation no longer opens a page afterwards; cookies carry the production flags; idle sessions
expire; a deactivated user's API tokens stop working."""

from datetime import timedelta

import pytest

from config import Config, ProductionConfig
from models import User
from tests.factories import PASSWORD

NEW_PASSWORD = "river-lantern-77"


def log_in(client, username="city", password=PASSWORD, remember=True):
    response = client.post("/login", data={"username": username, "password": password,
                                           **({"remember": "y"} if remember else {})})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def captured(client) -> dict[str, str]:
    """The cookies a thief would copy from the browser."""
    return {name: client.get_cookie(name).value for name in ("session", "remember_token")
            if client.get_cookie(name) is not None}


def replay(app, cookies: dict[str, str], only: str | None = None):
    """A fresh browser with the copied cookies (or just one of them) asks for the home page."""
    thief = app.test_client()
    for name, value in cookies.items():
        if only is None or name == only:
            thief.set_cookie(name, value)
    return thief.get("/")


@pytest.mark.parametrize("only", [None, "session", "remember_token"])
def test_cookies_captured_before_logout_are_worthless_after_it(ctx, client, users, only):
    log_in(client)
    cookies = captured(client)
    assert set(cookies) == {"session", "remember_token"}
    assert replay(ctx, cookies, only).status_code == 200  # the copy works while the user is logged in
    client.post("/logout")
    response = replay(ctx, cookies, only)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logout_ends_the_sessions_on_every_device(ctx, users):
    office, home = ctx.test_client(), ctx.test_client()
    log_in(office)
    log_in(home, remember=False)
    office.post("/logout")
    assert home.get("/").status_code == 302


def test_each_login_gets_a_new_remember_cookie(ctx, client, users):
    log_in(client)
    first = captured(client)["remember_token"]
    client.post("/logout")
    log_in(client)
    assert captured(client)["remember_token"] != first


def test_password_change_ends_every_session_and_the_new_password_works(ctx, client, session, users):
    log_in(client)
    other = ctx.test_client()
    log_in(other, remember=False)
    cookies = captured(client)
    page = client.get("/account/password")
    assert page.status_code == 200 and "修改密码" in page.get_data(as_text=True)
    response = client.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                       "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert replay(ctx, cookies).status_code == 302
    assert other.get("/").status_code == 302
    assert client.get("/").status_code == 302
    assert client.post("/login", data={"username": "city", "password": PASSWORD}).status_code == 200
    log_in(client, password=NEW_PASSWORD)


@pytest.mark.parametrize("current,new,confirm,message", [
    ("wrong-password-1", NEW_PASSWORD, NEW_PASSWORD, "当前密码不正确"),
    (PASSWORD, "1234567890", "1234567890", "过于常见"),
    (PASSWORD, "city-is-mine-2", "city-is-mine-2", "不能包含用户名"),
    (PASSWORD, "short", "short", "至少10个字符"),
    (PASSWORD, NEW_PASSWORD, "something-else", "两次输入的新密码不一致"),
])
def test_password_change_refused_says_why_and_keeps_the_session(client, session, users, current, new, confirm,
                                                                message):
    log_in(client)
    response = client.post("/account/password", data={"current_password": current, "new_password": new,
                                                       "confirm": confirm})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert client.get("/").status_code == 200
    session.expire_all()
    assert session.get(User, users["city"].id).check_password(PASSWORD)


def test_admin_deactivation_ends_sessions_and_api_tokens(ctx, client, session, users, now):
    from workflows.users import issue_token

    token = issue_token(session, users["city"], now=now)
    session.commit()
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/firms", headers=bearer).status_code == 200
    victim = ctx.test_client()
    log_in(victim)
    cookies = captured(victim)
    admin = ctx.test_client()
    log_in(admin, "admin")
    response = admin.post(f"/admin/users/{users['city'].id}/active", data={"active": "0"})
    assert response.status_code == 302
    assert "已停用用户 city" in admin.get("/").get_data(as_text=True)
    assert victim.get("/").status_code == 302
    assert replay(ctx, cookies).status_code == 302
    assert client.get("/api/v1/firms", headers=bearer).status_code == 401
    assert victim.post("/login", data={"username": "city", "password": PASSWORD}).status_code == 200
    admin.post(f"/admin/users/{users['city'].id}/active", data={"active": "1"})
    log_in(victim)
    assert replay(ctx, cookies).status_code == 302  # the cookies from before stay dead after reactivation


def test_admin_reset_ends_sessions_and_enforces_the_rule(ctx, session, users):
    victim = ctx.test_client()
    log_in(victim)
    admin = ctx.test_client()
    log_in(admin, "admin")
    url = f"/admin/users/{users['city'].id}/password"
    weak = admin.post(url, data={"new_password": "qwertyuiop", "confirm": "qwertyuiop"})
    assert weak.status_code == 400 and "过于常见" in weak.get_data(as_text=True)
    assert victim.get("/").status_code == 200
    done = admin.post(url, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert victim.get("/").status_code == 302
    log_in(ctx.test_client(), password=NEW_PASSWORD)


def test_admin_cannot_deactivate_themselves_and_others_cannot_manage_users(ctx, users):
    admin = ctx.test_client()
    log_in(admin, "admin")
    admin.post(f"/admin/users/{users['admin'].id}/active", data={"active": "0"})
    assert admin.get("/").status_code == 200
    city = ctx.test_client()
    log_in(city)
    assert city.post(f"/admin/users/{users['xihu'].id}/active", data={"active": "0"}).status_code == 403
    assert city.get(f"/admin/users/{users['xihu'].id}/password").status_code == 403
    assert city.get("/admin/users/new").status_code == 403
    assert admin.get("/admin/users/99999/password").status_code == 404


def test_admin_creates_a_user_on_the_page_under_the_rule(ctx, session, users):
    admin = ctx.test_client()
    log_in(admin, "admin")
    form = {"username": "zhou", "display_name": "周", "role": "county_officer", "district": "330106"}
    weak = admin.post("/admin/users/new", data={**form, "password": "zhou-secret-1", "confirm": "zhou-secret-1"})
    assert weak.status_code == 400 and "不能包含用户名" in weak.get_data(as_text=True)
    made = admin.post("/admin/users/new", data={**form, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert made.status_code == 302
    log_in(ctx.test_client(), "zhou", NEW_PASSWORD)


def test_sessions_expire_after_inactivity_and_each_request_renews_them(ctx, client, users, clock, monkeypatch):
    """Flask checks the session cookie's signature age against PERMANENT_SESSION_LIFETIME; without the
    remember-me cookie an idle session is over."""
    import itsdangerous.timed

    wall = {"t": 1_000_000}
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: wall["t"])
    idle = int(ctx.config["PERMANENT_SESSION_LIFETIME"].total_seconds())
    log_in(client, remember=False)
    for _ in range(3):  # active use keeps it alive well past one idle period
        wall["t"] += idle - 60
        assert client.get("/").status_code == 200
    wall["t"] += idle + 60
    assert client.get("/").status_code == 302


def test_cookie_flags_in_production():
    assert timedelta(hours=8) >= Config.PERMANENT_SESSION_LIFETIME
    assert timedelta(days=1) <= Config.REMEMBER_COOKIE_DURATION <= timedelta(days=30)
    for flag in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        assert getattr(ProductionConfig, flag) is True
    for name in ("SESSION", "REMEMBER"):
        assert getattr(Config, f"{name}_COOKIE_HTTPONLY") is True
        assert getattr(Config, f"{name}_COOKIE_SAMESITE") == "Lax"


def test_remember_cookie_is_sent_with_its_flags(ctx, client, users, monkeypatch):
    for flag in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        monkeypatch.setitem(ctx.config, flag, True)
    response = client.post("/login", data={"username": "city", "password": PASSWORD, "remember": "y"},
                           base_url="https://localhost")
    headers = {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}
    for name in ("session", "remember_token"):
        flags = headers[name].lower()
        assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags, headers[name]
    assert "max-age=1209600" in headers["remember_token"].lower() or "expires=" in headers["remember_token"].lower()
