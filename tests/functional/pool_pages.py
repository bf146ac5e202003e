"""Helpers for the pool page tests: what a small and a large firm report, the pools by district, logging in
as someone else, reading flashes, tables and CSRF tokens off a page.

The fixtures that make eligible firms, nominations and admissions through the workflow (`pool_firm`,
`nominated`, `admitted`) and `csrf_client` are in tests/functional/conftest.py.
"""

import re

from sqlalchemy import func, select

from models import AuditEvent, Pool, PoolMembership
from tests.factories import XIHU
from tests.functional import pages

EVIL = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
SMALL = {2025: {"revenue": "800", "employees": 30, "total_assets": "500"}}  # C39: 小型
LARGE = {2025: {"revenue": "90000", "employees": 1200, "total_assets": "80000"}}  # C39: 大型

def login(client, username: str) -> None:
    """Log in and read the welcome message, so a test's flash list holds only what its own step said."""
    pages.login(client, username)
    client.get("/")


def switch(client, username: str) -> None:
    client.post("/logout")
    login(client, username)


def county_pool(session, district: str = XIHU) -> Pool:
    return session.scalar(select(Pool).where(Pool.level == "county", Pool.district_code == district))


def city_pool(session) -> Pool:
    return session.scalar(select(Pool).where(Pool.level == "city"))


def csrf_in(html: str) -> str:
    return re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html).group(1)


def audit_count(session, subject_type: str) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.subject_type == subject_type))


def reload(session, membership_id: int) -> PoolMembership:
    session.rollback()  # see what the request committed
    return session.get(PoolMembership, membership_id)


def flashes(html: str) -> list[str]:
    return [m.strip() for m in re.findall(r'<div class="alert alert-\w+ alert-dismissible[^>]*>\s*([^<]*)<', html)]


def table_rows(html: str, table_id: str, attr: str) -> list[str]:
    """The `data-<attr>` values of the rows of one table, in page order."""
    start = html.index(f'id="{table_id}"')
    body = html[start:html.index("</table>", start)]
    return re.findall(rf'<tr[^>]* data-{attr}="([^"]*)"', body)


def row_html(html: str, table_id: str, attr: str, value) -> str:
    start = html.index(f'id="{table_id}"')
    body = html[start:html.index("</table>", start)]
    at = body.index(f'data-{attr}="{value}"')
    return body[at:body.index("</tr>", at)]
