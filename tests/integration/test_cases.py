"""Ladder cases on real UpgradeCases (SQLite and PostgreSQL): opening, every path, the effects on the firm,
the guards, and who may take which step in which district."""

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import Firm, UpgradeCase
from models.enums import FirmStatus, Stage
from tests.factories import (
    DIRECT,
    REASON,
    TO_REGISTERING,
    make_actors,
    make_firm,
    new_case,
    step,
    uscc,
    walk,
)
from workflows import ladder
from workflows.errors import Duplicate, GuardFailed, NotPermitted, ValidationFailed
from workflows.ladder import open_case


@pytest.fixture
def actors(session):
    return make_actors(session)


# --- opening --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stage, kind", [(Stage.INDIVIDUAL, "ind_to_ent"), (Stage.ENTERPRISE, "small_to_scale"),
                                         (Stage.ENTERPRISE, "scale_to_stock"), (Stage.ABOVE_SCALE, "scale_to_stock"),
                                         (Stage.JOINT_STOCK, "stock_to_listed")])
def test_open_case_in_the_initial_state(session, actors, now, stage, kind):
    firm = make_firm(session, stage)
    case = open_case(session, firm, kind, actor=actors["xihu"], now=now, comment="企业有意向")
    session.commit()
    assert (case.kind, case.state, case.version, case.is_open, case.opened_at) == (
        kind, "reserve" if kind == "stock_to_listed" else "identified", 1, True, now)
    assert (case.opened_by_id, case.assignee_id) == (actors["xihu"].id, actors["xihu"].id)


@pytest.mark.parametrize("stage, kind", [(Stage.INDIVIDUAL, "small_to_scale"), (Stage.ENTERPRISE, "ind_to_ent"),
                                         (Stage.ABOVE_SCALE, "small_to_scale"), (Stage.JOINT_STOCK, "scale_to_stock"),
                                         (Stage.LISTED, "stock_to_listed"), (Stage.ENTERPRISE, "stock_to_listed")])
def test_open_case_on_the_wrong_rung_is_refused(session, actors, now, stage, kind):
    firm = make_firm(session, stage)
    with pytest.raises(GuardFailed) as info:
        open_case(session, firm, kind, actor=actors["city"], now=now)
    assert [r.rule for r in info.value.reasons] == ["stage_mismatch"]


def test_open_case_reports_every_reason_and_unknown_kind(session, actors, now):
    firm = make_firm(session, Stage.LISTED, status=FirmStatus.DEREGISTERED)
    with pytest.raises(GuardFailed) as info:
        open_case(session, firm, "small_to_scale", actor=actors["city"], now=now)
    assert [r.to_dict()["rule"] for r in info.value.reasons] == ["firm_not_active", "stage_mismatch"]
    with pytest.raises(ValidationFailed) as info:
        open_case(session, firm, "big_bang", actor=actors["city"], now=now)
    assert info.value.fields == {"kind": "未知的案件类型“big_bang”"}


def test_one_open_case_per_kind(session, actors, now):
    firm = make_firm(session, Stage.ENTERPRISE)
    first = open_case(session, firm, "small_to_scale", actor=actors["city"], now=now)
    with pytest.raises(Duplicate):
        open_case(session, firm, "small_to_scale", actor=actors["xihu"], now=now)
    open_case(session, firm, "scale_to_stock", actor=actors["city"], now=now)  # another kind may run alongside
    step(session, first, "abandon", actors["city"], now, **REASON)
    again = open_case(session, firm, "small_to_scale", actor=actors["city"], now=now)  # once the first is closed
    session.commit()
    assert again.id != first.id and again.is_open


