"""The cron schedule: which checks fire when, from policy data, in Hangzhou time.

`[checks.schedules]` in workflows/data/policy.toml maps a check's name to a crontab line (minute hour day
month weekday). Every name must be a check of `workflows.checks.registry`: a schedule for a check that
does not exist stops the process at start with the names of both lists, rather than waiting until 02:00 to
fail. A registered check without a schedule is simply not fired (it can still be run by hand).

`SCHEDULER_CRON` (config or environment: `name=line; name=line`) replaces the policy's schedules, for a
trial or a test. Its lines may carry a leading seconds field (six fields), so a test can fire a check
seconds from now.

Weekdays follow crontab (0 and 7 are Sunday): APScheduler 3 counts 0 as Monday, so numbers are turned
into names before they reach it.

Misfire grace: a fire that comes late (the process was busy or suspended) still runs within its grace:
30 minutes for sub-daily lines, 6 hours for daily, a day for weekly, 3 days for monthly, 7 for yearly. The
job store is in memory, so a fire missed while no process ran is caught up by `missed_fire` when a process
becomes the leader: the latest fire within the grace that left no scheduled run is run once, at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

TIMEZONE = ZoneInfo("Asia/Shanghai")
MINUTE, HOUR, DAY = 60, 3600, 86400
WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
MAX_STEPS = 10_000  # fire times walked through when looking back over a grace period


class ScheduleError(Exception):
    """The schedule cannot be run: the process refuses to start, saying why."""


@dataclass(frozen=True)
class CronJob:
    name: str
    line: str
    trigger: CronTrigger
    grace: int  # seconds

    @property
    def job_id(self) -> str:
        return f"check:{self.name}"


def configured(config: Mapping, policy_schedules: Mapping[str, str]) -> dict[str, str]:
    override = config.get("SCHEDULER_CRON")
    if not override:
        return dict(policy_schedules)
    if isinstance(override, Mapping):
        return dict(override)
    pairs = [part.split("=", 1) for part in str(override).split(";") if part.strip()]
    if any(len(pair) != 2 for pair in pairs):
        raise ScheduleError(f"SCHEDULER_CRON 应为“检查名=crontab; 检查名=crontab”：{override}")
    return {name.strip(): line.strip() for name, line in pairs}


def cron_jobs(schedules: Mapping[str, str], registry: Mapping) -> list[CronJob]:
    unknown = sorted(set(schedules) - set(registry))
    if unknown:
        raise ScheduleError(f"定时计划中的检查未注册：{'、'.join(unknown)}"
                            f"（已注册的检查：{'、'.join(sorted(registry)) or '无'}）")
    return [CronJob(name, line, trigger_for(line), grace_for(line)) for name, line in sorted(schedules.items())]


def trigger_for(line: str) -> CronTrigger:
    fields = line.split()
    if len(fields) == 5:
        fields = ["0", *fields]
    if len(fields) != 6:
        raise ScheduleError(f"定时“{line}”应为五段 crontab（分 时 日 月 周），如“0 2 * * *”")
    second, minute, hour, day, month, weekday = fields
    try:
        return CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month,
                           day_of_week=crontab_weekdays(weekday), timezone=TIMEZONE)
    except ValueError as exc:
        raise ScheduleError(f"定时“{line}”无效：{exc}") from None


def crontab_weekdays(field: str) -> str:
    """crontab's weekday numbers (0 or 7 Sunday) as names, ranges spelled out (0-2: sun,mon,tue, which
    APScheduler's Monday-first ranges could not say); a step after `*` is left as it is."""
    def spell(match: re.Match) -> str:
        low, high, step = int(match[1]), int(match[2]), int(match[3] or 1)
        return ",".join(WEEKDAYS[day % 7] for day in range(low, high + 1, step))

    field = re.sub(r"(\d+)-(\d+)(?:/(\d+))?", spell, field)
    return re.sub(r"(?<![/\d])\d+", lambda m: WEEKDAYS[int(m.group()) % 7], field)


def grace_for(line: str) -> int:
    minute, hour, day, month, weekday = line.split()[-5:]
    if month != "*":
        return 7 * DAY
    if day != "*":
        return 3 * DAY
    if weekday != "*":
        return DAY
    if hour != "*" and not hour.startswith("*/"):
        return 6 * HOUR
    return 30 * MINUTE


def missed_fire(job: CronJob, now: datetime) -> datetime | None:
    """The latest fire time within the job's grace before `now` (aware), or None."""
    moment = job.trigger.get_next_fire_time(None, now - timedelta(seconds=job.grace))
    last = None
    for _ in range(MAX_STEPS):
        if moment is None or moment > now:
            break
        last = moment
        moment = job.trigger.get_next_fire_time(moment, moment + timedelta(microseconds=1))
    return last
