"""The ladder and the four case workflows are exactly DESIGN §4's table, and walk correctly on fake cases
(no database: the subject, its firm and the session are stand-ins)."""

from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from models.enums import BOARDS_WITHOUT_TUTORING, Board, CaseKind, FirmStatus, Role, Stage
from workflows.case_flows import CASE_WORKFLOWS
from workflows.errors import GuardFailed, IllegalTransition, NotPermitted, UnknownAction
from workflows.ladder import CASE_LABELS, LADDER, kinds_for_stage
from workflows.machine import fire, validate_graph

NOW = datetime(2026, 11, 30, 2, 0)
CITY = SimpleNamespace(id=1, username="city", role=Role.CITY_STAFF, district_code=None)
XIHU = SimpleNamespace(id=2, username="xihu", role=Role.COUNTY_OFFICER, district_code="330106")

OPEN_TO = lambda states, action, target: {(s, action, target) for s in states}  # noqa: E731
EDGES = {
    "ind_to_ent": {
        ("identified", "confirm_intent", "intent"), ("intent", "submit_registration", "registering"),
        ("registering", "return", "intent"), ("registering", "complete", "completed"),
        *OPEN_TO(("identified", "intent", "registering"), "abandon", "abandoned"),
    },
    "small_to_scale": {
        ("identified", "start_cultivation", "cultivating"), ("cultivating", "declare", "declared"),
        ("declared", "return", "cultivating"), ("declared", "approve", "completed"),
        *OPEN_TO(("identified", "cultivating", "declared"), "abandon", "abandoned"),
    },
    "scale_to_stock": {
        ("identified", "confirm_intent", "intent"), ("intent", "engage_intermediaries", "intermediaries"),
        ("intermediaries", "start_audit", "audit_valuation"), ("audit_valuation", "hold_meeting", "founding_meeting"),
        ("founding_meeting", "complete", "completed"),
        *OPEN_TO(("identified", "intent", "intermediaries", "audit_valuation", "founding_meeting"),
                 "abandon", "abandoned"),
    },
    "stock_to_listed": {
        ("reserve", "file_tutoring", "tutoring"), ("tutoring", "file_application", "filed"),
        ("reserve", "file_application", "filed"), ("filed", "register", "registered"),
        ("registered", "list", "completed"), ("filed", "list", "completed"),
        *OPEN_TO(("reserve", "tutoring", "filed", "registered"), "terminate", "terminated"),
        *{(s, a, s) for s in ("reserve", "tutoring", "filed", "registered") for a in ("designate_key", "revoke_key")},
    },
}
STATES = {  # (initial, finals, failure state)
    "ind_to_ent": ("identified", {"completed", "abandoned"}, "abandoned"),
    "small_to_scale": ("identified", {"completed", "abandoned"}, "abandoned"),
    "scale_to_stock": ("identified", {"completed", "abandoned"}, "abandoned"),
    "stock_to_listed": ("reserve", {"completed", "terminated"}, "terminated"),
}


def test_the_four_case_workflows_are_registered():
    assert set(CASE_WORKFLOWS) == set(CaseKind) == set(CASE_LABELS)
    assert {k: wf.label for k, wf in CASE_WORKFLOWS.items()} == CASE_LABELS


@pytest.mark.parametrize("kind", sorted(EDGES))
def test_workflow_is_exactly_the_design_table(kind):
    wf = CASE_WORKFLOWS[kind]
    validate_graph(wf.graph)
    edges = {(s, k, t) for s, t, k in wf.graph.edges(keys=True)}
    assert edges == EDGES[kind]
    assert set(wf.states) == {s for s, _, _ in edges} | {t for _, _, t in edges}
    initial, finals, failure = STATES[kind]
    assert wf.initial == initial
    assert {n for n, s in wf.states.items() if s.final} == finals
    assert [n for n, s in wf.states.items() if s.failure] == [failure]
    assert all(s.label and not s.label.isascii() for s in wf.states.values())
    assert all(a.label and not a.label.isascii() for a, _ in
               (pair for state in wf.states for pair in wf.actions_from(state)))


@pytest.mark.parametrize("kind", sorted(EDGES))
def test_every_open_state_can_be_abandoned_with_a_reason(kind):
    wf = CASE_WORKFLOWS[kind]
    exit_name = "terminate" if kind == "stock_to_listed" else "abandon"
    for name, state in wf.states.items():
        if state.final:
            assert wf.actions_from(name) == []
            continue
        target, action = wf.edge(name, exit_name)
        assert target == STATES[kind][2]
        assert [f.name for f in action.fields if f.required] == ["reason"]


