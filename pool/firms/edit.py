"""The firm editing pages: new firm, edit firm, a year's figures, status changes.

Each POST is thin: the form hands the typed text to ONE workflow function inside the unit of work
(`pool.uow`), which validates it with the API's rules; a refusal rolls the unit back, so a refused form
writes nothing, and its Chinese messages go back beside the fields (`apply_errors`). A save commits once,
redirects to the firm and flashes what changed, in the timeline's words, or "没有修改" (and then no audit
event exists either).

Who may: city staff anywhere, a county officer in their own district; leaders and admins get 403 before
anything is looked up, and an officer asking for another district's firm gets 404 (`firm_by_uscc`).
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from models import AnnualIndicator, District, Firm, db
from pool import clock
from pool.auth.views import requires
from pool.firms.display import change_summary, district_names
from pool.firms.forms import FirmCreateForm, FirmForm, IndicatorForm, StatusForm, apply_errors
from pool.firms.views import bp
from pool.templating import FIELD_LABELS
from pool.uow import unit_of_work
from workflows.errors import Duplicate, NotFound, ValidationFailed
from workflows.firm_status import SOURCE_SUGGESTIONS, STATUS_CHANGES, applicable_changes, mark_status
from workflows.firms import create_firm, put_indicators, update_firm
from workflows.permissions import can, scope_district
from workflows.queries import firm_by_uscc
from workflows.rules.fields import clean_year

FORM_ERRORS = (ValidationFailed, Duplicate)
STATUS_GROUPS = {"status": "登记状态", "abnormal": "经营异常名录", "serious_violation": "严重违法失信名单"}
LABELS = {**FIELD_LABELS, "change": "状态变更", "effective_on": "生效日期", "source": "来源", "comment": "说明",
          "year": "年度"}


def _actor():
    return current_user._get_current_object()


def _officer_district() -> str | None:
    return scope_district(current_user)


def _editable_firm(uscc: str) -> Firm:
    """The firm, if this user may edit it: 404 outside an officer's district, 403 should the rules ever
    say no to someone who can see it."""
    firm = firm_by_uscc(db.session, uscc, current_user)
    if not can(current_user, "firm.edit", firm):
        abort(403)
    return firm


def _districts() -> list[District]:
    return list(db.session.scalars(select(District).order_by(District.sort_order, District.code)))


def _refused(exc, form) -> tuple[object, list[str], int]:
    return exc, apply_errors(form, exc, LABELS), exc.status


def _saved(firm: Firm, changes: dict, prefix: str = "已保存：", suffix: str = ""):
    if changes:
        flash(prefix + change_summary(changes, district_names(db.session)) + suffix, "success")
    else:
        flash("没有修改。", "info")
    return redirect(url_for("firms.detail", uscc=firm.uscc))


# ----------------------------------------------------------------------------------------- the firm


@bp.route("/new", methods=["GET", "POST"])
@requires("firm.edit")
def create():
    form = FirmCreateForm()
    form.set_districts(_districts(), blank=True)
    error, others, status = None, [], 200
    if form.validate_on_submit():
        try:
            with unit_of_work():
                firm = create_firm(db.session, form.firm_data(fixed_district=_officer_district()),
                                   actor=_actor(), now=clock.now())
        except FORM_ERRORS as exc:
            error, others, status = _refused(exc, form)
        else:
            flash(f"已新建企业：{firm.name}（{firm.uscc}）", "success")
            return redirect(url_for("firms.detail", uscc=firm.uscc))
    return render_template("firms/form.html", form=form, firm=None, error=error, others=others,
                           fixed_district=_fixed_district_name()), status


@bp.route("/<uscc>/edit", methods=["GET", "POST"])
@requires("firm.edit")
def edit(uscc: str):
    firm = _editable_firm(uscc)
    form = FirmForm() if request.method == "POST" else FirmForm(data=_firm_values(firm))
    form.set_districts(_districts(), blank=False)
    error, others, status = None, [], 200
    if form.validate_on_submit():
        try:
            with unit_of_work():
                changes = update_firm(db.session, firm, form.firm_data(fixed_district=_officer_district()),
                                      actor=_actor(), now=clock.now(), comment=(form.comment.data or "").strip())
        except FORM_ERRORS as exc:
            error, others, status = _refused(exc, form)
        else:
            return _saved(firm, changes)
    return render_template("firms/form.html", form=form, firm=firm, error=error, others=others,
                           fixed_district=_fixed_district_name()), status


def _firm_values(firm: Firm) -> dict:
    return {"name": firm.name, "legal_form": firm.legal_form, "district": firm.district_code,
            "industry": firm.industry, "registered_on": firm.registered_on.isoformat() if firm.registered_on else "",
            "tags": list(firm.tags or []), "tech_sme": firm.tech_sme, "high_tech": firm.high_tech}


def _fixed_district_name() -> str | None:
    code = _officer_district()
    district = db.session.get(District, code) if code else None
    return district.name if district else code


# ------------------------------------------------------------------------------------ annual figures


@bp.route("/<uscc>/indicators/new", methods=["GET", "POST"])
@requires("firm.edit")
def indicators_new(uscc: str):
    firm = _editable_firm(uscc)
    form = IndicatorForm()
    if not form.is_submitted():
        form.year.data = str(clock.today().year - 1)  # figures are entered for the year just closed
    return _indicator_page(firm, form, None)


@bp.route("/<uscc>/indicators/<int:year>/edit", methods=["GET", "POST"])
@requires("firm.edit")
def indicators_edit(uscc: str, year: int):
    firm = _editable_firm(uscc)
    row = db.session.scalar(select(AnnualIndicator).filter_by(firm_id=firm.id, year=year))
    if row is None:
        raise NotFound(f"未找到{year}年度指标")
    form = IndicatorForm()
    if not form.is_submitted():
        form.fill(row)
    return _indicator_page(firm, form, year)


def _indicator_page(firm: Firm, form: IndicatorForm, year: int | None):
    """New year (year None: the year comes from the form) or one stored year."""
    error, others, status = None, [], 200
    if form.validate_on_submit():
        before = firm.size_class
        try:
            target = year if year is not None else _new_year(firm, form.year.data)
            with unit_of_work():
                row, changes = put_indicators(db.session, firm, target, form.figures(), actor=_actor(),
                                              now=clock.now())
        except FORM_ERRORS as exc:
            error, others, status = _refused(exc, form)
        else:
            if firm.size_class != before:
                changes = {**changes, "size_class": [before, firm.size_class]}
            if year is None and not changes:
                flash(f"已新增{row.year}年度指标（尚未填写数据）。", "success")
                return redirect(url_for("firms.detail", uscc=firm.uscc))
            return _saved(firm, changes, f"已保存{row.year}年度指标：")
    return render_template("firms/indicators_form.html", form=form, firm=firm, year=year, error=error,
                           others=others), status


def _new_year(firm: Firm, text) -> int:
    """A 新增年度 form must not overwrite a year silently: that is what the year's 编辑 link is for."""
    try:
        year = clean_year((text or "").strip(), today=clock.today())
    except ValueError as exc:
        raise ValidationFailed("年度有误", fields={"year": str(exc)}) from None
    if any(row.year == year for row in firm.indicators):
        raise Duplicate(f"{year}年度指标已存在",
                        fields={"year": f"{year}年度已有数据，请在年度指标表中点击该年度的“编辑”修改"})
    return year


