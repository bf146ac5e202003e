"""Eligibility for the 小微 cultivation pools (DESIGN §9): one definition, read by Python and by SQL.

The Hangzhou plan sets pool sizes but no 入库 rules (domain-facts §7.2), so these are the design's rules,
with the 新设 window kept as policy data (`[eligibility] new_firm_months`).

Each rule states its condition twice, side by side: as the reason a reviewer reads about one firm, and as
the SQL condition the target split, the nomination search and the demo fill select firms with. Keeping the
two halves of a rule in one place (and one test that runs both over firms at every boundary) is what keeps
"eligible" meaning the same thing on a review page and in a count of a million firms.
"""

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, exists, or_

from models import AnnualIndicator, Firm
from models.enums import SIZE_LABELS, STAGE_LABELS, STATUS_LABELS, FirmStatus, SizeClass, Stage
from workflows.reasons import Reason

SMALL_CLASSES = (SizeClass.SMALL, SizeClass.MICRO)


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def new_firm_cutoff(today: date, months: int) -> date:
    """The last registration date that is no longer 新设: a firm registered after it is within the window.

    `today` minus `months` calendar months, the day clamped to the month's end (so registered_on > cutoff
    exactly when months_between(registered_on, today) < months).
    """
    year, month0 = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(year, month0 + 1, min(today.day, calendar.monthrange(year, month0 + 1)[1]))


@dataclass(frozen=True)
class Check:
    """What a rule needs besides the firm: the day it is checked on and the 新设 window."""

    today: date
    new_firm_months: int

    @property
    def cutoff(self) -> date:
        return new_firm_cutoff(self.today, self.new_firm_months)


@dataclass(frozen=True)
class Rule:
    code: str
    refuses: Callable[[object, bool, Check], Reason | None]  # (firm, has_indicators, check) -> why not
    holds: Callable[[Check], object]  # SQL: true for the firms this rule lets through


def _stage(firm, has_indicators, check):
    if firm.stage != Stage.ENTERPRISE:
        label = STAGE_LABELS.get(firm.stage, firm.stage)
        return Reason("stage", f"企业阶段为“{label}”，培育库只收规下企业（非个体工商户、未升规）", value=firm.stage)
    return None


def _status(firm, has_indicators, check):
    if firm.status != FirmStatus.ACTIVE:
        return Reason("status", f"登记状态为“{STATUS_LABELS.get(firm.status, firm.status)}”，须为存续",
                      value=firm.status)
    return None


def _abnormal(firm, has_indicators, check):
    return Reason("abnormal", "已列入经营异常名录") if firm.abnormal else None


def _violation(firm, has_indicators, check):
    return Reason("serious_violation", "已列入严重违法失信名单") if firm.serious_violation else None


def _figures(firm, has_indicators, check):
    """With figures, 划型 decides; without, only a firm still inside the 新设 window may enter."""
    if not has_indicators:
        registered = firm.registered_on
        if registered is None or registered <= check.cutoff:
            return Reason("no_indicators", f"缺少年度数据（仅成立{check.new_firm_months}个月内的新设企业可免）",
                          value=registered.isoformat() if registered else None, threshold=check.new_firm_months)
        return None
    if firm.size_class not in SMALL_CLASSES:
        label = SIZE_LABELS.get(firm.size_class, firm.size_class)
        return Reason("size_class", f"企业划型为“{label}”，须为小型或微型", value=firm.size_class)
    return None


def _figures_sql(check: Check):
    has_rows = exists().where(AnnualIndicator.firm_id == Firm.id)
    return or_(and_(has_rows, Firm.size_class.in_(SMALL_CLASSES)), and_(~has_rows, Firm.registered_on > check.cutoff))


RULES = (
    Rule("stage", _stage, lambda check: Firm.stage == Stage.ENTERPRISE),
    Rule("status", _status, lambda check: Firm.status == FirmStatus.ACTIVE),
    Rule("abnormal", _abnormal, lambda check: ~Firm.abnormal),
    Rule("serious_violation", _violation, lambda check: ~Firm.serious_violation),
    Rule("no_indicators", _figures, _figures_sql),
)


def check_eligibility(firm, *, has_indicators: bool, today: date, new_firm_months: int) -> list[Reason]:
    """Every reason this firm may not enter a pool today (empty: eligible)."""
    check = Check(today, new_firm_months)
    return [reason for rule in RULES if (reason := rule.refuses(firm, has_indicators, check)) is not None]


def eligible_clause(today: date, new_firm_months: int):
    """The same rules as one SQL condition over `firms`."""
    check = Check(today, new_firm_months)
    return and_(*(rule.holds(check) for rule in RULES))
