"""The ladder funnel: firms on each rung, the upgrades completed in a period, conversion, open cases by
state, and where cases wait (median days in each state).

- Rungs: firms 存续 today, by district and stage (个体工商户 → 企业 → 规上/限上 → 股份有限公司 → 上市/挂牌).
- Flow: cases closed in the period [from, to] (Hangzhou days), by kind and district: completed (the firm
  moved up a rung) and failed (abandoned / terminated). Conversion of a step: completed ÷ (completed + failed);
  the rung's rate: completed ÷ firms on the lower rung today (‰).
- Open cases: today, by kind, state and district.
- Bottleneck: for each kind and state, the median days of the stays that ENDED in the period (from the audit
  trail: a state is entered by one event and left by the next state-changing one) and the median days the
  cases waiting in it now have waited.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from statistics import median

from sqlalchemy import DateTime, func, literal, or_, select

from models import AuditEvent, Firm, UpgradeCase
from models.enums import CaseKind, FirmStatus, Stage
from workflows.case_flows import CASE_WORKFLOWS
from workflows.ladder import CASE_LABELS
from workflows.plans.tallies import stage_counts
from workflows.plans.window import Scope, day_end

SOURCE_RUNG = {CaseKind.IND_TO_ENT: Stage.INDIVIDUAL, CaseKind.SMALL_TO_SCALE: Stage.ENTERPRISE,
               CaseKind.SCALE_TO_STOCK: Stage.ABOVE_SCALE, CaseKind.STOCK_TO_LISTED: Stage.JOINT_STOCK}
CITY = ""


@dataclass
class Funnel:
    start: date
    end: date
    rungs: dict[str, dict[str, int]]  # district or CITY -> stage -> firms
    completed: dict[str, dict[str, int]]  # district or CITY -> kind -> cases completed in the period
    failed: dict[str, dict[str, int]]
    open_cases: dict[str, dict[tuple[str, str], int]]  # district or CITY -> (kind, state) -> cases
    waits: dict[tuple[str, str], dict]  # (kind, state) -> {"ended": median days, "ended_n", "waiting", "waiting_n"}

    def conversion(self, district: str, kind: str) -> float | None:
        done, lost = self.completed[district].get(kind, 0), self.failed[district].get(kind, 0)
        return round(100 * done / (done + lost), 1) if done + lost else None

    def rung_rate(self, district: str, kind: str) -> float | None:
        base = self.rungs[district].get(SOURCE_RUNG[kind], 0)
        return round(1000 * self.completed[district].get(kind, 0) / base, 2) if base else None


def _grid() -> dict:
    return defaultdict(dict)


def rung_counts(session, scope: Scope) -> dict[str, dict[str, int]]:
    """Active firms per district and stage: the stage tally, or (an industry or tag filter) the firms."""
    if scope.industry or scope.tag:
        stmt = scope.firm_filters(select(Firm.district_code, Firm.stage, func.count())
                                  .where(Firm.status == FirmStatus.ACTIVE)).group_by(Firm.district_code, Firm.stage)
        rows = session.execute(stmt)
    else:
        rows = ((district, stage, n) for (district, stage), n in stage_counts(session).items())
    out = _grid()
    out[CITY] = {}
    for district, stage, n in rows:
        out[district][stage] = n
        out[CITY][stage] = out[CITY].get(stage, 0) + n
    return out


def closed_counts(session, scope: Scope, start: date, end: date) -> tuple[dict, dict]:
    c = UpgradeCase
    stmt = scope.firm_filters(
        select(Firm.district_code, c.kind, c.state, func.count()).join(Firm, Firm.id == c.firm_id)
        .where(c.is_open.is_(False), c.closed_at >= day_end(date.fromordinal(start.toordinal() - 1)),
               c.closed_at < day_end(end))
    ).group_by(Firm.district_code, c.kind, c.state)
    completed, failed = _grid(), _grid()
    completed[CITY], failed[CITY] = {}, {}
    for district, kind, state, n in session.execute(stmt):
        target = completed if state == "completed" else failed
        for key in (district, CITY):
            target[key][kind] = target[key].get(kind, 0) + n
    return completed, failed


def open_counts(session, scope: Scope) -> dict:
    c = UpgradeCase
    stmt = scope.firm_filters(select(Firm.district_code, c.kind, c.state, func.count())
                              .join(Firm, Firm.id == c.firm_id).where(c.is_open.is_(True))
                              ).group_by(Firm.district_code, c.kind, c.state)
    out = _grid()
    out[CITY] = {}
    for district, kind, state, n in session.execute(stmt):
        for key in (district, CITY):
            out[key][(kind, state)] = out[key].get((kind, state), 0) + n
    return out


def days_between(session, later, earlier):
    """Days from one stored time to another, in SQL: the waits come back as numbers, not thousands of
    timestamps for Python to convert and subtract."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 86400
    return func.julianday(later) - func.julianday(earlier)


