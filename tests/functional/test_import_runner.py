"""Import runs outside the request: the thread path, a crash, live progress, restart recovery, a run its
actor may no longer do."""

import socket

import pytest

from models import ImportRun
from tests.factories import XIHU, uscc
from tests.functional.imports import csv_file, firm_count, firm_line, run_of, upload
from tests.functional.pages import login, page

pytestmark = pytest.mark.committed_db  # runs in threads and app contexts of their own, a second connection


def test_the_thread_path(client, session, users, uploads, app, monkeypatch):
    from pool.imports import runner

    monkeypatch.setitem(app.config, "RUN_QUEUED_INLINE", False)
    login(client, "city")
    response = upload(client, csv_file(firm_line(), firm_line(name="杭州线程有限公司")))
    run_id = int(response.headers["Location"].rsplit("/", 1)[1])
    html = page(client, response.headers["Location"])
    assert "正在后台导入" in html
    runner.wait_for(runner.run_key(run_id), timeout=120)
    state = client.get(f"/imports/{run_id}/status").get_json()
    assert state["status"] == "succeeded" and state["inserted"] == 2, state
    assert firm_count(session) == 2


def test_a_crash_leaves_nothing_and_the_run_failed(client, session, users, uploads, monkeypatch):
    from workflows.firms import create_firm

    def crash(session, run, path, *, actor, now, today, progress=None):
        create_firm(session, {"uscc": uscc(), "name": "半途写入有限公司", "legal_form": "有限责任公司",
                              "district": XIHU, "industry": "I65"}, actor=actor, now=now)
        session.flush()
        raise RuntimeError("disk full")

    monkeypatch.setattr("workflows.importing.run.execute_import", crash)
    login(client, "city")
    run = run_of(session, upload(client, csv_file(firm_line())))
    assert run.status == "failed" and "RuntimeError" in run.error and "未写入任何数据" in run.error
    assert run.finished_at is not None and firm_count(session) == 0
    assert "失败（未写入）" in page(client, f"/imports/{run.id}")


def test_running_run_reports_progress(client, session, users, uploads, app):
    from pool.imports import runner

    login(client, "city")
    run = ImportRun(kind="firms", filename="大文件.csv", sha256="0" * 64, actor_id=users["city"].id,
                    actor_name="city", status="running", options={"runner": runner.runner_token()})
    session.add(run)
    session.flush()
    runner.reserve(runner.run_key(run.id))  # as if this process were running it
    session.commit()
    try:
        runner.write_progress(runner.progress_path(app, runner.run_key(run.id)), rows_done=25_000,
                              rows_total=100_000, phase="check", fraction=0.4)
        state = client.get(f"/imports/{run.id}/status").get_json()
        assert state["status"] == "running" and state["finished"] is False
        assert state["rows_done"] == 25_000 and state["rows_total"] == 100_000 and state["percent"] == 40
        assert state["phase"] == "逐行检查"
        html = page(client, f"/imports/{run.id}")
        assert 'id="refresh"' in html and "progress.js" in html and 'data-finished="false"' in html
    finally:
        runner.release(runner.run_key(run.id))


def test_restart_recovery_marks_orphaned_runs_failed(ctx, client, session, users, uploads):
    """A run whose worker is gone wrote nothing (its transaction never committed): it is marked failed when
    the imports pages are opened, or by `flask imports recover` (`--all`: also runs this machine cannot check)."""
    from pool.imports import runner

    host = socket.gethostname()
    tokens = {
        "no runner": None,
        "dead process": f"{host}|999999999|1",
        "this process, no thread": runner.runner_token(),
        "another host": "elsewhere|1|1",
        "live": runner.runner_token(),
    }
    runs = {}
    for label, token in tokens.items():
        run = ImportRun(kind="firms", filename=f"{label}.csv", sha256="0" * 64, actor_id=users["city"].id,
                        actor_name="city", status="queued" if label == "no runner" else "running",
                        options={"runner": token} if token else {})
        session.add(run)
        session.flush()
        runs[label] = run.id
    session.commit()

    def statuses():
        session.expire_all()
        return {label: session.get(ImportRun, i) for label, i in runs.items()}

    login(client, "city")
    with_reservation = runner.run_key(runs["live"])
    page(client, "/imports/")  # opening the page recovers; "live" has no thread yet either
    now = statuses()
    for label in ("dead process", "this process, no thread", "live"):
        assert now[label].status == "failed", label
        assert now[label].error == "服务重启，导入中断，未写入任何数据"
    assert now["another host"].status == "running"
    assert now["no runner"].status == "queued"  # as `flask import` records its runs: left to --all

    now["live"].status, now["live"].error = "running", None
    session.commit()
    runner.reserve(with_reservation)  # now this process runs it
    try:
        result = ctx.test_cli_runner().invoke(args=["imports", "recover", "--all"])
        assert result.exit_code == 0, result.output
        assert f"已将 2 个中断的导入标记为失败：#{runs['no runner']}, #{runs['another host']}" in result.output
        assert statuses()["another host"].status == "failed" and statuses()["live"].status == "running"
        assert "没有中断的导入" in ctx.test_cli_runner().invoke(args=["imports", "recover"]).output
    finally:
        runner.release(with_reservation)


def test_a_run_its_actor_may_no_longer_do_fails_with_the_reason(app, session, users, uploads, tmp_path):
    from pool.imports import runner

    path = tmp_path / "f.csv"
    path.write_bytes(csv_file(firm_line()))
    runs = {}
    for name in ("leader", "admin"):
        run = ImportRun(kind="firms", filename="f.csv", sha256="0" * 64, stored_path=str(path),
                        actor_id=users[name].id, actor_name=name, status="queued",
                        options={"partial": False, "dry_run": False, "unit": "wan"})
        session.add(run)
        session.flush()
        runs[name] = run.id
    users["admin"].active = False
    session.commit()
    for run_id in runs.values():
        runner.execute(app, run_id)
    session.expire_all()
    leader, admin = (session.get(ImportRun, runs[n]) for n in ("leader", "admin"))
    assert leader.status == "failed" and leader.error == "只有市局工作人员和区县工作人员可以导入数据，未写入任何数据"
    assert admin.status == "failed" and admin.error == "导入人账号不存在或已停用，未写入任何数据"
    assert firm_count(session) == 0


def test_recovery_does_not_wait_for_an_import_in_progress(client, session, users, uploads):
    """An import running in another process (the command line) holds its run's row (PostgreSQL) or the
    database's write lock (SQLite) until it commits: opening the page neither waits for it nor fails its run."""
    import time

    from sqlalchemy import text

    from models import db

    run = ImportRun(kind="firms", filename="cli.csv", sha256="0" * 64, actor_id=users["city"].id, actor_name="city",
                    status="queued", options={"runner": f"{socket.gethostname()}|999999999|1"})
    session.add(run)
    session.commit()
    other = db.engine.connect()
    transaction = other.begin()
    other.execute(text("UPDATE import_runs SET status = 'running' WHERE id = :id"), {"id": run.id})
    try:
        login(client, "city")
        started = time.monotonic()
        page(client, "/imports/")
        assert time.monotonic() - started < 5
    finally:
        transaction.rollback()
        other.close()
    session.expire_all()
    assert session.get(ImportRun, run.id).status == "queued"
