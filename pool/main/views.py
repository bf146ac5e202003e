"""The home page: what each role works on first.

City staff and leaders see the city (every district's firms per ladder rung); a county officer sees their
own district only, through the same `scope_firms` as every list, with their county pool's fill toward its
target and capacity first (the figure their work is judged by); the admin, who has no domain access,
sees the users and how to manage them.
"""

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select

from models import District, UpgradeCase, User, db
from models.enums import FLAG_KIND_LABELS, Role, Stage
from pool.nav import active_section
from workflows.case_flows import CASE_WORKFLOWS
from workflows.inbox.queries import open_counts
from workflows.ladder import CASE_LABELS
from workflows.permissions import can, is_scoped, may_read_domain
from workflows.pool_queries import own_pool_fills
from workflows.queries import firm_counts, scope_firms

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def home():
    if not may_read_domain(current_user):  # the admin: users and tokens, no domain
        return _admin_home()
    counts = firm_counts(db.session, current_user)
    stages = [(s, sum(n for (_code, stage), n in counts.items() if stage == s.value)) for s in Stage]
    officer = is_scoped(current_user)
    return render_template(
        "main/home.html",
        stages=stages,
        total=sum(n for _, n in stages),
        open_cases=_open_cases(),
        district=db.session.get(District, current_user.district_code) if officer else None,
        by_district=None if officer else _by_district(counts),
        flag_counts=_flag_counts(),
        own_pools=own_pool_fills(db.session, current_user),
    )


def _open_cases() -> list[dict]:
    """Open cases per kind and state, in ladder order and each workflow's own state order."""
    rows = db.session.execute(
        scope_firms(select(UpgradeCase.kind, UpgradeCase.state, func.count()).join(UpgradeCase.firm), current_user)
        .where(UpgradeCase.is_open).group_by(UpgradeCase.kind, UpgradeCase.state)
    ).all()
    counts = {(kind, state): n for kind, state, n in rows}
    groups = []
    for kind, workflow in CASE_WORKFLOWS.items():
        states = [(s.label, counts.get((kind, name), 0)) for name, s in workflow.states.items() if not s.final]
        total = sum(n for _, n in states)
        groups.append({"kind": kind, "label": CASE_LABELS[kind], "states": states, "total": total})
    return groups


def _flag_counts() -> list[tuple[str, str, int]] | None:
    """Open flags per kind in the user's scope (工作提醒), each linking to the inbox; None for a role
    that reads no flags."""
    if not can(current_user, "flag.read"):
        return None
    counts = open_counts(db.session, current_user)
    return [(kind.value, label, counts.get(kind.value, 0)) for kind, label in FLAG_KIND_LABELS.items()
            if counts.get(kind.value)]


def _by_district(counts: dict) -> list[dict]:
    """Every district's firms per rung, for the city view; each number links to its list."""
    districts = db.session.scalars(select(District).order_by(District.sort_order, District.code))
    return [
        {"district": d, "counts": [counts.get((d.code, s.value), 0) for s in Stage],
         "total": sum(counts.get((d.code, s.value), 0) for s in Stage)}
        for d in districts
    ]


def _admin_home():
    users = db.session.scalars(select(User).order_by(User.role, User.username)).all()
    names = dict(db.session.execute(select(District.code, District.name)).all())
    return render_template("main/home_admin.html", users=users, district_names=names)


@bp.route("/healthz")
def healthz():
    return {"ok": True}


@bp.app_context_processor
def inject_nav():
    """What the navbar needs on every page, error pages included."""
    district_name = None
    if current_user.is_authenticated and current_user.district_code:
        district = db.session.get(District, current_user.district_code)
        district_name = district.name if district else current_user.district_code
    reads_domain = current_user.is_authenticated and may_read_domain(current_user)
    return {"Role": Role, "nav_district_name": district_name, "nav_reads_domain": reads_domain,
            "nav_active": active_section()}
