"""The 成长之星 screening at city scale: `growth_star_screening` over the bench register against the same
selection written by hand in SQL, on SQLite and PostgreSQL.

The register: the bench's N firms and 3·N figures (bench/generate.py, loaded by bench/raw.py into a fresh
schema built by the migrations), then, in a few set-based statements, what a working bureau has on top:
one eligible enterprise in 12 admitted to its county pool in 2024 (≈ 45,000 at 1,000,000 firms, the plan's
county total) and 2024–2025 figures spread so growth and R&D differ from firm to firm (the generator grows
every firm alike). Screening day: 10 January 2026, as scheduled.

Three timings, as bench/checks.py reports the other checks: the check's selection alone (its `run()` and its
hits grouped per flag, counted: like for like with the raw query), its first run as the scheduler makes it
(`run_inline`: every flag new, raised and audited, one committed transaction) and a rerun (nothing moves).
The raw query is timed twice and the faster counts; the flags of both must agree.

    python -m bench.star [--firms 1000000] [--backends sqlite,postgresql] [--pg-url postgresql://...]
    python -m bench.star --url DATABASE_URL      # a register already loaded (and seeded with --seed)
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 1, 10)
NOW = datetime(2026, 1, 9, 19, 0)  # 03:00 on TODAY in Hangzhou, the schedule's hour
ADMITTED = "2024-06-03 02:00:00"
ELIGIBLE = "f.stage = 'enterprise' AND f.status = 'active' AND NOT f.abnormal AND NOT f.serious_violation"


def seed_statements() -> list[tuple[str, str]]:
    """(what, SQL): the county members, and figures that differ by firm (deterministic by id)."""
    big = "CAST(firm_id AS BIGINT)"  # the spreads multiply past 32 bits on PostgreSQL's integers
    spread = f"(({big} * 7919) % 97)"
    return [
        ("county members", f"""
            INSERT INTO pool_memberships (pool_id, firm_id, level, state, is_active, cultivation_type, batch,
                                          nomination_reason, nominated_at, decided_at, state_entered_at, version)
            SELECT p.id, f.id, 'county', 'admitted', TRUE, 'growth', '2024-1', '成长性好', '{ADMITTED}', '{ADMITTED}',
                   '{ADMITTED}', 1
            FROM firms f JOIN pools p ON p.level = 'county' AND p.district_code = f.district_code
            WHERE {ELIGIBLE} AND f.id % 12 = 0
              AND NOT EXISTS (SELECT 1 FROM pool_memberships x WHERE x.firm_id = f.id)"""),
        ("2025 figures", f"""
            UPDATE annual_indicators SET
                revenue = revenue * (0.7 + {spread} / 100.0),
                tax = tax * (0.5 + (({big} * 104729) % 89) / 60.0),
                employees = employees + (firm_id % 23) - 8 + CASE WHEN employees + (firm_id % 23) - 8 < 1 THEN 9 ELSE 0 END,
                rd_expense = rd_expense * ((firm_id * 31) % 17) / 6.0,
                rd_staff = (firm_id * 13) % 11
            WHERE year = 2025 AND firm_id % 12 = 0"""),
        ("statistics", "ANALYZE"),
    ]


def seed(engine, report) -> None:
    for what, sql in seed_statements():
        started = time.monotonic()
        with engine.begin() as conn:
            rows = conn.execute(text(sql)).rowcount
        report(what, time.monotonic() - started, rows)


def raw_query(dialect: str, limits: dict[str, int], weights: dict) -> str:
    """The screening by hand: the eligible members, each part's PERCENT_RANK across the city, the weighted
    score, the rank within the district, the top of each district counted."""
    cutoff = "2025-01-10 16:00:00"  # 2025-01-11 00:00 in Hangzhou: admitted by 2025-01-10
    false = "FALSE" if dialect == "postgresql" else "0"
    cases = " ".join(f"WHEN '{d}' THEN {n}" for d, n in sorted(limits.items()))

    def growth(now, before):
        return f"CASE WHEN {before} > 0 AND {now} IS NOT NULL THEN ({now} - {before}) * 1.0 / {before} END"

    parts = {"revenue_growth": growth("a1.revenue", "a0.revenue"), "tax_growth": growth("a1.tax", "a0.tax"),
             "employment_growth": growth("a1.employees", "a0.employees"),
             "rd_intensity": "CASE WHEN a1.revenue > 0 AND a1.rd_expense IS NOT NULL THEN a1.rd_expense * 1.0 / a1.revenue END",
             "rd_staff_share": "CASE WHEN a1.employees > 0 AND a1.rd_staff IS NOT NULL THEN a1.rd_staff * 1.0 / a1.employees END"}
    measures = ", ".join(f"{sql} AS {key}" for key, sql in parts.items())
    score = " + ".join(f"PERCENT_RANK() OVER (ORDER BY {key} NULLS FIRST) * {float(weights[key])}" for key in parts)
    return f"""
        WITH base AS (
            SELECT f.id, f.district_code, {measures}
            FROM pool_memberships m JOIN firms f ON f.id = m.firm_id
            JOIN annual_indicators a1 ON a1.firm_id = f.id AND a1.year = 2025
            JOIN annual_indicators a0 ON a0.firm_id = f.id AND a0.year = 2024
            WHERE m.level = 'county' AND m.state = 'admitted' AND m.decided_at < '{cutoff}'
              AND f.status = 'active' AND f.abnormal = {false} AND f.serious_violation = {false}),
        scored AS (SELECT id, district_code, ROUND(CAST({score} AS NUMERIC), 4) AS score FROM base),
        placed AS (SELECT district_code, ROW_NUMBER() OVER (PARTITION BY district_code ORDER BY score DESC, id) AS rn
                   FROM scored)
        SELECT COUNT(*) FROM placed WHERE rn <= CASE district_code {cases} ELSE 0 END"""


def time_raw(engine, sql: str) -> tuple[float, int]:
    best, flagged = float("inf"), 0
    for _ in range(2):
        with engine.connect() as conn:
            started = time.monotonic()
            flagged = conn.execute(text(sql)).scalar()
            best = min(best, time.monotonic() - started)
    return best, flagged


def time_selection(engine) -> float:
    from sqlalchemy import func, select, union_all

    from workflows.checks.registry import CHECKS
    from workflows.policy import default_policy

    best = float("inf")
    for _ in range(2):
        with Session(engine) as session:
            started = time.monotonic()
            result = CHECKS["growth_star_screening"].run(session, TODAY, default_policy())
            hits = union_all(*result.hits).subquery()
            flags = select(hits.c.subject_id).group_by(hits.c.subject_type, hits.c.subject_id, hits.c.kind,
                                                       hits.c.period).subquery()
            session.execute(select(func.count()).select_from(flags)).scalar()
            best = min(best, time.monotonic() - started)
            session.rollback()
    return best


def time_run(engine, now: datetime) -> tuple[float, dict]:
    from models.enums import RunTrigger
    from workflows.checks.runs import run_inline

    with Session(engine) as session:
        started = time.monotonic()
        run = run_inline(session, "growth_star_screening", today=TODAY, actor=None, now=now, trigger=RunTrigger.CLI)
        session.commit()
        return time.monotonic() - started, dict(run.counts)


def bench(url: str, seed_first: bool, report=print) -> dict:
    import workflows.checks  # noqa: F401 - the registry
    from pool.db_events import install_sqlite_pragmas
    from workflows.campaigns.quotas import propose_quotas
    from workflows.campaigns.settings import star_policy
    from workflows.checks.star import limits

    engine = create_engine(url)
    install_sqlite_pragmas(engine)
    dialect = engine.dialect.name
    if seed_first:
        seed(engine, lambda what, s, rows: report(f"    seed {what:<16} {rows:>9,} rows {s:7.1f} s"))
    star = star_policy()
    with Session(engine) as session:
        places = limits(propose_quotas(session, star.default_total), star.candidate_factor)
    raw_s, raw_flags = time_raw(engine, raw_query(dialect, places, star.weights))
    select_s = time_selection(engine)
    run_s, counts = time_run(engine, NOW)
    rerun_s, recounts = time_run(engine, NOW.replace(hour=20))
    row = {"backend": dialect, "check": "growth_star_screening", "examined": counts["examined"],
           "flags": counts["flagged"], "opened": counts["opened"], "raw_flags": raw_flags, "raw_s": round(raw_s, 2),
           "select_s": round(select_s, 2),
           "select_ratio": round(select_s / raw_s, 2), "run_s": round(run_s, 2), "ratio": round(run_s / raw_s, 2),
           "rerun_s": round(rerun_s, 2), "rerun_opened": recounts["opened"]}
    report(f"  {dialect:<10} growth_star_screening  eligible {counts['examined']:,} | raw {raw_s:6.2f} s"
           f" | selection {select_s:6.2f} s ({select_s / raw_s:4.1f}×) | run {run_s:6.2f} s ({run_s / raw_s:4.1f}×)"
           f" | rerun {rerun_s:6.2f} s | flags {counts['flagged']:,} (raw {raw_flags:,})")
    if counts["flagged"] != raw_flags:
        report(f"    !! the check flagged {counts['flagged']:,}, the raw query {raw_flags:,}")
    engine.dispose()
    return row


def markdown(results: list[dict]) -> str:
    lines = ["| database | eligible | flags (raw) | raw SQL | check's selection | ratio | first run | ratio | rerun |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['backend']} | {r['examined']:,} | {r['flags']:,} ({r['raw_flags']:,}) | {r['raw_s']} s |"
                     f" {r['select_s']} s | {r['select_ratio']:.1f}× | {r['run_s']} s | {r['ratio']:.1f}× |"
                     f" {r['rerun_s']} s |")
    return "\n".join(lines)


def main() -> None:
    from bench.generate import files_for
    from bench.registers import CACHE
    from bench.run import backends_from, register_for

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--work", type=Path, default=ROOT / "instance" / "bench")
    parser.add_argument("--url", help="bench this database as it is (add --seed to seed it first)")
    parser.add_argument("--seed", action="store_true")
    parser.add_argument("--json", type=Path, help="where the results go (default: WORK/results-star.json)")
    args = parser.parse_args()
    if args.url:
        results = [bench(args.url, args.seed)]
    else:
        args.work.mkdir(parents=True, exist_ok=True)
        firms, indicators = files_for(args.firms, CACHE / "data")
        results = []
        for backend in backends_from(args):
            print(f"  {backend.name}: {args.firms:,} firms", flush=True)
            url = register_for(backend, "star", firms, indicators, None)["DATABASE_URL"]
            results.append(bench(url, True))
    print("\n" + markdown(results))
    out = args.json or args.work / "results-star.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
