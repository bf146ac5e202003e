"""Throttling guesses with Flask-Limiter: the login form per account and per client address, the API's
token check per address.

Only failures count (`deduct_when`): an officer who logs in correctly many times a day is never slowed, but
once an account or an address has used up its failures, every attempt is answered 429 until the window
passes, the right password included, so guessing gains nothing by going on. The limits are config strings
(`LOGIN_LIMIT_PER_ACCOUNT`, `LOGIN_LIMIT_PER_ADDRESS`, `API_AUTH_LIMIT_PER_ADDRESS`, in Flask-Limiter's
notation, e.g. "5 per 5 minutes; 30 per hour"). The client address is the request's remote address:
behind a reverse proxy set PROXY_FIX_HOPS so it is the browser's, not the proxy's.
"""

from flask import Blueprint, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from pool.extensions import limiter

LOGIN_FAILED_STATUS = 200  # the login page re-rendered with its error; a success redirects


def _config(name: str):
    return lambda: current_app.config[name]


def _account() -> str:
    """The account a login form names, as the login compares it: trimmed, case folded."""
    return "account:" + (request.form.get("username") or "").strip().lower()[:40]


def _login_failed(response) -> bool:
    return response.status_code == LOGIN_FAILED_STATUS


def _token_refused(response) -> bool:
    return response.status_code == 401


login_per_account = limiter.limit(_config("LOGIN_LIMIT_PER_ACCOUNT"), key_func=_account, methods=["POST"],
                                  deduct_when=_login_failed, scope="login-account",
                                  error_message="该账号登录失败次数过多，请稍后再试。")
login_per_address = limiter.limit(_config("LOGIN_LIMIT_PER_ADDRESS"), methods=["POST"],
                                  deduct_when=_login_failed, scope="login-address",
                                  error_message="登录尝试过于频繁，请稍后再试。")


def throttle_api_tokens(bp: Blueprint) -> None:
    """Every route of the API shares one count of refused tokens per address."""
    limiter.shared_limit(_config("API_AUTH_LIMIT_PER_ADDRESS"), scope="api-auth", deduct_when=_token_refused,
                         error_message="访问令牌验证失败次数过多，请稍后再试。")(bp)


def install_throttle(app) -> None:
    hops = int(app.config.get("PROXY_FIX_HOPS") or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    limiter.init_app(app)
