"""What each list exports: its ONE column spec and its rows, as plain tuples, for every way out of the system.

The CLI (`flask export firms|indicators|members|worklist`), the pages' "导出Excel" (streamed inline or,
for long lists, as a background job) all take their columns and rows from `EXPORTS` here, so a file holds
exactly what the list shows and every way out writes the same columns: the same filter validation
(`workflows.queries.firm_filters`, `workflows.pool_queries.member_filters`, `workflows.worklist.worklist_filters`),
the same district scope (`scope_firms`), the list's order, every page. No Flask: the writers (xlsx in
`pool.exports.xlsx`, CSV below) live at the edges.

Times go out as stored (UTC); each writer shows them in Hangzhou time through `shown_time` below (on
`workflows.timefmt`, the one conversion the pages use too). People are named by `User.label` (their name, not their login id).

Rows stream: the statement selects only the exported columns (no ORM objects, no eager loads) and is read
in batches (`yield_per`; a server-side cursor on PostgreSQL), so an export of millions of rows holds one
batch in memory.

Firm columns are the `firms` import layout and indicator columns the `indicators` one (the template's
Chinese headers, values written as an import reads them: 存续, 是/否, tag names separated by 、, money in
万元), followed by columns for reading only (阶梯阶段 and 企业划型; 企业名称 and 所属区县 beside the figures).
The importer refuses headers it does not know, so those trailing columns are deleted before an edited
export is imported back.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from models import AnnualIndicator, District, Firm, Pool, PoolMembership, User
from models.enums import (
    CULTIVATION_LABELS,
    END_REASON_LABELS,
    SIZE_LABELS,
    STAGE_LABELS,
    STATUS_LABELS,
    TAG_LABELS,
    Role,
)
from workflows.errors import NotFound, ValidationFailed
from workflows.importing.columns import FIRMS, INDICATORS
from workflows.membership import MEMBERSHIP
from workflows.pool_queries import filter_members, member_filters
from workflows.queries import filtered_firms, firm_filters, scope_firms
from workflows.rules.fields import clean_year
from workflows.rules.text import is_int_text
from workflows.timefmt import local_date, wall_clock
from workflows.worklist import work_item, worklist_filters, worklist_select

EXCEL_MAX_ROWS = 1_048_576  # rows per sheet, the header included: a longer list goes on in a next sheet
BATCH = 2000
# Excel runs a CSV cell starting with one of these as a formula (CSV injection): such text gets a leading '.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The command line exports as the system, city-wide, unless `--as USERNAME` narrows it to a user's scope.
SYSTEM = SimpleNamespace(role=Role.CITY_STAFF, district_code=None, id=None)
# The import layouts' value kinds as the writers know them; widths for the columns wider than their header.
VALUE_KINDS = {"date": "date", "money": "money", "count": "int", "year": "int"}
WIDTHS = {"uscc": 22, "name": 36, "legal_form": 14, "industry": 10, "registered_on": 12, "tags": 20, "year": 8}


@dataclass(frozen=True)
class ColumnSpec:
    """A column as `pool.exports.xlsx.Column` takes it: Chinese header, value kind, width in characters."""

    header: str
    kind: str = "text"  # text | int | money | date | datetime
    width: float | None = None


@dataclass(frozen=True)
class ExportKind:
    name: str
    title: str  # the sheet's name and the start of the file's name
    columns: tuple[ColumnSpec, ...]
    statement: Callable  # (actor, params) -> Select of exactly the exported values, in list order
    row: Callable[[Sequence, dict], tuple]  # (selected row, params) -> the sheet's row
    clean: Callable[..., dict]  # (args, now) -> params: the list's query parameters validated as the list does


def import_columns(layout) -> tuple[ColumnSpec, ...]:
    """The import layout's columns with its template's headers (营业收入（万元）, 从业人员（人）)."""
    return tuple(ColumnSpec(c.template_header(), VALUE_KINDS.get(c.kind, "text"), WIDTHS.get(c.field))
                 for c in layout.columns)


def _yes_no(value) -> str:
    return "是" if value else "否"


def _tags(tags) -> str:
    return "、".join(TAG_LABELS.get(t, t) for t in tags or ())


# --------------------------------------------------------------------------------------------- firms

FIRM_COLUMNS = (
    *import_columns(FIRMS),
    ColumnSpec("阶梯阶段", width=14),
    ColumnSpec("企业划型", width=10),
)


def _firms_statement(actor, params: dict):
    return (
        filtered_firms(actor, params["filters"])
        .with_only_columns(
            Firm.uscc, Firm.name, Firm.legal_form, District.name, Firm.industry, Firm.registered_on, Firm.status,
            Firm.tags, Firm.abnormal, Firm.serious_violation, Firm.tech_sme, Firm.high_tech, Firm.stage,
            Firm.size_class,
        )
        .join(District, District.code == Firm.district_code)
        .order_by(Firm.id)
    )


def _firm_row(r, params: dict) -> tuple:
    return (r[0], r[1], r[2], r[3], r[4], r[5], STATUS_LABELS.get(r[6], r[6]), _tags(r[7]), _yes_no(r[8]),
            _yes_no(r[9]), _yes_no(r[10]), _yes_no(r[11]), STAGE_LABELS.get(r[12], r[12]),
            SIZE_LABELS.get(r[13], r[13]))


def _clean_firms(args: dict, now: datetime) -> dict:
    return {"filters": firm_filters(args)}


# ---------------------------------------------------------------------------------------- indicators

INDICATOR_COLUMNS = (
    *import_columns(INDICATORS),
    ColumnSpec("企业名称", width=36),
    ColumnSpec("所属区县", width=10),
)


def _indicators_statement(actor, params: dict):
    stmt = (
        filtered_firms(actor, params["filters"])
        .with_only_columns(
            Firm.uscc, AnnualIndicator.year, AnnualIndicator.revenue, AnnualIndicator.tax, AnnualIndicator.profit,
            AnnualIndicator.employees, AnnualIndicator.rd_expense, AnnualIndicator.rd_staff,
            AnnualIndicator.total_assets, AnnualIndicator.export, Firm.name, District.name,
        )
        .join(AnnualIndicator, AnnualIndicator.firm_id == Firm.id)
        .join(District, District.code == Firm.district_code)
        .order_by(Firm.id, AnnualIndicator.year)
    )
    if params.get("year") is not None:
        stmt = stmt.where(AnnualIndicator.year == params["year"])
    return stmt


def _clean_indicators(args: dict, now: datetime) -> dict:
    errors, year = {}, (str(args.get("year") or "")).strip()
    try:
        filters = firm_filters(args)
    except ValidationFailed as exc:
        errors, filters = dict(exc.fields), {}
    if year:
        try:  # the year rule of the API, forms and import: a year ended or under way, from 2000
            year = clean_year(year, today=local_date(now))
        except ValueError as exc:
            errors["year"] = str(exc)
    if errors:
        raise ValidationFailed("筛选条件有误", fields=errors)
    return {"filters": filters, "year": year or None}


# ------------------------------------------------------------------------------------- pool members

MEMBER_COLUMNS = (
    ColumnSpec("统一社会信用代码", width=22),
    ColumnSpec("企业名称", width=36),
    ColumnSpec("所属区县", width=10),
    ColumnSpec("培育库", width=18),
    ColumnSpec("入库状态", width=10),
    ColumnSpec("培育类型", width=10),
    ColumnSpec("入库批次", width=10),
    ColumnSpec("推荐理由", width=30),
    ColumnSpec("推荐人", width=12),
    ColumnSpec("推荐时间", "datetime"),
    ColumnSpec("审核人", width=12),
    ColumnSpec("审核时间", "datetime"),
    ColumnSpec("结束时间", "datetime"),
    ColumnSpec("结束原因", width=18),
)


def _members_statement(actor, params: dict):
    """The member list's statement (`workflows.pool_queries.list_members`: its scope, its filters, its
    order), selecting only the exported columns; people by name (`User.label`), as the pages show them."""
    pool, nominator, decider = aliased(Pool), aliased(User), aliased(User)
    stmt = scope_firms(
        select(
            Firm.uscc, Firm.name, District.name, pool.name, PoolMembership.state, PoolMembership.cultivation_type,
            PoolMembership.batch, PoolMembership.nomination_reason, nominator.label, PoolMembership.nominated_at,
            decider.label, PoolMembership.decided_at, PoolMembership.ended_at, PoolMembership.end_reason,
        )
        .select_from(PoolMembership)
        .join(Firm, Firm.id == PoolMembership.firm_id)
        .join(District, District.code == Firm.district_code)
        .join(pool, pool.id == PoolMembership.pool_id)
        .outerjoin(nominator, nominator.id == PoolMembership.nominated_by_id)
        .outerjoin(decider, decider.id == PoolMembership.decided_by_id)
        .where(PoolMembership.pool_id == params["pool_id"])
        .order_by(PoolMembership.id),
        actor,
    )
    return filter_members(stmt, params["filters"])


def _member_row(r, params: dict) -> tuple:
    state = MEMBERSHIP.states[r[4]].label if r[4] in MEMBERSHIP.states else r[4]
    return (*r[:4], state, CULTIVATION_LABELS.get(r[5], r[5]), *r[6:13], END_REASON_LABELS.get(r[13], r[13] or ""))


def _clean_members(args: dict, now: datetime) -> dict:
    raw = str(args.get("pool_id") or args.get("pool") or "").strip()
    errors = {}
    try:
        filters = member_filters(args)
    except ValidationFailed as exc:
        errors, filters = dict(exc.fields), {}
    if not is_int_text(raw):
        errors["pool"] = "请指定培育库编号" if not raw else f"培育库编号应为正整数：{raw}"
    if errors:
        raise ValidationFailed("筛选条件有误", fields=errors)
    return {"filters": filters, "pool_id": int(raw)}


# -------------------------------------------------------------------------------------- work list

WORKLIST_COLUMNS = (
    ColumnSpec("企业名称", width=36),
    ColumnSpec("统一社会信用代码", width=22),
    ColumnSpec("所属区县", width=12),
    ColumnSpec("案件类型", width=10),
    ColumnSpec("当前状态", width=16),
    ColumnSpec("发起日期", "date"),
    ColumnSpec("进入当前状态日期", "date", width=18),
    ColumnSpec("停留天数", "int"),
    ColumnSpec("经办人", width=14),
)


def _worklist_args(params: dict):
    return worklist_filters(params["filters"]), datetime.fromisoformat(params["now"])


def _worklist_statement(actor, params: dict):
    return worklist_select(actor, *_worklist_args(params))


def _worklist_row(r, params: dict) -> tuple:
    i = work_item(r, datetime.fromisoformat(params["now"]))
    return (i.firm_name, i.firm_uscc, i.district_name, i.kind_label, i.state_label, i.opened_on, i.state_entered_on,
            i.days, i.assignee)


def _clean_worklist(args: dict, now: datetime) -> dict:
    """The work list's parameters; "days in state" count to `now`, kept in the params (a background job
    counts to the moment it was asked for, not to when it ran)."""
    if now is None:
        raise ValueError("the work list is exported as of a moment: pass `now`")
    return {"filters": worklist_filters(args).to_args(), "now": now.isoformat()}


EXPORTS = {
    kind.name: kind
    for kind in (
        ExportKind("firms", "企业名录", FIRM_COLUMNS, _firms_statement, _firm_row, _clean_firms),
        ExportKind("indicators", "年度指标", INDICATOR_COLUMNS, _indicators_statement, lambda r, _: tuple(r),
                   _clean_indicators),
        ExportKind("members", "培育库成员", MEMBER_COLUMNS, _members_statement, _member_row, _clean_members),
        ExportKind("worklist", "升级案件", WORKLIST_COLUMNS, _worklist_statement, _worklist_row, _clean_worklist),
    )
}


# ------------------------------------------------------------------------------------------ reading

def export_kind(name: str) -> ExportKind:
    if name.startswith("drill_") and name not in EXPORTS:  # the dashboard's drill-down lists (workflows.plans.drill)
        from workflows.plans.drill import DRILL_EXPORTS

        EXPORTS.update(DRILL_EXPORTS)
    try:
        return EXPORTS[name]
    except KeyError:
        raise ValidationFailed("导出类型有误", fields={"kind": f"未知的导出类型：{name}"}) from None


def clean_params(kind: str, args, *, now: datetime) -> dict:
    """A list's query parameters, validated as that list validates them (ValidationFailed names each).

    `now` is the moment a list that counts time (the work list's days in state) is exported as of."""
    return export_kind(kind).clean(args, now)


def check_pool(session, params: dict) -> Pool:
    """Members are exported one pool at a time; an unknown pool is 'not found' (pool totals are not scoped)."""
    pool = session.get(Pool, params["pool_id"])
    if pool is None:
        raise NotFound("未找到该培育库")
    return pool


def count_rows(session, kind: str, actor, params: dict) -> int:
    stmt = export_kind(kind).statement(actor or SYSTEM, params).order_by(None)
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def iter_rows(session, kind: str, actor, params: dict, *, batch: int = BATCH) -> Iterator[tuple]:
    """Every row of the list, in its order, a batch at a time."""
    spec = export_kind(kind)
    result = session.execute(spec.statement(actor or SYSTEM, params).execution_options(yield_per=batch))
    for row in result:
        yield spec.row(row, params)


# ------------------------------------------------------------------------------------------ writing

def shown_time(kind: str, value):
    """A stored (UTC) time as every file shows it, whichever writer: Hangzhou wall-clock time, or its
    Hangzhou calendar day in a date column. The one place an export converts a time (`workflows.timefmt`)."""
    if not isinstance(value, datetime):
        return value
    return local_date(value) if kind == "date" else wall_clock(value)


def csv_value(kind: str, value) -> str:
    if value is None:
        return ""
    value = shown_time(kind, value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    text = str(value)
    if kind == "text" and text.startswith(FORMULA_START):
        return "'" + text
    return text


def write_csv(target, columns: Sequence[ColumnSpec], rows: Iterable[Sequence]) -> int:
    """CSV in UTF-8 with a BOM, for programs only (供程序读取): an office suite opening it turns an all-digit
    USCC into 9.13301068594825E+17, so people get the workbook. Returns the rows written.

    Dates as ISO text, money as plain decimals (no thousands separators, no float noise). `target` is a path
    or a text file opened with newline="".
    """
    if hasattr(target, "write"):
        return _write_csv(target, columns, rows)
    with open(target, "w", encoding="utf-8-sig", newline="") as handle:
        return _write_csv(handle, columns, rows)


def _write_csv(handle, columns, rows) -> int:
    writer = csv.writer(handle)
    writer.writerow([c.header for c in columns])
    kinds = [c.kind for c in columns]
    written = 0
    for row in rows:
        writer.writerow([csv_value(k, v) for k, v in zip(kinds, row, strict=True)])
        written += 1
    return written
