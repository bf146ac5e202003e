"""Eligibility for the 小微 cultivation pools (DESIGN §9), returning every failing reason.

The Hangzhou plan sets pool sizes but no 入库 rules (domain-facts §7.2), so these are the design's rules,
with the 新设 window kept as policy data (`[eligibility] new_firm_months`, default 24).
"""

import calendar
from datetime import date

from models.enums import SIZE_LABELS, STAGE_LABELS, STATUS_LABELS, FirmStatus, SizeClass, Stage
from workflows.reasons import Reason

SMALL_CLASSES = (SizeClass.SMALL, SizeClass.MICRO)


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def new_firm_cutoff(today: date, months: int) -> date:
    """The last registration date that is no longer 新设: a firm registered after it is within the window.

    `today` minus `months` calendar months, the day clamped to the month's end (so registered_on > cutoff
    exactly when months_between(registered_on, today) < months). The SQL count for the target split uses
    the same date, so the split counts exactly the firms a nomination would accept.
    """
    year, month0 = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(year, month0 + 1, min(today.day, calendar.monthrange(year, month0 + 1)[1]))


def check_eligibility(firm, *, has_indicators: bool, today: date, new_firm_months: int = 24) -> list[Reason]:
    reasons = []
    if firm.stage != Stage.ENTERPRISE:
        label = STAGE_LABELS.get(firm.stage, firm.stage)
        reasons.append(Reason("stage", f"企业阶段为“{label}”，培育库只收规下企业（非个体工商户、未升规）",
                              value=firm.stage))
    if firm.status != FirmStatus.ACTIVE:
        reasons.append(Reason("status", f"登记状态为“{STATUS_LABELS.get(firm.status, firm.status)}”，须为存续",
                              value=firm.status))
    if firm.abnormal:
        reasons.append(Reason("abnormal", "已列入经营异常名录"))
    if firm.serious_violation:
        reasons.append(Reason("serious_violation", "已列入严重违法失信名单"))
    if not has_indicators:
        registered = firm.registered_on
        if registered is None or registered <= new_firm_cutoff(today, new_firm_months):
            reasons.append(Reason("no_indicators", f"缺少年度数据（仅成立{new_firm_months}个月内的新设企业可免）",
                                  value=registered.isoformat() if registered else None,
                                  threshold=new_firm_months))
    elif firm.size_class not in SMALL_CLASSES:
        label = SIZE_LABELS.get(firm.size_class, firm.size_class)
        reasons.append(Reason("size_class", f"企业划型为“{label}”，须为小型或微型", value=firm.size_class))
    return reasons
