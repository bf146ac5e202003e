"""Ladder cases: one per transition attempt; the workflow engine owns `state` and `version`."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.enums import CaseKind
from models.firm import Firm


class UpgradeCase(Base):
    __tablename__ = "upgrade_cases"
    __table_args__ = (
        Index("ix_upgrade_cases_kind_state", "kind", "state"),
        # A firm has at most one open case per kind, whatever the concurrency.
        Index(
            "uq_upgrade_cases_one_open",
            "firm_id",
            "kind",
            unique=True,
            sqlite_where=text("is_open"),
            postgresql_where=text("is_open"),
        ),
    )
    audit_type = "case"

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    kind: Mapped[CaseKind] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(30))
    is_open: Mapped[bool] = mapped_column(default=True, index=True)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    state_entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(default=1)

    firm: Mapped[Firm] = relationship(lazy="joined")

    # Optimistic locking: every UPDATE carries "WHERE version = <read version>", so two writers that
    # both passed the engine's version check cannot both win.
    __mapper_args__ = {"version_id_col": version}

    @property
    def workflow_name(self) -> str:
        return self.kind

    @property
    def district_code(self) -> str:
        return self.firm.district_code