def test_partial_unique_index_backs_the_rule(session, actors, now):
    firm = make_firm(session, Stage.ENTERPRISE)
    open_case(session, firm, "small_to_scale", actor=actors["city"], now=now)
    session.add(UpgradeCase(firm=firm, kind="small_to_scale", state="abandoned", is_open=False, attributes={}))
    session.commit()  # closed cases of the kind do not count
    session.add(UpgradeCase(firm=firm, kind="small_to_scale", state="identified", is_open=True, attributes={}))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_concurrent_open_becomes_duplicate(session, actors, now, monkeypatch):
    """The second of two simultaneous requests passes the SELECT but is stopped by the index: 409, not 500."""
    firm = make_firm(session, Stage.ENTERPRISE)
    open_case(session, firm, "small_to_scale", actor=actors["city"], now=now)
    session.commit()
    monkeypatch.setattr(ladder, "_has_open_case", lambda *a: False)
    with pytest.raises(Duplicate):
        open_case(session, firm, "small_to_scale", actor=actors["xihu"], now=now)
    session.rollback()
    assert len(session.scalars(select(UpgradeCase).filter_by(firm_id=firm.id)).all()) == 1


# --- paths and effects ------------------------------------------------------------------------------------------

def test_ind_to_ent_direct_change_with_return(session, actors, now):
    case = new_case(session, actors, now, "ind_to_ent")
    firm, old_uscc = case.firm, case.firm.uscc
    visited = walk(session, case, [("confirm_intent", {}), ("submit_registration", {}), ("return", REASON),
                                   ("submit_registration", {}), ("complete", DIRECT)], actors["xihu"], now)
    session.commit()
    assert visited == ["identified", "intent", "registering", "intent", "registering", "completed"]
    assert (firm.stage, firm.legal_form, firm.uscc, firm.status) == ("enterprise", "有限责任公司", old_uscc, "active")
    assert (case.is_open, case.closed_at, case.version, case.attributes) == (False, now, 6, {"route": "direct_change"})


def test_ind_to_ent_deregister_and_set_up(session, actors, now):
    case = new_case(session, actors, now, "ind_to_ent", [("confirm_intent", {}), ("submit_registration", {})],
                    tags=["health"])
    old, new_uscc = case.firm, uscc()
    event = step(session, case, "complete", actors["xihu"], now.replace(hour=17), legal_form="个人独资企业",
                 route="deregister_setup", new_uscc=new_uscc.lower())
    session.commit()
    successor = session.scalar(select(Firm).filter_by(uscc=new_uscc))
    assert (successor.stage, successor.legal_form, successor.status) == ("enterprise", "个人独资企业", "active")
    assert (successor.predecessor_id, successor.district_code, successor.industry, successor.tags) == (
        old.id, old.district_code, old.industry, ["health"])
    assert successor.registered_on.isoformat() == "2026-12-01"  # 17:00 UTC is the next day in Hangzhou
    assert (old.status, old.stage, case.state, case.is_open) == ("deregistered", "individual", "completed", False)
    assert event.evidence["successor_uscc"] == new_uscc
    assert event.evidence["changes"]["firm"] == {"status": ["active", "deregistered"]}


def test_new_uscc_guards(session, actors, now):
    case = new_case(session, actors, now, "ind_to_ent", [("confirm_intent", {}), ("submit_registration", {})])
    taken = make_firm(session).uscc
    route = {"legal_form": "有限责任公司", "route": "deregister_setup"}
    for new, rule in [(None, "new_uscc_required"), (case.firm.uscc, "new_uscc_same"), (taken, "new_uscc_taken")]:
        with pytest.raises(GuardFailed) as info:
            step(session, case, "complete", actors["city"], now, new_uscc=new, **route)
        assert [r.rule for r in info.value.reasons] == [rule]
    wrong_check_digit = taken[:-1] + ("1" if taken[-1] == "0" else "0")
    with pytest.raises(ValidationFailed) as info:
        step(session, case, "complete", actors["city"], now, new_uscc=wrong_check_digit, **route)
    assert list(info.value.fields) == ["new_uscc"] and info.value.fields["new_uscc"].startswith("第18位校验码错误")
    assert case.state == "registering" and case.firm.status == "active"


def test_action_fields_are_validated(session, actors, now):
    case = new_case(session, actors, now, "ind_to_ent", [("confirm_intent", {}), ("submit_registration", {})])
    with pytest.raises(ValidationFailed) as info:
        step(session, case, "complete", actors["city"], now, legal_form="股份有限公司")
    assert set(info.value.fields) == {"legal_form", "route"}
    with pytest.raises(ValidationFailed) as info:
        step(session, case, "abandon", actors["city"], now, reason="  ")
    assert info.value.fields == {"reason": "此项必填"}


