"""Checking one row: every cell through the same rules as the API and the pages (workflows/rules/fields.py),
plus what only files have (a USCC Excel turned into a number, 2021/3/5 dates, district names, 是/否,
a unit of 元). A row gives either its clean values, ready for the staging table, or every problem it
has: (line, column as written in the file, value, message in Chinese).

Every text cell is normalised first (`workflows.rules.text.normalise_cell`: zero-width characters out,
no-break spaces plain, NFKC), in Python and so the same for SQLite and PostgreSQL; names keep their
full-width brackets (see there). A row that fails and reads 合计/总计/小计 is a totals row: skipped with a
notice, not reported as a bad code.

Checks that need the whole file or the database (duplicates in the file, unknown or out-of-scope firms,
a county officer's firm in another district) run set-wise in SQL afterwards (checks.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import NamedTuple

from openpyxl.utils import get_column_letter

from models.enums import LEGAL_FORM_STAGE, FirmStatus
from workflows.firm_status import STATUS_CHANGES
from workflows.importing.cells import (
    PLAIN_MONEY,
    cell_text,
    clean_bool,
    clean_change,
    clean_import_uscc,
    clean_legal_form,
    clean_source,
    clean_status,
    clean_tags,
    integral,
    parse_date,
    shown,
    ungroup,
)
from workflows.importing.columns import HeaderMap, Layout
from workflows.policy import default_policy
from workflows.rules.fields import (
    FIRST_YEAR,
    check_registered_on,
    clean_count,
    clean_industry,
    clean_money,
    clean_name,
    clean_year,
)
from workflows.rules.size_class import size_class_for
from workflows.rules.text import normalise_cell, refuse_bad_text

# DESIGN §9: a retired name maps where the mapping is whole, and is refused with a hint where it is not.
RETIRED_MAPPED = {"下城区": "330105", "330103": "330105"}  # 下城区 merged whole into 拱墅区 (2021)
RETIRED_REFUSED = {
    "江干区": "江干区已于2021年撤销，原辖区分别划入上城区和钱塘区：请按企业住所填写上城区（330102）或钱塘区（330114）",
}
RETIRED_REFUSED["330104"] = RETIRED_REFUSED["江干区"]

STAGING_FIELDS = {
    "firms": ("uscc", "name", "legal_form", "stage", "district_code", "industry", "registered_on", "status",
              "tags", "abnormal", "serious_violation", "tech_sme", "high_tech", "size_class", "created"),
    "indicators": ("uscc", "year", "revenue", "tax", "profit", "employees", "rd_expense", "rd_staff",
                   "total_assets", "export"),  # no creation events: rows point at their run (0015)
    "status": ("uscc", "change", "field", "value_text", "value_bool", "effective_on", "source"),
}


class Problem(NamedTuple):
    line: int | None
    column: str
    value: str
    message: str
    severity: str = "error"  # error | warning | notice (staging.PROBLEMS.severity)


TOTALS_WORDS = frozenset({"合计", "总计", "小计", "共计", "累计", "总数", "total"})
TOTALS_NOTICE = "合计行，已跳过（不是企业数据）"
HIDDEN_NOTICE = "该行在表格中被隐藏（筛选或手动隐藏），未导入：如需导入，请取消筛选或取消隐藏后重新导入"
KEEP_WIDTH = frozenset({"name", "source"})  # free text: zero-width and no-break spaces only (text.py says why)


@dataclass
class Context:
    """What the cleaners need besides the cell: district names, the officer's scope, the date, the unit."""

    districts: dict[str, str]  # code or name -> code
    district_names: dict[str, str]  # code -> name
    today: date
    scope: str | None = None  # a county officer's district code
    unit: str = "wan"

    def district(self, code: str | None) -> str:
        return f"{self.district_names.get(code, code)}（{code}）" if code else ""


# --------------------------------------------------------------------------------------------- cleaners


