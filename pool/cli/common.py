"""What the command groups share: a domain error becomes a click error, and text is padded for a terminal."""

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager

import click

from workflows.errors import DomainError


def describe(exc: Exception) -> str:
    """The error's Chinese message, followed by the fields it names: "企业不存在 (uscc: ...)"."""
    fields = getattr(exc, "fields", None) or {}
    detail = "; ".join(f"{k}: {v}" for k, v in fields.items())
    return f"{getattr(exc, 'message', exc)}{' (' + detail + ')' if detail else ''}"


@contextmanager
def domain_errors() -> Iterator[None]:
    """Outside `unit_of_work()`, so the work is rolled back before the command exits with code 1."""
    try:
        yield
    except DomainError as exc:
        raise click.ClickException(describe(exc)) from None


def pad(text: str, width: int, right: bool = False) -> str:
    """Pad to a terminal width in which a CJK character takes two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    gap = " " * max(0, width - used)
    return gap + text if right else text + gap
