"""Case pages: open a ladder case from the firm page, read a case, take one of its actions.

Thin, like the API's case routes (`pool/api/cases.py`): look the case up through the actor's scope (another
district's case is 404, never revealed), call ONE workflow function, commit once, redirect. A refused
action is shown again on the case page with everything the officer typed, because a lost paragraph of
justification is what makes officers hate a form:

- guard reasons (422) beside the refused action, field errors (400) beside the fields;
- a conflict (409) when someone else moved the case since the page was drawn. The engine checks the edge
  before the version, so a stale form whose action no longer exists in the new state comes back as an
  IllegalTransition; the page tells both apart by the posted version and calls either one a conflict;
- NotPermitted (403) and unknown actions (404) go to the app's error page.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from models import db
from models.enums import Role
from pool import clock
from pool.auth.views import DOMAIN_READERS, roles_required
from pool.ladder import display
from pool.ladder.diagram import loop_actions, render_svg
from pool.ladder.forms import parse_version, posted_values
from workflows.errors import Duplicate, GuardFailed, IllegalTransition, StaleVersion, ValidationFailed
from workflows.ladder import CASE_LABELS, open_case
from workflows.machine import fire, workflow_for
from workflows.queries import case_by_id, case_history, firm_by_uscc

bp = Blueprint("ladder", __name__, url_prefix="/cases")

WRITERS = (Role.CITY_STAFF, Role.COUNTY_OFFICER)


def _actor():
    """The User itself, not Flask-Login's proxy: the engine stores it on audit events."""
    return current_user._get_current_object()


@bp.app_template_global()
def case_open_panel(firm, case_rows):
    """For `ladder/_firm_cases.html`: the opening form the current user may use on this firm, or None."""
    return display.open_panel(current_user, firm, case_rows)


@bp.post("/open/<uscc>")
@roles_required(*WRITERS)
def open_for_firm(uscc: str):
    firm = firm_by_uscc(db.session, uscc, current_user)
    code = firm.uscc
    kind = (request.form.get("kind") or "").strip()
    if not kind:
        flash("请选择要发起的案件类型。", "danger")
        return redirect(url_for("firms.detail", uscc=code, _anchor="cases-heading"))
    try:
        case = open_case(db.session, firm, kind, actor=_actor(), now=clock.now(),
                         comment=request.form.get("comment") or "")
    except (GuardFailed, Duplicate, ValidationFailed) as exc:
        db.session.rollback()
        flash(_refusal(exc), "danger")
        return redirect(url_for("firms.detail", uscc=code, _anchor="cases-heading"))
    db.session.commit()
    flash(f"已发起{CASE_LABELS[case.kind]}案件。", "success")
    return redirect(url_for(".case", case_id=case.id))


def _refusal(exc) -> str:
    """One line for a flash: a field's own message says it all; reasons follow the summary."""
    if exc.fields:
        return "；".join(exc.fields.values())
    details = [r.message for r in exc.reasons]
    return f"{exc.message}：{'；'.join(details)}" if details else exc.message


@bp.get("/<int:case_id>")
@roles_required(*DOMAIN_READERS)
def case(case_id: int):
    return _render(case_by_id(db.session, case_id, current_user))


@bp.post("/<int:case_id>/actions/<action>")
@roles_required(*WRITERS)
def act(case_id: int, action: str):
    case = case_by_id(db.session, case_id, current_user)
    workflow = workflow_for(case)
    chosen = _action_named(workflow, case.state, action)
    version = parse_version(request.form.get("version"))
    if version is None and chosen is not None:  # an unknown action is left to the engine: 404
        return _render(case, 400, failed=action, message="页面缺少案件版本号，请重新加载后再操作。")
    values = posted_values(chosen, request.form) if chosen else {}
    comment = request.form.get("comment") or ""
    try:
        fire(db.session, case, action, actor=_actor(), now=clock.now(), expected_version=version,
             comment=comment, values=values)
    except (StaleVersion, IllegalTransition) as exc:
        db.session.rollback()
        if isinstance(exc, StaleVersion) or version != case.version:
            return _render(case, 409, failed=action, stale=True)
        return _render(case, exc.status, failed=action, message=exc.message)
    except (GuardFailed, ValidationFailed) as exc:
        db.session.rollback()
        hint = "，原因见下方" if isinstance(exc, GuardFailed) else "，请按提示修改"
        return _render(case, exc.status, failed=action, message=f"未能执行“{chosen.label}”：{exc.message}{hint}。",
                       reasons=exc.reasons, errors=exc.fields)
    db.session.commit()
    flash(f"已执行：{chosen.label}", "success")
    return redirect(url_for(".case", case_id=case.id))


def _action_named(workflow, state: str, name: str):
    """The action as the posted form knew it: from the current state, else wherever the graph has it."""
    found = workflow.edge(state, name)
    if found:
        return found[1]
    return next((d["action"] for _, _, k, d in workflow.graph.edges(keys=True, data=True) if k == name), None)


def _render(case, status: int = 200, *, failed: str | None = None, message: str = "", stale: bool = False,
            reasons=(), errors=None):
    """The case page; after a refusal, the refused action's form keeps what was posted."""
    workflow = workflow_for(case)
    state_label = workflow.states[case.state].label
    actions = workflow.available(case, current_user)
    formdata = request.form if failed else None
    panels = display.action_panels(actions, case.version, failed, formdata, reasons, errors)
    # What was typed for an action the case no longer offers: shown read-only so it can be copied.
    unsent = None
    if failed and failed not in {a.name for a in actions}:
        chosen = _action_named(workflow, case.state, failed)
        unsent = _typed(chosen, request.form)
    history = display.history(workflow, case_history(db.session, case))
    return render_template(
        "ladder/case.html",
        case=case,
        firm=case.firm,
        kind_label=CASE_LABELS.get(case.kind, case.kind),
        state_label=state_label,
        days=display.days_in_state(case, clock.now()),
        attributes=display.attribute_rows(case),
        diagram=render_svg(workflow, case.state),
        loops=loop_actions(workflow),
        panels=panels,
        read_only=current_user.role not in WRITERS,
        history=history,
        stale=stale,
        # A double click or a second tab of one's own also makes a form stale: say whose step came first.
        stale_by_self=stale and bool(history) and history[-1].event.actor_id == current_user.id,
        message=message,
        unsent=unsent,
    ), status


def _typed(action, formdata) -> list[tuple[str, str]]:
    """(label, text) of the non-empty values posted for `action`, comment last."""
    rows = []
    for field in action.fields if action else ():
        value = (formdata.get(field.name) or "").strip()
        if value:
            rows.append((field.label, dict(field.choices).get(value, value)))
    comment = (formdata.get("comment") or "").strip()
    if comment:
        rows.append(("备注", comment))
    return rows

