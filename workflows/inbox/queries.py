"""Reading flags in the actor's scope: the inbox list, its counts, one flag, a firm's live flags.

The scope is the flag's `district_code` (the district of whoever must act), the rule `workflows.permissions`
applies to every subject: a county officer reads their district's flags only, and another district's flag is
"not found" rather than forbidden, as for firms and cases. Counts of open flags group on
(state, district_code, kind) — the columns of `ix_flags_state_district_kind` — so the menu badge drawn on
every page is an index range count, not a table scan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select

from models import AuditEvent, CheckRun, Firm, Flag
from models.enums import FLAG_KIND_LABELS, FLAG_STATE_LABELS, FlagState
from workflows.errors import NotFound, ValidationFailed
from workflows.permissions import require, scope_district
from workflows.queries import Page, name_or_uscc
from workflows.rules.fields import is_district_code

MAX_Q = 200


@dataclass(frozen=True)
class FlagFilters:
    kind: str | None = None
    status: str | None = None  # None: every status (the API); the inbox asks for open ones
    district: str | None = None
    firm: str | None = None  # a USCC
    q: str | None = None  # part of a firm's name, or its whole USCC

    def to_args(self) -> dict[str, str]:
        """The query parameters that reproduce these filters, for page links."""
        return {k: v for k, v in (("kind", self.kind), ("status", self.status), ("district", self.district),
                                  ("firm", self.firm), ("q", self.q)) if v}


def flag_filters(args: Mapping[str, str], *, status: str | None = None) -> FlagFilters:
    """Validate the filters given as query parameters; unknown codes are a 400 naming the parameter."""
    def text(key: str) -> str | None:
        value = args.get(key)
        return value.strip() or None if isinstance(value, str) else None

    errors = {}
    kind = text("kind")
    if kind and kind not in FLAG_KIND_LABELS:
        errors["kind"] = f"未知的提醒类型“{kind}”（可用：{'、'.join(FLAG_KIND_LABELS)}）"
    chosen = text("status") or status
    if chosen and chosen not in FLAG_STATE_LABELS:
        errors["status"] = f"未知的提醒状态“{chosen}”（可用：{'、'.join(FLAG_STATE_LABELS)}）"
    district = text("district")
    if district and not is_district_code(district):
        errors["district"] = "区县代码应为6位数字"
    q = text("q")
    if q and len(q) > MAX_Q:
        errors["q"] = f"搜索词不超过{MAX_Q}个字"
    if errors:
        raise ValidationFailed("筛选条件有误", fields=errors)
    firm = text("firm")
    return FlagFilters(kind, chosen, district, firm.upper() if firm else None, q)


def scope_flags(stmt, actor):
    """County officers see only their own district's flags, on every list, count and lookup."""
    district = scope_district(actor)
    return stmt.where(Flag.district_code == district) if district else stmt


def filtered_flags(actor, filters: FlagFilters):
    stmt = scope_flags(select(Flag), actor)
    if filters.kind:
        stmt = stmt.where(Flag.kind == filters.kind)
    if filters.status:
        stmt = stmt.where(Flag.state == filters.status)
    if filters.district:
        stmt = stmt.where(Flag.district_code == filters.district)
    if filters.firm:
        stmt = stmt.where(Flag.firm_id.in_(select(Firm.id).where(Firm.uscc == filters.firm)))
    if filters.q:
        stmt = stmt.where(Flag.firm_id.in_(select(Firm.id).where(name_or_uscc(filters.q))))
    return stmt


def list_flags(session, actor, filters: FlagFilters, page: int, per_page: int) -> Page:
    """Newest first: what last night's checks found tops the list."""
    stmt = filtered_flags(actor, filters)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.scalars(stmt.order_by(Flag.first_seen_at.desc(), Flag.id.desc())
                           .limit(per_page).offset((page - 1) * per_page)).unique().all()
    return Page(list(rows), total, page, per_page)


def open_counts(session, actor, district: str | None = None) -> dict[str, int]:
    """Open flags per kind in the actor's scope (and `district`, for a city-wide role's filter)."""
    stmt = scope_flags(select(Flag.kind, func.count()).where(Flag.state == FlagState.OPEN), actor)
    if district:
        stmt = stmt.where(Flag.district_code == district)
    return dict(session.execute(stmt.group_by(Flag.kind)).all())


def open_total(session, actor) -> int:
    """The menu badge: one count over the index."""
    stmt = scope_flags(select(func.count()).select_from(Flag).where(Flag.state == FlagState.OPEN), actor)
    return session.scalar(stmt) or 0


def flag_by_id(session, flag_id: int, actor) -> Flag:
    """Another district's flag is "not found" for an officer; a role that reads no flags is refused."""
    require(actor, "flag.read")
    flag = session.scalar(scope_flags(select(Flag), actor).where(Flag.id == flag_id))
    if flag is None:
        raise NotFound("未找到该工作提醒")
    return flag


def firm_live_flags(session, firm: Firm) -> list[Flag]:
    """A firm's flags that still stand (open, acted on, dismissed), newest first; resolved ones are history."""
    return list(session.scalars(select(Flag).where(Flag.firm_id == firm.id, Flag.is_open.is_(True))
                                .order_by(Flag.first_seen_at.desc(), Flag.id.desc())).unique())


def flag_history(session, flag: Flag) -> list[AuditEvent]:
    """The flag's own audit events, oldest first."""
    return list(session.scalars(select(AuditEvent).where(AuditEvent.subject_type == "flag",
                                                         AuditEvent.subject_id == flag.id)
                                .order_by(AuditEvent.at, AuditEvent.id)))


def run_log(session, check: str | None, page: int, per_page: int) -> Page:
    """Check runs, newest first (queued ones on top), optionally of one check."""
    stmt = select(CheckRun)
    if check:
        stmt = stmt.where(CheckRun.check == check)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(CheckRun.id.desc()).limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(rows), total, page, per_page)
