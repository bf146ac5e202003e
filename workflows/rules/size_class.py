"""划型 (工信部联企业〔2011〕300号): large / medium / small / micro from employees, revenue and assets.

The standard says a firm of a class must meet ALL of that class's lower bounds, otherwise it drops one
class, and a micro firm is below ANY one small bound. Real records are incomplete and two medium rows
were never confirmed, so the rule is three-valued: it answers only what the data proves and says
``unknown`` otherwise, rather than guessing a class that would decide pool eligibility:

- no 划型 row for the industry -> unknown;
- any known indicator below its small bound -> micro, even if other indicators are missing
  (one failure is enough, whatever the others are);
- otherwise a missing indicator the small bounds need -> unknown;
- then top-down: a class whose bounds are all met is the answer; one with a known indicator below
  its bound is passed over; one that cannot be decided (missing indicator) gives unknown;
- a class absent from the policy data (the unconfirmed medium rows) cannot be passed over, so a firm
  that meets small but not large in such a row is unknown: it could be small or medium.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from models.enums import SizeClass

if TYPE_CHECKING:
    from workflows.policy import Policy, SizeRow


_TOP_DOWN = (SizeClass.LARGE, SizeClass.MEDIUM)
INPUTS = ("employees", "revenue", "total_assets")  # the figures 划型 reads: a change to any other needs no 划型


def _meets(bounds: Mapping[str, Decimal], values: Mapping[str, Any]) -> bool | None:
    """True if every bound is met, False if a known value is below one, None if that depends on a gap."""
    missing = False
    for name, bound in bounds.items():
        value = values.get(name)
        if value is None:
            missing = True
        elif value < bound:
            return False
    return None if missing else True


def classify_size(
    row: SizeRow | None,
    *,
    employees: int | None,
    revenue: Decimal | None,
    total_assets: Decimal | None,
) -> SizeClass:
    if row is None:
        return SizeClass.UNKNOWN
    values = {"employees": employees, "revenue": revenue, "total_assets": total_assets}
    small = _meets(row.small, values)
    if small is False:
        return SizeClass.MICRO
    if small is None:
        return SizeClass.UNKNOWN
    for size_class in _TOP_DOWN:
        bounds = row.bounds(size_class)
        if bounds is None:
            return SizeClass.UNKNOWN
        met = _meets(bounds, values)
        if met is None:
            return SizeClass.UNKNOWN
        if met:
            return size_class
    return SizeClass.SMALL


def size_class_for(policy: Policy, industry_code: str | None, indicator: Any | None) -> SizeClass:
    """划型 for a firm from its industry code and an indicator-like object (or None when there is none).

    A firm without an industry code is unknown; a malformed code raises ValueError, since it should have
    been refused when entered.
    """
    if not industry_code:
        return SizeClass.UNKNOWN
    row, _sector = policy.classify_industry(industry_code)
    return classify_size(
        row,
        employees=getattr(indicator, "employees", None),
        revenue=getattr(indicator, "revenue", None),
        total_assets=getattr(indicator, "total_assets", None),
    )
