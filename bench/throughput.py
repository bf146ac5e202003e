"""State changes per second through the app: pool nominations, admissions and case actions.

A fresh database of N demo firms (`flask demo seed`, `--tp-firms`, 20,000 by default: a state change touches
one firm, one pool row and the audit trail, so its cost does not grow with the register) is built per run,
because the run consumes what it acts on. Then, each through the real routes with API tokens:

- nominations: county officers nominate their district's candidates (`POST /pools/<id>/nominations`);
- admissions, sequential: the city officer's review cycle, `GET /memberships/<id>` then `POST …/admit`
  with the version just read (four eyes: someone else nominated), in-process (Flask's test client) and over
  HTTP against a real gunicorn server;
- admissions, 16 concurrent clients (threads, each with its own HTTP connection) against the same server,
  into pools whose capacity is set a little above what they hold, so that many clients race for the last
  seats; afterwards a query proves that no pool holds more admitted members than its capacity;
- case actions: `GET /cases/<id>` then `POST …/actions/<first action without required fields>`,
  sequential in-process and 16 concurrent over HTTP.

    python -m bench.throughput [--tp-firms 20000] [--backends sqlite,postgresql] [--cycles 400] [--clients 16]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.run import FLASK, ROOT, Backend, add_backend_arguments, backends_from

RESULTS = ROOT / "bench" / "results"
CAPACITY_HEADROOM = 40  # seats left in each raced pool: 16 clients compete for them


class Caller:
    """One client: in-process (a Flask test client) or HTTP (its own keep-alive connection)."""

    def __init__(self, token: str, *, app=None, port: int | None = None):
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.client = app.test_client() if app is not None else None
        self.port = port
        self.conn = None

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        path = "/api/v1" + path
        if self.client is not None:
            response = self.client.open(path, method=method, headers=self.headers,
                                        data=json.dumps(body) if body is not None else None)
            return response.status_code, response.get_json(silent=True) or {}
        for attempt in range(3):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, path, body=json.dumps(body) if body is not None else None,
                                  headers=self.headers)
                response = self.conn.getresponse()
                data = response.read()
                return response.status, json.loads(data) if data else {}
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


# ------------------------------------------------------------------------------------------------ the data


def build(backend: Backend, n: int) -> str:
    label = f"throughput_{n}"
    env = backend.fresh(label)
    started = time.monotonic()
    subprocess.run([*FLASK, "demo", "seed", "--firms", str(n)], cwd=ROOT, env=env, check=True, capture_output=True)
    print(f"  {backend.name:<10} seeded {n:,} demo firms in {time.monotonic() - started:.0f} s", flush=True)
    return env["DATABASE_URL"]


def tokens(app) -> dict[str, str]:
    from models import User, db, utcnow
    from workflows.users import issue_token

    with app.app_context():
        out = {u.username: issue_token(db.session, u, now=utcnow()) for u in db.session.query(User).all()
               if u.role in ("city_staff", "county_officer")}
        db.session.commit()
    return out


def free_members(engine) -> int:
    """The demo admits nearly every eligible firm; the bench needs firms to nominate. Its county members that
    never reached the city pool are marked withdrawn (raw SQL, like bench/checks_data.py: data, not a
    workflow), so the firms can be nominated again through the app."""
    with engine.begin() as conn:
        return conn.execute(text(
            "UPDATE pool_memberships SET state = 'withdrawn', is_active = FALSE WHERE level = 'county' AND is_active"
            " AND firm_id NOT IN (SELECT firm_id FROM pool_memberships WHERE level = 'city')")).rowcount


def candidates(engine, limit: int) -> list[tuple[str, int, str]]:
    """(uscc, county pool id, the district's officer) of eligible firms in no pool yet (the rules' own SQL)."""
    from sqlalchemy import and_, exists, select

    from models import Firm, Pool, PoolMembership
    from workflows.demo.seed import DEMO_USERS
    from workflows.policy import default_policy
    from workflows.rules.eligibility import eligible_clause

    officers = {district: login for login, _role, district, _label in DEMO_USERS if district}
    stmt = (select(Firm.uscc, Pool.id, Firm.district_code)
            .join(Pool, and_(Pool.district_code == Firm.district_code, Pool.level == "county"))
            .where(eligible_clause(date.today(), default_policy().new_firm_months),
                   ~exists().where(PoolMembership.firm_id == Firm.id, PoolMembership.is_active))
            .order_by(Firm.id).limit(limit))
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return [(uscc, pool, officers[district]) for uscc, pool, district in rows if district in officers]


# ---------------------------------------------------------------------------------------------- measuring


def timed(label: str, backend: str, work: list, step, clients: int = 1) -> dict:
    """Run `step(caller_index, item) -> ok` over the work items with `clients` threads; rate of items done."""
    pending: queue.Queue = queue.Queue()
    for item in work:
        pending.put(item)
    outcomes = {"ok": 0, "refused": 0}
    lock = threading.Lock()

    def worker(index: int) -> None:
        while True:
            try:
                item = pending.get_nowait()
            except queue.Empty:
                return
            ok = step(index, item)
            with lock:
                outcomes["ok" if ok else "refused"] += 1

    started, cpu = time.perf_counter(), time.process_time()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    done = outcomes["ok"] + outcomes["refused"]
    row = {"backend": backend, "what": label, "clients": clients, "items": done, "ok": outcomes["ok"],
           "refused": outcomes["refused"], "seconds": round(seconds, 2), "per_s": round(done / seconds, 1),
           "ms_per_item": round(1000 * seconds / max(done, 1) * clients, 1), "load": round(os.getloadavg()[0], 1),
           # this process's CPU per item: in-process, the app's own cost whatever else runs on the machine
           "cpu_ms_per_item": round(1000 * cpu / max(done, 1), 1)}
    print(f"  {backend:<10} {label:<44} {clients:>3} clients {done:>6} done ({outcomes['refused']} refused)"
          f" {row['per_s']:>8.1f}/s  cpu {row['cpu_ms_per_item']} ms/item  load {row['load']}", flush=True)
    return row


def nominate_step(callers: dict, made: list):
    def step(_index, item) -> bool:
        uscc, pool, officer = item
        status, body = callers[officer].call("POST", f"/pools/{pool}/nominations", {
            "uscc": uscc, "reason": "成长性好（压测）", "cultivation_type": "growth", "batch": "2026-1"})
        if status == 201:
            made.append((body["id"], pool))
        return status == 201
    return step


def admit_step(callers: list):
    """The reviewer's cycle: read the membership (its version), admit it. A full pool answers 409/422."""
    def step(index, item) -> bool:
        membership_id, _pool = item
        status, body = callers[index].call("GET", f"/memberships/{membership_id}")
        if status != 200:
            raise SystemExit(f"GET /memberships/{membership_id} answered {status}: {body}")
        status, body = callers[index].call("POST", f"/memberships/{membership_id}/actions/admit",
                                           {"version": body["version"], "comment": "同意（压测）"})
        if status not in (200, 409, 422):
            raise SystemExit(f"admit {membership_id} answered {status}: {body}")
        return status == 200
    return step


