"""Firm and indicator input validation at its boundaries: what an officer may type, and the message for
what they may not."""

from datetime import date
from decimal import Decimal

import pytest

from workflows.errors import ValidationFailed
from workflows.rules.fields import (
    MAX_MONEY,
    clean_bool,
    clean_count,
    clean_date,
    clean_district,
    clean_money,
    clean_name,
    clean_registered_on,
    clean_tags,
    clean_uscc,
    clean_year,
    validate_firm,
    validate_indicators,
)

USCC = "91330106673959654P"
FIRM = {"uscc": USCC, "name": "杭州测试有限公司", "legal_form": "有限责任公司", "district": "330106",
        "industry": "c39"}


def error(fn, *args, **kw):
    with pytest.raises(ValueError) as info:
        fn(*args, **kw)
    return str(info.value)


@pytest.mark.parametrize("raw, expected", [
    (0, Decimal("0.00")), ("0", Decimal("0.00")), (1500.5, Decimal("1500.50")), ("1,234.567", Decimal("1234.57")),
    (" 12 ", Decimal("12.00")), (Decimal("0.004"), Decimal("0.00")), ("0.125", Decimal("0.13")),
    ("1e3", Decimal("1000.00")),
    (MAX_MONEY, MAX_MONEY), (str(MAX_MONEY), MAX_MONEY),
])
def test_money_accepted(raw, expected):
    assert clean_money(raw, allow_negative=False) == expected


@pytest.mark.parametrize("raw, message", [
    ("-0.01", "不能为负数"), (-1, "不能为负数"), ("一百", "应为数字（万元），而不是“一百”"), ("", "应为数字"),
    ("NaN", "应为有限的数字"), ("Infinity", "应为有限的数字"), (True, "应为数字（万元）"), (None, "应为数字（万元）"),
    ([1], "应为数字（万元）"), (MAX_MONEY + 1, "数值过大"),
])
def test_money_refused(raw, message):
    assert message in error(clean_money, raw, allow_negative=False)


def test_negative_money_only_where_allowed():
    assert clean_money("-35.5", allow_negative=True) == Decimal("-35.50")
    assert "数值过大" in error(clean_money, -MAX_MONEY - 1, allow_negative=True)


@pytest.mark.parametrize("raw, expected", [(0, 0), ("12", 12), (" 7 ", 7), (10**6, 10**6)])
def test_count_accepted(raw, expected):
    assert clean_count(raw) == expected


@pytest.mark.parametrize("raw, message", [
    (-1, "不能为负数"), ("3.5", "应为非负整数，而不是“3.5”"), (2.5, "应为非负整数"), ("十", "应为非负整数"),
    (True, "应为非负整数"),
])
def test_count_refused(raw, message):
    assert message in error(clean_count, raw)


TODAY = date(2026, 11, 30)  # a fixed day: the rules below move with `today`, never with the wall clock


@pytest.mark.parametrize("raw, expected", [(2000, 2000), ("2026", 2026), (" 2024 ", 2024)])
def test_year_accepted_up_to_the_year_under_way(raw, expected):
    assert clean_year(raw, today=TODAY) == expected


@pytest.mark.parametrize("raw, message", [
    (1999, "年度不能早于2000年"), (2027, "年度不能晚于今年（2026）"), (2100, "年度不能晚于今年（2026）"),
    ("二〇二四", "年度应为4位数字"), ("2024.5", "年度应为4位数字"), (None, "年度应为4位数字"),
])
def test_year_refused(raw, message):
    assert error(clean_year, raw, today=TODAY) == message


def test_next_year_is_accepted_once_it_has_begun():
    assert clean_year(2027, today=date(2027, 1, 1)) == 2027


@pytest.mark.parametrize("raw, message", [
    ("2026-12-01", "成立日期不能晚于今天（2026-11-30）"), ("1949-09-30", "成立日期不能早于1949-10-01"),
    ("1800-01-01", "成立日期不能早于1949-10-01"),
])
def test_registration_date_refused_outside_the_registers(raw, message):
    assert error(clean_registered_on, raw, today=TODAY) == message
    with pytest.raises(ValidationFailed) as info:
        validate_firm({**FIRM, "registered_on": raw}, creating=True, today=TODAY)
    assert info.value.fields == {"registered_on": message}


def test_registration_date_accepted_on_its_bounds():
    assert clean_registered_on("1949-10-01", today=TODAY) == date(1949, 10, 1)
    assert clean_registered_on("2026-11-30", today=TODAY) == TODAY


