"""The `flask` command line: one module per command group, registered by `install_cli`.

Every command is thin: parse its arguments, call one workflow function inside `unit_of_work()` (one
commit, or a rollback when anything fails), print the outcome. A domain error becomes a click error: its
message on stderr and exit code 1 (`pool.cli.common.domain_errors`).

    users    create | token | revoke-token          pool.cli.users
    demo     seed | files                           pool.cli.demo
    pools    list | split-targets                   pool.cli.pools
    import   firms | indicators | status | template pool.cli.imports
    imports  recover                                pool.cli.imports
    export   firms | indicators | members           pool.cli.exports
    scheduler run                                   pool.cli.scheduler
    checks   list | run                             pool.cli.checks
    campaigns list | export                         pool.cli.campaigns
    dashboard backfill                              pool.cli.dashboard
    plans    list | load                            pool.cli.dashboard
    db       backup | restore (beside Flask-Migrate's upgrade …)  pool.cli.backup
"""

from flask import Flask


def install_cli(app: Flask) -> None:
    import pool.cli.backup  # noqa: F401  (adds its commands to Flask-Migrate's `db` group)
    from pool.cli.campaigns import campaigns_cli
    from pool.cli.checks import checks_cli
    from pool.cli.dashboard import dashboard_cli, plans_cli
    from pool.cli.demo import demo_cli
    from pool.cli.exports import export_cli
    from pool.cli.imports import import_cli, imports_cli
    from pool.cli.pools import pools_cli
    from pool.cli.scheduler import scheduler_cli
    from pool.cli.users import users_cli

    for group in (users_cli, demo_cli, pools_cli, export_cli, imports_cli, import_cli, checks_cli,
                  scheduler_cli, dashboard_cli, plans_cli, campaigns_cli):
        app.cli.add_command(group)
