"""Pool overview, member lists with their Excel export, and the membership page with its actions.

Thin, like the case pages (`pool/ladder/views.py`): look up through the actor's scope, call ONE workflow
function, commit once, redirect. Who sees what (DESIGN §1):
- city staff and leaders every pool's members; a county officer the city pool (their district's members
  only) and their own county pool — another county's member list is 403 (its figures stay on the
  overview); another district's membership is 404, never revealed;
- leaders read everything and get no buttons (a POST is 403); the admin, who has no domain reads, gets 403
  here and works on the targets page (`pool/pools/targets.py`).
The review queue, the nomination pages and the targets page register their routes on this blueprint from
their own modules (imported at the bottom).
"""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from models import District, db
from models.enums import CULTIVATION_LABELS, PoolLevel, Role
from pool import clock
from pool.auth.views import DOMAIN_READERS, roles_required
from pool.exports.views import send_export
from pool.ladder.diagram import render_svg
from pool.ladder.display import action_panels
from pool.ladder.forms import parse_version, posted_values
from pool.pools import display
from pool.pools.forms import MemberFilterForm
from workflows.errors import GuardFailed, IllegalTransition, PoolFull, StaleVersion, ValidationFailed
from workflows.machine import workflow_for
from workflows.membership import act as membership_act
from workflows.membership import eligibility_reasons
from workflows.pool_queries import (
    firm_memberships,
    list_members,
    member_filters,
    membership_by_id,
    membership_history,
    nomination_pools,
    pool_fill,
    pool_fills,
    usernames,
)
from workflows.pools import get_pool
from workflows.queries import Page, parse_paging

bp = Blueprint("pools", __name__)

WRITERS = (Role.CITY_STAFF, Role.COUNTY_OFFICER)
REVIEWERS = WRITERS
LIST_PARAMS = ("q", "state", "cultivation_type", "batch", "district", "per_page")
PARAM_LABELS = {"page": "页码", "per_page": "每页条数"}


def actor():
    """The User itself, not Flask-Login's proxy: the engine stores it on audit events."""
    return current_user._get_current_object()


def may_view_members(user, pool) -> bool:
    if user.role != Role.COUNTY_OFFICER:
        return user.role in DOMAIN_READERS
    return pool.level == PoolLevel.CITY or pool.district_code == user.district_code


def may_nominate(user, pool) -> bool:
    if user.role == Role.CITY_STAFF:
        return True
    return user.role == Role.COUNTY_OFFICER and (pool.level == PoolLevel.CITY or pool.district_code == user.district_code)


def member_pool(pool_id: int):
    pool = get_pool(db.session, pool_id)
    if not may_view_members(current_user, pool):
        abort(403)
    return pool


@bp.app_template_global()
def firm_pool_panel(firm):
    """For `pools/_firm_pools.html` on the firm page: the firm's memberships and whether to offer 推荐入库."""
    memberships = firm_memberships(db.session, firm)
    pools, _ = nomination_pools(db.session, firm)
    offer = (current_user.role in WRITERS and any(may_nominate(current_user, p) for p in pools)
                and (current_user.role == Role.CITY_STAFF or firm.district_code == current_user.district_code))
    return {"memberships": memberships, "may_nominate": offer}


@bp.app_template_global()
def membership_state_label(state: str) -> str:
    return display.state_label(state)


@bp.app_template_global()
def membership_state_badge(state: str) -> str:
    return display.state_badge(state)


@bp.route("/pools/")
@roles_required(*DOMAIN_READERS)
def overview():
    fills = pool_fills(db.session)
    county = [f for f in fills if f.pool.level == PoolLevel.COUNTY]
    return render_template(
        "pools/overview.html", fills=fills,
        county_target=sum(f.pool.target for f in county), county_admitted=sum(f.admitted for f in county),
        county_pending=sum(f.nominated for f in county),
        may_view=lambda pool: may_view_members(current_user, pool),
        may_nominate=lambda pool: may_nominate(current_user, pool),
        reviewer=current_user.role in REVIEWERS,
    )


def _districts() -> list[District]:
    return list(db.session.scalars(select(District).order_by(District.sort_order, District.code)))


def _filters(pool):
    """Validated filters; a county officer's district is their scope already, and only the city pool
    spans districts, so `district` is dropped otherwise."""
    filters = member_filters(request.args)
    if pool.level != PoolLevel.CITY or current_user.role == Role.COUNTY_OFFICER:
        filters.pop("district", None)
    return filters


