"""The review queue: pending nominations oldest first, with the firm's figures and its eligibility checked
again now, decided one at a time or in bulk.

City staff review every pool; a county officer reviews their own county pool only, and sees their own
nominations there marked 需他人审核 without buttons (four eyes: the engine refuses them anyway). Leaders
read the queue; they have no buttons and a POST is 403.

A bulk decision handles each selected nomination in its own transaction — commit after each success,
roll back each failure — so one full pool or one colleague's decision never undoes the others; the
result page lists every item ("成功 N 条，失败 M 条") with the reason of each failure in Chinese.
"""

import re

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from models import District, PoolMembership, db
from models.enums import CULTIVATION_LABELS
from pool import clock, prg
from pool.auth.views import requires
from pool.ladder.forms import parse_version
from pool.pools import display
from pool.pools.forms import ReviewFilterForm
from pool.pools.views import actor, bp
from pool.uow import unit_of_work
from workflows.errors import DomainError, NotFound, ValidationFailed
from workflows.membership import MEMBERSHIP, act
from workflows.permissions import can, is_scoped
from workflows.pool_queries import ReviewFilters, membership_by_id, pool_fills, review_queue, usernames
from workflows.queries import Page, parse_paging
from workflows.rules.text import is_int_text

DECISIONS = ("admit", "reject")
QUEUE_ARGS = ("pool", "q", "district", "decidable", "page", "per_page")  # kept on links and through a POST
MAX_Q = 200
BULK_MAX = 500
ITEM = re.compile(r"([0-9]{1,9}):([0-9]{1,9})")  # ASCII digits, within INTEGER
DONE = {"admit": "已审核入库", "reject": "已不予入库"}


def _reviewable_pools(fills):
    """The pools whose nominations this user's queue holds (a county officer: their own county pool)."""
    if is_scoped(current_user):
        return [f for f in fills if f.pool.district_code == current_user.district_code]
    return fills


def _queue_args(source) -> dict:
    return {k: source[k] for k in QUEUE_ARGS if (source.get(k) or "").strip()}


def _districts() -> list[District]:
    """The district filter's choices: every district for city staff and leaders; an officer's queue is
    their district already, so they get none (and a `district` in the URL is ignored)."""
    if is_scoped(current_user):
        return []
    return list(db.session.scalars(select(District).order_by(District.sort_order, District.code)))


def _filters(args, reviewable, districts) -> ReviewFilters:
    """The queue's filters, validated; a bad one is a ValidationFailed naming it."""
    def text(key):
        return (args.get(key) or "").strip()

    errors = {}
    raw, district, q = text("pool"), text("district"), text("q")
    if raw and (not is_int_text(raw) or int(raw) not in {f.pool.id for f in reviewable}):
        errors["pool"] = f"取值无效：{raw}"
    if district and not is_scoped(current_user) and district not in {d.code for d in districts}:
        errors["district"] = f"取值无效：{district}"
    if len(q) > MAX_Q:
        errors["q"] = f"搜索词不超过{MAX_Q}个字"
    if errors:
        raise ValidationFailed("筛选条件有误", fields=errors)
    return ReviewFilters(pool_id=int(raw) if raw else None, q=q or None,
                         district=district if not is_scoped(current_user) else None,
                         decidable=text("decidable") not in ("", "0", "false"))


def _render_queue(status: int = 200, *, failure=None, bulk_errors=None, bulk_values=None):
    fills = pool_fills(db.session)
    reviewable = _reviewable_pools(fills)
    args = request.args if request.method == "GET" else request.form
    districts = _districts()
    form = ReviewFilterForm.for_request(args, [f.pool for f in reviewable], districts)
    error = None
    try:
        filters = _filters(args, reviewable, districts)
        page_no, per_page = parse_paging(args, default=50, maximum=current_app.config["PER_PAGE_MAX"])
    except ValidationFailed as exc:
        error, status = exc, 400
        page = Page([], 0, 1, 50)
    else:
        page = review_queue(db.session, current_user, clock.today(), filters, page=page_no, per_page=per_page)
    flow = MEMBERSHIP
    decidable = {item.membership.id: {a.name for a in flow.available(item.membership, current_user)} & set(DECISIONS)
                 for item in page.items}
    return render_template(
        "pools/review.html", page=page, form=form, error=error, fills={f.pool.id: f for f in fills},
        decidable=decidable, read_only=not can(current_user, "membership.decide"), failure=failure or {},
        bulk_errors=bulk_errors or {}, bulk_values=bulk_values or {}, query=_queue_args(args),
        page_args={k: v for k, v in _queue_args(args).items() if k != "page"},
        officer=is_scoped(current_user), cultivation_labels=CULTIVATION_LABELS,
        ticked=set(request.form.getlist("items")) if request.method == "POST" else set(),
        names=usernames(db.session, [item.membership for item in page.items]),
        filtered=any(k in _queue_args(args) for k in ("pool", "q", "district", "decidable")),
    ), status