def test_ladder_is_the_acyclic_rung_graph_with_the_skip_edge():
    validate_graph(LADDER.graph, acyclic=True)
    assert list(LADDER.states) == list(Stage)
    assert LADDER.initial == Stage.INDIVIDUAL and LADDER.is_final(Stage.LISTED)
    assert {(s, k, t) for s, t, k in LADDER.graph.edges(keys=True)} == {
        ("individual", "ind_to_ent", "enterprise"), ("enterprise", "small_to_scale", "above_scale"),
        ("above_scale", "scale_to_stock", "joint_stock"), ("enterprise", "scale_to_stock", "joint_stock"),
        ("joint_stock", "stock_to_listed", "listed"),
    }


@pytest.mark.parametrize("stage, kinds", [
    ("individual", ["ind_to_ent"]),
    ("enterprise", ["small_to_scale", "scale_to_stock"]),
    ("above_scale", ["scale_to_stock"]),
    ("joint_stock", ["stock_to_listed"]),
    ("listed", []),
])
def test_kinds_for_stage(stage, kinds):
    assert sorted(kinds_for_stage(stage)) == sorted(kinds)


# --- illegal actions: every state x every action name of the workflow not leaving it ------------------------

ILLEGAL = [
    (kind, state, action)
    for kind, wf in sorted(CASE_WORKFLOWS.items())
    for state in wf.states
    for action in sorted({k for _, k, _ in EDGES[kind]} - {a.name for a, _ in wf.actions_from(state)})
]


def fake_case(kind, state=None, **firm):
    wf = CASE_WORKFLOWS[kind]
    firm = SimpleNamespace(**{
        "uscc": "92330106MA2XXXXX00", "name": "测试", "stage": Stage.ENTERPRISE, "status": FirmStatus.ACTIVE,
        "legal_form": "有限责任公司", "industry": "C39", "district_code": "330106",
        "latest_indicator": SimpleNamespace(revenue=Decimal("2500")), **firm})
    return SimpleNamespace(workflow_name=kind, state=state or wf.initial, version=1, audit_type="case", id=1,
                           firm_id=1, firm=firm, district_code=firm.district_code, attributes={},
                           is_open=True, closed_at=None, state_entered_at=None)


class FakeSession:
    def __init__(self):
        self.added = []

    def add(self, obj):
        self.added.append(obj)

    def flush(self):
        pass


def step(case, action, actor=CITY, now=NOW, **values):
    event = fire(FakeSession(), case, action, actor=actor, now=now, expected_version=case.version,
                 values=values, comment=f"{action}备注")
    case.version += 1  # what the ORM's version counter does at flush
    return event


@pytest.mark.parametrize("kind, state, action", ILLEGAL)
def test_illegal_action_from_state(kind, state, action):
    case = fake_case(kind, state)
    with pytest.raises(IllegalTransition):
        step(case, action)
    assert case.state == state


@pytest.mark.parametrize("kind", sorted(CASE_WORKFLOWS))
def test_unknown_action_name(kind):
    with pytest.raises(UnknownAction):
        step(fake_case(kind), "approve_everything")


# --- paths on fake cases -----------------------------------------------------------------------------------

def walk(case, steps):
    visited = [case.state]
    for action, values in steps:
        step(case, action, **values)
        visited.append(case.state)
    return visited


def test_ind_to_ent_direct_change_with_a_return():
    case = fake_case("ind_to_ent", stage=Stage.INDIVIDUAL, legal_form="个体工商户")
    visited = walk(case, [("confirm_intent", {}), ("submit_registration", {}), ("return", {"reason": "材料不全"}),
                          ("submit_registration", {}),
                          ("complete", {"legal_form": "有限责任公司", "route": "direct_change"})])
    assert visited == ["identified", "intent", "registering", "intent", "registering", "completed"]
    assert (case.firm.stage, case.firm.legal_form, case.firm.uscc) == ("enterprise", "有限责任公司",
                                                                       "92330106MA2XXXXX00")
    assert case.attributes == {"route": "direct_change"}
    assert (case.is_open, case.closed_at) == (False, NOW)


def test_ind_to_ent_offers_only_enterprise_forms():
    case = fake_case("ind_to_ent", "registering", stage=Stage.INDIVIDUAL)
    field = next(f for f in case_action(case, "complete").fields if f.name == "legal_form")
    assert "股份有限公司" not in {v for v, _ in field.choices}
    assert "有限责任公司" in {v for v, _ in field.choices}


