"""The work list ("我的待办" / "案件一览"): open ladder cases in the actor's scope, oldest in its state first.

Plain query building, no Flask: the page, its Excel export and any later API share it, so the list on
screen and the file exported from it hold the same cases in the same order. The scope is
`queries.scope_firms`, the rule every other list follows (a county officer sees their district only).

Days in the current state are whole days elapsed since the case entered it (`now - state_entered_at`),
the same count the firm page shows. "At least N days" is therefore `state_entered_at <= now - N days` and
sorting by days is sorting by `state_entered_at`: the database answers both without a per-row day count,
identically on SQLite and PostgreSQL.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from models import District, Firm, UpgradeCase, User
from workflows.case_flows import CASE_WORKFLOWS
from workflows.errors import ValidationFailed, one_of
from workflows.ladder import CASE_LABELS
from workflows.permissions import is_scoped
from workflows.queries import Page, name_or_uscc, scope_firms
from workflows.rules.fields import is_district_code
from workflows.rules.text import parse_int
from workflows.timefmt import local_date

SORTS = {"days": "停留天数", "opened": "发起日期", "name": "企业名称"}
DIRECTIONS = {"desc": "降序", "asc": "升序"}
DEFAULT_SORT, DEFAULT_DIRECTION = "days", "desc"  # most days in the current state first
MAX_DAYS = 36500
MAX_Q = 200


def days_in_state(entered: datetime, now: datetime) -> int:
    return max(0, (now - entered).days)


def open_states(kind: str | None = None) -> list[tuple[str, str]]:
    """The states an open case of this kind can be in (all kinds when None), in workflow order.

    Without a kind, a state name shared by several workflows is one choice; where their labels differ
    (有转型意向 / 有股改意向) the choice shows both.
    """
    labels: dict[str, list[str]] = {}
    for name, workflow in CASE_WORKFLOWS.items():
        if kind and name != kind:
            continue
        for state in workflow.states.values():
            if not state.final and state.label not in labels.setdefault(state.name, []):
                labels[state.name].append(state.label)
    return [(name, "／".join(texts)) for name, texts in labels.items()]


def state_label(kind: str, state: str) -> str:
    workflow = CASE_WORKFLOWS.get(kind)
    found = workflow.states.get(state) if workflow else None
    return found.label if found else state


@dataclass(frozen=True)
class WorklistFilters:
    kind: str | None = None
    state: str | None = None
    district: str | None = None
    q: str | None = None
    min_days: int | None = None
    sort: str = DEFAULT_SORT
    direction: str = DEFAULT_DIRECTION

    def without_kind_state(self) -> "WorklistFilters":
        return replace(self, kind=None, state=None)

    def to_args(self) -> dict[str, str]:
        """The query parameters that reproduce these filters (defaults left out), for links and exports."""
        args = {"kind": self.kind, "state": self.state, "district": self.district, "q": self.q,
                "min_days": None if self.min_days is None else str(self.min_days)}
        if (self.sort, self.direction) != (DEFAULT_SORT, DEFAULT_DIRECTION):
            args |= {"sort": self.sort, "dir": self.direction}
        return {k: v for k, v in args.items() if v}


def worklist_filters(args: Mapping[str, str]) -> WorklistFilters:
    """Validate the list's query parameters; a bad one is a ValidationFailed naming it, in Chinese."""
    def text(key: str) -> str:
        return (args.get(key) or "").strip()

    errors = {}
    kind = text("kind") or None
    if kind and kind not in CASE_WORKFLOWS:
        errors["kind"] = f"未知的案件类型“{kind}”"
        kind = None
    state = text("state") or None
    if state and "kind" not in errors and state not in dict(open_states(kind)):
        errors["state"] = (f"{CASE_LABELS[kind]}案件没有进行中的状态“{state}”" if kind
                           else f"没有进行中的状态“{state}”")
    district = text("district") or None
    if district and not is_district_code(district):
        errors["district"] = "区县代码应为6位数字"
    q = text("q") or None
    if q and len(q) > MAX_Q:
        errors["q"] = f"搜索词不超过{MAX_Q}个字"
    min_days = None
    if text("min_days"):
        try:
            min_days = parse_int(text("min_days"), low=0, high=MAX_DAYS)
        except ValueError:
            errors["min_days"] = f"停留天数应为0至{MAX_DAYS}之间的整数"
    sort = text("sort") or DEFAULT_SORT
    if sort not in SORTS:
        errors["sort"] = f"不支持按“{sort}”排序，可按{one_of(SORTS)}排序"
    direction = text("dir") or DEFAULT_DIRECTION
    if direction not in DIRECTIONS:
        errors["dir"] = f"排序方向应为{one_of(DIRECTIONS)}"
    if errors:
        raise ValidationFailed("筛选条件有误", fields=errors)
    return WorklistFilters(kind, state, district, q, min_days, sort, direction)


