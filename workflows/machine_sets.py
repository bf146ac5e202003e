"""The engine's set-based door: system transitions over many subjects in a few statements.

A scheduled check may open or resolve tens of thousands of flags in one run; firing them one by one would
be a Python loop per firm (DESIGN §5 asks for set-based SQL). These functions keep the engine's promises
for such sets: only edges the workflow declares, only `consequence` actions (never a user's choice), the
open flag and closed time kept in step with the state, the version bumped (so an officer's page open on
an old copy gets `StaleVersion`), and exactly one AuditEvent per subject moved, written in the same
statement batch.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Select, func, insert, literal, select, update

from models import AuditEvent
from workflows.errors import IllegalTransition
from workflows.machine import REGISTRY, Workflow


def _audit(session, model, where, *, action: str, from_state: str | None, to_state: str, actor, now: datetime,
           comment: str, evidence: dict | None) -> None:
    rows = select(
        literal(model.audit_type), model.id, model.firm_id, literal(action), literal(from_state),
        literal(to_state), literal(getattr(actor, "id", None)),
        literal(getattr(actor, "username", None) or "system"), literal(now), literal(comment or ""),
        literal(evidence or {}, JSON),
    ).where(*where)
    session.execute(insert(AuditEvent).from_select(
        ["subject_type", "subject_id", "firm_id", "action", "from_state", "to_state", "actor_id", "actor_name",
         "at", "comment", "evidence"], rows))


def fire_set(session, workflow_name: str, model, action_name: str, ids: Select, *, actor, now: datetime,
             comment: str = "", evidence: dict | None = None) -> int:
    """Move every subject `ids` selects (a SELECT of ids) that stands where `action_name` leaves from.

    Returns how many moved. `ids` is evaluated per source state, before the update, so it may read the
    subjects' own table."""
    workflow: Workflow = REGISTRY[workflow_name]
    edges = [(s, t, d["action"]) for s, t, k, d in workflow.graph.edges(keys=True, data=True) if k == action_name]
    if not edges:
        raise IllegalTransition(f"{workflow_name}: 没有名为“{action_name}”的操作")
    if any(not action.consequence for _, _, action in edges):
        raise IllegalTransition(f"{workflow_name}: “{action_name}”须由用户逐一执行，不能成批执行")
    moved = 0
    for source, target, _ in edges:
        where = (model.id.in_(ids), model.state == source)
        _audit(session, model, where, action=action_name, from_state=source, to_state=target, actor=actor,
               now=now, comment=comment, evidence=evidence)
        values: dict[str, Any] = {"state": target, "version": model.version + 1}
        if target != source:
            values["state_entered_at"] = now
        if workflow.is_final(target):
            values |= {workflow.open_flag: False, workflow.closed_at: now}
        result = session.execute(update(model).where(*where).values(**values)
                                 .execution_options(synchronize_session=False))
        moved += result.rowcount
    return moved


def start_set(session, workflow_name: str, model, rows: Select, columns: list[str], *, created, actor,
              now: datetime, action_name: str, comment: str = "", evidence: dict | None = None) -> int:
    """Insert new subjects (`rows` gives `columns`) in the workflow's initial state, one audit event each.

    `created` is a criterion that picks out exactly the rows this call inserted (e.g. the run that made
    them), so their events can be written set-based after the insert."""
    workflow: Workflow = REGISTRY[workflow_name]
    source = rows.add_columns(literal(workflow.initial), literal(now), literal(True), literal(1))
    session.execute(insert(model).from_select(
        [*columns, "state", "state_entered_at", workflow.open_flag, "version"], source))
    made = (created, model.state == workflow.initial)
    _audit(session, model, made, action=action_name, from_state=None, to_state=workflow.initial, actor=actor,
           now=now, comment=comment, evidence=evidence)
    # INSERT … SELECT's rowcount is not reported alike by every driver: count what was made.
    return session.scalar(select(func.count()).select_from(model).where(*made)) or 0

