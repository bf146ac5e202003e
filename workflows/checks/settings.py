"""The checks' policy data (`[checks]` in policy.toml): schedules and thresholds, validated at load.

`workflows.policy` keeps tables it does not know in `Policy.extra`; this module owns the `checks` one, so a
typo in a threshold fails the scheduler's start with the key's name rather than flagging the wrong firms.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from workflows.case_flows import CASE_WORKFLOWS
from workflows.policy import Policy, PolicyError, default_policy

CRON_FIELDS = 5


@dataclass(frozen=True)
class ChecksPolicy:
    version: str
    schedules: dict[str, str]
    material_change: Decimal
    figures_max_age_years: int
    upgrade: dict[str, Decimal]
    hygiene: dict[str, Decimal]
    overdue_default_days: int
    overdue_nomination_days: int
    overdue_case_days: dict[str, int]

    def case_days(self, state: str) -> int:
        return self.overdue_case_days.get(state, self.overdue_default_days)


UPGRADE_KEYS = ("ind_to_ent_revenue", "ind_to_ent_employees", "near_scale_share", "scale_to_stock_revenue",
                "listing_reserve_revenue", "listing_reserve_profit")
HYGIENE_KEYS = ("revenue_drop_share", "no_figures_years")
SHARES = {"near_scale_share", "revenue_drop_share"}


def checks_policy(policy: Policy | None = None) -> ChecksPolicy:
    """Parsed on each call: a handful of keys, read once per check run."""
    return parse_checks(policy or default_policy())


def parse_checks(policy: Policy) -> ChecksPolicy:
    table = _table(policy.extra, "checks", "")
    _keys(table, {"material_change", "figures_max_age_years", "schedules", "upgrade", "hygiene", "overdue"},
          "checks")
    schedules = _table(table, "schedules", "checks.")
    for name, line in schedules.items():
        if not isinstance(line, str) or len(line.split()) != CRON_FIELDS:
            raise PolicyError(f"checks.schedules.{name}：应为五段crontab，如\"0 2 * * *\"")
    overdue = _table(table, "overdue", "checks.")
    _keys(overdue, {"default_days", "nomination_days", "case_days"}, "checks.overdue")
    case_days = overdue.get("case_days", {})
    _keys(case_days, case_states(), "checks.overdue.case_days")
    hygiene = _table(table, "hygiene", "checks.")
    _days(hygiene, "no_figures_years", "checks.hygiene", unit="年")  # a count of whole years, at least one
    return ChecksPolicy(
        version=policy.version,
        schedules=dict(schedules),
        material_change=_number(table, "material_change", "checks", share=True),
        figures_max_age_years=int(_number(table, "figures_max_age_years", "checks")),
        upgrade=_numbers(_table(table, "upgrade", "checks."), UPGRADE_KEYS, "checks.upgrade"),
        hygiene=_numbers(hygiene, HYGIENE_KEYS, "checks.hygiene"),
        overdue_default_days=_days(overdue, "default_days", "checks.overdue"),
        overdue_nomination_days=_days(overdue, "nomination_days", "checks.overdue"),
        overdue_case_days={k: _days(case_days, k, "checks.overdue.case_days") for k in case_days},
    )


def case_states() -> set[str]:
    """The states a case can wait in (the non-final states of the four case workflows): the keys
    `case_days` may name, so a misspelt state fails the load instead of silently taking the default."""
    return {name for wf in CASE_WORKFLOWS.values() for name, state in wf.states.items() if not state.final}


def _table(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict) or not value:
        raise PolicyError(f"缺少表[{where}{key}]")
    return value


def _keys(table: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise PolicyError(f"{where}：未知键{', '.join(unknown)}（可用：{', '.join(sorted(allowed))}）")


def _number(table: dict, key: str, where: str, *, share: bool = False) -> Decimal:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise PolicyError(f"{where}.{key}：应为非负数字")
    if share and value > 1:
        raise PolicyError(f"{where}.{key}：应为0到1之间的比例")
    return Decimal(str(value))


def _numbers(table: dict, keys: tuple[str, ...], where: str) -> dict[str, Decimal]:
    _keys(table, set(keys), where)
    return {k: _number(table, k, where, share=k in SHARES) for k in keys}


def _days(table: dict, key: str, where: str, *, unit: str = "天") -> int:
    value = table.get(key)
    if type(value) is not int or value <= 0:
        raise PolicyError(f"{where}.{key}：应为正整数（{unit}）")
    return value
