"""Policy loading: the shipped file, malformed files, industry codes and longest-prefix mapping."""

from decimal import Decimal

import pytest

from workflows.policy import (
    DEFAULT_PATH,
    Policy,
    PolicyError,
    default_policy,
    load_policy,
    normalise_industry,
    parse_policy,
)
from workflows.rules.scale import ScaleBasis

MINIMAL = """
version = "test-1"
effective_year = 2024

[pools]
county_total = 45000

[eligibility]
new_firm_months = 24

[uscc]
allow_list = ["91350100M0001TGQXM"]

[size_rows.industry]
label_zh = "工业"
large = { employees = 1000, revenue = 40000 }
medium = { employees = 300, revenue = 2000 }
small = { employees = 20, revenue = 300 }

[scale_sectors.industry]
label_zh = "规上工业"
basis = "revenue"
threshold = 2000

[scale_sectors.none]
label_zh = "无"
basis = "none"

[industry.sections]
B = [6, 12]
C = [13, 43]

[industry.map]
B = { scale = "none" }
C = { size = "industry", scale = "industry" }
C39 = { scale = "none" }
C3911 = { size = "industry", scale = "industry" }
"""


def _load(tmp_path, text):
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return load_policy(path)


def _error(tmp_path, text):
    with pytest.raises(PolicyError) as info:
        _load(tmp_path, text)
    return str(info.value)


class TestShippedPolicy:
    def test_loads(self):
        policy = load_policy()
        assert isinstance(policy, Policy)
        assert policy.version == "2011-300-r2"
        assert policy.effective_year == 2011
        assert DEFAULT_PATH.name == "policy.toml"

    def test_default_is_cached(self):
        assert default_policy() is default_policy()

    def test_allow_list(self):
        assert default_policy().uscc_allow_list == frozenset(
            {"91350100M0001TGQXM", "91350211M0000XUF46", "91350203M0001FUE2P"}
        )

    def test_sections_cover_gb_t_4754(self):
        sections = default_policy().industry_sections
        assert sections["C"] == (13, 43) and sections["F"] == (51, 52) and sections["T"] == (97, 97)
        assert len(sections) == 20

    @pytest.mark.parametrize(
        "code, size, scale",
        [
            ("A01", "agriculture", "none"),
            ("A05", "agriculture", "none"),
            ("B06", "industry", "industry"),
            ("B12", "industry", "industry"),
            ("C13", "industry", "industry"),
            ("C43", "industry", "industry"),
            ("C3911", "industry", "industry"),
            ("D44", "industry", "industry"),
            ("D46", "industry", "industry"),
            ("E47", "construction", "construction"),
            ("E50", "construction", "construction"),
            ("F51", "wholesale", "wholesale"),
            ("F5123", "wholesale", "wholesale"),
            ("F52", "retail", "retail"),
            ("G53", None, "services_tier1"),
            ("G54", "transport", "services_tier1"),
            ("G58", "transport", "services_tier1"),
            ("G591", "transport", "services_tier1"),
            ("G5910", "transport", "services_tier1"),
            ("G592", "warehousing", "services_tier1"),
            ("G59", "warehousing", "services_tier1"),
            ("G60", "postal", "services_tier1"),
            ("H61", "accommodation", "accommodation_catering"),
            ("H62", "catering", "accommodation_catering"),
            ("I63", "info_transmission", "services_tier1"),
            ("I64", "info_transmission", "services_tier1"),
            ("I65", "software", "services_tier1"),
            ("I6510", "software", "services_tier1"),
            ("J66", None, "none"),
            ("J69", None, "none"),
            ("K70", None, "none"),
            ("K701", "real_estate_dev", "real_estate_dev"),
            ("K7010", "real_estate_dev", "real_estate_dev"),
            ("K7020", "property_mgmt", "services_tier2"),
            ("K7030", "other", "services_tier2"),
            ("K7040", "other", "services_tier2"),
            ("K7090", "other", "services_tier2"),
            ("L71", "leasing_business", "services_tier2"),
            ("L72", "leasing_business", "services_tier2"),
            ("M73", "other", "services_tier2"),
            ("M75", "other", "services_tier2"),
            ("N76", "other", "services_tier1"),
            ("N79", "other", "services_tier1"),
            ("O80", "other", "services_tier3"),
            ("O82", "other", "services_tier3"),
            ("P83", "other", "services_tier2"),
            ("Q84", "other", "services_tier1"),
            ("Q85", "other", "services_tier3"),
            ("R86", "other", "services_tier3"),
            ("R90", "other", "services_tier3"),
            ("S91", None, "none"),
            ("S96", None, "none"),
            ("T97", None, "none"),
        ],
    )
    def test_industry_mapping(self, code, size, scale):
        row, sector = default_policy().classify_industry(code)
        assert (row.key if row else None) == size
        assert sector.key == scale

    def test_mapping_accepts_lower_case_and_spaces(self):
        row, sector = default_policy().classify_industry(" k7020 ")
        assert row.key == "property_mgmt" and sector.basis is ScaleBasis.REVENUE