class Cleaners:
    """One cleaner per column kind, bound to the run's context (districts, scope, today, unit)."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self._industries: dict[str, str | ValueError] = {}
        self._divisor = Decimal(10000) if ctx.unit == "yuan" else None
        self._unit_word = "元" if ctx.unit == "yuan" else "万元"
        self._last_uscc: tuple = (None, None)

    def for_kind(self, kind: str) -> Callable:
        return {
            "uscc": self.uscc, "name": lambda raw: clean_name(cell_text(raw)), "legal_form": clean_legal_form,
            "district": self.district, "industry": self.industry, "date": self.registered_on,
            "status": clean_status, "tags": clean_tags, "bool": clean_bool, "year": self.year,
            "money": self.money, "count": self.count, "change": clean_change,
            "effective_on": self.effective_on, "source": clean_source,
        }[kind]

    def uscc(self, raw) -> str:
        """An indicators file repeats each code once per year, usually on consecutive rows: check it once."""
        if raw == self._last_uscc[0]:
            return self._last_uscc[1]
        code = clean_import_uscc(raw)
        self._last_uscc = (raw, code)
        return code

    def count(self, raw) -> int:
        if type(raw) is str and raw.isascii() and raw.isdigit() and len(raw) < 10:  # below INTEGER's limit
            return int(raw)
        if type(raw) is str:
            raw = ungroup(raw)
        return clean_count(integral(raw))

    def district(self, raw) -> str:
        text = cell_text(raw).removeprefix("浙江省").removeprefix("杭州市")
        code = self.ctx.districts.get(text)
        if code is not None:
            return code
        if text in RETIRED_REFUSED:
            raise ValueError(RETIRED_REFUSED[text])
        raise ValueError(f"未知的区县：{text}（应为杭州市的区、县、市，填写代码如330106或名称如西湖区）")

    def industry(self, raw) -> str:
        text = cell_text(raw)
        found = self._industries.get(text)
        if found is None:
            try:
                found = clean_industry(text)
            except ValueError as exc:
                found = exc
            if len(self._industries) < 50_000:
                self._industries[text] = found
        if isinstance(found, ValueError):
            raise found
        return found

    def registered_on(self, raw) -> date:
        return check_registered_on(parse_date(raw), today=self.ctx.today)

    def effective_on(self, raw) -> date:
        day = parse_date(raw)
        if day > self.ctx.today:
            raise ValueError(f"生效日期不能晚于今天（{self.ctx.today.isoformat()}）")
        return day

    def year(self, raw) -> int:
        if type(raw) is str and len(raw) == 4 and raw.isascii() and raw.isdigit() \
                and FIRST_YEAR <= int(raw) <= self.ctx.today.year:
            return int(raw)
        return clean_year(integral(raw), today=self.ctx.today)

    def profit(self, raw) -> Decimal | str:
        return self.money(raw, allow_negative=True)

    def money(self, raw, *, allow_negative: bool = False) -> Decimal | str:
        """A plain decimal string (what CSV files carry) passes as the checked text itself: the staging
        load turns it into the stored type exactly as it would a Decimal. Anything else goes through
        `clean_money`, the shared rule."""
        if type(raw) is str and self._divisor is None and PLAIN_MONEY.match(raw):
            if raw[0] == "-" and not allow_negative and float(raw) != 0:
                raise ValueError("不能为负数")
            return raw
        try:
            amount = clean_money(raw, allow_negative=allow_negative)
        except ValueError as exc:
            raise ValueError(str(exc).replace("万元", self._unit_word)) from None
        if self._divisor is not None:
            amount = (amount / self._divisor).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return amount


# ------------------------------------------------------------------------------------- audit of a new firm

@lru_cache(maxsize=256)
def _quoted(text: str) -> str:
    return json.dumps(text)


# ------------------------------------------------------------------------------------------ row validator


class RowValidator:
    """Call with (line, values): (staging tuple, None), or (None, [Problem, ...]), or (None, None) for a row
    whose cells are all blank (skipped, not counted). Tight on purpose: it runs once per row of a
    million-row file, so cells are cleaned into a list by position rather than through a dict."""

    def __init__(self, layout: Layout, header: HeaderMap, ctx: Context):
        self.layout, self.ctx = layout, ctx
        cleaners = Cleaners(ctx)
        fields = [column.field for column in layout.columns]
        self.position = {field: i for i, field in enumerate(fields)}
        self.blank = [None] * len(fields)
        self.cells = []
        for index, column, written in header.columns:
            clean = cleaners.for_kind(column.kind)
            if column.field == "profit":
                clean = cleaners.profit
            self.cells.append((index, self.position[column.field], column.required, written, clean,
                               column.kind not in KEEP_WIDTH))
        self.written = {column.field: written for _i, column, written in header.columns}
        self.policy = default_policy()
        self._sizes: dict[str, str] = {}
        self.finish = getattr(self, f"_finish_{layout.kind}")
        self.width, self.unheaded = header.width, header.unheaded

    def __call__(self, line: int, values: Sequence):
        out = self.blank.copy()
        problems = None
        width = len(values)
        given = False
        for index, position, required, written, cleaner, fold in self.cells:
            raw = values[index] if index < width else None
            if type(raw) is str:
                raw = (raw.strip() if raw.isascii() else normalise_cell(raw, fold_width=fold)) or None
            if raw is None:
                if required:
                    problems = problems or []
                    problems.append(Problem(line, written, "", "此项必填"))
                continue
            given = True
            try:
                if type(raw) is str and not raw.isprintable():  # isprintable: the fast common case
                    refuse_bad_text(raw)
                out[position] = cleaner(raw)
            except ValueError as exc:
                problems = problems or []
                problems.append(Problem(line, written, shown(raw), str(exc)))
        if width > self.width or self.unheaded:
            surplus = self._surplus(line, values)
            if surplus:
                given, problems = True, (problems or []) + surplus
        if not given:  # blank where the layout reads (a 合计 may stand in an ignored column such as 序号)
            if _is_totals(values):
                return None, [Problem(line, "", _first_text(values), TOTALS_NOTICE, "notice")]
            return None, None
        if problems:
            if _is_totals(values):
                return None, [Problem(line, "", _first_text(values), TOTALS_NOTICE, "notice")]
            return None, problems
        return self.finish(line, out)

    def hidden(self, line: int, values: Sequence) -> list[Problem]:
        """A row hidden in the workbook: skipped, never silently (read_xlsx.py says why)."""
        return [Problem(line, "", _first_text(values), HIDDEN_NOTICE, "notice")]

    def _surplus(self, line: int, values: Sequence) -> list[Problem]:
        """Filled cells under no header: the officer meant something by them, so the row is not taken as if
        they were not there."""
        indices = [*self.unheaded, *range(self.width, len(values))]
        return [Problem(line, f"{get_column_letter(i + 1)}列（无表头）", shown(values[i]),
                        "该单元格不在任何表头之下：请补上表头或删除该内容")
                for i in indices if i < len(values) and values[i] not in (None, "") and str(values[i]).strip()]

    def _finish_firms(self, line: int, c: list):
        uscc, name, form, district, industry, born, status, tags, abnormal, violation, tech, high = c
        if self.ctx.scope and district != self.ctx.scope:
            return None, [Problem(line, self.written["district"], self.ctx.district(district),
                                  f"区县工作人员只能导入本区县（{self.ctx.district(self.ctx.scope)}）的企业，"
                                  "也不能把企业迁往其他区县")]
        size = self._sizes.get(industry)
        if size is None:  # a new firm has no figures yet: 划型 by industry alone
            size = self._sizes[industry] = size_class_for(self.policy, industry, None).value
        stage = LEGAL_FORM_STAGE[form].value
        created = (f'{{"uscc":[null,"{uscc}"],"name":[null,{json.dumps(name)}],"legal_form":[null,{_quoted(form)}],'
                   f'"stage":[null,"{stage}"],"district_code":[null,"{district}"],"industry":[null,"{industry}"],'
                   f'"registered_on":[null,"{born.isoformat()}"],"status":[null,"{status}"],'
                   f'"tags":[null,{tags or "[]"}],"size_class":[null,"{size}"]}}')
        return (line, uscc, name, form, stage, district, industry, born, status, tags, abnormal, violation, tech,
                high, size, created), None

    def _finish_indicators(self, line: int, c: list):
        return (line, *c), None

    def _finish_status(self, line: int, c: list):
        uscc, change, effective_on, source = c
        spec = STATUS_CHANGES[change]
        text = spec.value.value if isinstance(spec.value, FirmStatus) else None
        flag = spec.value if isinstance(spec.value, bool) else None
        return (line, uscc, change, spec.field, text, flag, effective_on, source), None


def _is_totals(values: Sequence) -> bool:
    """Whether a row is a sheet's 合计/总计/小计 line: one of its text cells says so (合 计 and （合计） too)."""
    for value in values:
        if type(value) is str and value and len(value) <= 12:
            word = "".join(normalise_cell(value).split()).strip("()[]:：").lower()
            if word in TOTALS_WORDS:
                return True
    return False


def _first_text(values: Sequence) -> str:
    return next((shown(v) for v in values if v is not None and str(v).strip()), "")
