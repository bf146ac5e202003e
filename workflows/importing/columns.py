"""The documented column layout of each import kind, header matching, and the downloadable template.

Officers receive these files from the registration, statistics and tax systems, whose exports differ in
column order and extras, so: headers are matched by name (Chinese, or the API's English field name),
column order is free, full-width brackets, spaces and invisible characters are ignored.

Money needs its unit in the header. “营业收入（万元）” or “（元）” is checked against the chosen unit; a bare
“营业收入” is refused (“请在表头注明单位（万元或元）”): yuan figures stored as 万元 are wrong by a factor of
10,000 and nobody notices, so the header is not trusted blindly. The API's English names (revenue, tax …)
are the API's fields, whose unit is 万元 (DESIGN §8).

A header the layout does not know (序号, 备注, 联系电话, or the read-only columns of the app's own export,
`Layout.derived`) is ignored and listed in the report as ignored: it is never read as data, and the
officer sees that it was not imported (a misspelt optional column shows up there).

A blank cell means "not given": an existing firm keeps its value, a new one gets the default. That is
what a partial list (a tax file with only 纳税总额, an abnormal list marking only 是) needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from workflows.rules.text import normalise_cell

MONEY_UNITS = {"wan": "万元", "yuan": "元"}


@dataclass(frozen=True)
class Column:
    field: str  # the API's field name (snake_case English), also accepted as a header
    header: str  # the Chinese header the template carries
    kind: str  # which cleaner checks it (validate.CLEANERS)
    required: bool = False
    aliases: tuple[str, ...] = ()
    note: str = ""
    example: str = ""

    @property
    def unit(self) -> str | None:
        return {"money": "万元", "count": "人"}.get(self.kind)

    def template_header(self, money_unit: str = "wan") -> str:
        if self.kind == "money":
            return f"{self.header}（{MONEY_UNITS[money_unit]}）"
        return f"{self.header}（人）" if self.kind == "count" else self.header


@dataclass(frozen=True)
class Layout:
    kind: str
    label: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # what makes two rows of one file duplicates
    note: str = ""
    at_least_one: tuple[str, ...] = ()  # optional columns of which the file must carry one
    derived: tuple[str, ...] = ()  # read-only columns the app's own export adds (workflows/exporting.py)

    def column(self, field: str) -> Column:
        return next(c for c in self.columns if c.field == field)


_BOOL_NOTE = "是/否（空白表示不修改）"

FIRMS = Layout("firms", "企业登记信息", (
    Column("uscc", "统一社会信用代码", "uscc", True, ("社会信用代码", "信用代码", "统一代码"),
           "18位，请将该列设置为文本格式", "91330106MA2B0X0K8Y"),
    Column("name", "企业名称", "name", True, ("名称", "市场主体名称"), "不超过200字", "杭州示例科技有限公司"),
    Column("legal_form", "组织形式", "legal_form", True, ("企业类型", "市场主体类型"),
           "个体工商户/有限责任公司/个人独资企业/合伙企业/农民专业合作社/股份有限公司；新企业的阶段由此确定",
           "有限责任公司"),
    Column("district", "所属区县", "district", True, ("区县", "所属区", "district_code"),
           "6位代码或名称，如330106或西湖区；下城区按拱墅区导入，江干区已撤销需填上城区或钱塘区", "西湖区"),
    Column("industry", "行业代码", "industry", True, ("国民经济行业代码", "行业"),
           "GB/T 4754-2017 门类字母加大类数字，如C39、I65", "I65"),
    Column("registered_on", "成立日期", "date", True, ("成立时间",), "YYYY-MM-DD，也可为2021/3/5", "2021-03-05"),
    Column("status", "登记状态", "status", True, ("经营状态", "企业状态"), "存续/注销/吊销/迁出", "存续"),
    Column("tags", "八大万亿产业", "tags", False, ("产业",),
           "信息经济、环保、健康、旅游、时尚、金融、高端装备制造、文化创意，多个用顿号分隔", "信息经济"),
    Column("abnormal", "经营异常", "bool", False, ("经营异常名录",), _BOOL_NOTE, "否"),
    Column("serious_violation", "严重违法", "bool", False, ("严重违法失信",), _BOOL_NOTE, "否"),
    Column("tech_sme", "科技型中小企业", "bool", False, (), _BOOL_NOTE, "是"),
    Column("high_tech", "高新技术企业", "bool", False, ("高企",), _BOOL_NOTE, "否"),
), key=("uscc",), derived=("阶梯阶段", "企业划型"),
    note="按统一社会信用代码新增或更新；组织形式的后续变化会记录并提示核实，但不改变企业所处阶段。")

INDICATORS = Layout("indicators", "年度指标", (
    Column("uscc", "统一社会信用代码", "uscc", True, ("社会信用代码", "信用代码", "统一代码"),
           "18位，请将该列设置为文本格式；企业须已登记", "91330106MA2B0X0K8Y"),
    Column("year", "年度", "year", True, ("年份",), "2000年至今年", "2025"),
    Column("revenue", "营业收入", "money", False, ("营业收入额",), "非负数", "1234.56"),
    Column("tax", "纳税总额", "money", False, ("税收", "纳税额"), "非负数", "56.7"),
    Column("profit", "利润总额", "money", False, ("利润",), "可为负数（亏损）", "-12.5"),
    Column("employees", "从业人员", "count", False, ("从业人数", "职工人数"), "非负整数", "35"),
    Column("rd_expense", "研发费用", "money", False, ("研发投入",), "非负数", "80"),
    Column("rd_staff", "研发人员", "count", False, ("研发人数",), "非负整数", "6"),
    Column("total_assets", "资产总额", "money", False, ("总资产",), "非负数", "2100"),
    Column("export", "出口额", "money", False, ("出口",), "非负数", "0"),
), key=("uscc", "year"), at_least_one=("revenue", "tax", "profit", "employees", "rd_expense", "rd_staff",
                                      "total_assets", "export"), derived=("企业名称", "所属区县"),
    note="按统一社会信用代码和年度新增或更新；导入后重新划型。空白单元格不会覆盖已有数值。")

STATUS = Layout("status", "状态变更", (
    Column("uscc", "统一社会信用代码", "uscc", True, ("社会信用代码", "信用代码", "统一代码"),
           "18位，请将该列设置为文本格式；企业须已登记", "91330106MA2B0X0K8Y"),
    Column("change", "状态或标记", "change", True, ("变更事项", "状态", "标记"),
           "注销/吊销/迁出/恢复存续/列入经营异常名录/移出经营异常名录/列入严重违法失信名单/移出严重违法失信名单",
           "列入经营异常名录"),
    Column("effective_on", "生效日期", "effective_on", True, ("日期", "变更日期"), "YYYY-MM-DD，不晚于今天",
           "2026-11-20"),
    Column("source", "来源", "source", True, ("数据来源",), "如登记系统、国家企业信用信息公示系统", "登记系统"),
), key=("uscc", "field"),
    note="每日变更数据；已处于该状态的企业记为未变。同一文件中同一企业的同类变更只能有一行。")

LAYOUTS: dict[str, Layout] = {layout.kind: layout for layout in (FIRMS, INDICATORS, STATUS)}

_UNIT_RE = re.compile(r"^(.+?)\((万元|万|元|人)\)$")
_SPACES = re.compile(r"\s+")
IGNORED = "该列不是{label}的列，已忽略（未导入）"
DERIVED = "系统导出文件中的只读列（由系统生成），导入时忽略"
NO_UNIT = "“{written}”没有注明金额单位：请在表头注明单位（万元或元），如“{header}（万元）”"


def normalise_header(text) -> tuple[str, str | None]:
    """("营业收入", "万元") for "营业收入（万元）"; English names lower-cased; None for a blank cell."""
    if text is None:
        return "", None
    value = _SPACES.sub("", normalise_cell(str(text)))  # NFKC: （万元） is (万元)
    match = _UNIT_RE.match(value)
    if match:
        unit = match.group(2)
        return match.group(1).lower(), "万元" if unit == "万" else unit
    return value.lower(), None


def _names(layout: Layout) -> dict[str, Column]:
    names = {}
    for column in layout.columns:
        for name in (column.header, column.field, *column.aliases):
            names[normalise_header(name)[0]] = column
    return names


@dataclass
class HeaderMap:
    columns: list[tuple[int, Column, str]]  # (index in the row, column, the header as written)
    problems: list[tuple[str, str]]  # (header as written or the column's name, message)
    width: int = 0  # up to the last column with a header: a filled cell past it is reported on its row
    unheaded: tuple[int, ...] = ()  # columns before that without a header: likewise
    ignored: list[tuple[int, str, str]] = field(default_factory=list)  # (index, header as written, why)

    def looks_right(self) -> bool:
        return bool(self.columns) and not self.problems


def resolve_header(layout: Layout, cells, money_unit: str = "wan") -> HeaderMap:
    """Match a header row to the layout; every problem (missing, twice, wrong or no unit) at once, and the
    columns it ignores."""
    names = _names(layout)
    derived = {normalise_header(name)[0] for name in layout.derived}
    found: dict[str, tuple[int, str]] = {}
    columns, problems, ignored = [], [], []
    for index, cell in enumerate(cells):
        key, unit = normalise_header(cell)
        if not key:
            continue  # Excel often carries empty trailing columns
        written = normalise_cell(str(cell), fold_width=False)  # as the officer wrote it
        column = names.get(key)
        if column is None:
            ignored.append((index, written, DERIVED if key in derived else IGNORED.format(label=layout.label)))
            continue
        if column.field in found:
            first = get_column_letter(found[column.field][0] + 1)
            problems.append((written, f"“{column.header}”列出现了两次（{first}列和{get_column_letter(index + 1)}列）"))
            continue
        expected = MONEY_UNITS[money_unit] if column.kind == "money" else column.unit
        if column.kind == "money" and unit is None and key != column.field:
            problems.append((written, NO_UNIT.format(written=written, header=column.header)))
        elif unit is not None and unit != expected:
            problems.append((written, f"表头单位为{unit}，与所选单位（{expected}）不一致，请改表头或重新选择金额单位"))
        found[column.field] = (index, written)
        columns.append((index, column, written))
    missing = [c.header for c in layout.columns if c.required and c.field not in found]
    if missing:
        other = "、".join(w for _i, w, why in ignored if why != DERIVED)
        hint = f"（文件中未识别的列：{other}；请使用模板中的列名）" if other else ""
        problems.append(("、".join(missing), f"缺少必需的列：{'、'.join(missing)}{hint}"))
    if layout.at_least_one and not any(f in found for f in layout.at_least_one):
        wanted = "、".join(layout.column(f).header for f in layout.at_least_one)
        problems.append(("", f"至少需要一列指标：{wanted}"))
    headed = [i for i, cell in enumerate(cells) if normalise_header(cell)[0]]
    width = headed[-1] + 1 if headed else 0
    return HeaderMap(columns, problems, width, tuple(sorted(set(range(width)) - set(headed))), ignored)


def looks_like_header(layout: Layout, cells) -> bool:
    """Whether a row is this kind's header at all (the required columns are there), ignoring details."""
    names = _names(layout)
    fields = {names[k].field for k, _unit in map(normalise_header, cells) if k in names}
    return all(c.field in fields for c in layout.columns if c.required)


