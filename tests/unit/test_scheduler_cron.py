"""The cron schedule from policy data: Hangzhou time, crontab's weekdays, grace by period, a schedule for an
unregistered check refused at start, and the fire a down process missed."""

from datetime import datetime, timedelta

import pytest

from pool.scheduler.cron import (
    TIMEZONE,
    ScheduleError,
    configured,
    cron_jobs,
    grace_for,
    missed_fire,
    trigger_for,
)
from workflows.checks.registry import CHECKS
from workflows.checks.settings import checks_policy

MONDAY_NOON = datetime(2026, 11, 30, 12, 0, tzinfo=TIMEZONE)  # a Monday, in Hangzhou


def next_fire(line: str, after: datetime = MONDAY_NOON) -> datetime:
    return trigger_for(line).get_next_fire_time(None, after)


def test_lines_fire_in_hangzhou_time():
    fire = next_fire("0 2 * * *")
    assert fire == datetime(2026, 12, 1, 2, 0, tzinfo=TIMEZONE)
    assert fire.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(("weekday", "day"), [("0", 6), ("7", 6), ("1", 7), ("6", 5), ("1-5", 1), ("5-6", 4), ("0-2", 1),
                                              ("sun", 6)])
def test_weekdays_count_as_crontab_does(weekday, day):
    """crontab: 0 and 7 are Sunday (APScheduler 3 alone would read 0 as Monday)."""
    assert next_fire(f"0 3 * * {weekday}").day == day


def test_a_leading_seconds_field_and_bad_lines():
    assert next_fire("30 5 12 * * *") == datetime(2026, 11, 30, 12, 5, 30, tzinfo=TIMEZONE)
    for line in ("0 2 * *", "61 2 * * *", "0 2 * * mon-funday"):
        with pytest.raises(ScheduleError, match=line.split()[0] if line == "61 2 * * *" else "定时"):
            trigger_for(line)


def test_grace_is_long_for_daily_and_longer_for_monthly_and_yearly_lines():
    assert grace_for("0 2 * * *") == 6 * 3600
    assert grace_for("0 4 1 * *") == 3 * 86400
    assert grace_for("0 0 10 1 *") == 7 * 86400
    assert grace_for("0 3 * * 1") == 86400
    assert grace_for("*/15 * * * *") == 1800


def test_every_policy_schedule_must_name_a_registered_check():
    jobs = cron_jobs({"upgrade_candidates": "0 2 * * *"}, CHECKS)
    assert [(job.name, job.job_id, job.grace) for job in jobs] == [("upgrade_candidates", "check:upgrade_candidates",
                                                                     6 * 3600)]
    with pytest.raises(ScheduleError) as refused:
        cron_jobs({"upgrade_candidates": "0 2 * * *", "no_such_check": "0 3 * * *"}, CHECKS)
    assert str(refused.value) == f"定时计划中的检查未注册：no_such_check（已注册的检查：{'、'.join(sorted(CHECKS))}）"
    assert cron_jobs({}, CHECKS) == []  # a registered check without a schedule is not fired


def test_the_override_replaces_the_policys_schedules():
    policy = checks_policy().schedules
    assert configured({}, policy) == policy
    assert configured({"SCHEDULER_CRON": "upgrade_candidates = 5 4 3 * * * ; "}, policy) == \
        {"upgrade_candidates": "5 4 3 * * *"}
    with pytest.raises(ScheduleError, match="SCHEDULER_CRON"):
        configured({"SCHEDULER_CRON": "upgrade_candidates"}, policy)


def test_a_fire_missed_within_its_grace_is_found():
    (job,) = cron_jobs({"upgrade_candidates": "0 2 * * *"}, CHECKS)
    at = datetime(2026, 12, 1, 7, 30, tzinfo=TIMEZONE)
    assert missed_fire(job, at) == datetime(2026, 12, 1, 2, 0, tzinfo=TIMEZONE)
    assert missed_fire(job, at + timedelta(hours=1)) is None  # 8:30: past the six hours of grace
    assert missed_fire(job, datetime(2026, 12, 1, 1, 59, tzinfo=TIMEZONE)) is None  # yesterday's is too old
