"""The scheduler process (`flask --app wsgi scheduler run`): the only place work runs outside a request.

Web requests and API calls only record work — an `ImportRun`, an `ExportJob`, a `CheckRun` — as queued and
commit. One or more scheduler processes claim the queued rows and execute them; exactly one of them (the
holder of the leader lock) also fires the scheduled checks of policy data. Modules:

    service.py  the process: APScheduler jobs (heartbeat, claim tick, cron, sweep), workers, stopping
    cron.py     schedules from policy data (or SCHEDULER_CRON), triggers, misfire grace, catch-up
    claims.py   the kinds of queued run; claim, execute under a lease, fail runs whose lease lapsed; the
                web's `dispatch` (and the tests' inline execution through the same functions)
    checks.py   check runs: executing a claimed one, a scheduled one, the command line's
    beacons.py  heartbeats and leases: rows on PostgreSQL (autocommit connection), files on SQLite
    leader.py   the leader lock: a PostgreSQL advisory lock, or flock on SQLite

Why the heartbeat and the leases are not ordinary rows on SQLite, and what was measured, is in
beacons.py. `scheduler_alive(session, now)` tells a page whether any process beat recently; the partial
`templates/_scheduler_notice.html` shows "后台服务未运行，任务已排队" when none did.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context

from pool.scheduler.beacons import any_alive, beacons_for

DEFAULT_ALIVE_SECONDS = 30


def scheduler_alive(session, now: datetime, within: float | None = None) -> bool:
    """True when some scheduler process wrote its heartbeat within `within` seconds (default
    SCHEDULER_ALIVE_SECONDS, 30: six missed beats)."""
    if within is None:
        configured = current_app.config.get("SCHEDULER_ALIVE_SECONDS") if has_app_context() else None
        within = float(configured or DEFAULT_ALIVE_SECONDS)
    bind = session.get_bind()
    return any_alive(beacons_for(getattr(bind, "engine", bind)), now, within)


def alive_now() -> bool:
    """`scheduler_alive()` in templates: the page's session, the app's clock."""
    from models import db
    from pool import clock

    return scheduler_alive(db.session, clock.now())
