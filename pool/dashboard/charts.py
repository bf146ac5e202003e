"""What each chart draws, as JSON for `static/dashboard.js` (ECharts, served by the app). Every chart reads
the same tables the page shows beside it (`pool.dashboard.tables`), so a chart never says more than its table."""

from __future__ import annotations

from pool.dashboard import tables
from workflows.plans.dashboard import Dashboard
from workflows.plans.funnel import CITY


def chart_data(board: Dashboard) -> dict[str, dict]:
    district = board.params.scope.district
    out = {}
    _, score_rows = tables.scorecard_table(board, district)
    scored = [r for r in score_rows if r[8] is not None]
    out["scorecard"] = {"type": "hbar", "title": "各项指标完成率（%）", "labels": [r[1] for r in scored],
                        "series": [{"name": "完成率%", "data": [min(r[8], 200) for r in scored]}], "mark": 100}
    _, ranking = tables.ranking_table(board)
    out["ranking"] = {"type": "bar", "title": "区县平均完成率（%）", "labels": [r[1] for r in ranking],
                      "series": [{"name": "平均完成率%", "data": [r[2] or 0 for r in ranking]}]}
    _, rungs = tables.rung_table(board)
    head, _ = tables.rung_table(board)
    row = next(r for r in rungs if r[0] == tables.area_name(board, district or ""))
    out["funnel"] = {"type": "funnel", "title": f"阶梯漏斗（{row[0]}，存续企业）",
                     "labels": head[1:-1], "series": [{"name": "企业数", "data": row[1:-1]}]}
    _, flows = tables.flow_table(board, district or CITY)
    out["flow"] = {"type": "bar", "title": "期内升级办结与放弃", "labels": [r[0] for r in flows],
                   "series": [{"name": "办结升级", "data": [r[2] for r in flows]},
                              {"name": "放弃/终止", "data": [r[3] for r in flows]}]}
    _, waits = tables.wait_table(board)
    out["waits"] = {"type": "hbar", "title": "各环节停留天数中位数", "labels": [f"{r[0]}·{r[1]}" for r in waits],
                    "series": [{"name": "期内离开的案件", "data": [r[3] or 0 for r in waits]},
                               {"name": "目前在等的案件", "data": [r[5] or 0 for r in waits]}]}
    _, pools = tables.pool_table(board)
    out["pools"] = {"type": "bar", "title": "培育库在库与目标", "labels": [r[0].removesuffix("培育库") for r in pools],
                    "series": [{"name": "在库", "data": [r[3] for r in pools]},
                               {"name": "目标", "data": [r[1] for r in pools]}]}
    _, decided = tables.decided_table(board)
    out["decided"] = {"type": "bar", "title": "每月入库审核", "labels": [r[0] for r in decided],
                      "series": [{"name": "审核入库", "data": [r[1] for r in decided]},
                                 {"name": "不予入库", "data": [r[2] for r in decided]}], "stack": True}
    series = [{"name": tables.area_name(board, district or ""), "data": [v for _, v, _ in board.trend]}]
    if district:
        city = {day: v for day, v, _ in board.city_trend}
        series.append({"name": "全市", "data": [city.get(day) for day, _, _ in board.trend], "axis": 1})
    out["trend"] = {"type": "line", "title": board.trend_label, "labels": [d.isoformat()[:7] for d, _, _ in board.trend],
                    "series": series}
    return out
