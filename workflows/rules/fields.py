"""Pure validation of firm and indicator input, shared by the API, the pages and the imports.

Each function returns cleaned values or raises ValidationFailed with a Chinese message per field, so a
request with three mistakes hears about all three at once and nothing is written.
"""

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from models.enums import LEGAL_FORMS, FirmStatus, IndustryTag
from workflows.errors import ValidationFailed
from workflows.policy import default_policy, normalise_industry
from workflows.rules.text import INT_MAX, UNBOUNDED, parse_int, text_problem
from workflows.rules.uscc import UsccError, validate_uscc

MONEY_FIELDS = ("revenue", "tax", "profit", "rd_expense", "total_assets", "export")
COUNT_FIELDS = ("employees", "rd_staff")
FLAG_FIELDS = ("abnormal", "serious_violation", "tech_sme", "high_tech")
FIRM_FIELDS = ("uscc", "name", "legal_form", "district", "industry", "registered_on", "status", "tags",
               *FLAG_FIELDS)
MAX_MONEY = Decimal("99999999999999")  # what Numeric(16, 2) holds
FIRST_YEAR = 2000  # the first year of figures the register keeps (the database's CHECK agrees)
EARLIEST_REGISTRATION = date(1949, 10, 1)
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
DISTRICT_CODE = re.compile(r"[0-9]{6}", re.ASCII)
INDUSTRY_PREFIX = re.compile(r"[A-T][0-9]{0,4}", re.ASCII)  # a 门类 letter, then up to four digits (a filter)


def clean_uscc(value) -> str:
    if not isinstance(value, str):
        raise ValueError("统一社会信用代码应为18位文本")
    try:
        return validate_uscc(value, default_policy().uscc_allow_list)
    except UsccError as exc:
        raise ValueError(str(exc)) from None


def clean_name(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("企业名称不能为空")
    value = value.strip()
    if len(value) > 200:
        raise ValueError("企业名称不能超过200个字符")
    problem = text_problem(value, multiline=False)
    if problem:
        raise ValueError(f"企业名称{problem}（换行、制表符等也不可）")
    return value


def clean_choice(values, labels: str):
    def clean(value):
        if value not in values:
            raise ValueError(f"{labels}取值无效：{value}")
        return value
    return clean


def clean_date(value) -> date:
    """Only the extended ISO form: Python also reads `20210315` (and so a JSON integer) as a date."""
    if isinstance(value, date):
        return value
    text = value.strip() if isinstance(value, str) else None
    try:
        if text is None or not ISO_DATE.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"日期格式应为YYYY-MM-DD，且为有效日期：{value}") from None


def clean_tags(value) -> list[str]:
    if isinstance(value, str):
        value = [v.strip() for v in value.replace("，", ",").split(",") if v.strip()]
    if not isinstance(value, list):
        raise ValueError("八大万亿产业标签应为列表")
    allowed = {t.value for t in IndustryTag}
    bad = [v for v in value if not isinstance(v, str) or v not in allowed]  # a nested list is unhashable
    if bad:
        raise ValueError(f"未知的产业标签：{', '.join(map(str, bad))}")
    return sorted(set(value))


def clean_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "1", "是", 1):
        return True
    if value in ("false", "0", "否", 0):
        return False
    raise ValueError("应为“是”或“否”")


def clean_industry(value) -> str:
    if not isinstance(value, str):
        raise ValueError("行业代码应为文本，如C39")
    return normalise_industry(value)


def is_district_code(value) -> bool:
    return isinstance(value, str) and DISTRICT_CODE.fullmatch(value) is not None


def clean_district(value) -> str:
    value = str(value).strip()
    if not is_district_code(value):
        raise ValueError("所属区县应为6位行政区划代码，如330106")
    return value


FIRM_CLEANERS = {
    "uscc": clean_uscc,
    "name": clean_name,
    "legal_form": clean_choice(LEGAL_FORMS, "组织形式"),
    "district": clean_district,
    "industry": clean_industry,
    "status": clean_choice({s.value for s in FirmStatus}, "登记状态"),
    "tags": clean_tags,
    **dict.fromkeys(FLAG_FIELDS, clean_bool),
}
REQUIRED_ON_CREATE = ("uscc", "name", "legal_form", "district", "industry")


