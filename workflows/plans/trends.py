"""Trends: the monthly snapshots (`metric_snapshots`), the plan's counts stored beside them, and the backfill
that computes the months before the first snapshot from the records' dates and the audit history.

Names: the `metrics_snapshot` check's (`workflows.checks.metrics.METRICS`: firms.<stage>, cases.<kind>,
pool.<level>, flags.<kind>) and `plan.<key>` for each counted metric of the plan in force. A snapshot taken
on day T holds the counts as of the end of day T-1, so the one of the 1st of a month closes the month before.
Backfilled rows carry no check run (`check_run_id` NULL): that is how a page tells them apart.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Integer, delete, func, insert, literal, or_, select, union_all

from models import District, Firm, Flag, MetricSnapshot, Plan, PlanMetric, Pool, PoolMembership, UpgradeCase
from models.enums import FirmStatus
from workflows.checks.metrics import CITY, METRIC_LABELS, METRICS
from workflows.plans.funnel import SOURCE_RUNG
from workflows.plans.registry import COMPUTED, WAS_ADMITTED, status_on
from workflows.plans.window import Scope, Window, day_end

PLAN_PREFIX = "plan."


def trend_labels(session) -> dict[str, str]:
    """Every name a trend can be asked for, with its label: the snapshot's metrics and the plans' counts."""
    labels = dict(METRIC_LABELS)
    rows = session.execute(select(PlanMetric.key, PlanMetric.label).join(Plan, Plan.id == PlanMetric.plan_id)
                           .where(PlanMetric.kind == "computed")
                           .order_by(Plan.starts_on, Plan.id, PlanMetric.sort_order, PlanMetric.id))
    for key, label in rows:  # one statement (every page view asks): a later plan's label wins
        if not COMPUTED[key].rate:
            labels[PLAN_PREFIX + key] = label
    return labels


def series(session, metric: str, district: str | None = None) -> list[tuple[date, int, bool]]:
    """(day, value, backfilled) of a metric's snapshots for a district ('' or None: the city), oldest first."""
    s = MetricSnapshot
    rows = session.execute(select(s.taken_on, s.value, s.check_run_id.is_(None))
                           .where(s.metric == metric, s.district_code == (district or CITY)).order_by(s.taken_on))
    return [(day, value, bool(backfilled)) for day, value, backfilled in rows]


def plan_for(session, day: date) -> Plan | None:
    """The plan whose counts a snapshot of `day` stores: the one covering it, else the latest started."""
    covering = session.scalar(select(Plan).where(Plan.starts_on <= day, Plan.ends_on >= day).order_by(Plan.starts_on.desc()))
    return covering or session.scalar(select(Plan).where(Plan.starts_on <= day).order_by(Plan.ends_on.desc()).limit(1))


def store_plan_counts(session, taken_on: date, run_id: int | None = None) -> int:
    """The plan's counted metrics per district (and the city) as of the day before `taken_on`."""
    plan = plan_for(session, taken_on - timedelta(days=1))
    if plan is None:
        return 0
    window = Window(plan.starts_on, taken_on - timedelta(days=1), Scope())
    keys = [m.key for m in plan.metrics if m.kind == "computed" and not COMPUTED[m.key].rate]
    session.execute(delete(MetricSnapshot).where(MetricSnapshot.taken_on == taken_on,
                                                 MetricSnapshot.metric.in_([PLAN_PREFIX + k for k in keys])))
    selects = []
    for key in keys:
        members = COMPUTED[key].members(window).subquery()
        selects.append(select(literal(PLAN_PREFIX + key).label("metric"), members.c.district_code, func.count().label("value"))
                       .group_by(members.c.district_code))
    return _store_grid(session, taken_on, union_all(*selects).subquery(), [PLAN_PREFIX + k for k in keys], run_id)