def test_dates():
    assert clean_date("2024-02-29") == date(2024, 2, 29)
    assert clean_date(date(2020, 1, 1)) == date(2020, 1, 1)
    for bad in ("2023-02-29", "2024/01/01", "", "昨天"):
        assert "日期格式应为YYYY-MM-DD" in error(clean_date, bad)


def test_tags():
    assert clean_tags(["health", "information", "health"]) == ["health", "information"]
    assert clean_tags("information， health,") == ["health", "information"]
    assert clean_tags([]) == [] and clean_tags("") == []
    assert error(clean_tags, ["health", "mining"]) == "未知的产业标签：mining"
    assert error(clean_tags, {"a": 1}) == "八大万亿产业标签应为列表"
    assert error(clean_tags, [["health"], {"x": 1}]).startswith("未知的产业标签")


@pytest.mark.parametrize("raw, expected", [(True, True), ("true", True), ("1", True), (1, True), ("是", True),
                                           (False, False), ("false", False), ("0", False), (0, False),
                                           ("否", False)])
def test_bool_accepted(raw, expected):
    assert clean_bool(raw) is expected


@pytest.mark.parametrize("raw", ["yes", 2, None, "", [True]])
def test_bool_refused(raw):
    assert error(clean_bool, raw) == "应为“是”或“否”"


def test_names_uscc_and_district():
    assert clean_name("  <b>杭州</b> & 公司 ") == "<b>杭州</b> & 公司"  # stored as typed; escaping is the page's job
    assert error(clean_name, "   ") == "企业名称不能为空"
    assert clean_name("名" * 200) == "名" * 200
    assert error(clean_name, "名" * 201) == "企业名称不能超过200个字符"
    assert clean_uscc(" 91330106673959654p ") == USCC
    assert error(clean_uscc, USCC[:-1] + "Q") == "第18位校验码错误：应为P，实为Q"
    assert error(clean_uscc, 91330106) == "统一社会信用代码应为18位文本"
    assert clean_district(330106) == "330106"
    assert "6位行政区划代码" in error(clean_district, "33010")


def test_valid_firm_is_cleaned():
    clean = validate_firm({**FIRM, "tags": ["health"], "registered_on": "2020-05-01", "tech_sme": "是"},
                          creating=True, today=TODAY)
    assert clean == {**FIRM, "industry": "C39", "tags": ["health"], "registered_on": date(2020, 5, 1),
                     "tech_sme": True}


def test_firm_errors_are_all_reported_at_once():
    with pytest.raises(ValidationFailed) as info:
        validate_firm({"uscc": "91330106673959654Q", "legal_form": "公司", "industry": "Z99", "size_class": "small",
                       "stage": "listed", "district_code": "330106", "abnormal": "maybe"}, creating=True, today=TODAY)
    fields = info.value.fields
    assert set(fields) == {"uscc", "legal_form", "industry", "size_class", "stage", "district_code", "abnormal",
                           "name", "district"}
    assert fields["uscc"].startswith("第18位")
    assert fields["stage"] == "阶段只能通过升级案件变更"
    assert fields["size_class"] == "该字段不能直接修改"
    assert fields["district_code"] == "未知字段"
    assert fields["name"] == fields["district"] == "此项必填"


def test_update_refuses_uscc_and_allows_clearing_registration_date():
    assert validate_firm({"registered_on": None, "name": "新名"}, creating=False, today=TODAY) == {"registered_on": None,
                                                                                    "name": "新名"}
    with pytest.raises(ValidationFailed) as info:
        validate_firm({"uscc": USCC, "id": 3}, creating=False, today=TODAY)
    assert info.value.fields == {"uscc": "该字段不能直接修改", "id": "该字段不能直接修改"}
    with pytest.raises(ValidationFailed):
        validate_firm(["not", "a", "dict"], creating=False, today=TODAY)


def test_indicators():
    assert validate_indicators({"revenue": "2000", "profit": -12.5, "employees": 30, "tax": None, "export": ""}) == {
        "revenue": Decimal("2000.00"), "profit": Decimal("-12.50"), "employees": 30, "tax": None, "export": None}
    with pytest.raises(ValidationFailed) as info:
        validate_indicators({"revenue": -1, "tax": "abc", "rd_staff": -2, "turnover": 5, "profit": "x"})
    assert info.value.fields == {"revenue": "不能为负数", "tax": "应为数字（万元），而不是“abc”",
                                 "rd_staff": "不能为负数", "turnover": "未知字段",
                                 "profit": "应为数字（万元），而不是“x”"}