def test_small_to_scale_with_return_then_approved(session, actors, now):
    case = new_case(session, actors, now, "small_to_scale")
    visited = walk(session, case, [("start_cultivation", {}), ("declare", {})], actors["xihu"], now)
    visited += walk(session, case, [("return", REASON)], actors["city"], now)[1:]
    visited += walk(session, case, [("declare", {})], actors["xihu"], now)[1:]
    visited += walk(session, case, [("approve", {})], actors["city"], now)[1:]
    session.commit()
    assert visited == ["identified", "cultivating", "declared", "cultivating", "declared", "completed"]
    assert case.firm.stage == "above_scale" and not case.is_open


@pytest.mark.parametrize("industry, revenue, values, rule", [
    ("C39", "1999.99", {}, "scale.revenue_below"),
    ("C39", None, {}, "scale.revenue_missing"),
    ("F52", "499", {}, "scale.revenue_below"),
    ("E47", "100000", {}, "scale.qualification"),
    ("J66", "100000", {"justification": "太短"}, "scale.justification"),
])
def test_declare_guard_by_sector(session, actors, now, industry, revenue, values, rule):
    case = new_case(session, actors, now, "small_to_scale", [("start_cultivation", {})], industry=industry,
                    revenue=revenue)
    with pytest.raises(GuardFailed) as info:
        step(session, case, "declare", actors["xihu"], now, **values)
    assert [r.rule for r in info.value.reasons] == [rule]
    assert case.state == "cultivating"


@pytest.mark.parametrize("industry, revenue, values", [
    ("C39", "2000", {}), ("F52", "500", {}), ("E47", None, {"qualification": "confirmed"}),
    ("K7010", None, {}), ("J66", None, {"justification": "地方金融组织，经区局书面确认达到规上标准"}),
])
def test_declare_passes_by_sector(session, actors, now, industry, revenue, values):
    case = new_case(session, actors, now, "small_to_scale", [("start_cultivation", {})], industry=industry,
                    revenue=revenue)
    step(session, case, "declare", actors["xihu"], now, **values)
    step(session, case, "approve", actors["city"], now)  # approval re-checks with what was declared
    assert case.state == "completed" and case.firm.stage == "above_scale"


def test_approve_rechecks_and_reports_every_reason(session, actors, now):
    case = new_case(session, actors, now, "small_to_scale", [("start_cultivation", {}), ("declare", {})])
    case.firm.indicators[0].revenue = Decimal("100")  # corrected after the declaration
    case.firm.status = FirmStatus.REVOKED
    with pytest.raises(GuardFailed) as info:
        step(session, case, "approve", actors["city"], now)
    assert [r.rule for r in info.value.reasons] == ["firm_not_active", "scale.revenue_below"]


def test_parallel_cases_never_move_a_firm_down_the_ladder(session, actors, now):
    """An enterprise may run 小升规 and 规改股 (the skip edge) at once; whichever finishes first wins."""
    firm = make_firm(session, Stage.ENTERPRISE)
    scale = new_case(session, actors, now, "small_to_scale", [("start_cultivation", {}), ("declare", {})],
                     firm=firm)
    stock = new_case(session, actors, now, "scale_to_stock", [(a, {}) for a in (
        "confirm_intent", "engage_intermediaries", "start_audit", "hold_meeting", "complete")], firm=firm)
    assert (stock.state, firm.stage, firm.legal_form) == ("completed", "joint_stock", "股份有限公司")
    with pytest.raises(GuardFailed) as info:
        step(session, scale, "approve", actors["city"], now)
    assert [r.rule for r in info.value.reasons] == ["stage_changed"]
    assert firm.stage == "joint_stock"


