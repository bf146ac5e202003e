"""Writing the planned demo memberships and their audit events in bulk (see ``workflows.demo.pools``).

The rows are what ``membership.nominate`` and ``membership.act`` would have left: the state, version
(1 when nominated, +1 per action, +1 for a city membership ended by the cascade), ``is_active``,
``state_entered_at``, ``decided_by``/``decided_at`` (admit, reject), ``ended_at`` and ``end_reason``; one
event per step with the engine's action names, states, comment and evidence (``fields``/``changes``, the
cascade's ``caused_by``/``consequences``). Each admission also bumps its pool's
``admit_seq``, as the admitting transaction's lock does.
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update

from models import AuditEvent, Pool, PoolMembership
from models.enums import END_REASON_LABELS, EndReason, PoolLevel
from workflows.demo.bulk import BulkInsert

if TYPE_CHECKING:
    from workflows.demo.pools import Member

VERSIONS = {"nominated": 1, "admitted": 2, "rejected": 2, "withdrawn": 2, "removed": 3, "graduated": 3}
ACTIONS = {"removed": ("remove", "清退出库"), "graduated": ("graduate", "毕业出库")}
END_NOTES = {
    EndReason.DEREGISTERED: "企业已注销（吊销），清退出库", EndReason.MOVED_OUT: "企业已迁出本市，清退出库",
    EndReason.VIOLATION: "列入经营异常名录或严重违法失信名单，清退出库",
    EndReason.INELIGIBLE: "连续两年无年度数据，不再符合入库条件", EndReason.SCALED_UP: "已升规，毕业出库",
    EndReason.OUTGREW_SMALL: "企业划型已超出小微，毕业出库",
}


MEMBER_COLUMNS = ("pool_id", "firm_id", "level", "state", "is_active", "cultivation_type", "batch",
                  "nomination_reason", "end_reason", "nominated_by_id", "decided_by_id", "nominated_at",
                  "decided_at", "ended_at", "state_entered_at", "version")
EVENT_COLUMNS = ("subject_id", "firm_id", "action", "from_state", "to_state", "actor_id", "actor_name", "at",
                 "comment", "evidence")


def write_members(session, members: list[Member], now: datetime) -> None:
    """Memberships in order of nomination, then their events in order of time (ids follow time, as live)."""
    members.sort(key=lambda m: (m.nominated_at, m.level, m.firm_id))
    floor = session.scalar(select(func.max(PoolMembership.id))) or 0
    with sqlite_cache(session):
        rows = fast_times(BulkInsert(session, PoolMembership, MEMBER_COLUMNS), MEMBER_COLUMNS)
        rows.execute(session, rows.prepare(member_row(m) for m in members))
        # Read back by range: each firm has at most one membership per level among the new rows.
        ids = {(firm_id, level): i for i, firm_id, level in session.execute(
            select(PoolMembership.id, PoolMembership.firm_id, PoolMembership.level)
            .where(PoolMembership.id > floor))}
        for m in members:
            m.id = ids[(m.firm_id, str(m.level))]
        events = BulkInsert(session, AuditEvent, EVENT_COLUMNS, constants={"subject_type": "membership"})
        fast_times(events, EVENT_COLUMNS)
        shared, slot = Evidence(), EVENT_COLUMNS.index("evidence")
        events.procs[slot] = shared.serialiser(events.procs[slot])
        timeline = sorted((e for m in members for e in member_events(m, shared)), key=lambda e: e[7])  # stable
        events.execute(session, events.prepare(timeline))
    admissions = Counter(m.pool_id for m in members if m.decided_at and m.state != "rejected")
    for pool_id, n in sorted(admissions.items()):  # each admission bumped its pool's lock counter
        session.execute(update(Pool).where(Pool.id == pool_id)
                        .values(admit_seq=Pool.admit_seq + n, updated_at=now))


class Evidence:
    """Evidence objects shared between events that carry the same one, serialised once each (a few hundred
    distinct values among 100,000 events)."""

    def __init__(self):
        self.values: dict[str, dict] = {}
        self.text: dict[int, tuple[dict, str]] = {}

    def __call__(self, **items) -> dict:
        return self.values.setdefault(repr(items), items)

    def serialiser(self, proc):
        def serialise(value: dict) -> str:
            found = self.text.get(id(value))
            if found is None:  # keep the value with its text, so its id is not reused by another object
                found = self.text[id(value)] = (value, proc(value))
            return found[1]
        return serialise


def fast_times(bulk: BulkInsert, columns: tuple[str, ...]) -> BulkInsert:
    """On SQLite a DateTime is stored as text, and SQLAlchemy's formatter is the slowest step at this volume;
    `isoformat` writes the same text. Used only where it provably does, checked on a sample."""
    sample = datetime(2026, 1, 2, 3, 4, 5, 6)
    for i, name in enumerate(columns):
        proc = bulk.procs[i]
        if proc is not None and (name == "at" or name.endswith("_at")) and proc(sample) == iso_text(sample):
            bulk.procs[i] = iso_text
    return bulk


def iso_text(value: datetime) -> str:
    return value.isoformat(" ", "microseconds")


@contextmanager
def sqlite_cache(session, kib: int = 262_144):
    """A bigger SQLite page cache while the rows go in: index pages of `audit_events` stay in memory instead
    of being reread for every insert (about a third of the insert time at city scale). Restored afterwards."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size=-{kib}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={before}")


