"""The list behind every dashboard number: the same statement that counted it, with columns to read.

A drill-down is named by query parameters (`drill`, `key`, `state`, ... plus the dashboard's district,
industry, tag and period), validated here for the page, the Excel export (an `ExportKind` of
`workflows.exporting`, so long lists go to a background job like any list) and the API alike. Each list's
length is its number: a plan metric's list selects its registry query's rows; a rung, a flow, the open
cases and the pool endings select the rows `workflows.plans.funnel` / `pools_panel` grouped.

County officers: another district's aggregates are open, its firm lists are not — the firm scope of
`workflows.queries.scope_firms` applies on top of whatever district the parameters name.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from models import District, Firm, Plan, Pool, PoolMembership, UpgradeCase
from models.enums import (
    END_REASON_LABELS,
    SIZE_LABELS,
    STAGE_LABELS,
    STATUS_LABELS,
    CaseKind,
    FirmStatus,
    IndustryTag,
    Stage,
)
from workflows.case_flows import CASE_WORKFLOWS
from workflows.errors import ValidationFailed
from workflows.exporting import ColumnSpec, ExportKind
from workflows.ladder import CASE_LABELS
from workflows.membership import MEMBERSHIP
from workflows.plans.registry import COMPUTED
from workflows.plans.window import Scope, Window, day_end
from workflows.queries import scope_firms

DRILLS = ("metric", "rung", "closed", "open", "ended")
LISTS = {"metric": None, "rung": "firms", "closed": "cases", "open": "cases", "ended": "memberships"}
TITLES = {"firms": "企业名单", "cases": "案件名单", "memberships": "入库记录"}
COLUMNS = {
    "firms": (ColumnSpec("统一社会信用代码", width=22), ColumnSpec("企业名称", width=36), ColumnSpec("所属区县", width=10),
              ColumnSpec("组织形式", width=14), ColumnSpec("阶梯阶段", width=14), ColumnSpec("行业代码", width=10),
              ColumnSpec("成立日期", "date"), ColumnSpec("登记状态", width=8), ColumnSpec("企业划型", width=8)),
    "cases": (ColumnSpec("统一社会信用代码", width=22), ColumnSpec("企业名称", width=36), ColumnSpec("所属区县", width=10),
              ColumnSpec("案件类型", width=10), ColumnSpec("状态", width=14), ColumnSpec("发起时间", "datetime"),
              ColumnSpec("办结时间", "datetime")),
    "memberships": (ColumnSpec("统一社会信用代码", width=22), ColumnSpec("企业名称", width=36),
                    ColumnSpec("所属区县", width=10), ColumnSpec("培育库", width=18), ColumnSpec("入库状态", width=10),
                    ColumnSpec("审核时间", "datetime"), ColumnSpec("结束时间", "datetime"), ColumnSpec("结束原因", width=16)),
}


def _day(value, field: str, errors: dict) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        errors[field] = f"日期格式应为 YYYY-MM-DD：{text}"
        return None


def clean_drill(args, now: datetime | None = None) -> dict:
    """The drill-down's parameters, validated (dates kept as ISO text: they travel in a background job)."""
    errors: dict[str, str] = {}
    drill = str(args.get("drill") or "").strip()
    key = str(args.get("key") or "").strip()
    state = str(args.get("state") or "").strip() or None
    if drill not in DRILLS:
        errors["drill"] = f"未知的名单类型：{drill or '（空）'}"
    elif drill == "metric" and key not in COMPUTED:
        errors["key"] = f"没有名为“{key}”的计算指标"
    elif drill == "rung" and key not in {s.value for s in Stage}:
        errors["key"] = f"未知的阶梯阶段：{key}"
    elif drill in ("closed", "open") and key not in {k.value for k in CaseKind}:
        errors["key"] = f"未知的案件类型：{key}"
    elif drill == "open" and state is not None and state not in CASE_WORKFLOWS[key].states:
        errors["state"] = f"未知的案件状态：{state}"
    elif drill == "closed" and state not in (None, "completed", "failed"):
        errors["state"] = "办结结果应为 completed 或 failed"
    elif drill == "ended" and (key not in ("city", "county") or state not in ("removed", "graduated")):
        errors["key"] = "培育库层级应为 city/county，结束方式应为 removed/graduated"
    tag = str(args.get("tag") or "").strip() or None
    if tag and tag not in {t.value for t in IndustryTag}:
        errors["tag"] = f"未知的八大万亿产业：{tag}"
    reason = str(args.get("reason") or "").strip() or None
    if reason and reason not in END_REASON_LABELS:
        errors["reason"] = f"未知的结束原因：{reason}"
    params = {"drill": drill, "key": key, "state": state, "reason": reason, "tag": tag,
              "district": str(args.get("district") or "").strip() or None,
              "industry": str(args.get("industry") or "").strip().upper() or None,
              "start": _day(args.get("start"), "start", errors), "as_of": _day(args.get("as_of"), "as_of", errors),
              "from": _day(args.get("from"), "from", errors), "to": _day(args.get("to"), "to", errors)}
    if drill == "metric" and not (params["start"] and params["as_of"]):
        errors.setdefault("as_of", "计划指标名单需要 start 和 as_of（计划起始日与统计截止日）")
    if drill in ("closed", "ended") and not (params["from"] and params["to"]):
        errors.setdefault("from", "办结名单需要统计期 from 和 to")
    if errors:
        raise ValidationFailed("名单参数有误", fields=errors)
    return params


