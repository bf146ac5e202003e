"""The county target split: proportional to eligible firms by largest remainders, at least one per district,
summing to exactly the plan's total, with ties broken the same way every time."""

from fractions import Fraction
from itertools import permutations

import pytest

from workflows.rules.targets import split_targets

# Plausible eligible-firm counts for the 13 divisions of Hangzhou (not real figures).
HANGZHOU = {"330102": 21_437, "330105": 19_862, "330106": 17_305, "330108": 12_644, "330109": 28_913,
            "330110": 31_276, "330111": 9_118, "330112": 6_407, "330113": 14_052, "330114": 10_733,
            "330122": 3_981, "330127": 2_764, "330182": 4_529}


def test_45000_over_thirteen_districts_sums_exactly_and_stays_within_one_of_each_quota():
    split = split_targets(45_000, HANGZHOU)
    assert sorted(split) == sorted(HANGZHOU)
    assert sum(split.values()) == 45_000
    rest, weight_sum = 45_000 - 13, sum(HANGZHOU.values())
    for code, weight in HANGZHOU.items():
        quota = 1 + Fraction(rest * weight, weight_sum)
        assert abs(split[code] - quota) < 1, code
    # More eligible firms never means a smaller target.
    by_weight = sorted(HANGZHOU, key=HANGZHOU.get)
    assert [split[c] for c in by_weight] == sorted(split.values())


def test_worked_example_largest_remainder_takes_the_leftover_seat():
    # 7 after the minimums: quotas 4.375, 2.625, 0 -> floors 4, 2, 0 and one seat left for the .625.
    assert split_targets(10, {"a": 5, "b": 3, "c": 0}) == {"a": 5, "b": 4, "c": 1}


def test_a_district_without_eligible_firms_still_gets_one():
    split = split_targets(45_000, {**HANGZHOU, "330127": 0})
    assert split["330127"] == 1
    assert sum(split.values()) == 45_000


def test_all_zero_weights_split_evenly():
    split = split_targets(45_000, dict.fromkeys(HANGZHOU, 0))
    assert sum(split.values()) == 45_000
    assert set(split.values()) == {3461, 3462}
    # 45,000 = 13 x 3,461 + 7: the seven extra seats go to the first codes in order, deterministically.
    assert [c for c in sorted(split) if split[c] == 3462] == sorted(HANGZHOU)[:7]


def test_exact_proportions_need_no_rounding():
    assert split_targets(103, {"a": 50, "b": 30, "c": 20}) == {"a": 51, "b": 31, "c": 21}


def test_equal_remainders_go_to_the_larger_weight_then_the_smaller_code():
    # 2 after the minimums: quotas 0.5 and 1.5 tie on remainder; the larger weight takes the seat.
    assert split_targets(4, {"a": 1, "b": 3}) == {"a": 1, "b": 3}
    # Four equal weights, one seat to share: the first code in order takes it.
    assert split_targets(5, {"d": 1, "c": 1, "b": 1, "a": 1}) == {"a": 2, "b": 1, "c": 1, "d": 1}


def test_the_result_does_not_depend_on_the_order_of_the_input():
    weights = {"x": 7, "y": 7, "z": 7, "w": 2}
    results = {tuple(sorted(split_targets(30, dict(order)).items())) for order in permutations(weights.items())}
    assert len(results) == 1


def test_the_total_exactly_covers_the_minimums():
    assert split_targets(13, HANGZHOU) == dict.fromkeys(HANGZHOU, 1)


def test_a_zero_minimum_is_allowed():
    assert split_targets(3, {"a": 1, "b": 0, "c": 2}, minimum=0) == {"a": 1, "b": 0, "c": 2}


@pytest.mark.parametrize("total, weights, message", [
    (12, HANGZHOU, "不足以"),
    (0, {"a": 1}, "不足以"),
    (45_000, {}, "没有可分配"),
    (45_000, {"a": 3, "b": -1}, "负数"),
])
def test_impossible_splits_are_refused(total, weights, message):
    with pytest.raises(ValueError, match=message):
        split_targets(total, weights)


@pytest.mark.parametrize("total", [13, 14, 100, 12_345, 45_000, 45_001, 1_000_000])
def test_any_feasible_total_sums_exactly(total):
    split = split_targets(total, HANGZHOU)
    assert sum(split.values()) == total
    assert min(split.values()) >= 1
