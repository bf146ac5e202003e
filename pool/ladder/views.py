"""Case pages: open a ladder case from the firm page, read a case, take one of its actions.

Thin, like the API's case routes (`pool/api/cases.py`): look the case up through the actor's scope (another
district's case is 404, never revealed), call ONE workflow function inside the unit of work, redirect. The
case page is the shared workflow-subject page (`pool.subject_page`, `CASE_PAGE` below): a refused action
comes back on it with everything the officer typed, because a lost paragraph of justification is what
makes officers hate a form; a stale form (409) says the case changed and offers to reload.
"""

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user

from models import db
from pool import clock
from pool.auth.views import requires
from pool.ladder import display
from pool.subject_page import SubjectPage, post_action, render
from pool.uow import unit_of_work
from workflows.errors import Duplicate, GuardFailed, ValidationFailed
from workflows.ladder import CASE_LABELS, open_case
from workflows.queries import case_by_id, case_history, firm_by_uscc

bp = Blueprint("ladder", __name__, url_prefix="/cases")


def _actor():
    """The User itself, not Flask-Login's proxy: the engine stores it on audit events."""
    return current_user._get_current_object()


@bp.app_template_global()
def case_open_panel(firm, case_rows):
    """For `ladder/_firm_cases.html`: the opening form the current user may use on this firm, or None."""
    return display.open_panel(current_user, firm, case_rows)


@bp.post("/open/<uscc>")
@requires("case.open")
def open_for_firm(uscc: str):
    firm = firm_by_uscc(db.session, uscc, current_user)
    code = firm.uscc
    kind = (request.form.get("kind") or "").strip()
    if not kind:
        flash("请选择要发起的案件类型。", "danger")
        return redirect(url_for("firms.detail", uscc=code, _anchor="cases-heading"))
    try:
        with unit_of_work():
            case = open_case(db.session, firm, kind, actor=_actor(), now=clock.now(),
                             comment=request.form.get("comment") or "")
    except (GuardFailed, Duplicate, ValidationFailed) as exc:
        flash(_refusal(exc), "danger")
        return redirect(url_for("firms.detail", uscc=code, _anchor="cases-heading"))
    flash(f"已发起{CASE_LABELS[case.kind]}案件。", "success")
    return redirect(url_for(".case", case_id=case.id))


def _refusal(exc) -> str:
    """One line for a flash: a field's own message says it all; reasons follow the summary."""
    if exc.fields:
        return "；".join(exc.fields.values())
    details = [r.message for r in exc.reasons]
    return f"{exc.message}：{'；'.join(details)}" if details else exc.message


@bp.get("/<int:case_id>")
@requires("domain.read")
def case(case_id: int):
    return render(CASE_PAGE, case_by_id(db.session, case_id, current_user))


@bp.post("/<int:case_id>/actions/<action>")
@requires("domain.write")
def act(case_id: int, action: str):
    return post_action(CASE_PAGE, case_by_id(db.session, case_id, current_user), action)


def _history(case, workflow) -> list:
    return display.history(workflow, case_history(db.session, case))


def _context(case) -> dict:
    """The case page's own panel: the firm, the kind, days in this state, the case's attributes."""
    return {"case": case, "firm": case.firm, "kind_label": CASE_LABELS.get(case.kind, case.kind),
            "days": display.days_in_state(case, clock.now()), "attributes": display.attribute_rows(case)}


CASE_PAGE = SubjectPage(
    name="case", record="案件", template="ladder/case.html", endpoint="ladder.case", action_endpoint="ladder.act",
    id_arg="case_id", history=_history, context=_context,
    legend=(("wf-key-current", "当前状态"), ("wf-key-final", "办结"),
            ("wf-key-failure", "放弃/终止（虚线：任一办理中状态均可进入）")),
    # Actions that end a case without success get a quieter button than the ones that move it forward.
    buttons=dict.fromkeys(display.EXIT_ACTIONS, "btn-outline-danger"),
    read_only_note="您的角色只能查看案件，不能办理。", closed_note="案件已结束，无可执行的操作。",
    no_actions_note="当前状态下没有您可执行的操作（审核、注册、上市确认等步骤由市局办理）。",
    badge=lambda case: "text-bg-primary" if case.is_open else "text-bg-secondary",
)
