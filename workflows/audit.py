"""Writing audit events. Every state change and every firm edit goes through `record_event`."""

from datetime import date, datetime
from decimal import Decimal

from models import AuditEvent


def record_event(
    session,
    *,
    subject_type: str,
    subject_id: int,
    firm_id: int | None,
    action: str,
    actor,
    now: datetime,
    from_state: str | None = None,
    to_state: str | None = None,
    comment: str = "",
    evidence: dict | None = None,
) -> AuditEvent:
    event = AuditEvent(
        subject_type=subject_type,
        subject_id=subject_id,
        firm_id=firm_id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "username", None) or "system",
        at=now,
        comment=comment or "",
        evidence=evidence or {},
    )
    session.add(event)
    return event


def as_json_value(value):
    """Old/new values in audit evidence must be JSON; keep them readable (dates ISO, money as text)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [as_json_value(v) for v in value]
    return value


def diff(obj, new_values: dict) -> dict:
    """Apply new_values to obj and return {field: [old, new]} for the fields that really changed."""
    changes = {}
    for name, new in new_values.items():
        old = getattr(obj, name)
        if old != new:
            changes[name] = [as_json_value(old), as_json_value(new)]
            setattr(obj, name, new)
    return changes
