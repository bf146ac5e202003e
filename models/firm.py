"""Districts, firms and their annual figures."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.enums import FirmStatus, SizeClass, Stage

Money = Numeric(16, 2)


class District(Base):
    __tablename__ = "districts"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # 区 / 县 / 县级市
    sort_order: Mapped[int] = mapped_column(default=0)


class Firm(Base):
    """A firm of the register. Its name is searched through indexes the database keeps in step (migration
    0008, workflows/search.py): on PostgreSQL a pg_trgm index and the generated column `name_grams` (not
    mapped: the database computes it), on SQLite the tables `firms_name_fts` and `firm_name_grams`."""

    __tablename__ = "firms"
    __table_args__ = (
        Index("ix_firms_district_stage", "district_code", "stage"),
        Index("ix_firms_name", "name"),
        Index("ix_firms_registered_on", "registered_on"),
        # The dashboard's label counts and rates read these alone (migration 0012).
        Index("ix_firms_tech_sme_figures", "tech_sme", "size_class", "tech_sme_on", "district_code"),
        Index("ix_firms_high_tech_figures", "high_tech", "high_tech_on", "district_code"),
        Index("ix_firms_stage_figures", "stage", "status", "registered_on", "district_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    legal_form: Mapped[str] = mapped_column(String(20), index=True)
    stage: Mapped[Stage] = mapped_column(String(20), index=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"))
    industry: Mapped[str] = mapped_column(String(5), index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    registered_on: Mapped[date | None]
    status: Mapped[FirmStatus] = mapped_column(String(20), default=FirmStatus.ACTIVE, index=True)
    abnormal: Mapped[bool] = mapped_column(default=False, index=True)
    serious_violation: Mapped[bool] = mapped_column(default=False, index=True)
    tech_sme: Mapped[bool] = mapped_column(default=False, index=True)
    high_tech: Mapped[bool] = mapped_column(default=False, index=True)
    # The day each label was granted (认定日期), when known: the plan counts labels new in its period by it.
    tech_sme_on: Mapped[date | None]
    high_tech_on: Mapped[date | None]
    size_class: Mapped[SizeClass] = mapped_column(String(10), default=SizeClass.UNKNOWN, index=True)
    predecessor_id: Mapped[int | None] = mapped_column(ForeignKey("firms.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    district: Mapped[District] = relationship(lazy="joined")
    indicators: Mapped[list["AnnualIndicator"]] = relationship(
        back_populates="firm", order_by="AnnualIndicator.year.desc()", cascade="all, delete-orphan"
    )
    predecessor: Mapped["Firm | None"] = relationship(remote_side=[id])

    @property
    def latest_indicator(self) -> "AnnualIndicator | None":
        return self.indicators[0] if self.indicators else None


class FirmTag(Base):
    """One row per 八大万亿产业 tag of a firm: `Firm.tags` in a form an index can answer (`tags=culture`).

    Written only by the database's triggers (migration 0008) whenever a firm's tags are inserted or changed,
    by any path (ORM, import SQL, demo COPY); rows go with their firm (ON DELETE CASCADE). Never write it.
    """

    __tablename__ = "firm_tags"
    __table_args__ = (Index("ix_firm_tags_tag_firm", "tag", "firm_id"),)

    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(20), primary_key=True)


class AnnualIndicator(Base):
    """One firm's figures for one year; money in 万元. Only profit may be negative."""

    __tablename__ = "annual_indicators"
    __table_args__ = (
        UniqueConstraint("firm_id", "year"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        CheckConstraint(
            "revenue >= 0 AND tax >= 0 AND employees >= 0 AND rd_expense >= 0 AND rd_staff >= 0"
            " AND total_assets >= 0 AND export >= 0",
            name="non_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"), index=True)
    year: Mapped[int]
    revenue: Mapped[Decimal | None] = mapped_column(Money)
    tax: Mapped[Decimal | None] = mapped_column(Money)
    profit: Mapped[Decimal | None] = mapped_column(Money)
    employees: Mapped[int | None]
    rd_expense: Mapped[Decimal | None] = mapped_column(Money)
    rd_staff: Mapped[int | None]
    total_assets: Mapped[Decimal | None] = mapped_column(Money)
    export: Mapped[Decimal | None] = mapped_column(Money)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The import run that inserted the row, in place of a creation event per row (migration 0015):
    # `workflows.provenance` reads it back as the row's first entry in the firm's history.
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id", ondelete="SET NULL"))

    firm: Mapped[Firm] = relationship(back_populates="indicators")


INDICATOR_FIELDS = ("revenue", "tax", "profit", "employees", "rd_expense", "rd_staff", "total_assets", "export")