class TestIndustryCodes:
    @pytest.mark.parametrize("code", ["C39", "c39", " C3911 ", "K702", "A01", "T97"])
    def test_valid(self, code):
        assert normalise_industry(code) == code.strip().upper()

    @pytest.mark.parametrize("code", ["", "C", "C3", "39", "CC39", "C39111", "U10", "C3A", None, 39])
    def test_format_errors(self, code):
        with pytest.raises(ValueError, match="行业代码格式应为门类字母加2–4位数字，如C39"):
            normalise_industry(code)

    @pytest.mark.parametrize(
        "code, letter, span",
        [
            ("C50", "C", "13–43"),
            ("C12", "C", "13–43"),
            ("F53", "F", "51–52"),
            ("A00", "A", "01–05"),
            ("K71", "K", "70–70"),
            ("T98", "T", "97–97"),
        ],
    )
    def test_section_range_errors(self, code, letter, span):
        with pytest.raises(ValueError) as info:
            normalise_industry(code)
        assert f"门类{letter}的大类应在{span}之间" in str(info.value)

    def test_letter_not_in_sections(self, tmp_path):
        policy = _load(tmp_path, MINIMAL)
        with pytest.raises(ValueError, match="门类A未在政策数据中定义"):
            policy.normalise_industry("A01")

    def test_explicit_policy(self, tmp_path):
        policy = _load(tmp_path, MINIMAL)
        assert normalise_industry("b06", policy) == "B06"


class TestMinimalPolicy:
    def test_loads(self, tmp_path):
        policy = _load(tmp_path, MINIMAL)
        assert policy.version == "test-1"
        assert policy.size_rows["industry"].large == {"employees": Decimal(1000), "revenue": Decimal(40000)}
        assert policy.size_rows["industry"].indicators == ("employees", "revenue")
        assert policy.scale_sectors["industry"].threshold == Decimal(2000)
        assert policy.scale_sectors["none"].threshold is None

    def test_longest_prefix_wins(self, tmp_path):
        policy = _load(tmp_path, MINIMAL)
        assert policy.classify_industry("C38")[1].key == "industry"
        assert policy.classify_industry("C39") == (None, policy.scale_sectors["none"])
        assert policy.classify_industry("C391")[0] is None
        assert policy.classify_industry("C3911")[0].key == "industry"
        assert policy.classify_industry("C3912")[1].key == "none"

    def test_unknown_top_level_tables_are_kept_not_errors(self, tmp_path):
        policy = _load(tmp_path, MINIMAL + "\n[checks]\nhour = 2\n[campaign]\nweights = [30, 25]\n")
        assert policy.extra == {"checks": {"hour": 2}, "campaign": {"weights": [30, 25]}}

    def test_float_thresholds_are_exact_decimals(self, tmp_path):
        policy = _load(tmp_path, MINIMAL.replace("threshold = 2000", "threshold = 2000.1"))
        assert policy.scale_sectors["industry"].threshold == Decimal("2000.1")

    def test_parse_policy_from_dict(self):
        with pytest.raises(PolicyError, match="^src：缺少version"):
            parse_policy({}, source="src")


