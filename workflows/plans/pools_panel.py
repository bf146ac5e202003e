"""The pools panel: fill against target and capacity, nominations decided per month, removals and
graduations by reason, and the pool-hygiene check's open flags.

Pool figures (fill) are the plan's published numbers and are not narrowed by district; the decisions,
endings and flags follow the dashboard's district (by the pool's district for county pools, the firm's for
the city pool, as `metrics_snapshot` counts them).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, literal, select

from models import Firm, Flag, PoolMembership
from models.enums import END_REASON_LABELS, FlagKind
from workflows.plans.window import Scope, day_end
from workflows.pool_queries import PoolFill, pool_fills

HYGIENE_KINDS = (FlagKind.REMOVAL, FlagKind.GRADUATION)
ADMITTED_OUTCOMES = ("admitted", "removed", "graduated")  # decided by admitting
DECIDED = (*ADMITTED_OUTCOMES, "rejected")


@dataclass
class PoolsPanel:
    start: date
    end: date
    fills: list[PoolFill]
    decided: list[dict]  # {"month", "admitted", "rejected"} oldest first
    endings: list[dict]  # {"level", "state", "reason", "reason_label", "count"}
    flags: dict[str, dict[str, int]]  # district -> flag kind -> open flags


def month_of(session, column):
    """The Hangzhou month (YYYY-MM) of a stored UTC time, in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(column + literal("8 hours").cast(_interval()), "YYYY-MM")
    return func.strftime("%Y-%m", column, "+8 hours")


def _interval():
    from sqlalchemy.dialects.postgresql import INTERVAL

    return INTERVAL()


def _grouped(scope: Scope, keys: list, *conditions):
    """(keys..., count) of the memberships meeting the conditions, per keys, within the scope; joined to their
    firm only where the scope reads it. A district's view is the memberships that count for it (its county
    pool's, and the city pool's members among its firms: `PoolMembership.scope_district`, migration 0018), read
    by the district's index range instead of a firm lookup per city member."""
    m = PoolMembership
    stmt = select(*keys).select_from(m)
    if scope.industry or scope.tag:
        stmt = scope.firm_filters(stmt.join(Firm, Firm.id == m.firm_id))
    if scope.district:
        stmt = stmt.where(m.scope_district == scope.district)
    return stmt.where(*conditions).add_columns(func.count()).group_by(*keys)


def decided_per_month(session, scope: Scope, start: date, end: date) -> list[dict]:
    m = PoolMembership
    stmt = _grouped(scope, [month_of(session, m.decided_at).label("month"), m.state.label("state")],
                    m.decided_at >= day_end(date.fromordinal(start.toordinal() - 1)), m.decided_at < day_end(end),
                    m.state.in_(DECIDED))
    months: dict[str, dict] = defaultdict(lambda: {"admitted": 0, "rejected": 0})
    for month_key, state, n in session.execute(stmt):
        months[month_key]["admitted" if state in ADMITTED_OUTCOMES else "rejected"] += n
    return [{"month": k, **v} for k, v in sorted(months.items())]


def endings(session, scope: Scope, start: date, end: date) -> list[dict]:
    m = PoolMembership
    stmt = _grouped(scope, [m.level.label("level"), m.state.label("state"), m.end_reason.label("end_reason")],
                    m.state.in_(("removed", "graduated")),
                    m.ended_at >= day_end(date.fromordinal(start.toordinal() - 1)), m.ended_at < day_end(end))
    rows = sorted(session.execute(stmt), key=lambda r: (r[0], r[1], r[2] or ""))
    return [{"level": level, "state": state, "reason": reason, "reason_label": END_REASON_LABELS.get(reason, reason or "—"),
             "count": n} for level, state, reason, n in rows]


def hygiene_flags(session, scope: Scope) -> dict[str, dict[str, int]]:
    """Open flags per district and kind, and the city's total under '' — the whole city's even on a district's
    dashboard (its row is labelled 全市; other districts' totals are readable, their rows are not shown)."""
    stmt = (select(Flag.district_code, Flag.kind, func.count()).where(Flag.state == "open", Flag.kind.in_(HYGIENE_KINDS))
            .group_by(Flag.district_code, Flag.kind))
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for district, kind, n in session.execute(stmt):
        out[""][kind] = out[""].get(kind, 0) + n
        if not scope.district or district == scope.district:
            out[district][kind] = n
    return out


def build_pools_panel(session, scope: Scope, start: date, end: date) -> PoolsPanel:
    return PoolsPanel(start, end, pool_fills(session), decided_per_month(session, scope, start, end),
                      endings(session, scope, start, end), hygiene_flags(session, scope))
