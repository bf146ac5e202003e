"""The rules every text and number a client sends must meet (workflows/rules/text.py), whatever field it fills."""

import pytest

from workflows.rules.text import INT_MAX, is_int_text, parse_int, text_problem, visible


@pytest.mark.parametrize("text", ["杭州测试有限公司", "A&B <公司>", "全角　空格", "Ünïcödé", "第一行\n第二行\t缩进"])
def test_ordinary_text_has_no_problem(text):
    assert text_problem(text) is None


@pytest.mark.parametrize("text, word", [("a\x00b", "NUL"), ("a\x1bb", "U+001B"), ("a\x7fb", "U+007F"),
                                        ("a\x85b", "U+0085"), ("a\ud800b", "代理项"), ("a\udfffb", "代理项")])
def test_nul_control_characters_and_lone_surrogates_are_named(text, word):
    assert word in text_problem(text)


def test_one_line_text_refuses_tab_and_newline_too():
    assert text_problem("a\tb", multiline=False) and text_problem("a\nb", multiline=False)
    assert text_problem("a\tb") is None


@pytest.mark.parametrize("value, number", [("0", 0), (" 42 ", 42), (7, 7), ("-3", -3), (str(INT_MAX), INT_MAX)])
def test_integers_in_ascii_digits_within_integer(value, number):
    assert parse_int(value) == number


@pytest.mark.parametrize("value", ["²", "١٢", "１２", "12.0", "1e3", "", True, None, 1.0, str(INT_MAX + 1), 2**63,
                                   "99999999999999999999"])
def test_anything_else_is_refused(value):
    with pytest.raises(ValueError):
        parse_int(value)
    assert not is_int_text(value)


def test_visible_escapes_only_what_is_refused():
    assert visible("杭州\x00公司\ud800") == "杭州\\x00公司\\ud800"
