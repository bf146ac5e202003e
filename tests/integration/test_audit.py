"""The audit trail of case actions: one event per step with what changed, nothing at all when a step is
refused, stale versions (also between two real sessions), and events that cannot be edited or deleted."""

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from models import AuditEvent, Firm, UpgradeCase, User, db
from models.enums import FirmStatus, Stage
from tests.factories import (
    DIRECT,
    REASON,
    TO_REGISTERING,
    make_actors,
    make_firm,
    new_case,
    step,
)
from workflows.errors import (
    GuardFailed,
    IllegalTransition,
    NotPermitted,
    StaleVersion,
    UnknownAction,
    ValidationFailed,
)
from workflows.ladder import open_case
from workflows.machine import fire


@pytest.fixture
def actors(session):
    return make_actors(session)


def events(session, **filters):
    return session.scalars(select(AuditEvent).filter_by(**filters).order_by(AuditEvent.id)).all()


def event_count(session):
    return session.scalar(select(func.count()).select_from(AuditEvent))


def test_open_and_each_step_write_exactly_one_event(session, actors, now):
    firm = make_firm(session, Stage.INDIVIDUAL)
    case = open_case(session, firm, "ind_to_ent", actor=actors["xihu"], now=now, comment="走访发现")
    step(session, case, "confirm_intent", actors["xihu"], now, comment="业主同意")
    step(session, case, "submit_registration", actors["xihu"], now)
    step(session, case, "complete", actors["city"], now, comment="已换照", **DIRECT)
    session.commit()
    session.expire_all()  # read back what the database holds
    trail = events(session, subject_type="case", subject_id=case.id)
    assert [(e.action, e.from_state, e.to_state, e.actor_name, e.comment) for e in trail] == [
        ("open", None, "identified", "xihu", "走访发现"),
        ("confirm_intent", "identified", "intent", "xihu", "业主同意"),
        ("submit_registration", "intent", "registering", "xihu", ""),
        ("complete", "registering", "completed", "city", "已换照"),
    ]
    assert all(e.firm_id == firm.id and e.at == now for e in trail)
    assert trail[-1].actor_id == actors["city"].id
    assert trail[0].evidence == {"kind": "ind_to_ent"}
    assert trail[-1].evidence == {
        "fields": {"legal_form": "有限责任公司", "route": "direct_change", "new_uscc": None},
        "changes": {"attributes": {"route": [None, "direct_change"]},
                    "firm": {"legal_form": ["个体工商户", "有限责任公司"], "stage": ["individual", "enterprise"]}},
    }
    assert trail[1].evidence == {"fields": {}, "changes": {}}


def _attempt(session, actors, now, case, error):
    """One refused step of each kind, on a case at `registering`."""
    city = actors["city"]
    attempts = {
        IllegalTransition: lambda: step(session, case, "confirm_intent", city, now),
        UnknownAction: lambda: step(session, case, "approve_all", city, now),
        NotPermitted: lambda: step(session, case, "complete", actors["shangcheng"], now, **DIRECT),
        StaleVersion: lambda: fire(session, case, "complete", actor=city, now=now, expected_version=case.version - 1,
                                   values=DIRECT),
        ValidationFailed: lambda: step(session, case, "complete", city, now, route="direct_change"),
        GuardFailed: lambda: step(session, case, "complete", city, now, legal_form="有限责任公司",
                                  route="deregister_setup"),
    }
    with pytest.raises(error):
        attempts[error]()


@pytest.mark.parametrize("error", [IllegalTransition, UnknownAction, NotPermitted, StaleVersion, ValidationFailed,
                                   GuardFailed])
def test_a_refused_step_writes_nothing(session, actors, now, error):
    case = new_case(session, actors, now, "ind_to_ent", TO_REGISTERING)
    session.commit()
    before = event_count(session)
    _attempt(session, actors, now, case, error)
    session.rollback()
    assert event_count(session) == before
    assert (case.state, case.version, case.is_open) == ("registering", 3, True)
    assert (case.firm.stage, case.firm.legal_form, case.firm.status) == ("individual", "个体工商户", "active")


