"""The admin's pages: create a user, reset a forgotten password, deactivate or reactivate an account, and
read the login log. Each change is one workflow call (`workflows.users`), audited there; a reset and a
deactivation end the user's sessions at once."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from models import District, User, db
from models.enums import LOGIN_REASON_LABELS, LOGIN_RESULT_LABELS, Role
from pool import clock
from pool.auth.forms import CreateUserForm, ResetPasswordForm
from pool.auth.views import requires
from pool.firms.forms import apply_errors
from pool.uow import unit_of_work
from workflows.errors import DomainError, NotFound, ValidationFailed
from workflows.logins import login_events
from workflows.queries import Page, parse_paging
from workflows.users import create_user, reset_password, set_active

bp = Blueprint("admin", __name__, url_prefix="/admin")
LOG_PARAMS = ("username", "result")


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("没有该用户")
    return user


@bp.route("/users/new", methods=["GET", "POST"])
@requires("user.manage")
def new_user():
    form = CreateUserForm()
    districts = db.session.scalars(select(District).order_by(District.sort_order, District.code)).all()
    form.district.choices = [SelectChoice("", "—"), *(SelectChoice(d.code, d.name) for d in districts)]
    if form.validate_on_submit():
        try:
            with unit_of_work() as s:
                user = create_user(s, form.username.data.strip(), form.password.data, form.role.data,
                                   district=form.district.data or None, display_name=form.display_name.data or "",
                                   now=clock.now(), actor=current_user)
        except ValidationFailed as exc:
            for message in apply_errors(form, exc, {}):
                flash(message, "danger")
        else:
            flash(f"已创建用户 {user.username}。", "success")
            return redirect(url_for("main.home"))
    return render_template("admin/new_user.html", form=form, county_role=Role.COUNTY_OFFICER), \
        400 if form.errors else 200


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@requires("user.manage")
def reset(user_id: int):
    user = _user(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            with unit_of_work() as s:
                reset_password(s, user, form.new_password.data, actor=current_user, now=clock.now())
        except ValidationFailed as exc:
            for message in apply_errors(form, exc, {}):
                flash(message, "danger")
        else:
            flash(f"已重置 {user.username} 的密码，其所有登录均已失效。", "success")
            return redirect(url_for("main.home"))
    return render_template("admin/reset_password.html", form=form, user=user), 400 if form.errors else 200


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@requires("user.manage")
def activate(user_id: int):
    """停用 (active=0) ends the user's sessions and refuses their API tokens; 启用 (active=1) undoes it."""
    user = _user(user_id)
    active = request.form.get("active") == "1"
    try:
        with unit_of_work() as s:
            set_active(s, user, active, actor=current_user, now=clock.now())
    except DomainError as exc:
        flash(exc.message, "danger")
    else:
        flash(f"已{'启用' if active else '停用'}用户 {user.username}。", "success")
    return redirect(url_for("main.home"))


@bp.route("/logins")
@requires("login_log.read")
def logins():
    """Who tried to log in, when, from where, and whether it worked (newest first)."""
    query = {k: request.args[k].strip() for k in LOG_PARAMS if request.args.get(k, "").strip()}
    try:
        page_no, per_page = parse_paging(request.args, default=50, maximum=current_app.config["PER_PAGE_MAX"])
        page = login_events(db.session, **query, page=page_no, per_page=per_page)
        error, status = None, 200
    except ValidationFailed as exc:
        page, error, status = Page([], 0, 1, 50), exc, 400
    return render_template("admin/logins.html", page=page, query=query, error=error,
                           results=LOGIN_RESULT_LABELS, reasons=LOGIN_REASON_LABELS), status
