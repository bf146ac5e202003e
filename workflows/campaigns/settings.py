"""The 成长之星 policy (`[growth_star]` in policy.toml), validated when read.

`workflows.policy` keeps tables it does not know in `Policy.extra`; this module owns `growth_star`, so a
misspelt weight or one that breaks the sum of 100 fails with the key's name instead of scoring wrongly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from workflows.policy import Policy, PolicyError, default_policy

# The score's parts in the order pages show them: (policy key, Chinese name).
PART_NAMES = {
    "revenue_growth": "营业收入增长率",
    "tax_growth": "纳税总额增长率",
    "employment_growth": "从业人员增长率",
    "rd_intensity": "研发投入强度",
    "rd_staff_share": "研发人员占比",
}
KEYS = {"candidate_factor", "default_total", "honour_name", "honour_level", "weights"}


@dataclass(frozen=True)
class StarPolicy:
    weights: dict[str, Decimal]  # part -> weight; they add up to 100
    candidate_factor: Decimal
    default_total: int
    honour_name: str
    honour_level: str


def star_policy(policy: Policy | None = None) -> StarPolicy:
    return parse_star((policy or default_policy()).extra)


def parse_star(extra: dict) -> StarPolicy:
    table = extra.get("growth_star")
    if not isinstance(table, dict):
        raise PolicyError("缺少表[growth_star]")
    unknown = sorted(set(table) - KEYS)
    if unknown:
        raise PolicyError(f"growth_star：未知键{', '.join(unknown)}（可用：{', '.join(sorted(KEYS))}）")
    weights = table.get("weights")
    if not isinstance(weights, dict) or set(weights) != set(PART_NAMES):
        raise PolicyError(f"growth_star.weights：须恰好给出{', '.join(PART_NAMES)}的权重")
    clean = {key: _number(weights[key], f"growth_star.weights.{key}") for key in PART_NAMES}
    if sum(clean.values()) != 100:
        raise PolicyError(f"growth_star.weights：权重合计须为100，现为{sum(clean.values())}")
    factor = _number(table.get("candidate_factor"), "growth_star.candidate_factor")
    if factor < 1:
        raise PolicyError("growth_star.candidate_factor：应不小于1")
    total = table.get("default_total")
    if type(total) is not int or total <= 0:
        raise PolicyError("growth_star.default_total：应为正整数")
    names = {key: table.get(key) for key in ("honour_name", "honour_level")}
    for key, value in names.items():
        if not isinstance(value, str) or not value.strip():
            raise PolicyError(f"growth_star.{key}：应为文字")
    return StarPolicy(clean, factor, total, names["honour_name"], names["honour_level"])


def _number(value, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise PolicyError(f"{where}：应为非负数字")
    return Decimal(str(value))
