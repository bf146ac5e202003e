"""Header matching and row validation: every rule a row is checked by before anything is written."""

import json
from datetime import date, datetime
from decimal import Decimal

import pytest

from tests.import_files import FIRM_HEADER, INDICATOR_HEADER, STATUS_HEADER, code, firm_row
from workflows.importing.columns import FIRMS, INDICATORS, LAYOUTS, STATUS, resolve_header, write_template
from workflows.importing.readers import open_table
from workflows.importing.validate import Context, RowValidator

TODAY = date(2026, 11, 30)
NAMES = {"330102": "上城区", "330105": "拱墅区", "330106": "西湖区", "330114": "钱塘区"}


def context(scope=None, unit="wan") -> Context:
    lookup = {c: c for c in NAMES} | {n: c for c, n in NAMES.items()} | {"下城区": "330105", "330103": "330105"}
    return Context(lookup, NAMES, TODAY, scope=scope, unit=unit)


def validator(layout, header, **kw):
    mapped = resolve_header(layout, header, kw.get("unit", "wan"))
    assert not mapped.problems, mapped.problems
    return RowValidator(layout, mapped, context(**kw))


def check_firm(row, **kw):
    return validator(FIRMS, FIRM_HEADER, **kw)(7, row)


def messages(result) -> dict[str, str]:
    clean, problems = result
    assert clean is None, clean
    return {p.column: p.message for p in problems}


# ------------------------------------------------------------------------------------------- headers


def test_headers_in_any_order_chinese_or_english_with_units():
    header = ["年度", "uscc", "营业收入（万元）", "从业人员(人)", " 利润总额(万元) "]
    mapped = resolve_header(INDICATORS, header)
    assert not mapped.problems
    assert [(i, c.field) for i, c, _w in mapped.columns] == [(0, "year"), (1, "uscc"), (2, "revenue"),
                                                              (3, "employees"), (4, "profit")]


def test_wrong_and_missing_headers_are_named():
    mapped = resolve_header(FIRMS, ["统一社会信用代码", "企业名字", "组织形式", "区县", "行业代码", "登记状态", "备注"])
    text = " ".join(m for _c, m in mapped.problems)
    assert "缺少必需的列：企业名称、成立日期（文件中未识别的列：企业名字、备注" in text
    assert [written for _i, written, _why in mapped.ignored] == ["企业名字", "备注"]


def test_a_column_twice_and_a_unit_that_disagrees():
    mapped = resolve_header(INDICATORS, ["统一社会信用代码", "uscc", "年度", "营业收入（元）"])
    text = " ".join(m for _c, m in mapped.problems)
    assert "“统一社会信用代码”列出现了两次（A列和B列）" in text
    assert "表头单位为元，与所选单位（万元）不一致" in text
    assert not resolve_header(INDICATORS, ["统一社会信用代码", "年度", "营业收入（元）"], "yuan").problems


def test_indicators_need_at_least_one_figure():
    mapped = resolve_header(INDICATORS, ["统一社会信用代码", "年度"])
    assert any("至少需要一列指标" in m for _c, m in mapped.problems)


@pytest.mark.parametrize("kind", list(LAYOUTS))
def test_template_reads_back_with_its_own_header(tmp_path, kind):
    path = tmp_path / f"{kind}.xlsx"
    write_template(kind, path)
    with open_table(path) as table:
        assert not resolve_header(LAYOUTS[kind], table.header).problems
        assert list(table.rows) == []
    from openpyxl import load_workbook

    book = load_workbook(path)
    assert book.sheetnames == ["数据", "说明"]
    assert book["数据"].column_dimensions["A"].number_format == "@"  # USCC kept as text by Excel


# ---------------------------------------------------------------------------------------------- firms


