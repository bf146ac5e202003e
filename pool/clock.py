"""The one place the web layer reads the clock; workflows receive `now`/`today` as arguments.

`source` is the wall clock (naive UTC). The tests replace it (tests/conftest.py's `clock` fixture) so that
every page, API route, command and import run sees the same fixed moment; nothing else should read the clock.
"""

from datetime import date, datetime

from models import utcnow
from workflows.timefmt import local_date

source = utcnow


def now() -> datetime:
    return source()


def today() -> date:
    """Policy dates (years, 24-month windows) are Hangzhou dates, not UTC ones."""
    return local_date(now())
