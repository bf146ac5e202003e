"""入库批次 follows the half year: one rule for the forms' default and the demo seed."""

from datetime import date

import pytest

from workflows.rules.batch import intake_batch


@pytest.mark.parametrize("day,batch", [
    (date(2026, 1, 1), "2026-1"), (date(2026, 6, 30), "2026-1"),
    (date(2026, 7, 1), "2026-2"), (date(2026, 12, 31), "2026-2"),
])
def test_batch_by_half_year(day, batch):
    assert intake_batch(day) == batch
