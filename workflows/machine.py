"""A generic state-machine engine over networkx MultiDiGraphs.

Every workflow (ladder cases, pool memberships, campaigns) is data: states are nodes, actions are edges
keyed by action name. The graph is validated when it is built, so a malformed workflow fails at import,
not in front of an officer. `fire` is the only way a subject's state changes.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import networkx as nx
from sqlalchemy.orm.exc import StaleDataError

from workflows.audit import record_event
from workflows.errors import (
    GuardFailed,
    IllegalTransition,
    NotPermitted,
    StaleVersion,
    UnknownAction,
    ValidationFailed,
)
from workflows.permissions import in_scope
from workflows.reasons import Reason


class GraphInvalid(ValueError):
    """A workflow definition that breaks the engine's invariants."""


@dataclass(frozen=True)
class State:
    name: str
    label: str
    initial: bool = False
    final: bool = False
    failure: bool = False


TEXT_KINDS = frozenset({"text", "textarea", "choice", "uscc"})


@dataclass(frozen=True)
class Field:
    """An input an action needs. `clean` normalises a raw value or raises ValueError (Chinese)."""

    name: str
    label: str
    kind: str = "text"  # text, textarea, choice, uscc, bool
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()
    clean: Callable[[Any], Any] | None = None
    # Whether the input concerns this subject (None: always); offered actions leave the others out.
    applies: Callable[[Any], bool] | None = None

    def to_dict(self) -> dict:
        out = {"name": self.name, "label": self.label, "kind": self.kind, "required": self.required}
        if self.choices:
            out["choices"] = [{"value": v, "label": lbl} for v, lbl in self.choices]
        return out

    def validate(self, raw: Any) -> Any:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if self.required:
                raise ValueError("此项必填")
            return None
        if self.kind in TEXT_KINDS and not isinstance(raw, str):
            # A list or object here would otherwise reach the choice lookup (unhashable) or the audit JSON.
            raise ValueError("应为文本")
        value = raw.strip() if isinstance(raw, str) else raw
        if self.choices and value not in {v for v, _ in self.choices}:
            raise ValueError(f"取值“{value}”不在可选范围内")
        return self.clean(value) if self.clean else value


Guard = Callable[["Transition"], list[Reason]]
Effect = Callable[["Transition"], None]


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    roles: frozenset[str]
    fields: tuple[Field, ...] = ()
    guards: tuple[Guard, ...] = ()
    effects: tuple[Effect, ...] = ()
    # Who may act beyond role and district (e.g. four eyes: not what you nominated yourself).
    permit: Callable[[Any, Any], bool] | None = None
    # A consequence is never chosen by a user: the engine fires it on a subject when another subject's
    # action causes it (the county -> city cascade), with the causing actor, and only then.
    consequence: bool = False

    def to_dict(self) -> dict:
        return {"name": self.name, "label": self.label, "fields": [f.to_dict() for f in self.fields]}

    def for_subject(self, subject) -> "Action":
        """The action as offered for one subject: only the fields that concern it (the 建筑业 qualification
        for a construction firm only). Pages and the API render these; firing still cleans every field."""
        fields = tuple(f for f in self.fields if f.applies is None or f.applies(subject))
        return self if len(fields) == len(self.fields) else replace(self, fields=fields)

    def clean(self, values: dict | None) -> dict:
        values = values or {}
        clean, errors = {}, {}
        for f in self.fields:
            try:
                clean[f.name] = f.validate(values.get(f.name))
            except ValueError as exc:
                errors[f.name] = str(exc)
        if errors:
            raise ValidationFailed("提交的内容有误", fields=errors)
        return clean


@dataclass
class Transition:
    """What guards and effects see; effects add what they changed to `changes` for the audit event."""

    session: Any
    subject: Any
    actor: Any
    now: datetime
    action: Action
    source: str
    target: str
    values: dict
    comment: str
    changes: dict = field(default_factory=dict)
    evidence: dict = field(default_factory=dict)
    consequences: list = field(default_factory=list)

    def cause(self, other, action_name: str, *, comment: str = "", values: dict | None = None) -> None:
        """Ask the engine to fire `action_name` on `other` once this transition is recorded."""
        self.consequences.append((other, action_name, comment, values))
        self.evidence.setdefault("consequences", []).append(
            {"subject_type": other.audit_type, "subject_id": other.id, "action": action_name})