def case_step(callers: list):
    def step(index, case_id) -> bool:
        status, body = callers[index].call("GET", f"/cases/{case_id}")
        actions = [a for a in body.get("actions", []) if not any(f["required"] for f in a["fields"])]
        if status != 200 or not actions:
            return False
        status, body = callers[index].call("POST", f"/cases/{case_id}/actions/{actions[0]['name']}",
                                           {"version": body["version"], "comment": "压测"})
        return status == 200
    return step


def over_capacity(engine) -> list[tuple]:
    """Pools holding more admitted members than their capacity: must be empty."""
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT p.id, p.capacity, COUNT(m.id) FROM pools p JOIN pool_memberships m ON m.pool_id = p.id"
            " AND m.state = 'admitted' WHERE p.capacity IS NOT NULL GROUP BY p.id, p.capacity"
            " HAVING COUNT(m.id) > p.capacity")).all()


def cap_pools(engine, pools: set[int]) -> None:
    """Capacity = admitted now + CAPACITY_HEADROOM in the raced pools: the clients race for the last seats."""
    with engine.begin() as conn:
        for pool in pools:
            conn.execute(text("UPDATE pools SET capacity = :headroom + (SELECT COUNT(*) FROM pool_memberships m"
                              " WHERE m.pool_id = pools.id AND m.state = 'admitted') WHERE id = :id"),
                         {"headroom": CAPACITY_HEADROOM, "id": pool})


