"""What a check is and what it returns; the shapes every check's SQL shares.

A check is a function `run(session, today, policy) -> CheckResult`. It does not write flags: it returns
SELECTs of *hits* (one row per reason a subject is flagged: the rule, its figure, the threshold, the year
of the figures) and the counts of what it examined and skipped. `workflows.checks.flagging` turns the hits
into flags, the same way for every check, so idempotence, resolution and dismissal are written once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Integer, Numeric, Select, String, cast, func, literal, null, select

from models import AnnualIndicator

HIT_COLUMNS = ("kind", "subject_type", "subject_id", "firm_id", "district_code", "period", "rule", "value",
               "threshold", "year", "measured")
Number = Numeric(18, 4)


@dataclass
class CheckResult:
    hits: list[Select] = field(default_factory=list)  # each selects HIT_COLUMNS
    kinds: tuple[str, ...] = ()  # the flag kinds this check owns: those not hit are resolved
    examined: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # reason (Chinese) -> count
    stored: int = 0  # rows a check writes itself (metric snapshots)


@dataclass(frozen=True)
class Check:
    name: str
    label: str
    description: str
    run: Callable[..., CheckResult]
    kinds: tuple[str, ...] = ()
    # The day the scheduler runs it for, from the day it fires (a snapshot is for the day it is taken).
    period_of: Callable[[date], date] = lambda today: today


def hit(selection: Select, *, kind: str, subject_type: str, subject_id, firm_id, district_code, period,
        rule: str, value, threshold=None, year=None, material: bool = True) -> Select:
    """Turn a selection (its FROM and WHERE) into hit rows of HIT_COLUMNS.

    `material`: whether a change of `value` may reopen a dismissed flag (a revenue figure may; the days an
    overdue case has waited grow every day by their nature, and must not undo the officer's dismissal)."""
    return selection.with_only_columns(
        literal(kind).label("kind"),
        literal(subject_type).label("subject_type"),
        subject_id.label("subject_id"),
        firm_id.label("firm_id"),
        district_code.label("district_code"),
        cast(period, String(20)).label("period"),
        literal(rule).label("rule"),
        cast(value, Number).label("value"),
        cast(threshold if threshold is not None else null(), Number).label("threshold"),
        cast(year if year is not None else null(), Integer).label("year"),
        cast(value if material else null(), Number).label("measured"),
        maintain_column_froms=True,
    )


def figures_window(today: date, max_age_years: int) -> tuple[int, int]:
    """The years whose figures count: the last completed year and `max_age_years` before it."""
    last = today.year - 1
    return last - max_age_years, last


def latest_figures(today: date, max_age_years: int):
    """A subquery of (firm_id, year): each firm's latest year of figures inside the window."""
    low, high = figures_window(today, max_age_years)
    return (select(AnnualIndicator.firm_id, func.max(AnnualIndicator.year).label("year"))
            .where(AnnualIndicator.year.between(low, high))
            .group_by(AnnualIndicator.firm_id)
            .subquery("latest"))


def count(session, stmt: Select) -> int:
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0

