"""Cultivation pools (培育库) and memberships. The workflow engine owns a membership's state and version."""

from datetime import datetime

from sqlalchemy import FetchedValue, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.firm import District, Firm


class Pool(Base):
    __tablename__ = "pools"
    __table_args__ = (UniqueConstraint("level", "district_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(10))  # PoolLevel
    district_code: Mapped[str | None] = mapped_column(ForeignKey("districts.code"))
    name: Mapped[str] = mapped_column(String(40))
    target: Mapped[int] = mapped_column(default=0)
    capacity: Mapped[int | None]  # None: no hard limit
    # Bumped by every admitting transaction: the UPDATE is the row lock that serialises admissions into
    # one pool on PostgreSQL and takes SQLite's write lock first thing (see workflows/membership.py).
    admit_seq: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    district: Mapped[District | None] = relationship(lazy="joined")


class PoolMembership(Base):
    __tablename__ = "pool_memberships"
    __table_args__ = (
        Index("ix_pool_memberships_pool_state", "pool_id", "state"),
        # One active (nominated or admitted) membership per firm and level, whatever the concurrency.
        Index(
            "uq_pool_memberships_one_active",
            "firm_id",
            "level",
            unique=True,
            sqlite_where=text("is_active"),
            postgresql_where=text("is_active"),
        ),
        # The plan's members on a day, read from the index alone (migration 0012).
        Index("ix_pool_memberships_figures", "level", "state", "decided_at", "ended_at", "pool_id", "firm_id"),
        # The pools panel's decisions per month and its endings, read from the index alone (0017).
        Index("ix_pool_memberships_decided", "decided_at", "state"),
        Index("ix_pool_memberships_ended", "ended_at", "state", "level", "end_reason"),
        # The same for one district, by the district a membership counts for (0018).
        Index("ix_pool_memberships_district_decided", "scope_district", "decided_at", "state"),
        Index("ix_pool_memberships_district_ended", "scope_district", "ended_at", "state", "level", "end_reason"),
    )
    audit_type = "membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("pools.id"))
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    level: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(20))
    is_active: Mapped[bool] = mapped_column(default=True)
    cultivation_type: Mapped[str] = mapped_column(String(10))
    batch: Mapped[str] = mapped_column(String(10))
    nomination_reason: Mapped[str] = mapped_column(Text, default="")
    end_reason: Mapped[str | None] = mapped_column(String(20))
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    nominated_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    state_entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    # `district_code` (below) in SQL, for reading a district's memberships by index: kept by the database's
    # triggers on every write path (migration 0018), never set by the application.
    scope_district: Mapped[str | None] = mapped_column(String(6), server_default=FetchedValue(),
                                                      server_onupdate=FetchedValue())

    pool: Mapped[Pool] = relationship(lazy="joined")
    firm: Mapped[Firm] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}

    @property
    def workflow_name(self) -> str:
        return "membership"

    @property
    def district_code(self) -> str:
        """Scope follows the pool for county pools, the firm for the city pool."""
        return self.pool.district_code or self.firm.district_code
