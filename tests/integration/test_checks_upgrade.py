"""`upgrade_candidates` at its thresholds, and the flag lifecycle every check shares (reruns, resolution,
dismissal that holds for its period, reopening on a material change)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models import AnnualIndicator, AuditEvent, Flag
from models.enums import FlagKind, RunTrigger, Stage
from tests.factories import make_actors, make_firm
from workflows import flags
from workflows.checks.runs import run_inline

TODAY = date(2026, 12, 1)  # figures of 2025 are the last completed year's


@pytest.fixture
def actors(session):
    return make_actors(session)


def check(session, now, today=TODAY):
    return run_inline(session, "upgrade_candidates", today=today, actor=None, now=now, trigger=RunTrigger.CLI)


def live(session, firm):
    return session.scalars(select(Flag).where(Flag.firm_id == firm.id, Flag.is_open.is_(True))).all()


def figures(session, firm, **values):
    row = session.scalar(select(AnnualIndicator).where(AnnualIndicator.firm_id == firm.id))
    for k, v in values.items():
        setattr(row, k, Decimal(str(v)) if k != "employees" else v)
    session.flush()


@pytest.mark.parametrize(("revenue", "kind"), [
    ("1599.99", None),  # 79.99 % of the 规上工业 line of 2,000万元
    ("1600", FlagKind.NEAR_SCALE),  # exactly 80 %
    ("1999.99", FlagKind.NEAR_SCALE),
    ("2000", FlagKind.SCALE_READY),  # 达标
])
def test_small_to_scale_at_its_thresholds(session, now, revenue, kind):
    firm = make_firm(session, Stage.ENTERPRISE, industry="C39", revenue=revenue)
    check(session, now)
    assert [f.kind for f in live(session, firm)] == ([kind] if kind else [])


def test_the_retail_line_is_the_retail_sectors(session, now):
    firm = make_firm(session, Stage.ENTERPRISE, industry="F52", revenue="400")  # 限上零售业 500万元: 80 %
    check(session, now)
    (flag,) = live(session, firm)
    assert flag.kind == FlagKind.NEAR_SCALE
    assert flag.reasons == [{"rule": "scale.revenue", "value": 400, "threshold": 500, "year": 2025}]
    assert flag.period == "2025" and flag.district_code == firm.district_code


def test_individual_business_over_the_revenue_or_staff_line(session, now):
    by_revenue = make_firm(session, Stage.INDIVIDUAL, revenue="500")
    figures(session, by_revenue, employees=3)
    by_staff = make_firm(session, Stage.INDIVIDUAL, revenue="100")
    figures(session, by_staff, employees=10)
    below = make_firm(session, Stage.INDIVIDUAL, revenue="499.99")
    figures(session, below, employees=9)
    check(session, now)
    assert [f.reasons[0]["rule"] for f in live(session, by_revenue)] == ["ind_to_ent.revenue"]
    assert [f.reasons[0]["rule"] for f in live(session, by_staff)] == ["ind_to_ent.employees"]
    assert live(session, below) == []


def test_listing_reserve_needs_revenue_and_profit(session, now):
    both = make_firm(session, Stage.JOINT_STOCK, revenue="10000")
    figures(session, both, profit=1000)
    no_profit = make_firm(session, Stage.JOINT_STOCK, revenue="20000")
    figures(session, no_profit, profit=999)
    check(session, now)
    (flag,) = live(session, both)
    assert flag.kind == FlagKind.LISTING_RESERVE
    assert [r["rule"] for r in flag.reasons] == ["listing.profit", "listing.revenue"]
    assert live(session, no_profit) == []


def test_an_open_case_of_the_rung_means_no_flag(session, now, actors):
    from workflows.ladder import open_case

    firm = make_firm(session, Stage.ENTERPRISE, revenue="2500")
    open_case(session, firm, "small_to_scale", actor=actors["city"], now=now)
    check(session, now)
    assert live(session, firm) == []


def test_a_rerun_changes_nothing_and_a_lapsed_condition_resolves(session, now):
    firm = make_firm(session, Stage.ENTERPRISE, revenue="1700")
    first = check(session, now)
    events = session.scalar(select(func.count()).select_from(AuditEvent))
    (flag,) = live(session, firm)
    second = check(session, now + timedelta(days=1))
    assert second.counts["opened"] == 0 and second.counts["resolved"] == 0
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert live(session, firm)[0].id == flag.id and first.counts["opened"] >= 1
    figures(session, firm, revenue=1000)
    third = check(session, now + timedelta(days=2))
    assert third.counts["resolved"] == 1 and live(session, firm) == []
    session.refresh(flag)
    assert flag.state == "resolved"
    trail = session.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "flag",
                                                            AuditEvent.subject_id == flag.id)
                            .order_by(AuditEvent.id)).all()
    assert trail == ["raise", "resolve"]


def test_dismissal_holds_for_its_period_unless_the_figures_move(session, now, actors):
    firm = make_firm(session, Stage.ENTERPRISE, revenue="1700")
    check(session, now)
    (flag,) = live(session, firm)
    flags.dismiss(session, flag, actor=actors["xihu"], now=now, reason="企业已说明为一次性收入",
                  expected_version=flag.version)
    figures(session, firm, revenue=1800)  # +5.9 %: not material (policy 10 %)
    check(session, now + timedelta(days=1))
    session.refresh(flag)
    assert flag.state == "dismissed"
    figures(session, firm, revenue=1950)  # +14.7 % on the figure it was dismissed on
    run = check(session, now + timedelta(days=2))
    session.refresh(flag)
    assert flag.state == "open" and run.counts["reopened"] == 1
    assert flag.reasons[0]["value"] == 1950


def test_firms_without_figures_are_skipped_and_counted(session, now):
    make_firm(session, Stage.ENTERPRISE, revenue=None)
    run = check(session, now)
    assert run.counts["skipped"] == {"近两年无年度数据": 1}
