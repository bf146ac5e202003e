"""`flask --app wsgi scheduler run` as a real process: it executes a queued import and fires a scheduled
check seconds after it starts, beats while it runs and stops cleanly on SIGTERM; and it refuses to start
on a schedule that names no registered check."""

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, select

from config import TestConfig
from models import CheckRun, ImportRun, User
from models.enums import Role
from pool.scheduler.beacons import FileBeacons, state_dir
from pool.scheduler.cron import TIMEZONE
from tests.factories import PASSWORD
from tests.import_files import FIRM_HEADER, code, firm_row, write_csv
from workflows.importing import file_sha256

ROOT = Path(__file__).resolve().parents[2]
FINISHED = {"succeeded", "partial", "refused", "failed"}


def migrated_sqlite(folder: Path) -> str:
    """A fresh database file built by the real migrations, with one city staff user."""
    from flask_migrate import upgrade

    from models import db
    from pool import create_app
    from workflows.users import create_user

    url = f"sqlite:///{folder / 'scheduler.db'}"

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    with app.app_context():
        upgrade()
        create_user(db.session, "city", PASSWORD, Role.CITY_STAFF, district=None, now=datetime(2026, 11, 30))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return url


def test_the_real_process_runs_a_queued_import_and_a_scheduled_check(tmp_path):
    url = migrated_sqlite(tmp_path)
    engine = create_engine(url)
    csv = write_csv(tmp_path / "firms.csv", FIRM_HEADER, [firm_row(code()), firm_row(code(), "杭州进程测试有限公司")])
    with engine.begin() as conn:
        city = conn.scalar(select(User.id).where(User.username == "city"))
        conn.execute(ImportRun.__table__.insert().values(
            kind="firms", filename="firms.csv", sha256=file_sha256(csv), stored_path=str(csv), actor_id=city,
            actor_name="city", options={"partial": False, "dry_run": False, "unit": "wan"}, status="queued",
            created_at=datetime(2026, 11, 30), rows_total=0, rows_done=0, inserted=0, updated=0, unchanged=0,
            rejected=0))
    fire = datetime.now(TIMEZONE) + timedelta(seconds=4)  # today's near-future moment, daily
    env = {**os.environ, "DATABASE_URL": url, "APP_CONFIG": "default", "IMPORT_UPLOAD_DIR": str(tmp_path / "up"),
           "SCHEDULER_CRON": f"upgrade_candidates={fire.second} {fire.minute} {fire.hour} * * *",
           "SCHEDULER_TICK_SECONDS": "0.5", "SCHEDULER_BEAT_SECONDS": "0.5"}
    log = tmp_path / "scheduler.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run"], cwd=ROOT,
                                   env=env, stdout=out, stderr=subprocess.STDOUT)
    beacons = FileBeacons(state_dir(engine.url))
    try:
        deadline = time.monotonic() + 60
        outcome = None
        while time.monotonic() < deadline and process.poll() is None:
            with engine.connect() as conn:
                imported = conn.execute(select(ImportRun.status, ImportRun.inserted)).one()
                checked = conn.execute(select(CheckRun.status, CheckRun.trigger)).all()
            if imported.status in FINISHED and checked and checked[0].status in FINISHED:
                outcome = (tuple(imported), [tuple(row) for row in checked])
                break
            time.sleep(0.3)
        assert outcome == (("succeeded", 2), [("succeeded", "schedule")]), log.read_text(encoding="utf-8")
        (first,) = beacons.beats()
        time.sleep(1.2)
        (second,) = beacons.beats()
        assert first.leader and second.beat_at > first.beat_at  # it beats (its clock, not this test's)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0, log.read_text(encoding="utf-8")
    assert beacons.beats() == []  # a clean stop takes its heartbeat with it
    assert "scheduler stopped" in log.read_text(encoding="utf-8")
    engine.dispose()


def test_a_schedule_for_an_unregistered_check_stops_the_start(ctx, monkeypatch):
    monkeypatch.setitem(ctx.config, "SCHEDULER_CRON", {"upgrade_candidates": "0 2 * * *", "no_such_check": "0 3 * * *"})
    result = ctx.test_cli_runner().invoke(args=["scheduler", "run"])
    assert result.exit_code == 1
    assert "后台服务未启动：定时计划中的检查未注册：no_such_check（已注册的检查：" in result.output
    assert "upgrade_candidates" in result.output.split("已注册的检查：", 1)[1]
