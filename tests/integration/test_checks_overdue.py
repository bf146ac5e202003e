"""`overdue_cases` at its limits: days counted in Hangzhou calendar days, per state from the policy, a new
flag when a case moves on and stalls again, and nominations left waiting for review."""

import copy
import dataclasses
from datetime import date, datetime, timedelta

import pytest

from models.enums import FlagKind
from tests.factories import XIHU, do, live_flags, make_staff, membership_in, new_case, run_check, step
from workflows.checks.runs import run_inline
from workflows.checks.wording import describe_all
from workflows.policy import default_policy

ENTERED = date(2026, 11, 30)  # the Hangzhou day of NOW, when the cases below enter their state


@pytest.fixture
def actors(session):
    return make_staff(session)


def overdue(session, now, today):
    return run_check(session, "overdue_cases", now, today)


def after(days: int) -> date:
    return ENTERED + timedelta(days=days)


@pytest.mark.parametrize(("days", "flagged"), [(60, False), (61, True)])
def test_a_case_overdue_past_its_states_limit(session, now, actors, days, flagged):
    case = new_case(session, actors, now, "small_to_scale")  # 已识别: 60 days in the shipped policy
    run = overdue(session, now, after(days))
    found = live_flags(session, kind=FlagKind.OVERDUE_CASE, subject_id=case.id)
    assert bool(found) is flagged and run.counts["examined"] == 1
    if flagged:
        (flag,) = found
        assert flag.reasons == [{"rule": "overdue.case", "value": 61, "threshold": 60, "year": None}]
        assert describe_all(flag.reasons) == ["已在当前环节停留61天，超过时限60天"]
        assert (flag.subject_type, flag.period, flag.district_code) == ("case", "2026-11-30", XIHU)


def test_each_state_has_its_own_limit(session, now, actors):
    identified = new_case(session, actors, now, "ind_to_ent")  # 60 days
    intent = new_case(session, actors, now, "ind_to_ent", [("confirm_intent", {})])  # 90 days
    overdue(session, now, after(61))
    assert [f.subject_id for f in live_flags(session, kind=FlagKind.OVERDUE_CASE)] == [identified.id]
    overdue(session, now, after(91))
    assert {f.subject_id for f in live_flags(session, kind=FlagKind.OVERDUE_CASE)} == {identified.id, intent.id}


def test_a_state_the_policy_does_not_name_takes_the_default(session, now, actors):
    base = default_policy()
    extra = copy.deepcopy(base.extra)
    del extra["checks"]["overdue"]["case_days"]["identified"]
    policy = dataclasses.replace(base, extra=extra)
    case = new_case(session, actors, now, "small_to_scale")
    for days, count in ((90, 0), (91, 1)):
        run_inline(session, "overdue_cases", today=after(days), actor=None, now=now, trigger="cli", policy=policy)
        assert len(live_flags(session, subject_id=case.id)) == count


@pytest.mark.parametrize(("today", "flagged"), [(date(2027, 1, 30), False), (date(2027, 1, 31), True)])
def test_days_are_hangzhou_days(session, actors, today, flagged):
    evening = datetime(2026, 11, 30, 17, 0)  # UTC: already 2026-12-01 01:00 in Hangzhou
    case = new_case(session, actors, evening, "small_to_scale")
    overdue(session, evening, today)
    found = live_flags(session, subject_id=case.id)
    assert bool(found) is flagged
    if flagged:
        assert found[0].period == "2026-12-01" and found[0].reasons[0]["value"] == 61


def test_a_case_that_moves_on_and_stalls_again_is_a_new_flag(session, now, actors):
    case = new_case(session, actors, now, "small_to_scale")
    overdue(session, now, after(70))
    (first,) = live_flags(session, subject_id=case.id)
    moved = now + timedelta(days=70)
    step(session, case, "start_cultivation", actors["city"], moved)  # 培育中: 365 days
    run = overdue(session, moved, after(70))
    assert run.counts["resolved"] == 1 and live_flags(session, subject_id=case.id) == []
    overdue(session, moved, after(70 + 366))
    (second,) = live_flags(session, subject_id=case.id)
    assert second.id != first.id and second.period == "2027-02-08"
    assert second.reasons[0]["threshold"] == 365


@pytest.mark.parametrize(("days", "flagged"), [(30, False), (31, True)])
def test_a_nomination_waiting_for_review_too_long(session, now, actors, days, flagged):
    m = membership_in(session, actors, now, "nominated")
    overdue(session, now, after(days))
    found = live_flags(session, kind=FlagKind.OVERDUE_NOMINATION)
    assert bool(found) is flagged
    if flagged:
        (flag,) = found
        assert (flag.subject_type, flag.subject_id, flag.district_code) == ("membership", m.id, XIHU)
        assert describe_all(flag.reasons) == ["推荐已等待审核31天，超过时限30天"]


def test_deciding_the_nomination_resolves_its_flag(session, now, actors):
    m = membership_in(session, actors, now, "nominated")
    overdue(session, now, after(40))
    (flag,) = live_flags(session, kind=FlagKind.OVERDUE_NOMINATION)
    do(session, m, "admit", actors["city"], now + timedelta(days=40))
    run = overdue(session, now + timedelta(days=40), after(40))
    session.refresh(flag)
    assert run.counts["resolved"] == 1 and flag.state == "resolved"


def test_a_dismissed_overdue_flag_stays_dismissed_while_the_days_grow(session, now, actors):
    from workflows import flags

    case = new_case(session, actors, now, "small_to_scale")
    overdue(session, now, after(61))
    (flag,) = live_flags(session, kind=FlagKind.OVERDUE_CASE, subject_id=case.id)
    flags.dismiss(session, flag, actor=actors["city"], now=now, reason="企业在等待统计部门核定",
                  expected_version=flag.version)
    run = overdue(session, now + timedelta(days=200), after(250))  # waited four times as long
    (same,) = live_flags(session, kind=FlagKind.OVERDUE_CASE, subject_id=case.id)
    assert same.id == flag.id and same.state == "dismissed" and run.counts["reopened"] == 0