def open_cases(engine, limit: int) -> list[int]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text(
            "SELECT id FROM upgrade_cases WHERE is_open ORDER BY id LIMIT :limit"), {"limit": limit})]


# ---------------------------------------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, workers: int) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "APP_CONFIG": "default"}
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    server = subprocess.Popen([gunicorn, "-w", str(workers), "--threads", "4", "-b", f"127.0.0.1:{port}",
                               "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the master binds the port before its workers have loaded the app
        if _warm(port, workers):
            return server, port
        time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


def _warm(port: int, workers: int) -> bool:
    """Every worker answered /healthz: a request the master accepts while a worker still imports the app waits
    seconds for it, and that start-up is no state change's cost."""
    try:
        connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(4 * workers)]
        for conn in connections:  # one connection each, held open: the workers' threads share them out
            conn.request("GET", "/healthz")
        ok = all(conn.getresponse().status == 200 for conn in connections)
        for conn in connections:
            conn.close()
        return ok
    except OSError:
        return False


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


# ------------------------------------------------------------------------------------------------ the run


def bench_backend(backend: Backend, n: int, cycles: int, clients: int, workers: int) -> list[dict]:
    from config import Config
    from pool import create_app
    from pool.serving import ready_to_serve

    url = build(backend, n)
    engine = create_engine(url)

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        WTF_CSRF_ENABLED = False

    app = ready_to_serve(create_app(BenchConfig))  # as wsgi.py serves it
    keys = tokens(app)
    rows, name = [], backend.name
    local = {login: Caller(token, app=app) for login, token in keys.items()}
    free_members(engine)
    work = candidates(engine, 3 * cycles)
    made: list = []
    rows.append(timed("nominations (in-process)", name, work, nominate_step(local, made)))
    sequential, concurrent = made[:cycles], made[cycles:]
    rows.append(timed("admissions: GET + POST admit (in-process)", name, sequential[: cycles // 2],
                      admit_step([local["city"]])))
    cases = open_cases(engine, 2 * cycles)
    half = min(cycles, len(cases) // 2)
    rows.append(timed("case actions: GET + POST (in-process)", name, cases[:half], case_step([local["city"]])))
    server, port = start_server(url, workers)
    try:
        remote = [Caller(keys["city"], port=port) for _ in range(clients)]
        rows.append(timed("admissions: GET + POST admit (HTTP)", name, sequential[cycles // 2:], admit_step(remote)))
        if backend.name == "postgresql":
            cap_pools(engine, {pool for _id, pool in concurrent})
            rows.append(timed("admissions: GET + POST admit (HTTP)", name, concurrent, admit_step(remote), clients))
            rows.append(timed("case actions: GET + POST (HTTP)", name, cases[half:], case_step(remote), clients))
    finally:
        stop_server(server)
    over = over_capacity(engine)
    print(f"  {name:<10} pools over capacity after the run: {len(over)} {over if over else ''}", flush=True)
    for row in rows:
        row["pools_over_capacity"] = len(over)
    engine.dispose()
    return rows


def markdown(rows: list[dict]) -> str:
    lines = ["| database | state change | clients | done | refused (pool full / stale) | per second"
             " | bench process CPU per item | load |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['backend']} | {r['what']} | {r['clients']} | {r['items']:,} | {r['refused']:,} |"
                     f" {r['per_s']:,.1f} | {r['cpu_ms_per_item']} ms | {r['load']} |")
    return "\n".join(lines)


def run(args) -> list[dict]:
    """The `throughput` section of `make bench` (bench.run calls it with its own arguments)."""
    rows = []
    for backend in backends_from(args):
        rows += bench_backend(backend, args.tp_firms, args.cycles, args.clients, args.workers)
    print("\n" + markdown(rows))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{date.today().isoformat()}-throughput.json"
    out.write_text(json.dumps({"firms": args.tp_firms, "rows": rows}, ensure_ascii=False, indent=2), encoding="utf-8")
    return rows


def add_arguments(parser) -> None:
    parser.add_argument("--tp-firms", type=int, default=20_000, help="demo firms in the state-change database")
    parser.add_argument("--cycles", type=int, default=400, help="admissions and case actions per measurement")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (4 threads each)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_backend_arguments(parser)
    add_arguments(parser)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