@dataclass(frozen=True)
class WorkItem:
    case_id: int
    kind: str
    state: str
    opened_at: datetime
    state_entered_at: datetime
    firm_uscc: str
    firm_name: str
    district_name: str
    assignee: str | None
    days: int

    @property
    def kind_label(self) -> str:
        return CASE_LABELS.get(self.kind, self.kind)

    @property
    def state_label(self) -> str:
        return state_label(self.kind, self.state)

    @property
    def opened_on(self) -> date:
        return local_date(self.opened_at)

    @property
    def state_entered_on(self) -> date:
        return local_date(self.state_entered_at)


def _narrow(stmt, actor, filters: WorklistFilters, now: datetime):
    """Open cases, the actor's scope, then each filter; `stmt` already joins Firm."""
    stmt = scope_firms(stmt.where(UpgradeCase.is_open), actor)
    if filters.kind:
        stmt = stmt.where(UpgradeCase.kind == filters.kind)
    if filters.state:
        stmt = stmt.where(UpgradeCase.state == filters.state)
    if filters.district and not is_scoped(actor):  # an officer's scope is their district already
        stmt = stmt.where(Firm.district_code == filters.district)
    if filters.q:
        stmt = stmt.where(name_or_uscc(filters.q, indexes=False))  # open cases: a few thousand
    if filters.min_days:
        stmt = stmt.where(UpgradeCase.state_entered_at <= now - timedelta(days=filters.min_days))
    return stmt


def _order(filters: WorklistFilters) -> tuple:
    ascending = filters.direction == "asc"
    if filters.sort == "days":  # more days in the state = entered it earlier
        key = UpgradeCase.state_entered_at.desc() if ascending else UpgradeCase.state_entered_at.asc()
    elif filters.sort == "opened":
        key = UpgradeCase.opened_at.asc() if ascending else UpgradeCase.opened_at.desc()
    else:
        key = Firm.name.asc() if ascending else Firm.name.desc()
    return key, UpgradeCase.state_entered_at.asc(), UpgradeCase.id.asc()


def worklist_select(actor, filters: WorklistFilters, now: datetime):
    """The rows of the list, in its order: the statement both the page and the export run."""
    assignee = aliased(User, name="assignee")
    stmt = (
        select(
            UpgradeCase.id, UpgradeCase.kind, UpgradeCase.state, UpgradeCase.opened_at,
            UpgradeCase.state_entered_at, Firm.uscc, Firm.name, District.name.label("district_name"),
            assignee.label.label("assignee"),
        )
        .select_from(UpgradeCase)
        .join(Firm, UpgradeCase.firm_id == Firm.id)
        .join(District, Firm.district_code == District.code)
        .outerjoin(assignee, UpgradeCase.assignee_id == assignee.id)
    )
    return _narrow(stmt, actor, filters, now).order_by(*_order(filters))


def work_item(row, now: datetime) -> WorkItem:
    """A row of `worklist_select` as the page and the export show it."""
    return WorkItem(*row[:9], days=days_in_state(row.state_entered_at, now))


def count_worklist(session, actor, filters: WorklistFilters, now: datetime) -> int:
    stmt = select(func.count()).select_from(UpgradeCase).join(Firm, UpgradeCase.firm_id == Firm.id)
    return session.scalar(_narrow(stmt, actor, filters, now)) or 0


def worklist_page(session, actor, filters: WorklistFilters, now: datetime, page: int, per_page: int) -> Page:
    rows = session.execute(worklist_select(actor, filters, now).limit(per_page).offset((page - 1) * per_page))
    return Page([work_item(row, now) for row in rows], count_worklist(session, actor, filters, now), page, per_page)


@dataclass
class SummaryRow:
    kind: str
    label: str
    total: int = 0
    states: list[tuple[str, str, int]] = field(default_factory=list)  # (state, label, count)


def worklist_summary(session, actor, filters: WorklistFilters, now: datetime) -> list[SummaryRow]:
    """Open cases per kind and state under every filter but kind and state, so each number, used as a
    link that adds its kind and state, lists exactly that many cases. Ladder order, workflow state order."""
    stmt = (select(UpgradeCase.kind, UpgradeCase.state, func.count()).select_from(UpgradeCase)
            .join(Firm, UpgradeCase.firm_id == Firm.id))
    stmt = _narrow(stmt, actor, filters.without_kind_state(), now).group_by(UpgradeCase.kind, UpgradeCase.state)
    counts = {(kind, state): n for kind, state, n in session.execute(stmt)}
    rows = []
    for kind in CASE_WORKFLOWS:
        states = [(name, text, counts.get((kind, name), 0)) for name, text in open_states(kind)]
        rows.append(SummaryRow(kind, CASE_LABELS[kind], sum(n for _, _, n in states), states))
    return rows
