"""规上/限上: every sector at its threshold, one below, and the non-revenue bases."""

from decimal import Decimal

import pytest

from workflows.policy import ScaleSector, default_policy
from workflows.reasons import Reason, format_amount
from workflows.rules.scale import ScaleBasis, check_above_scale, scale_rule

# domain-facts §3, written out independently of policy.toml.
EXPECTED = {
    "industry": ("revenue", 2000),
    "construction": ("qualification", None),
    "wholesale": ("revenue", 2000),
    "retail": ("revenue", 500),
    "accommodation_catering": ("revenue", 200),
    "real_estate_dev": ("all", None),
    "services_tier1": ("revenue", 2000),
    "services_tier2": ("revenue", 1000),
    "services_tier3": ("revenue", 500),
    "none": ("none", None),
}
REVENUE_SECTORS = [key for key, (basis, _) in EXPECTED.items() if basis == "revenue"]


def _sector(key):
    return default_policy().scale_sectors[key]


def test_sectors_match_domain_facts():
    sectors = default_policy().scale_sectors
    assert set(sectors) == set(EXPECTED)
    for key, (basis, threshold) in EXPECTED.items():
        assert sectors[key].basis == ScaleBasis(basis)
        assert sectors[key].threshold == (None if threshold is None else Decimal(threshold))


@pytest.mark.parametrize("key", REVENUE_SECTORS)
def test_revenue_exactly_at_threshold_passes(key):
    threshold = Decimal(EXPECTED[key][1])
    assert check_above_scale(_sector(key), revenue=threshold) == []
    assert check_above_scale(_sector(key), revenue=threshold + 1) == []


@pytest.mark.parametrize("key", REVENUE_SECTORS)
def test_revenue_one_below_threshold_fails(key):
    threshold = Decimal(EXPECTED[key][1])
    for below in (threshold - Decimal("0.01"), threshold - 1):
        [reason] = check_above_scale(_sector(key), revenue=below)
        assert reason.rule == "scale.revenue_below"
        assert reason.value == below and reason.threshold == threshold
        assert f"{format_amount(below)}万元" in reason.message
        assert f"门槛{EXPECTED[key][1]}万元" in reason.message


@pytest.mark.parametrize("key", REVENUE_SECTORS)
def test_revenue_missing(key):
    [reason] = check_above_scale(_sector(key), revenue=None)
    assert reason.rule == "scale.revenue_missing"
    assert reason.message.startswith("缺少年度营业收入")
    assert reason.value is None


def test_industry_message_wording():
    [reason] = check_above_scale(_sector("industry"), revenue=Decimal("1500.00"))
    assert reason.message == "最近年度营业收入1500万元，未达到规上工业门槛2000万元"
    assert reason.to_dict() == {
        "rule": "scale.revenue_below",
        "message": reason.message,
        "value": "1500.00",
        "threshold": "2000",
    }


def test_revenue_ignores_qualification_and_justification():
    reasons = check_above_scale(
        _sector("retail"), revenue=Decimal(10), qualification_confirmed=True, justification="一" * 50
    )
    assert len(reasons) == 1


def test_qualification_basis():
    sector = _sector("construction")
    [reason] = check_above_scale(sector, revenue=Decimal(100000))
    assert reason.rule == "scale.qualification"
    assert "资质" in reason.message
    assert check_above_scale(sector, revenue=None, qualification_confirmed=True) == []


def test_all_basis_always_passes():
    assert check_above_scale(_sector("real_estate_dev"), revenue=None) == []
    assert check_above_scale(_sector("real_estate_dev"), revenue=Decimal(0)) == []


@pytest.mark.parametrize(
    "justification", [None, "", "   ", "太短了", "一二三四五六七八九", "  一二三四五六七八九  "]
)
def test_none_basis_needs_a_written_justification(justification):
    [reason] = check_above_scale(_sector("none"), revenue=Decimal(99999), justification=justification)
    assert reason.rule == "scale.justification"
    assert reason.threshold == 10


@pytest.mark.parametrize(
    "justification", ["一二三四五六七八九十", "  该企业已纳入统计局名录库，营收超过三千万元。 "]
)
def test_none_basis_with_justification_passes(justification):
    assert check_above_scale(_sector("none"), revenue=None, justification=justification) == []


def test_basis_given_as_plain_string_is_accepted():
    sector = ScaleSector(key="x", label_zh="测试", basis="revenue", threshold=Decimal(5))  # type: ignore[arg-type]
    assert check_above_scale(sector, revenue=Decimal(5)) == []


@pytest.mark.parametrize(
    "code, sector",
    [
        ("B06", "industry"),
        ("C39", "industry"),
        ("C3911", "industry"),
        ("D46", "industry"),
        ("E47", "construction"),
        ("F51", "wholesale"),
        ("F52", "retail"),
        ("G54", "services_tier1"),
        ("H61", "accommodation_catering"),
        ("H62", "accommodation_catering"),
        ("I64", "services_tier1"),
        ("I65", "services_tier1"),
        ("J66", "none"),
        ("K70", "none"),
        ("K7010", "real_estate_dev"),
        ("K7020", "services_tier2"),
        ("K7090", "services_tier2"),
        ("L72", "services_tier2"),
        ("M73", "services_tier2"),
        ("N77", "services_tier1"),
        ("O80", "services_tier3"),
        ("P83", "services_tier2"),
        ("Q84", "services_tier1"),
        ("Q85", "services_tier3"),
        ("R88", "services_tier3"),
        ("S92", "none"),
        ("T97", "none"),
        ("A01", "none"),
    ],
)
def test_scale_rule_by_industry(code, sector):
    assert scale_rule(default_policy(), code).key == sector


def test_scale_rule_rejects_malformed_code():
    with pytest.raises(ValueError, match="行业代码格式"):
        scale_rule(default_policy(), "39")


class TestReason:
    def test_to_dict_renders_decimals_as_strings(self):
        reason = Reason("r", "m", Decimal("12.50"), Decimal("1E+3"))
        assert reason.to_dict() == {"rule": "r", "message": "m", "value": "12.50", "threshold": "1000"}

    def test_to_dict_keeps_other_values(self):
        assert Reason("r", "m").to_dict() == {"rule": "r", "message": "m", "value": None, "threshold": None}
        assert Reason("r", "m", 3, 10).to_dict()["value"] == 3

    def test_frozen(self):
        with pytest.raises(AttributeError):
            Reason("r", "m").rule = "x"  # type: ignore[misc]

    @pytest.mark.parametrize(
        "value, text",
        [(Decimal("2000"), "2000"), (Decimal("1500.50"), "1500.5"), (Decimal("2E+3"), "2000"), (7, "7")],
    )
    def test_format_amount(self, value, text):
        assert format_amount(value) == text
