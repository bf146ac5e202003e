"""统一社会信用代码 (GB 32100-2015) validation and construction.

The USCC is the firm's life-long key in this system, so a bad code must be refused at the edge with a
message an officer can act on: the first failing position is named, in Chinese. Checks run in a fixed
order (length, character set, area digits, org-code check, final check) so the same bad code always gets
the same message. A handful of legal 2014–15 Fujian pilot codes fail the checksums; they are accepted
only when the caller passes them in an explicit allow-list (policy data), never by loosening the rule.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from operator import mul

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUES = {ch: i for i, ch in enumerate(CHARSET)}

# Wi = 3^(i-1) mod 31 for i = 1..17 (domain-facts §1.3); spelled out so a reviewer can compare with the standard.
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

USCC_LENGTH = 18
# Position 1, the registration authority (登记管理部门代码, GB 32100-2015 table 1): 1 机构编制, 2 外交, 3 司法行政,
# 4 文化, 5 民政, 6 旅游, 7 宗教, 8 工会, 9 市场监管（工商）, A 中央军委改革和编制办公室, N 农业, Y 其他.
REGISTRATION_AUTHORITIES = "123456789ANY"


class UsccError(ValueError):
    """A USCC failed validation; ``position`` is 1-based, or None when the length is wrong."""

    def __init__(self, position: int | None, message: str) -> None:
        super().__init__(message)
        self.position = position
        self.message = message

    def __str__(self) -> str:
        return self.message


def _org_value(ch: str) -> int:
    # GB 11714 values digits as themselves and letters as A=10 … Z=35 (the whole alphabet), which differs
    # from the USCC table; using the USCC table here would reject real "MA…" codes.
    if ch.isdigit():
        return int(ch)
    if "A" <= ch <= "Z":
        return ord(ch) - 55
    raise ValueError(f"组织机构代码字符“{ch}”不合法")


def check_char(prefix17: str) -> str:
    """Return the position-18 check character for the first 17 characters."""
    if len(prefix17) != 17:
        raise ValueError(f"计算校验码需要17位，实为{len(prefix17)}位")
    try:
        total = sum(_VALUES[ch] * w for ch, w in zip(prefix17, WEIGHTS, strict=True))
    except KeyError as exc:
        raise ValueError(f"字符“{exc.args[0]}”不在代码字符集中") from None
    value = 31 - total % 31
    return CHARSET[0 if value == 31 else value]


def org_check_char(body8: str) -> str:
    """Return the GB 11714 check character (USCC position 17) for the 8 body characters."""
    if len(body8) != 8:
        raise ValueError(f"组织机构代码本体应为8位，实为{len(body8)}位")
    total = sum(_org_value(ch) * w for ch, w in zip(body8, ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    if value == 10:
        return "X"
    if value == 11:
        return "0"
    return str(value)


def normalise_uscc(code: str) -> str:
    """Strip surrounding whitespace (including full-width spaces pasted from documents) and upper-case."""
    return code.strip().upper()


def _check_format(code: str) -> None:
    if len(code) != USCC_LENGTH:
        raise UsccError(None, f"长度应为18位，实为{len(code)}位")
    for pos, ch in enumerate(code, start=1):
        if ch not in _VALUES:
            raise UsccError(pos, f"第{pos}位字符“{ch}”不合法")
    for pos in range(3, 9):
        ch = code[pos - 1]
        if not ch.isdigit():
            raise UsccError(pos, f"第3–8位应为6位数字行政区划码，第{pos}位为“{ch}”")


def _check_sums(code: str) -> None:
    expected17 = org_check_char(code[8:16])
    if code[16] != expected17:
        raise UsccError(17, f"第17位组织机构代码校验码错误：应为{expected17}，实为{code[16]}")
    expected18 = check_char(code[:17])
    if code[17] != expected18:
        raise UsccError(18, f"第18位校验码错误：应为{expected18}，实为{code[17]}")


# Fast path for the common case (a well-formed code with correct check characters), as an import checks
# a million codes; any failure falls back to the step-by-step checks above for their exact message.
_WELL_FORMED = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")
_ORG_VALUES = {ch: _org_value(ch) for ch in CHARSET}


def _sums_match(code: str) -> bool:
    org = 11 - sum(map(mul, map(_ORG_VALUES.__getitem__, code[8:16]), ORG_WEIGHTS)) % 11
    if code[16] != ("X" if org == 10 else "0" if org == 11 else str(org)):
        return False
    value = 31 - sum(map(mul, map(_VALUES.__getitem__, code[:17]), WEIGHTS)) % 31
    return code[17] == CHARSET[0 if value == 31 else value]


def validate_uscc(code: str, allow_list: Collection[str] = frozenset()) -> str:
    """Return the normalised code, or raise UsccError for the first failure.

    Codes in ``allow_list`` skip only the two checksum checks: an allow-listed entry must still look like
    a USCC, so a typo in the list cannot let arbitrary text through.
    """
    if not isinstance(code, str):
        raise UsccError(None, "统一社会信用代码应为文本")
    normalised = normalise_uscc(code)
    if _WELL_FORMED.fullmatch(normalised) is None:
        _check_format(normalised)
    if normalised not in allow_list and not _sums_match(normalised):
        _check_sums(normalised)
    return normalised


def is_valid_uscc(code: str, allow_list: Collection[str] = frozenset()) -> bool:
    """Convenience for filters and imports that only need a yes/no."""
    try:
        validate_uscc(code, allow_list)
    except UsccError:
        return False
    return True


def uscc_prefix(text: str) -> str | None:
    """The text upper-cased if it reads as the first characters of a USCC, else None: what a search box
    should look up by code. A whole code (18 characters of the code set) always qualifies, as exact lookups
    always did; a shorter part needs at least two characters, a registration-authority code first and digits
    where the area code (positions 3–8) stands, so that ordinary words and numbers in names do not."""
    code = normalise_uscc(text)
    if len(code) < 2 or len(code) > USCC_LENGTH or any(ch not in _VALUES for ch in code):
        return None
    if len(code) == USCC_LENGTH:
        return code
    area = code[2:8]
    return code if code[0] in REGISTRATION_AUTHORITIES and (not area or area.isdigit()) else None


def make_uscc(dept_kind: str, area: str, body8: str) -> str:
    """Build a valid code from a 2-character prefix (e.g. "91", "92"), a 6-digit area and 8 body characters.

    Body characters are restricted to CHARSET: GB 11714 itself allows I, O, S, V and Z, but those are not
    legal USCC characters, and the org check character (a digit or X) is always in CHARSET.
    """
    dept_kind, area, body8 = dept_kind.upper(), area.upper(), body8.upper()
    if len(dept_kind) != 2 or any(ch not in _VALUES for ch in dept_kind):
        raise ValueError(f"登记管理部门及机构类别代码“{dept_kind}”不合法")
    if len(area) != 6 or not area.isdigit():
        raise ValueError(f"行政区划码应为6位数字，实为“{area}”")
    if len(body8) != 8 or any(ch not in _VALUES for ch in body8):
        raise ValueError(f"主体标识码本体应为8位代码字符，实为“{body8}”")
    prefix17 = dept_kind + area + body8 + org_check_char(body8)
    return prefix17 + check_char(prefix17)
