"""`flask demo seed`: a deterministic, realistic Hangzhou data set for demonstrations and benchmarks.

What is written, and how:
- users: one per role (admin, city, leader) and one county officer per district (login = the district's
  pinyin, e.g. ``xihu``), all with the password ``DEMO_PASSWORD``, through ``create_user`` (so audited);
- firms and their 2023–2025 indicators (``workflows.demo.firms``, a pure function of seed and size),
  written in chunks through the driver's bulk path (``workflows.demo.bulk``): ORM objects, or even
  SQLAlchemy's per-row parameter handling, would not fit 200,000 firms into a minute;
- one ``create`` AuditEvent per firm, also in bulk, so every firm's timeline starts with its entry
  into the register (a single summary event for the run would leave 200,000 timelines empty);
- upgrade cases in every state of every workflow, walked through the real engine
  (``open_case`` + ``fire``) by ``workflows.demo.cases``, so their audit trail, guards and effects
  (a completed case moves its firm up the ladder) are exactly what officers would have produced;
- the county target split applied by the admin, and the cultivation pools filled in bulk with the states,
  audit events and four-eyes actors the membership workflow would have written (``workflows.demo.pools``);
- 成长之星: last year's campaign published and this year's open for nominations, walked through the engine
  (``workflows.demo.campaigns``).

Content depends only on (seed, n_firms); timestamps are placed relative to ``now`` (firms registered
before the register "went live" two years ago entered it then; case steps fall in the past months).
Nothing commits here.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from models import AnnualIndicator, AuditEvent, Firm, PoolMembership, UpgradeCase, User
from models.enums import ROLE_LABELS, STAGE_LABELS, Role, RunTrigger, Stage
from workflows.case_flows import CASE_WORKFLOWS
from workflows.checks.registry import CHECKS
from workflows.checks.runs import queue_run
from workflows.demo.bulk import write_firms
from workflows.demo.campaigns import campaign_line, seed_campaigns
from workflows.demo.cases import CasePool, seed_cases
from workflows.demo.data import DEMO_PASSWORD, DISTRICT_NAMES, DISTRICTS
from workflows.demo.pools import seed_pools
from workflows.errors import Duplicate
from workflows.ladder import CASE_LABELS
from workflows.plans.tallies import compact_tallies
from workflows.pools import all_pools, pool_counts
from workflows.timefmt import local_date
from workflows.users import create_user

DEMO_USERS = (
    ("admin", Role.ADMIN, None, "系统管理员（演示）"),
    ("city", Role.CITY_STAFF, None, "市局工作人员（演示）"),
    ("leader", Role.LEADER, None, "领导（演示）"),
    *((login, Role.COUNTY_OFFICER, code, f"{name}工作人员（演示）") for code, name, _, login, _ in DISTRICTS),
)


@dataclass
class DemoSummary:
    """What the seed run left in the database, for the CLI to print."""

    skipped: bool = False
    seed: int | None = None
    added: int = 0
    firms: int = 0
    indicators: int = 0
    audit_events: int = 0
    by_stage: dict[str, int] = field(default_factory=dict)
    by_district: dict[str, int] = field(default_factory=dict)
    cases: dict[str, dict[str, int]] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    memberships: int = 0
    pools: list[tuple[str, int, int, int]] = field(default_factory=list)  # name, target, admitted, nominated
    checks_queued: list[str] = field(default_factory=list)  # check labels, for the scheduler to run first
    campaigns: list[str] = field(default_factory=list)  # one line per 成长之星 campaign

    def describe(self) -> str:
        if self.skipped:
            return f"库中已有 {self.firms:,} 家企业，未写入演示数据。"
        stage = "；".join(f"{STAGE_LABELS[Stage(k)]} {v:,}" for k, v in self.by_stage.items())
        district = "；".join(f"{DISTRICT_NAMES.get(k, k)} {v:,}" for k, v in self.by_district.items())
        lines = [
            f"演示数据已写入（随机种子 {self.seed}，新增企业 {self.added:,} 家）。",
            f"库中现有：企业 {self.firms:,} 家，年度指标 {self.indicators:,} 条，"
            f"升级案件 {sum(sum(s.values()) for s in self.cases.values()):,} 件，审计记录 {self.audit_events:,} 条。",
            f"按阶段：{stage}",
            f"按区县：{district}",
            "升级案件（按类型、状态）：",
        ]
        for kind, states in self.cases.items():
            workflow = CASE_WORKFLOWS[kind]
            text = "，".join(f"{workflow.states[s].label} {n:,}" for s, n in states.items())
            lines.append(f"  {CASE_LABELS[kind]}：{text}")
        lines += self.pool_lines()
        lines += self.campaigns
        lines.append("用户：" + "，".join(f"{ROLE_LABELS[Role(r)]} {n}" for r, n in self.users.items()))
        if self.checks_queued:
            lines.append(f"已排队定时检查（后台服务启动后立即运行，结果见“工作提醒”）：{'、'.join(self.checks_queued)}")
        return "\n".join(lines)

    def pool_lines(self) -> list[str]:
        """Pool fill: admitted against target, and the nominations waiting for review."""
        def fill(name, target, admitted, nominated):
            share = f"{admitted / target:.0%}" if target else "—"
            return f"{name} {admitted:,}/{target:,}（{share}），待审核 {nominated:,}"

        if not self.pools:
            return []
        city, counties = self.pools[0], self.pools[1:]
        total = ("县级培育库合计", *(sum(p[i] for p in counties) for i in (1, 2, 3)))
        districts = "；".join(fill(name.removesuffix("县级培育库"), *rest) for name, *rest in counties)
        return [f"培育库（已入库/目标）：入库记录 {self.memberships:,} 条", f"  {fill(*city)}", f"  {fill(*total)}",
                f"  {districts}"]


def seed_demo(session, *, n_firms: int = 200_000, seed: int = 2021, now: datetime,
              if_empty: bool = False) -> DemoSummary:
    """Add the demo data set to the register; the caller commits.

    With ``if_empty`` a register that already holds firms is left alone (``make demo`` runs this on
    every start). Without it the firms are added to what is there: codes already taken are drawn
    again and existing demo users are reused, so seeds can be stacked for a bigger benchmark.
    """
    existing = session.scalar(select(func.count()).select_from(Firm))
    if existing and if_empty:
        return DemoSummary(skipped=True, firms=existing)
    users = _demo_users(session, now)
    pool = CasePool()
    write_firms(session, seed=seed, n_firms=n_firms, now=now, pool=pool)
    seed_cases(session, pool, users, seed=seed, n_firms=n_firms, now=now)
    seed_pools(session, users, seed=seed, now=now)
    campaigns = seed_campaigns(session, users, seed=seed, now=now)
    session.flush()
    compact_tallies(session)  # PostgreSQL: one row per key again after a hundred chunks' difference rows
    summary = summarise(session)
    summary.campaigns = [campaign_line(session, c) for c in campaigns]
    summary.seed, summary.added = seed, n_firms
    summary.checks_queued = queue_checks(session, now, users["city"])
    return summary


def queue_checks(session, now: datetime, actor) -> list[str]:
    """One run of every check, queued: the scheduler process `make demo` starts with the web server runs them
    at once, so a newcomer's inbox is filled the first minute rather than the first night."""
    for name in CHECKS:
        queue_run(session, name, today=local_date(now), actor=actor, now=now, trigger=RunTrigger.CLI)
    return [check.label for check in CHECKS.values()]


