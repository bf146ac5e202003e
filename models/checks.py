"""Scheduled checks: their runs, the flags they raise, and the metric snapshots they store (DESIGN §5).

A Flag is a workflow subject (workflow `flag`): the engine owns its state and version. One live flag per
(subject, kind, period) — the partial unique index — while resolved flags stay as history, so a condition
that returns after it was resolved raises a new flag rather than reviving an old decision.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.firm import Firm


class CheckRun(Base):
    """One execution of a check, whoever asked for it; the log city_staff read and the API returns."""

    __tablename__ = "check_runs"
    __table_args__ = (Index("ix_check_runs_check_created", "check", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    check: Mapped[str] = mapped_column(String(40))
    period_key: Mapped[str] = mapped_column(String(20))  # the `today` the check ran for (ISO date)
    today: Mapped[date]
    trigger: Mapped[str] = mapped_column(String(20))  # RunTrigger: schedule / user / cli
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_by_name: Mapped[str] = mapped_column(String(80), default="system")
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)  # RunStatus
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    counts: Mapped[dict] = mapped_column(JSON, default=dict)  # examined, flagged, opened, resolved, skipped
    error: Mapped[str | None] = mapped_column(Text)
    runner: Mapped[str | None] = mapped_column(String(120))  # the process that claimed it


class Flag(Base):
    __tablename__ = "flags"
    __table_args__ = (
        Index("uq_flags_one_live", "subject_type", "subject_id", "kind", "period", unique=True,
              sqlite_where=text("is_open"), postgresql_where=text("is_open")),
        Index("ix_flags_state_district_kind", "state", "district_code", "kind"),
        Index("ix_flags_kind_state", "kind", "state"),
        # The same key without the predicate: SQLite's planner can use the partial index above only for a
        # query that repeats `is_open` verbatim (migration 0006a).
        Index("ix_flags_subject_key", "subject_type", "subject_id", "kind", "period"),
    )
    audit_type = "flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # FlagKind
    subject_type: Mapped[str] = mapped_column(String(20))  # firm / membership / case
    subject_id: Mapped[int]
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    district_code: Mapped[str] = mapped_column(String(6))  # the scope of whoever must act
    period: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))
    is_open: Mapped[bool] = mapped_column(default=True)
    reasons: Mapped[list] = mapped_column(JSON, default=list)  # [{rule, value, threshold, year}, ...]
    rules: Mapped[str] = mapped_column(String(200), default="")  # the reasons' rules, sorted: a fingerprint
    measure: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))  # the first reason's figure
    policy_version: Mapped[str] = mapped_column(String(40), default="")
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    check_run_id: Mapped[int | None] = mapped_column(ForeignKey("check_runs.id"))
    state_entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    outcome: Mapped[dict] = mapped_column(JSON, default=dict)  # what acting did: {"case": id} / {"membership": id}
    version: Mapped[int] = mapped_column(default=1)

    firm: Mapped[Firm] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}

    @property
    def workflow_name(self) -> str:
        return "flag"


class MetricSnapshot(Base):
    """A count kept for trend charts: one row per (day, metric, district); district '' is the city."""

    __tablename__ = "metric_snapshots"
    __table_args__ = (Index("uq_metric_snapshots_key", "taken_on", "metric", "district_code", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    taken_on: Mapped[date]
    metric: Mapped[str] = mapped_column(String(40))
    district_code: Mapped[str] = mapped_column(String(6), default="")
    value: Mapped[int] = mapped_column(default=0)
    check_run_id: Mapped[int | None] = mapped_column(ForeignKey("check_runs.id"))


class CheckHit(Base):
    """Scratch rows of one check run, written and deleted inside its transaction: the set the flags are
    reconciled against (a table rather than a TEMP one, so both databases and the migration know it)."""

    __tablename__ = "check_hits"
    __table_args__ = (Index("ix_check_hits_key", "run_id", "subject_type", "subject_id", "kind", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(30))
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int]
    firm_id: Mapped[int]
    district_code: Mapped[str] = mapped_column(String(6))
    period: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    rules: Mapped[str] = mapped_column(String(200), default="")
    measure: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
