"""The engine's set-based door keeps the promises `fire()` keeps: declared edges only, system actions only,
one audit event per subject moved, the open flag, closed time and version in step."""

from datetime import timedelta

import pytest
from sqlalchemy import JSON, func, literal, select

import workflows.flags  # noqa: F401 - registers the flag workflow
from models import AuditEvent, Firm, Flag
from tests.factories import make_firm
from workflows.errors import IllegalTransition
from workflows.machine_sets import fire_set, start_set


def test_start_set_inserts_in_the_initial_state_with_one_event_each(session, now):
    firms = [make_firm(session) for _ in range(3)]
    ids = [f.id for f in firms]
    # The column list the checks use: kind, subject, firm, district, period, reasons.
    rows = select(literal("near_scale"), literal("firm"), Firm.id, Firm.id, Firm.district_code, literal("2025"),
                  literal([], JSON), literal({}, JSON)).where(Firm.id.in_(ids))
    count = start_set(session, "flag", Flag, rows,
                      ["kind", "subject_type", "subject_id", "firm_id", "district_code", "period", "reasons",
                       "outcome"],
                      created=Flag.firm_id.in_(ids), actor=None, now=now, action_name="raise")
    assert count == 3
    flags = session.scalars(select(Flag).where(Flag.firm_id.in_(ids))).all()
    assert {(f.state, f.is_open, f.version) for f in flags} == {("open", True, 1)}
    events = session.scalars(select(AuditEvent).where(AuditEvent.subject_type == "flag")).all()
    assert sorted(e.subject_id for e in events) == sorted(f.id for f in flags)
    assert {(e.action, e.from_state, e.to_state, e.actor_name) for e in events} == {("raise", None, "open", "system")}


@pytest.fixture
def three_flags(session, now):
    firms = [make_firm(session) for _ in range(3)]
    ids = [f.id for f in firms]
    rows = select(literal("near_scale"), literal("firm"), Firm.id, Firm.id, Firm.district_code, literal("2025"),
                  literal([], JSON), literal({}, JSON)).where(Firm.id.in_(ids))
    start_set(session, "flag", Flag, rows,
              ["kind", "subject_type", "subject_id", "firm_id", "district_code", "period", "reasons", "outcome"],
              created=Flag.firm_id.in_(ids), actor=None, now=now, action_name="raise")
    return session.scalars(select(Flag).where(Flag.firm_id.in_(ids)).order_by(Flag.id)).all()


def test_fire_set_moves_only_subjects_where_the_action_leaves_from(session, now, three_flags):
    first, second, third = three_flags
    later = now + timedelta(days=1)
    moved = fire_set(session, "flag", Flag, "resolve", select(Flag.id).where(Flag.id.in_([first.id, second.id])),
                     actor=None, now=later, comment="条件已消除", evidence={"check_run": 7})
    assert moved == 2
    session.expire_all()
    assert (first.state, first.is_open, first.closed_at, first.version) == ("resolved", False, later, 2)
    assert (third.state, third.version) == ("open", 1)
    # Resolved is final: nothing leaves it, so a second resolve moves nothing and writes nothing.
    before = session.scalar(select(func.count()).select_from(AuditEvent))
    again = fire_set(session, "flag", Flag, "resolve", select(Flag.id).where(Flag.id == first.id),
                     actor=None, now=later)
    assert again == 0 and session.scalar(select(func.count()).select_from(AuditEvent)) == before
    event = session.scalars(select(AuditEvent).where(AuditEvent.subject_id == first.id,
                                                     AuditEvent.action == "resolve")).one()
    assert (event.from_state, event.to_state, event.evidence) == ("open", "resolved", {"check_run": 7})


def test_fire_set_refuses_what_only_a_user_may_do_and_unknown_actions(session, now, three_flags):
    ids = select(Flag.id)
    with pytest.raises(IllegalTransition):
        fire_set(session, "flag", Flag, "dismiss", ids, actor=None, now=now)
    with pytest.raises(IllegalTransition):
        fire_set(session, "flag", Flag, "teleport", ids, actor=None, now=now)
    assert {f.state for f in three_flags} == {"open"}