def test_a_good_firm_row_gives_its_staging_values():
    uscc = code()
    clean, problems = check_firm(firm_row(uscc, form="股份有限公司", born="2021/3/5"))
    assert problems is None
    assert clean[:-1] == (7, uscc, "杭州导入测试有限公司", "股份有限公司", "joint_stock", "330106", "C39",
                          date(2021, 3, 5), "active", None, None, None, None, None, "unknown")
    # and the `create` event's changes, as workflows.firms.create_firm records them
    assert json.loads(clean[-1]) == {
        "uscc": [None, uscc], "name": [None, "杭州导入测试有限公司"], "legal_form": [None, "股份有限公司"],
        "stage": [None, "joint_stock"], "district_code": [None, "330106"], "industry": [None, "C39"],
        "registered_on": [None, "2021-03-05"], "status": [None, "active"], "tags": [None, []],
        "size_class": [None, "unknown"]}


@pytest.mark.parametrize("written, expected", [("330106", "330106"), ("西湖区", "330106"), ("杭州市西湖区", "330106"),
                                               ("下城区", "330105"), ("330103", "330105")])
def test_district_by_code_or_name_and_the_retired_name_that_maps_whole(written, expected):
    clean, _ = check_firm(firm_row(code(), district=written))
    assert clean[5] == expected


def test_jianggan_is_refused_with_a_hint_and_an_unknown_name_is_named():
    problems = messages(check_firm(firm_row(code(), district="江干区")))
    assert "江干区已于2021年撤销" in problems["所属区县"] and "上城区（330102）或钱塘区（330114）" in problems["所属区县"]
    assert "未知的区县：东湖区" in messages(check_firm(firm_row(code(), district="东湖区")))["所属区县"]


def test_uscc_check_digit_and_uscc_stored_as_number():
    valid = code()
    bad = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    assert "第18位校验码错误" in messages(check_firm(firm_row(bad)))["统一社会信用代码"]
    for number in (913301067123456789, 9.13301067e17, "9.13301E+17"):
        text = messages(check_firm(firm_row(number)))["统一社会信用代码"]
        assert "请将该列设置为文本格式" in text


@pytest.mark.parametrize("written, expected", [("2021-03-05", date(2021, 3, 5)), ("2021/3/5", date(2021, 3, 5)),
                                               ("2021年3月5日", date(2021, 3, 5)), ("20210305", date(2021, 3, 5)),
                                               (datetime(2021, 3, 5), date(2021, 3, 5))])
def test_dates_as_chinese_files_write_them(written, expected):
    clean, _ = check_firm(firm_row(code(), born=written))
    assert clean[7] == expected


@pytest.mark.parametrize("written, message", [("2021/13/40", "日期无效：2021/13/40"), ("2021-02-30", "日期无效"),
                                              ("去年", "日期格式应为YYYY-MM-DD"), ("2027-01-01", "不能晚于今天"),
                                              (44287, "日期被存成了数字"), ("1800-01-01", "不能早于1949-10-01")])
def test_bad_dates(written, message):
    assert message in messages(check_firm(firm_row(code(), born=written)))["成立日期"]


def test_optional_columns_words_and_blank_means_not_given():
    header = [*FIRM_HEADER, "八大万亿产业", "经营异常", "高新技术企业", "科技型中小企业"]
    check = validator(FIRMS, header)
    clean, _ = check(2, [*firm_row(code(), form="有限责任公司(自然人投资或控股)", status="在业"),
                         "信息经济、金融", "是", "否", ""])
    assert clean[3] == "有限责任公司" and clean[8] == "active"
    assert clean[9:14] == ('["finance", "information"]', True, None, None, False)
    problems = messages(check(3, [*firm_row(code()), "元宇宙", "也许", "", ""]))
    assert "未知的产业标签：元宇宙" in problems["八大万亿产业"] and "应填“是”或“否”" in problems["经营异常"]


