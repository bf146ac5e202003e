"""What one spreadsheet cell may hold, read the way Chinese office files write it: a USCC Excel turned into a
number, 2021/3/5 and 2021年3月5日 dates, 是/否, 企业类型 wording for 组织形式, district names, status words
(the registry's wordings are policy data: `[imports.registry_status]`, workflows/importing/settings.py),
and numbers written with thousands separators (1,200 and, once NFKC has folded it, １，２００).

Each reader returns the clean value or raises ValueError with the Chinese message the import report shows;
the rules shared with the API and the pages stay in `workflows/rules/fields.py` and are called, not copied.
"""

from __future__ import annotations

import contextlib
import json
import re
from datetime import date, datetime
from functools import lru_cache

from models.enums import LEGAL_FORM_STAGE, LEGAL_FORMS, TAG_LABELS, FirmStatus, IndustryTag
from workflows.firm_status import SOURCE_MAX, STATUS_CHANGES
from workflows.importing.settings import import_policy, status_key
from workflows.rules.fields import clean_uscc
from workflows.rules.text import visible

USCC_AS_NUMBER = "统一社会信用代码被Excel存成了数字（末尾几位会丢失）：请将该列设置为文本格式后重新填写"
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+\d+$")  # how Excel shows a long number: 9.13301E+17
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
PLAIN_MONEY = re.compile(r"^-?\d{1,14}(\.\d{1,2})?$")  # what clean_money accepts unchanged: skip its work
_SEPARATORS = re.compile(r"[、,，;；/\s]+")
_BOOLS = {"是": True, "否": False, "y": True, "n": False, "yes": True, "no": False, "1": True, "0": False,
          "true": True, "false": False, "√": True, "×": False}
_GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")  # 1,200 or 1,234.56: commas every three digits
_TAGS = {**{label: code.value for code, label in TAG_LABELS.items()}, **{t.value: t.value for t in IndustryTag}}
_CHANGE_WORDS = {**{spec.label: code for code, spec in STATUS_CHANGES.items()},
                 **{code: code for code in STATUS_CHANGES}, "存续": "restore"}
# A status feed may word a change as the registry words the state it leads to (存续（在营、开业、在册）).
_CHANGE_TO = {spec.value.value: code for code, spec in STATUS_CHANGES.items() if isinstance(spec.value, FirmStatus)}
# Registration systems write detailed 企业类型; the first rule that matches names the 组织形式.
_LEGAL_FORM_RULES = (("股份有限公司", "股份有限公司"), ("有限责任公司", "有限责任公司"), ("有限公司", "有限责任公司"),
                     ("个体", "个体工商户"), ("个人独资", "个人独资企业"), ("合伙", "合伙企业"),
                     ("合作社", "农民专业合作社"))


def shown(value) -> str:
    """A cell value as the report shows it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if not text.isprintable():
        text = visible(text)
    return text if len(text) <= 100 else text[:100] + "…"


def cell_text(raw) -> str:
    if type(raw) is str:
        return raw.strip()
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw).strip()


def clean_import_uscc(raw) -> str:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raise ValueError(USCC_AS_NUMBER)
    text = str(raw).strip()
    if _SCIENTIFIC.match(text):
        raise ValueError(USCC_AS_NUMBER)
    return clean_uscc(text)


def clean_legal_form(raw) -> str:
    text = cell_text(raw).replace(" ", "")
    if text in LEGAL_FORM_STAGE:
        return text
    for needle, form in _LEGAL_FORM_RULES:
        if needle in text:
            return form
    raise ValueError(f"组织形式“{text}”无法识别，应为：{'、'.join(LEGAL_FORMS)}")


def parse_date(raw) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, int | float):
        raise ValueError("日期被存成了数字：请将该列设置为日期格式，或填写为YYYY-MM-DD")
    text = str(raw).strip()
    if len(text) == 10 and text[4] == "-":
        with contextlib.suppress(ValueError):
            return date.fromisoformat(text)
    match = _DATE.match(text) or _DATE_COMPACT.match(text)
    if not match:
        raise ValueError(f"日期格式应为YYYY-MM-DD（也可为2021/3/5、2021年3月5日），而不是“{text}”")
    try:
        return date(*map(int, match.groups()[:3]))
    except ValueError:
        raise ValueError(f"日期无效：{text}（月份应为1–12，日应在当月天数之内）") from None


def clean_bool(raw) -> bool:
    if isinstance(raw, bool):
        return raw
    if raw in _BOOLS:
        return _BOOLS[raw]
    value = _BOOLS.get(cell_text(raw).lower())
    if value is None:
        raise ValueError(f"应填“是”或“否”，而不是“{cell_text(raw)}”")
    return value


@lru_cache(maxsize=4096)  # a file repeats a handful of combinations
def clean_tags(raw) -> str:
    codes = set()
    for word in _SEPARATORS.split(cell_text(raw)):
        if not word:
            continue
        code = _TAGS.get(word) or _TAGS.get(word.lower())
        if code is None:
            raise ValueError(f"未知的产业标签：{word}（应为：{'、'.join(TAG_LABELS.values())}）")
        codes.add(code)
    return json.dumps(sorted(codes))  # as SQLAlchemy's JSON type writes it, so equal lists compare equal


def ungroup(text: str) -> str:
    """The one reading of a number written with thousands separators: "1,200" -> "1200". Only commas every
    three digits are separators; anything else ("1,2") is returned as written, for the cleaner to refuse."""
    return text.replace(",", "") if "," in text and _GROUPED.match(text) else text


@lru_cache(maxsize=256)
def clean_status(raw) -> str:
    text = cell_text(raw)
    code = import_policy().registry_status.get(status_key(text))
    if code is None:
        raise ValueError(f"登记状态“{text}”无法识别，应为：存续（在营、开业、在册）、注销、吊销（吊销，未注销）、迁出")
    return code


def clean_change(raw) -> str:
    text = cell_text(raw).replace(" ", "").replace("　", "")
    code = _CHANGE_WORDS.get(text) or _CHANGE_WORDS.get(text.lower())
    if code is None:
        code = _CHANGE_TO.get(import_policy().registry_status.get(status_key(text)))
    for topic, mark, clear in (("经营异常", "mark_abnormal", "clear_abnormal"),
                               ("严重违法", "mark_violation", "clear_violation")):
        if code is None and topic in text:
            code = mark if "列入" in text else clear if ("移出" in text or "移除" in text) else None
    if code is None:
        raise ValueError(f"无法识别的状态或标记：{text}（应为：{'、'.join(s.label for s in STATUS_CHANGES.values())}）")
    return code


def clean_source(raw) -> str:
    text = cell_text(raw)
    if len(text) > SOURCE_MAX:
        raise ValueError(f"来源不能超过{SOURCE_MAX}个字符")
    return text


def integral(raw):
    return int(raw) if isinstance(raw, float) and raw.is_integer() else raw
