"""Pool overview, member lists with their Excel export, and the membership page with its actions.

Thin, like the case pages (`pool/ladder/views.py`): look up through the actor's scope, call ONE workflow
function inside the unit of work, redirect; the membership page is the shared workflow-subject page
(`pool.subject_page`, `MEMBERSHIP_PAGE` below). Who sees what (DESIGN §1, `workflows.permissions`):
- city staff and leaders every pool's members; a county officer the city pool (their district's members
  only) and their own county pool — another county's member list is 403 (its figures stay on the
  overview); another district's membership is 404, never revealed;
- leaders read everything and get no buttons (a POST is 403); the admin, who has no domain reads, gets 403
  here and works on the targets page (`pool/pools/targets.py`).
The review queue, the nomination pages and the targets page register their routes on this blueprint from
their own modules (imported at the bottom).
"""

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select

from models import District, db
from models.enums import CULTIVATION_LABELS, PoolLevel
from pool import clock
from pool.auth.views import requires
from pool.exports.views import send_export
from pool.pools import display
from pool.pools.forms import MemberFilterForm
from pool.subject_page import Notice, SubjectPage, post_action, render
from workflows.errors import ValidationFailed
from workflows.membership import act as membership_act
from workflows.membership import eligibility_reasons
from workflows.permissions import can, in_scope, is_scoped
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
from workflows.pools import county_total, get_pool
from workflows.queries import Page, parse_paging

bp = Blueprint("pools", __name__)

LIST_PARAMS = ("q", "state", "cultivation_type", "batch", "district", "per_page")
PARAM_LABELS = {"page": "页码", "per_page": "每页条数"}


def actor():
    """The User itself, not Flask-Login's proxy: the engine stores it on audit events."""
    return current_user._get_current_object()


def may_view_members(user, pool) -> bool:
    return can(user, "pool.members", pool)


def may_nominate(user, pool) -> bool:
    return can(user, "pool.nominate", pool)


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
    offer = any(may_nominate(current_user, p) for p in pools) and in_scope(current_user, firm.district_code)
    return {"memberships": memberships, "may_nominate": offer}


@bp.app_template_global()
def membership_state_label(state: str) -> str:
    return display.state_label(state)


@bp.app_template_global()
def membership_state_badge(state: str) -> str:
    return display.state_badge(state)


@bp.route("/pools/")
@requires("domain.read")
def overview():
    fills = pool_fills(db.session)
    county = [f for f in fills if f.pool.level == PoolLevel.COUNTY]
    return render_template(
        "pools/overview.html", fills=fills, county_total=county_total(),
        city_target=next((f.pool.target for f in fills if f.pool.level == PoolLevel.CITY), None),
        county_target=sum(f.pool.target for f in county), county_admitted=sum(f.admitted for f in county),
        county_pending=sum(f.nominated for f in county),
        may_view=lambda pool: may_view_members(current_user, pool),
        may_nominate=lambda pool: may_nominate(current_user, pool),
        reviewer=can(current_user, "membership.decide"),
    )


def _districts() -> list[District]:
    return list(db.session.scalars(select(District).order_by(District.sort_order, District.code)))


def _filters(pool):
    """Validated filters; a county officer's district is their scope already, and only the city pool
    spans districts, so `district` is dropped otherwise."""
    filters = member_filters(request.args)
    if pool.level != PoolLevel.CITY or is_scoped(current_user):
        filters.pop("district", None)
    return filters


@bp.route("/pools/<int:pool_id>/members")
@requires("domain.read")
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
        district_filter=pool.level == PoolLevel.CITY and not is_scoped(current_user),
        may_nominate=may_nominate(current_user, pool), cultivation_labels=CULTIVATION_LABELS,
        end_reason=display.end_reason,
    ), status


@bp.route("/pools/<int:pool_id>/members/export.xlsx")
@requires("domain.read")
def export_members(pool_id: int):
    """The list as filtered, every page of it; a bad parameter gets the list page's 400, which names it."""
    pool = member_pool(pool_id)
    args = {k: v for k, v in request.args.items() if k != "district" or pool.level == PoolLevel.CITY}
    return send_export("members", {**args, "pool_id": pool.id}, on_invalid=lambda: members(pool_id),
                       name=f"{pool.name}成员", title=pool.name)


# --------------------------------------------------------------------------------- a membership's page


@bp.get("/memberships/<int:membership_id>")
@requires("domain.read")
def membership(membership_id: int):
    return render(MEMBERSHIP_PAGE, membership_by_id(db.session, membership_id, current_user))


@bp.post("/memberships/<int:membership_id>/actions/<action>")
@requires("domain.write")
def membership_action(membership_id: int, action: str):
    """As the case pages (`pool.subject_page`): a refusal comes back on the page with what was typed; a
    colleague's step first is a 409 conflict that offers to reload."""
    return post_action(MEMBERSHIP_PAGE, membership_by_id(db.session, membership_id, current_user), action)


def _membership_context(membership) -> dict:
    """The membership page's own panel: firm and pool, nomination and decision, eligibility checked today."""
    pending = membership.state == "nominated"
    return {
        "membership": membership, "firm": membership.firm, "pool": membership.pool,
        "names": usernames(db.session, [membership]),
        "reasons_now": eligibility_reasons(db.session, membership.firm, clock.today()) if pending else [],
        "cultivation": CULTIVATION_LABELS.get(membership.cultivation_type, ""),
        "end_reason": display.end_reason(membership),
    }


def _four_eyes_notice(membership, user) -> Notice | None:
    if not display.four_eyes(membership, user):
        return None
    return Notice("four-eyes", "需他人审核", "本人推荐的企业须由其他工作人员审核（四眼原则）。")


MEMBERSHIP_PAGE = SubjectPage(
    name="membership", record="入库记录", template="pools/membership.html", endpoint="pools.membership",
    action_endpoint="pools.membership_action", id_arg="membership_id",
    history=lambda membership, workflow: display.history(membership_history(db.session, membership)),
    context=_membership_context, fire=membership_act, changed_verb="处理", flow_heading="入库流程",
    buttons={"admit": "btn-primary", "graduate": "btn-outline-primary"}, default_button="btn-outline-danger",
    badge=lambda membership: display.state_badge(membership.state), notice=_four_eyes_notice,
)


from pool.pools import nominate, review, targets  # noqa: E402, F401  (register their routes on `bp`)