def case_action(case, name):
    return CASE_WORKFLOWS[case.workflow_name].edge(case.state, name)[1]


def test_small_to_scale_with_a_return():
    case = fake_case("small_to_scale")
    visited = walk(case, [("start_cultivation", {}), ("declare", {}), ("return", {"reason": "数据待核"}),
                          ("declare", {}), ("approve", {})])
    assert visited == ["identified", "cultivating", "declared", "cultivating", "declared", "completed"]
    assert case.firm.stage == "above_scale" and not case.is_open


def test_scale_to_stock_full_path():
    case = fake_case("scale_to_stock", stage=Stage.ABOVE_SCALE)
    visited = walk(case, [(a, {}) for a in ("confirm_intent", "engage_intermediaries", "start_audit",
                                            "hold_meeting", "complete")])
    assert visited == ["identified", "intent", "intermediaries", "audit_valuation", "founding_meeting",
                       "completed"]
    assert (case.firm.stage, case.firm.legal_form) == ("joint_stock", "股份有限公司")


def test_stock_to_listed_full_path_records_board_and_hangzhou_listing_date():
    case = fake_case("stock_to_listed", stage=Stage.JOINT_STOCK, legal_form="股份有限公司")
    walk(case, [("file_tutoring", {}), ("file_application", {"board": "star"}), ("register", {})])
    assert case.state == "registered"
    step(case, "list", now=datetime(2026, 11, 30, 17, 0))  # 01:00 on 1 December in Hangzhou
    assert case.state == "completed" and case.firm.stage == "listed"
    assert case.attributes == {"board": "star", "listed_on": "2026-12-01"}


@pytest.mark.parametrize("board", sorted(BOARDS_WITHOUT_TUTORING))
def test_boards_without_tutoring_take_the_skip_edges(board):
    case = fake_case("stock_to_listed", stage=Stage.JOINT_STOCK)
    assert walk(case, [("file_application", {"board": board}), ("list", {})]) == ["reserve", "filed", "completed"]
    with pytest.raises(GuardFailed):  # and may not register, via tutoring either
        walk(fake_case("stock_to_listed", stage=Stage.JOINT_STOCK),
             [("file_tutoring", {}), ("file_application", {"board": board}), ("register", {})])


@pytest.mark.parametrize("board", sorted(set(Board) - BOARDS_WITHOUT_TUTORING))
def test_boards_with_tutoring_cannot_skip(board):
    case = fake_case("stock_to_listed", stage=Stage.JOINT_STOCK)
    with pytest.raises(GuardFailed) as info:
        step(case, "file_application", board=board)
    assert [r.rule for r in info.value.reasons] == ["board_requires_full_path"]
    walk(case, [("file_tutoring", {}), ("file_application", {"board": board})])
    with pytest.raises(GuardFailed):
        step(case, "list")
    assert walk(case, [("register", {}), ("list", {})]) == ["filed", "registered", "completed"]


@pytest.mark.parametrize("state", ["reserve", "tutoring", "filed", "registered"])
def test_key_designation_loops_on_every_open_state(state):
    case = fake_case("stock_to_listed", state, stage=Stage.JOINT_STOCK)
    case.attributes = {"board": "star"}
    with pytest.raises(GuardFailed, match="不满足"):
        step(case, "revoke_key")
    event = step(case, "designate_key")
    assert (case.state, case.attributes["key"], event.from_state, event.to_state) == (state, True, state, state)
    with pytest.raises(GuardFailed):
        step(case, "designate_key")
    step(case, "revoke_key")
    assert case.attributes["key"] is False and case.is_open
    with pytest.raises(NotPermitted):
        step(case, "designate_key", actor=XIHU)


@pytest.mark.parametrize("kind, state", [(k, s) for k, wf in sorted(CASE_WORKFLOWS.items())
                                         for s, st in wf.states.items() if not st.final])
def test_abandon_from_every_open_state_closes_the_case(kind, state):
    case = fake_case(kind, state)
    exit_name, failure = ("terminate", "terminated") if kind == "stock_to_listed" else ("abandon", "abandoned")
    event = step(case, exit_name, actor=XIHU, reason="企业经营方向调整")
    assert (case.state, case.is_open, case.closed_at) == (failure, False, NOW)
    assert event.evidence["fields"] == {"reason": "企业经营方向调整"}
    assert case.firm.stage == Stage.ENTERPRISE  # a failed case moves nobody