class Workflow:
    def __init__(
        self,
        name: str,
        label: str,
        states: Iterable[State],
        edges: Iterable[tuple[str, str, Action]],
        *,
        acyclic: bool = False,
        open_flag: str = "is_open",
        closed_at: str = "closed_at",
    ):
        # The subject's columns that say "still open" and "closed when": the engine keeps them in step with
        # the state, so no workflow sets them by hand.
        self.name, self.label, self.open_flag, self.closed_at = name, label, open_flag, closed_at
        self.states = {s.name: s for s in states}
        self.graph = nx.MultiDiGraph(name=name)
        for s in self.states.values():
            self.graph.add_node(s.name, label=s.label, initial=s.initial, final=s.final, failure=s.failure)
        for source, target, action in edges:
            for end in (source, target):
                if end not in self.states:
                    raise GraphInvalid(f"{name}: 动作 {action.name} 指向未定义的状态 {end}")
            if self.graph.has_edge(source, target, key=action.name) or any(
                k == action.name for _, _, k in self.graph.out_edges(source, keys=True)
            ):
                raise GraphInvalid(f"{name}: 状态 {source} 的动作名 {action.name} 重复")
            self.graph.add_edge(source, target, key=action.name, action=action)
        validate_graph(self.graph, acyclic=acyclic)
        self.initial = next(s for s in self.states.values() if s.initial).name

    def edge(self, state: str, action_name: str) -> tuple[str, Action] | None:
        for _, target, key, data in self.graph.out_edges(state, keys=True, data=True):
            if key == action_name:
                return target, data["action"]
        return None

    def knows_action(self, action_name: str) -> bool:
        return any(k == action_name for _, _, k in self.graph.edges(keys=True))

    def actions_from(self, state: str) -> list[tuple[Action, str]]:
        return [(d["action"], t) for _, t, d in self.graph.out_edges(state, data=True)]

    def available(self, subject, actor) -> list[Action]:
        """Actions this actor may try now (role and scope); guards are checked only when fired."""
        return [a.for_subject(subject) for a, _ in self.actions_from(subject.state) if permitted(actor, a, subject)]

    def is_final(self, state: str) -> bool:
        return self.states[state].final


def validate_graph(graph: nx.MultiDiGraph, *, acyclic: bool = False) -> None:
    name = graph.graph.get("name", "workflow")
    # networkx creates a bare node for an edge to an unknown name; a defined state always has a label.
    undefined = sorted(str(n) for n, d in graph.nodes(data=True) if "label" not in d)
    if undefined:
        raise GraphInvalid(f"{name}: 动作指向未定义的状态: {', '.join(undefined)}")
    for state in graph.nodes:
        keys = [k for _, _, k in graph.out_edges(state, keys=True)]
        if len(keys) != len(set(keys)):
            raise GraphInvalid(f"{name}: 状态 {state} 的动作名重复")
    initials = [n for n, d in graph.nodes(data=True) if d.get("initial")]
    if len(initials) != 1:
        raise GraphInvalid(f"{name}: 必须恰有一个初始状态，现有 {len(initials)} 个")
    reachable = nx.descendants(graph, initials[0]) | {initials[0]}
    unreachable = set(graph.nodes) - reachable
    if unreachable:
        raise GraphInvalid(f"{name}: 状态不可达: {', '.join(sorted(unreachable))}")
    finals = {n for n, d in graph.nodes(data=True) if d.get("final")}
    if not finals:
        raise GraphInvalid(f"{name}: 没有终止状态")
    exits = sorted(n for n in finals if graph.out_degree(n) > 0)
    if exits:
        raise GraphInvalid(f"{name}: 终止状态不应有出口: {', '.join(exits)}")
    can_finish = set(finals).union(*(nx.ancestors(graph, f) for f in finals))
    stuck = set(graph.nodes) - can_finish
    if stuck:
        raise GraphInvalid(f"{name}: 这些状态无法到达终止状态: {', '.join(sorted(stuck))}")
    if acyclic and not nx.is_directed_acyclic_graph(graph):
        raise GraphInvalid(f"{name}: 存在环路")


REGISTRY: dict[str, Workflow] = {}


