"""划型 at every boundary of every row, with missing data, and a row whose medium bounds are unknown."""

from dataclasses import replace
from decimal import Decimal
from types import SimpleNamespace

import pytest

from workflows.policy import default_policy
from workflows.rules.size_class import SizeClass, classify_size, size_class_for

E, R, A = "employees", "revenue", "total_assets"

# Written out from domain-facts §2.2 independently of policy.toml, so a typo in either is caught.
EXPECTED = {
    "industry": {"large": {E: 1000, R: 40000}, "medium": {E: 300, R: 2000}, "small": {E: 20, R: 300}},
    "construction": {"large": {R: 80000, A: 80000}, "medium": {R: 6000, A: 5000}, "small": {R: 300, A: 300}},
    "wholesale": {"large": {E: 200, R: 40000}, "medium": {E: 20, R: 5000}, "small": {E: 5, R: 1000}},
    "retail": {"large": {E: 300, R: 20000}, "medium": {E: 50, R: 500}, "small": {E: 10, R: 100}},
    "accommodation": {"large": {E: 300, R: 10000}, "medium": {E: 100, R: 2000}, "small": {E: 10, R: 100}},
    "catering": {"large": {E: 300, R: 10000}, "medium": {E: 100, R: 2000}, "small": {E: 10, R: 100}},
    "software": {"large": {E: 300, R: 10000}, "medium": {E: 100, R: 1000}, "small": {E: 10, R: 50}},
    "info_transmission": {
        "large": {E: 2000, R: 100000},
        "medium": {E: 100, R: 1000},
        "small": {E: 10, R: 100},
    },
    "leasing_business": {"large": {E: 300, A: 120000}, "medium": {E: 100, A: 8000}, "small": {E: 10, A: 100}},
    "other": {"large": {E: 300}, "medium": {E: 100}, "small": {E: 10}},
    "agriculture": {"large": {R: 20000}, "medium": {R: 500}, "small": {R: 50}},
    "property_mgmt": {"large": {E: 1000, R: 5000}, "medium": {E: 300, R: 1000}, "small": {E: 100, R: 500}},
    "real_estate_dev": {"large": {R: 200000, A: 10000}, "medium": {R: 1000, A: 5000}, "small": {R: 100, A: 2000}},
    "transport": {"large": {E: 1000, R: 30000}, "medium": {E: 300, R: 3000}, "small": {E: 20, R: 200}},
    "warehousing": {"large": {E: 200, R: 30000}, "medium": {E: 100, R: 1000}, "small": {E: 20, R: 100}},
    "postal": {"large": {E: 1000, R: 30000}, "medium": {E: 300, R: 2000}, "small": {E: 20, R: 100}},
}
WITHOUT_MEDIUM = [key for key, classes in EXPECTED.items() if "medium" not in classes]
CLASSES = [(key, cls) for key, classes in EXPECTED.items() for cls in classes]
LOWER = {"large": SizeClass.MEDIUM, "medium": SizeClass.SMALL, "small": SizeClass.MICRO}


def _row(key):
    return default_policy().size_rows[key]


def _firm(bounds, **override):
    """Indicator values exactly at ``bounds``; indicators the row does not use get a value that never matters."""
    values = {E: None, R: None, A: None}
    for name, bound in bounds.items():
        values[name] = int(bound) if name == E else Decimal(bound)
    values.update(override)
    return values


def _below(name, bound):
    return bound - 1 if name == E else Decimal(bound) - Decimal("0.01")


def _classify(key, values):
    return classify_size(_row(key), employees=values[E], revenue=values[R], total_assets=values[A])


def test_policy_rows_match_domain_facts():
    rows = default_policy().size_rows
    assert set(rows) == set(EXPECTED)
    for key, classes in EXPECTED.items():
        for cls in ("large", "medium", "small"):
            expected = classes.get(cls)
            actual = rows[key].bounds(cls)
            assert (actual is None) == (expected is None), (key, cls)
            if expected:
                assert actual == {k: Decimal(v) for k, v in expected.items()}, (key, cls)


@pytest.mark.parametrize("key, cls", CLASSES)
def test_exactly_at_bounds(key, cls):
    expected = SizeClass(cls)
    if cls == "small" and key in WITHOUT_MEDIUM:
        expected = SizeClass.UNKNOWN  # small or medium: the medium bounds are not known
    assert _classify(key, _firm(EXPECTED[key][cls])) == expected


@pytest.mark.parametrize("key, cls", CLASSES)
def test_one_below_each_bound_drops_a_class(key, cls):
    bounds = EXPECTED[key][cls]
    for name, bound in bounds.items():
        got = _classify(key, _firm(bounds, **{name: _below(name, bound)}))
        expected = LOWER[cls]
        if cls == "large" and key in WITHOUT_MEDIUM:
            expected = SizeClass.UNKNOWN
        assert got == expected, (key, cls, name)


@pytest.mark.parametrize("key", EXPECTED)
def test_zero_everything_is_micro(key):
    assert _classify(key, {E: 0, R: Decimal(0), A: Decimal(0)}) == SizeClass.MICRO


