"""Firm list (with its Excel export) and firm detail pages; the editing pages (`pool.firms.edit`) and the
full timeline (`pool.firms.history`) register on the same blueprint.

Both go through the same read queries as the API (`workflows.queries`), so the district scope is the
API's: a county officer's list holds only their district, and another district's firm is "not found".
The editing buttons appear only for users `workflows.permissions` lets edit the firm (`firm.edit`).
"""

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select

from models import District, db
from pool import clock
from pool.auth.views import requires
from pool.exports.views import send_export
from pool.firms.display import case_rows, district_names, ladder_steps, size_note, timeline
from pool.firms.forms import FirmFilterForm
from workflows.errors import ValidationFailed
from workflows.permissions import can, is_scoped
from workflows.queries import (
    FILTERS,
    Page,
    firm_by_uscc,
    firm_cases,
    firm_filters,
    firm_history,
    list_firms,
    parse_paging,
)

bp = Blueprint("firms", __name__, url_prefix="/firms")

# The query parameters a page link may carry over; anything else in the URL is dropped.
LIST_PARAMS = ("q", *FILTERS, "per_page")
PAGING_LABELS = {"page": "页码", "per_page": "每页条数"}


@bp.route("/")
@requires("domain.read")
def index():
    districts = list(db.session.scalars(select(District).order_by(District.sort_order, District.code)))
    form = FirmFilterForm.for_request(request.args, districts)
    officer = is_scoped(current_user)
    error, status = None, 200
    try:
        filters = firm_filters(request.args)
        page_no, per_page = parse_list_paging(request.args)
    except ValidationFailed as exc:
        # A hand-edited URL: say what is wrong above the form and list nothing, rather than guess.
        error, status = exc, 400
        page = Page([], 0, 1, current_app.config["PER_PAGE_DEFAULT"])
    else:
        if officer:
            filters.pop("district", None)  # their district is the scope already, whatever the URL says
        page = list_firms(db.session, current_user, filters, page_no, per_page)
    query = {k: request.args[k] for k in LIST_PARAMS if request.args.get(k, "").strip()}
    if officer:
        query.pop("district", None)
    own_district = next((d for d in districts if d.code == current_user.district_code), None)
    error_rows = [
        (form[name].label.text if name in form else PAGING_LABELS.get(name, name), message)
        for name, message in (error.fields.items() if error else ())
    ]
    return render_template(
        "firms/list.html", form=form, page=page, error=error, error_rows=error_rows, query=query, officer=officer,
        own_district=own_district, filtered=bool(set(query) - {"per_page"}),
        may_create=can(current_user, "firm.edit"),
    ), status


@bp.route("/export.xlsx")
@requires("domain.read")
def export():
    """The firm list (企业名录) as shown, every page of it; a bad filter gets the list page's 400."""
    return send_export("firms", request.args, on_invalid=index)


def parse_list_paging(args) -> tuple[int, int]:
    config = current_app.config
    return parse_paging(args, default=config["PER_PAGE_DEFAULT"], maximum=config["PER_PAGE_MAX"])


@bp.route("/<uscc>")
@requires("domain.read")
def detail(uscc: str):
    firm = firm_by_uscc(db.session, uscc, current_user)
    names = district_names(db.session)
    return render_template(
        "firms/detail.html",
        firm=firm,
        ladder=ladder_steps(firm),
        size_note=size_note(firm),
        cases=case_rows(firm_cases(db.session, firm), clock.now()),
        timeline=timeline(db.session, firm_history(db.session, firm), names),
        may_edit=can(current_user, "firm.edit", firm),
    )


from pool.firms import edit, history  # noqa: E402, F401  (register the editing and timeline routes on `bp`)