def member_row(m: Member) -> tuple:
    entered = {"nominated": m.nominated_at, "admitted": m.decided_at, "rejected": m.decided_at}\
        .get(m.state, m.ended_at)
    return (m.pool_id, m.firm_id, str(m.level), m.state, m.state in ("nominated", "admitted"),
            m.cultivation_type, m.batch, m.reason, str(m.end_reason) if m.end_reason else None, m.nominated_by.id,
            m.decided_by.id if m.decided_by else None, m.nominated_at, m.decided_at, m.ended_at, entered,
            VERSIONS[m.state])


def member_events(m: Member, evidence: Evidence) -> list[tuple]:
    """The events `nominate` and `act` would have written for this membership (a city membership's end is
    written by its county membership, as the cascade does)."""
    def event(action, source, target, actor, at, comment, evidence, subject=m):
        return (subject.id, m.firm_id, action, source, target, actor.id, actor.username, at, comment, evidence)

    plain = evidence(fields={}, changes={})
    out = [event("nominate", None, "nominated", m.nominated_by, m.nominated_at, m.reason,
                 evidence(pool_id=m.pool_id, cultivation_type=m.cultivation_type, batch=m.batch))]
    if m.state == "withdrawn":
        out.append(event("withdraw", "nominated", "withdrawn", m.ended_by, m.ended_at, m.note, plain))
    elif m.state == "rejected":
        out.append(event("reject", "nominated", "rejected", m.decided_by, m.decided_at, m.note,
                         evidence(fields={"reason": m.note}, changes={})))
    elif m.state != "nominated":
        out.append(event("admit", "nominated", "admitted", m.decided_by, m.decided_at, m.note, plain))
    if m.state in ACTIONS and m.level == PoolLevel.COUNTY:
        action, label = ACTIONS[m.state]
        reason = str(m.end_reason)
        fields = evidence(fields={"reason": reason}, changes={})
        cascade = f"cascade_{action}"
        if m.city is not None:  # the evidence the engine writes for a consequence and its cause
            fields = {"consequences": [{"subject_type": "membership", "subject_id": m.city.id, "action": cascade}],
                      **fields}
        out.append(event(action, "admitted", m.state, m.ended_by, m.ended_at, END_NOTES[m.end_reason], fields))
        if m.city is not None:
            out.append(event(cascade, "admitted", m.state, m.ended_by, m.ended_at,
                             f"随县级培育库{label}联动：{END_REASON_LABELS[m.end_reason]}",
                             {"caused_by": {"subject_type": "membership", "subject_id": m.id, "action": action},
                              **evidence(fields={"reason": reason}, changes={})}, subject=m.city))
    return out
