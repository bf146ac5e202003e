"""Typed SQLAlchemy 2.0 models. The `db` object is the one Flask-SQLAlchemy piece the domain needs."""

from models.audit import AuditEvent
from models.base import Base, db, utcnow
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
from models.firm import AnnualIndicator, District, Firm, FirmTag
from models.importing import ImportRun
from models.pool import Pool, PoolMembership
from models.user import ApiToken, User

__all__ = [
    "AnnualIndicator",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Board",
    "CaseKind",
    "CheckHit",
    "CheckRun",
    "District",
    "Firm",
    "FirmTag",
    "FirmStatus",
    "Flag",
    "ImportRun",
    "IndustryTag",
    "MetricSnapshot",
    "Pool",
    "PoolMembership",
    "Role",
    "SizeClass",
    "Stage",
    "UpgradeCase",
    "User",
    "db",
    "utcnow",
]
