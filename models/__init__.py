"""Typed SQLAlchemy 2.0 models. The `db` object is the one Flask-SQLAlchemy piece the domain needs."""

from models.audit import AuditEvent
from models.base import Base, db, utcnow
from models.campaign import Campaign, CampaignEntry, CampaignQuota, Honour
from models.case import UpgradeCase
from models.checks import CheckHit, CheckRun, Flag, MetricSnapshot
from models.enums import (
    Board,
    CaseKind,
    FirmStatus,
    IndustryTag,
    Role,
    SizeClass,
    Stage,
)
from models.exporting import ExportJob
from models.firm import AnnualIndicator, District, Firm, FirmTag
from models.importing import ImportRun
from models.login import LoginEvent
from models.plans import Plan, PlanMetric, PlanTarget, ReportedFigure, StoredFigure
from models.pool import Pool, PoolMembership
from models.scheduler import RunLease, SchedulerProcess
from models.tallies import FirmMonthTally, FirmStageTally, PoolMemberTally
from models.user import ApiToken, User

__all__ = [
    "AnnualIndicator",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Board",
    "Campaign",
    "CampaignEntry",
    "CampaignQuota",
    "CaseKind",
    "CheckHit",
    "CheckRun",
    "District",
    "ExportJob",
    "Firm",
    "FirmMonthTally",
    "FirmStageTally",
    "PoolMemberTally",
    "FirmTag",
    "Honour",
    "FirmStatus",
    "Flag",
    "ImportRun",
    "IndustryTag",
    "LoginEvent",
    "MetricSnapshot",
    "Plan",
    "PlanMetric",
    "PlanTarget",
    "Pool",
    "PoolMembership",
    "ReportedFigure",
    "Role",
    "RunLease",
    "SchedulerProcess",
    "SizeClass",
    "Stage",
    "StoredFigure",
    "UpgradeCase",
    "User",
    "db",
    "utcnow",
]