@bp.route("/pools/<int:pool_id>/members")
@roles_required(*DOMAIN_READERS)
def members(pool_id: int):
    pool = member_pool(pool_id)
    form = MemberFilterForm.for_request(request.args, _districts())
    config = current_app.config
    error, status, names = None, 200, {}
    try:
        filters = _filters(pool)
        page_no, per_page = parse_paging(request.args, default=config["PER_PAGE_DEFAULT"],
                                         maximum=config["PER_PAGE_MAX"])
    except ValidationFailed as exc:
        error, status, filters = exc, 400, {}
        page = Page([], 0, 1, config["PER_PAGE_DEFAULT"])
    else:
        page = list_members(db.session, current_user, pool.id, filters, page_no, per_page)
        names = usernames(db.session, page.items)
    query = {k: request.args[k] for k in LIST_PARAMS if request.args.get(k, "").strip()}
    if "district" not in filters:
        query.pop("district", None)
    error_rows = [(form[n].label.text if n in form else PARAM_LABELS.get(n, n), m)
                  for n, m in (error.fields.items() if error else ())]
    return render_template(
        "pools/members.html", pool=pool, fill=pool_fill(db.session, pool), form=form, page=page, names=names,
        query=query, export_args={k: v for k, v in query.items() if k != "per_page"}, error=error,
        error_rows=error_rows, show_district=pool.level == PoolLevel.CITY,
        district_filter=pool.level == PoolLevel.CITY and current_user.role != Role.COUNTY_OFFICER,
        may_nominate=may_nominate(current_user, pool), cultivation_labels=CULTIVATION_LABELS,
        end_reason=display.end_reason,
    ), status


@bp.route("/pools/<int:pool_id>/members/export.xlsx")
@roles_required(*DOMAIN_READERS)
def export_members(pool_id: int):
    """The list as filtered, every page of it; a bad parameter gets the list page's 400, which names it."""
    pool = member_pool(pool_id)
    args = {k: v for k, v in request.args.items() if k != "district" or pool.level == PoolLevel.CITY}
    return send_export("members", {**args, "pool_id": pool.id}, on_invalid=lambda: members(pool_id),
                       name=f"{pool.name}成员", title=pool.name)


# --------------------------------------------------------------------------------- a membership's page


@bp.get("/memberships/<int:membership_id>")
@roles_required(*DOMAIN_READERS)
def membership(membership_id: int):
    return _render_membership(membership_by_id(db.session, membership_id, current_user))


@bp.post("/memberships/<int:membership_id>/actions/<action>")
@roles_required(*WRITERS)
def membership_action(membership_id: int, action: str):
    """As the case pages: a refusal comes back on the page with what was typed; a colleague's step first is
    a 409 conflict (the posted version tells a stale form from an action this state does not have)."""
    membership = membership_by_id(db.session, membership_id, current_user)
    flow = workflow_for(membership)
    chosen = _action_named(flow, membership.state, action)
    version = parse_version(request.form.get("version"))
    if version is None and chosen is not None:
        return _render_membership(membership, 400, failed=action, message="页面缺少版本号，请重新加载后再操作。")
    values = posted_values(chosen, request.form) if chosen else {}
    try:
        membership_act(db.session, membership, action, actor=actor(), now=clock.now(), expected_version=version,
                       comment=request.form.get("comment") or "", values=values)
    except (StaleVersion, IllegalTransition) as exc:
        db.session.rollback()
        if isinstance(exc, StaleVersion) or version != membership.version:
            return _render_membership(membership, 409, failed=action, stale=True)
        return _render_membership(membership, exc.status, failed=action, message=exc.message)
    except PoolFull as exc:
        db.session.rollback()
        return _render_membership(membership, exc.status, failed=action, message=exc.message)
    except (GuardFailed, ValidationFailed) as exc:
        db.session.rollback()
        hint = "，原因见下方" if isinstance(exc, GuardFailed) else "，请按提示修改"
        return _render_membership(membership, exc.status, failed=action, reasons=exc.reasons, errors=exc.fields,
                                  message=f"未能执行“{chosen.label}”：{exc.message}{hint}。")
    db.session.commit()
    flash(f"已执行：{chosen.label}", "success")
    return redirect(url_for(".membership", membership_id=membership.id))


def _action_named(flow, state: str, name: str):
    found = flow.edge(state, name)
    if found:
        return found[1]
    return next((d["action"] for _, _, k, d in flow.graph.edges(keys=True, data=True) if k == name), None)


def _render_membership(membership, status: int = 200, *, failed=None, message="", stale=False, reasons=(),
                       errors=None):
    flow = workflow_for(membership)
    actions = flow.available(membership, current_user)
    panels = action_panels(actions, membership.version, failed, request.form if failed else None, reasons, errors)
    events = membership_history(db.session, membership)
    return render_template(
        "pools/membership.html", membership=membership, firm=membership.firm, pool=membership.pool,
        state_label=display.state_label(membership.state), panels=panels,
        read_only=current_user.role not in WRITERS, four_eyes=display.four_eyes(membership, current_user),
        history=display.history(events), names=usernames(db.session, [membership]),
        reasons_now=eligibility_reasons(db.session, membership.firm, clock.today())
        if membership.state == "nominated" else [],
        diagram=render_svg(flow, membership.state), cultivation=CULTIVATION_LABELS.get(membership.cultivation_type, ""),
        end_reason=display.end_reason(membership), stale=stale, message=message,
        stale_by_self=stale and bool(events) and events[-1].actor_id == current_user.id,
    ), status


from pool.pools import nominate, review, targets  # noqa: E402, F401  (register their routes on `bp`)
