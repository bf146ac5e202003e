"""`plan_figures`: the plan's rates, and every computed metric's value on the past days the scorecard shows,
stored with the moment they were computed (`workflows.plans.stored`). It raises no flags; it keeps a page view
at city scale from joining tens of thousands of firms with their annual figures, and from recounting the plan's
end and year ends from the audit history on every visit.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from models import CheckRun, Firm
from models.enums import RunStatus
from workflows.checks.base import Check, CheckResult, count
from workflows.checks.registry import register
from workflows.policy import Policy

NAME = "plan_figures"


def run(session, today: date, policy: Policy) -> CheckResult:
    from workflows.plans.stored import store_figures

    started = session.scalar(select(CheckRun.started_at).where(
        CheckRun.check == NAME, CheckRun.status == RunStatus.RUNNING, CheckRun.today == today)
        .order_by(CheckRun.id.desc()).limit(1))
    if started is None:  # the check is handed no clock: the moment stored is its run's start
        raise ValueError("plan_figures runs only as a check run (queued or inline)")
    stored = store_figures(session, today=today, now=started)
    return CheckResult(examined=count(session, select(Firm.id).where(Firm.tech_sme.is_(True))), stored=stored)


CHECK = register(Check(
    NAME, "计划指标预计算",
    "按区县预先计算计划中的比率指标（科技型小微企业研发投入占比、科研人员占比）及各计算指标在计划期末、各年末的数值，"
    "看板读取时注明计算时间（今日的计数仍为实时）",
    run,
))
