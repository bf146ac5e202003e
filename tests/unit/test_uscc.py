"""GB 32100-2015 validation: known codes, each failure kind with its position, allow-list, generator."""

import random

import pytest

from workflows.rules.uscc import (
    CHARSET,
    UsccError,
    check_char,
    is_valid_uscc,
    make_uscc,
    org_check_char,
    uscc_prefix,
    validate_uscc,
)

VALID = ["91350100M000100Y43", "91230184MA1BUFLT44", "92371000MA3MXH0E3W", "91330106673959654P"]
FUJIAN_PILOTS = ["91350100M0001TGQXM", "91350211M0000XUF46", "91350203M0001FUE2P"]


def _error(code, allow_list=frozenset()):
    with pytest.raises(UsccError) as info:
        validate_uscc(code, allow_list)
    return info.value


@pytest.mark.parametrize("code", VALID)
def test_known_valid_codes(code):
    assert validate_uscc(code) == code


def test_standard_worked_example_check_char():
    assert check_char("91350100M000100Y4") == "3"


def test_charset_has_31_characters_without_ioszv():
    assert len(CHARSET) == 31
    assert not set("IOSZV") & set(CHARSET)


def test_normalises_whitespace_and_case():
    assert validate_uscc("  91230184ma1buflt44\u3000\n") == "91230184MA1BUFLT44"


def test_example_with_z_fails_at_position_18():
    err = _error("91350100M000100Y4Z")
    assert err.position == 18
    assert str(err) == "第18位字符“Z”不合法"


def test_wrong_check_character_names_expected_and_actual():
    err = _error("91350100M000100Y42")
    assert err.position == 18
    assert err.message == "第18位校验码错误：应为3，实为2"
    assert str(err) == err.message
    assert isinstance(err, ValueError)


@pytest.mark.parametrize("code, length", [("91350100M000100Y4", 17), ("91350100M000100Y433", 19), ("", 0)])
def test_length_errors_have_no_position(code, length):
    err = _error(code)
    assert err.position is None
    assert err.message == f"长度应为18位，实为{length}位"


@pytest.mark.parametrize("position", range(1, 19))
@pytest.mark.parametrize("bad", ["I", "O", "S", "V", "Z", "-", "中"])
def test_illegal_character_names_position(position, bad):
    code = list("91350100M000100Y43")
    code[position - 1] = bad
    err = _error("".join(code))
    assert err.position == position
    assert err.message == f"第{position}位字符“{bad}”不合法"


def test_first_illegal_character_is_reported():
    assert _error("9I3501O0M000100Y43").position == 2


@pytest.mark.parametrize("position", range(3, 9))
def test_area_code_must_be_digits(position):
    code = list("91350100M000100Y43")
    code[position - 1] = "A"
    err = _error("".join(code))
    assert err.position == position
    assert err.message.startswith("第3–8位应为6位数字行政区划码")
    assert f"第{position}位" in err.message


def test_org_code_check_failure_at_position_17():
    # 91330106673959654P with position 17 changed from 4 to 5 (and 18 fixed up to isolate the org check).
    prefix = "913301066739596" + "55"
    code = prefix[:17] + check_char(prefix[:17])
    err = _error(code)
    assert err.position == 17
    assert err.message == "第17位组织机构代码校验码错误：应为4，实为5"


def test_org_check_runs_before_final_check():
    assert _error("91330106673959655P").position == 17


@pytest.mark.parametrize(
    "body, expected",
    [("MA1BUFLT", "4"), ("MA3MXH0E", "3"), ("67395965", "4"), ("M000100Y", "4")],
)
def test_org_check_char_on_real_codes(body, expected):
    assert org_check_char(body) == expected


def test_org_check_char_maps_10_to_x_and_11_to_0():
    assert org_check_char("00000000") == "0"  # sum 0 -> 11 -> "0"
    assert org_check_char("40000000") == "X"  # 3*4 = 12 = 1 mod 11 -> 10 -> "X"
    assert org_check_char("00000001") == "9"  # 2*1 = 2 -> 9


def test_org_check_char_rejects_wrong_length():
    with pytest.raises(ValueError):
        org_check_char("1234567")


def test_check_char_rejects_wrong_length_and_characters():
    with pytest.raises(ValueError):
        check_char("9135")
    with pytest.raises(ValueError):
        check_char("91350100M000100I4")


@pytest.mark.parametrize("code", FUJIAN_PILOTS)
def test_fujian_pilots_fail_without_allow_list(code):
    assert _error(code).position in (17, 18)


@pytest.mark.parametrize("code", FUJIAN_PILOTS)
def test_fujian_pilots_pass_with_allow_list(code):
    assert validate_uscc(code, frozenset(FUJIAN_PILOTS)) == code
    assert validate_uscc(code.lower(), set(FUJIAN_PILOTS)) == code


def test_allow_list_does_not_skip_format_checks():
    bad = "9135A100M0001TGQXM"
    assert _error(bad, {bad}).position == 5


def test_is_valid_uscc():
    assert is_valid_uscc(VALID[0])
    assert not is_valid_uscc("91350100M000100Y4Z")
    assert is_valid_uscc(FUJIAN_PILOTS[0], FUJIAN_PILOTS)


def test_non_string_is_rejected():
    assert _error(None).position is None  # type: ignore[arg-type]


@pytest.mark.parametrize("code", VALID)
def test_make_uscc_reproduces_known_codes(code):
    assert make_uscc(code[:2], code[2:8], code[8:16]) == code


def test_make_uscc_random_round_trip():
    rng = random.Random(20210101)
    areas = ["330102", "330105", "330106", "330108", "330109", "330110", "330100", "330182"]
    seen_org = set()
    for _ in range(1000):
        body = "".join(rng.choice(CHARSET) for _ in range(8))
        code = make_uscc(rng.choice(["91", "92", "93"]), rng.choice(areas), body)
        assert validate_uscc(code) == code
        seen_org.add(code[16])
    assert "X" in seen_org  # the org check's 10 -> X case is exercised


@pytest.mark.parametrize(
    "args",
    [
        ("9", "330106", "MA1BUFLT"),
        ("9I", "330106", "MA1BUFLT"),
        ("91", "33010A", "MA1BUFLT"),
        ("91", "330106", "MA1BUFL"),
        ("91", "330106", "MA1BUFLZ"),
    ],
)
def test_make_uscc_rejects_bad_parts(args):
    with pytest.raises(ValueError):
        make_uscc(*args)


@pytest.mark.parametrize(("text", "expected"), [
    ("91", "91"), (" 91330106ma ", "91330106MA"), ("913301", "913301"), ("Y1", "Y1"), ("ab", "AB"),
    ("91330106MA2AAAAA1X", "91330106MA2AAAAA1X"), ("B1330106MA2AAAAA1X", "B1330106MA2AAAAA1X"),
    ("9", None), ("B1", None), ("APPLE", None), ("9133A1", None), ("91I", None), ("科技", None),
    ("91330106MA2AAAAA1X0", None),
])
def test_uscc_prefix_reads_the_start_of_a_code_not_words_or_numbers_in_names(text, expected):
    """What a search box looks up by code: two or more code characters, an authority code first, digits
    where the area code stands; a whole 18-character code always (the old exact lookup)."""
    assert uscc_prefix(text) == expected
