"""Helpers for the pool and membership API tests: what an eligible firm and a nomination hold, counts.

The fixtures that set memberships up (`eligible`, `member`, `colleague`) are in tests/functional/conftest.py.
"""

from sqlalchemy import func, select

from models import AuditEvent, Pool, PoolMembership

ELIGIBLE = {2025: {"revenue": 800, "employees": 30}}  # 工业 C39: 小型
NOMINATION = {"reason": "近两年营业收入增长较快", "cultivation_type": "growth", "batch": "2026-1"}
VALUES = {"reject": {"reason": "材料不全"}, "remove": {"reason": "violation"}, "graduate": {"reason": "scaled_up"}}


def pool_id(session, district: str | None = None) -> int:
    """The county pool of `district`, or the city pool."""
    level = "county" if district else "city"
    return session.scalar(select(Pool.id).filter_by(level=level, district_code=district))


def counts(session) -> tuple[int, int]:
    """(memberships, audit events): a refused request changes neither."""
    return (session.scalar(select(func.count()).select_from(PoolMembership)),
            session.scalar(select(func.count()).select_from(AuditEvent)))
