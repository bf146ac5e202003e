"""`pool_hygiene` at its thresholds: which admitted members an officer is told to remove or graduate, why,
and what becomes of the flag when the member leaves the pool, when the check runs again, when dismissed."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete

from models import AnnualIndicator, PoolMembership
from models.enums import FirmStatus, FlagKind, PoolLevel, SizeClass, Stage
from tests.factories import (
    SHANGCHENG,
    XIHU,
    audit_count,
    do,
    eligible_firm,
    live_flags,
    make_staff,
    membership_in,
    run_check,
)
from workflows import flags
from workflows.checks.wording import describe_all
from workflows.firm_status import mark_status

TODAY = date(2026, 12, 1)  # the last completed years are 2025 and 2024


@pytest.fixture
def actors(session):
    return make_staff(session)


def member(session, actors, now, level=PoolLevel.COUNTY, **firm_kw):
    return membership_in(session, actors, now, "admitted", level=level, firm=eligible_firm(session, **firm_kw))


def hygiene(session, now, today=TODAY):
    return run_check(session, "pool_hygiene", now, today)


def flags_of(session, membership, kind=FlagKind.REMOVAL):
    return live_flags(session, subject_type="membership", subject_id=membership.id, kind=kind)


def revenues(session, firm, by_year: dict):
    """Replace the firm's figures with these years' revenues."""
    session.execute(delete(AnnualIndicator).where(AnnualIndicator.firm_id == firm.id))
    session.add_all(AnnualIndicator(firm_id=firm.id, year=year, revenue=Decimal(str(revenue)), employees=30)
                    for year, revenue in by_year.items())
    session.flush()


@pytest.mark.parametrize(("change", "rule", "words"), [
    ("deregister", "removal.deregistered", "企业已注销（2026-10-12）"),
    ("revoke", "removal.revoked", "企业已被吊销营业执照（2026-10-12）"),
    ("move_out", "removal.moved_out", "企业已迁出（2026-10-12）"),
    ("mark_abnormal", "removal.abnormal", "企业已列入经营异常名录（2026-10-12）"),
    ("mark_violation", "removal.violation", "企业已列入严重违法失信名单（2026-10-12）"),
])
def test_a_status_change_is_a_removal_reason_with_the_day_it_took_effect(session, now, actors, change, rule, words):
    m = member(session, actors, now)
    mark_status(session, m.firm, change, effective_on=date(2026, 10, 12), source="登记系统", actor=actors["city"],
                now=now, today=TODAY)
    run = hygiene(session, now)
    (flag,) = flags_of(session, m)
    assert flag.reasons == [{"rule": rule, "value": 20261012, "threshold": None, "year": None}]
    assert describe_all(flag.reasons) == [words]
    assert (flag.period, flag.district_code, flag.firm_id) == ("2026", XIHU, m.firm_id)
    assert run.counts["opened"] == 1 and run.counts["examined"] == 1


def test_a_status_without_a_recorded_change_still_reads(session, now, actors):
    m = member(session, actors, now)
    m.firm.status = FirmStatus.DEREGISTERED  # as a registration import that brings the firm in already 注销
    session.flush()
    hygiene(session, now)
    (flag,) = flags_of(session, m)
    assert describe_all(flag.reasons) == ["企业已注销"]


def test_a_firm_that_moved_district_leaves_its_county_pool_not_the_city_one(session, now, actors):
    city = member(session, actors, now, level=PoolLevel.CITY)
    city.firm.district_code = SHANGCHENG
    session.flush()
    hygiene(session, now)
    (flag,) = live_flags(session, kind=FlagKind.REMOVAL)
    assert session.get(PoolMembership, flag.subject_id).level == PoolLevel.COUNTY
    assert flag.district_code == XIHU  # the county pool's officer acts
    assert flag.reasons[0]["rule"] == "removal.district_changed"
    assert describe_all(flag.reasons) == ["企业所属区县已变更（330106→330102），不再属于本县级库的区县"]


def test_both_memberships_of_a_city_member_are_flagged(session, now, actors):
    city = member(session, actors, now, level=PoolLevel.CITY)
    mark_status(session, city.firm, "deregister", effective_on=date(2026, 11, 2), source="登记系统",
                actor=actors["city"], now=now, today=TODAY)
    hygiene(session, now)
    flagged = live_flags(session, kind=FlagKind.REMOVAL)
    assert len(flagged) == 2 and {f.district_code for f in flagged} == {XIHU}
    assert len(flags_of(session, city)) == 1


@pytest.mark.parametrize(("years", "registered", "flagged"), [
    ({2023: 500}, date(2018, 5, 1), True),
    ({2023: 500}, date(2023, 12, 31), True),  # registered before 2024: two full years without figures
    ({2023: 500}, date(2024, 1, 1), False),  # registered in the first of the two years
    ({2024: 500}, date(2018, 5, 1), False),  # one of the two years has figures
    ({}, None, True),  # registration day unknown: not exempt, as eligibility reads it
])
def test_no_figures_for_the_last_two_completed_years(session, now, actors, years, registered, flagged):
    m = member(session, actors, now)
    revenues(session, m.firm, years)
    m.firm.registered_on = registered
    session.flush()
    hygiene(session, now)
    found = flags_of(session, m)
    assert bool(found) is flagged
    if flagged:
        assert describe_all(found[0].reasons) == ["2024、2025年连续两年无年度数据"]


@pytest.mark.parametrize(("by_year", "flagged"), [
    ({2023: 1000, 2024: 700, 2025: 490}, False),  # 30.0 % and 30.0 %: not more than 30 %
    ({2023: 1000, 2024: 699, 2025: 489}, True),  # 30.1 % and 30.04 %
    ({2023: 1000, 2024: 699, 2025: 490}, False),  # 30.1 %, then 29.9 %
    ({2023: 1000, 2024: 1000, 2025: 500}, False),  # one year's fall is not two
    ({2023: 0, 2024: 0, 2025: 0}, False),  # nothing to fall from
])
def test_revenue_down_more_than_the_policy_share_two_years_running(session, now, actors, by_year, flagged):
    m = member(session, actors, now)
    revenues(session, m.firm, by_year)
    hygiene(session, now)
    assert bool(flags_of(session, m)) is flagged


def test_the_revenue_drop_reads_both_years(session, now, actors):
    m = member(session, actors, now)
    revenues(session, m.firm, {2023: 1000, 2024: 690, 2025: "447.12"})
    hygiene(session, now)
    (flag,) = flags_of(session, m)
    assert [(r["rule"], r["year"], round(r["value"], 2)) for r in flag.reasons] == [
        ("removal.revenue_drop", 2025, 35.2), ("removal.revenue_drop_prior", 2024, 31.0)]
    assert describe_all(flag.reasons) == ["2025年营业收入较上年下降35.2%，超过30%",
                                          "2024年营业收入较上年下降31.0%，连续两年超过30%"]


@pytest.mark.parametrize(("changes", "rules"), [
    ({"stage": Stage.ABOVE_SCALE}, ["graduation.scaled_up"]),
    ({"stage": Stage.JOINT_STOCK}, ["graduation.scaled_up"]),
    ({"size_class": SizeClass.MEDIUM}, ["graduation.medium"]),
    ({"size_class": SizeClass.LARGE, "stage": Stage.ABOVE_SCALE}, ["graduation.large", "graduation.scaled_up"]),
    ({"size_class": SizeClass.MICRO}, []),
    ({"stage": Stage.ABOVE_SCALE, "status": FirmStatus.DEREGISTERED}, []),  # a removal, not a graduation
])
def test_graduation_when_the_member_outgrew_the_pool(session, now, actors, changes, rules):
    m = member(session, actors, now)
    for field, value in changes.items():
        setattr(m.firm, field, value)
    session.flush()
    hygiene(session, now)
    found = flags_of(session, m, FlagKind.GRADUATION)
    assert [r["rule"] for f in found for r in f.reasons] == rules


def test_leaving_the_pool_resolves_the_flag(session, now, actors):
    m = member(session, actors, now)
    mark_status(session, m.firm, "mark_violation", effective_on=date(2026, 11, 2), source="人工核实",
                actor=actors["city"], now=now, today=TODAY)
    hygiene(session, now)
    (flag,) = flags_of(session, m)
    do(session, m, "remove", actors["city"], now)
    run = hygiene(session, now + timedelta(hours=1))
    assert run.counts["resolved"] == 1 and flags_of(session, m) == []
    session.refresh(flag)
    assert flag.state == "resolved"


def test_a_rerun_changes_nothing_and_a_dismissal_holds_for_the_year(session, now, actors):
    m = member(session, actors, now)
    m.firm.size_class = SizeClass.MEDIUM
    session.flush()
    hygiene(session, now)
    (flag,) = flags_of(session, m, FlagKind.GRADUATION)
    events = audit_count(session)
    rerun = hygiene(session, now + timedelta(days=1), TODAY + timedelta(days=1))
    assert (rerun.counts["opened"], rerun.counts["resolved"], audit_count(session)) == (0, 0, events)
    flags.dismiss(session, flag, actor=actors["xihu"], now=now, reason="企业正办理毕业手续",
                  expected_version=flag.version)
    hygiene(session, now + timedelta(days=2), TODAY + timedelta(days=2))
    session.refresh(flag)
    assert flag.state == "dismissed"
    hygiene(session, now + timedelta(days=40), date(2027, 1, 10))  # a new year: a new period
    (fresh,) = flags_of(session, m, FlagKind.GRADUATION)
    assert fresh.id != flag.id and (fresh.state, fresh.period) == ("open", "2027")


def test_members_without_three_years_of_revenue_are_counted_as_skipped(session, now, actors):
    member(session, actors, now)  # figures for 2025 only
    full = member(session, actors, now)
    revenues(session, full.firm, {2023: 800, 2024: 820, 2025: 850})
    run = hygiene(session, now)
    assert run.counts["examined"] == 2
    assert run.counts["skipped"] == {"营业收入不足连续三年，未判断降幅": 1}
    assert live_flags(session) == []
