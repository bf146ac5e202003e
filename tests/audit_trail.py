"""The audit trail's two promises, checked around every database test of the suite (tests/conftest.py):

- every state change left exactly one audit event: each workflow subject's transition events form one chain
  from its creation to its current state (a change without its event, or with two, breaks it);
- nothing updates or deletes an audit event: every statement sent to any engine is watched, and one that
  would is recorded (migration 0014's triggers refuse it in the database too).
"""

from __future__ import annotations

import re

from sqlalchemy import text

SUBJECTS = {  # workflow subjects' tables and their audit_type"upgrade_cases": "case", "pool_memberships": "membership", "flags": "flag", "campaigns": "campaign",
            "campaign_entries": "campaign_entry"}
REWRITES = re.compile(r"^\s*(UPDATE\s+\"?audit_events\"?\s|DELETE\s+FROM\s+\"?audit_events\"?)", re.IGNORECASE)


def unaudited(connection) -> list[tuple]:
    """(table, id, state, its transition events as (from, to)) of every subject whose events do not form one
    chain from its creation (from nothing) to its current state, each step starting where the last ended: a
    state change without its event breaks the chain, and so does one written twice."""
    found = []
    for table, audit_type in SUBJECTS.items():
        chains: dict[int, list[tuple]] = {}
        for subject_id, before, after in connection.execute(text(
                "SELECT subject_id, from_state, to_state FROM audit_events WHERE subject_type = :type "
                "AND to_state IS NOT NULL ORDER BY id"), {"type": audit_type}):
            chains.setdefault(subject_id, []).append((before, after))
        for subject_id, current in connection.execute(text(f"SELECT id, state FROM {table}")):
            chain = chains.get(subject_id, [])
            ends = [None] + [after for _, after in chain]
            if not chain or any(step[0] != end for step, end in zip(chain, ends, strict=False)) \
                    or ends[-1] != current:
                found.append((table, subject_id, current, chain))
    return found


class RewriteWatch:
    """Records any UPDATE or DELETE of audit_events sent through SQLAlchemy, except while `allowed` (the
    test teardown that empties the tables)."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.allowed = False

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if not self.allowed and REWRITES.match(statement):
            self.seen.append(statement.strip()[:200])


WATCH = RewriteWatch()


def audit_guard():
    """Migration 0014's module (its `create` and `drop` of the triggers), loaded from its file."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "migrations" / "versions" / "0014_audit_append_only.py"
    spec = importlib.util.spec_from_file_location("migration_0014", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
