"""Demo pool memberships: the county split applied, then the pools filled in bulk as the engine would have.

The admin applies the proposed county split (``pools.apply_split``, audited like any edit). The pools are
then filled with tens of thousands of memberships, too many to walk through the engine one by one inside
the demo's minute, so they are planned here and written with Core bulk inserts (``demo.bulk.BulkInsert``)
together with the audit events ``nominate``/``membership.act`` would have written for them: one
``nominate`` event, then ``admit``/``reject``/``withdraw``, then ``remove``/``graduate`` (a county
membership's end preceded by the ``cascade_*`` event of the firm's city membership), with the same
states, versions, timestamps, actors, fields and evidence. The rules hold as the engine enforces them:

- every active member is eligible today (DESIGN §9), one active membership per firm and level, every
  city member has an admitted county membership from before;
- four eyes: a district officer's nomination is decided by city staff; city staff's by the officer (or
  city staff); only city staff decide in the city pool; a nomination is withdrawn by its nominator;
- removals and graduations use firms that are no longer eligible, with the matching reason code
  (注销/吊销, 迁出, 异常或严重违法, 缺少年度数据; 升规 after a completed 小升规 case, 超出小微);
- every step falls in office hours after the firm entered the register and before today, in order.

Fill: each county pool holds 55–95 % of its target (never more than its district's eligible firms), the
city pool about 75 % of its 12,000, and every district has pending nominations, some nominated by its
officer (so they wait for city staff: four eyes) and some by city staff. Deterministic by seed. On a small
register (``--firms 3000``) the targets exceed the eligible firms: the county pools fill up to those, the
queues scale down with them, and the city pool takes at most 35 % of the county members.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import and_, case, exists, or_, select

from models import AnnualIndicator, Firm, Pool, PoolMembership, UpgradeCase
from models.enums import EndReason, FirmStatus, PoolLevel, SizeClass, Stage
from workflows.checks.hygiene import no_figures_since
from workflows.checks.settings import checks_policy
from workflows.demo.data import go_live_day
from workflows.demo.pools_write import ACTIONS, write_members
from workflows.policy import default_policy
from workflows.pools import all_pools, apply_split, eligible_clause, pool_counts, propose_split
from workflows.rules.batch import intake_batch
from workflows.timefmt import local_date

COUNTY_FILL = (0.55, 0.95)
LEAD_DAYS = {"rejected": 30, "withdrawn": 20, "admitted": 75}  # a nomination at least this long before today  # admitted / target, drawn per district
CITY_FILL = 0.75
CITY_SHARE_MAX = 0.35  # of the active county members: a small register cannot put nearly all in the city pool
PENDING = (0.012, 2, 150)  # share of the target (or of the eligible firms, if fewer), at least, at most
REJECTED, WITHDRAWN, REMOVED = 0.004, 0.002, 0.03  # shares of the same
REMOVE_MIX = {EndReason.DEREGISTERED: 0.35, EndReason.MOVED_OUT: 0.2, EndReason.VIOLATION: 0.3,
              EndReason.INELIGIBLE: 0.15}
# Of the firms that left the rules while in the pool, the share still admitted: nobody has noticed yet, so
# the nightly pool_hygiene check has real removal and graduation candidates to flag in the demo.
UNNOTICED = 0.25
SCALED_UP = 0.5  # of the firms whose 小升规 completed, the share that were county members and graduated
CITY_OF_ENDED = 0.2  # ended county members that also were admitted city members (their end cascaded)
CITY_PENDING = (0.03, 1, 30)
LEADING = {SizeClass.SMALL: 0.5, SizeClass.MICRO: 0.05}  # share of 领军型 among firms older than three years
OFFICER_NOMINATES, OFFICER_DECIDES, OFFICER_ENDS, OFFICER_NOMINATES_CITY = 0.65, 0.8, 0.6, 0.6

REASONS = {
    "startup": ("新设企业，主营业务清晰，成长潜力较好", "科技型初创企业，已获首轮融资",
                "创业团队稳定，带动就业明显"),
    "growth": ("近两年营业收入保持两位数增长", "研发投入逐年增加，拟申报科技型中小企业",
               "产品进入龙头企业供应链，订单稳定增长", "小升规重点培育对象，接近规上标准"),
    "leading": ("细分领域市场占有率居全区前列", "拥有多项发明专利，具备专精特新潜力",
                "纳税额连续三年位居同行业前列"),
}
CITY_REASONS = ("县级培育成效明显，推荐进入市级培育库", "营业收入和纳税增长较快，推荐市级重点培育",
                "列入区县重点培育名单满一年，指标优良")
ADMIT_NOTES = ("", "材料齐全，同意入库", "经核实符合入库条件")
REJECT_NOTES = ("近两年营业收入下滑明显，暂不入库", "推荐材料不全，请补充后重新推荐",
                "经营场所核查不符，暂不入库")
WITHDRAW_NOTES = ("企业自愿放弃入库", "推荐信息有误，撤回后重新推荐", "")


@dataclass(slots=True)
class Candidate:
    firm_id: int
    district: str
    start: date  # the first day a nomination may fall on (after the firm entered the register)
    registered_on: date | None
    size_class: str
    closed: datetime | None = None  # when its 小升规 case completed (graduation candidates)


@dataclass(slots=True)
class Member:
    firm_id: int
    district: str
    level: str
    pool_id: int
    state: str
    cultivation_type: str
    batch: str
    reason: str
    nominated_by: object
    nominated_at: datetime
    decided_by: object = None
    decided_at: datetime | None = None
    ended_by: object = None
    ended_at: datetime | None = None
    end_reason: str | None = None
    note: str = ""
    city: Member | None = None  # the city membership this county membership's end cascaded to
    id: int | None = None


def seed_pools(session, users: dict, *, seed: int, now: datetime) -> int:
    """Apply the proposed county split as the admin, then fill the pools; returns the memberships written."""
    today = local_date(now)
    apply_split(session, propose_split(session, today), actor=users["admin"], now=now)
    planner = Planner(random.Random(f"demo-pools:{seed}"), users, now)
    members = planner.plan(session, today)
    write_members(session, members, now)
    return len(members)


class Actor(NamedTuple):
    """What an event needs of a user, read once (ORM attribute access costs at 100,000 events)."""

    id: int
    username: str


class Planner:
    def __init__(self, rng: random.Random, users: dict, now: datetime):
        self.rng, self.now = rng, now
        self.users = {"city": Actor(users["city"].id, users["city"].username),
                      "officers": {code: Actor(u.id, u.username) for code, u in users["officers"].items()}}
        self.last = now.date() - timedelta(days=1)  # every step falls no later than yesterday
        years = int(checks_policy(default_policy()).hygiene["no_figures_years"])
        self.figures_due = no_figures_since(local_date(now), years)

    def plan(self, session, today: date) -> list[Member]:
        pools = {p.district_code: p for p in all_pools(session)}
        city = self.city_pool = pools.pop(None)
        admitted = {pid: c.get("admitted", 0) for pid, c in pool_counts(session).items()}
        eligible, ended = candidates(session, self.now, today)
        members: list[Member] = []
        for district, pool in sorted(pools.items()):
            members += self.county(pool, eligible.get(district, []), ended.get(district, {}),
                                   admitted.get(pool.id, 0))
        members += self.city(city, members, admitted.get(city.id, 0))
        return members

    # --- county pools ----------------------------------------------------------------------------------

    def county(self, pool: Pool, eligible: list[Candidate], ended: dict, already: int) -> list[Member]:
        rng, last = self.rng, self.last
        share, low, high = PENDING
        base = min(pool.target, len(eligible))  # a small register: the queues scale with what there is
        quotas = {"nominated": min(high, max(low, round(base * share))),
                  "rejected": max(1, round(base * REJECTED)), "withdrawn": max(1, round(base * WITHDRAWN)),
                  "admitted": max(0, round(rng.uniform(*COUNTY_FILL) * pool.target) - already)}
        earliest = {"nominated": last, **{s: last - timedelta(days=n) for s, n in LEAD_DAYS.items()}}
        self.pending = 0
        rng.shuffle(eligible)
        out = []
        for c in eligible:
            state = next((s for s, n in quotas.items() if n and c.start <= earliest[s]), None)
            if state is not None:
                quotas[state] -= 1
                out.append(self.county_member(pool, c, state))
        n_removed = round(base * REMOVED)
        for reason, weight in REMOVE_MIX.items():
            fit = [c for c in ended.get(reason, []) if c.start <= last - timedelta(days=120)]
            rng.shuffle(fit)
            take = max(1, round(n_removed * weight))
            out += [self.county_member(pool, c, "removed", reason) for c in fit[:take]]
            unnoticed = [c for c in fit[take:] if self.flagged_for(reason, c)][:max(1, round(take * UNNOTICED))]
            out += [self.county_member(pool, c, "admitted") for c in unnoticed]
        for c in ended.get(EndReason.OUTGREW_SMALL, []):
            if c.start <= last - timedelta(days=120):
                state = "admitted" if rng.random() < UNNOTICED else "graduated"
                out.append(self.county_member(pool, c, state, None if state == "admitted" else EndReason.OUTGREW_SMALL))
        for c in ended.get(EndReason.SCALED_UP, []):
            if c.start <= c.closed.date() - timedelta(days=60) and c.closed.date() < last \
                    and rng.random() < SCALED_UP:
                out.append(self.county_member(pool, c, "graduated", EndReason.SCALED_UP))
        return out

    def county_member(self, pool: Pool, c: Candidate, state: str, end_reason: str | None = None) -> Member:
        rng, last, day = self.rng, self.last, timedelta(days=1)
        officer, city = self.users["officers"][c.district], self.users["city"]
        if state == "nominated":
            nominated_at = self.at(max(c.start, last - 45 * day), last)
        elif state in ("removed", "graduated"):
            top = c.closed.date() - 60 * day if end_reason == EndReason.SCALED_UP else last - 120 * day
            nominated_at = self.at(c.start, top)
        else:
            nominated_at = self.at(c.start, last - LEAD_DAYS[state] * day)
        if state == "nominated":  # every queue holds both kinds: the officer's own (four eyes) and city staff's
            self.pending += 1
            nominator = city if self.pending % 3 == 2 else officer
        else:
            nominator = officer if rng.random() < OFFICER_NOMINATES else city
        ctype = self.cultivation_type(c, nominated_at)
        m = Member(c.firm_id, c.district, PoolLevel.COUNTY, pool.id, state, ctype, batch_of(nominated_at),
                   rng.choice(REASONS[ctype]), nominator, nominated_at)
        if state == "nominated":
            return m
        start = nominated_at.date()
        if state == "withdrawn":
            m.ended_by, m.ended_at, m.note = nominator, self.at(start + day, min(start + 15 * day, last)), \
                rng.choice(WITHDRAW_NOTES)
            return m
        m.decided_by = city if nominator is officer or rng.random() >= OFFICER_DECIDES else officer
        top = c.closed.date() - day if end_reason == EndReason.SCALED_UP else last
        m.decided_at = self.at(start + 3 * day, min(start + 40 * day, top))
        m.note = rng.choice(REJECT_NOTES if state == "rejected" else ADMIT_NOTES)
        m.ended_at = m.decided_at if state == "rejected" else None
        if state in ACTIONS:
            if end_reason == EndReason.SCALED_UP:
                lo, hi = c.closed.date() + day, min(c.closed.date() + 20 * day, last)
            else:
                lo, hi = m.decided_at.date() + 30 * day, last
            m.ended_at, m.end_reason = self.at(lo, hi), end_reason
            m.ended_by = officer if rng.random() < OFFICER_ENDS else city
            if rng.random() < CITY_OF_ENDED:
                m.city = self.city_member(m, "admitted", before=m.ended_at)
            if m.city is not None:  # its end cascades: same state, reason and moment
                m.city.state, m.city.end_reason, m.city.ended_at = m.state, m.end_reason, m.ended_at
        return m

    # --- the city pool ---------------------------------------------------------------------------------

    def city(self, pool: Pool, county: list[Member], already: int) -> list[Member]:
        """City members among the active county members, then a few pending city nominations per district."""
        out = [m.city for m in county if m.city is not None]  # planned with their county membership
        active = [m for m in county if m.state == "admitted"]
        ready = [m for m in active if m.decided_at.date() <= self.last - timedelta(days=50)]
        wanted = min(round(CITY_FILL * pool.target), round(CITY_SHARE_MAX * len(active))) - already
        chosen = self.rng.sample(ready, min(len(ready), max(0, wanted)))
        out += [self.city_member(m, "admitted") for m in chosen]
        taken = {m.firm_id for m in chosen}
        by_district = Counter(m.district for m in chosen)
        share, low, high = CITY_PENDING
        for district in sorted({m.district for m in active}):
            rest = [m for m in active if m.district == district and m.firm_id not in taken
                    and m.decided_at.date() <= self.last - timedelta(days=10)]
            n = min(len(rest), min(high, max(low, round(by_district[district] * share))))
            out += [self.city_member(m, "nominated") for m in self.rng.sample(rest, n)]
        return out

    def city_member(self, county: Member, state: str, before: datetime | None = None) -> Member | None:
        rng, day = self.rng, timedelta(days=1)
        after = county.decided_at.date()
        if state == "nominated":
            nominated_at = self.at(max(after + 5 * day, self.last - 40 * day), self.last)
        else:
            top = before.date() - 30 * day if before else self.last - 30 * day
            if after + 20 * day > top:
                return None
            nominated_at = self.at(after + 20 * day, top)
        officer, city = self.users["officers"][county.district], self.users["city"]
        nominator = officer if rng.random() < OFFICER_NOMINATES_CITY else city
        m = Member(county.firm_id, county.district, PoolLevel.CITY, self.city_pool.id, state,
                   county.cultivation_type, batch_of(nominated_at), rng.choice(CITY_REASONS), nominator,
                   nominated_at)
        if state == "admitted":
            start = nominated_at.date()
            top = min(start + 25 * day, (before.date() - day) if before else self.last)
            m.decided_by, m.decided_at, m.note = city, self.at(start + 5 * day, top), rng.choice(ADMIT_NOTES)
        return m

    # --- helpers ---------------------------------------------------------------------------------------

    def flagged_for(self, reason: str, c: Candidate) -> bool:
        """Whether pool_hygiene flags a member that left the rules for `reason`: every reason but missing
        figures, which it flags only for a firm registered before the years it reads (a younger one has
        outgrown the 新设 allowance of the eligibility rule, yet owes no figures the check would miss)."""
        return reason != EndReason.INELIGIBLE or c.registered_on is None or c.registered_on < self.figures_due

    def at(self, lo: date, hi: date) -> datetime:
        """A moment in office hours (09:00–17:00 Hangzhou, stored as UTC) on a day between lo and hi."""
        x = self.rng.random() * (max(0, (hi - lo).days) + 1)  # one draw: the day and the moment in it
        return datetime.combine(lo, time(1, 0)) + timedelta(days=int(x), seconds=int(28_800 * (x - int(x))))

    def cultivation_type(self, c: Candidate, at: datetime) -> str:
        if c.registered_on and (at.date() - c.registered_on).days < 3 * 365:
            return "startup"
        leading = LEADING.get(c.size_class, 0.0)  # 领军型: mostly among the 小型 (the bigger of the small)
        return "leading" if self.rng.random() < leading else "growth"


def batch_of(at: datetime) -> str:
    """入库批次: two intakes a year, by the Hangzhou date of the nomination."""
    return intake_batch(local_date(at))


def candidates(session, now: datetime, today: date) -> tuple[dict, dict]:
    """Enterprises without any membership yet: ({district: [eligible]}, {district: {end reason: [former]}}).

    Eligibility is the SQL form of DESIGN §9 (`pools.eligible_clause`, the rule the target split
    counts by); ineligible firms are sorted by the reason they would have left the pool for, in SQL too.
    Plain tuples and no per-row Python rule: 100,000 rows must take a fraction of a second.
    """
    go_live = go_live_day(now)
    eligible_now = eligible_clause(today)
    has_rows = exists().where(AnnualIndicator.firm_id == Firm.id)
    reason = case(
        (Firm.status.in_([FirmStatus.DEREGISTERED, FirmStatus.REVOKED]), str(EndReason.DEREGISTERED)),
        (Firm.status == FirmStatus.MOVED_OUT, str(EndReason.MOVED_OUT)),
        (or_(Firm.abnormal, Firm.serious_violation), str(EndReason.VIOLATION)),
        (and_(has_rows, Firm.size_class.in_([SizeClass.MEDIUM, SizeClass.LARGE])),
         str(EndReason.OUTGREW_SMALL)),
        (~has_rows, str(EndReason.INELIGIBLE)),  # 缺少年度数据: not eligible now, so past the 新设 window
    )
    no_member = ~exists().where(PoolMembership.firm_id == Firm.id)
    columns = (Firm.id, Firm.district_code, Firm.registered_on, Firm.size_class, Firm.created_at)
    eligible: dict[str, list] = defaultdict(list)
    ended: dict[str, dict] = defaultdict(lambda: defaultdict(list))

    def candidate(row, closed=None) -> Candidate:
        start = max(row[4].date(), go_live) + timedelta(days=3)
        return Candidate(row[0], row[1], start, row[2], row[3], closed)

    conn = session.connection()  # Core: the ORM's row loading costs more than the query here
    for row in conn.execute(select(*columns).where(Firm.stage == Stage.ENTERPRISE, no_member, eligible_now)
                            .order_by(Firm.id)):
        eligible[row[1]].append(candidate(row))
    former = select(*columns, reason).where(Firm.stage == Stage.ENTERPRISE, no_member, ~eligible_now,
                                            reason.is_not(None)).order_by(Firm.id)
    for row in conn.execute(former):
        ended[row[1]][EndReason(row[5])].append(candidate(row))
    scaled = (select(*columns, UpgradeCase.closed_at).join(UpgradeCase.firm)
              .where(UpgradeCase.kind == "small_to_scale", UpgradeCase.state == "completed", no_member)
              .order_by(Firm.id))
    for row in conn.execute(scaled):
        ended[row[1]][EndReason.SCALED_UP].append(candidate(row, closed=row[5]))
    return eligible, ended
