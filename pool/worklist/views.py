"""The officer's work list ("我的待办"; leaders see it read-only as "案件一览"), its Excel export, and a
firm's full timeline.

Thin views: validate the query parameters, run one query from `workflows.worklist` / `workflows.queries`
(which apply the district scope), render. The export runs the very statement the page runs, without
the page's LIMIT, so the file holds the list as shown (same filters, same order, every page).
"""

import re
from dataclasses import replace

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from models import District, db
from models.enums import Role
from pool import clock
from pool.auth.views import DOMAIN_READERS, roles_required
from pool.firms.display import CASE_OPEN, FIRM_ACTIONS, SUBJECT_LABELS, district_names, timeline
from pool.imports.export_views import send_export
from pool.pools.display import MEMBERSHIP_ACTIONS
from pool.worklist.forms import TimelineFilterForm, WorklistFilterForm
from workflows.case_flows import CASE_WORKFLOWS
from workflows.errors import ValidationFailed
from workflows.machine import REGISTRY
from workflows.queries import Page, firm_by_uscc, firm_history_facets, firm_history_page, parse_paging
from workflows.worklist import (
    SORTS,
    worklist_filters,
    worklist_page,
    worklist_summary,
)

bp = Blueprint("worklist", __name__)

LIST_PARAMS = ("kind", "state", "district", "q", "min_days", "sort", "dir", "per_page")
FIELD_NAMES = {"page": "页码", "per_page": "每页条数", "sort": "排序", "dir": "顺序"}
# The direction a column sorts in when first clicked: most days / newest / 甲→乙.
FIRST_DIRECTION = {"days": "desc", "opened": "desc", "name": "asc"}
# Timeline record kinds, by AuditEvent.subject_type; kinds not named here still appear, under their code.
TIMELINE_KINDS = {"firm": "企业信息", "case": "升级案件", "membership": "入库"}
CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")


def list_title() -> str:
    return "案件一览" if current_user.role == Role.LEADER else "我的待办"


def _paging(args) -> tuple[int, int]:
    config = current_app.config
    return parse_paging(args, default=config["PER_PAGE_DEFAULT"], maximum=config["PER_PAGE_MAX"])


def _error_rows(error: ValidationFailed | None, form) -> list[tuple[str, str]]:
    return [
        (FIELD_NAMES.get(name) or (form[name].label.text if name in form else name), message)
        for name, message in (error.fields.items() if error else ())
    ]


def case_linker():
    """Case pages belong to the ladder blueprint: link a case when that page is registered, by whatever
    its URL's one argument is called."""
    try:
        rule = next(current_app.url_map.iter_rules("ladder.case"))
    except KeyError:
        return lambda case_id: None
    (argument,) = rule.arguments
    return lambda case_id: url_for("ladder.case", **{argument: case_id})


@bp.route("/worklist/")
@roles_required(*DOMAIN_READERS)
def index():
    districts = list(db.session.scalars(select(District).order_by(District.sort_order, District.code)))
    form = WorklistFilterForm.for_request(request.args, districts)
    officer = current_user.role == Role.COUNTY_OFFICER
    now = clock.now()
    error, status, summary = None, 200, []
    try:
        filters = worklist_filters(request.args)
        page_no, per_page = _paging(request.args)
    except ValidationFailed as exc:
        # A hand-edited URL: say what is wrong above the form and list nothing, rather than guess.
        error, status = exc, 400
        page = Page([], 0, 1, current_app.config["PER_PAGE_DEFAULT"])
        query = {k: request.args[k] for k in LIST_PARAMS if request.args.get(k, "").strip()}
        filters = None
    else:
        if officer:
            filters = replace(filters, district=None)  # their district is the scope, whatever the URL says
        page = worklist_page(db.session, current_user, filters, now, page_no, per_page)
        summary = worklist_summary(db.session, current_user, filters, now)
        query = filters.to_args()
        if request.args.get("per_page"):
            query["per_page"] = str(per_page)
    base = {k: v for k, v in query.items() if k not in ("kind", "state")}
    return render_template(
        "worklist/index.html",
        title=list_title(), form=form, page=page, summary=summary, filters=filters, query=query,
        summary_args=base, sort_links=_sort_links(query, filters), error=error,
        error_rows=_error_rows(error, form), officer=officer, case_url=case_linker(),
        own_district=next((d for d in districts if d.code == current_user.district_code), None),
        export_args={k: v for k, v in query.items() if k != "per_page"},
    ), status


def _sort_links(query: dict, filters) -> dict[str, dict]:
    """Each sortable column header: its link (the same filters, that sort) and its current arrow."""
    links = {}
    for key in SORTS:
        current = filters is not None and filters.sort == key
        direction = ("asc" if filters.direction == "desc" else "desc") if current else FIRST_DIRECTION[key]
        args = {k: v for k, v in query.items() if k not in ("sort", "dir")} | {"sort": key, "dir": direction}
        arrow = ("↓" if filters.direction == "desc" else "↑") if current else ""
        links[key] = {"url": url_for("worklist.index", **args), "arrow": arrow,
                      "aria": ("descending" if filters.direction == "desc" else "ascending") if current else None}
    return links


@bp.route("/worklist/export.xlsx")
@roles_required(*DOMAIN_READERS)
def export():
    """The list as shown, every page of it. A bad parameter gets the list page's 400, which names it."""
    return send_export("worklist", request.args, on_invalid=index, name=list_title(), title=list_title())


def action_label(subject_type: str, action: str) -> str:
    """An action code in words, for the timeline's filter: the workflows' own labels where they exist."""
    if subject_type == "firm":
        return FIRM_ACTIONS.get(action, action)
    if subject_type == "case" and action == "open":
        return CASE_OPEN
    if subject_type == "membership" and action in MEMBERSHIP_ACTIONS:
        return MEMBERSHIP_ACTIONS[action]
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


@bp.route("/firms/<uscc>/timeline")
@roles_required(*DOMAIN_READERS)
def firm_timeline(uscc: str):
    """Every audit event of the firm, its cases and (once they exist) its pool memberships, newest first."""
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
        page_no, per_page = _paging(request.args)
    except ValidationFailed as exc:
        error, status = exc, 400
        page = Page([], 0, 1, current_app.config["PER_PAGE_DEFAULT"])
    else:
        page = firm_history_page(db.session, firm, kinds={kind} if kind else None,
                                 actions={action} if action else None, page=page_no, per_page=per_page)
        entries = timeline(db.session, page.items, district_names(db.session))
    query = {k: v for k, v in (("kind", kind), ("action", action)) if v and not error}
    if request.args.get("per_page") and not error:
        query["per_page"] = request.args["per_page"]
    return render_template(
        "worklist/timeline.html", firm=firm, entries=entries, page=page, form=form, query=query, error=error,
        error_rows=_error_rows(error, form), case_url=case_linker(), kind_labels=dict(kinds),
        filtered=bool(kind or action),
    ), status
