"""The state-machine engine on toy graphs: malformed workflows are refused when built, and `fire` checks
edge, role and district, version, fields and guards in that order, changing nothing when any check fails."""

from datetime import datetime
from types import SimpleNamespace

import networkx as nx
import pytest
from sqlalchemy.orm.exc import StaleDataError

from models.enums import Role
from workflows import machine
from workflows.errors import (
    GuardFailed,
    IllegalTransition,
    NotPermitted,
    StaleVersion,
    UnknownAction,
    ValidationFailed,
)
from workflows.machine import Action, Field, GraphInvalid, State, Workflow, fire, validate_graph
from workflows.reasons import Reason

NOW = datetime(2026, 11, 30, 2, 0)
EVERYONE = frozenset(Role)
OFFICERS = frozenset({Role.CITY_STAFF, Role.COUNTY_OFFICER})


def act(name, roles=EVERYONE, **kw):
    return Action(name, f"{name}的中文", frozenset(roles), **kw)


START, MIDDLE = State("a", "开始", initial=True), State("b", "中间")
DONE, FAILED = State("done", "完成", final=True), State("failed", "失败", final=True, failure=True)
GOOD_EDGES = [("a", "b", act("go")), ("b", "done", act("finish")), ("a", "failed", act("quit")),
              ("b", "failed", act("quit"))]


def build(states=(START, MIDDLE, DONE, FAILED), edges=GOOD_EDGES, **kw):
    return Workflow("toy", "玩具流程", states, edges, **kw)


# --- validation -------------------------------------------------------------------------------------------

def test_a_well_formed_graph_builds():
    wf = build()
    assert wf.initial == "a"
    assert {a.name for a, _ in wf.actions_from("a")} == {"go", "quit"}
    assert wf.is_final("done") and not wf.is_final("b")


@pytest.mark.parametrize("states, message", [
    ((State("a", "开始"), MIDDLE, DONE, FAILED), "恰有一个初始状态，现有 0 个"),
    ((START, State("b", "中间", initial=True), DONE, FAILED), "恰有一个初始状态，现有 2 个"),
])
def test_exactly_one_initial_state(states, message):
    with pytest.raises(GraphInvalid, match=message):
        build(states)


def test_unreachable_state_is_named():
    states = (START, MIDDLE, DONE, FAILED, State("orphan", "孤立"))
    with pytest.raises(GraphInvalid, match="状态不可达: orphan"):
        build(states, GOOD_EDGES + [("orphan", "done", act("finish"))])


def test_dead_end_state_is_refused():
    states = (START, MIDDLE, DONE, FAILED, State("stuck", "卡住"))
    with pytest.raises(GraphInvalid, match="无法到达终止状态: stuck"):
        build(states, GOOD_EDGES + [("a", "stuck", act("wander"))])


def test_closed_loop_without_a_way_out_is_refused():
    states = (START, MIDDLE, DONE, FAILED, State("c", "环1"), State("d", "环2"))
    loop = [("a", "c", act("enter")), ("c", "d", act("next")), ("d", "c", act("back"))]
    with pytest.raises(GraphInvalid, match="无法到达终止状态: c, d"):
        build(states, GOOD_EDGES + loop)


def test_final_state_with_an_exit_is_refused():
    with pytest.raises(GraphInvalid, match="终止状态不应有出口: done"):
        build(edges=GOOD_EDGES + [("done", "a", act("reopen"))])


def test_graph_without_final_state_is_refused():
    with pytest.raises(GraphInvalid, match="没有终止状态"):
        build((START, MIDDLE), [("a", "b", act("go")), ("b", "a", act("back"))])


def test_duplicate_action_name_from_one_state_is_refused():
    with pytest.raises(GraphInvalid, match="状态 a 的动作名 go 重复"):
        build(edges=GOOD_EDGES + [("a", "done", act("go"))])


def test_same_action_name_from_different_states_is_fine():
    assert build(edges=GOOD_EDGES + [("b", "a", act("go"))]).edge("b", "go")[0] == "a"


def test_edge_to_undefined_state_is_refused():
    with pytest.raises(GraphInvalid, match="未定义的状态 nowhere"):
        build(edges=GOOD_EDGES + [("b", "nowhere", act("jump"))])


def test_cycle_refused_only_when_acyclic():
    edges = GOOD_EDGES + [("b", "a", act("back"))]
    assert build(edges=edges).edge("b", "back")[0] == "a"
    with pytest.raises(GraphInvalid, match="存在环路"):
        build(edges=edges, acyclic=True)
    build(acyclic=True)


