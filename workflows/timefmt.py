"""The one conversion from stored time to Hangzhou time, for pages, exports, the API and the clock.

Timestamps are stored in UTC; SQLite hands them back naive, so a naive datetime here always means UTC
(never "already local"). Every reader of a stored time goes through `to_local`: the pages' `local_time`
filter, the Excel and CSV writers, the API's ISO strings, and the Hangzhou calendar day a workflow takes
from `now` (a registration date, "today" for eligibility). Nothing else names the time zone.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
MINUTES = "%Y-%m-%d %H:%M"


def to_local(value: datetime | None) -> datetime | None:
    """A stored time (naive = UTC) as an aware Asia/Shanghai time."""
    if value is None:
        return None
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(SHANGHAI)


def wall_clock(value: datetime | None) -> datetime | None:
    """Hangzhou wall-clock time without a zone, for Excel and CSV, which have none."""
    local = to_local(value)
    return local.replace(tzinfo=None) if local is not None else None


def local_date(value: datetime) -> date:
    """The Hangzhou calendar day of a stored time: 2026-11-30 17:00 UTC is already 12-01 in Hangzhou."""
    return to_local(value).date()


def utc_start_of(day: date) -> datetime:
    """The stored (naive UTC) time at which a Hangzhou calendar day begins: a stored time falls on `day` or
    earlier exactly when it is before `utc_start_of(day + 1 day)`."""
    return datetime.combine(day, datetime.min.time(), SHANGHAI).astimezone(UTC).replace(tzinfo=None)


def format_local(value: datetime | None, fmt: str = MINUTES) -> str:
    """A stored time as officers read it ("2026-11-30 10:00"); "" for none."""
    local = to_local(value)
    return local.strftime(fmt) if local is not None else ""


def iso_local(value: datetime | None) -> str | None:
    """ISO 8601 with the +08:00 offset ("2026-11-30T10:00:00+08:00"), for the API and <time datetime>."""
    local = to_local(value)
    return local.isoformat(timespec="seconds") if local is not None else None