@pytest.mark.parametrize(
    "old, new, message",
    [
        ('version = "test-1"', "", "缺少version"),
        ("effective_year = 2024", 'effective_year = "2024"', "effective_year"),
        ("large = { employees = 1000,", "large = { staff = 1000,", "未知指标“staff”"),
        ('basis = "revenue"', 'basis = "turnover"', "scale_sectors.industry.basis：未知依据'turnover'"),
        ("threshold = 2000", "", "basis为revenue时须给出threshold"),
        ('basis = "none"', 'basis = "none"\nthreshold = 5', "basis为none时不应有threshold"),
        ("threshold = 2000", 'threshold = "2000"', "scale_sectors.industry.threshold：应为数字"),
        ("threshold = 2000", "threshold = -1", "不能为负数"),
        ('C = { size = "industry"', 'C = { size = "factory"', "industry.map.C.size：划型行“factory”不存在"),
        (
            'C = { size = "industry", scale = "industry" }',
            'C = { size = "industry", scale = "gs" }',
            "industry.map.C.scale：规上行业“gs”不存在",
        ),
        (
            'C = { size = "industry", scale = "industry" }',
            'C = { size = "industry" }',
            "industry.map.C.scale",
        ),
        ("C3911 =", "C39111 =", "industry.map.C39111：前缀应为"),
        ("C3911 =", "C3 =", "industry.map.C3：前缀应为"),
        ("C3911 =", "c3911 =", "industry.map.c3911：前缀应为"),
        ("C3911 =", "U39 =", "industry.map.U39：前缀应为"),
        ("C3911 =", "C50 =", "industry.map.C50：门类C的大类应在13–43之间"),
        ("C3911 =", "D44 =", "门类D未在industry.sections中定义"),
        ('C = { size = "industry", scale = "industry" }\n', "", "大类C13未被任何前缀覆盖"),
        (
            'C3911 = { size = "industry", scale = "industry" }',
            'C3911 = { size = "industry", scal = "x" }',
            "未知键scal",
        ),
        ("C = [13, 43]", "C = [13, 100]", "industry.sections.C：应为"),
        ("C = [13, 43]", "C = [13.0, 43]", "industry.sections.C：应为"),
        ("C = [13, 43]", "C = [10, 43]", "大类10已属于门类B"),
        ("C = [13, 43]", "C = [43, 13]", "industry.sections.C"),
        ("C = [13, 43]", "X = [13, 43]", "industry.sections.X"),
        ("small = { employees = 20, revenue = 300 }", "", "size_rows.industry：缺少small"),
        ('label_zh = "工业"', "", "size_rows.industry：缺少label_zh"),
        ("medium = {", "meduim = {", "size_rows.industry：未知键meduim"),
        ("medium = { employees = 300, revenue = 2000 }", "medium = { employees = 300 }", "指标应与small相同"),
        ("medium = { employees = 300,", "medium = { employees = 10,", "size_rows.industry.medium.employees"),
        ("medium = { employees = 300, revenue = 2000 }", "medium = {}", "应为非空的指标表"),
        ("large = { employees = 1000,", "large = { employees = true,", "应为数字"),
        ('allow_list = ["91350100M0001TGQXM"]', 'allow_list = ["9135010OM0001TGQXM"]', "第8位字符“O”不合法"),
        (
            'allow_list = ["91350100M0001TGQXM"]',
            'allow_list = "91350100M0001TGQXM"',
            "allow_list应为代码列表",
        ),
        ("[industry.sections]", "[industry.zones]", "缺少表[industry.sections]"),
        ("[scale_sectors.industry]", "[sectors.industry]", "scale_sectors"),
        ("effective_year = 2024", "effective_year = 2024\n[[bad", "TOML语法错误"),
    ],
)
def test_malformed_policy(tmp_path, old, new, message):
    assert old in MINIMAL, old
    text = _error(tmp_path, MINIMAL.replace(old, new, 1))
    assert message in text
    assert text.startswith("policy.toml：")


def test_missing_file(tmp_path):
    with pytest.raises(PolicyError, match="无法读取政策文件"):
        load_policy(tmp_path / "nope.toml")


def test_allow_list_is_normalised(tmp_path):
    policy = _load(tmp_path, MINIMAL.replace('"91350100M0001TGQXM"', '" 91350100m0001tgqxm "'))
    assert policy.uscc_allow_list == frozenset({"91350100M0001TGQXM"})


def test_medium_class_may_be_left_out(tmp_path):
    policy = _load(tmp_path, MINIMAL.replace("medium = { employees = 300, revenue = 2000 }", ""))
    assert policy.size_rows["industry"].medium is None


class TestPlanNumbers:
    def test_shipped_pool_total_and_new_firm_window(self):
        policy = load_policy()
        assert (policy.county_pool_total, policy.new_firm_months) == (45000, 24)

    @pytest.mark.parametrize("table, bad, message", [
        ("[pools]\ncounty_total = 45000\n", "[pools]\ncounty_total = 0\n", "pools.county_total：应为正整数"),
        ("[pools]\ncounty_total = 45000\n", "[pools]\ncounty_total = \"45000\"\n", "pools.county_total：应为正整数"),
        ("[eligibility]\nnew_firm_months = 24\n", "[eligibility]\nnew_firm_months = 24\nmonths = 3\n",
         "eligibility"),
        ("[eligibility]\nnew_firm_months = 24\n", "", "缺少表[eligibility]"),
    ])
    def test_refused_when_missing_or_not_a_positive_integer(self, tmp_path, table, bad, message):
        assert message in _error(tmp_path, MINIMAL.replace(table, bad))
