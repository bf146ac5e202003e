"""The one place the web layer reads the clock; workflows receive `now`/`today` as arguments."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from models import utcnow

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    return utcnow()


def today() -> date:
    """Policy dates (years, 24-month windows) are Hangzhou dates, not UTC ones."""
    return datetime.now(SHANGHAI).date()
