"""The nightly store (`plan_figures`): the plan's rates, and every count on the past days the scorecard shows,
read with the moment they were computed; the same numbers as computing them on the spot, which is what happens
before the first run, under a filter, and for today's counts always."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models import AnnualIndicator, Plan, StoredFigure
from models.enums import SizeClass, Stage
from tests.factories import SHANGCHENG, XIHU, make_firm, run_check
from workflows.plans.scorecard import build_scorecard
from workflows.plans.window import Scope

TODAY = date(2026, 11, 30)
RATES = ("tech_rd_intensity", "tech_rd_staff_share")


@pytest.fixture
def labelled(session):
    """科技型 small firms with 2023 and 2025 figures in two districts, one labelled only in 2024."""
    for district, labelled_on, rd in ((XIHU, date(2022, 3, 1), "30"), (XIHU, date(2024, 6, 1), "10"),
                                      (SHANGCHENG, None, "50")):
        firm = make_firm(session, district=district, revenue=None, size_class=SizeClass.SMALL, tech_sme=True,
                         tech_sme_on=labelled_on, industry="I65")
        for year, revenue in ((2023, "1000"), (2025, "2000")):
            session.add(AnnualIndicator(firm=firm, year=year, revenue=Decimal(revenue), rd_expense=Decimal(rd),
                                        employees=20, rd_staff=4))
    session.flush()


def rates(session, today=TODAY, scope=None):
    plan = session.scalar(select(Plan))
    card = build_scorecard(session, plan, today, scope)
    return {row.metric.key: row for row in card.rows if row.metric.key in RATES}


def test_before_the_first_run_the_rates_are_computed_on_the_spot(session, labelled):
    row = rates(session)["tech_rd_intensity"]
    # At the plan's end (2023 figures): the two firms labelled by then, 80 / 2000; today (2025): all three.
    assert (row.city.value.value, row.city.value.count) == (Decimal("4.00"), 2)
    assert (row.city.today.value, row.city.today.count) == (Decimal("1.50"), 3)
    assert row.districts[XIHU].today.value == Decimal("1.00") and row.city.value.computed_at is None


def test_the_nightly_run_stores_them_and_the_scorecard_says_when(session, labelled, now):
    live = {key: (r.city.value, r.city.today, r.districts[XIHU].today) for key, r in rates(session).items()}
    run = run_check(session, "plan_figures", now, TODAY)
    assert run.counts["stored"] == session.scalar(select(func.count()).select_from(StoredFigure)) > 0
    stored = rates(session)
    for key, (value, today, xihu) in live.items():
        row = stored[key]
        assert (row.city.value.value, row.city.today.value, row.districts[XIHU].today.value) == \
            (value.value, today.value, xihu.value)
        assert row.city.value.computed_at == row.city.today.computed_at == now
        assert (row.city.value.computed_for, row.city.today.computed_for) == (date(2023, 12, 31), TODAY)


def test_a_stored_figure_keeps_its_moment_until_the_next_run(session, labelled, now):
    run_check(session, "plan_figures", now, TODAY)
    firm = make_firm(session, revenue=None, size_class=SizeClass.MICRO, tech_sme=True, tech_sme_on=date(2026, 1, 1))
    session.add(AnnualIndicator(firm=firm, year=2025, revenue=Decimal("1000"), rd_expense=Decimal("100"), employees=5))
    session.flush()
    tomorrow = TODAY + timedelta(days=1)
    row = rates(session, tomorrow)["tech_rd_intensity"]  # before tomorrow's run: yesterday's, saying so
    assert (row.city.today.value, row.city.today.computed_for) == (Decimal("1.50"), TODAY)
    run_check(session, "plan_figures", now + timedelta(days=1), tomorrow)
    row = rates(session, tomorrow)["tech_rd_intensity"]
    assert (row.city.today.value, row.city.today.count) == (Decimal("2.71"), 4)  # 190 / 7000
    assert row.city.today.computed_at == now + timedelta(days=1)


def test_a_filtered_view_computes_them_on_the_spot(session, labelled, now):
    run_check(session, "plan_figures", now, TODAY)
    row = rates(session, scope=Scope(industry="I"))["tech_rd_intensity"]
    assert row.city.today.computed_at is None and row.city.today.value == Decimal("1.50")
    assert rates(session, scope=Scope(industry="C"))["tech_rd_intensity"].city.today.value is None


def test_old_days_are_dropped_but_the_plans_end_is_kept(session, labelled, now):
    for day in range(10):
        run_check(session, "plan_figures", now + timedelta(days=day), TODAY + timedelta(days=day))
    days = set(session.scalars(select(StoredFigure.as_of).distinct()))
    assert date(2023, 12, 31) in days and min(d for d in days if d.year == 2026) >= TODAY + timedelta(days=2)
    assert isinstance(session.scalar(select(StoredFigure.computed_at)), datetime)


def counts(session, today=TODAY, keys=("new_small_firms", "joint_stock_held")):
    plan = session.scalar(select(Plan))
    return {row.metric.key: row for row in build_scorecard(session, plan, today).rows if row.metric.key in keys}


@pytest.fixture
def registered(session):
    """Small firms registered in 2022 and 2025, and a 股份有限公司 registered in 2022, in two districts."""
    for district, on in ((XIHU, date(2022, 5, 1)), (XIHU, date(2025, 5, 1)), (SHANGCHENG, date(2022, 8, 1))):
        make_firm(session, district=district, registered_on=on, size_class=SizeClass.SMALL, revenue=None)
    make_firm(session, Stage.JOINT_STOCK, district=XIHU, registered_on=date(2022, 2, 1), revenue=None)
    session.flush()


def test_past_days_counts_are_stored_and_todays_stay_live(session, registered, now):
    """The plan's end and its year ends are read from the store, saying when they were computed; today's counts
    are live: a firm registered after the run shows at once."""
    live = counts(session)
    run_check(session, "plan_figures", now, TODAY)
    stored = counts(session)
    small, held = stored["new_small_firms"], stored["joint_stock_held"]
    # By 2023-12-31: the two small firms of 2022 and the 股份有限公司 (not an individual business, not sized).
    assert (small.city.value.value, small.districts[XIHU].value.value) == \
        (live["new_small_firms"].city.value.value, live["new_small_firms"].districts[XIHU].value.value) == \
        (Decimal(3), Decimal(2))
    assert small.city.value.computed_at == now and small.city.value.computed_for == date(2023, 12, 31)
    assert [(year, v.value, v.computed_at) for year, v in held.years] == \
        [(2021, 0, now), (2022, 1, now), (2023, 1, now)]
    make_firm(session, district=XIHU, registered_on=date(2026, 11, 1), size_class=SizeClass.MICRO, revenue=None)
    later = counts(session)["new_small_firms"]
    assert (later.city.today.value, later.city.today.computed_at) == (Decimal(5), None)
    assert later.city.value.value == Decimal(3)  # the plan's end: unchanged, and still from the store


def test_stored_year_ends_survive_the_weekly_cleanup(session, registered, now):
    for day in range(10):
        run_check(session, "plan_figures", now + timedelta(days=day), TODAY + timedelta(days=day))
    days = set(session.scalars(select(StoredFigure.as_of).where(StoredFigure.metric == "joint_stock_held")))
    assert days == {date(2021, 12, 31), date(2022, 12, 31), date(2023, 12, 31)}
