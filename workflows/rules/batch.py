"""入库批次 (intake batch) "YYYY-N": the plan admits to the pools twice a year, so N follows the half year.

The one rule for the batch a nomination made on a Hangzhou calendar day belongs to: January to June is
batch 1, July to December batch 2. The nomination forms default to it and the demo seed uses it; an
officer may still type another batch (a late nomination for the previous intake).
"""

from datetime import date

BATCHES_PER_YEAR = 2


def intake_batch(day: date) -> str:
    """The batch of `day`: 2026-03-15 -> "2026-1", 2026-11-30 -> "2026-2"."""
    return f"{day.year}-{(day.month - 1) * BATCHES_PER_YEAR // 12 + 1}"
