"""The imports' policy data (`[imports]` in policy.toml), validated when read.

`workflows.policy` keeps tables it does not know in `Policy.extra`; this module owns `imports`, so the
bureau can add a registry's wording of 登记状态, or move a plausibility bound, without a code release, and a
typo (an unknown status, a sector that does not exist) fails with the key's name instead of importing
wrongly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from models.enums import STATUS_LABELS, FirmStatus
from workflows.policy import Policy, PolicyError, default_policy, policy_amount
from workflows.rules.text import normalise_cell

KEYS = {"registry_status", "revenue_per_employee"}


@dataclass(frozen=True)
class ImportPolicy:
    registry_status: dict[str, str]  # wording (normalised by `status_key`) -> FirmStatus value
    revenue_per_employee: dict[str, Decimal]  # scale sector key (or "default") -> 万元 per person

    def revenue_bound(self, sector: str) -> Decimal:
        return self.revenue_per_employee.get(sector, self.revenue_per_employee["default"])


def status_key(text: str) -> str:
    """How a 登记状态 wording is looked up: NFKC (full-width brackets and commas as ASCII), no spaces."""
    return "".join(normalise_cell(text).split()).lower()


@cache
def import_policy() -> ImportPolicy:
    return parse_imports(default_policy())


def parse_imports(policy: Policy) -> ImportPolicy:
    table = policy.extra.get("imports")
    if not isinstance(table, dict):
        raise PolicyError("缺少表[imports]")
    unknown = sorted(set(table) - KEYS)
    if unknown:
        raise PolicyError(f"imports：未知键{', '.join(unknown)}（可用：{', '.join(sorted(KEYS))}）")
    statuses = {status_key(label): code.value for code, label in STATUS_LABELS.items()}
    statuses |= {code.value: code.value for code in FirmStatus}
    allowed = {code.value for code in FirmStatus}
    for word, code in (table.get("registry_status") or {}).items():
        if code not in allowed:
            raise PolicyError(f"imports.registry_status.{word}：未知状态{code!r}（可用：{', '.join(sorted(allowed))}）")
        statuses[status_key(word)] = code
    bounds_table = table.get("revenue_per_employee")
    if not isinstance(bounds_table, dict) or "default" not in bounds_table:
        raise PolicyError("imports.revenue_per_employee：须为表，且给出default")
    sectors = {"default", *policy.scale_sectors}
    bounds = {}
    for sector, value in bounds_table.items():
        if sector not in sectors:
            raise PolicyError(f"imports.revenue_per_employee.{sector}：未知的规上行业（可用：{', '.join(sorted(sectors))}）")
        bound = policy_amount(value, f"imports.revenue_per_employee.{sector}")
        if not bound:
            raise PolicyError(f"imports.revenue_per_employee.{sector}：应为正数（万元/人）")
        bounds[sector] = bound
    return ImportPolicy(statuses, bounds)
