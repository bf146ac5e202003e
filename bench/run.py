"""`make bench`: import N firm rows and 3·N indicator rows (CSV) through the real CLI, on SQLite and on
PostgreSQL, each into a fresh schema, and put the same rows in with a raw driver `executemany`
(bench/raw.py) into another fresh schema of the same database. Prints rows/s, peak memory (the child
process's maximum RSS, from wait4) and the ratio import ÷ raw.

    python -m bench.run [--firms 1000000] [--backends sqlite,postgresql] [--pg-url postgresql://...]
                        [--only import,checks,star,search,tags,filters,home,pools,members,dashboard,throughput]
                        [--growth [--growth-from 100000]]

The `checks` section (bench/checks.py) takes the register the import section imported, adds pool members,
cases and their drift (bench/checks_data.py), and times each scheduled check against a hand-written SQL query;
`star` (bench/star.py) does the same for the 成长之星 screening on the import section's raw register.
The read paths (search, tags, ...: bench/reads.py) follow, each against a database of N demo firms,
in-process, side by side with the raw SQL computing the same numbers. The demo registers are built first,
the backends side by side (builds are not timed), or reused from the machine's bench cache.

`throughput` (bench/throughput.py) measures state changes per second through the app on a database of its own;
`--growth` (bench/growth.py, what `make bench` runs) measures the other sections at two sizes and prints how
each figure grows. Every run writes one report, `bench/results/<date>.json`, ending with where the run's time
went (`Spent`). PostgreSQL schemas are named
`<BENCH_SCHEMA_PREFIX><label>` (`bench_` by default).

Each step is its own process, so its peak memory is its own (with its worker processes, summed), and the
times are wall-clock times of the whole command (Python start-up, hashing the file and writing the
report included).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.generate import files_for

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("import", "checks", "star")  # batch work on the generated register
READ_SECTIONS = ("search", "tags", "filters", "home", "pools", "members")  # bench/reads.py
DASHBOARD = "dashboard"  # bench/dashboard.py: the leaders' page and its API on the reads database
STATE_SECTIONS = ("throughput",)  # bench/throughput.py: state changes per second
PYTHON = sys.executable
FLASK = [PYTHON, "-m", "flask", "--app", "wsgi"]


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (the import's worker processes), from /proc."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total / 1024


def _run(command: list[str], env: dict) -> tuple[float, float, str]:
    """(seconds, peak memory in MB, stdout) of one command. The peak is the largest sum of resident memory
    over the process and its children, sampled every 0.1 s, or the process's own maximum RSS (wait4),
    whichever is larger: the import's peak includes its worker processes."""
    started = time.monotonic()
    peak = [0.0]
    with open(os.devnull, "w") as sink:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=sink, text=True)
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.1):
                peak[0] = max(peak[0], _tree_rss_mb(child.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        out = child.stdout.read()
        done.set()
        sampler.join()
        _pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    _run.cpu = usage.ru_utime + usage.ru_stime  # CPU seconds (with the waited-for workers): less load-dependent
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {child.returncode}:\n{out}")
    return seconds, max(peak[0], usage.ru_maxrss / 1024), out


class Backend:
    def __init__(self, name: str, work: Path, pg_url: str | None, prefix: str | None = None):
        self.name, self.work, self.pg_url = name, work, pg_url
        # PostgreSQL schemas are <prefix><label>: BENCH_SCHEMA_PREFIX keeps two benches in one database apart
        self.prefix = prefix or os.environ.get("BENCH_SCHEMA_PREFIX") or "bench_"

    def url(self, label: str) -> str:
        if self.name == "sqlite":
            return f"sqlite:///{self.work / f'{label}.db'}"
        base = self.pg_url.replace("postgresql://", "postgresql+psycopg://", 1)
        return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{self.prefix}{label}"

    def fresh(self, label: str) -> dict:
        """A new empty database built by the migrations, with one city_staff user `bench`."""
        if self.name == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.work / label}.db{suffix}").unlink(missing_ok=True)
        else:
            from sqlalchemy import create_engine, text

            admin = create_engine(self.pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {self.prefix}{label} CASCADE"))
                conn.execute(text(f"CREATE SCHEMA {self.prefix}{label}"))
            admin.dispose()
        env = {**os.environ, "DATABASE_URL": self.url(label), "APP_CONFIG": "default"}
        subprocess.run([*FLASK, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        subprocess.run([*FLASK, "users", "create", "bench", "--role", "city_staff", "--password-stdin"], cwd=ROOT,
                       env=env, check=True, capture_output=True, input="hz-peiyu-perf-2026\n", text=True)
        return env


def add_backend_arguments(parser) -> None:
    """The options every bench module shares: which databases, where SQLite files go."""
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--work", type=Path, default=ROOT / "instance" / "bench")


def backends_from(args) -> list[Backend]:
    out = []
    for name in args.backends.split(","):
        if name == "postgresql" and not args.pg_url:
            print("  postgresql skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL (postgresql://user@host/db)")
            continue
        out.append(Backend(name, args.work, args.pg_url))
    return out


def bench_backend(backend: Backend, firms: Path, indicators: Path, n: int, reimport: bool) -> list[dict]:
    results = []
    env = backend.fresh("import")
    steps = [("firms", firms, n), ("indicators", indicators, 3 * n)] + ([("firms (re-import)", firms, n)] if reimport else [])
    imported, cpu = {}, {}
    for label, path, rows in steps:
        kind = label.split()[0]
        report = backend.work / f"report-{backend.name}-{kind}.xlsx"
        seconds, rss, out = _run([*FLASK, "import", kind, str(path), "--as", "bench", "--report", str(report)], env)
        imported[label] = (seconds, rss, rows, out.strip().splitlines()[0] if out.strip() else "")
        cpu[label] = _run.cpu
        print(f"  {backend.name:<10} import {label:<18} {rows:>10,} rows {seconds:8.1f} s {rows / seconds:>10,.0f} rows/s"
              f" {rss:7.0f} MB  {imported[label][3]}", flush=True)
    raw_env = backend.fresh("raw")
    for label, path, rows in steps[:2]:
        seconds, rss, _out = _run([PYTHON, "-m", "bench.raw", label, str(path), raw_env["DATABASE_URL"]], raw_env)
        import_seconds, import_rss, _rows, _line = imported[label]
        ratio = seconds / import_seconds
        print(f"  {backend.name:<10} raw    {label:<18} {rows:>10,} rows {seconds:8.1f} s {rows / seconds:>10,.0f} rows/s"
              f" {rss:7.0f} MB  ratio import/raw {ratio:.2f}", flush=True)
        results.append({"backend": backend.name, "kind": label, "rows": rows, "import_s": round(import_seconds, 1),
                        "import_rows_s": round(rows / import_seconds), "import_peak_mb": round(import_rss),
                        "raw_s": round(seconds, 1), "raw_rows_s": round(rows / seconds), "raw_peak_mb": round(rss),
                        "ratio": round(ratio, 2), "load": round(os.getloadavg()[0], 1),
                        "import_cpu_s": round(cpu[label], 1), "raw_cpu_s": round(_run.cpu, 1),
                        "cpu_ratio": round(_run.cpu / cpu[label], 2)})
    if reimport:
        seconds, rss, rows, _line = imported["firms (re-import)"]
        results.append({"backend": backend.name, "kind": "firms (re-import, all unchanged)", "rows": rows,
                        "import_s": round(seconds, 1), "import_rows_s": round(rows / seconds),
                        "import_peak_mb": round(rss), "raw_s": None, "raw_rows_s": None, "raw_peak_mb": None,
                        "ratio": None, "load": round(os.getloadavg()[0], 1)})
    return results


def register_for(backend: Backend, label: str, firms: Path, indicators: Path, reuse: str | None) -> dict:
    """The register a section adds its own rows to: `reuse`, one the import section made this run and no longer
    needs (a copy would cost as much as a load on PostgreSQL: 130 s at 1,000,000 firms, the indexes), else the
    generated rows loaded raw into a fresh schema here."""
    if reuse:
        return {**os.environ, "DATABASE_URL": backend.url(reuse), "APP_CONFIG": "default"}
    env = backend.fresh(label)
    for kind, path in (("firms", firms), ("indicators", indicators)):
        seconds, _rss, _out = _run([PYTHON, "-m", "bench.raw", kind, str(path), env["DATABASE_URL"]], env)
        print(f"  {backend.name:<10} load   {kind:<18} (raw load) {seconds:8.1f} s", flush=True)
    return env


def bench_checks(backend: Backend, firms: Path, indicators: Path, reuse: str | None) -> list[dict]:
    """The register, the bench's members and cases added, then each check against its raw SQL (bench/checks.py,
    in a process of its own)."""
    url = register_for(backend, "checks", firms, indicators, reuse)["DATABASE_URL"]
    out = backend.work / f"checks-{backend.name}.json"
    subprocess.run([PYTHON, "-m", "bench.checks", url, "--seed", "--json", str(out)], cwd=ROOT, check=True,
                   env={**os.environ, "DATABASE_URL": url, "APP_CONFIG": "default"})
    return json.loads(out.read_text(encoding="utf-8"))


def bench_star(backend: Backend, firms: Path, indicators: Path, reuse: str | None) -> list[dict]:
    """The 成长之星 screening (bench/star.py) on a register of its own, in a process of its own."""
    url = register_for(backend, "star", firms, indicators, reuse)["DATABASE_URL"]
    out = backend.work / f"star-{backend.name}.json"
    subprocess.run([PYTHON, "-m", "bench.star", "--url", url, "--seed", "--json", str(out)], cwd=ROOT, check=True,
                   env={**os.environ, "DATABASE_URL": url, "APP_CONFIG": "default"})
    return json.loads(out.read_text(encoding="utf-8"))


def markdown_checks(results: list[dict]) -> str:
    lines = ["| database | check | hits | raw SQL | check's selection | ratio | first run | ratio | rerun | ratio |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        hits = ", ".join(f"{k} {v:,}" for k, v in sorted(r["hits"].items()))
        lines.append(f"| {r['backend']} | {r['check']} | {hits} | {r['raw_s']} s | {r['select_s']} s |"
                     f" {r['select_ratio']:.1f}× | {r['run_s']} s | {r['ratio']:.1f}× | {r['rerun_s']} s |"
                     f" {r['rerun_ratio']:.1f}× |")
    return "\n".join(lines)


def markdown(results: list[dict]) -> str:
    lines = ["| database | file | rows | import | import rows/s | import peak RSS | raw load (SQLite executemany, PostgreSQL COPY) | raw rows/s | ratio"
             " | load |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        raw = f"{r['raw_s']} s" if r["raw_s"] is not None else "—"
        raw_rate = f"{r['raw_rows_s']:,}" if r["raw_rows_s"] is not None else "—"
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "—"
        lines.append(f"| {r['backend']} | {r['kind']} | {r['rows']:,} | {r['import_s']} s | {r['import_rows_s']:,} |"
                     f" {r['import_peak_mb']} MB | {raw} | {raw_rate} | {ratio} | {r.get('load', '—')} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--work", type=Path, default=ROOT / "instance" / "bench")
    parser.add_argument("--no-reimport", action="store_true", help="skip re-importing the firm file (all unchanged)")
    parser.add_argument("--only", default="", help="comma-separated sections: "
                        + ",".join((*SECTIONS, *READ_SECTIONS, DASHBOARD, *STATE_SECTIONS)) + "; all by default")
    parser.add_argument("--requests", type=int, default=200, help="requests per read path")
    parser.add_argument("--growth", action="store_true", help="the batch and read sections at --growth-from firms"
                        " and at --firms, with how each figure grows (bench/growth.py)")
    parser.add_argument("--growth-from", type=int, default=100_000)
    from bench.throughput import add_arguments as throughput_arguments

    throughput_arguments(parser)
    args = parser.parse_args()
    only = {s for s in args.only.split(",") if s}
    known = {*SECTIONS, *READ_SECTIONS, DASHBOARD, *STATE_SECTIONS}
    if only - known:
        parser.error(f"unknown sections: {', '.join(sorted(only - known))}")
    sections = only or known
    args.work.mkdir(parents=True, exist_ok=True)

    spent = Spent()

    def collect(sized) -> dict:
        """Every selected section but the state changes (which do not depend on the register's size)."""
        report = {}
        if sections & set(SECTIONS):
            with spent(sized.firms, "import, checks, star"):
                report.update(bench_batches(sized, sections))
        if sections & set(READ_SECTIONS):
            from bench.reads import run as bench_reads

            with spent(sized.firms, "read paths"):
                report["reads"] = bench_reads(sized, (sections & set(READ_SECTIONS)) if only else None)
        if DASHBOARD in sections:
            from bench.dashboard import run as bench_dashboard

            with spent(sized.firms, "dashboard"):
                report["dashboard"] = bench_dashboard(sized)
        return report

    from bench import growth

    if sections & {*READ_SECTIONS, DASHBOARD}:
        from bench.reads import build_all

        with spent(None, "demo registers (built or reused)"):
            build_all(backends_from(args), [args.growth_from, args.firms] if args.growth else [args.firms])
        args.prepared = True
    report = growth.run(args, collect) if args.growth else {"firms": args.firms, **collect(args)}
    if "throughput" in sections:
        from bench.throughput import markdown as throughput_table
        from bench.throughput import run as bench_throughput

        with spent(None, "state changes"):
            report["throughput"] = bench_throughput(args)
        report.setdefault("tables", []).append(throughput_table(report["throughput"]))
    report["spent"] = spent.rows
    tables = ([report["table"]] if "table" in report else []) + report.pop("tables", []) + [spent.markdown()]
    print("\n" + spent.markdown())
    growth.write_report(report, tables)


class Spent:
    """Where the run's wall time went, section by section: the bench's own profile."""

    def __init__(self):
        self.rows, self.started = [], time.monotonic()

    @contextlib.contextmanager
    def __call__(self, firms: int | None, what: str):
        started = time.monotonic()
        yield
        self.rows.append({"firms": firms, "what": what, "seconds": round(time.monotonic() - started)})

    def markdown(self) -> str:
        lines = ["| firms | part of `make bench` | minutes |", "|---|---|---:|"]
        for r in self.rows:
            size = f"{r['firms']:,}" if r["firms"] else "—"
            lines.append(f"| {size} | {r['what']} | {r['seconds'] / 60:.1f} |")
        lines.append(f"| | whole run | {(time.monotonic() - self.started) / 60:.1f} |")
        return "\n".join(lines)


def bench_batches(args, sections: set[str]) -> dict:
    """The batch work on one generated register: imports, then the scheduled checks."""
    from bench.registers import CACHE

    print(f"generating {args.firms:,} firm rows and {3 * args.firms:,} indicator rows (cached in {CACHE}) ...", flush=True)
    firms, indicators = files_for(args.firms, CACHE / "data")
    backends = backends_from(args)
    report = {}
    if "import" in sections:
        results = [r for b in backends for r in bench_backend(b, firms, indicators, args.firms, not args.no_reimport)]
        _write(args.work, "results", results, markdown(results))
        report["import"] = results
    # The import section's two registers, done with: the imported one for the checks (the app's own 划型 and
    # import runs, as a bureau's register is), the raw one for the 成长之星 screening. Else each loads its own.
    imported = "import" in sections
    if "checks" in sections:
        results = [r for b in backends for r in bench_checks(b, firms, indicators, "import" if imported else None)]
        _write(args.work, "results-checks", results, markdown_checks(results))
        report["checks"] = results
    if "star" in sections:
        from bench.star import markdown as star_table

        results = [r for b in backends for r in bench_star(b, firms, indicators, "raw" if imported else None)]
        _write(args.work, "results-star", results, star_table(results))
        report["star"] = results
    shutil.rmtree(args.work / "reports", ignore_errors=True)
    return report


def _write(work: Path, stem: str, results: list[dict], table: str) -> None:
    print("\n" + table)
    (work / f"{stem}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    (work / f"{stem}.md").write_text(table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
