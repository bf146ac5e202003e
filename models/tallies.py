"""Kept aggregates of the register: how many firms per key, kept in step with `firms` by the database itself.

A count over the whole register (a million firms) cannot be answered live inside a page's budget, so the two
the dashboard needs are kept as they change, by triggers (migration 0012) that every write path fires: the
ORM, the import's set-wise SQL, the demo seed's COPY and a hand-written statement alike. They are exact at
every moment, in the writing transaction, never a copy that ages.

- `firm_stage_tallies`: firms per district, stage and status (the funnel's rungs).
- `firm_month_tallies`: firms per district and month of registration, split by what the plan's new-firm
  metrics ask of them (`small`: 划型 小型, 微型 or not yet classified; `individual`: 个体工商户; `tagged`: at
  least one 八大万亿产业 tag). `month` is 'YYYY-MM', '' when the registration date is unknown.

A key may have several rows: PostgreSQL's triggers append one row of differences per statement, so that
concurrent writers never wait on a shared counter row; a reader sums them (`workflows.plans.tallies`), and
`compact_tallies` folds them back to one row per key from time to time. SQLite, one writer at a time,
updates its single row per key in place.
"""

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class FirmStageTally(Base):
    __tablename__ = "firm_stage_tallies"
    __table_args__ = (Index("ix_firm_stage_tallies_key", "district_code", "stage", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_code: Mapped[str] = mapped_column(String(6))
    stage: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    n: Mapped[int]


class FirmMonthTally(Base):
    __tablename__ = "firm_month_tallies"
    __table_args__ = (Index("ix_firm_month_tallies_key", "month", "district_code", "small", "individual", "tagged"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_code: Mapped[str] = mapped_column(String(6))
    month: Mapped[str] = mapped_column(String(7))
    small: Mapped[bool]
    individual: Mapped[bool]
    tagged: Mapped[bool]
    n: Mapped[int]


class PoolMemberTally(Base):
    """Admitted members per pool and firm district (migration 0016): the pools' members today without joining
    each member with its firm. Same rules as above: PostgreSQL appends difference rows, readers sum."""

    __tablename__ = "pool_member_tallies"
    __table_args__ = (Index("ix_pool_member_tallies_key", "level", "pool_id", "district_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(10))
    pool_id: Mapped[int]
    district_code: Mapped[str] = mapped_column(String(6))
    n: Mapped[int]
