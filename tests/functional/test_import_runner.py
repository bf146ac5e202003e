"""Import runs outside the request: an upload waits for the scheduler, a crash, live progress, recovery of
runs whose process died (`flask imports recover`), a run its actor may no longer do."""

import pytest

from models import ImportRun
from tests.factories import XIHU, uscc
from tests.functional.imports import csv_file, firm_count, firm_line, run_of, upload
from tests.functional.pages import login, page
from tests.queued_runs import DEAD, fresh, lapsed


@pytest.mark.committed_db  # the scheduler's worker executes it on a connection of its own
def test_an_upload_is_queued_until_the_scheduler_runs_it(client, session, users, uploads, app, monkeypatch,
                                                          scheduler):
    monkeypatch.setitem(app.config, "RUN_QUEUED_INLINE", False)
    login(client, "city")
    response = upload(client, csv_file(firm_line(), firm_line(name="杭州排队有限公司")))
    run_id = int(response.headers["Location"].rsplit("/", 1)[1])
    html = page(client, response.headers["Location"])
    assert "已排队由后台导入" in html and "排队中" in html
    assert "后台服务未运行，任务已排队" in html  # no scheduler process beats
    assert "后台服务未运行，任务已排队" in page(client, "/imports/")
    assert firm_count(session) == 0

    service = scheduler()
    service.beat()
    assert "后台服务未运行" not in page(client, "/imports/")
    service.tick()
    service.workers.shutdown(wait=True)
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
                    actor_name="city", status="running", options={"runner": DEAD})
    session.add(run)
    session.commit()
    runner.write_progress(runner.progress_path(app, run.id), rows_done=25_000, rows_total=100_000, phase="check",
                          fraction=0.4)
    state = client.get(f"/imports/{run.id}/status").get_json()
    assert state["status"] == "running" and state["finished"] is False
    assert state["rows_done"] == 25_000 and state["rows_total"] == 100_000 and state["percent"] == 40
    assert state["phase"] == "逐行检查"
    html = page(client, f"/imports/{run.id}")
    assert 'id="refresh"' in html and "progress.js" in html and 'data-finished="false"' in html


def test_recover_fails_the_runs_whose_lease_lapsed(ctx, client, session, users, beacons, now):
    """A run whose process died wrote nothing (its transaction never committed): the scheduler fails it at
    its next tick; `flask imports recover` does the same when no scheduler runs. Pages only read."""
    runs = {}
    for label, status in (("no lease", "running"), ("lapsed", "running"), ("renewed", "running"),
                          ("queued", "queued")):
        run = ImportRun(kind="firms", filename=f"{label}.csv", sha256="0" * 64, actor_id=users["city"].id,
                        actor_name="city", status=status)
        session.add(run)
        session.flush()
        runs[label] = run.id
    session.commit()
    beacons.hold(lapsed("import", runs["lapsed"], now))
    beacons.hold(fresh("import", runs["renewed"], now))

    def statuses():
        session.expire_all()
        return {label: session.get(ImportRun, i).status for label, i in runs.items()}

    login(client, "city")
    page(client, "/imports/")
    assert statuses() == {"no lease": "running", "lapsed": "running", "renewed": "running", "queued": "queued"}
    result = ctx.test_cli_runner().invoke(args=["imports", "recover", "--all"])
    assert result.exit_code == 0, result.output
    assert f"已将 2 个中断的导入标记为失败：#{runs['no lease']}, #{runs['lapsed']}" in result.output
    assert statuses() == {"no lease": "failed", "lapsed": "failed", "renewed": "running", "queued": "queued"}
    assert session.get(ImportRun, runs["lapsed"]).error == "后台服务中断，导入未完成，未写入任何数据"
    assert "没有中断的导入" in ctx.test_cli_runner().invoke(args=["imports", "recover"]).output


def test_a_run_its_actor_may_no_longer_do_fails_with_the_reason(app, session, users, uploads, tmp_path):
    from pool.scheduler.claims import run_now

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
        assert run_now(app, "import", run_id)
    assert not run_now(app, "import", runs["leader"])  # settled: nothing to claim any more
    session.expire_all()
    leader, admin = (session.get(ImportRun, runs[n]) for n in ("leader", "admin"))
    assert leader.status == "failed" and leader.error == "只有市局工作人员和区县工作人员可以导入数据，未写入任何数据"
    assert admin.status == "failed" and admin.error == "导入人账号不存在或已停用，未写入任何数据"
    assert firm_count(session) == 0
