"""What a dashboard figure is computed over: a period up to a day, and the leader's filters.

`as_of` is a Hangzhou calendar day, inclusive: a figure "as of 2023-12-31" counts what had happened by the
end of that day, by the records' own dates (registration dates, case and membership timestamps, the
effective dates of status changes, the audit history). Stored times are UTC, so a day ends at 16:00 UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import String, cast, func

from models import Firm

DAY_ENDS_UTC = timedelta(hours=8)  # Asia/Shanghai has no daylight saving time


def day_end(day: date) -> datetime:
    """The first stored (UTC, naive) moment after the Hangzhou day `day`."""
    return datetime.combine(day + timedelta(days=1), time()) - DAY_ENDS_UTC


@dataclass(frozen=True)
class Scope:
    """The dashboard's filters. `district` narrows to one district's figures; `industry` is a GB/T 4754
    门类 letter or code prefix (C, C39); `tag` one 八大万亿产业 code."""

    district: str | None = None
    industry: str | None = None
    tag: str | None = None

    def firm_filters(self, stmt):
        """The industry and tag filters, on a statement whose FROM holds Firm."""
        if self.industry:
            stmt = stmt.where(Firm.industry.startswith(self.industry))
        if self.tag:
            stmt = stmt.where(cast(Firm.tags, String).like(f'%"{self.tag}"%'))
        return stmt

    @property
    def reads_firm(self) -> bool:
        """Whether the scope filters on a firm's own columns: where it does not, a count over cases or
        memberships need not look up each one's firm."""
        return bool(self.district or self.industry or self.tag)

    def without_district(self) -> Scope:
        return replace(self, district=None)

    def args(self) -> dict:
        return {k: v for k, v in (("district", self.district), ("industry", self.industry), ("tag", self.tag)) if v}


@dataclass(frozen=True)
class Window:
    """From `start` (a plan's first day) to `as_of`, both inclusive, under `scope`."""

    start: date
    as_of: date
    scope: Scope = Scope()

    @property
    def start_utc(self) -> datetime:
        return day_end(self.start - timedelta(days=1))

    @property
    def end_utc(self) -> datetime:
        return day_end(self.as_of)

    @property
    def figures_year(self) -> int:
        """The year whose annual figures describe `as_of`: that year at its last day, else the year before."""
        return self.as_of.year if (self.as_of.month, self.as_of.day) == (12, 31) else self.as_of.year - 1

    def scoped(self, stmt, district_column):
        """The window's filters on a metric's statement: the district (as the metric counts it) and the
        firm filters."""
        if self.scope.district:
            stmt = stmt.where(district_column == self.scope.district)
        return self.scope.firm_filters(stmt)


def has_tags():
    """A firm with at least one 八大万亿产业 tag (JSON text, whatever spacing a writer used)."""
    return func.coalesce(cast(Firm.tags, String), "[]").like('%"%')
