"""Guessing is throttled: failed logins per account and per client address, refused API tokens per address.
A throttled page answers 429 in Chinese, the API DESIGN §8's structured error."""

import pytest

from models import LoginEvent
from tests.factories import PASSWORD

OFFICE, ELSEWHERE = {"REMOTE_ADDR": "10.1.1.1"}, {"REMOTE_ADDR": "10.2.2.2"}


def attempt(client, username, password, address=OFFICE):
    return client.post("/login", data={"username": username, "password": password}, environ_base=address)


@pytest.fixture
def limits(ctx, monkeypatch):
    monkeypatch.setitem(ctx.config, "LOGIN_LIMIT_PER_ACCOUNT", "3 per 5 minutes")
    monkeypatch.setitem(ctx.config, "LOGIN_LIMIT_PER_ADDRESS", "6 per 5 minutes")
    monkeypatch.setitem(ctx.config, "API_AUTH_LIMIT_PER_ADDRESS", "4 per minute")


def test_default_limits_stop_a_guessing_run_early(ctx, client, users):
    """Hundreds of wrong passwords at full speed were the finding: now the fifth failure is the last."""
    answers = [attempt(client, "city", f"guess-{n:04d}").status_code for n in range(8)]
    assert answers[:5] == [200] * 5 and set(answers[5:]) == {429}


def test_an_account_is_throttled_after_its_failures_even_with_the_right_password(ctx, users, limits, session):
    client = ctx.test_client()
    for n in range(3):
        assert attempt(client, "city", f"wrong-{n}-password").status_code == 200
    refused = attempt(ctx.test_client(), "City ", PASSWORD, ELSEWHERE)  # same account, whatever the spelling
    assert refused.status_code == 429
    body = refused.get_data(as_text=True)
    assert "该账号登录失败次数过多，请稍后再试" in body and "<html" in body
    assert refused.headers.get("Retry-After")
    assert attempt(ctx.test_client(), "leader", PASSWORD).status_code == 302  # other accounts unaffected
    assert session.query(LoginEvent).filter_by(username="city", result="failure").count() == 3


def test_an_address_is_throttled_across_accounts(ctx, users, limits):
    client = ctx.test_client()
    for n in range(6):
        assert attempt(client, f"user{n}", "not-the-password").status_code == 200
    refused = attempt(client, "leader", PASSWORD)
    assert refused.status_code == 429 and "登录尝试过于频繁" in refused.get_data(as_text=True)
    assert attempt(ctx.test_client(), "leader", PASSWORD, ELSEWHERE).status_code == 302


def test_successful_logins_are_not_counted(ctx, users, limits):
    for _ in range(8):
        client = ctx.test_client()
        assert attempt(client, "city", PASSWORD).status_code == 302


def test_the_window_passes(ctx, users, limits, monkeypatch):
    import time

    for n in range(3):
        attempt(ctx.test_client(), "city", f"wrong-{n}-password")
    assert attempt(ctx.test_client(), "city", PASSWORD).status_code == 429
    later = time.time() + 301
    monkeypatch.setattr(time, "time", lambda: later)
    assert attempt(ctx.test_client(), "city", PASSWORD).status_code == 302


def test_api_token_guessing_is_throttled_per_address(ctx, client, session, users, limits, now):
    from workflows.users import issue_token

    token = issue_token(session, users["city"], now=now)
    session.commit()
    for n in range(4):
        guess = client.get("/api/v1/firms", headers={"Authorization": f"Bearer guess{n}"}, environ_base=OFFICE)
        assert guess.status_code == 401
    refused = client.get("/api/v1/firms", headers={"Authorization": f"Bearer {token}"}, environ_base=OFFICE)
    assert refused.status_code == 429
    error = refused.get_json()["error"]
    assert error["code"] == "rate_limited" and "访问令牌验证失败次数过多" in error["message"]
    assert set(error) == {"code", "message", "fields", "reasons"}
    other = client.get("/api/v1/firms", headers={"Authorization": f"Bearer {token}"}, environ_base=ELSEWHERE)
    assert other.status_code == 200


def test_valid_tokens_are_never_throttled(ctx, client, session, users, limits, now):
    from workflows.users import issue_token

    token = issue_token(session, users["city"], now=now)
    session.commit()
    for _ in range(10):
        assert client.get("/api/v1/pools", headers={"Authorization": f"Bearer {token}"}).status_code == 200