def _demo_users(session, now: datetime) -> dict:
    """The demo logins, created through create_user (so audited) unless a previous seed made them."""
    found = {u.username: u for u in session.scalars(select(User).where(
        User.username.in_([login for login, *_ in DEMO_USERS])))}
    made = {}
    for login, role, district, label in DEMO_USERS:
        user = found.get(login)
        if user is None:
            user = create_user(session, login, DEMO_PASSWORD, role, district=district, now=now,
                               display_name=label)
        elif user.role != role or user.district_code != district:
            raise Duplicate(f"用户名 {login} 已被占用（角色或区县与演示账号不同），无法写入演示案件")
        made[login] = user
    return {"admin": made["admin"], "city": made["city"], "leader": made["leader"],
            "officers": {u.district_code: u for u in made.values() if u.district_code}}


def summarise(session) -> DemoSummary:
    def grouped(*cols, model=Firm):
        return session.execute(select(*cols, func.count()).select_from(model).group_by(*cols)).all()

    stage_order = {s.value: i for i, s in enumerate(Stage)}
    district_order = {code: i for i, (code, *_) in enumerate(DISTRICTS)}
    cases: dict[str, dict[str, int]] = {}
    for kind, state, n in grouped(UpgradeCase.kind, UpgradeCase.state, model=UpgradeCase):
        cases.setdefault(kind, {})[state] = n
    for kind, states in cases.items():  # in each workflow's own order of states
        order = list(CASE_WORKFLOWS[kind].states)
        cases[kind] = dict(sorted(states.items(), key=lambda kv: order.index(kv[0])))
    counts = pool_counts(session)
    pools = [(p.name, p.target, counts.get(p.id, {}).get("admitted", 0), counts.get(p.id, {}).get("nominated", 0))
             for p in all_pools(session)]  # the city pool first
    return DemoSummary(
        memberships=session.scalar(select(func.count()).select_from(PoolMembership)),
        pools=pools,
        firms=session.scalar(select(func.count()).select_from(Firm)),
        indicators=session.scalar(select(func.count()).select_from(AnnualIndicator)),
        audit_events=session.scalar(select(func.count()).select_from(AuditEvent)),
        by_stage=dict(sorted(grouped(Firm.stage), key=lambda kv: stage_order.get(kv[0], 99))),
        by_district=dict(sorted(grouped(Firm.district_code), key=lambda kv: district_order.get(kv[0], 99))),
        cases={k: cases[k] for k in CASE_WORKFLOWS if k in cases},
        users=dict(sorted(grouped(User.role, model=User), key=lambda kv: list(Role).index(Role(kv[0])))),
    )


def demo_logins() -> str:
    """The table the CLI prints after seeding (and `make demo` shows before serving)."""
    rows = [("用户名", "角色", "区县", "密码")]
    rows += [(login, ROLE_LABELS[role], DISTRICT_NAMES.get(district, "—"), DEMO_PASSWORD)
             for login, role, district, _ in DEMO_USERS]
    widths = [max(_width(r[i]) for r in rows) for i in range(4)]
    lines = ["演示账号（登录后按角色看到不同内容）："]
    for row in rows:
        lines.append("  " + "  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True))
                     .rstrip())
    return "\n".join(lines)


def _width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
