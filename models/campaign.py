"""成长之星 (DESIGN §6): the yearly campaign, its district quotas, its entries and the honours it publishes.

A campaign and an entry are workflow subjects (workflows `campaign` and `campaign_entry`): the engine owns
their state and version. A quota row is also the lock a nomination takes first (`seq`, bumped by every
nominating transaction, as `Pool.admit_seq` is for admissions). An honour is the 良好信息 record an award
leaves on the firm, dated by its publication.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.firm import District, Firm


class Campaign(Base):
    __tablename__ = "campaigns"
    audit_type = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    state: Mapped[str] = mapped_column(String(20))
    is_open: Mapped[bool] = mapped_column(default=True)
    total: Mapped[int]
    candidate_factor: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    nomination_deadline: Mapped[date]
    review_deadline: Mapped[date]
    # The screening the campaign asked for last (`screen`, `rescreen`, a quota edit while screening), and
    # the run whose flags are its candidates once nomination opened; its day is the eligibility reference.
    screening_run_id: Mapped[int | None] = mapped_column(ForeignKey("check_runs.id"))
    candidates_run_id: Mapped[int | None] = mapped_column(ForeignKey("check_runs.id"))
    screened_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    state_entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    quotas: Mapped[list["CampaignQuota"]] = relationship(back_populates="campaign", order_by="CampaignQuota.district_code")

    __mapper_args__ = {"version_id_col": version}

    @property
    def workflow_name(self) -> str:
        return "campaign"

    # A campaign is city-wide: no district scope (county officers get no campaign action), no firm.
    district_code = None
    firm_id = None

    @property
    def figures_year(self) -> int:
        """The last completed year when the campaign's screening runs (10 January of its year)."""
        return self.year - 1


class CampaignQuota(Base):
    __tablename__ = "campaign_quotas"
    __table_args__ = (UniqueConstraint("campaign_id", "district_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"))
    quota: Mapped[int]
    seq: Mapped[int] = mapped_column(default=0)  # the nominations' lock: bumped first thing by each

    campaign: Mapped[Campaign] = relationship(back_populates="quotas")
    district: Mapped[District] = relationship(lazy="joined")


class CampaignEntry(Base):
    __tablename__ = "campaign_entries"
    __table_args__ = (
        Index("ix_campaign_entries_campaign_district", "campaign_id", "district_code", "state"),
        # A firm is nominated once per campaign (a withdrawn nomination no longer counts).
        Index("uq_campaign_entries_one_open", "campaign_id", "firm_id", unique=True,
              sqlite_where=text("is_open"), postgresql_where=text("is_open")),
    )
    audit_type = "campaign_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"))
    state: Mapped[str] = mapped_column(String(20))
    is_open: Mapped[bool] = mapped_column(default=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("flags.id"))
    score: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
    rank: Mapped[int | None]  # in the district, among its eligible members
    parts: Mapped[list] = mapped_column(JSON, default=list)  # the score's reasons, as a flag carries them
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    nominated_at: Mapped[datetime] = mapped_column(default=utcnow)
    review_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    state_entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    campaign: Mapped[Campaign] = relationship(lazy="joined")
    firm: Mapped[Firm] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}

    @property
    def workflow_name(self) -> str:
        return "campaign_entry"


class Honour(Base):
    """A 良好信息 record on a firm (domain-facts §7.1): what an award leaves, dated by its publication."""

    __tablename__ = "honours"

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    category: Mapped[str] = mapped_column(String(20), default="良好信息")
    name: Mapped[str] = mapped_column(String(60))
    level: Mapped[str] = mapped_column(String(10))
    year: Mapped[int]
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_entries.id"), unique=True)
    published_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    campaign: Mapped[Campaign | None] = relationship()
