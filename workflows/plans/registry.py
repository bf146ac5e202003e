"""The computed metrics a plan may name: for each, the query that IS its definition, and that query in words.

`members(window)` selects the records behind the figure, one row each: `id` (the firm, case or membership
the drill-down lists), `firm_id`, `district_code` (the district the figure is counted in) and, for a rate,
`num` and `den`. A count is the number of those rows; a rate is 100 × Σnum / Σden. The list behind a number
is the same statement, so its length is the number by construction. Everything is as of the window's day,
from the records' own dates and the audit history (`workflows.plans.window`), so the figure at a plan's end
is the one it had then, and the same code answers "today".

Adding a metric: write its statement and sentence here; a plan then names it by key (no other code).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy import and_, case, func, literal, or_, select, union, union_all
from sqlalchemy.orm import aliased

from models import AnnualIndicator, AuditEvent, Firm, Pool, PoolMembership, UpgradeCase
from models.enums import CaseKind, FirmStatus, PoolLevel, SizeClass, Stage
from workflows.plans.tallies import admitted_members, new_firm_counts
from workflows.plans.window import Window, has_tags

NOT_SMALL = (SizeClass.MEDIUM, SizeClass.LARGE)  # 已划为中型、大型的不计: small, micro and unclassified count
INDUSTRIAL_SECTIONS = ("B", "C", "D")  # 采矿业, 制造业, 电力、热力、燃气及水生产和供应业 (GB/T 4754 工业)
WAS_ADMITTED = ("admitted", "removed", "graduated")
STATUS_CHANGES = ("deregister", "revoke", "move_out", "restore")
INDIVIDUAL = "个体工商户"


@dataclass(frozen=True)
class Computed:
    key: str
    label: str
    sentence: str  # the definition in words; {start} and {as_of} are filled in
    accumulation: str  # flow (new since the start) / level (held on the day) / rate (a percentage)
    lists: str  # firms / cases / memberships: what the drill-down shows
    members: Callable[[Window], object]
    district_targets: Callable | None = None  # session -> {district: target} where the plan's split lives elsewhere
    # Window -> rows of (district_code, value) to sum per district, from kept aggregates: the same numbers as
    # counting `members`, for the windows it can answer (None otherwise: then `members` is counted).
    counts: Callable[[Window], object | None] | None = None

    @property
    def rate(self) -> bool:
        return self.accumulation == "rate"


COMPUTED: dict[str, Computed] = {}


def computed(key: str, label: str, sentence: str, accumulation: str, lists: str = "firms", district_targets=None):
    def register(members):
        if key in COMPUTED:
            raise ValueError(f"computed metric {key!r} defined twice")
        COMPUTED[key] = Computed(key, label, sentence, accumulation, lists, members, district_targets)
        return members
    return register


def counted_by(key: str):
    """Attach a faster count to a computed metric: one that must equal counting its members (tests hold it)."""
    def register(counts):
        COMPUTED[key] = replace(COMPUTED[key], counts=counts)
        return counts
    return register


def _firms(w: Window, *conditions):
    stmt = select(Firm.id.label("id"), Firm.id.label("firm_id"), Firm.district_code.label("district_code"))
    return w.scoped(stmt.where(*conditions), Firm.district_code)


def small_or_unsized():
    """划型 小型, 微型 or not yet classified. Written as NOT IN, which SQLite without statistics never takes for
    an index: the date the statement is bounded by stays the one it reads by."""
    return Firm.size_class.not_in(NOT_SMALL)


def _new_small(w: Window):
    return (Firm.registered_on.between(w.start, w.as_of), Firm.legal_form != INDIVIDUAL, small_or_unsized())


@computed("new_small_firms", "累计新增小微企业",
          "成立日期在{start}至{as_of}之间的企业（不含个体工商户，不论现在是否存续），划型为小型、微型或尚无年度数据未划型；"
          "已划为中型、大型的不计。按企业所在区县统计。", "flow")
def new_small_firms(w: Window):
    return _firms(w, *_new_small(w))


@computed("new_small_firms_tagged", "新增八大万亿产业小微企业",
          "上一项中标注了至少一个八大万亿产业的企业。", "flow")
def new_small_firms_tagged(w: Window):
    return _firms(w, *_new_small(w), has_tags())


@counted_by("new_small_firms")
def _new_small_tally(w: Window):
    """From the month tally, unless an industry or tag filter asks for what it does not key on."""
    if w.scope.industry or w.scope.tag:
        return None
    return new_firm_counts(w.start, w.as_of, small=True, individual=False)


@counted_by("new_small_firms_tagged")
def _new_small_tagged_tally(w: Window):
    if w.scope.industry or w.scope.tag:
        return None
    return new_firm_counts(w.start, w.as_of, small=True, individual=False, tagged=True)


def _memberships(w: Window, level: str):
    m = PoolMembership
    county = level == PoolLevel.COUNTY
    district = Pool.district_code if county else Firm.district_code
    stmt = (select(m.id.label("id"), m.firm_id.label("firm_id"), district.label("district_code"))
            .select_from(m).join(Pool, Pool.id == m.pool_id)
            .where(m.level == level, m.state.in_(WAS_ADMITTED), m.decided_at < w.end_utc,
                   or_(m.ended_at.is_(None), m.ended_at >= w.end_utc)))
    if not county or w.scope.industry or w.scope.tag:  # the firm only where its district or filters are read
        stmt = stmt.join(Firm, Firm.id == m.firm_id)
    return w.scoped(stmt, district)


def _county_targets(session) -> dict:
    rows = session.execute(select(Pool.district_code, Pool.target).where(Pool.level == PoolLevel.COUNTY))
    return {code: target for code, target in rows}


@computed("city_pool_members", "市级培育库在库企业",
          "{as_of}当日在市级培育库中的企业：入库（审核通过）时间不晚于当日，且当日尚未出库或毕业。按企业所在区县统计。",
          "level", "memberships")
def city_pool_members(w: Window):
    return _memberships(w, PoolLevel.CITY)


@computed("county_pool_members", "县级培育库在库企业",
          "{as_of}当日在各县级培育库中的企业：入库时间不晚于当日，且当日尚未出库或毕业。按培育库所属区县统计；"
          "区县目标取自各县级培育库的目标。", "level", "memberships", _county_targets)
def county_pool_members(w: Window):
    return _memberships(w, PoolLevel.COUNTY)


def _cases(w: Window, kind: str, *conditions):
    c = UpgradeCase
    stmt = (select(c.id.label("id"), c.firm_id.label("firm_id"), Firm.district_code.label("district_code"))
            .join(Firm, Firm.id == c.firm_id).where(c.kind == kind, *conditions))
    return w.scoped(stmt, Firm.district_code)


@counted_by("city_pool_members")
def _city_members_counted(w: Window):
    return _members_counted(w, PoolLevel.CITY)


@counted_by("county_pool_members")
def _county_members_counted(w: Window):
    return _members_counted(w, PoolLevel.COUNTY)


def _members_counted(w: Window, level: str):
    """The members admitted now (the member tally), corrected for the day: less those admitted after it, plus
    those removed or graduated after it. For today both corrections are empty index ranges."""
    if w.scope.industry or w.scope.tag:
        return None
    m = PoolMembership
    county = level == PoolLevel.COUNTY
    tally = admitted_members(level, by_pool=county)

    def fix(sign: int, *conditions):
        district = Pool.district_code if county else Firm.district_code
        stmt = select(district.label("district_code"), (sign * func.count()).label("value")).select_from(m)
        stmt = stmt.join(Pool, Pool.id == m.pool_id) if county else stmt.join(Firm, Firm.id == m.firm_id)
        return stmt.where(m.level == level, *conditions).group_by(district)

    later = fix(-1, m.state == "admitted", m.decided_at >= w.end_utc)
    ended = fix(1, m.state.in_(WAS_ADMITTED[1:]), m.decided_at < w.end_utc, m.ended_at >= w.end_utc)
    return union_all(tally, later, ended)


@computed("scaled_up_industrial", "累计新增规下升规上工业企业",
          "{start}至{as_of}之间办结（批准纳入规上）的小升规案件，企业行业属工业（采矿业B、制造业C、电力热力燃气及水D）。",
          "flow", "cases")
def scaled_up_industrial(w: Window):
    c = UpgradeCase
    return _cases(w, CaseKind.SMALL_TO_SCALE, c.state == "completed", c.closed_at >= w.start_utc,
                  c.closed_at < w.end_utc, func.substr(Firm.industry, 1, 1).in_(INDUSTRIAL_SECTIONS))


def _open_on(w: Window):
    c = UpgradeCase
    return (c.opened_at < w.end_utc, or_(c.closed_at.is_(None), c.closed_at >= w.end_utc))


@computed("listing_reserve", "上市后备企业",
          "{as_of}当日在办的股上市案件（上市后备、辅导备案、申报受理、注册生效各阶段），每家企业一件。", "level", "cases")
def listing_reserve(w: Window):
    return _cases(w, CaseKind.STOCK_TO_LISTED, *_open_on(w))


def _key_on(w: Window):
    """The case's last 列为/取消市级重点拟上市 step by the end of the day was a designation."""
    a = AuditEvent
    last = (select(a.action).where(a.subject_type == "case", a.subject_id == UpgradeCase.id,
                                    a.action.in_(("designate_key", "revoke_key")), a.at < w.end_utc)
            .order_by(a.at.desc(), a.id.desc()).limit(1).correlate(UpgradeCase).scalar_subquery())
    return last == "designate_key"


