"""The officer's work list ("我的待办"; leaders see it read-only as "案件一览") and its Excel export.

Thin views: validate the query parameters, run one query from `workflows.worklist` (which applies the
district scope), render. The export (`workflows.exporting`'s "worklist" columns, as the CLI and background
jobs write them) runs the very statement the page runs, without the page's LIMIT, so the file holds the
list as shown (same filters, same order, every page).
"""

from dataclasses import replace

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from models import District, db
from pool import clock
from pool.auth.views import requires
from pool.exports.views import send_export
from pool.worklist.forms import WorklistFilterForm
from workflows.errors import ValidationFailed
from workflows.permissions import can, is_scoped
from workflows.queries import Page, parse_paging
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


def list_title() -> str:
    """Those who act on cases work their list; those who only read (leaders) get an overview."""
    return "我的待办" if can(current_user, "domain.write") else "案件一览"


def _paging(args) -> tuple[int, int]:
    config = current_app.config
    return parse_paging(args, default=config["PER_PAGE_DEFAULT"], maximum=config["PER_PAGE_MAX"])


def _error_rows(error: ValidationFailed | None, form) -> list[tuple[str, str]]:
    return [
        (FIELD_NAMES.get(name) or (form[name].label.text if name in form else name), message)
        for name, message in (error.fields.items() if error else ())
    ]


@bp.route("/worklist/")
@requires("domain.read")
def index():
    districts = list(db.session.scalars(select(District).order_by(District.sort_order, District.code)))
    form = WorklistFilterForm.for_request(request.args, districts)
    officer = is_scoped(current_user)
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
        error_rows=_error_rows(error, form), officer=officer,
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
@requires("domain.read")
def export():
    """The list as shown, every page of it. A bad parameter gets the list page's 400, which names it."""
    return send_export("worklist", request.args, on_invalid=index, name=list_title(), title=list_title())

