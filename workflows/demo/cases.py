"""Demo upgrade cases in every state of every workflow, walked through the real engine.

Each case is opened with ``open_case`` and moved with ``fire``, one step at a time, so its audit events,
guards and effects are the ones an officer would have produced: a completed 小升规 case moved its firm
to 规上, a 注销+设立 个转企 left a successor firm behind, and so on. Cases are bounded (at most
``MAX_CASES``), so the engine's per-step cost stays a small part of the run.

The county officer of the firm's district takes every step their role allows; the city staff user takes
the approving ones. Timestamps lie in office hours, in step order, after the firm entered the register:
a case still open today was opened in the past months (so the waits and overdue reminders look like a
working office's), a closed one (completed, abandoned, terminated) at any time since the register went live
(``go_live_day``: 2021-01-01), so the plan's years carry completed upgrades of their own.
``state_entered_at`` is set by the engine from the last state-changing step.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Firm
from models.enums import Role
from workflows.case_flows import CASE_WORKFLOWS
from workflows.demo.data import (
    CASE_SHARES,
    COMMENTS,
    FULL_PATH_BOARDS,
    JUSTIFICATION,
    KEY_SHARE,
    REASONS,
    SCENARIOS,
    SKIP_BOARDS,
    go_live_day,
)
from workflows.ladder import open_case
from workflows.machine import fire
from workflows.policy import default_policy
from workflows.rules.scale import ScaleBasis, scale_rule
from workflows.rules.uscc import CHARSET, make_uscc

MAX_CASES = 2_000
MIN_CASES = 60
MIN_AGE_DAYS = 90  # only firms in the register this long get a case, so its history fits after entry
MAIN_PATHS = {
    "ind_to_ent": ("confirm_intent", "submit_registration", "complete"),
    "small_to_scale": ("start_cultivation", "declare", "approve"),
    "scale_to_stock": ("confirm_intent", "engage_intermediaries", "start_audit", "hold_meeting", "complete"),
    "stock_to_listed": ("file_tutoring", "file_application", "register", "list"),
}
SKIP_PATH = ("file_application", "list")
RETURN_LOOPS = {"ind_to_ent": ("return", "submit_registration"), "small_to_scale": ("return", "declare")}
# Where each kind's candidates come from (CasePool lists), in order of preference per scenario.
NEEDS_READY = {"declared", "declared_returned", "completed"}
STAGE_LISTS = {"individual": "ind_to_ent", "above_scale": "scale_to_stock", "joint_stock": "stock_to_listed"}


class CasePool:
    """Firms that may carry a demo case: active, unflagged, long enough in the register; by kind."""

    def __init__(self):
        self.lists: dict[str, list[int]] = {k: [] for k in (
            "ind_to_ent", "scale_to_stock", "stock_to_listed", "reached", "ready_other", "near", "other")}

    @staticmethod
    def cutoff_for(now: datetime) -> datetime:
        return now - timedelta(days=MIN_AGE_DAYS)

    @staticmethod
    def list_for(record, old_enough: bool) -> str | None:
        """Which list a generated firm joins (None: no case for it)."""
        row = record.row
        if row["status"] != "active" or row["abnormal"] or row["serious_violation"] or not old_enough:
            return None
        if row["stage"] in STAGE_LISTS:
            return STAGE_LISTS[row["stage"]]
        if row["stage"] != "enterprise":
            return None
        if record.scale_ready:
            return "reached" if record.scale_basis == ScaleBasis.REVENUE else "ready_other"
        return "near" if record.near_scale else "other"

    def add(self, name: str | None, firm_id: int) -> None:
        if name is not None:
            self.lists[name].append(firm_id)


def seed_cases(session, pool: CasePool, users: dict, *, seed: int, n_firms: int, now: datetime) -> int:
    rng = random.Random(f"demo-cases:{seed}")
    n_cases = min(MAX_CASES, max(MIN_CASES, n_firms // 100))
    plans = _plan(rng, pool, n_cases)
    firms = _load(session, [firm_id for _, _, firm_id in plans])
    for kind, scenario, firm_id in plans:
        _walk(session, rng, firms[firm_id], kind, scenario, users, now)
    return len(plans)


def _plan(rng: random.Random, pool: CasePool, n_cases: int) -> list[tuple[str, str, int]]:
    """(kind, scenario, firm id) for each case: every scenario once, then the rest by weight."""
    for ids in pool.lists.values():
        rng.shuffle(ids)
    plans = []
    for kind, share in CASE_SHARES.items():
        names = [name for name, _ in SCENARIOS[kind]]
        weights = [w for _, w in SCENARIOS[kind]]
        count = max(len(names), round(n_cases * share))
        for scenario in names + rng.choices(names, weights=weights, k=count - len(names)):
            firm_id = _take(rng, pool, kind, scenario)
            if firm_id is not None:
                plans.append((kind, scenario, firm_id))
    return plans


def _take(rng: random.Random, pool: CasePool, kind: str, scenario: str) -> int | None:
    if kind != "small_to_scale":
        order = (kind,)
    elif scenario in NEEDS_READY:  # the declaration's guard must pass: mostly firms over the line
        order = ("reached", "ready_other") if rng.random() < 0.85 else ("ready_other", "reached")
    else:  # cultivated firms are mostly 临规 (80–100 % of the threshold)
        order = ("near", "other") if rng.random() < 0.8 else ("other", "near")
    for name in order:
        if pool.lists[name]:
            return pool.lists[name].pop()
    return None


def _load(session, ids: list[int]) -> dict[int, Firm]:
    firms = {}
    for start in range(0, len(ids), 1000):
        stmt = select(Firm).options(selectinload(Firm.indicators)).where(Firm.id.in_(ids[start:start + 1000]))
        firms.update((f.id, f) for f in session.scalars(stmt))
    return firms


def _walk(session, rng: random.Random, firm: Firm, kind: str, scenario: str, users: dict, now: datetime):
    workflow = CASE_WORKFLOWS[kind]
    board = _board(rng, scenario)
    actions = _script(rng, workflow, kind, scenario)
    times = _timeline(rng, firm.created_at, now, len(actions), closed=_ends_closed(workflow, actions))
    officer = users["officers"][firm.district_code]
    case = open_case(session, firm, kind, actor=officer, now=times[0], comment=COMMENTS["open"])
    for action, at in zip(actions, times[1:], strict=True):
        roles = workflow.edge(case.state, action)[1].roles
        actor = officer if Role.COUNTY_OFFICER in roles else users["city"]
        values = _values(session, rng, firm, action, scenario, board)
        comment = values.get("reason") or COMMENTS.get(action, "")
        fire(session, case, action, actor=actor, now=at, expected_version=case.version, comment=comment,
             values=values)
    return case


def _script(rng: random.Random, workflow, kind: str, scenario: str) -> list[str]:
    main = MAIN_PATHS[kind]
    if scenario.endswith("_skip"):
        actions = list(SKIP_PATH[: 1 if scenario == "filed_skip" else 2])
    elif scenario.endswith("_returned"):
        actions = [*main[:2], *RETURN_LOOPS[kind]]
    elif workflow.states.get(scenario) and workflow.states[scenario].failure:
        longest = len(main) - 1 if kind != "small_to_scale" else 1  # declaring needs a firm over the line
        actions = [*main[: rng.randint(0, longest)], "terminate" if kind == "stock_to_listed" else "abandon"]
    else:
        target = "completed" if scenario.startswith("completed") else scenario
        actions, state = [], workflow.initial
        for action in main:
            if state == target:
                break
            actions.append(action)
            state = workflow.edge(state, action)[0]
    if kind == "stock_to_listed" and rng.random() < KEY_SHARE:
        # 市级重点拟上市 is toggled while the case is open: before a closing step, anywhere otherwise.
        last = len(actions) - 1 if actions and actions[-1] in ("list", "terminate") else len(actions)
        actions.insert(rng.randint(0, last), "designate_key")
    return actions


def _board(rng: random.Random, scenario: str) -> str:
    boards = SKIP_BOARDS if scenario.endswith("_skip") else FULL_PATH_BOARDS
    return rng.choices([b for b, _ in boards], weights=[w for _, w in boards])[0]


def _values(session, rng: random.Random, firm: Firm, action: str, scenario: str, board: str) -> dict:
    if action in REASONS:
        return {"reason": rng.choice(REASONS[action])}
    if action == "file_application":
        return {"board": board}
    if action == "declare":
        basis = ScaleBasis(scale_rule(default_policy(), firm.industry).basis)
        if basis is ScaleBasis.QUALIFICATION:
            return {"qualification": "confirmed"}
        return {"justification": JUSTIFICATION} if basis is ScaleBasis.NONE else {}
    if action == "complete" and firm.stage == "individual":
        form = rng.choices(("有限责任公司", "个人独资企业", "合伙企业"), weights=(85, 10, 5))[0]
        if scenario != "completed_new_code":
            return {"legal_form": form, "route": "direct_change"}
        return {"legal_form": form, "route": "deregister_setup", "new_uscc": _new_code(session, rng, firm)}
    return {}


def _new_code(session, rng: random.Random, firm: Firm) -> str:
    while True:
        code = make_uscc("91", firm.district_code, "MA" + "".join(rng.choices(CHARSET, k=6)))
        if session.scalar(select(Firm.id).filter_by(uscc=code)) is None:
            return code


def _ends_closed(workflow, actions: list[str]) -> bool:
    state = workflow.initial
    for action in actions:
        state = workflow.edge(state, action)[0]
    return workflow.states[state].final


def _timeline(rng: random.Random, created_at: datetime, now: datetime, steps: int,
              closed: bool = False) -> list[datetime]:
    """The opening and each step, in order, on office-hour times between entry and yesterday. An open case
    began in the past months; a closed one took as long, at any time since the firm entered the register
    (and the register went live)."""
    span = rng.uniform(30 + 25 * steps, 90 + 60 * steps)
    entered = max(created_at.date(), go_live_day(now)) + timedelta(days=1)
    first = max(entered, (now - timedelta(days=span)).date())
    if closed and first > entered:  # slide the whole case back to a random moment since entry
        first -= timedelta(days=int(rng.random() * (first - entered).days))
    end = min(now.date(), first + timedelta(days=int(span) + 1)) if closed else now.date()
    days = max(1, (end - first).days - 1)  # the last step falls no later than yesterday
    moments = [0.05 * rng.random(), *sorted(0.05 + rng.random() * (days - 0.05) for _ in range(steps))]
    start = datetime.combine(first, time(1, 0))  # 09:00 in Hangzhou, stored as UTC
    return [start + timedelta(days=int(x), seconds=int(28_800 * (x - int(x)))) for x in moments]
