"""The checks pages (city staff): every registered check with its schedule and last run, the run log, a
"立即运行" form that QUEUES a run for the scheduler process, and one run's page.

The web never runs a check itself: a run asked for here is a `CheckRun` row in state 排队中 that the
scheduler process (`flask scheduler run`) claims. Whether that process is alive is its own module's to say;
the run pages include `_scheduler_notice.html` where that notice goes ("后台服务未运行，任务已排队").
"""

from flask import current_app, flash, redirect, render_template, request, url_for

from models import db
from models.enums import RunStatus, RunTrigger
from pool import clock
from pool.auth.views import requires
from pool.inbox import display
from pool.inbox.forms import RunCheckForm
from pool.inbox.views import actor, bp
from pool.uow import unit_of_work
from workflows.checks.registry import CHECKS
from workflows.checks.runs import get_run, last_runs, parse_today, queue_run
from workflows.checks.settings import checks_policy
from workflows.errors import NotFound, ValidationFailed
from workflows.inbox.queries import run_log
from workflows.queries import parse_paging


def _overview(form: RunCheckForm, status: int = 200, message: str = ""):
    check = (request.args.get("check") or "").strip() or None
    if check not in CHECKS:
        check = None
    try:
        page_no, per_page = parse_paging(request.args, default=current_app.config["PER_PAGE_DEFAULT"],
                                         maximum=current_app.config["PER_PAGE_MAX"])
    except ValidationFailed:
        page_no, per_page = 1, current_app.config["PER_PAGE_DEFAULT"]
    schedules = checks_policy().schedules
    last = last_runs(db.session)
    checks = [{"check": c, "cron": schedules.get(c.name), "schedule": display.schedule_words(schedules.get(c.name)),
               "last": last.get(c.name)} for c in CHECKS.values()]
    return render_template(
        "inbox/checks.html", checks=checks, form=form, log=run_log(db.session, check, page_no, per_page),
        check_filter=check, query={"check": check} if check else {}, message=message,
    ), status


@bp.get("/checks/")
@requires("checks.run")
def checks():
    return _overview(RunCheckForm.build(today=clock.today(), check=request.args.get("check")))


@bp.post("/checks/runs")
@requires("checks.run")
def queue():
    """Queue a run for the scheduler process and show its page (post/redirect/get)."""
    form = RunCheckForm.build(request.form, today=clock.today())
    try:
        day = parse_today(form.today.data, default=clock.today())
        with unit_of_work():
            run = queue_run(db.session, form.check.data or "", today=day, actor=actor(), now=clock.now(),
                            trigger=RunTrigger.USER)
    except NotFound as exc:
        form.check.errors = [exc.message]
        return _overview(form, 400, "请选择要运行的检查。")
    except ValidationFailed as exc:
        form.apply(exc)
        return _overview(form, 400, "检查日期有误，请按提示修改。")
    flash(f"已排队：{run_id_words(run)}。后台服务会按顺序运行，完成后本页显示结果。", "success")
    return redirect(url_for(".check_run", run_id=run.id))


def run_id_words(run) -> str:
    return f"{display.check_label(run.check)}（检查日期 {run.today.isoformat()}，运行 #{run.id}）"


@bp.get("/checks/runs/<int:run_id>")
@requires("checks.run")
def check_run(run_id: int):
    run = get_run(db.session, run_id)
    check = CHECKS.get(run.check)
    return render_template("inbox/run.html", run=run, check=check, counts=display.count_rows(run.counts),
                           waiting=run.status in (RunStatus.QUEUED, RunStatus.RUNNING))
