"""Helpers for the firm form tests: log in, read a form's field errors, the flashes and the CSRF token, count
the audit events about firms."""

import re

from sqlalchemy import func, select

from models import AuditEvent
from tests.functional import pages


def login(client, username):
    """Log in and read the welcome message, so a test's flash list holds only what its own save said."""
    pages.login(client, username)
    client.get("/")


def field_error(html: str, name: str) -> str | None:
    """The message shown under one field (each form puts it in `<name>-error`)."""
    match = re.search(rf'id="{name}-error">([^<]*)<', html)
    return match.group(1) if match else None


def flashes(html: str) -> list[str]:
    return [m.strip() for m in re.findall(r'<div class="alert alert-\w+ alert-dismissible[^>]*>\s*([^<]*)<', html)]


def audit_count(session) -> int:
    """Audit events about firms (creating the test users writes some too)."""
    session.rollback()  # see what the request committed, not this session's snapshot
    return session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.firm_id.is_not(None)))


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
