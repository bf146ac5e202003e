"""The plan as data (DESIGN §7): a period, its metrics with city and district targets, and reported figures.

A metric is either *computed* (its `key` names a definition in `workflows.plans.registry`, whose query is
the definition) or *reported* (figures the responsible unit hands in, each dated, with its source document
and who entered it). Plans, metrics and targets reference no user or firm: they are reference data a
`TRUNCATE users CASCADE` must never take with it. Reported figures are append-only: a correction is a newer
entry, so the history of what was reported when stays readable (and each entry is an audit event too).
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow

Figure = Numeric(18, 4)


class Plan(Base):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    source: Mapped[str] = mapped_column(String(200), default="")  # the policy document it comes from
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_name: Mapped[str] = mapped_column(String(80), default="system")

    metrics: Mapped[list["PlanMetric"]] = relationship(
        back_populates="plan", order_by="PlanMetric.sort_order, PlanMetric.id", cascade="all, delete-orphan")


class PlanMetric(Base):
    __tablename__ = "plan_metrics"
    __table_args__ = (UniqueConstraint("plan_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(10))  # computed / reported
    label: Mapped[str] = mapped_column(String(100))
    section: Mapped[str] = mapped_column(String(40), default="")  # the plan's heading (总量规模, 主体质量 ...)
    unit: Mapped[str] = mapped_column(String(10), default="家")
    target: Mapped[Decimal | None] = mapped_column(Figure)  # None: a qualitative aim, shown in `note`
    comparison: Mapped[str] = mapped_column(String(10), default="at_least")  # at_least (≥) / above (>)
    accumulation: Mapped[str] = mapped_column(String(10), default="flow")  # flow / level / rate
    per_year: Mapped[bool] = mapped_column(default=False)  # the target holds at each year's end (每年保有)
    responsible: Mapped[str] = mapped_column(String(100), default="")  # 责任单位
    note: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(default=0)

    plan: Mapped[Plan] = relationship(back_populates="metrics")
    targets: Mapped[list["PlanTarget"]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    def district_targets(self) -> dict[str, Decimal]:
        return {t.district_code: t.target for t in self.targets}


class PlanTarget(Base):
    """A district's share of a metric's target, where the plan splits it."""

    __tablename__ = "plan_targets"
    __table_args__ = (UniqueConstraint("plan_metric_id", "district_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_metric_id: Mapped[int] = mapped_column(ForeignKey("plan_metrics.id", ondelete="CASCADE"))
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"))
    target: Mapped[Decimal] = mapped_column(Figure)


class ReportedFigure(Base):
    """One figure handed in for a reported metric: the value as of a date (city-wide, or one district's)."""

    __tablename__ = "reported_figures"
    __table_args__ = (Index("ix_reported_figures_metric_as_of", "plan_metric_id", "district_code", "as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_metric_id: Mapped[int] = mapped_column(ForeignKey("plan_metrics.id", ondelete="CASCADE"))
    district_code: Mapped[str | None] = mapped_column(ForeignKey("districts.code"))
    as_of: Mapped[date]
    value: Mapped[Decimal] = mapped_column(Figure)
    source: Mapped[str] = mapped_column(String(200))  # the document the figure comes from
    comment: Mapped[str] = mapped_column(Text, default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_by_name: Mapped[str] = mapped_column(String(80))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)

    metric: Mapped[PlanMetric] = relationship(lazy="joined")


class StoredFigure(Base):
    """A computed figure kept with the moment it was computed, for the few too slow to compute on every page
    view at city scale (the R&D rates over the labelled firms' annual figures). The dashboard names the
    moment beside the figure; everything else it shows is computed when asked."""

    __tablename__ = "stored_figures"
    __table_args__ = (UniqueConstraint("metric", "start", "as_of", "district_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    metric: Mapped[str] = mapped_column(String(40))  # a computed metric's key
    start: Mapped[date]
    as_of: Mapped[date]
    district_code: Mapped[str] = mapped_column(String(6), default="")  # '' is the city
    count: Mapped[int] = mapped_column(default=0)
    num: Mapped[Decimal] = mapped_column(Figure, default=0)
    den: Mapped[Decimal] = mapped_column(Figure, default=0)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