@computed("key_listing", "市级重点拟上市企业",
          "上一项中，{as_of}当日被列为市级重点拟上市的企业（以审计记录中最近一次“列为/取消市级重点拟上市”为准）。",
          "level", "cases")
def key_listing(w: Window):
    return _cases(w, CaseKind.STOCK_TO_LISTED, *_open_on(w), _key_on(w))


def status_on(w: Window):
    """(firm_id, status) of the firms whose 登记状态 changed after the day: their status on the day is the old
    value of the first such change (by effective date). Every other firm's status on the day is its current one."""
    a = AuditEvent
    effective = a.evidence["effective_on"].as_string()
    ranked = (select(a.firm_id, a.evidence[("changes", "status", 0)].as_string().label("status"),
                     func.row_number().over(partition_by=a.firm_id, order_by=(effective, a.at, a.id)).label("rn"))
              .where(a.action == "status_change", a.evidence["change"].as_string().in_(STATUS_CHANGES),
                     effective > w.as_of.isoformat())
              .subquery("later_changes"))
    return select(ranked.c.firm_id, ranked.c.status).where(ranked.c.rn == 1).subquery("status_on")


@computed("joint_stock_held", "股份有限公司保有量",
          "{as_of}当日存续的股份有限公司（含已上市挂牌）：经规改股案件办结的以办结日为准，登记即为股份公司的以成立日期为准；"
          "当日是否存续按状态变更的生效日期回溯。", "level")