def test_scale_to_stock_full_path(session, actors, now):
    case = new_case(session, actors, now, "scale_to_stock")
    visited = walk(session, case, [(a, {}) for a in ("confirm_intent", "engage_intermediaries", "start_audit",
                                                     "hold_meeting")], actors["xihu"], now)
    event = step(session, case, "complete", actors["city"], now)
    session.commit()
    assert visited + [case.state] == ["identified", "intent", "intermediaries", "audit_valuation",
                                      "founding_meeting", "completed"]
    assert (case.firm.stage, case.firm.legal_form, case.closed_at) == ("joint_stock", "股份有限公司", now)
    assert event.evidence["changes"]["firm"] == {"stage": ["above_scale", "joint_stock"],
                                                 "legal_form": ["有限责任公司", "股份有限公司"]}


@pytest.mark.parametrize("board, path", [
    ("star", [("file_tutoring", {}), ("file_application", {"board": "star"}), ("register", {}), ("list", {})]),
    ("sse_main", [("file_tutoring", {}), ("file_application", {"board": "sse_main"}), ("register", {}),
                  ("list", {})]),
    ("neeq", [("file_application", {"board": "neeq"}), ("list", {})]),
    ("hkex", [("file_application", {"board": "hkex"}), ("list", {})]),
    ("overseas", [("file_tutoring", {}), ("file_application", {"board": "overseas"}), ("list", {})]),
])
def test_stock_to_listed_paths(session, actors, now, board, path):
    case = new_case(session, actors, now, "stock_to_listed")
    walk(session, case, path, actors["city"], now)
    session.commit()
    assert (case.state, case.firm.stage, case.attributes["board"], case.attributes["listed_on"]) == (
        "completed", "listed", board, "2026-11-30")


def test_skip_edges_refused_for_boards_with_tutoring(session, actors, now):
    case = new_case(session, actors, now, "stock_to_listed")
    with pytest.raises(GuardFailed, match="不满足") as info:
        step(session, case, "file_application", actors["xihu"], now, board="star")
    assert info.value.reasons[0].to_dict() == {"rule": "board_requires_full_path",
                                               "message": "科创板须经辅导备案和注册，不能跳过", "value": "star",
                                               "threshold": None}
    walk(session, case, [("file_tutoring", {}), ("file_application", {"board": "chinext"})], actors["xihu"], now)
    with pytest.raises(GuardFailed):
        step(session, case, "list", actors["city"], now)
    neeq = new_case(session, actors, now, "stock_to_listed", [("file_application", {"board": "neeq"})])
    with pytest.raises(GuardFailed) as info:
        step(session, neeq, "register", actors["city"], now)
    assert [r.rule for r in info.value.reasons] == ["board_without_registration"]


def test_key_designation_loop(session, actors, now):
    case = new_case(session, actors, now, "stock_to_listed", [("file_tutoring", {})])
    entered = case.state_entered_at
    with pytest.raises(GuardFailed):
        step(session, case, "revoke_key", actors["city"], now)
    step(session, case, "designate_key", actors["city"], now.replace(hour=5))
    session.commit()
    assert (case.state, case.attributes["key"], case.version, case.state_entered_at) == ("tutoring", True, 3, entered)
    with pytest.raises(GuardFailed):
        step(session, case, "designate_key", actors["city"], now)
    step(session, case, "revoke_key", actors["city"], now)
    session.commit()
    assert case.attributes == {"key": False} and case.version == 4


@pytest.mark.parametrize("kind, steps", [
    ("ind_to_ent", [("confirm_intent", {}), ("submit_registration", {})]),
    ("small_to_scale", [("start_cultivation", {})]),
    ("scale_to_stock", [("confirm_intent", {}), ("engage_intermediaries", {}), ("start_audit", {})]),
    ("stock_to_listed", [("file_tutoring", {}), ("file_application", {"board": "star"}), ("register", {})]),
])
def test_abandoning_closes_the_case_and_leaves_the_firm(session, actors, now, kind, steps):
    case = new_case(session, actors, now, kind, steps)
    stage = case.firm.stage
    exit_name = "terminate" if kind == "stock_to_listed" else "abandon"
    step(session, case, exit_name, actors["xihu"], now, **REASON)
    session.commit()
    assert (case.state in ("abandoned", "terminated"), case.is_open, case.closed_at) == (True, False, now)
    assert case.firm.stage == stage


# --- role x action x district --------------------------------------------------------------------------------

