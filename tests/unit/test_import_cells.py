"""Pure rules of issue 14: cell normalisation, thousands separators, the registry's status wordings (policy
data), totals rows, header finding, the import policy's validation."""

import copy

import pytest

from workflows.importing.cells import clean_change, clean_status, ungroup
from workflows.importing.columns import FIRMS, INDICATORS, looks_like_header, resolve_header
from workflows.importing.settings import parse_imports
from workflows.importing.table import find_header
from workflows.importing.validate import _is_totals
from workflows.policy import PolicyError, default_policy
from workflows.rules.text import normalise_cell


@pytest.mark.parametrize("raw, folded, kept", [
    ("91330106MA2B0X0K8Y\u200b", "91330106MA2B0X0K8Y", "91330106MA2B0X0K8Y"),
    ("\ufeff杭州\u00a0示例\u2060公司 ", "杭州 示例公司", "杭州 示例公司"),
    ("１，２００", "1,200", "１，２００"),
    ("杭州（集团）有限公司", "杭州(集团)有限公司", "杭州（集团）有限公司"),
    ("  plain ascii ", "plain ascii", "plain ascii"),
])
def test_normalise_cell(raw, folded, kept):
    assert normalise_cell(raw) == folded and normalise_cell(raw, fold_width=False) == kept


@pytest.mark.parametrize("raw, read", [("1,200", "1200"), ("-1,234.56", "-1234.56"), ("12,345,678", "12345678"),
                                       ("1,2", "1,2"), ("12,34", "12,34"), ("1200", "1200")])
def test_ungroup_reads_only_real_thousands_separators(raw, read):
    assert ungroup(raw) == read


@pytest.mark.parametrize("written, code", [
    ("存续（在营、开业、在册）", "active"), ("存续(在营、开业、在册)", "active"), ("在营", "active"), ("开业", "active"),
    ("在册", "active"), ("存续", "active"), ("active", "active"), ("注销", "deregistered"),
    ("吊销，未注销", "revoked"), ("吊销,未注销", "revoked"), ("吊销", "revoked"), ("吊销，已注销", "deregistered"),
    ("迁出", "moved_out"), (" 迁 出 ", "moved_out"),
])
def test_registry_status_wordings(written, code):
    assert clean_status(written) == code


def test_unknown_status_lists_the_wordings_and_a_feed_may_word_a_change_as_the_registry():
    with pytest.raises(ValueError, match="存续（在营、开业、在册）"):
        clean_status("停业")
    assert clean_change("存续（在营、开业、在册）") == "restore" and clean_change("吊销，未注销") == "revoke"


@pytest.mark.parametrize("row, totals", [(["合计", None, 3], True), (["", "总 计", 1], True), (["（小计）"], True),
                                         (["91330106MA2B0X0K8Y", "合计科技有限公司"], False), ([None, 5], False)])
def test_totals_rows(row, totals):
    assert _is_totals(row) is totals


def test_header_found_below_title_rows_or_the_widest_row_when_none_fits():
    check = lambda cells: looks_like_header(FIRMS, cells)  # noqa: E731
    header = ["统一社会信用代码", "企业名称", "组织形式", "所属区县", "行业代码", "成立日期", "登记状态"]
    rows = iter([(1, ["名录", None]), (2, [None, None]), (3, header), (4, ["x"] * 7)])
    found, fits = find_header(rows, check)
    assert fits and found.line == 3 and found.skipped == [(1, ["名录", None])] and list(found.rows) == [(4, ["x"] * 7)]
    misspelt = ["统一社会信用代码", "企业名字", *header[2:]]
    found, fits = find_header(iter([(1, ["名录"]), (2, misspelt), (3, ["a"] * 7)]), check)
    assert not fits and found.line == 2 and found.skipped == [(1, ["名录"])]


def test_money_headers_need_a_unit_english_names_are_the_apis():
    assert "请在表头注明单位（万元或元）" in resolve_header(INDICATORS, ["uscc", "year", "营业收入"]).problems[0][1]
    assert not resolve_header(INDICATORS, ["uscc", "year", "revenue", "tax"]).problems
    assert not resolve_header(INDICATORS, ["uscc", "year", "营业收入(万)"]).problems


def test_import_policy_is_validated_with_the_keys_name():
    policy = default_policy()
    assert parse_imports(policy).revenue_bound("wholesale") > parse_imports(policy).revenue_bound("no_such")
    for table, message in ((dict(registry_status={"歇业": "closed"}), "歇业"),
                           (dict(revenue_per_employee={"default": 1, "mining": 5}), "mining"),
                           (dict(revenue_per_employee={"industry": 5}), "default"),
                           (dict(revenue_per_employee={"default": 0}), "应为正数"),
                           (dict(revenue_per_employee={"default": -3}), "不能为负数"),
                           (dict(revenue_per_employee={"default": "多"}), "应为数字")):
        extra = copy.deepcopy(policy.extra)
        extra["imports"].update(table)
        with pytest.raises(PolicyError, match=message):
            parse_imports(type(policy)(**{**policy.__dict__, "extra": extra}))
