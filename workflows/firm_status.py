"""Registration status and list markers of a firm: 注销/吊销/迁出 (and 恢复存续), 经营异常名录, 严重违法失信名单.

These facts come from outside the bureau's own work (the registration system, the national credit
publicity system, an officer's check), so each change carries the date it took effect and where it was
learnt; both go into the audit event next to the old and new value. A change that would change nothing
(listing a firm already listed) is refused rather than recorded, so the timeline holds only real events.
Who may do it is who may edit the firm (`workflows.firms.can_edit`).
"""

from dataclasses import dataclass
from datetime import date, datetime

from models import Firm
from models.enums import FirmStatus
from workflows.audit import diff, record_event
from workflows.errors import NotPermitted, ValidationFailed
from workflows.firms import can_edit
from workflows.rules.fields import clean_date

SOURCE_MAX = 100
COMMENT_MAX = 2000
# What officers usually name as the source; the field stays free text.
SOURCE_SUGGESTIONS = ("登记系统", "国家企业信用信息公示系统", "人工核实")


@dataclass(frozen=True)
class StatusChange:
    field: str
    value: object
    label: str
    already: str  # why the change is refused when the firm is already there


STATUS_CHANGES: dict[str, StatusChange] = {
    "deregister": StatusChange("status", FirmStatus.DEREGISTERED, "注销", "该企业已是注销状态"),
    "revoke": StatusChange("status", FirmStatus.REVOKED, "吊销", "该企业已是吊销状态"),
    "move_out": StatusChange("status", FirmStatus.MOVED_OUT, "迁出", "该企业已是迁出状态"),
    "restore": StatusChange("status", FirmStatus.ACTIVE, "恢复存续", "该企业已是存续状态"),
    "mark_abnormal": StatusChange("abnormal", True, "列入经营异常名录", "该企业已在经营异常名录中"),
    "clear_abnormal": StatusChange("abnormal", False, "移出经营异常名录", "该企业不在经营异常名录中"),
    "mark_violation": StatusChange("serious_violation", True, "列入严重违法失信名单", "该企业已在严重违法失信名单中"),
    "clear_violation": StatusChange("serious_violation", False, "移出严重违法失信名单",
                                    "该企业不在严重违法失信名单中"),
}


def applicable_changes(firm: Firm) -> list[str]:
    """The change codes that would change something for this firm now, in registry order."""
    return [code for code, change in STATUS_CHANGES.items() if getattr(firm, change.field) != change.value]


def mark_status(
    session,
    firm: Firm,
    change: str,
    *,
    effective_on: date | str | None,
    source: str,
    actor,
    now: datetime,
    today: date,
    comment: str = "",
) -> dict:
    """Apply one status change and write one audit event; returns {field: [old, new]}.

    `effective_on` may be a date or its ISO text (as a form or an import row carries it), so every mistake
    in one request is reported at once.
    """
    if not can_edit(actor, firm.district_code):
        raise NotPermitted("您无权变更该区县企业的状态")
    spec, effective_on, source, comment = _validate(firm, change, effective_on, source, comment, today)
    old = getattr(firm, spec.field)
    if old == spec.value:
        raise ValidationFailed("状态没有变化", fields={"change": spec.already})
    changes = diff(firm, {spec.field: spec.value})
    record_event(
        session, subject_type="firm", subject_id=firm.id, firm_id=firm.id, action="status_change",
        actor=actor, now=now, comment=comment,
        evidence={"change": change, "effective_on": effective_on.isoformat(), "source": source,
                  "changes": changes},
    )
    session.flush()
    return changes


def _validate(firm, change, effective_on, source, comment, today) -> tuple[StatusChange, date, str, str]:
    errors = {}
    spec = STATUS_CHANGES.get(change) if isinstance(change, str) else None
    if spec is None:
        errors["change"] = "请选择状态变更" if not change else f"未知的状态变更：{change}"
    day = None
    if effective_on is None or (isinstance(effective_on, str) and not effective_on.strip()):
        errors["effective_on"] = "请填写生效日期"
    else:
        try:
            day = clean_date(effective_on)
        except ValueError as exc:
            errors["effective_on"] = str(exc)
    if day is not None and day > today:
        errors["effective_on"] = f"生效日期不能晚于今天（{today.isoformat()}）"
    elif day is not None and firm.registered_on and day < firm.registered_on:
        errors["effective_on"] = f"生效日期不能早于成立日期（{firm.registered_on.isoformat()}）"
    source = source.strip() if isinstance(source, str) else ""
    if not source:
        errors["source"] = "请填写来源，如登记系统、国家企业信用信息公示系统或人工核实"
    elif len(source) > SOURCE_MAX:
        errors["source"] = f"来源不能超过{SOURCE_MAX}个字符"
    comment = comment.strip() if isinstance(comment, str) else ""
    if len(comment) > COMMENT_MAX:
        errors["comment"] = f"说明不能超过{COMMENT_MAX}个字符"
    if errors:
        raise ValidationFailed("状态变更信息有误", fields=errors)
    return spec, day, source, comment
