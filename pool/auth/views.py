"""Login and logout for the pages (Flask-Login sessions); the API uses Bearer tokens instead."""

from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import select

from models import User, db
from pool.auth.forms import LoginForm
from pool.extensions import login_manager
from workflows.permissions import can

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


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
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).filter_by(username=form.username.data.strip()))
        if user is None or not user.active or not user.check_password(form.password.data):
            flash("用户名或密码错误。", "danger")
        else:
            login_user(user, remember=form.remember.data)
            flash(f"欢迎，{user.label}。", "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form, next=request.args.get("next", ""))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash("您已退出登录。", "info")
    return redirect(url_for("auth.login"))


@bp.app_errorhandler(CSRFError)
def csrf_error(exc: CSRFError):
    """A form posted without its token (expired page, another site): refuse it in words a user follows."""
    return render_template("error.html", status=400, message="页面已过期或缺少安全令牌，请刷新页面后重试。",
                           reasons=[]), 400