def test_every_problem_of_a_row_at_once_and_required_cells():
    problems = messages(check_firm(["", "", "合资", "西湖区", "Z99", "", "营业"]))
    assert problems["统一社会信用代码"] == problems["企业名称"] == problems["成立日期"] == "此项必填"
    assert "组织形式“合资”无法识别" in problems["组织形式"]
    assert "行业代码" in problems["行业代码"] and "登记状态“营业”无法识别" in problems["登记状态"]


def test_a_blank_row_is_skipped():
    assert check_firm(["", None, " ", "", "", "", ""]) == (None, None)


def test_county_officer_rows_of_another_district_are_refused():
    problems = messages(check_firm(firm_row(code("330102"), district="上城区"), scope="330106"))
    assert "只能导入本区县（西湖区（330106））的企业" in problems["所属区县"]
    clean, _ = check_firm(firm_row(code(), district="西湖区"), scope="330106")
    assert clean is not None


# ----------------------------------------------------------------------------------------- indicators


def test_indicator_figures_negative_profit_allowed_nothing_else():
    check = validator(INDICATORS, INDICATOR_HEADER)
    uscc = code()
    clean, _ = check(2, [uscc, "2025", "1,234.5", "", "-12.5", 30.0, "2000"])
    assert clean[:3] == (2, uscc, 2025) and Decimal(clean[3]) == Decimal("1234.50")
    assert clean[4] is None and Decimal(clean[5]) == Decimal("-12.5") and clean[6] == 30
    assert Decimal(clean[9]) == Decimal("2000") and len(clean) == 11  # no creation evidence: rows point at their run
    problems = messages(check(3, [uscc, "2025", "-5", "abc", "1", "3.5", "-1"]))
    assert problems["营业收入（万元）"] == "不能为负数" and problems["资产总额（万元）"] == "不能为负数"
    assert "应为数字（万元），而不是“abc”" in problems["纳税总额（万元）"]
    assert "应为非负整数" in problems["从业人员"]


@pytest.mark.parametrize("year, message", [("1999", "不能早于2000年"), ("2027", "不能晚于今年"), ("二〇二五", "4位数字")])
def test_year_range(year, message):
    check = validator(INDICATORS, INDICATOR_HEADER)
    assert message in messages(check(2, [code(), year, "1", "", "", "", ""]))["年度"]


def test_money_in_yuan_becomes_wan():
    check = validator(INDICATORS, ["统一社会信用代码", "年度", "营业收入（元）", "利润总额（元）"], unit="yuan")
    clean, _ = check(2, [code(), 2025, "12345678", "-5000"])
    assert clean[3] == Decimal("1234.57") and clean[5] == Decimal("-0.50")
    assert "应为数字（元）" in messages(check(3, [code(), 2025, "十万", ""]))["营业收入（元）"]


# --------------------------------------------------------------------------------------------- status


@pytest.mark.parametrize("written, change, field, text, flag", [
    ("注销", "deregister", "status", "deregistered", None),
    ("吊销", "revoke", "status", "revoked", None),
    ("迁出", "move_out", "status", "moved_out", None),
    ("列入经营异常名录", "mark_abnormal", "abnormal", None, True),
    ("经营异常名录 列入", "mark_abnormal", "abnormal", None, True),
    ("移出经营异常名录", "clear_abnormal", "abnormal", None, False),
    ("clear_violation", "clear_violation", "serious_violation", None, False),
])
def test_status_words(written, change, field, text, flag):
    check = validator(STATUS, STATUS_HEADER)
    uscc = code()
    clean, _ = check(2, [uscc, written, "2026-11-20", "登记系统"])
    assert clean == (2, uscc, change, field, text, flag, date(2026, 11, 20), "登记系统")


def test_status_refusals():
    check = validator(STATUS, STATUS_HEADER)
    problems = messages(check(2, [code(), "停业", "2026-12-01", "x" * 101]))
    assert "无法识别的状态或标记：停业" in problems["状态或标记"]
    assert "生效日期不能晚于今天" in problems["生效日期"] and "来源不能超过100个字符" in problems["来源"]