def test_stale_version_in_the_same_session(session, actors, now):
    case = new_case(session, actors, now, "scale_to_stock", [("confirm_intent", {})])
    session.commit()
    for wrong in (1, 3, None):
        with pytest.raises(StaleVersion):
            fire(session, case, "engage_intermediaries", actor=actors["city"], now=now, expected_version=wrong)
    fire(session, case, "engage_intermediaries", actor=actors["city"], now=now, expected_version=2)
    session.commit()
    assert (case.state, case.version) == ("intermediaries", 3)


@pytest.mark.committed_db  # two sessions on connections of their own
def test_two_sessions_racing_on_one_case(session, actors, now):
    """Both officers saw version 2 and pressed a button at once: the second write is refused, not lost."""
    case = new_case(session, actors, now, "small_to_scale", [("start_cultivation", {})])
    session.commit()
    case_id, city_id, xihu_id = case.id, actors["city"].id, actors["xihu"].id
    before = event_count(session)
    session.close()
    with Session(db.engine) as first, Session(db.engine) as second:
        mine, theirs = first.get(UpgradeCase, case_id), second.get(UpgradeCase, case_id)
        assert mine.version == theirs.version == 2
        fire(first, mine, "declare", actor=first.get(User, city_id), now=now, expected_version=2)
        first.commit()
        with pytest.raises(StaleVersion):
            fire(second, theirs, "abandon", actor=second.get(User, xihu_id), now=now, expected_version=2,
                 values=REASON)
        second.rollback()
    fresh = session.get(UpgradeCase, case_id)
    assert (fresh.state, fresh.version, fresh.is_open) == ("declared", 3, True)
    assert event_count(session) == before + 1


@pytest.mark.committed_db  # two sessions on connections of their own
def test_effects_on_the_firm_are_rolled_back_with_a_stale_write(session, actors, now):
    case = new_case(session, actors, now, "scale_to_stock", [(a, {}) for a in (
        "confirm_intent", "engage_intermediaries", "start_audit", "hold_meeting")])
    session.commit()
    case_id, firm_id, city_id = case.id, case.firm_id, actors["city"].id
    session.close()
    with Session(db.engine) as first, Session(db.engine) as second:
        theirs = second.get(UpgradeCase, case_id)
        mine = first.get(UpgradeCase, case_id)
        fire(first, mine, "abandon", actor=first.get(User, city_id), now=now, expected_version=5, values=REASON)
        first.commit()
        with pytest.raises(StaleVersion):
            fire(second, theirs, "complete", actor=second.get(User, city_id), now=now, expected_version=5)
        second.rollback()
    firm = session.get(Firm, firm_id)
    assert (firm.stage, firm.legal_form, firm.status) == ("above_scale", "有限责任公司", FirmStatus.ACTIVE)
    assert session.get(UpgradeCase, case_id).state == "abandoned"


def test_audit_events_are_append_only(session, actors, now):
    new_case(session, actors, now, "small_to_scale", [("start_cultivation", {})])
    session.commit()
    event = events(session, action="start_cultivation")[0]
    event.comment = "事后修改"
    with pytest.raises(RuntimeError, match="只能追加"):
        session.flush()
    session.rollback()
    session.delete(events(session, action="start_cultivation")[0])
    with pytest.raises(RuntimeError, match="只能追加"):
        session.flush()
    session.rollback()
    for statement in (update(AuditEvent).values(comment="批量修改"), delete(AuditEvent)):
        with pytest.raises(RuntimeError, match="只能追加"):
            session.execute(statement)
        session.rollback()
    assert [e.comment for e in events(session, action="start_cultivation")] == [""]
    assert event_count(session) == 2  # open + start_cultivation, both intact