# ------------------------------------------------------------------------------------------ template

_HEAD_FONT = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")


def write_template(kind: str, target, money_unit: str = "wan") -> None:
    """The template: sheet 1 has the header only (the importer reads sheet 1), sheet 2 explains it.

    The USCC column is formatted as text, so Excel keeps an all-digit code instead of turning it into a
    rounded number; date columns are formatted as dates.
    """
    layout = LAYOUTS[kind]
    book = Workbook()
    sheet = book.active
    sheet.title = "数据"
    for index, column in enumerate(layout.columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.template_header(money_unit))
        cell.font = _HEAD_FONT
        cell.fill = _REQUIRED_FILL if column.required else _HEAD_FILL
        cell.alignment = Alignment(horizontal="center")
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, 2 * len(cell.value) + 4)
        if column.kind == "uscc":
            sheet.column_dimensions[letter].number_format = "@"
        elif column.kind in ("date", "effective_on"):
            sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("说明")
    notes.append([f"{layout.label}导入模板：数据请填写在第一个工作表“数据”中，表头在第1行，不要合并单元格。"])
    notes.append([layout.note])
    notes.append([f"金额单位：{MONEY_UNITS[money_unit]}。空白单元格表示未提供，不会覆盖已有数值。"
                  "列的顺序可以调整；也可使用英文字段名作为表头。"])
    notes.append([])
    notes.append(["列名", "是否必填", "英文字段名", "填写说明", "示例"])
    for cell in notes[5]:
        cell.font = _HEAD_FONT
    for column in layout.columns:
        notes.append([column.template_header(money_unit), "必填" if column.required else "可选", column.field,
                      column.note, column.example])
    for letter, width in zip("ABCDE", (22, 10, 18, 70, 24), strict=True):
        notes.column_dimensions[letter].width = width
    book.save(target)