def _raw(edges, nodes=(("a", True, False), ("b", False, False), ("done", False, True))):
    g = nx.MultiDiGraph(name="raw")
    for name, initial, final in nodes:
        g.add_node(name, label=name, initial=initial, final=final)
    for source, target, key in edges:
        g.add_edge(source, target, key=key)
    return g


def test_validate_graph_on_a_raw_graph():
    validate_graph(_raw([("a", "b", "go"), ("b", "done", "finish")]), acyclic=True)
    with pytest.raises(GraphInvalid, match="状态 a 的动作名重复"):
        validate_graph(_raw([("a", "b", "go"), ("a", "done", "go"), ("b", "done", "finish")]))
    with pytest.raises(GraphInvalid, match="未定义的状态: ghost"):
        validate_graph(_raw([("a", "b", "go"), ("b", "done", "finish"), ("b", "ghost", "x")]))


# --- fire -------------------------------------------------------------------------------------------------

class FakeSession:
    def __init__(self, flush_error=None):
        self.added, self.flushes, self.flush_error = [], 0, flush_error

    def add(self, obj):
        self.added.append(obj)

    def flush(self):
        if self.flush_error:
            raise self.flush_error
        self.flushes += 1


def subject(state="a", district="330106", **kw):
    values = dict(workflow_name="toy_fire", state=state, version=3, audit_type="case", id=7, firm_id=11,
                  district_code=district, state_entered_at=None, attributes={})
    return SimpleNamespace(**{**values, **kw})


def person(role=Role.CITY_STAFF, district=None):
    return SimpleNamespace(id=5, username=f"u_{role}", role=role, district_code=district)


def failing(rule):
    return lambda t: [Reason(rule, f"{rule}不满足", value=t.values.get("size"))]


def count_effect(t):
    t.subject.attributes = {"counted": True}
    t.changes["attributes"] = {"counted": [None, True]}


TOY = Workflow("toy_fire", "测试流程", [START, MIDDLE, DONE, FAILED], [
    ("a", "b", act("go", OFFICERS, fields=(Field("size", "规模", kind="choice", choices=(("s", "小"), ("l", "大"))),
                                        Field("note", "说明", required=False, clean=str.upper)),
                   effects=(count_effect,))),
    ("b", "b", act("touch", {Role.CITY_STAFF})),
    ("b", "done", act("finish", {Role.CITY_STAFF}, guards=(failing("first"), lambda t: [], failing("second")))),
    ("a", "failed", act("quit")),
    ("b", "failed", act("quit")),
])


@pytest.fixture(autouse=True)
def registered(monkeypatch):
    monkeypatch.setitem(machine.REGISTRY, "toy_fire", TOY)


def test_fire_moves_state_runs_effects_and_records_one_event():
    session, case = FakeSession(), subject()
    event = fire(session, case, "go", actor=person(), now=NOW, expected_version=3, comment="已核实",
                 values={"size": " s ", "note": "abc", "extra": "ignored"})
    assert (case.state, case.state_entered_at, case.attributes) == ("b", NOW, {"counted": True})
    assert session.added == [event] and session.flushes == 1
    assert (event.subject_type, event.subject_id, event.firm_id, event.action) == ("case", 7, 11, "go")
    assert (event.from_state, event.to_state, event.at, event.comment) == ("a", "b", NOW, "已核实")
    assert (event.actor_id, event.actor_name) == (5, "u_city_staff")
    assert event.evidence == {"fields": {"size": "s", "note": "ABC"},
                              "changes": {"attributes": {"counted": [None, True]}}}


def test_fire_keeps_caller_evidence_and_loop_keeps_state_entered_at():
    case = subject("b", state_entered_at=datetime(2020, 1, 1))
    event = fire(FakeSession(), case, "touch", actor=person(), now=NOW, expected_version=3,
                 evidence={"source": "import"})
    assert (case.state, case.state_entered_at) == ("b", datetime(2020, 1, 1))
    assert event.evidence["source"] == "import" and event.from_state == event.to_state == "b"


def test_action_not_available_here_is_illegal_and_unknown_name_is_unknown():
    with pytest.raises(IllegalTransition, match="当前状态“开始”下不能执行“finish”") as info:
        fire(FakeSession(), subject(), "finish", actor=person(), now=NOW, expected_version=3)
    assert info.value.code == "illegal_transition" and info.value.status == 422
    with pytest.raises(UnknownAction) as info:
        fire(FakeSession(), subject(), "fly", actor=person(), now=NOW, expected_version=3)
    assert info.value.status == 404


