"""The one place the web layer reads the clock; workflows receive `now`/`today` as arguments."""

from datetime import date, datetime

from models import utcnow
from workflows.timefmt import local_date


def now() -> datetime:
    return utcnow()


def today() -> date:
    """Policy dates (years, 24-month windows) are Hangzhou dates, not UTC ones."""
    return local_date(now())
