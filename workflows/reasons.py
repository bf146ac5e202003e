"""Machine-readable explanations for rule outcomes.

Rules return reasons instead of booleans because reviewers must see why a firm was refused or flagged
(the figure, the threshold, the rule), and the same record is stored as JSON on flags and audit events.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


def _plain(value: Any) -> Any:
    # Decimals go out as strings so JSON keeps the exact figure (no float rounding, no exponent).
    return format(value, "f") if isinstance(value, Decimal) else value


@dataclass(frozen=True)
class Reason:
    rule: str
    message: str
    value: Any = None
    threshold: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "message": self.message,
            "value": _plain(self.value),
            "threshold": _plain(self.threshold),
        }


def format_amount(value: Decimal | int) -> str:
    """Render a 万元 amount for a Chinese message: no exponent, no trailing zeros (2000, 1500.5)."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)
