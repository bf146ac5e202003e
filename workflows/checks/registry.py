"""The one registry of checks: the scheduler, the CLI, the pages and the API all look a check up here."""

from __future__ import annotations

from workflows.checks.base import Check
from workflows.errors import NotFound

CHECKS: dict[str, Check] = {}


def register(check: Check) -> Check:
    if check.name in CHECKS:
        raise ValueError(f"check {check.name!r} registered twice")
    CHECKS[check.name] = check
    return check


def get_check(name: str) -> Check:
    try:
        return CHECKS[name]
    except KeyError:
        raise NotFound(f"没有名为“{name}”的检查（可用：{'、'.join(CHECKS)}）") from None


def kind_owner() -> dict[str, str]:
    """Flag kind -> the check that raises it."""
    return {kind: check.name for check in CHECKS.values() for kind in check.kinds}