def list_type(params: dict) -> str:
    return COMPUTED[params["key"]].lists if params["drill"] == "metric" else LISTS[params["drill"]]


def _scope(params: dict) -> Scope:
    return Scope(params.get("district"), params.get("industry"), params.get("tag"))


def _period(params: dict, a: str, b: str) -> tuple[date, date]:
    return date.fromisoformat(params[a]), date.fromisoformat(params[b])


def members(params: dict):
    """The rows behind the number: a subquery of `id` (firm, case or membership) and `firm_id`."""
    scope, drill, key = _scope(params), params["drill"], params["key"]
    if drill == "metric":
        start, as_of = _period(params, "start", "as_of")
        stmt = COMPUTED[key].members(Window(start, as_of, scope))
    elif drill == "rung":
        stmt = scope.firm_filters(select(Firm.id.label("id"), Firm.id.label("firm_id"))
                                  .where(Firm.status == FirmStatus.ACTIVE, Firm.stage == key))
        stmt = stmt.where(Firm.district_code == scope.district) if scope.district else stmt
    elif drill in ("closed", "open"):
        c = UpgradeCase
        stmt = scope.firm_filters(select(c.id.label("id"), c.firm_id.label("firm_id")).join(Firm, Firm.id == c.firm_id)
                                  .where(c.kind == key, c.is_open.is_(drill == "open")))
        stmt = stmt.where(Firm.district_code == scope.district) if scope.district else stmt
        if drill == "open" and params["state"]:
            stmt = stmt.where(c.state == params["state"])
        if drill == "closed":
            start, end = _period(params, "from", "to")
            stmt = stmt.where(c.closed_at >= day_end(date.fromordinal(start.toordinal() - 1)), c.closed_at < day_end(end))
            if params["state"]:
                stmt = stmt.where((c.state == "completed") if params["state"] == "completed" else (c.state != "completed"))
    else:
        m = PoolMembership
        start, end = _period(params, "from", "to")
        district = func.coalesce(Pool.district_code, Firm.district_code)
        stmt = scope.firm_filters(select(m.id.label("id"), m.firm_id.label("firm_id")).join(Pool, Pool.id == m.pool_id)
                                  .join(Firm, Firm.id == m.firm_id)
                                  .where(m.level == key, m.state == params["state"],
                                         m.ended_at >= day_end(date.fromordinal(start.toordinal() - 1)),
                                         m.ended_at < day_end(end)))
        stmt = stmt.where(district == scope.district) if scope.district else stmt
        if params["reason"]:
            stmt = stmt.where(m.end_reason == params["reason"])
    return stmt.subquery("members")