def validate_firm(data: dict, *, creating: bool, today: date) -> dict:
    """Clean the known firm fields in `data`; unknown keys and read-only ones are refused by name."""
    if not isinstance(data, dict):
        raise ValidationFailed("请求体应为JSON对象")
    errors, clean = {}, {}
    cleaners = {**FIRM_CLEANERS, "registered_on": lambda value: clean_registered_on(value, today=today)}
    readonly = {"stage", "size_class", "id"} | ({"uscc"} if not creating else set())
    for key, value in data.items():
        if key in readonly:
            errors[key] = "该字段不能直接修改" if key != "stage" else "阶段只能通过升级案件变更"
        elif key not in cleaners:
            errors[key] = "未知字段"
        elif value is None and key == "registered_on":
            clean[key] = None
        else:
            try:
                clean[key] = cleaners[key](value)
            except ValueError as exc:
                errors[key] = str(exc)
    if creating:
        for key in REQUIRED_ON_CREATE:
            if key not in data:
                errors.setdefault(key, "此项必填")
    if errors:
        raise ValidationFailed("企业信息有误", fields=errors)
    return clean


def clean_money(value, *, allow_negative: bool) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError("应为数字（万元）")
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"应为数字（万元），而不是“{value}”") from None
    if not amount.is_finite():
        raise ValueError("应为有限的数字")
    if amount < 0 and not allow_negative:
        raise ValueError("不能为负数")
    if abs(amount) > MAX_MONEY:
        raise ValueError("数值过大")
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)  # 四舍五入, as officers round


def clean_count(value) -> int:
    if isinstance(value, bool):
        raise ValueError("应为非负整数")
    try:
        number = parse_int(value if isinstance(value, int | str) else str(value), low=-UNBOUNDED, high=UNBOUNDED)
    except ValueError:
        raise ValueError(f"应为非负整数，而不是“{value}”") from None
    if number < 0:
        raise ValueError("不能为负数")
    if number > INT_MAX:
        raise ValueError(f"不能超过{INT_MAX}")
    return number


def clean_year(value, *, today: date) -> int:
    """A year's figures exist only for a year that has ended or is under way (and not before the register)."""
    try:
        year = parse_int(value if isinstance(value, int | str) else None)
    except ValueError:
        raise ValueError("年度应为4位数字") from None
    if year < FIRST_YEAR:
        raise ValueError(f"年度不能早于{FIRST_YEAR}年")
    if year > today.year:
        raise ValueError(f"年度不能晚于今年（{today.year}）")
    return year


def check_registered_on(day: date, *, today: date) -> date:
    """No firm was registered after today, nor before the People's Republic's registers began."""
    if day > today:
        raise ValueError(f"成立日期不能晚于今天（{today.isoformat()}）")
    if day < EARLIEST_REGISTRATION:
        raise ValueError(f"成立日期不能早于{EARLIEST_REGISTRATION.isoformat()}")
    return day


def clean_registered_on(value, *, today: date) -> date:
    return check_registered_on(clean_date(value), today=today)


def validate_indicators(data: dict) -> dict:
    """All eight figures of a year; a missing one is stored as unknown (null), not as zero."""
    if not isinstance(data, dict):
        raise ValidationFailed("请求体应为JSON对象")
    errors, clean = {}, {}
    for key, value in data.items():
        if key not in MONEY_FIELDS and key not in COUNT_FIELDS:
            errors[key] = "未知字段"
            continue
        if value is None or value == "":
            clean[key] = None
            continue
        try:
            if key in MONEY_FIELDS:
                clean[key] = clean_money(value, allow_negative=key == "profit")
            else:
                clean[key] = clean_count(value)
        except ValueError as exc:
            errors[key] = str(exc)
    if errors:
        raise ValidationFailed("年度指标有误", fields=errors)
    return clean
