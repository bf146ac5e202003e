"""Dashboard latency: the page and each API route, p50/p95 over N requests, beside the raw SQL of its main count.

Runnable alone against a database the demo seed filled (`flask demo seed --firms 1000000`):

    python -m bench.dashboard --url sqlite:///instance/bench.db --requests 50
    python -m bench.dashboard --url postgresql+psycopg://postgres@127.0.0.1/bench_dash --requests 50

It logs in as the demo leader through the in-process test client (no network), so the figures are the app's
own time: parameters, queries, rendering. The raw SQL column times the query a hand-written report would run
for the same numbers (the per-district, per-rung counts; the plan's new-firm count), and the ratio is app/raw.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from sqlalchemy import create_engine, text

ROUTES = ("/dashboard", "/api/v1/dashboard/scorecard", "/api/v1/dashboard/funnel", "/api/v1/dashboard/pools",
          "/api/v1/dashboard/trends", "/api/v1/plans")
RAW = {
    "/dashboard": "SELECT district_code, stage, count(*) FROM firms WHERE status = 'active' GROUP BY 1, 2",
    "/api/v1/dashboard/scorecard": "SELECT district_code, count(*) FROM firms WHERE registered_on BETWEEN "
                                   "'2021-01-01' AND '2023-12-31' AND legal_form <> '个体工商户' "
                                   "AND size_class IN ('small', 'micro', 'unknown') GROUP BY 1",
    "/api/v1/dashboard/funnel": "SELECT district_code, stage, count(*) FROM firms WHERE status = 'active' GROUP BY 1, 2",
    "/api/v1/dashboard/pools": "SELECT pool_id, state, count(*) FROM pool_memberships GROUP BY 1, 2",
    "/api/v1/dashboard/trends": "SELECT taken_on, value FROM metric_snapshots WHERE metric = 'pool.county' "
                                "AND district_code = '' ORDER BY taken_on",
    "/api/v1/plans": "SELECT * FROM plan_metrics",
}


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.url
    from models import db
    from pool import create_app
    from workflows.users import issue_token

    app = create_app()
    app.config["WTF_CSRF_ENABLED"] = False  # the bench logs in with a plain POST
    with app.app_context():
        from sqlalchemy import select

        from models import User

        leader = db.session.scalar(select(User).where(User.username == "leader"))
        token = issue_token(db.session, leader, now=leader.created_at)
        db.session.commit()
    client = app.test_client()
    engine = create_engine(args.url)
    print(f"{'route':34}{'p50 ms':>9}{'p95 ms':>9}{'raw p95':>9}{'ratio':>7}")
    for route in ROUTES:
        headers = {"Authorization": f"Bearer {token}"}
        if route == "/dashboard":
            client.post("/login", data={"username": "leader", "password": "demo12345"})
            headers = {}
        app_times, raw_times = [], []
        for _ in range(args.requests):
            start = time.perf_counter()
            response = client.get(route, headers=headers)
            app_times.append(1000 * (time.perf_counter() - start))
            assert response.status_code == 200, (route, response.status_code)
            with engine.connect() as conn:
                start = time.perf_counter()
                conn.execute(text(RAW[route])).all()
                raw_times.append(1000 * (time.perf_counter() - start))
        p50, p95 = percentiles(app_times)
        raw = percentiles(raw_times)[1]
        print(f"{route:34}{p50:9.1f}{p95:9.1f}{raw:9.1f}{p95 / raw if raw else 0:7.1f}")


if __name__ == "__main__":
    main()
