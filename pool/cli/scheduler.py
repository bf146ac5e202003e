"""`flask scheduler run`: the background process (pool.scheduler.service), in the foreground of its shell.

Run exactly this under a process supervisor in production (systemd, supervisord), beside gunicorn; `make
demo` runs it beside the web server through honcho (Procfile). Several may run against one PostgreSQL
database (they share the queued runs; one of them fires the cron schedule); against SQLite run one.
"""

import logging

import click
from flask import current_app
from flask.cli import AppGroup

from pool.scheduler.cron import ScheduleError

scheduler_cli = AppGroup("scheduler", help="后台服务：定时检查，以及网页排队的导入、导出、检查")

LOG_FORMAT = "%(asctime)s %(levelname)s [%(threadName)s] %(name)s: %(message)s"


@scheduler_cli.command("run")
def run_cmd():
    """启动后台服务（前台运行，Ctrl+C 或 SIGTERM 停止）。"""
    from pool.scheduler.service import Service

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)  # a line per tick otherwise
    try:
        service = Service(current_app._get_current_object())
    except ScheduleError as exc:
        raise click.ClickException(f"后台服务未启动：{exc}") from None
    service.run()
