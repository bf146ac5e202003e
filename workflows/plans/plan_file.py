"""Reading a plan written as data (workflows/data/plan_2021_2023.toml is the first): validated, no database.

Migration 0011 seeds the 2021—2023 plan from it and `flask plans load PATH` adds a later plan written the
same way; the pages' form builds the same dictionary. Every refusal names the metric and the field.
"""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from workflows.errors import ValidationFailed

SEED_PLAN = Path(__file__).resolve().parent.parent / "data" / "plan_2021_2023.toml"
KINDS = ("computed", "reported")
ACCUMULATIONS = ("flow", "level", "rate")
COMPARISONS = ("at_least", "above")
METRIC_FIELDS = {"key", "kind", "label", "section", "unit", "target", "comparison", "accumulation", "per_year",
                 "responsible", "note", "district_targets"}


def read_plan_file(path: Path | str = SEED_PLAN) -> dict:
    with open(path, "rb") as handle:
        return clean_plan(tomllib.load(handle))


def clean_plan(data: dict) -> dict:
    """{"plan": {...}, "metrics": [...]} with dates, Decimals and defaults; ValidationFailed names each fault."""
    head = data.get("plan") or {}
    errors = {}
    name = str(head.get("name") or "").strip()
    if not name:
        errors["name"] = "请填写计划名称"
    starts_on, ends_on = _date(head.get("starts_on"), "starts_on", errors), _date(head.get("ends_on"), "ends_on", errors)
    if starts_on and ends_on and ends_on <= starts_on:
        errors["ends_on"] = "结束日期应晚于开始日期"
    metrics = [clean_metric(m, i, errors) for i, m in enumerate(data.get("metrics") or [])]
    keys = [m["key"] for m in metrics]
    if not metrics:
        errors["metrics"] = "计划至少应有一项指标"
    for key in {k for k in keys if keys.count(k) > 1}:
        errors[f"metrics.{key}"] = f"指标代码重复：{key}"
    if errors:
        raise ValidationFailed("计划内容有误", fields=errors)
    plan = {"name": name, "starts_on": starts_on, "ends_on": ends_on, "source": str(head.get("source") or "").strip(),
            "note": str(head.get("note") or "").strip()}
    return {"plan": plan, "metrics": metrics}


def clean_metric(m: dict, index: int, errors: dict) -> dict:
    from workflows.plans.registry import COMPUTED  # the definitions a computed metric may name

    where = f"metrics[{index}]"
    unknown = set(m) - METRIC_FIELDS
    if unknown:
        errors[where] = f"未知字段：{'、'.join(sorted(unknown))}"
    key = str(m.get("key") or "").strip()
    kind = m.get("kind", "reported")
    if not key or len(key) > 40 or not key.replace("_", "").isalnum() or not key.isascii():
        errors[f"{where}.key"] = "指标代码应为不超过40个字符的英文字母、数字或下划线"
    if kind not in KINDS:
        errors[f"{where}.kind"] = f"指标类型应为 computed 或 reported：{kind}"
    elif kind == "computed" and key not in COMPUTED:
        errors[f"{where}.key"] = f"没有名为“{key}”的计算口径（可用：{'、'.join(COMPUTED)}）"
    label = str(m.get("label") or (COMPUTED[key].label if kind == "computed" and key in COMPUTED else "")).strip()
    if not label:
        errors[f"{where}.label"] = "请填写指标名称"
    accumulation = m.get("accumulation") or (COMPUTED[key].accumulation if key in COMPUTED else "flow")
    comparison = m.get("comparison", "at_least")
    if accumulation not in ACCUMULATIONS:
        errors[f"{where}.accumulation"] = f"累计方式应为 {'/'.join(ACCUMULATIONS)}"
    if comparison not in COMPARISONS:
        errors[f"{where}.comparison"] = f"达标方式应为 {'/'.join(COMPARISONS)}"
    target = _number(m.get("target"), f"{where}.target", errors)
    district_targets = {}
    for code, value in (m.get("district_targets") or {}).items():
        number = _number(value, f"{where}.district_targets.{code}", errors)
        if number is not None:
            district_targets[str(code)] = number
    return {"key": key, "kind": kind, "label": label, "section": str(m.get("section") or "").strip(),
            "unit": str(m.get("unit") or "家").strip(), "target": target, "comparison": comparison,
            "accumulation": accumulation, "per_year": bool(m.get("per_year", False)),
            "responsible": str(m.get("responsible") or "").strip(), "note": str(m.get("note") or "").strip(),
            "sort_order": index, "district_targets": district_targets}


def _date(value, field: str, errors: dict) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        errors[field] = "日期格式应为 YYYY-MM-DD"
        return None


def _number(value, field: str, errors: dict) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        errors[field] = "应为数字"
        return None
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        errors[field] = f"应为数字：{value}"
        return None
    if not number.is_finite() or number < 0:
        errors[field] = "应为非负数字"
        return None
    return number
