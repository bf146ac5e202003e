"""The checks pages (city staff): each check with its schedule and last run, the run log, "立即运行" queueing a
run for the scheduler process, and a run's page."""

import pytest
from sqlalchemy import select

from models import CheckRun
from tests.functional.pages import login, page


def test_city_staff_see_each_check_its_schedule_and_last_run(client, users, flagged):
    login(client, "city")
    html = page(client, "/checks/")
    assert "升级候选检查" in html and "每天 02:00" in html
    run = flagged["near"].check_run_id
    assert f'href="/checks/runs/{run}"' in html and "已完成" in html
    assert "新提醒 4" in html  # the run log's counts, in words
    assert 'value="2026-11-30"' in html  # the form's date: today in Hangzhou
    assert 'id="nav-checks"' in html and 'aria-current="page" href="/checks/"' in html


def test_run_now_queues_a_run_and_shows_its_page(client, users, session):
    login(client, "city")
    response = client.post("/checks/runs", data={"check": "upgrade_candidates", "today": "2026-11-15"})
    assert response.status_code == 302
    run = session.scalar(select(CheckRun))
    assert response.headers["Location"].endswith(f"/checks/runs/{run.id}")
    assert (run.status, run.trigger, run.today.isoformat(), run.requested_by_name) == \
        ("queued", "user", "2026-11-15", "city")
    html = page(client, f"/checks/runs/{run.id}")
    assert "排队中" in html and "任务已排队，等待后台服务执行" in html and "已排队：升级候选检查" in html
    assert 'http-equiv="refresh"' in html


def test_run_now_refuses_a_bad_date_or_an_unknown_check(client, users, session):
    login(client, "city")
    response = client.post("/checks/runs", data={"check": "upgrade_candidates", "today": "2026-13-01"})
    assert response.status_code == 400 and "日期格式应为YYYY-MM-DD" in response.get_data(as_text=True)
    response = client.post("/checks/runs", data={"check": "nonsense", "today": "2026-11-30"})
    assert response.status_code == 400 and "没有名为“nonsense”的检查" in response.get_data(as_text=True)
    assert session.scalar(select(CheckRun)) is None


def test_a_failed_run_shows_its_error(client, users, session, now):
    from workflows.checks.runs import begin_run, fail_run, queue_run

    run = queue_run(session, "upgrade_candidates", today=now.date(), actor=None, now=now, trigger="cli")
    begin_run(session, run, now=now)
    fail_run(session, run.id, "OperationalError: database is locked", now=now)
    session.commit()
    login(client, "city")
    html = page(client, f"/checks/runs/{run.id}")
    assert "运行失败，未写入任何提醒" in html and "database is locked" in html
    assert "database is locked" in page(client, "/checks/")


def test_only_city_staff_reach_the_checks_pages(client, users):
    for user in ("xihu", "leader", "admin"):
        login(client, user)
        page(client, "/checks/", 403)
        assert client.post("/checks/runs", data={"check": "upgrade_candidates"}).status_code == 403
        assert 'id="nav-checks"' not in page(client, "/")
        client.post("/logout")
    login(client, "city")
    page(client, "/checks/runs/999", 404)


@pytest.mark.committed_db  # the scheduler's worker executes the run on a connection of its own
def test_a_run_asked_for_on_the_page_waits_for_the_scheduler_and_then_flags(client, users, session, scheduler):
    from models import Flag
    from tests.factories import make_firm

    firm = make_firm(session, revenue="1900")
    session.commit()
    login(client, "city")
    response = client.post("/checks/runs", data={"check": "upgrade_candidates", "today": "2026-11-15"})
    location = response.headers["Location"]
    assert "后台服务未运行，任务已排队" in page(client, location)  # no scheduler process beats yet
    service = scheduler()
    service.beat()
    assert "后台服务未运行" not in page(client, location)
    service.tick()
    service.workers.shutdown(wait=True)
    session.expire_all()
    run = session.scalar(select(CheckRun))
    assert run.status == "succeeded" and run.counts["opened"] == 1
    (flag,) = session.scalars(select(Flag).where(Flag.firm_id == firm.id)).all()
    assert flag.kind == "near_scale" and flag.check_run_id == run.id
    assert "已完成" in page(client, location)