@pytest.mark.parametrize("actor, allowed", [
    (person(Role.CITY_STAFF), True),
    (person(Role.COUNTY_OFFICER, "330106"), True),
    (person(Role.COUNTY_OFFICER, "330102"), False),
    (person(Role.LEADER), False),
    (person(Role.ADMIN), False),
])
def test_role_and_district_scope(actor, allowed):
    assert [a.name for a in TOY.available(subject(), actor)] == (["go", "quit"] if allowed else
                                                                  ["quit"] if actor.role != Role.COUNTY_OFFICER
                                                                  else [])
    case = subject()
    if allowed:
        fire(FakeSession(), case, "go", actor=actor, now=NOW, expected_version=3, values={"size": "l"})
        assert case.state == "b"
    else:
        with pytest.raises(NotPermitted):
            fire(FakeSession(), case, "go", actor=actor, now=NOW, expected_version=3, values={"size": "l"})
        assert case.state == "a"


@pytest.mark.parametrize("version", [None, 2, 4, "2"])
def test_wrong_version_is_stale(version):
    case, session = subject(), FakeSession()
    with pytest.raises(StaleVersion) as info:
        fire(session, case, "go", actor=person(), now=NOW, expected_version=version, values={"size": "s"})
    assert info.value.status == 409 and case.state == "a" and session.added == []


def test_matching_version_given_as_text_is_accepted():
    fire(FakeSession(), subject(), "go", actor=person(), now=NOW, expected_version="3", values={"size": "s"})


def test_checks_run_in_order_version_then_edge_then_permission_then_fields_then_guards():
    """DESIGN §4: a stale copy is refused as stale whatever else is wrong with the request."""
    officer = person(Role.COUNTY_OFFICER, "330102")
    with pytest.raises(StaleVersion):  # stale wins over the wrong district and missing fields
        fire(FakeSession(), subject(), "go", actor=officer, now=NOW, expected_version=1)
    with pytest.raises(StaleVersion):  # stale wins over an action the (moved) state no longer has
        fire(FakeSession(), subject("b"), "go", actor=person(), now=NOW, expected_version=2)
    with pytest.raises(IllegalTransition):  # current copy, wrong edge
        fire(FakeSession(), subject("b"), "go", actor=officer, now=NOW, expected_version=3)
    with pytest.raises(NotPermitted):  # current copy, right edge, wrong district wins over missing fields
        fire(FakeSession(), subject(), "go", actor=officer, now=NOW, expected_version=3)


def test_field_validation_reports_every_bad_field():
    case, session = subject(), FakeSession()
    with pytest.raises(ValidationFailed) as info:
        fire(session, case, "go", actor=person(), now=NOW, expected_version=3, values={"size": "xl"})
    assert info.value.fields == {"size": "取值“xl”不在可选范围内"}
    with pytest.raises(ValidationFailed) as info:
        fire(session, case, "go", actor=person(), now=NOW, expected_version=3,
             values={"size": "  ", "note": ["a"]})
    assert info.value.fields == {"size": "此项必填", "note": "应为文本"}
    assert case.state == "a" and session.added == []


@pytest.mark.parametrize("raw", [["s"], {"s": 1}, 5])
def test_choice_field_refuses_non_text_values(raw):
    with pytest.raises(ValidationFailed) as info:
        fire(FakeSession(), subject(), "go", actor=person(), now=NOW, expected_version=3, values={"size": raw})
    assert info.value.fields == {"size": "应为文本"}


def test_guards_report_every_failing_reason_and_change_nothing():
    case, session = subject("b"), FakeSession()
    with pytest.raises(GuardFailed) as info:
        fire(session, case, "finish", actor=person(), now=NOW, expected_version=3)
    assert [r.rule for r in info.value.reasons] == ["first", "second"]
    assert info.value.status == 422
    assert case.state == "b" and case.attributes == {} and session.added == []


def test_stale_data_at_flush_becomes_stale_version():
    session = FakeSession(StaleDataError("UPDATE statement on table expected to update 1 row(s); 0 were matched"))
    with pytest.raises(StaleVersion):
        fire(session, subject(), "quit", actor=person(), now=NOW, expected_version=3)


def test_action_and_field_dicts_are_what_clients_get():
    go = TOY.edge("a", "go")[1]
    assert go.to_dict() == {"name": "go", "label": "go的中文", "fields": [
        {"name": "size", "label": "规模", "kind": "choice", "required": True,
         "choices": [{"value": "s", "label": "小"}, {"value": "l", "label": "大"}]},
        {"name": "note", "label": "说明", "kind": "text", "required": False},
    ]}