@bp.get("/pools/review")
@requires("domain.read")
def review():
    return _render_queue()


@bp.post("/pools/review/<int:membership_id>/<action>")
@requires("membership.decide")
def decide(membership_id: int, action: str):
    if action not in DECISIONS:
        abort(404)
    membership = membership_by_id(db.session, membership_id, current_user)
    firm_name = membership.firm.name
    version = parse_version(request.form.get("version"))
    values = {"reason": request.form.get("reason")} if action == "reject" else {}
    try:
        with unit_of_work():
            act(db.session, membership, action, actor=actor(), now=clock.now(), expected_version=version,
                comment=request.form.get("comment") or "", values=values)
    except DomainError as exc:
        message = display.refusal(exc, db.session.get(PoolMembership, membership_id), current_user, action)
        failure = {"id": membership_id, "action": action, "message": message,
                   "reason": request.form.get("reason") or "", "errors": exc.fields}
        # Someone who decided first moved the row's version: that is StaleVersion, 409, like any stale copy.
        return _render_queue(exc.status, failure=failure)
    flash(f"{DONE[action]}：{firm_name}", "success")
    return redirect(url_for(".review", **_queue_args(request.form)))


def _bulk_items(raw: list[str]) -> list[tuple[int, int]]:
    """`id:version` per ticked checkbox; anything else means a tampered form: refuse it all."""
    items, seen = [], set()
    for value in raw:
        match = ITEM.fullmatch(value.strip())
        if not match:
            raise ValidationFailed("所选记录有误，请刷新页面后重试", fields={"items": "所选记录有误"})
        membership_id, version = int(match.group(1)), int(match.group(2))
        if membership_id not in seen:
            seen.add(membership_id)
            items.append((membership_id, version))
    if not items:
        raise ValidationFailed("请至少勾选一条推荐", fields={"items": "请至少勾选一条推荐"})
    if len(items) > BULK_MAX:
        raise ValidationFailed(f"一次最多处理{BULK_MAX}条", fields={"items": f"一次最多处理{BULK_MAX}条"})
    return items


@bp.post("/pools/review/bulk")
@requires("membership.decide")
def bulk():
    action = (request.form.get("action") or "").strip()
    comment = request.form.get("comment") or ""
    values = {"reason": request.form.get("reason")} if action == "reject" else {}
    typed = {"action": action, "reason": request.form.get("reason") or "", "comment": comment}
    try:
        if action not in DECISIONS:
            raise ValidationFailed("请选择批量操作", fields={"action": "请选择“审核入库”或“不予入库”"})
        items = _bulk_items(request.form.getlist("items"))
        # A missing reason would fail every item alike: refuse the request before touching any.
        MEMBERSHIP.edge("nominated", action)[1].clean(values)
    except ValidationFailed as exc:
        return _render_queue(400, bulk_errors=exc.fields, bulk_values=typed)
    results = [_decide_one(membership_id, version, action, values, comment) for membership_id, version in items]
    # Post/redirect/get: a reload of the report page shows it again, it never decides a second time.
    return prg.redirect_to(".bulk_result", "bulk_review",
                           {"action": action, "results": results, "query": _queue_args(request.form)})


@bp.get("/pools/review/bulk/<token>")
@requires("membership.decide")
def bulk_result(token: str):
    report = prg.load("bulk_review", token)
    results = report["results"]
    ok = sum(1 for r in results if r["ok"])
    return render_template("pools/bulk_result.html", results=results, ok=ok, failed=len(results) - ok,
                           action_label=DONE[report["action"]], query=report["query"])


def _decide_one(membership_id: int, version: int, action: str, values: dict, comment: str) -> dict:
    """One item of a bulk decision, in its own transaction."""
    result = {"id": membership_id, "ok": False, "firm": None, "uscc": None, "pool": None, "message": ""}
    try:
        with unit_of_work():
            membership = membership_by_id(db.session, membership_id, current_user)
            result.update(firm=membership.firm.name, uscc=membership.firm.uscc, pool=membership.pool.name)
            act(db.session, membership, action, actor=actor(), now=clock.now(), expected_version=version,
                comment=comment, values=values)
    except DomainError as exc:
        current = None if isinstance(exc, NotFound) else db.session.get(PoolMembership, membership_id)
        result["message"] = display.refusal(exc, current, current_user, action)
    else:
        result["ok"] = True
    return result