def joint_stock_held(w: Window):
    stmt = (select(Firm.id.label("id"), Firm.id.label("firm_id"), Firm.district_code.label("district_code"))
            .where(_held_on(w)))
    return w.scoped(stmt, Firm.district_code)


UPPER_RUNGS = (Stage.JOINT_STOCK, Stage.LISTED)


def _later_stock_case(w: Window):
    """Firms whose 规改股 case completed after the day: not yet a 股份有限公司 then."""
    c = UpgradeCase
    return select(c.firm_id).where(c.kind == CaseKind.SCALE_TO_STOCK, c.state == "completed", c.closed_at >= w.end_utc)


def _held_on(w: Window):
    return and_(Firm.stage.in_(UPPER_RUNGS), Firm.registered_on <= w.as_of, Firm.id.not_in(_later_stock_case(w)),
                active_on(w))


@counted_by("joint_stock_held")
def _joint_stock_counted(w: Window):
    """The upper rungs' firms active now and registered by the day, read from their covering index alone,
    corrected firm by firm for the few whose day differed: a 规改股 completed since, a status changed since."""
    if w.scope.industry or w.scope.tag:
        return None
    now = and_(Firm.stage.in_(UPPER_RUNGS), Firm.status == FirmStatus.ACTIVE, Firm.registered_on <= w.as_of)
    base = select(Firm.district_code, func.count().label("value")).where(now).group_by(Firm.district_code)
    changed = union(_later_stock_case(w), select(status_on(w).c.firm_id))
    fix = (select(Firm.district_code, (case((_held_on(w), 1), else_=0) - case((now, 1), else_=0)).label("value"))
           .where(Firm.id.in_(changed)))
    return union_all(base, fix)


