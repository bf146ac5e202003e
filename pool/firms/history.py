"""A firm's full timeline (变更记录): every audit event of the firm, its cases and its pool memberships,
newest first, filtered by kind and action. Registered on the firms blueprint (`pool.firms.views`).

The firm is looked up through the actor's scope (`workflows.queries.firm_by_uscc`), so another district's
firm is "not found"; the kind and action filters are codes, checked here, and a bad one gets a 400 page
that names it.
"""

import re

from flask import current_app, render_template, request
from flask_login import current_user

from models import db
from pool.auth.views import requires
from pool.campaigns import display as star_words
from pool.firms.display import CASE_OPEN, FIRM_ACTIONS, SUBJECT_LABELS, district_names
from pool.firms.display import timeline as timeline_entries
from pool.firms.forms import TimelineFilterForm
from pool.firms.views import PAGING_LABELS, bp, parse_list_paging
from pool.inbox.display import FLAG_ACTIONS
from pool.pools.display import MEMBERSHIP_ACTIONS
from workflows.case_flows import CASE_WORKFLOWS
from workflows.errors import ValidationFailed
from workflows.machine import REGISTRY
from workflows.queries import Page, firm_by_uscc, firm_history_facets, firm_history_page

# Timeline record kinds, by AuditEvent.subject_type; kinds not named here still appear, under their code.
TIMELINE_KINDS = {"firm": "企业信息", "case": "升级案件", "membership": "入库"}
CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")


def action_label(subject_type: str, action: str) -> str:
    """An action code in words, for the timeline's filter: the workflows' own labels where they exist."""
    if subject_type == "firm":
        return FIRM_ACTIONS.get(action, action)
    if subject_type == "case" and action == "open":
        return CASE_OPEN
    if subject_type == "membership" and action in MEMBERSHIP_ACTIONS:
        return MEMBERSHIP_ACTIONS[action]
    if subject_type == "flag" and action in FLAG_ACTIONS:
        return FLAG_ACTIONS[action]
    if subject_type == "campaign_entry":
        return star_words.action_label(subject_type, action)
    workflows = CASE_WORKFLOWS.values() if subject_type == "case" else \
        [REGISTRY[subject_type]] if subject_type in REGISTRY else []
    labels = []
    for workflow in workflows:
        for _, _, key, data in workflow.graph.edges(keys=True, data=True):
            if key == action and data["action"].label not in labels:
                labels.append(data["action"].label)
    return "／".join(labels) or action


def timeline_choices(facets: list[tuple[str, str]], kind: str | None):
    """Kinds: the three known ones, then any other the firm's history holds. Actions: those the history
    holds (of the chosen kind), each with its label(s)."""
    kinds = dict(TIMELINE_KINDS)
    for subject_type, _ in sorted(facets):
        kinds.setdefault(subject_type, SUBJECT_LABELS.get(subject_type, subject_type))
    actions: dict[str, list[str]] = {}
    for subject_type, action in sorted(facets):
        if kind and subject_type != kind:
            continue
        text = action_label(subject_type, action)
        if text not in actions.setdefault(action, []):
            actions[action].append(text)
    return list(kinds.items()), sorted(((a, "／".join(t)) for a, t in actions.items()), key=lambda c: c[1])


@bp.route("/<uscc>/timeline")
@requires("domain.read")
def timeline(uscc: str):
    """Every audit event of the firm, its cases and its pool memberships, newest first."""
    firm = firm_by_uscc(db.session, uscc, current_user)
    kind = (request.args.get("kind") or "").strip() or None
    action = (request.args.get("action") or "").strip() or None
    kinds, actions = timeline_choices(firm_history_facets(db.session, firm), kind)
    form = TimelineFilterForm.for_request(request.args, kinds, actions)
    error, status, entries = None, 200, []
    try:
        errors = {name: "取值无效" for name, value in (("kind", kind), ("action", action))
                  if value and not CODE.fullmatch(value)}
        if errors:
            raise ValidationFailed("筛选条件有误", fields=errors)
        page_no, per_page = parse_list_paging(request.args)
    except ValidationFailed as exc:
        error, status = exc, 400
        page = Page([], 0, 1, current_app.config["PER_PAGE_DEFAULT"])
    else:
        page = firm_history_page(db.session, firm, kinds={kind} if kind else None,
                                 actions={action} if action else None, page=page_no, per_page=per_page)
        entries = timeline_entries(db.session, page.items, district_names(db.session))
    query = {k: v for k, v in (("kind", kind), ("action", action)) if v and not error}
    if request.args.get("per_page") and not error:
        query["per_page"] = request.args["per_page"]
    error_rows = [(PAGING_LABELS.get(name) or (form[name].label.text if name in form else name), message)
                  for name, message in (error.fields.items() if error else ())]
    return render_template(
        "firms/timeline.html", firm=firm, entries=entries, page=page, form=form, query=query, error=error,
        error_rows=error_rows, kind_labels=dict(kinds), filtered=bool(kind or action),
    ), status
