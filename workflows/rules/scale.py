"""规上/限上 (above-scale) rules: may a 小升规 declaration go ahead for this firm?

Statistics define "above scale" differently per sector (revenue threshold, construction qualification,
every real-estate developer, or nothing at all), so the sector's ``basis`` from policy data picks the
test. The answer is a list of reasons rather than a boolean: an empty list lets the declaration proceed,
anything else is shown to the officer and recorded on the guard failure.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from workflows.reasons import Reason, format_amount

if TYPE_CHECKING:
    from workflows.policy import Policy, ScaleSector

MIN_JUSTIFICATION = 10


class ScaleBasis(StrEnum):
    REVENUE = "revenue"
    QUALIFICATION = "qualification"
    ALL = "all"
    NONE = "none"


def scale_rule(policy: Policy, industry_code: str) -> ScaleSector:
    """The sector whose rule applies to a GB/T 4754 code; raises ValueError for a malformed code."""
    return policy.classify_industry(industry_code)[1]


def _check_revenue(sector: ScaleSector, revenue: Decimal | None) -> list[Reason]:
    threshold = sector.threshold
    if revenue is None:
        message = f"缺少年度营业收入，无法判断是否达到{sector.label_zh}门槛{format_amount(threshold)}万元"
        return [Reason("scale.revenue_missing", message, None, threshold)]
    if revenue < threshold:
        message = (
            f"最近年度营业收入{format_amount(revenue)}万元，"
            f"未达到{sector.label_zh}门槛{format_amount(threshold)}万元"
        )
        return [Reason("scale.revenue_below", message, revenue, threshold)]
    return []


def check_above_scale(
    sector: ScaleSector,
    *,
    revenue: Decimal | None,
    qualification_confirmed: bool = False,
    justification: str | None = None,
) -> list[Reason]:
    """Reasons the declaration may not proceed; empty when it may.

    ``revenue`` is the latest annual figure in 万元 (statistics classify on the previous year).
    """
    basis = ScaleBasis(sector.basis)
    if basis is ScaleBasis.REVENUE:
        return _check_revenue(sector, revenue)
    if basis is ScaleBasis.QUALIFICATION:
        if qualification_confirmed:
            return []
        message = f"{sector.label_zh}须具有总承包或专业承包资质，资质尚未确认"
        return [Reason("scale.qualification", message)]
    if basis is ScaleBasis.ALL:
        return []
    # No statistical rule is known for this sector: a person must take responsibility in writing.
    text = (justification or "").strip()
    if len(text) >= MIN_JUSTIFICATION:
        return []
    message = f"{sector.label_zh}没有规上统计标准，须填写不少于{MIN_JUSTIFICATION}个字的申报说明"
    return [Reason("scale.justification", message, len(text), MIN_JUSTIFICATION)]
