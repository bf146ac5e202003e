"""A figure row inserted by an import, read back as the first entry of the firm's history.

An import does not write an `indicators_create` event per new row (migration 0015: at millions of rows the
events were half of the write phase); the row keeps `import_run_id`, and the run records who imported which
file (name, SHA-256) and when. This module turns such a row into the event it replaces — not stored, built
on read — so the timeline, the detail page and the API still answer "who set this figure, from what":

- who and when: the run's actor and finish time; the comment names the file and the run, as the run's
  other events do;
- the values it was created with: the stored value, unless a later `indicators_update` event of that firm
  and year changed the figure, in which case the first such change's old value (events keep old and new).
"""

from __future__ import annotations

from sqlalchemy import select

from models import AnnualIndicator, AuditEvent, ImportRun
from models.firm import INDICATOR_FIELDS
from workflows.audit import as_json_value

CREATE = "indicators_create"


def import_creations(session, firm_ids: list[int]) -> list[AuditEvent]:
    """The creation events (transient, never added to the session) of the firms' rows an import inserted."""
    rows = session.execute(
        select(AnnualIndicator, ImportRun).join(ImportRun, ImportRun.id == AnnualIndicator.import_run_id)
        .where(AnnualIndicator.firm_id.in_(firm_ids))
    ).all()
    if not rows:
        return []
    later = _first_old_values(session, firm_ids)
    events = []
    for row, run in rows:
        original = later.get((row.firm_id, row.year), {})
        changes = {}
        for name in INDICATOR_FIELDS:
            value = original[name] if name in original else as_json_value(getattr(row, name))
            if value is not None:
                changes[name] = [None, value]
        events.append(AuditEvent(
            subject_type="firm", subject_id=row.firm_id, firm_id=row.firm_id, action=CREATE, actor_id=run.actor_id,
            actor_name=run.actor_name, at=run.finished_at or run.started_at or run.created_at,
            comment=f"导入文件“{run.filename}”（导入 #{run.id}）", from_state=None, to_state=None,
            evidence={"year": row.year, "changes": changes, "firm_changes": {}, "import_run": run.id,
                      "sha256": run.sha256},
        ))
    return events


def _first_old_values(session, firm_ids: list[int]) -> dict[tuple[int, int], dict]:
    """{(firm, year): {field: the old value of the first change to it}}: what an inserted row held."""
    stmt = (select(AuditEvent.firm_id, AuditEvent.evidence)
            .where(AuditEvent.firm_id.in_(firm_ids), AuditEvent.action == "indicators_update")
            .order_by(AuditEvent.at, AuditEvent.id))
    first: dict[tuple[int, int], dict] = {}
    for firm_id, evidence in session.execute(stmt):
        values = first.setdefault((firm_id, (evidence or {}).get("year")), {})
        for name, (old, _new) in ((evidence or {}).get("changes") or {}).items():
            values.setdefault(name, old)
    return first


def newest_first(events: list[AuditEvent]) -> list[AuditEvent]:
    """Stored and built events in the timeline's order; a built one (no id) sorts after the run's stored
    events of the same time, as the row was written before them."""
    return sorted(events, key=lambda e: (e.at, e.id if e.id is not None else 0), reverse=True)
