"""The home page: what each role works on first."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from models import Firm, UpgradeCase, db
from models.enums import Role, Stage
from workflows.queries import scope_firms

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def home():
    if current_user.role == Role.ADMIN:
        return render_template("main/home_admin.html")
    stage_counts = dict(db.session.execute(
        scope_firms(select(Firm.stage, func.count()), current_user).group_by(Firm.stage)
    ).all())
    open_cases = db.session.execute(
        scope_firms(select(UpgradeCase.kind, UpgradeCase.state, func.count()).join(UpgradeCase.firm), current_user)
        .where(UpgradeCase.is_open).group_by(UpgradeCase.kind, UpgradeCase.state)
    ).all()
    return render_template(
        "main/home.html", stages=[(s, stage_counts.get(s.value, 0)) for s in Stage], open_cases=open_cases,
    )


@bp.route("/healthz")
def healthz():
    return {"ok": True}


@bp.app_context_processor
def inject_nav():
    return {"Role": Role}


def login_redirect():  # pragma: no cover - used by templates only
    return redirect(url_for("auth.login"))