@pytest.mark.parametrize("key", EXPECTED)
def test_all_missing_is_unknown(key):
    assert _classify(key, {E: None, R: None, A: None}) == SizeClass.UNKNOWN


@pytest.mark.parametrize("key", [k for k in EXPECTED if len(EXPECTED[k]["small"]) == 2])
def test_micro_by_any_indicator_even_with_the_other_missing(key):
    small = EXPECTED[key]["small"]
    for name, bound in small.items():
        values = {E: None, R: None, A: None, name: _below(name, bound)}
        assert _classify(key, values) == SizeClass.MICRO, (key, name)


@pytest.mark.parametrize("key", [k for k in EXPECTED if len(EXPECTED[k]["small"]) == 2])
def test_one_indicator_missing_and_the_other_fine_is_unknown(key):
    small = EXPECTED[key]["small"]
    for name in small:
        values = _firm(EXPECTED[key]["large"], **{name: None})
        assert _classify(key, values) == SizeClass.UNKNOWN, (key, name)


def test_huge_on_one_indicator_but_micro_on_another_is_micro():
    assert _classify("industry", {E: 5000, R: Decimal("299.99"), A: None}) == SizeClass.MICRO


def test_medium_by_all_bounds_but_large_on_only_one():
    assert _classify("industry", {E: 5000, R: Decimal(2000), A: None}) == SizeClass.MEDIUM


def test_indicators_the_row_does_not_use_are_ignored():
    assert _classify("other", {E: 50, R: None, A: None}) == SizeClass.SMALL
    assert _classify("other", {E: 150, R: Decimal(1), A: None}) == SizeClass.MEDIUM
    assert _classify("other", {E: 300, R: None, A: None}) == SizeClass.LARGE
    assert _classify("agriculture", {E: None, R: Decimal(100), A: None}) == SizeClass.SMALL


def test_a_row_whose_medium_bounds_are_unknown_leaves_the_band_between_unknown():
    """Policy data may carry a row before its 中型 bounds are confirmed: the firms in that band read 未知."""
    row = replace(_row("other"), medium=None)
    assert classify_size(row, employees=50, revenue=None, total_assets=None) == SizeClass.UNKNOWN
    assert classify_size(row, employees=5, revenue=None, total_assets=None) == SizeClass.MICRO
    assert classify_size(row, employees=300, revenue=None, total_assets=None) == SizeClass.LARGE


def test_no_row_is_unknown():
    assert classify_size(None, employees=1, revenue=Decimal(1), total_assets=Decimal(1)) == SizeClass.UNKNOWN


def test_size_class_is_a_str_enum():
    assert SizeClass.MICRO == "micro"
    assert [c.value for c in SizeClass] == ["large", "medium", "small", "micro", "unknown"]


class TestSizeClassFor:
    def test_uses_industry_row(self):
        firm = SimpleNamespace(employees=25, revenue=Decimal(500), total_assets=None)
        assert size_class_for(default_policy(), "C3911", firm) == SizeClass.SMALL
        assert size_class_for(default_policy(), "F52", firm) == SizeClass.SMALL  # retail: 10 / 100
        assert size_class_for(default_policy(), "I65", firm) == SizeClass.SMALL  # software: 10 / 50

    def test_no_indicator_is_unknown(self):
        assert size_class_for(default_policy(), "C39", None) == SizeClass.UNKNOWN

    def test_no_industry_is_unknown(self):
        firm = SimpleNamespace(employees=25, revenue=Decimal(500), total_assets=None)
        assert size_class_for(default_policy(), None, firm) == SizeClass.UNKNOWN
        assert size_class_for(default_policy(), "", firm) == SizeClass.UNKNOWN

    def test_industry_without_size_row_is_unknown(self):
        firm = SimpleNamespace(employees=1, revenue=Decimal(1), total_assets=Decimal(1))
        assert size_class_for(default_policy(), "G53", firm) == SizeClass.UNKNOWN  # 铁路运输: no 划型 row
        assert size_class_for(default_policy(), "K70", firm) == SizeClass.UNKNOWN

    def test_transport_warehousing_and_postal_rows_decide_now(self):
        firm = SimpleNamespace(employees=25, revenue=Decimal(500), total_assets=None)
        assert size_class_for(default_policy(), "G5430", firm) == SizeClass.SMALL  # 道路运输: 20 / 200
        assert size_class_for(default_policy(), "G5920", firm) == SizeClass.SMALL  # 仓储: 20 / 100
        assert size_class_for(default_policy(), "G6010", firm) == SizeClass.SMALL  # 邮政: 20 / 100
        big = SimpleNamespace(employees=350, revenue=Decimal(3500), total_assets=None)
        assert size_class_for(default_policy(), "G54", big) == SizeClass.MEDIUM
        assert size_class_for(default_policy(), "G592", big) == SizeClass.MEDIUM  # 100 / 1000

    def test_object_missing_attributes_counts_as_missing(self):
        firm = SimpleNamespace(employees=3)
        assert size_class_for(default_policy(), "C39", firm) == SizeClass.MICRO
        assert size_class_for(default_policy(), "E48", firm) == SizeClass.UNKNOWN

    def test_malformed_code_raises(self):
        with pytest.raises(ValueError):
            size_class_for(default_policy(), "C3", None)