# ------------------------------------------------------------------------------------------ status


@bp.route("/<uscc>/status", methods=["GET", "POST"])
@requires("firm.edit")
def status(uscc: str):
    firm = _editable_firm(uscc)
    form = StatusForm()
    form.change.choices = _status_choices(firm)
    if not form.is_submitted():
        form.effective_on.data = clock.today().isoformat()
    error, others, code = None, [], 200
    if form.validate_on_submit():
        change = form.change.data or ""
        try:
            with unit_of_work():
                changes = mark_status(db.session, firm, change, effective_on=form.effective_on.data,
                                      source=form.source.data, comment=form.comment.data, actor=_actor(),
                                      now=clock.now(), today=clock.today())
        except FORM_ERRORS as exc:
            error, others, code = _refused(exc, form)
        else:
            when, source = form.effective_on.data.strip(), form.source.data.strip()
            return _saved(firm, changes, suffix=f"（{STATUS_CHANGES[change].label}，生效日期 {when}，来源 {source}）")
    return render_template("firms/status_form.html", form=form, firm=firm, error=error, others=others,
                           sources=SOURCE_SUGGESTIONS), code


def _status_choices(firm: Firm) -> dict[str, list[tuple[str, str]]]:
    """Only the changes that would change something, grouped by what they change."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for code in applicable_changes(firm):
        spec = STATUS_CHANGES[code]
        groups.setdefault(STATUS_GROUPS[spec.field], []).append((code, spec.label))
    return groups
