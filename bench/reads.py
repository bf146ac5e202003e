"""Read paths at city scale, side by side with the raw SQL computing the same numbers.

Each path is timed through the app in-process (Flask's test client: the request's routing, auth, queries,
serialising and templates, no sockets) and as hand-written SQL on a plain connection returning the same total
and page; p50 / p95 over `--requests` requests each (200 by default). The database holds N demo firms
(`flask demo seed`), built once per (N, backend) and reused afterwards, brought to the migrations' head first
(so a reused database also measures a new migration's backfill, printed with its time).

    python -m bench.reads [--firms 1000000] [--backends sqlite,postgresql] [--only search,tags,...]

Paths (bench/read_paths.py): search (the `q` of every list, by kind of query), tags, filters (every other
list filter), home (the counts per district and stage), pools (the overview), members (a deep page).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.run import FLASK, ROOT, Backend, backends_from

RESULTS = ROOT / "bench" / "results"
# The yardstick's runs per path: every case at least RAW_MIN times, then until RAW_BUDGET_MS is spent. A
# scan of a million rows (the `before` rows, the home page's GROUP BY) would otherwise take minutes a path
# for a reference figure whose spread is small.
RAW_MIN, RAW_BUDGET_MS = 20, 5_000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _engine(url: str):
    args = {"prepare_threshold": None} if url.startswith("postgresql") else {}
    return create_engine(url, connect_args=args)


def _firm_count(backend: Backend, url: str) -> int:
    if backend.name == "sqlite" and not Path(url.removeprefix("sqlite:///")).exists():
        return 0
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM firms")).scalar()
    except Exception:  # no schema or no table yet: build it
        return 0
    finally:
        engine.dispose()


def ensure_database(backend: Backend, n: int) -> str:
    """The database of n demo firms for this backend: seeded once into the machine's bench cache (keyed by n and
    the demo generator's source, bench/registers.py), migrated to head on every run."""
    from bench.registers import cached, demo_label, drop_stale

    backend, label = cached(backend), demo_label(n)
    url = database_url(backend, n)
    env = {**os.environ, "DATABASE_URL": url, "APP_CONFIG": "default"}
    started = time.monotonic()
    if _firm_count(backend, url) < n:
        print(f"  {backend.name:<10} seeding {n:,} demo firms ...", flush=True)
        drop_stale(backend, n, keep=label)
        backend.fresh(label)
        subprocess.run([*FLASK, "demo", "seed", "--firms", str(n)], cwd=ROOT, env=env, check=True, capture_output=True)
        print(f"  {backend.name:<10} seeded {n:,} in {time.monotonic() - started:.0f} s", flush=True)
    else:
        done = subprocess.run([*FLASK, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
        ran = [line.split("Running upgrade ")[1] for line in done.stderr.splitlines() if "Running upgrade" in line]
        if ran:
            print(f"  {backend.name:<10} migrated {'; '.join(ran)} in {time.monotonic() - started:.0f} s", flush=True)
    if backend.name == "postgresql":  # what autovacuum does after a bulk load: statistics, visibility map
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
        engine.dispose()
    return url


def database_url(backend: Backend, n: int) -> str:
    """Where the demo register of n firms is, once ensure_database (or build_all) made it ready."""
    from bench.registers import cached, demo_label

    return cached(backend).url(demo_label(n))


def build_all(backends: list[Backend], sizes: list[int]) -> None:
    """Every demo register the run will read, prepared before any timing: the backends' builds are not measured,
    so they run side by side (a cold million-firm build is ≈ 17 min on SQLite, 10 on PostgreSQL); a cached
    register costs its migration check and the dashboard's catch-up steps."""
    from concurrent.futures import ThreadPoolExecutor

    from bench.dashboard import prepare

    def build(backend: Backend) -> None:
        for n in sizes:
            prepare(backend, n)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(backends) or 1) as pool:
        for done in [pool.submit(build, b) for b in backends]:
            done.result()
    print(f"  demo registers ready in {time.monotonic() - started:.0f} s", flush=True)


class Timer:
    """Runs one path's requests through the app and its raw SQL, and keeps the timings."""

    def __init__(self, app, url: str, requests: int):
        from workflows.demo.data import DEMO_PASSWORD

        self.app, self.requests = app, requests
        self.raw = _engine(url)
        self.client = app.test_client()
        response = self.client.post("/login", data={"username": "city", "password": DEMO_PASSWORD})
        assert response.status_code == 302, "the demo user `city` could not log in"
        self.api = app.test_client()
        self.token = self._token()

    def _token(self) -> str:
        from models import User, db, utcnow
        from workflows.users import issue_token

        with self.app.app_context():
            user = db.session.query(User).filter_by(username="city").one()
            token = issue_token(db.session, user, now=utcnow())
            db.session.commit()
        return token

    def get(self, path: str, *, api: bool) -> float:
        started = time.perf_counter()
        if api:
            response = self.api.get(path, headers={"Authorization": f"Bearer {self.token}"})
        else:
            response = self.client.get(path)
        seconds = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
        return seconds * 1000

    def sql(self, statements: list[tuple[str, dict]]) -> float:
        with self.raw.connect() as conn:
            started = time.perf_counter()
            for sql, params in statements:
                result = conn.execute(text(sql), params)
                if result.returns_rows:
                    result.all()
            return (time.perf_counter() - started) * 1000

    def measure(self, name: str, cases: list, dialect: str) -> dict:
        """cases: (URL or None for raw SQL alone, api?, raw statements or None), cycled until `requests`
        requests were made (raw-only reference rows: at least 50 runs)."""
        app_ms, raw_ms = [], []
        app = any(path for path, _api, _raw in cases)
        for i in range(max(self.requests if app else 50, len(cases))):
            path, api, raw = cases[i % len(cases)]
            if path:
                app_ms.append(self.get(path, api=api))
            if raw and (len(raw_ms) < max(RAW_MIN, len(cases)) or sum(raw_ms) < RAW_BUDGET_MS):
                raw_ms.append(self.sql(raw))
        row = {"backend": dialect, "path": name, "requests": max(len(app_ms), len(raw_ms))}
        for kind, values in (("app", app_ms), ("raw", raw_ms)):
            row[f"{kind}_p50"] = round(percentile(values, 0.5), 1) if values else None
            row[f"{kind}_p95"] = round(percentile(values, 0.95), 1) if values else None
        shown = " ".join(f"{row[k]:8.1f}" if row[k] is not None else f"{'—':>8}"
                         for k in ("app_p50", "app_p95", "raw_p50", "raw_p95"))
        print(f"  {dialect:<10} {name:<56} {shown}", flush=True)
        return row


def bench_reads(backend: Backend, n: int, only: set[str] | None, requests: int, prepared: bool) -> list[dict]:
    from bench.read_paths import PATHS
    from config import Config
    from pool import create_app
    from pool.serving import ready_to_serve

    url = database_url(backend, n) if prepared else ensure_database(backend, n)

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        WTF_CSRF_ENABLED = False

    app = ready_to_serve(create_app(BenchConfig))  # as wsgi.py serves it
    timer = Timer(app, url, requests)
    print(f"  {'database':<10} {'path':<56} {'app p50':>8} {'app p95':>8} {'raw p50':>8} {'raw p95':>8}  (ms)")
    rows = []
    with timer.raw.connect() as conn:
        for section, make in PATHS.items():
            if only and section not in only:
                continue
            for name, cases in make(conn, backend.name):
                rows.append({"section": section, **timer.measure(name, cases, backend.name)})
    timer.raw.dispose()
    return rows


def markdown(rows: list[dict]) -> str:
    lines = ["| database | path | requests | app p50 | app p95 | raw SQL p50 | raw SQL p95 |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        cells = [f"{r[k]} ms" if r[k] is not None else "—" for k in ("app_p50", "app_p95", "raw_p50", "raw_p95")]
        lines.append(f"| {r['backend']} | {r['path']} | {r['requests']} | {' | '.join(cells)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--work", type=Path, default=ROOT / "instance" / "bench")
    parser.add_argument("--only", default="", help="comma-separated sections: search,tags,filters,home,pools,members")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    run(args, {s for s in args.only.split(",") if s} or None)


def run(args, only: set[str] | None) -> list[dict]:
    """The read sections of `make bench` (bench.run calls it with its own arguments)."""
    args.work.mkdir(parents=True, exist_ok=True)
    prepared = getattr(args, "prepared", False)  # bench.run's build_all made every register ready
    rows = []
    for backend in backends_from(args):
        rows += bench_reads(backend, args.firms, only, args.requests, prepared)
    table = markdown(rows)
    print("\n" + table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    part = "-" + "-".join(sorted(only)) if only else ""
    out = RESULTS / f"{date.today().isoformat()}-reads-{args.firms}{part}.json"
    out.write_text(json.dumps({"firms": args.firms, "rows": rows}, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nwritten to {out.relative_to(ROOT)}")
    return rows


if __name__ == "__main__":
    main()
