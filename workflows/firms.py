"""Creating and editing firms and their annual figures; every change leaves an audit event."""

from datetime import datetime

from sqlalchemy import select

from models import AnnualIndicator, District, Firm
from models.enums import LEGAL_FORM_STAGE
from workflows.audit import as_json_value, diff, record_event
from workflows.errors import Duplicate, NotPermitted, ValidationFailed
from workflows.permissions import can, in_scope, require
from workflows.policy import default_policy
from workflows.rules.fields import clean_year, validate_firm, validate_indicators
from workflows.rules.size_class import size_class_for
from workflows.timefmt import local_date


def can_edit(actor, district_code: str) -> bool:
    """`permissions.can(actor, "firm.edit", district_code)`: city staff anywhere, an officer in their district."""
    return can(actor, "firm.edit", district_code)


def _require_edit(actor, district_code: str) -> None:
    require(actor, "firm.edit", district_code)


def _check_district(session, code: str) -> None:
    if session.get(District, code) is None:
        raise ValidationFailed("企业信息有误", fields={"district": f"未知的区县代码：{code}"})


def create_firm(session, data: dict, *, actor, now: datetime) -> Firm:
    """A new firm starts on the rung its 组织形式 implies; later only cases move it."""
    clean = validate_firm(data, creating=True, today=local_date(now))
    district = clean.pop("district")
    _check_district(session, district)
    _require_edit(actor, district)
    if session.scalar(select(Firm.id).filter_by(uscc=clean["uscc"])):
        raise Duplicate(f"统一社会信用代码{clean['uscc']}已存在", fields={"uscc": "该代码已登记"})
    firm = Firm(district_code=district, stage=LEGAL_FORM_STAGE[clean["legal_form"]], **clean)
    firm.size_class = size_class_for(default_policy(), firm.industry, None)
    session.add(firm)
    session.flush()
    record_event(
        session, subject_type="firm", subject_id=firm.id, firm_id=firm.id, action="create", actor=actor,
        now=now, evidence={"changes": {k: [None, as_json_value(getattr(firm, k))] for k in _snapshot_keys()}},
    )
    return firm


def _snapshot_keys():
    return ("uscc", "name", "legal_form", "stage", "district_code", "industry", "registered_on", "status",
            "tags", "size_class")


def update_firm(session, firm: Firm, data: dict, *, actor, now: datetime, comment: str = "") -> dict:
    """Apply a partial edit; returns {field: [old, new]} (empty when nothing changed, and then no event)."""
    _require_edit(actor, firm.district_code)
    clean = validate_firm(data, creating=False, today=local_date(now))
    if "district" in clean:
        _check_district(session, clean["district"])
        if not in_scope(actor, clean["district"]):
            raise NotPermitted("区县工作人员不能把企业迁往其他区县")
        clean["district_code"] = clean.pop("district")
    changes = diff(firm, clean)
    if "industry" in changes:
        changes.update(_refresh_size_class(firm))
    if changes:
        record_event(
            session, subject_type="firm", subject_id=firm.id, firm_id=firm.id, action="update", actor=actor,
            now=now, comment=comment, evidence={"changes": changes},
        )
        session.flush()
    return changes


def _refresh_size_class(firm: Firm) -> dict:
    new = size_class_for(default_policy(), firm.industry, firm.latest_indicator)
    return diff(firm, {"size_class": new})


def put_indicators(session, firm: Firm, year, data: dict, *, actor, now: datetime) -> tuple[AnnualIndicator, dict]:
    """Replace one year's figures (PUT semantics: an absent field becomes unknown)."""
    _require_edit(actor, firm.district_code)
    try:
        year = clean_year(year, today=local_date(now))
    except ValueError as exc:
        raise ValidationFailed("年度有误", fields={"year": str(exc)}) from None
    clean = validate_indicators(data)
    full = {k: clean.get(k) for k in ("revenue", "tax", "profit", "employees", "rd_expense", "rd_staff",
                                       "total_assets", "export")}
    row = session.scalar(select(AnnualIndicator).filter_by(firm_id=firm.id, year=year))
    created = row is None
    if created:
        row = AnnualIndicator(firm=firm, year=year)
        session.add(row)
        changes = {k: [None, as_json_value(v)] for k, v in full.items() if v is not None}
        for k, v in full.items():
            setattr(row, k, v)
    else:
        changes = diff(row, full)
    session.flush()
    session.refresh(firm, ["indicators"])
    size_changes = _refresh_size_class(firm)
    if changes or size_changes or created:
        record_event(
            session, subject_type="firm", subject_id=firm.id, firm_id=firm.id,
            action="indicators_create" if created else "indicators_update", actor=actor, now=now,
            evidence={"year": year, "changes": changes, "firm_changes": size_changes},
        )
        session.flush()
    return row, changes
