"""Logging in and out through the pages: Chinese messages, safe redirects, CSRF on the real form."""

import re

import pytest

from tests.factories import PASSWORD

ROLES = {"admin": "系统管理员", "city": "市局工作人员", "leader": "领导", "xihu": "区县工作人员"}


def login(client, username, password=PASSWORD, next_url=None, **extra):
    url = "/login" if next_url is None else f"/login?next={next_url}"
    return client.post(url, data={"username": username, "password": password, **extra})


def test_login_page_is_chinese_and_self_contained(client):
    response = client.get("/login")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in html
    assert "用户名" in html and "密码" in html and "登录" in html
    assert "培育库与升级跟踪系统" in html
    assert "退出登录" not in html  # no user menu before logging in


@pytest.mark.parametrize("username", sorted(ROLES))
def test_each_role_logs_in_and_sees_its_name_and_role(client, users, username):
    response = login(client, username)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    html = client.get("/").get_data(as_text=True)
    assert ROLES[username] in html
    assert f"欢迎，{username}。" in html
    assert "退出登录" in html


def test_officer_sees_their_district_in_the_navbar(client, users):
    login(client, "xihu")
    html = client.get("/").get_data(as_text=True)
    navbar = html[html.index("<nav"):html.index("</nav>")]
    assert "西湖区" in navbar and "区县工作人员" in navbar


@pytest.mark.parametrize("username,password", [("city", "wrong-password"), ("nobody", PASSWORD)])
def test_wrong_credentials_are_refused_with_one_message(client, users, username, password):
    response = login(client, username, password)
    assert response.status_code == 200
    assert "用户名或密码错误。" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still not logged in


def test_empty_fields_are_named_in_chinese(client, users):
    html = login(client, "", "").get_data(as_text=True)
    assert "请输入用户名" in html and "请输入密码" in html


def test_deactivated_user_cannot_log_in(client, session, users):
    users["city"].active = False
    session.commit()
    assert "用户名或密码错误。" in login(client, "city").get_data(as_text=True)


def test_logout_ends_the_session(client, users):
    login(client, "city")
    assert client.get("/firms/").status_code == 200
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "您已退出登录。" in client.get("/login").get_data(as_text=True)
    assert client.get("/firms/").status_code == 302


def test_logout_is_post_only(client, users):
    login(client, "city")
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200  # a link or image cannot log a user out


def test_pages_redirect_to_login_and_come_back(client, users):
    response = client.get("/firms/?stage=enterprise")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/login?next=")
    form = client.get(location).get_data(as_text=True)
    assert "请先登录。" in form
    action = re.search(r'<form method="post" action="([^"]+)"', form).group(1).replace("&amp;", "&")
    back = client.post(action, data={"username": "city", "password": PASSWORD})
    assert back.headers["Location"] == "/firms/?stage=enterprise"


@pytest.mark.parametrize("target", [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "/%09/evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
])
def test_next_is_honoured_only_for_local_paths(client, users, target):
    response = login(client, "city", next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_logged_in_user_visiting_login_goes_home(client, users):
    login(client, "city")
    response = client.get("/login")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_login_without_csrf_token_is_refused_when_csrf_is_on(csrf_app, users):
    """TestConfig switches CSRF off for convenience; here it is on, as in production."""
    client = csrf_app.test_client()
    refused = client.post("/login", data={"username": "city", "password": PASSWORD})
    assert refused.status_code == 400
    assert "安全令牌" in refused.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not logged in

    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    accepted = client.post("/login", data={"username": "city", "password": PASSWORD, "csrf_token": token})
    assert accepted.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "市局工作人员" in home

    assert client.post("/logout").status_code == 400  # logout without the token is refused too
    logout_token = re.search(r'name="csrf_token" value="([^"]+)"', home).group(1)
    assert client.post("/logout", data={"csrf_token": logout_token}).status_code == 302
