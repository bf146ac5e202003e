"""The audit trail. Append-only: nothing in the code base updates or deletes an AuditEvent."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_subject", "subject_type", "subject_id"),
        Index("ix_audit_events_firm_at", "firm_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(20))  # firm / case / membership / user ...
    subject_id: Mapped[int]
    # Denormalised so a firm's whole timeline (its own edits, its cases) is one indexed query.
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firms.id"))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str | None] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target):  # pragma: no cover - a guard, exercised in tests
    raise RuntimeError("审计记录只能追加，不能修改")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target):  # pragma: no cover
    raise RuntimeError("审计记录只能追加，不能删除")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk(state):
    """`session.execute(update(AuditEvent))` / `delete(...)` skip the per-object hooks above; refuse them too."""
    if (state.is_update or state.is_delete) and any(m.class_ is AuditEvent for m in state.all_mappers):
        raise RuntimeError("审计记录只能追加，不能修改或删除")