def _of_firms(scope: Scope, stmt):
    """A statement over cases narrowed to the scope's firms; city-wide and unfiltered, no firm is looked up."""
    if not scope.reads_firm:
        return stmt
    stmt = scope.firm_filters(stmt.join(Firm, Firm.id == UpgradeCase.firm_id))
    return stmt.where(Firm.district_code == scope.district) if scope.district else stmt


def waits(session, scope: Scope, start: date, end: date, now: datetime) -> dict:
    """Median days per (kind, state): stays that ended in the period, and the waits of the open cases now."""
    a, c = AuditEvent, UpgradeCase
    changed = or_(a.from_state.is_(None), a.from_state != a.to_state)
    steps = (select(a.subject_id, a.to_state, a.at,
                    func.lead(a.at, type_=a.at.type).over(partition_by=a.subject_id, order_by=(a.at, a.id)).label("left_at"))
             .where(a.subject_type == "case", a.to_state.is_not(None), changed).subquery("steps"))
    stmt = _of_firms(scope, select(c.kind, steps.c.to_state, days_between(session, steps.c.left_at, steps.c.at))
                     .join(c, c.id == steps.c.subject_id)
                     .where(steps.c.left_at >= day_end(date.fromordinal(start.toordinal() - 1)),
                            steps.c.left_at < day_end(end)))
    ended: dict[tuple, list[float]] = defaultdict(list)
    for kind, state, days in session.execute(stmt):
        ended[(kind, state)].append(float(days))
    open_stmt = _of_firms(scope, select(c.kind, c.state, days_between(session, literal(now, DateTime), c.state_entered_at))
                          .where(c.is_open.is_(True)))
    waiting: dict[tuple, list[float]] = defaultdict(list)
    for kind, state, days in session.execute(open_stmt):
        waiting[(kind, state)].append(float(days))
    out = {}
    for kind, workflow in CASE_WORKFLOWS.items():
        for state, spec in workflow.states.items():
            if spec.final:
                continue
            e, w = ended.get((kind, state), []), waiting.get((kind, state), [])
            out[(kind, state)] = {"kind_label": CASE_LABELS[kind], "state_label": spec.label,
                                  "ended": round(median(e), 1) if e else None, "ended_n": len(e),
                                  "waiting": round(median(w), 1) if w else None, "waiting_n": len(w)}
    return out


def build_funnel(session, scope: Scope, start: date, end: date, now: datetime) -> Funnel:
    """Counts for every district at once (the page shows the chosen one beside the city); the waits for the
    chosen district (or the city)."""
    every = scope.without_district()
    completed, failed = closed_counts(session, every, start, end)
    return Funnel(start, end, rung_counts(session, every), completed, failed, open_counts(session, every),
                  waits(session, scope, start, end, now))


def default_period(today: date) -> tuple[date, date]:
    """This year so far: what a leader asks first."""
    return date(today.year, 1, 1), today

