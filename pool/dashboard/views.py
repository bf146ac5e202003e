"""领导看板 (`/dashboard`): the plan's scorecard, the ladder funnel, the pools, trends; every number a link to
the list behind it (`/dashboard/list`), the whole page as an Excel workbook (one sheet per panel), a print
stylesheet. Thin: validate the parameters, call `workflows.plans.dashboard.build_dashboard`, render.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from flask import Blueprint, abort, g, render_template, request, url_for
from flask_login import current_user

from models import District, db
from models.enums import TAG_LABELS, Stage
from pool import clock
from pool.auth.views import requires
from pool.dashboard import charts
from pool.dashboard.workbook import dashboard_workbook
from pool.exports.views import send_export
from pool.uow import read_only
from workflows.errors import NotPermitted, ValidationFailed
from workflows.exporting import count_rows, export_kind
from workflows.permissions import is_scoped
from workflows.plans.dashboard import build_dashboard, clean_params
from workflows.plans.drill import TITLES, clean_drill, drill_columns, drill_title, export_name, list_type
from workflows.plans.funnel import SOURCE_RUNG
from workflows.plans.pools_panel import HYGIENE_KINDS
from workflows.plans.scorecard import STATUS_LABELS
from workflows.queries import Page, parse_paging

bp = Blueprint("dashboard", __name__)


def _error(exc: ValidationFailed):
    return render_template("error.html", status=400, message=exc.message,
                           reasons=[{"message": f"{k}：{v}"} for k, v in exc.fields.items()]), 400


def may_list(district: str | None) -> bool:
    """A county officer lists their own district's records only (other districts' totals stay readable)."""
    return not is_scoped(current_user) or district == current_user.district_code


@bp.app_template_global()
def drill_url(**params) -> str | None:
    """The list behind a number, or None where the viewer may not list it (no link is drawn)."""
    if not may_list(params.get("district")):
        return None
    if "drill_base" not in g:  # a page draws some 130 of these: route the path once, encode each query
        g.drill_base = url_for("dashboard.drill")
    return f"{g.drill_base}?{urlencode({k: v for k, v in params.items() if v not in (None, '')})}"


@bp.route("/dashboard")
@requires("plan.read")
def index():
    with read_only():
        try:
            params = clean_params(db.session, request.args, current_user, clock.today())
        except ValidationFailed as exc:
            return _error(exc)
        board = build_dashboard(db.session, params, today=clock.today(), now=clock.now())
        return render_template("dashboard/index.html", board=board, params=params, args=params.args(),
                               charts=charts.chart_data(board), status_labels=STATUS_LABELS,
                               officer=is_scoped(current_user))


@bp.route("/dashboard/export.xlsx")
@requires("plan.read")
def export():
    with read_only():
        try:
            params = clean_params(db.session, request.args, current_user, clock.today())
        except ValidationFailed as exc:
            return _error(exc)
        board = build_dashboard(db.session, params, today=clock.today(), now=clock.now())
        return dashboard_workbook(board, f"领导看板_{clock.today().isoformat()}.xlsx")


@bp.route("/dashboard/list")
@requires("plan.read")
def drill():
    try:
        params = clean_drill(request.args)
        page, per_page = parse_paging(request.args, default=50)
    except ValidationFailed as exc:
        return _error(exc)
    if not may_list(params["district"]):
        raise NotPermitted("区县工作人员只能查看本区县的企业名单；其他区县和全市只看汇总数")
    if request.args.get("format") == "xlsx":
        args = {k: v for k, v in params.items() if v is not None}
        return send_export(export_name(params), args, name=drill_title(params), title=TITLES[list_type(params)])
    with read_only():
        total = count_rows(db.session, export_name(params), current_user, params)
        spec = export_kind(export_name(params))
        stmt = spec.statement(current_user, params).limit(per_page).offset((page - 1) * per_page)
        items = [spec.row(row, params) for row in db.session.execute(stmt)]
        if page > 1 and not items and total:
            abort(404)
        query = {k: v for k, v in request.args.items() if k not in ("page", "format")}
        return render_template("dashboard/list.html", params=params, title=drill_title(params),
                               columns=drill_columns(params), page=Page(items, total, page, per_page), query=query)


@bp.app_template_filter("figure")
def figure_filter(value) -> str:
    """A plan figure as read: thousands separated, no trailing zeros (165,000; 2.5; 12.34)."""
    if value is None:
        return "—"
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number.quantize(Decimal('0.01')).normalize():,f}"


@bp.app_template_filter("district_name")
def district_name(code) -> str:
    district = db.session.get(District, code) if code else None
    return district.name if district else (code or "全市")


@bp.app_context_processor
def dashboard_words():
    return {"stages": list(Stage), "source_rung": SOURCE_RUNG, "tag_choices": list(TAG_LABELS.items()),
            "hygiene_kinds": HYGIENE_KINDS}
