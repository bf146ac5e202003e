"""What any text and any number a client sends must be, whatever field it fills: the one home of the rules the
web edge (`pool.edge`), the field cleaners and the imports share.

- Text: no NUL or other control character (C0 but tab/newline/carriage return, DEL, C1) and no lone UTF-16
  surrogate. PostgreSQL refuses NUL in text and no encoder writes a lone surrogate, so either would reach
  the database as a crash; in a name they are invisible and make two equal-looking names differ.
- Normalising (`normalise_cell`): what a spreadsheet cell carries that nobody can see or means — zero-width
  characters (U+200B–U+200D, U+2060, U+FEFF), no-break spaces, surrounding spaces — and full-width forms
  (NFKC), so that a USCC with a zero-width space after it is 18 characters, not 19, and the same text is
  staged on SQLite and PostgreSQL.
- Integers: ASCII digits only (`"²".isdigit()` is true and `int("²")` fails; `int("١٢")` is 12, which no
  officer meant), within the range of the narrowest integer column every id, year, version, count and
  target lives in (PostgreSQL INTEGER, 32 bits).
"""

import re
import unicodedata

INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # PostgreSQL INTEGER, the type of every integer column
UNBOUNDED = 10**100  # for a caller that words the range check itself
_INT = re.compile(r"[+-]?[0-9]+", re.ASCII)
_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_BAD_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")  # one-line text (URL parts): no tab or newline either
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))  # zero-width: removed
_SPACES = {ord("\u00a0"): " ", ord("\u202f"): " ", ord("\u2007"): " "}  # no-break spaces: plain spaces
_CLEANUP = _INVISIBLE | _SPACES
_NEEDS_CLEANUP = re.compile("[" + "".join(map(chr, _CLEANUP)) + "]")


def normalise_cell(value: str, *, fold_width: bool = True) -> str:
    """A cell's text as it was meant: zero-width characters removed, no-break spaces made plain, trimmed,
    and with `fold_width` NFKC (full-width digits and letters to ASCII, １２３ → 123, （ → ().

    Names keep their width (`fold_width=False`): 企业名称 are registered with full-width brackets,
    （集团）, and folding them would make every stored name differ from the same name in the next file.
    ASCII text, the common case, is only trimmed."""
    if value.isascii():
        return value.strip()
    if _NEEDS_CLEANUP.search(value):  # a search is a fifth of a translate, and most cells hold none
        value = value.translate(_CLEANUP)
    if fold_width and not unicodedata.is_normalized("NFKC", value):  # Chinese text mostly is: a quick check
        value = unicodedata.normalize("NFKC", value)
    return value.strip()


def text_problem(value: str, *, multiline: bool = True) -> str | None:
    """Why this text cannot be taken (a Chinese phrase), or None when it can."""
    found = (_BAD_TEXT if multiline else _BAD_LINE).search(value)
    if found is None:
        return None
    char = found.group()
    if "\ud800" <= char <= "\udfff":
        return "含有无效的Unicode字符（孤立的代理项）"
    return "含有空字符（NUL）" if char == "\x00" else f"含有不可见的控制字符（U+{ord(char):04X}）"


def visible(value: str) -> str:
    """The text with each refused character written as an escape (`\\x00`), for a report or an error that
    must show what was sent without storing or sending the character itself."""
    return _BAD_LINE.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"), value)


def refuse_bad_text(value: str) -> str:
    """`value`, or ValueError naming its problem (an import cell, a field cleaner)."""
    problem = text_problem(value)
    if problem:
        raise ValueError(f"文本{problem}")
    return value


def int_problem(value: int, *, low: int = INT_MIN, high: int = INT_MAX) -> str | None:
    if value < low or value > high:
        return f"应在{low}至{high}之间"
    return None


def parse_int(value, *, low: int = INT_MIN, high: int = INT_MAX) -> int:
    """An integer from a JSON number or a text of ASCII digits, within [low, high]; ValueError (Chinese) else."""
    if isinstance(value, bool):
        raise ValueError("应为整数")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _INT.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        raise ValueError(f"应为整数（阿拉伯数字0–9），而不是“{value}”")
    problem = int_problem(number, low=low, high=high)
    if problem:
        raise ValueError(problem)
    return number


def is_int_text(value) -> bool:
    """Text that `parse_int` reads as a non-negative integer in range: the strict `str.isdigit()`."""
    try:
        return isinstance(value, str) and parse_int(value, low=0) >= 0
    except ValueError:
        return False