def register(workflow: Workflow) -> Workflow:
    REGISTRY[workflow.name] = workflow
    return workflow


def workflow_for(subject) -> Workflow:
    return REGISTRY[subject.workflow_name]


def permitted(actor, action: Action, subject) -> bool:
    """Role first, then scope: a county officer acts only on subjects of their own district."""
    if action.consequence or actor.role not in action.roles:
        return False
    if not in_scope(actor, subject.district_code):
        return False
    return action.permit is None or action.permit(actor, subject)


def start(session, subject, action_name: str, *, actor, now: datetime, comment: str = "",
          evidence: dict | None = None):
    """Put a new subject in its workflow's initial state and write its audit event (from no state).

    The caller has checked who may create it; a unique index refusing it (a concurrent duplicate) raises
    IntegrityError here, for the caller to turn into `Duplicate`.
    """
    workflow = workflow_for(subject)
    subject.state = workflow.initial
    subject.state_entered_at = now
    setattr(subject, workflow.open_flag, True)
    session.add(subject)
    session.flush()
    return record_event(
        session, subject_type=subject.audit_type, subject_id=subject.id, firm_id=subject.firm_id,
        action=action_name, actor=actor, now=now, to_state=subject.state, comment=comment, evidence=evidence,
    )


def fire(
    session,
    subject,
    action_name: str,
    *,
    actor,
    now: datetime,
    expected_version: int | None,
    comment: str = "",
    values: dict | None = None,
    evidence: dict | None = None,
    caused_by: Transition | None = None,
):
    """Move `subject` along one edge and write its one AuditEvent; the caller commits.

    The version comes first: a client whose copy is out of date gets `StaleVersion` whatever else has
    changed since (DESIGN §4), so a double click or a second tab always reads "the record changed".
    """
    workflow = workflow_for(subject)
    if expected_version is None or _as_int(expected_version) != subject.version:
        raise StaleVersion("该记录已被他人更新，请刷新后重试")
    found = workflow.edge(subject.state, action_name)
    if found is None:
        if not workflow.knows_action(action_name):
            raise UnknownAction(f"没有名为“{action_name}”的操作")
        state_label = workflow.states[subject.state].label
        raise IllegalTransition(f"当前状态“{state_label}”下不能执行“{action_name}”")
    target, action = found
    allowed = caused_by is not None if action.consequence else permitted(actor, action, subject)
    if not allowed:
        raise NotPermitted(f"您无权执行“{action.label}”")
    values = action.clean(values)
    source = subject.state
    t = Transition(session, subject, actor, now, action, source, target, values, comment or "")
    if evidence:
        t.evidence.update(evidence)
    if caused_by is not None:
        t.evidence["caused_by"] = {"subject_type": caused_by.subject.audit_type,
                                   "subject_id": caused_by.subject.id, "action": caused_by.action.name}
    reasons = [r for guard in action.guards for r in guard(t)]
    if reasons:
        raise GuardFailed("不满足操作条件", reasons=reasons)
    subject.state = target
    if target != source:
        subject.state_entered_at = now
    for effect in action.effects:
        effect(t)
    if workflow.is_final(target):
        setattr(subject, workflow.open_flag, False)
        setattr(subject, workflow.closed_at, now)
    event = record_event(
        session,
        subject_type=subject.audit_type,
        subject_id=subject.id,
        firm_id=subject.firm_id,
        action=action_name,
        actor=actor,
        now=now,
        from_state=source,
        to_state=target,
        comment=t.comment,
        evidence={**t.evidence, "fields": _jsonable(values), "changes": t.changes},
    )
    try:
        session.flush()
    except StaleDataError as exc:
        raise StaleVersion("该记录已被他人更新，请刷新后重试") from exc
    for other, other_action, other_comment, other_values in t.consequences:
        fire(session, other, other_action, actor=actor, now=now, expected_version=other.version,
             comment=other_comment, values=other_values, caused_by=t)
    return event


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _jsonable(values: dict) -> dict:
    """Field values as the audit's JSON keeps them: scalars and links ({"case": 7}) as they are, the rest as text."""
    def plain(v):
        if isinstance(v, dict):
            return {str(k): plain(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [plain(x) for x in v]
        return v if isinstance(v, str | int | float | bool | type(None)) else str(v)

    return {k: plain(v) for k, v in values.items()}
