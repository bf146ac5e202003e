"""Login, logout and the password change for the pages (Flask-Login sessions); the API uses Bearer tokens.

Sessions end for real: the user id in every session and remember-me cookie carries the user's session
generation (`models.User.get_id`), and logout, a password change, an admin's reset and deactivation bump
it, so every cookie issued before (on any device, copied or not) loads no user afterwards. A session ends
after PERMANENT_SESSION_LIFETIME without a request; each request renews it.
"""

from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user, user_loaded_from_cookie
from flask_wtf.csrf import CSRFError

from models import User, db
from pool import clock
from pool.auth.forms import ChangePasswordForm, LoginForm
from pool.extensions import login_manager
from pool.firms.forms import apply_errors
from pool.security.throttle import login_per_account, login_per_address
from pool.uow import unit_of_work
from workflows.errors import ValidationFailed
from workflows.logins import attempt_login
from workflows.logins import logout as end_login
from workflows.permissions import can
from workflows.users import change_password

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(alternative_id: str) -> User | None:
    """The user a cookie names, if the cookie's generation is still the user's and the account active."""
    user_id, _, generation = alternative_id.partition(":")
    if not (user_id.isdigit() and generation.isdigit()):
        return None  # a cookie from before generations (a bare id), or forged
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_generation != int(generation):
        return None
    return user


@user_loaded_from_cookie.connect
def _renew_idle_timer(sender, user) -> None:
    session.permanent = True  # a session restored by "记住我" idles out like any other


def requires(capability: str):
    """A page whose capability (`workflows.permissions`) the user's role lacks answers 403, whatever the
    link that led there; the subject's own checks (district, four eyes) follow in the view or workflow."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not can(current_user, capability):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def _safe_next(target: str | None) -> str:
    """Only a path on this site. Browsers read "/\\host" like "//host" and drop tabs and newlines, so
    backslashes and control or space characters are refused along with anything naming a host."""
    if (
        target and target.startswith("/") and not target.startswith("//")
        and not any(c == "\\" or c.isspace() or ord(c) < 32 for c in target)
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
@login_per_address
@login_per_account
def login():
    """A failure answers 200 with the form again (what the throttle counts); a success redirects."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        with unit_of_work() as s:
            user = attempt_login(s, form.username.data, form.password.data, address=request.remote_addr or "",
                                 now=clock.now())
        if user is None:
            flash("用户名或密码错误。", "danger")
        else:
            session.permanent = True
            login_user(user, remember=form.remember.data)
            flash(f"欢迎，{user.label}。", "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form, next=request.args.get("next", ""))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    with unit_of_work() as s:
        end_login(s, current_user, address=request.remote_addr or "", now=clock.now())
    logout_user()
    flash("您已退出登录。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """The user's own change; afterwards every session of theirs has ended, this one included."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            with unit_of_work() as s:
                change_password(s, current_user, form.current_password.data, form.new_password.data,
                                now=clock.now())
        except ValidationFailed as exc:
            for message in apply_errors(form, exc, {}):
                flash(message, "danger")
        else:
            logout_user()
            flash("密码已修改，所有设备上的登录均已失效，请用新密码重新登录。", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/password.html", form=form), 400 if form.errors else 200


@bp.app_errorhandler(CSRFError)
def csrf_error(exc: CSRFError):
    """A form posted without its token (expired page, another site): refuse it in words a user follows."""
    return render_template("error.html", status=400, message="页面已过期或缺少安全令牌，请刷新页面后重试。",
                           reasons=[]), 400
