"""Jinja helpers: Chinese labels for codes, times in Asia/Shanghai, money without float noise.

Codes stay codes in the database and the API; only templates turn them into Chinese, through these
helpers, so every page says the same thing for the same code. The audit-change helpers live here too:
the timeline shows evidence written by several workflows, and each field's old and new value must be
readable (a stage code shown as 规上/限上企业, a tag list as its Chinese names, true as 是).
"""

from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask import Flask, g, has_app_context

from models import db
from models.enums import (
    BOARD_LABELS,
    FLAG_KIND_LABELS,
    ROLE_LABELS,
    SIZE_LABELS,
    STAGE_LABELS,
    STATUS_LABELS,
    TAG_LABELS,
)
from pool.scheduler import alive_now
from workflows.case_flows.ind_to_ent import ROUTES
from workflows.ladder import CASE_LABELS
from workflows.timefmt import MINUTES, format_local, iso_local
from workflows.users import display_names

LABELS = {
    "stage": STAGE_LABELS,
    "status": STATUS_LABELS,
    "size": SIZE_LABELS,
    "size_class": SIZE_LABELS,
    "tag": TAG_LABELS,
    "tags": TAG_LABELS,
    "role": ROLE_LABELS,
    "board": BOARD_LABELS,
    "case": CASE_LABELS,
    "kind": CASE_LABELS,
    "route": dict(ROUTES),
    "qualification": {"confirmed": "已核实"},
    "flag_kind": FLAG_KIND_LABELS,
}

# Field names as officers know them, for the timeline's "field: old → new" lines.
FIELD_LABELS = {
    "uscc": "统一社会信用代码",
    "name": "企业名称",
    "legal_form": "组织形式",
    "stage": "阶梯阶段",
    "district_code": "所属区县",
    "district": "所属区县",
    "industry": "行业代码",
    "registered_on": "成立日期",
    "status": "登记状态",
    "tags": "八大万亿产业",
    "size_class": "企业划型",
    "abnormal": "经营异常",
    "serious_violation": "严重违法失信",
    "tech_sme": "科技型中小企业",
    "high_tech": "高新技术企业",
    "predecessor_id": "前身企业",
    "revenue": "营业收入（万元）",
    "tax": "纳税总额（万元）",
    "profit": "利润总额（万元）",
    "employees": "从业人员（人）",
    "rd_expense": "研发费用（万元）",
    "rd_staff": "研发人员（人）",
    "total_assets": "资产总额（万元）",
    "export": "出口额（万元）",
    "board": "上市板块",
    "route": "转企方式",
    "new_uscc": "新统一社会信用代码",
    "key": "市级重点拟上市",
    "listed_on": "上市/挂牌日期",
    "qualification": "建筑业资质",
    "justification": "书面说明",
    "reason": "原因",
}
# Which label table a changed field's values come from (the rest are shown as stored).
VALUE_KINDS = {"stage": "stage", "status": "status", "size_class": "size", "tags": "tag", "board": "board",
               "route": "route", "qualification": "qualification"}
MONEY_FIELDS = frozenset({"revenue", "tax", "profit", "rd_expense", "total_assets", "export"})
# Prefixes for nested evidence (a case's changes to its firm, to its own attributes).
CHANGE_GROUPS = {"firm": "企业", "attributes": "案件"}


def label(value, kind: str) -> str:
    if value is None:
        return ""
    return LABELS[kind].get(value, str(value))


def local_time(value: datetime | None, fmt: str = MINUTES) -> str:
    return format_local(value, fmt)


def iso_time(value: datetime | None) -> str:
    """For `<time datetime="...">`: ISO 8601 with Hangzhou's offset."""
    return iso_local(value) or ""


# Actors that are not a person: audit events and import runs written by the command line or the system.
NON_PERSONS = {"system": "系统"}


def person(value) -> str:
    """The name a page shows for a user: a User, or a login id as audit events and import runs store it.

    Pages never show login ids (`xihu`) where a person's name belongs; the names are read once per request.
    An id that is no user's (a deleted account) is shown as stored, rather than hidden."""
    if value is None or value == "":
        return ""
    if hasattr(value, "label"):
        return value.label
    value = str(value)
    if value in NON_PERSONS:
        return NON_PERSONS[value]
    if not has_app_context():
        return value
    if "person_names" not in g:
        g.person_names = display_names(db.session)
    return g.person_names.get(value, value)


def money(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


def number(value) -> str:
    """A count as every page prints it: 200,044, never 200044 on one page and 200,044 on the next."""
    if value is None:
        return "—"
    return f"{value:,}"


def is_negative(value) -> bool:
    """Loss-making years are highlighted; a profit of None (unknown) is not a loss."""
    try:
        return value is not None and Decimal(str(value)) < 0
    except InvalidOperation:
        return False


def yes_no(value) -> str:
    return "是" if value else "否"


def change_value(field: str, value, districts: dict[str, str] | None = None) -> str:
    """One old or new value of an audited field, in words an officer reads."""
    if value is None or value == "" or value == []:
        return "（空）"
    if isinstance(value, bool):
        return yes_no(value)
    if field in ("district_code", "district") and districts:
        return districts.get(value, value)
    if field in MONEY_FIELDS:
        try:
            return money(Decimal(str(value)))
        except InvalidOperation:
            return str(value)
    kind = VALUE_KINDS.get(field)
    if kind and isinstance(value, list):
        return "、".join(label(v, kind) for v in value)
    if kind:
        return label(value, kind)
    if isinstance(value, list):
        return "、".join(map(str, value))
    return str(value)


def change_rows(changes: dict | None, districts: dict[str, str] | None = None) -> list[dict]:
    """Flatten audit `changes` ({field: [old, new]}, or groups of them) into rows for a table."""
    rows = []
    for key, value in (changes or {}).items():
        if isinstance(value, dict):
            prefix = CHANGE_GROUPS.get(key, key)
            rows += [{**row, "label": f"{prefix}·{row['label']}"} for row in change_rows(value, districts)]
        elif isinstance(value, list | tuple) and len(value) == 2:
            old, new = value
            rows.append({
                "field": key,
                "label": FIELD_LABELS.get(key, key),
                "old": change_value(key, old, districts),
                "old_empty": old is None or old == [],
                "new": change_value(key, new, districts),
            })
    return rows


def pct(value, missing: int = 0) -> str:
    """The class of a bar `value` percent long (app.css's .pct-0 … .pct-100): the pages' security policy
    allows no style attribute, so a width is a class. Missing counts as `missing`; out of range is clamped."""
    try:
        number = float(value) if value is not None else float(missing)
    except (TypeError, ValueError):
        number = float(missing)
    return f"pct-{max(0, min(100, round(number)))}"


def install_template_helpers(app: Flask) -> None:
    app.add_template_filter(pct)
    app.add_template_filter(label)
    app.add_template_filter(local_time)
    app.add_template_filter(iso_time)
    app.add_template_filter(money)
    app.add_template_filter(number)
    app.add_template_filter(person)
    app.add_template_filter(yes_no)
    app.add_template_filter(is_negative)
    app.add_template_global(change_rows)
    app.add_template_global(alive_now, "scheduler_alive")
