"""The dashboard's panels as plain tables (title, headers, rows): the Excel workbook's sheets, one per panel,
and the numbers every chart draws. One place, so the page, the file and the charts say the same thing.
"""

from __future__ import annotations

from decimal import Decimal

from models.enums import FLAG_KIND_LABELS, STAGE_LABELS, Stage
from workflows.case_flows import CASE_WORKFLOWS
from workflows.ladder import CASE_LABELS
from workflows.plans.dashboard import Dashboard
from workflows.plans.funnel import CITY, SOURCE_RUNG
from workflows.plans.pools_panel import HYGIENE_KINDS


def num(value):
    """Figures as numbers for Excel and JSON: whole numbers as int, others as float with two decimals."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(round(value, 2))
    return value


def area_name(board: Dashboard, code: str) -> str:
    return next((d.name for d in board.districts if d.code == code), "全市") if code else "全市"


def scorecard_table(board: Dashboard, district: str | None = None) -> tuple[list[str], list[list]]:
    sc = board.scorecard
    head = ["板块", "指标", "类型", "单位", "区域", "期末数" if sc and sc.ended else "当前数", "今日数", "目标",
            "完成率%", "每月需", "每月已", "状态", "口径"]
    rows = []
    for row in (sc.rows if sc else []):
        fig = row.districts[district] if district else row.city
        rows.append([row.metric.section, row.metric.label, "计算" if row.metric.kind == "computed" else "填报",
                     row.metric.unit, area_name(board, district or ""), num(fig.value.value), num(fig.today.value),
                     num(fig.target), num(fig.percent), num(fig.pace_needed), num(fig.pace_so_far), fig.status_label,
                     row.definition])
    return head, rows


def ranking_table(board: Dashboard) -> tuple[list[str], list[list]]:
    head = ["名次", "区县", "平均完成率%", "有区县目标的指标数", "已达成指标数"]
    rows = [[r["rank"], r["district"].name, num(r["score"]), r["metrics"], r["reached"]]
            for r in (board.scorecard.ranking if board.scorecard else [])]
    return head, rows


def rung_table(board: Dashboard) -> tuple[list[str], list[list]]:
    head = ["区县", *(STAGE_LABELS[s] for s in Stage), "合计"]
    rows = []
    for code in ["", *(d.code for d in board.districts)]:
        counts = board.funnel.rungs.get(code, {})
        values = [counts.get(s.value, 0) for s in Stage]
        rows.append([area_name(board, code), *values, sum(values)])
    return head, rows


def flow_table(board: Dashboard, district: str = CITY) -> tuple[list[str], list[list]]:
    f = board.funnel
    head = ["升级步骤", "起点阶段企业（存续）", "期内办结升级", "期内放弃/终止", "办结成功率%", "阶梯转化率‰"]
    rows = [[CASE_LABELS[kind], f.rungs.get(district, {}).get(SOURCE_RUNG[kind], 0),
             f.completed.get(district, {}).get(kind, 0), f.failed.get(district, {}).get(kind, 0),
             f.conversion(district, kind), f.rung_rate(district, kind)] for kind in SOURCE_RUNG]
    return head, rows


def open_table(board: Dashboard, district: str = CITY) -> tuple[list[str], list[list]]:
    counts = board.funnel.open_cases.get(district, {})
    head = ["案件类型", "状态", "在办案件"]
    rows = [[CASE_LABELS[kind], spec.label, counts.get((kind, state), 0)]
            for kind, wf in CASE_WORKFLOWS.items() for state, spec in wf.states.items() if not spec.final]
    return head, rows


def wait_table(board: Dashboard) -> tuple[list[str], list[list]]:
    head = ["案件类型", "状态", "期内离开该状态的案件", "停留天数中位数", "目前停留的案件", "已等待天数中位数"]
    rows = [[w["kind_label"], w["state_label"], w["ended_n"], w["ended"], w["waiting_n"], w["waiting"]]
            for w in board.funnel.waits.values()]
    return head, rows


def pool_table(board: Dashboard) -> tuple[list[str], list[list]]:
    head = ["培育库", "目标", "容量", "在库", "待审核", "完成率%"]
    rows = [[f.pool.name, f.pool.target, f.pool.capacity, f.admitted, f.nominated,
             round(f.percent, 1) if f.percent is not None else None] for f in board.pools.fills]
    return head, rows


def decided_table(board: Dashboard) -> tuple[list[str], list[list]]:
    return ["月份", "审核入库", "审核不予入库"], [[d["month"], d["admitted"], d["rejected"]] for d in board.pools.decided]


def endings_table(board: Dashboard) -> tuple[list[str], list[list]]:
    head = ["培育库层级", "结束方式", "原因", "企业数"]
    rows = [["市级" if e["level"] == "city" else "县级", "出库" if e["state"] == "removed" else "毕业", e["reason_label"],
             e["count"]] for e in board.pools.endings]
    return head, rows


def flags_table(board: Dashboard) -> tuple[list[str], list[list]]:
    head = ["区县", *(FLAG_KIND_LABELS[k] for k in HYGIENE_KINDS)]
    codes = [""] + [d.code for d in board.districts if d.code in board.pools.flags]
    rows = [[area_name(board, c), *(board.pools.flags.get(c, {}).get(k, 0) for k in HYGIENE_KINDS)] for c in codes]
    return head, rows


def trend_table(board: Dashboard) -> tuple[list[str], list[list]]:
    area = area_name(board, board.params.scope.district or "")
    head = ["快照日期", f"{board.trend_label}（{area}）", "来源"]
    rows = [[day.isoformat(), value, "历史回溯" if backfilled else "月度快照"] for day, value, backfilled in board.trend]
    return head, rows


def sheets(board: Dashboard) -> list[tuple[str, list[str], list[list]]]:
    district = board.params.scope.district
    out = [("计分卡（全市）", *scorecard_table(board))]
    if district:
        out.append((f"计分卡（{area_name(board, district)}）", *scorecard_table(board, district)))
    out += [("区县排名", *ranking_table(board)), ("阶梯漏斗", *rung_table(board)),
            ("升级流量", *flow_table(board, district or CITY)), ("在办案件", *open_table(board, district or CITY)),
            ("环节耗时", *wait_table(board)), ("培育库", *pool_table(board)), ("入库审核", *decided_table(board)),
            ("出库与毕业", *endings_table(board)), ("培育库提醒", *flags_table(board)), ("趋势", *trend_table(board))]
    return out