def active_on(w: Window):
    """存续 on the day: active now and no status change took effect since, or the first change since found it
    active. Sets, not a look-up per firm: the changes after a day are few beside the firms asked about."""
    then = status_on(w)
    return or_(and_(Firm.status == FirmStatus.ACTIVE, Firm.id.not_in(select(then.c.firm_id))),
               Firm.id.in_(select(then.c.firm_id).where(then.c.status == FirmStatus.ACTIVE)))


@computed("new_tech_sme", "累计新增科技型小微企业",
          "科技型中小企业认定日期在{start}至{as_of}之间、现仍持有该认定的企业，已划为中型、大型的不计；认定日期未知"
          "（建档时已是科技型）的不计。", "flow")
def new_tech_sme(w: Window):
    return _firms(w, Firm.tech_sme.is_(True), Firm.tech_sme_on.between(w.start, w.as_of), small_or_unsized())


@computed("new_high_tech", "累计新增高新技术企业",
          "高新技术企业认定日期在{start}至{as_of}之间、现仍持有该认定的企业；认定日期未知的不计。", "flow")
def new_high_tech(w: Window):
    return _firms(w, Firm.high_tech.is_(True), Firm.high_tech_on.between(w.start, w.as_of))


def _tech_figures(w: Window, num, den):
    i = aliased(AnnualIndicator)
    stmt = (select(Firm.id.label("id"), Firm.id.label("firm_id"), Firm.district_code.label("district_code"),
                   func.coalesce(num(i), 0).label("num"), den(i).label("den"))
            .join(i, and_(i.firm_id == Firm.id, i.year == literal(w.figures_year)))
            .where(Firm.tech_sme.is_(True), or_(Firm.tech_sme_on.is_(None), Firm.tech_sme_on <= w.as_of),
                   Firm.size_class.in_((SizeClass.SMALL, SizeClass.MICRO)), den(i) > 0))
    return w.scoped(stmt, Firm.district_code)


@computed("tech_rd_intensity", "科技型小微企业研发投入占销售收入比重",
          "科技型中小企业中划为小型、微型的企业，按{year}年度数据：研发费用合计 ÷ 营业收入合计 × 100%（营业收入为正的企业）。",
          "rate")
def tech_rd_intensity(w: Window):
    return _tech_figures(w, lambda i: i.rd_expense, lambda i: i.revenue)


@computed("tech_rd_staff_share", "科技型小微企业科研人员占职工总数比重",
          "科技型中小企业中划为小型、微型的企业，按{year}年度数据：研发人员合计 ÷ 从业人员合计 × 100%（从业人员为正的企业）。",
          "rate")
def tech_rd_staff_share(w: Window):
    return _tech_figures(w, lambda i: i.rd_staff, lambda i: i.employees)


def describe(key: str, w: Window) -> str:
    """The definition in words, with the window's dates."""
    return COMPUTED[key].sentence.format(start=w.start.isoformat(), as_of=w.as_of.isoformat(), year=w.figures_year)
