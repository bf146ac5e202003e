"""Dashboard latency: the page and each API route, p50/p95 over N requests, beside the raw SQL that computes
the same numbers.

    python -m bench.dashboard DATABASE_URL [--requests 200] [--raw-repeats 10] [--json PATH]

The database holds a demo register (`flask demo seed --firms N`), its months backfilled and the nightly
`plan_figures` run done (`bench.run --only dashboard` prepares one). Requests go through the in-process test
client (no network), logged in as the demo leader (the page) or with the leader's token (the API), so the
times are the app's own: parameters, queries, rendering. Two more rows show what the defaults do not: a county
officer's page (their district beside the city) and a page filtered by industry, which the kept aggregates do
not key on (its counts come from the records themselves).

The raw SQL column times, through the bare driver, the statements a hand-written report would run for the
numbers the route returns, over the base tables: each plan metric's defining query (workflows.plans.registry)
grouped per district for every day the scorecard shows, the firms per district and stage, the cases and stays
the funnel counts, the memberships and flags the pools panel counts, the snapshots of a trend. The ratio is
app p95 ÷ raw p95: below 1 where the app reads kept aggregates and stored figures instead.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from datetime import date
from pathlib import Path

ROUTES = (
    ("page", "/dashboard", "leader"),
    ("scorecard", "/api/v1/dashboard/scorecard", "leader"),
    ("funnel", "/api/v1/dashboard/funnel", "leader"),
    ("pools", "/api/v1/dashboard/pools", "leader"),
    ("trends", "/api/v1/dashboard/trends", "leader"),
    ("plans", "/api/v1/plans", "leader"),
    ("page (county officer)", "/dashboard", "xihu"),
    ("page (industry C)", "/dashboard?industry=C", "leader"),
)
SLOW = {"page (industry C)"}  # counted from the records themselves (seconds a request at 1,000,000 firms)
SLOW_REQUESTS = 10
PAGE_PANELS = ("scorecard", "funnel", "pools", "trends")


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)]


def raw_statements(session, today: date) -> dict[str, list[str]]:
    """SQL text per panel, computing its numbers straight from the base tables (literal values inlined)."""
    from sqlalchemy import func, select

    from models import Flag, MetricSnapshot, Plan, PlanMetric, PlanTarget, PoolMembership
    from workflows.plans.dashboard import DEFAULT_TREND
    from workflows.plans.funnel import default_period
    from workflows.plans.plans import choose_plan
    from workflows.plans.pools_panel import month_of
    from workflows.plans.registry import COMPUTED
    from workflows.plans.window import Scope, Window, day_end

    dialect = session.get_bind().dialect

    def sql(stmt) -> str:
        text = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        return text.replace("%%", "%") if dialect.paramstyle in ("format", "pyformat") else text  # run without params

    plan = choose_plan(session, today).plan
    as_of = min(plan.ends_on, today)
    days = {as_of, today} | {date(y, 12, 31) for y in range(plan.starts_on.year, as_of.year + 1)}
    scorecard = []
    for metric in plan.metrics:
        if metric.kind != "computed":
            continue
        for day in sorted(days if metric.per_year else {as_of, today}):
            c = COMPUTED[metric.key].members(Window(plan.starts_on, day, Scope())).subquery().c
            sums = (func.sum(c.num), func.sum(c.den)) if COMPUTED[metric.key].rate else ()
            scorecard.append(sql(select(c.district_code, func.count(), *sums).group_by(c.district_code)))
    scorecard.append(sql(select(PlanMetric, PlanTarget).join(PlanTarget, isouter=True)
                         .where(PlanMetric.plan_id == plan.id)))
    start, end = default_period(today)
    since, until = day_end(date.fromordinal(start.toordinal() - 1)), day_end(end)
    funnel = [
        "SELECT district_code, stage, count(*) FROM firms WHERE status = 'active' GROUP BY district_code, stage",
        "SELECT f.district_code, c.kind, c.state, count(*) FROM upgrade_cases c JOIN firms f ON f.id = c.firm_id"
        " WHERE c.is_open GROUP BY f.district_code, c.kind, c.state",
        f"SELECT f.district_code, c.kind, c.state, count(*) FROM upgrade_cases c JOIN firms f ON f.id = c.firm_id"
        f" WHERE NOT c.is_open AND c.closed_at >= '{since}' AND c.closed_at < '{until}'"
        f" GROUP BY f.district_code, c.kind, c.state",
        f"SELECT subject_id, to_state, at, left_at FROM (SELECT subject_id, to_state, at, lead(at) OVER"
        f" (PARTITION BY subject_id ORDER BY at, id) AS left_at FROM audit_events WHERE subject_type = 'case'"
        f" AND to_state IS NOT NULL AND (from_state IS NULL OR from_state <> to_state)) AS steps"
        f" WHERE left_at >= '{since}' AND left_at < '{until}'",
        "SELECT kind, state, state_entered_at FROM upgrade_cases WHERE is_open",
    ]
    m = PoolMembership
    month = month_of(session, m.decided_at)
    pools = [
        "SELECT pool_id, state, count(*) FROM pool_memberships GROUP BY pool_id, state",
        sql(select(month, m.state, func.count()).where(m.decided_at >= since, m.decided_at < until)
            .group_by(month, m.state)),
        sql(select(m.level, m.state, m.end_reason, func.count()).where(m.ended_at >= since, m.ended_at < until,
                                                                         m.state.in_(("removed", "graduated")))
            .group_by(m.level, m.state, m.end_reason)),
        sql(select(Flag.district_code, Flag.kind, func.count()).where(Flag.state == "open")
            .group_by(Flag.district_code, Flag.kind)),
    ]
    trends = [sql(select(MetricSnapshot.taken_on, MetricSnapshot.value).where(
        MetricSnapshot.metric == DEFAULT_TREND, MetricSnapshot.district_code == "").order_by(MetricSnapshot.taken_on))]
    plans = [sql(select(Plan)), sql(select(PlanMetric, PlanTarget).join(PlanTarget, isouter=True))]
    return {"scorecard": scorecard, "funnel": funnel, "pools": pools, "trends": trends, "plans": plans}


def time_raw(engine, statements: list[str], repeats: int, budget_ms: float = 30_000) -> list[float]:
    """Milliseconds per run of all the statements, fetched in full, on one driver connection: `repeats` runs,
    fewer (at least 3) once `budget_ms` is spent (the scorecard's raw counts take 6 s a run at 1,000,000 firms)."""
    samples = []
    conn = engine.raw_connection()
    try:
        for _ in range(repeats):
            if len(samples) >= 3 and sum(samples) > budget_ms:
                break
            cursor = conn.cursor()
            started = time.perf_counter()
            for statement in statements:
                cursor.execute(statement)
                cursor.fetchall()
            samples.append(1000 * (time.perf_counter() - started))
            cursor.close()
            conn.rollback()
    finally:
        conn.close()
    return samples


def clients(app) -> tuple[dict, dict]:
    """A logged-in test client per demo user, and the leader's API token."""
    from sqlalchemy import select

    from models import User, db
    from workflows.demo.data import DEMO_PASSWORD
    from workflows.users import issue_token

    out = {}
    for username in ("leader", "xihu"):
        client = app.test_client()
        response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code in (302, 303), (username, response.status_code)
        out[username] = client
    with app.app_context():
        leader = db.session.scalar(select(User).where(User.username == "leader"))
        token = issue_token(db.session, leader, now=leader.created_at)
        db.session.commit()
    return out, {"Authorization": f"Bearer {token}"}


def prepare(backend, n: int) -> str:
    """The reads database of n demo firms (bench.reads), with what a running installation has by the time
    a leader looks: the months before the first snapshot backfilled, today's snapshot and the night's stored
    rates. Each step skips what is there already, so a reused database costs seconds."""
    import subprocess

    from bench.reads import ensure_database
    from bench.run import FLASK, ROOT

    url = ensure_database(backend, n)
    env = {**os.environ, "DATABASE_URL": url, "APP_CONFIG": "default"}
    for step in (["dashboard", "backfill"], ["checks", "run", "metrics_snapshot"], ["checks", "run", "plan_figures"]):
        started = time.monotonic()
        done = subprocess.run([*FLASK, *step], cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"flask {' '.join(step)} failed:\n{done.stdout}{done.stderr}")
        print(f"  {backend.name:<10} flask {' '.join(step):<28} {time.monotonic() - started:6.0f} s"
              f"  {done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ''}", flush=True)
    return url


def run(args) -> list[dict]:
    """The `dashboard` section of `make bench` (bench.run calls it with its own arguments): each backend's
    database prepared, then this module's timings in a process of its own (its app, its memory)."""
    import subprocess

    from bench.reads import RESULTS, database_url
    from bench.run import PYTHON, ROOT, backends_from

    rows = []
    for backend in backends_from(args):
        name = backend.name
        url = database_url(backend, args.firms) if getattr(args, "prepared", False) else prepare(backend, args.firms)
        out = args.work / f"dashboard-{name}.json"
        print(f"  {name}: dashboard, {args.requests} requests per route", flush=True)
        subprocess.run([PYTHON, "-m", "bench.dashboard", url, "--requests", str(args.requests), "--json", str(out)],
                       cwd=ROOT, env={**os.environ, "DATABASE_URL": url, "APP_CONFIG": "default"}, check=True)
        rows += [{"backend": name, **row} for row in json.loads(out.read_text(encoding="utf-8"))]
    table = markdown(rows)
    print("\n" + table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{date.today().isoformat()}-dashboard-{args.firms}.json"
    path.write_text(json.dumps({"firms": args.firms, "rows": rows}, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nwritten to {path.relative_to(ROOT)}")
    return rows


def markdown(rows: list[dict]) -> str:
    lines = ["| database | route | app p50 | app p95 | raw SQL p95 | ratio (app ÷ raw) |", "|---|---|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['backend']} | {r['route']} (`{r['path']}`) | {r['p50_ms']} ms | {r['p95_ms']} ms |"
                     f" {r['raw_p95_ms']} ms | {r['ratio']:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--raw-repeats", type=int, default=10)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--routes", default="", help="comma-separated route names (e.g. 'page'); all by default")
    args = parser.parse_args()
    chosen = {r for r in args.routes.split(",") if r}
    os.environ["DATABASE_URL"] = args.url
    from models import db
    from pool import clock, create_app
    from pool.serving import ready_to_serve

    app = ready_to_serve(create_app())  # as wsgi.py serves it
    app.config["WTF_CSRF_ENABLED"] = False  # the bench logs in with a plain POST
    logged_in, token = clients(app)
    with app.app_context():
        raw = raw_statements(db.session, clock.today())
        engine = db.engine
        raw_ms = {panel: percentiles(time_raw(engine, statements, args.raw_repeats))[1]
                  for panel, statements in raw.items()}
    raw_ms["page"] = raw_ms["page (county officer)"] = raw_ms["page (industry C)"] = \
        sum(raw_ms[panel] for panel in PAGE_PANELS)
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {args.requests} requests per route", flush=True)
    print(f"{'route':34}{'p50 ms':>9}{'p95 ms':>9}{'raw p95':>9}{'ratio':>7}", flush=True)
    results = []
    for name, route, user in ROUTES:
        if chosen and name not in chosen:
            continue
        client = logged_in[user]
        headers = token if route.startswith("/api/") else {}
        samples = []
        for _ in range(3):  # warm: the first request of a route compiles its statements
            client.get(route, headers=headers)
        for _ in range(SLOW_REQUESTS if name in SLOW else args.requests):
            started = time.perf_counter()
            response = client.get(route, headers=headers)
            samples.append(1000 * (time.perf_counter() - started))
            assert response.status_code == 200, (route, response.status_code)
        p50, p95 = percentiles(samples)
        yardstick = raw_ms[name]
        ratio = p95 / yardstick if yardstick else 0
        results.append({"route": name, "path": route, "user": user, "p50_ms": round(p50, 1), "p95_ms": round(p95, 1),
                        "raw_p95_ms": round(yardstick, 1), "ratio": round(ratio, 2),
                        "load": [round(x, 2) for x in os.getloadavg()]})
        print(f"{name:34}{p50:9.1f}{p95:9.1f}{yardstick:9.1f}{ratio:7.2f}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
