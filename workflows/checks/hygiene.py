"""`pool_hygiene`: admitted pool members that should leave the pool or have outgrown it (DESIGN §5).

Removal (建议出库), each a reason of its own:
- the firm is 注销 / 吊销 / 迁出, or on the 经营异常名录 / 严重违法失信名单 — the reason carries the day the
  change took effect, read from the firm's latest matching `status_change` audit event (one indexed lookup
  per hit; none when the status came in with the firm's first registration import, and the sentence then
  says just the fact);
- a county member whose firm now belongs to another district than its pool's;
- no figures for the last `no_figures_years` completed years, for a firm registered before them (or of
  unknown registration date, as the eligibility rule reads it);
- revenue down by more than `revenue_drop_share` year on year, two years running (two reasons: the last
  completed year's drop and the year before's).

Graduation (建议毕业): the firm is now 规上 or beyond, or its 划型 is now 中型 or 大型 (active firms only: a
deregistered one is a removal).

The period is the calendar year of `today`: a dismissed flag holds for the year. City members are flagged
too (scoped to their firm's district, for the city staff who decide them), though ending the county
membership ends the city one with it: that flag then resolves on the next run.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Integer, and_, cast, exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from models import AnnualIndicator, AuditEvent, Firm, Pool, PoolMembership
from models.enums import FirmStatus, FlagKind, PoolLevel, SizeClass, Stage
from workflows.checks.base import Check, CheckResult, count, hit
from workflows.checks.registry import register
from workflows.checks.settings import checks_policy
from workflows.firm_status import STATUS_CHANGES
from workflows.policy import Policy

ADMITTED = "admitted"
SCALED = tuple(Stage)[tuple(Stage).index(Stage.ABOVE_SCALE):]  # 规上 and every rung above it
STATUS_RULES = {FirmStatus.DEREGISTERED: "removal.deregistered", FirmStatus.REVOKED: "removal.revoked",
                FirmStatus.MOVED_OUT: "removal.moved_out"}
SKIP_TREND = "营业收入不足连续三年，未判断降幅"


def change_code(field: str, value) -> str:
    """The status change (firm_status.STATUS_CHANGES) that sets `field` to `value`."""
    return next(code for code, change in STATUS_CHANGES.items() if change.field == field and change.value == value)


def changed_on(code: str, firm_id):
    """The effective day (as the number YYYYMMDD, a hit's figure being a number) of the firm's latest
    status change `code`; NULL when none is recorded."""
    ev = AuditEvent
    day = ev.evidence["effective_on"].as_string()
    return (select(cast(func.replace(day, "-", ""), Integer))
            .where(ev.firm_id == firm_id, ev.subject_type == "firm", ev.action == "status_change",
                   ev.evidence["change"].as_string() == code)
            .order_by(ev.at.desc(), ev.id.desc()).limit(1).scalar_subquery())


def admitted_members():
    """Every admitted membership with what the rules read of its pool and firm: one CTE, computed once for
    the dozen rules (each re-joining memberships, pools and firms cost several times the work)."""
    m, p = PoolMembership, Pool
    return (select(m.id, m.firm_id, p.level, p.district_code.label("pool_district"),
                   func.coalesce(p.district_code, Firm.district_code).label("scope"), Firm.district_code,
                   Firm.status, Firm.abnormal, Firm.serious_violation, Firm.registered_on, Firm.stage,
                   Firm.size_class)
            .join(p, p.id == m.pool_id).join(Firm, Firm.id == m.firm_id)
            .where(m.state == ADMITTED)
            .cte("members"))


def run(session, today: date, policy: Policy) -> CheckResult:
    rules = checks_policy(policy).hygiene
    c = admitted_members().c
    members = select(c.id)

    def flagged(kind: FlagKind, *where, rule: str, value=None, threshold=None, year=None, of=c):
        return hit(select(of.id).where(*where), kind=kind, subject_type="membership", subject_id=of.id,
                   firm_id=of.firm_id, district_code=of.scope, period=literal(today.year), rule=rule,
                   value=value if value is not None else literal(None), threshold=threshold, year=year)

    removal = [flagged(FlagKind.REMOVAL, c.status == status, rule=rule,
                       value=changed_on(change_code("status", status), c.firm_id))
               for status, rule in STATUS_RULES.items()]
    removal += [
        flagged(FlagKind.REMOVAL, c.abnormal.is_(True), rule="removal.abnormal",
                value=changed_on(change_code("abnormal", True), c.firm_id)),
        flagged(FlagKind.REMOVAL, c.serious_violation.is_(True), rule="removal.violation",
                value=changed_on(change_code("serious_violation", True), c.firm_id)),
        flagged(FlagKind.REMOVAL, c.level == PoolLevel.COUNTY, c.district_code != c.pool_district,
                rule="removal.district_changed", value=cast(c.district_code, Integer),
                threshold=cast(c.pool_district, Integer)),
        _no_figures(flagged, c, today, int(rules["no_figures_years"])),
        *_revenue_drop(flagged, c, today, rules["revenue_drop_share"]),
    ]
    active = c.status == FirmStatus.ACTIVE
    graduation = [
        flagged(FlagKind.GRADUATION, active, c.stage.in_(SCALED), rule="graduation.scaled_up"),
        flagged(FlagKind.GRADUATION, active, c.size_class == SizeClass.MEDIUM, rule="graduation.medium"),
        flagged(FlagKind.GRADUATION, active, c.size_class == SizeClass.LARGE, rule="graduation.large"),
    ]
    years = _years(today)
    examined = count(session, members)
    trend = count(session, _joined(members, c, years).where(*(a.revenue.is_not(None) for a, _ in years)))
    return CheckResult(hits=removal + graduation, kinds=(FlagKind.REMOVAL, FlagKind.GRADUATION), examined=examined,
                       skipped={SKIP_TREND: examined - trend} if examined > trend else {})


def no_figures_since(today: date, years: int) -> date:
    """The first day of the last `years` completed years: a firm registered before it (or of unknown
    registration date) is expected to have filed figures for them."""
    return date(today.year - years, 1, 1)


def _no_figures(flagged, c, today: date, years: int):
    last = today.year - 1
    since = no_figures_since(today, years)
    a = AnnualIndicator
    none = ~exists().where(a.firm_id == c.firm_id, a.year.between(since.year, last))
    old_enough = or_(c.registered_on.is_(None), c.registered_on < since)
    return flagged(FlagKind.REMOVAL, none, old_enough, rule="removal.no_figures", value=literal(years),
                   year=literal(last))


def _years(today: date):
    """Aliases of the last three completed years' figures: (last, the year before, the one before that)."""
    last = today.year - 1
    return [(aliased(AnnualIndicator, name=f"y{i}"), last - i) for i in range(3)]


def _joined(selection, c, years):
    for a, year in years:
        selection = selection.join(a, and_(a.firm_id == c.firm_id, a.year == year))
    return selection


def _revenue_drop(flagged, c, today: date, share):
    """Each year's revenue below (1 - share) of the year before's, two years running: one CTE of the members
    that fell, read by both reasons. Compared as (before - now) · den > before · num with share = num/den,
    so 30.0 % is not "more than 30 %" on either database (SQLite computes in binary floating point)."""
    years = _years(today)
    (last, y_last), (middle, y_middle), (first, _) = years
    num, den = share.as_integer_ratio()

    def fell(now, before):
        return and_(before.revenue > 0, (before.revenue - now.revenue) * den > before.revenue * num)

    def drop(now, before):
        return (before.revenue - now.revenue) * 100 / before.revenue

    falling = (_joined(select(c.id, c.firm_id, c.scope, drop(last, middle).label("last"),
                              drop(middle, first).label("prior")), c, years)
               .where(fell(last, middle), fell(middle, first))
               .cte("falling"))
    f, percent = falling.c, share * 100
    return [
        flagged(FlagKind.REMOVAL, rule="removal.revenue_drop", value=f["last"], threshold=percent,
                year=literal(y_last), of=f),
        flagged(FlagKind.REMOVAL, rule="removal.revenue_drop_prior", value=f.prior, threshold=percent,
                year=literal(y_middle), of=f),
    ]


CHECK = register(Check(
    "pool_hygiene", "在库企业复核",
    "复核已入库企业：注销、吊销、迁出或区县变更、经营异常、严重违法、连续两年无年度数据、营业收入连续两年大幅下降的建议出库；"
    "已升规上或划型为中型、大型的建议毕业",
    run, kinds=(FlagKind.REMOVAL, FlagKind.GRADUATION),
))
