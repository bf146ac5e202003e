"""Growth: the same sections at two register sizes, and how each figure grows between them.

`python -m bench.run --growth` (what `make bench` runs) measures every selected section at
`--growth-from` firms (100,000 by default) and at `--firms` (1,000,000), then prints one table: each figure
at both sizes and its growth. For batch work (imports) the growth is time ÷ rows relative to the smaller
size: 1.0 is linear, above 1 worse than linear. For the read paths it is p50 at the large size ÷ p50 at the
small one: 1.0 is flat (an indexed read), 10 would be a read that scans the register.

The whole report (every section's rows at every size, the growth table, the load average and the machine)
goes to `bench/results/<date>.json`.
"""

from __future__ import annotations

import copy
import json
import os
import platform
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def run(args, collect) -> dict:
    """`collect(args) -> {section: rows}` at each size; returns the report with its growth table."""
    small, large = args.growth_from, args.firms
    by_size = {}
    for n in (small, large):
        print(f"\n=== {n:,} firms ===", flush=True)
        sized = copy.copy(args)
        sized.firms = n
        by_size[n] = collect(sized)
    rows = growth_rows(by_size[small], by_size[large], small, large)
    table = markdown(rows, small, large)
    print("\n" + table)
    return {"sizes": [small, large], "by_size": {str(n): v for n, v in by_size.items()}, "growth": rows,
            "table": table}


def growth_rows(small: dict, large: dict, n_small: int, n_large: int) -> list[dict]:
    rows = []
    imports = {(r["backend"], r["kind"]): r for r in small.get("import", [])}
    for r in large.get("import", []):
        before = imports.get((r["backend"], r["kind"]))
        if before is None:
            continue
        linear = r["rows"] / before["rows"]
        rows.append({"backend": r["backend"], "figure": f"import {r['kind']} (s)", "small": before["import_s"],
                     "large": r["import_s"], "growth": round(r["import_s"] / before["import_s"] / linear, 2),
                     "expected": "linear (1.0)"})
        if r.get("import_cpu_s") and before.get("import_cpu_s"):  # CPU seconds: less at the mercy of the load
            rows.append({"backend": r["backend"], "figure": f"import {r['kind']} (CPU s)",
                         "small": before["import_cpu_s"], "large": r["import_cpu_s"],
                         "growth": round(r["import_cpu_s"] / before["import_cpu_s"] / linear, 2),
                         "expected": "linear (1.0)"})
        if r.get("raw_s") and before.get("raw_s"):
            rows.append({"backend": r["backend"], "figure": f"raw load {r['kind']} (s)",
                         "small": before["raw_s"], "large": r["raw_s"],
                         "growth": round(r["raw_s"] / before["raw_s"] / linear, 2), "expected": "linear (1.0)"})
    for section, key in (("checks", "check"), ("star", "check")):  # a night's batch work: near linear
        before_rows = {(r["backend"], r[key]): r for r in small.get(section, [])}
        for r in large.get(section, []):
            before = before_rows.get((r["backend"], r[key]))
            if before and before.get("run_s") and r.get("run_s"):
                rows.append({"backend": r["backend"], "figure": f"check {r[key]}, first run (s)",
                             "small": before["run_s"], "large": r["run_s"],
                             "growth": round(r["run_s"] / before["run_s"] / (n_large / n_small), 2),
                             "expected": "linear (1.0)"})
    reads = {(r["backend"], r["path"]): r for r in small.get("reads", [])}
    for r in large.get("reads", []):
        before = reads.get((r["backend"], r["path"]))
        if before is None or not r.get("app_p50") or not before.get("app_p50"):
            continue
        rows.append({"backend": r["backend"], "figure": f"{r['path']} (app p50 ms)", "small": before["app_p50"],
                     "large": r["app_p50"], "growth": round(r["app_p50"] / before["app_p50"], 2),
                     "expected": "flat (1.0)"})
    pages = {(r["backend"], r["route"]): r for r in small.get("dashboard", [])}
    for r in large.get("dashboard", []):
        before = pages.get((r["backend"], r["route"]))
        if before and before.get("p50_ms") and r.get("p50_ms"):
            rows.append({"backend": r["backend"], "figure": f"dashboard {r['route']} (app p50 ms)",
                         "small": before["p50_ms"], "large": r["p50_ms"],
                         "growth": round(r["p50_ms"] / before["p50_ms"], 2), "expected": "flat (1.0)"})
    return rows


def markdown(rows: list[dict], n_small: int, n_large: int) -> str:
    lines = [f"| database | figure | {n_small:,} firms | {n_large:,} firms | growth | expected |",
             "|---|---|---:|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {r['backend']} | {r['figure']} | {r['small']} | {r['large']} | {r['growth']}× |"
                     f" {r['expected']} |")
    return "\n".join(lines)


def write_report(report: dict, tables: list[str]) -> Path:
    """The run's one report: `bench/results/<date>.json`, with the machine and its load beside the timings."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{date.today().isoformat()}.json"
    report = {"date": date.today().isoformat(), "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
              "load_average_at_end": [round(x, 2) for x in os.getloadavg()]}, **report, "tables": tables}
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print(f"\nwritten to {out.relative_to(RESULTS.parent.parent)}")
    return out