def _store_grid(session, taken_on: date, counts, names: list[str], run_id: int | None) -> int:
    """Every (district, name) with its count (zero where none), then the city as the districts' sum."""
    if not names:
        return 0
    grid_names = union_all(*(select(literal(n).label("metric")) for n in names)).subquery()
    grid = select(District.code.label("district_code"), grid_names.c.metric).join(grid_names, literal(True)).subquery()
    rows = (select(literal(taken_on), grid.c.metric, grid.c.district_code, func.coalesce(counts.c.value, 0),
                   literal(run_id, Integer))
            .select_from(grid).outerjoin(counts, (counts.c.metric == grid.c.metric)
                                         & (counts.c.district_code == grid.c.district_code)))
    columns = ["taken_on", "metric", "district_code", "value", "check_run_id"]
    session.execute(insert(MetricSnapshot).from_select(columns, rows))
    s = MetricSnapshot
    city = (select(literal(taken_on), s.metric, literal(CITY), func.sum(s.value), literal(run_id, Integer))
            .where(s.taken_on == taken_on, s.district_code != CITY, s.metric.in_(names)).group_by(s.metric))
    session.execute(insert(MetricSnapshot).from_select(columns, city))
    return session.scalar(select(func.count()).select_from(s).where(s.taken_on == taken_on, s.metric.in_(names))) or 0


def history_counts(day: date):
    """The `metrics_snapshot` families as of the end of `day`, from dates and the audit history."""
    end, w = day_end(day), Window(day, day, Scope())
    c, m = UpgradeCase, PoolMembership
    later = (select(c.firm_id, c.kind, func.row_number().over(partition_by=c.firm_id, order_by=c.closed_at).label("rn"))
             .where(c.state == "completed", c.closed_at >= end).subquery("later"))
    first_later = select(later.c.firm_id, later.c.kind).where(later.c.rn == 1).subquery("first_later")
    then = status_on(w)
    stage = _stage_then(first_later.c.kind)
    firms = (select((literal("firms.") + stage).label("metric"), Firm.district_code, func.count().label("value"))
             .outerjoin(first_later, first_later.c.firm_id == Firm.id).outerjoin(then, then.c.firm_id == Firm.id)
             .where(or_(Firm.registered_on.is_(None), Firm.registered_on <= day),
                    func.coalesce(then.c.status, Firm.status) == FirmStatus.ACTIVE)
             .group_by(Firm.district_code, stage))
    cases = (select((literal("cases.") + c.kind).label("metric"), Firm.district_code, func.count().label("value"))
             .join(Firm, Firm.id == c.firm_id).where(c.opened_at < end, or_(c.closed_at.is_(None), c.closed_at >= end))
             .group_by(Firm.district_code, c.kind))
    scope = func.coalesce(Pool.district_code, Firm.district_code)
    pools = (select((literal("pool.") + m.level).label("metric"), scope.label("district_code"), func.count().label("value"))
             .join(Pool, Pool.id == m.pool_id).join(Firm, Firm.id == m.firm_id)
             .where(m.state.in_(WAS_ADMITTED), m.decided_at < end, or_(m.ended_at.is_(None), m.ended_at >= end))
             .group_by(scope, m.level))
    flags = (select((literal("flags.") + Flag.kind).label("metric"), Flag.district_code, func.count().label("value"))
             .where(Flag.first_seen_at < end, or_(Flag.closed_at.is_(None), Flag.closed_at >= end))
             .group_by(Flag.district_code, Flag.kind))
    return union_all(firms, cases, pools, flags).subquery("counts")


def _stage_then(kind_column):
    from sqlalchemy import case

    return case(*((kind_column == kind, literal(str(stage))) for kind, stage in SOURCE_RUNG.items()), else_=Firm.stage)


def month_starts(since: date, until: date) -> list[date]:
    days, day = [], date(since.year, since.month, 1)
    while day < until:
        days.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return days


def backfill(session, *, since: date, today: date, force: bool = False) -> list[date]:
    """Store the 1st of every month from `since` up to the first snapshot (or today) that has none yet,
    computed from history. With `force`, months already backfilled are computed again (never a month a
    snapshot run wrote). Returns the days written."""
    s = MetricSnapshot
    first_run = session.scalar(select(func.min(s.taken_on)).where(s.check_run_id.is_not(None)))
    until = min(first_run or today, today + timedelta(days=1))
    have = set(session.scalars(select(s.taken_on).distinct()))
    written = []
    for day in month_starts(since, until):
        if day in have and not force:
            continue
        session.execute(delete(s).where(s.taken_on == day, s.check_run_id.is_(None)))
        _store_grid(session, day, history_counts(day - timedelta(days=1)), [mt.name for mt in METRICS], None)
        store_plan_counts(session, day)
        written.append(day)
    return written
