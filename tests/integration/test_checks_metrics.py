"""`metrics_snapshot`: the day's counts per district and for the city, a rerun replacing that day only."""

from datetime import date

import pytest
from sqlalchemy import func, select

from models import MetricSnapshot
from models.enums import FirmStatus, SizeClass, Stage
from tests.factories import (
    SHANGCHENG,
    XIHU,
    eligible_firm,
    make_firm,
    make_staff,
    membership_in,
    new_case,
    run_check,
)
from workflows.checks.metrics import METRIC_LABELS, METRICS

TODAY = date(2026, 12, 1)
DISTRICTS = 13


@pytest.fixture
def actors(session):
    return make_staff(session)


def snapshot(session, now, today=TODAY):
    return run_check(session, "metrics_snapshot", now, today)


def value(session, metric, district="", day=TODAY):
    return session.scalar(select(MetricSnapshot.value).filter_by(taken_on=day, metric=metric, district_code=district))


def rows(session, day=TODAY):
    """The snapshot's own rows (the plan's counts stored beside them are `plan.*`, tested with the dashboard)."""
    return session.scalar(select(func.count()).select_from(MetricSnapshot).filter_by(taken_on=day)
                          .where(MetricSnapshot.metric.in_([m.name for m in METRICS])))


def test_the_metrics_have_one_home_with_labels():
    names = [m.name for m in METRICS]
    assert len(names) == len(set(names)) == 21  # 5 stages, 4 case kinds, 2 pool levels, 10 flag kinds
    assert METRIC_LABELS["pool.county"] == "县级培育库在库企业" and METRIC_LABELS["cases.small_to_scale"] == "小升规在办案件"


def test_counts_per_district_and_for_the_city(session, now, actors):
    make_firm(session, Stage.ENTERPRISE, district=XIHU)
    make_firm(session, Stage.ENTERPRISE, district=SHANGCHENG)
    make_firm(session, Stage.INDIVIDUAL, district=XIHU)
    make_firm(session, Stage.ENTERPRISE, district=XIHU, status=FirmStatus.DEREGISTERED)  # not counted
    new_case(session, actors, now, "small_to_scale")  # an enterprise of 西湖区 with an open case
    member = membership_in(session, actors, now, "admitted", firm=eligible_firm(session))
    member.firm.size_class = SizeClass.MEDIUM  # outgrew the pool: a graduation flag in 西湖区
    run_check(session, "pool_hygiene", now, TODAY)
    run = snapshot(session, now)
    assert run.counts["stored"] == rows(session) == 21 * (DISTRICTS + 1)
    assert run.counts["flagged"] == 0 and run.counts["examined"] == 5
    assert [value(session, "firms.enterprise", d) for d in (XIHU, SHANGCHENG, "")] == [3, 1, 4]
    assert [value(session, "firms.individual", d) for d in (XIHU, "")] == [1, 1]
    assert [value(session, "cases.small_to_scale", d) for d in (XIHU, "")] == [1, 1]
    assert [value(session, "pool.county", d) for d in (XIHU, SHANGCHENG, "")] == [1, 0, 1]
    assert value(session, "pool.city") == 0
    assert [value(session, "flags.graduation", d) for d in (XIHU, "")] == [1, 1]
    assert value(session, "flags.removal", "330182") == 0  # every district's zero is stored too
    stored = session.scalar(select(MetricSnapshot).filter_by(taken_on=TODAY, metric="pool.county", district_code=""))
    assert stored.check_run_id == run.id and member.state == "admitted"


def test_a_rerun_for_the_same_day_replaces_that_day_only(session, now):
    make_firm(session, Stage.ENTERPRISE, district=XIHU)
    snapshot(session, now, date(2026, 11, 1))
    snapshot(session, now)
    make_firm(session, Stage.ENTERPRISE, district=XIHU)
    rerun = snapshot(session, now)
    assert rerun.counts["stored"] == rows(session) == rows(session, date(2026, 11, 1)) == 21 * (DISTRICTS + 1)
    assert value(session, "firms.enterprise", XIHU) == 2
    assert value(session, "firms.enterprise", XIHU, day=date(2026, 11, 1)) == 1
