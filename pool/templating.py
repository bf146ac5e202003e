"""Jinja helpers: Chinese labels for codes, times in Asia/Shanghai, money without float noise."""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import Flask

from models.enums import (
    BOARD_LABELS,
    ROLE_LABELS,
    SIZE_LABELS,
    STAGE_LABELS,
    STATUS_LABELS,
    TAG_LABELS,
)
from workflows.ladder import CASE_LABELS

SHANGHAI = ZoneInfo("Asia/Shanghai")
LABELS = {
    "stage": STAGE_LABELS,
    "status": STATUS_LABELS,
    "size": SIZE_LABELS,
    "tag": TAG_LABELS,
    "role": ROLE_LABELS,
    "board": BOARD_LABELS,
    "case": CASE_LABELS,
}


def label(value, kind: str) -> str:
    if value is None:
        return ""
    return LABELS[kind].get(value, str(value))


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(SHANGHAI).strftime(fmt)


def money(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


def install_template_helpers(app: Flask) -> None:
    app.add_template_filter(label)
    app.add_template_filter(local_time)
    app.add_template_filter(money)
