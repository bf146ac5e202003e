"""What the report says beyond each row's problems: notices about the file as a whole, and warnings about
figures that are valid but implausible.

Notices (written to the report's 提示 sheet; they refuse nothing): title rows skipped above the header,
columns ignored (序号, 备注, the read-only columns of the app's own export), what a format cannot hold
(a CSV's figures are as shown; an .xls's hidden rows are invisible to the reader).

Warnings (the 警告 sheet): 营业收入 per 从业人员 above the bound policy data sets for the firm's 规上 sector
(`[imports.revenue_per_employee]`), which is what yuan figures under a 万元 header look like. A warning
refuses a file unless the officer chose 仅导入无误的行 (--partial): having checked the figures, they
import it so, and the warned rows are written. Only rows carrying both figures are checked; a row of a
file without 从业人员 is not compared with stored figures (another year's staff say little about this one).
"""

from __future__ import annotations

from decimal import Decimal

from workflows.importing.cells import shown
from workflows.importing.columns import HeaderMap
from workflows.importing.dialect import Sql
from workflows.importing.readers import FILE_NOTICES, Table
from workflows.importing.settings import import_policy
from workflows.importing.staging import ROWS, Staging, as_decimal
from workflows.policy import default_policy

WARNED = ("有{n}行的数值明显不合理（见报告“警告”），整份文件未写入：请核对金额单位等；"
          "核实无误的，可勾选“仅导入无误的行”（命令行加 --partial）后重新导入，这些行将照常写入")
CENT = Decimal("0.01")
PARTIAL_HINT = "核实无误的，可勾选“仅导入无误的行”（命令行加 --partial）导入"


def file_notices(table: Table, header: HeaderMap) -> list[tuple]:
    notices = [(line, "", " ".join(shown(v) for v in values if v is not None and str(v).strip()),
                f"表头（第{table.header_line}行）之前的内容（标题等），已跳过", "notice")
               for line, values in table.skipped]
    notices += [(table.header_line, written, "", why, "notice") for _index, written, why in header.ignored]
    if table.file_format in FILE_NOTICES:
        notices.append((None, "", "", FILE_NOTICES[table.file_format], "notice"))
    return notices


def plausibility_warnings(sql: Sql, staging: Staging, headers: dict[str, str]) -> None:
    if "revenue" not in headers or "employees" not in headers:
        return
    settings, policy = import_policy(), default_policy()
    lowest = min(settings.revenue_per_employee.values())
    candidates = sql.run(
        f"SELECT s.line, s.revenue, s.employees, f.industry FROM {ROWS} s JOIN firms f ON f.id = s.firm_id"
        f" WHERE s.ok AND s.revenue IS NOT NULL AND s.employees > 0 AND s.revenue > s.employees * :lowest"
        f" ORDER BY s.line", lowest=lowest if sql.pg else float(lowest)).all()
    sectors: dict[str, tuple[str, str]] = {}
    warnings = []
    for line, revenue, employees, industry in candidates:
        if industry not in sectors:
            sector = policy.classify_industry(industry)[1]
            sectors[industry] = (sector.key, sector.label_zh)
        key, label = sectors[industry]
        bound = settings.revenue_bound(key)
        revenue = as_decimal(revenue).quantize(CENT)  # a float on SQLite: shown as PostgreSQL shows it
        per = revenue / employees
        if per > bound:
            warnings.append((line, headers["revenue"], f"{revenue:f}", (
                f"营业收入{revenue:,f}万元、从业人员{employees}人，人均{per:,.0f}万元，超过{label}的合理上限"
                f"（人均{bound:,f}万元）：请核对金额单位（是否把元填成了万元）；{PARTIAL_HINT}"), "warning"))
    staging.add_problems(warnings)