def drill_statement(actor, params: dict):
    """The list's exported columns, one row per member, scoped to what the actor may list."""
    rows, kind = members(params), list_type(params)
    firm = aliased(Firm)
    if kind == "firms":
        stmt = (select(firm.uscc, firm.name, District.name, firm.legal_form, firm.stage, firm.industry, firm.registered_on,
                       firm.status, firm.size_class).select_from(rows).join(firm, firm.id == rows.c.firm_id))
    elif kind == "cases":
        stmt = (select(firm.uscc, firm.name, District.name, UpgradeCase.kind, UpgradeCase.state, UpgradeCase.opened_at,
                       UpgradeCase.closed_at).select_from(rows).join(UpgradeCase, UpgradeCase.id == rows.c.id)
                .join(firm, firm.id == rows.c.firm_id))
    else:
        m = PoolMembership
        stmt = (select(firm.uscc, firm.name, District.name, Pool.name, m.state, m.decided_at, m.ended_at, m.end_reason)
                .select_from(rows).join(m, m.id == rows.c.id).join(Pool, Pool.id == m.pool_id)
                .join(firm, firm.id == rows.c.firm_id))
    stmt = stmt.join(District, District.code == firm.district_code).order_by(rows.c.id)
    return _scoped(stmt, firm, actor)


def _scoped(stmt, firm, actor):
    from workflows.permissions import is_scoped

    return stmt.where(firm.district_code == actor.district_code) if is_scoped(actor) else scope_firms(stmt, actor)


def drill_row(r, params: dict) -> tuple:
    kind = list_type(params)
    if kind == "firms":
        return (*r[:4], STAGE_LABELS.get(r[4], r[4]), r[5], r[6], STATUS_LABELS.get(r[7], r[7]), SIZE_LABELS.get(r[8], r[8]))
    if kind == "cases":
        workflow = CASE_WORKFLOWS.get(r[3])
        state = workflow.states[r[4]].label if workflow and r[4] in workflow.states else r[4]
        return (*r[:3], CASE_LABELS.get(r[3], r[3]), state, r[5], r[6])
    state = MEMBERSHIP.states[r[4]].label if r[4] in MEMBERSHIP.states else r[4]
    return (*r[:4], state, r[5], r[6], END_REASON_LABELS.get(r[7], r[7] or ""))


def drill_title(params: dict, plan: Plan | None = None) -> str:
    drill, key = params["drill"], params["key"]
    if drill == "metric":
        return f"{COMPUTED[key].label}（截至{params['as_of']}）"
    if drill == "rung":
        return f"{STAGE_LABELS[Stage(key)]}（存续）"
    if drill == "open":
        state = CASE_WORKFLOWS[key].states[params['state']].label if params["state"] else "全部状态"
        return f"{CASE_LABELS[key]}在办案件（{state}）"
    if drill == "closed":
        outcome = {"completed": "办结升级", "failed": "放弃/终止", None: "已关闭"}[params["state"]]
        return f"{CASE_LABELS[key]}{outcome}案件（{params['from']}至{params['to']}）"
    level = "市级" if key == "city" else "县级"
    return f"{level}培育库{'出库' if params['state'] == 'removed' else '毕业'}（{params['from']}至{params['to']}）"


def _clean_for(kind: str):
    def clean(args, now=None) -> dict:
        params = clean_drill(args, now)
        if list_type(params) != kind:
            raise ValidationFailed("名单参数有误", fields={"drill": f"该名单是{TITLES[list_type(params)]}"})
        return params
    return clean


# One export kind per list shape (the export registry keeps one column tuple per kind).
DRILL_EXPORTS = {f"drill_{kind}": ExportKind(f"drill_{kind}", TITLES[kind], COLUMNS[kind], drill_statement, drill_row,
                                             _clean_for(kind)) for kind in COLUMNS}


def export_name(params: dict) -> str:
    return f"drill_{list_type(params)}"


def drill_columns(params: dict):
    return COLUMNS[list_type(params)]
