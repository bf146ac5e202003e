"""`metrics_snapshot`: the day's funnel and pool counts per district, kept for trend charts (DESIGN §5, §7).

`METRICS` is the one list of what is counted; the dashboard reads the names from here. Each metric is
stored for every district (zero included, so a chart's missing point means "not taken", never "none")
and for the city as district '' (the sum of the districts: every firm, case, membership and flag has one).
A rerun for the same day replaces that day's rows; it raises no flags.

Who counts where: firms, cases and city pool members by the firm's district, county pool members by
their pool's, flags by theirs (the scope of whoever must act).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Integer, delete, func, insert, literal, select, true, union_all

from models import CheckRun, District, Firm, Flag, MetricSnapshot, Pool, PoolMembership, UpgradeCase
from models.enums import (
    FLAG_KIND_LABELS,
    STAGE_LABELS,
    CaseKind,
    FirmStatus,
    FlagKind,
    PoolLevel,
    RunStatus,
    Stage,
)
from workflows.checks.base import Check, CheckResult, count
from workflows.checks.registry import register
from workflows.ladder import CASE_LABELS
from workflows.policy import Policy

CITY = ""  # district_code of the city-wide rows
POOL_LABELS = {PoolLevel.CITY: "市级培育库在库企业", PoolLevel.COUNTY: "县级培育库在库企业"}


@dataclass(frozen=True)
class Metric:
    name: str
    label: str


def _family(prefix: str, codes, labels: dict[str, str], suffix: str = "") -> tuple[Metric, ...]:
    return tuple(Metric(f"{prefix}.{code}", f"{labels[code]}{suffix}") for code in codes)


FIRMS = _family("firms", Stage, STAGE_LABELS, "（存续）")
CASES = _family("cases", CaseKind, CASE_LABELS, "在办案件")
POOLS = _family("pool", PoolLevel, POOL_LABELS)
FLAGS = _family("flags", FlagKind, FLAG_KIND_LABELS, "（待处理）")
METRICS: tuple[Metric, ...] = FIRMS + CASES + POOLS + FLAGS
METRIC_LABELS = {metric.name: metric.label for metric in METRICS}


VALUE = func.count().label("value")


def _counts():
    """(metric, district_code, value) for every non-zero count, one GROUP BY per family."""
    m, p = PoolMembership, Pool
    firms = (select((literal("firms.") + Firm.stage).label("metric"), Firm.district_code, VALUE)
             .where(Firm.status == FirmStatus.ACTIVE).group_by(Firm.district_code, Firm.stage))
    cases = (select((literal("cases.") + UpgradeCase.kind).label("metric"), Firm.district_code, VALUE)
             .join(Firm, Firm.id == UpgradeCase.firm_id).where(UpgradeCase.is_open.is_(True))
             .group_by(Firm.district_code, UpgradeCase.kind))
    scope = func.coalesce(p.district_code, Firm.district_code)
    pools = (select((literal("pool.") + m.level).label("metric"), scope.label("district_code"), VALUE)
             .join(p, p.id == m.pool_id).join(Firm, Firm.id == m.firm_id).where(m.state == "admitted")
             .group_by(scope, m.level))
    flags = (select((literal("flags.") + Flag.kind).label("metric"), Flag.district_code, VALUE)
             .where(Flag.state == "open").group_by(Flag.district_code, Flag.kind))
    return union_all(firms, cases, pools, flags).subquery("counts")


def _grid():
    """Every (district, metric) pair: the rows a day's snapshot holds."""
    names = union_all(*(select(literal(metric.name).label("metric")) for metric in METRICS)).subquery("names")
    return select(District.code.label("district_code"), names.c.metric).join(names, true()).subquery("grid")


def _running_run(session, today: date) -> int | None:
    """The run executing this snapshot (a check is not handed its run): the newest running one for today."""
    return session.scalar(select(func.max(CheckRun.id)).where(
        CheckRun.check == CHECK.name, CheckRun.status == RunStatus.RUNNING, CheckRun.today == today))


def run(session, today: date, policy: Policy) -> CheckResult:
    run_id = _running_run(session, today)
    session.execute(delete(MetricSnapshot).where(MetricSnapshot.taken_on == today))
    grid, counts = _grid(), _counts()
    c = counts.c
    per_district = (select(literal(today), grid.c.metric, grid.c.district_code,
                           func.coalesce(c.value, 0), literal(run_id, Integer))
                    .select_from(grid)
                    .outerjoin(counts, (c.metric == grid.c.metric) & (c.district_code == grid.c.district_code)))
    columns = ["taken_on", "metric", "district_code", "value", "check_run_id"]
    session.execute(insert(MetricSnapshot).from_select(columns, per_district))
    s = MetricSnapshot
    city = (select(literal(today), s.metric, literal(CITY), func.sum(s.value), literal(run_id, Integer))
            .where(s.taken_on == today, s.district_code != CITY).group_by(s.metric))
    session.execute(insert(MetricSnapshot).from_select(columns, city))
    stored = session.scalar(select(func.count()).select_from(s).where(s.taken_on == today)) or 0
    from workflows.plans.trends import store_plan_counts  # the plan's counts beside them (DESIGN §7 trends)

    store_plan_counts(session, today, run_id)
    examined = count(session, select(Firm.id).where(Firm.status == FirmStatus.ACTIVE))
    return CheckResult(examined=examined, stored=stored)


CHECK = register(Check(
    "metrics_snapshot", "统计快照",
    "按区县记录当日各阶段企业数、在办案件数、培育库在库企业数和待处理提醒数，供趋势图使用",
    run,
))
