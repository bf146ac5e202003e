"""工作提醒 (inbox): each officer's open flags, the flag page, and the actions that work a flag.

Thin, like the case and pool pages: look the flag up through the actor's scope (another district's flag is
404, never revealed), call ONE function of `workflows.inbox.actions` inside the unit of work — which does the
domain action and marks the flag acted together — then redirect. A refusal (a colleague was first, the firm
no longer qualifies, a dismissal without a reason) draws the flag page again with what was typed and why.
Who sees what: `flag.read` (city staff city-wide, county officers their district, leaders read-only),
`flag.act` to act (leaders get no buttons, and a POST is 403); the admin has neither.
The checks pages (`pool.inbox.checks`) register on this blueprint too.
"""

from dataclasses import replace

from flask import (
    Blueprint,
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from models import District, db
from models.enums import FLAG_KIND_LABELS, FlagState
from pool import clock
from pool.auth.views import _safe_next, requires
from pool.inbox import display
from pool.inbox.forms import DismissForm, EndMembershipForm, InboxFilterForm, OpenCaseForm
from pool.uow import unit_of_work
from workflows.checks.registry import kind_owner
from workflows.errors import (
    Duplicate,
    GuardFailed,
    IllegalTransition,
    PoolFull,
    StaleVersion,
    ValidationFailed,
)
from workflows.inbox.actions import (
    END_REASONS,
    dismiss_flag,
    end_membership_for,
    offered,
    open_case_for,
    subject_of,
)
from workflows.inbox.queries import (
    firm_live_flags,
    flag_by_id,
    flag_filters,
    flag_history,
    list_flags,
    open_counts,
    open_total,
)
from workflows.ladder import CASE_LABELS
from workflows.permissions import can, is_scoped
from workflows.queries import Page, parse_paging
from workflows.rules.text import is_int_text

bp = Blueprint("inbox", __name__)

LIST_PARAMS = ("kind", "district", "q", "firm")
PARAM_LABELS = {"page": "页码", "per_page": "每页条数", "kind": "提醒类型", "district": "所属区县", "q": "名称或代码"}
REFUSED = (StaleVersion, IllegalTransition, GuardFailed, Duplicate, ValidationFailed, PoolFull)


def actor():
    """The User itself, not Flask-Login's proxy: the engine stores it on audit events."""
    return current_user._get_current_object()


# --- the menu badge and the firm page's panel ---------------------------------------------------------------

@bp.app_template_global()
def nav_flag_count() -> int | None:
    """Open flags in the user's scope, for the menu badge; None for a role that reads no flags. Read once per
    request; a failing database leaves the badge out rather than failing the error page that shows it."""
    if not (current_user.is_authenticated and can(current_user, "flag.read")):
        return None
    if not has_request_context():
        return None
    if not hasattr(request, "nav_flag_count"):  # per request (`g` may outlive one, as in the tests)
        try:
            request.nav_flag_count = open_total(db.session, current_user)
        except SQLAlchemyError:
            db.session.rollback()
            request.nav_flag_count = None
    return request.nav_flag_count


@bp.app_template_global()
def firm_flag_panel(firm) -> dict:
    """For `inbox/_firm_flags.html` on the firm page: the firm's flags that still stand, with their reasons."""
    if not can(current_user, "flag.read", firm):
        return {"rows": [], "may_read": False}
    return {"rows": display.flag_rows(db.session, firm_live_flags(db.session, firm), current_user), "may_read": True}


@bp.app_context_processor
def inject_flag_words():
    return {"flag_state_label": display.state_label, "flag_state_badge": display.state_badge,
            "run_status_label": display.run_status_label, "run_badge": display.run_badge,
            "trigger_label": display.trigger_label, "check_label": display.check_label,
            "count_text": display.count_text}


# --- the list -------------------------------------------------------------------------------------------

def _districts() -> list[District]:
    return list(db.session.scalars(select(District).order_by(District.sort_order, District.code)))


@bp.route("/inbox/")
@requires("flag.read")
def index():
    districts = _districts()
    form = InboxFilterForm.for_request(request.args, districts)
    officer = is_scoped(current_user)
    error, status, filters = None, 200, None
    try:
        filters = flag_filters({k: request.args.get(k, "") for k in LIST_PARAMS})
        config = current_app.config
        page_no, per_page = parse_paging(request.args, default=config["PER_PAGE_DEFAULT"],
                                         maximum=config["PER_PAGE_MAX"])
    except ValidationFailed as exc:
        error, status = exc, 400  # a hand-edited URL: say what is wrong and list nothing, rather than guess
        page = Page([], 0, 1, current_app.config["PER_PAGE_DEFAULT"])
    else:
        filters = replace(filters, status=FlagState.OPEN, district=None if officer else filters.district)
        page = list_flags(db.session, current_user, filters, page_no, per_page)
    counts = open_counts(db.session, current_user, district=filters.district if filters else None)
    rows = display.flag_rows(db.session, page.items, current_user)
    query = {k: v for k, v in (filters.to_args() if filters else {}).items() if k != "status"}
    if request.args.get("per_page") and not error:
        query["per_page"] = request.args["per_page"]
    return render_template(
        "inbox/index.html", form=form, page=page, filters=filters, query=query, error=error, officer=officer,
        error_rows=[(PARAM_LABELS.get(k, k), m) for k, m in (error.fields.items() if error else ())],
        rows=rows, counts=counts, show_actions=any(r.offers or r.may_dismiss for r in rows),
        kinds=[(k.value, label, counts.get(k.value, 0)) for k, label in FLAG_KIND_LABELS.items()],
        total_open=sum(counts.values()), districts={d.code: d.name for d in districts},
        own_district=next((d for d in districts if d.code == current_user.district_code), None),
        base_args={k: v for k, v in query.items() if k not in ("kind", "per_page")},
        next_url=request.full_path.rstrip("?"),
    ), status


# --- one flag -------------------------------------------------------------------------------------------

def _page(flag, *, status: int = 200, message: str = "", reasons=(), stale: bool = False, open_form=None,
          dismiss_form=None, end_forms=None):
    """The flag page; after a refusal, with its message and the refused form as it was posted."""
    history = flag_history(db.session, flag)
    subject = subject_of(db.session, flag)
    given = end_forms or {}
    ends = {a.name: given[a.name] if a.name in given else EndMembershipForm.build(a.name, version=flag.version)
            for a in offered(flag, current_user, subject) if a.name in END_REASONS}
    return render_template(
        "inbox/flag.html", flag=flag, row=display.flag_row(flag, current_user, subject), subject=subject,
        history=[(e, *display.describe(e, flag)[1:], display.event_fields(e)) for e in history],
        check=display.check_label(kind_owner().get(flag.kind, "")), outcome=display.outcome_links(flag),
        open_form=open_form or OpenCaseForm(version=flag.version),
        dismiss_form=dismiss_form or DismissForm(version=flag.version), end_forms=ends,
        may_act=can(current_user, "flag.act", flag), message=message, refusal_reasons=reasons, stale=stale,
        next_url=_next(""),  # the list a one-click action or the "忽略…" link came from
    ), status


def _refused(flag, exc, **forms):
    """A refused action: the flag page again, saying why (the unit of work has rolled back)."""
    db.session.expire_all()  # read the flag as it now is: a colleague may have worked it meanwhile
    if isinstance(exc, StaleVersion):
        message = f"该工作提醒已被他人处理（当前状态：{display.state_label(flag.state)}），请刷新后查看。"
    elif isinstance(exc, ValidationFailed) and exc.fields:
        message = exc.message + "，请按提示填写。"
        for form in forms.values():
            for one in form.values() if isinstance(form, dict) else [form]:
                one.apply(exc)
    else:
        message = exc.message
    return _page(flag, status=exc.status, message=message, reasons=exc.reasons,
                 stale=isinstance(exc, StaleVersion), **forms)


def _version(form) -> int:
    value = (form.version.data or "").strip()
    if not is_int_text(value):
        raise ValidationFailed("页面缺少提醒版本号，请重新加载后再操作")
    return int(value)


def _next(default: str) -> str:
    """Back where the one-click action was pressed (the filtered list), if that is a path on this site."""
    target = request.form.get("next") or request.args.get("next") or ""
    return target if target and _safe_next(target) == target else default


@bp.get("/inbox/<int:flag_id>")
@requires("flag.read")
def flag(flag_id: int):
    return _page(flag_by_id(db.session, flag_id, current_user))


@bp.post("/inbox/<int:flag_id>/open-case")
@requires("flag.act")
def open_case(flag_id: int):
    item = flag_by_id(db.session, flag_id, current_user)
    form = OpenCaseForm(request.form)
    try:
        with unit_of_work():
            case = open_case_for(db.session, item, actor=actor(), now=clock.now(), expected_version=_version(form),
                                 comment=(form.comment.data or "").strip())
    except REFUSED as exc:
        return _refused(item, exc, open_form=form)
    flash(f"已发起{CASE_LABELS[case.kind]}案件 #{case.id}，该提醒已标记为已处理。", "success")
    return redirect(_next(url_for("ladder.case", case_id=case.id)))


@bp.post("/inbox/<int:flag_id>/end/<any(remove, graduate):action>")
@requires("flag.act")
def end_membership(flag_id: int, action: str):
    item = flag_by_id(db.session, flag_id, current_user)
    form = EndMembershipForm.build(action, request.form)
    try:
        with unit_of_work():
            membership = end_membership_for(
                db.session, item, action, reason=form.reason.data or "", actor=actor(), now=clock.now(),
                expected_version=_version(form), comment=(form.comment.data or "").strip())
    except REFUSED as exc:
        return _refused(item, exc, end_forms={action: form})
    flash(f"已{'清退出库' if action == 'remove' else '办理毕业出库'}，该提醒已标记为已处理。", "success")
    return redirect(_next(url_for("pools.membership", membership_id=membership.id)))


@bp.post("/inbox/<int:flag_id>/dismiss")
@requires("flag.act")
def dismiss(flag_id: int):
    item = flag_by_id(db.session, flag_id, current_user)
    form = DismissForm(request.form)
    try:
        with unit_of_work():
            dismiss_flag(db.session, item, reason=form.reason.data, actor=actor(), now=clock.now(),
                         expected_version=_version(form))
    except REFUSED as exc:
        return _refused(item, exc, dismiss_form=form)
    flash("已忽略该提醒；本期数据无明显变化时不再提醒。", "success")
    return redirect(_next(url_for(".index")))


from pool.inbox import checks  # noqa: E402, F401  (the checks pages register on `bp`)