TO_DECLARED = [("start_cultivation", {}), ("declare", {})]
TO_MEETING = [(a, {}) for a in ("confirm_intent", "engage_intermediaries", "start_audit", "hold_meeting")]
TO_FILED = [("file_tutoring", {}), ("file_application", {"board": "star"})]
BOTH, CITY_ONLY = ("city", "xihu"), ("city",)
MATRIX = [  # kind, steps to the source state, action, its values, who may (county officers: own district only)
    ("ind_to_ent", [], "confirm_intent", {}, BOTH),
    ("ind_to_ent", TO_REGISTERING[:1], "submit_registration", {}, BOTH),
    ("ind_to_ent", TO_REGISTERING, "return", REASON, BOTH),
    ("ind_to_ent", TO_REGISTERING, "complete", DIRECT, BOTH),
    ("ind_to_ent", [], "abandon", REASON, BOTH),
    ("small_to_scale", [], "start_cultivation", {}, BOTH),
    ("small_to_scale", TO_DECLARED[:1], "declare", {}, BOTH),
    ("small_to_scale", TO_DECLARED, "return", REASON, CITY_ONLY),
    ("small_to_scale", TO_DECLARED, "approve", {}, CITY_ONLY),
    ("small_to_scale", TO_DECLARED, "abandon", REASON, BOTH),
    ("scale_to_stock", [], "confirm_intent", {}, BOTH),
    ("scale_to_stock", TO_MEETING[:1], "engage_intermediaries", {}, BOTH),
    ("scale_to_stock", TO_MEETING[:2], "start_audit", {}, BOTH),
    ("scale_to_stock", TO_MEETING[:3], "hold_meeting", {}, BOTH),
    ("scale_to_stock", TO_MEETING, "complete", {}, CITY_ONLY),
    ("scale_to_stock", TO_MEETING, "abandon", REASON, BOTH),
    ("stock_to_listed", [], "file_tutoring", {}, BOTH),
    ("stock_to_listed", TO_FILED[:1], "file_application", {"board": "star"}, BOTH),
    ("stock_to_listed", [], "file_application", {"board": "neeq"}, BOTH),
    ("stock_to_listed", TO_FILED, "register", {}, CITY_ONLY),
    ("stock_to_listed", [*TO_FILED, ("register", {})], "list", {}, CITY_ONLY),
    ("stock_to_listed", TO_FILED, "terminate", REASON, BOTH),
    ("stock_to_listed", [], "designate_key", {}, CITY_ONLY),
    ("stock_to_listed", [("designate_key", {})], "revoke_key", {}, CITY_ONLY),
]
ROLES = ("city", "xihu", "shangcheng", "leader", "admin")


@pytest.mark.parametrize("kind, steps, action, values, allowed", MATRIX,
                         ids=[f"{m[0]}-{m[2]}-{len(m[1])}" for m in MATRIX])
def test_role_action_district_matrix(session, actors, now, kind, steps, action, values, allowed):
    """Every role tries the action on a 西湖区 case; one test per action, as each test empties the tables."""
    case = new_case(session, actors, now, kind, steps)
    session.commit()
    before = (case.state, case.version)
    for role in ROLES:
        if role in allowed:
            continue
        with pytest.raises(NotPermitted):
            step(session, case, action, actors[role], now, **values)
        session.rollback()
        assert (case.state, case.version) == before, role
    for role in allowed:
        fresh = new_case(session, actors, now, kind, steps)
        step(session, fresh, action, actors[role], now, **values)
        session.commit()
        assert fresh.version == len(steps) + 2, role


@pytest.mark.parametrize("role, allowed", [("city", True), ("xihu", True), ("shangcheng", False),
                                           ("leader", False), ("admin", False)])
def test_who_may_open_a_case(session, actors, now, role, allowed):
    firm = make_firm(session, Stage.ENTERPRISE)
    if allowed:
        assert open_case(session, firm, "small_to_scale", actor=actors[role], now=now).is_open
    else:
        with pytest.raises(NotPermitted):
            open_case(session, firm, "small_to_scale", actor=actors[role], now=now)
