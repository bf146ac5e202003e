"""Readers: each file kind and encoding an officer may send, and the files that cannot be read as a table."""

import codecs

import pytest

from tests.import_files import FIRM_HEADER, cache_formula_values, code, firm_row, write_csv, write_xlsx
from workflows.importing.columns import FIRMS, looks_like_header
from workflows.importing.readers import FileProblem, detect_encoding, open_table

NAME = "杭州西湖龙井茶业有限公司"


def read(path, header_check=None):
    with open_table(path, header_check or (lambda cells: looks_like_header(FIRMS, cells))) as table:
        return table.header, list(table.rows)


def problem(path) -> FileProblem:
    with pytest.raises(FileProblem) as caught:
        read(path)
    return caught.value


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_each_encoding_chinese_excel_writes(tmp_path, encoding):
    uscc = code()
    path = write_csv(tmp_path / "企业.csv", FIRM_HEADER, [firm_row(uscc, NAME)], encoding=encoding)
    header, rows = read(path)
    assert header == FIRM_HEADER
    assert rows == [(2, firm_row(uscc, NAME))]


def test_gb18030_characters_outside_gbk(tmp_path):
    name = "杭州䶮𠀀贸易有限公司"  # CJK extension A and B: GB18030 only
    path = write_csv(tmp_path / "f.csv", FIRM_HEADER, [firm_row(code(), name)], encoding="gb18030")
    _header, [(_line, values)] = read(path)
    assert values[1] == name


def test_encoding_detection_order_bom_then_utf8_then_gb18030():
    text = "统一社会信用代码,企业名称"
    assert detect_encoding(codecs.BOM_UTF8 + text.encode()) == "utf-8-sig"
    assert detect_encoding(text.encode("utf-8")) == "utf-8"
    assert detect_encoding(text.encode("gbk")) == "gb18030"
    # a prefix that cuts a character in half is not an encoding error
    assert detect_encoding(text.encode("utf-8")[:4]) == "utf-8"


def test_utf16_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + ",".join(FIRM_HEADER).encode("utf-16-le"))
    assert "UTF-16" in problem(path).message


def test_mixed_encodings_name_the_line_where_it_changes(tmp_path):
    rows = [firm_row(code(), f"企业{i}") for i in range(3)]
    good = write_csv(tmp_path / "a.csv", FIRM_HEADER, rows[:2]).read_bytes()
    bad = ",".join(firm_row(code(), "杭州混合编码有限公司")).encode("gbk") + b"\r\n"
    (tmp_path / "mixed.csv").write_bytes(good + bad)
    found = problem(tmp_path / "mixed.csv")
    assert found.line == 4 and "文件编码不一致" in found.message and "GBK" in found.message
    # and the other way round: GBK first, then a UTF-8 line
    start = write_csv(tmp_path / "b.csv", FIRM_HEADER, rows[:2], encoding="gbk").read_bytes()
    (tmp_path / "mixed2.csv").write_bytes(start + ",".join(rows[2]).encode("utf-8") + b"\r\n")
    found = problem(tmp_path / "mixed2.csv")
    assert found.line == 4 and "UTF-8" in found.message


def test_mixed_encoding_far_into_a_utf8_file_is_found_exactly(tmp_path):
    rows = [firm_row(code(), f"杭州企业{i}有限公司") for i in range(3000)]  # well past the detection prefix
    good = write_csv(tmp_path / "a.csv", FIRM_HEADER, rows).read_bytes()
    (tmp_path / "m.csv").write_bytes(good + "杭州,坏行".encode("gbk") + b"\r\n")
    assert problem(tmp_path / "m.csv").line == 3002


@pytest.mark.parametrize("content", [b"", codecs.BOM_UTF8, b"\r\n\r\n"])
def test_empty_csv(tmp_path, content):
    (tmp_path / "e.csv").write_bytes(content)
    assert problem(tmp_path / "e.csv").message == "文件为空"


def test_line_numbers_are_excel_rows_blank_rows_skipped_but_counted(tmp_path):
    a, b = code(), code()
    path = write_csv(tmp_path / "f.csv", FIRM_HEADER,
                     [firm_row(a, "第一行\n含换行的名称"), [""] * 7, firm_row(b)])
    _header, rows = read(path)
    assert [line for line, _ in rows] == [2, 3, 4]  # the quoted line break stays one row, as Excel shows it
    assert rows[0][1][1] == "第一行\n含换行的名称"


def test_tab_separated_text(tmp_path):
    path = write_csv(tmp_path / "f.txt", FIRM_HEADER, [firm_row(code())], delimiter="\t")
    header, rows = read(path)
    assert header == FIRM_HEADER and len(rows) == 1


def test_xlsx_first_sheet_streamed_with_row_numbers(tmp_path):
    a, b = code(), code()
    path = write_xlsx(tmp_path / "f.xlsx", FIRM_HEADER, [firm_row(a), [None] * 7, firm_row(b)])
    with open_table(path) as table:
        assert table.header == FIRM_HEADER and table.total_rows == 3
        rows = list(table.rows)
        assert table.fraction() == 1.0
    assert [line for line, _ in rows] == [2, 3, 4]
    assert list(rows[2][1]) == firm_row(b)


def test_xlsx_formula_is_read_by_its_cached_value(tmp_path):
    uscc = code()
    row = firm_row(uscc)
    row[1] = '=CONCATENATE("杭州","公式有限公司")'
    path = cache_formula_values(write_xlsx(tmp_path / "f.xlsx", FIRM_HEADER, [row]), {"B2": "杭州公式有限公司"})
    _header, [(_line, values)] = read(path)
    assert values[1] == "杭州公式有限公司"


def test_xlsx_merged_cells_are_refused(tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", FIRM_HEADER, [firm_row(code()), firm_row(code())], merged=("C2:C3",))
    found = problem(path)
    assert "合并单元格" in found.message and "C2:C3" in found.message


def test_xlsx_data_on_another_sheet_is_refused_naming_it(tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", FIRM_HEADER, [firm_row(code())],
                      first_sheet=("说明", [["请在“数据”工作表中填写"]]))
    found = problem(path)
    assert "数据" in found.message and "第一个工作表" in found.message
    empty_first = write_xlsx(tmp_path / "g.xlsx", FIRM_HEADER, [firm_row(code())], first_sheet=("Sheet1", []))
    assert "第一个工作表为空" in problem(empty_first).message


def test_empty_xlsx(tmp_path):
    from openpyxl import Workbook

    Workbook().save(tmp_path / "e.xlsx")
    assert "文件为空" in problem(tmp_path / "e.xlsx").message


def test_old_xls_and_damaged_xlsx_are_refused(tmp_path):
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    assert ".xls" in problem(tmp_path / "old.xls").message
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    assert "Excel" in problem(tmp_path / "bad.xlsx").message
    (tmp_path / "text.xlsx").write_text("统一社会信用代码", encoding="utf-8")
    assert "不是有效的Excel" in problem(tmp_path / "text.xlsx").message
