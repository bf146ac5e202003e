"""The checks bench: each check's run as the scheduler makes it (`run_inline` in one transaction, committed)
against a hand-written SQL query doing the same selection — the count of hits per kind — on the same
database. Prints both, the ratio run ÷ raw, and the hits per kind of each (they must agree).

Three timings per check: its selection alone (the check's own SQL, its hits counted per kind like the raw
query: the like-for-like comparison), its first run on the register (every flag new: raised, audited, in
one committed transaction) and a rerun an hour later (nothing changes: the nightly case). The raw query is
timed twice and the faster counts.

    python -m bench.checks DATABASE_URL [--seed] [--json PATH]

`--seed` first adds the bench register's members, cases and drift (bench/checks_data.py) to a database
holding the bench's firms and figures (bench/raw.py loads them).
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from bench.checks_data import scale_line, seed

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 11, 30, 18, 30)  # 02:30 on TODAY in Hangzhou, when the nightly checks run


# ------------------------------------------------------------------------------------- the raw queries

def _no_open_case(kind: str) -> str:
    return f"NOT EXISTS (SELECT 1 FROM upgrade_cases u WHERE u.firm_id = c.id AND u.kind = '{kind}' AND u.is_open)"


def raw_upgrade(dialect: str, policy, settings) -> str:
    r, high = settings.upgrade, TODAY.year - 1
    return f"""
        WITH latest AS (SELECT firm_id, MAX(year) AS year FROM annual_indicators
                        WHERE year BETWEEN {high - settings.figures_max_age_years} AND {high} GROUP BY firm_id),
        c AS (SELECT f.id, f.stage, f.legal_form, a.revenue, a.employees, a.profit,
                     {scale_line(policy, 'f.industry')} AS line
              FROM firms f JOIN latest l ON l.firm_id = f.id JOIN annual_indicators a ON a.firm_id = f.id AND a.year = l.year
              WHERE f.status = 'active' AND f.stage <> 'listed')
        SELECT kind, COUNT(*) FROM (
            SELECT 'ind_to_ent' AS kind FROM c WHERE c.stage = 'individual'
              AND (c.revenue >= {r['ind_to_ent_revenue']} OR c.employees >= {r['ind_to_ent_employees']})
              AND {_no_open_case('ind_to_ent')}
            UNION ALL
            SELECT CASE WHEN c.revenue >= c.line THEN 'scale_ready' ELSE 'near_scale' END FROM c
            WHERE c.stage = 'enterprise' AND c.revenue >= c.line * {r['near_scale_share']}
              AND {_no_open_case('small_to_scale')}
            UNION ALL
            SELECT 'scale_to_stock' FROM c WHERE c.stage = 'above_scale' AND c.legal_form = '有限责任公司'
              AND c.revenue >= {r['scale_to_stock_revenue']} AND {_no_open_case('scale_to_stock')}
            UNION ALL
            SELECT 'listing_reserve' FROM c WHERE c.stage = 'joint_stock' AND c.revenue >= {r['listing_reserve_revenue']}
              AND c.profit >= {r['listing_reserve_profit']} AND {_no_open_case('stock_to_listed')}
        ) hits GROUP BY kind"""


def raw_hygiene(dialect: str, policy, settings) -> str:
    last, years = TODAY.year - 1, int(settings.hygiene["no_figures_years"])
    num, den = settings.hygiene["revenue_drop_share"].as_integer_ratio()
    return f"""
        WITH m AS (SELECT m.firm_id, p.level, p.district_code AS pool_district, f.district_code, f.status, f.abnormal,
                          f.serious_violation, f.registered_on, f.stage, f.size_class
                   FROM pool_memberships m JOIN pools p ON p.id = m.pool_id JOIN firms f ON f.id = m.firm_id
                   WHERE m.state = 'admitted')
        SELECT 'removal', COUNT(*) FROM m
        WHERE m.status <> 'active' OR m.abnormal OR m.serious_violation
           OR (m.level = 'county' AND m.district_code <> m.pool_district)
           OR (NOT EXISTS (SELECT 1 FROM annual_indicators a WHERE a.firm_id = m.firm_id
                           AND a.year BETWEEN {last - years + 1} AND {last})
               AND (m.registered_on IS NULL OR m.registered_on < '{last - years + 1}-01-01'))
           OR EXISTS (SELECT 1 FROM annual_indicators a1
                      JOIN annual_indicators a2 ON a2.firm_id = a1.firm_id AND a2.year = {last - 1}
                      JOIN annual_indicators a3 ON a3.firm_id = a1.firm_id AND a3.year = {last - 2}
                      WHERE a1.firm_id = m.firm_id AND a1.year = {last} AND a2.revenue > 0 AND a3.revenue > 0
                        AND (a2.revenue - a1.revenue) * {den} > a2.revenue * {num}
                        AND (a3.revenue - a2.revenue) * {den} > a3.revenue * {num})
        UNION ALL
        SELECT 'graduation', COUNT(*) FROM m WHERE m.status = 'active'
           AND (m.stage IN ('above_scale', 'joint_stock', 'listed') OR m.size_class IN ('medium', 'large'))"""


def _waited(dialect: str, column: str) -> str:
    if dialect == "postgresql":
        return f"(DATE '{TODAY}' - CAST({column} + INTERVAL '8 hours' AS DATE))"
    return f"CAST(julianday('{TODAY}') - julianday(date({column}, '+8 hours')) AS INTEGER)"


def raw_overdue(dialect: str, policy, settings) -> str:
    limits = " ".join(f"WHEN '{state}' THEN {days}" for state, days in sorted(settings.overdue_case_days.items()))
    return f"""
        SELECT 'overdue_case', COUNT(*) FROM upgrade_cases c
        WHERE c.is_open AND {_waited(dialect, 'c.state_entered_at')} > CASE c.state {limits}
                                                                         ELSE {settings.overdue_default_days} END
        UNION ALL
        SELECT 'overdue_nomination', COUNT(*) FROM pool_memberships m
        WHERE m.state = 'nominated' AND {_waited(dialect, 'm.state_entered_at')} > {settings.overdue_nomination_days}"""


def raw_metrics(dialect: str, policy, settings) -> str:
    """The snapshot's four GROUP BYs; its 'hits' are the non-zero (metric, district) counts."""
    return """
        SELECT 'counts', COUNT(*) FROM (
            SELECT district_code, stage FROM firms WHERE status = 'active' GROUP BY district_code, stage
            UNION ALL
            SELECT f.district_code, c.kind FROM upgrade_cases c JOIN firms f ON f.id = c.firm_id WHERE c.is_open
            GROUP BY f.district_code, c.kind
            UNION ALL
            SELECT COALESCE(p.district_code, f.district_code), m.level FROM pool_memberships m
            JOIN pools p ON p.id = m.pool_id JOIN firms f ON f.id = m.firm_id WHERE m.state = 'admitted'
            GROUP BY COALESCE(p.district_code, f.district_code), m.level
            UNION ALL
            SELECT district_code, kind FROM flags WHERE state = 'open' GROUP BY district_code, kind
        ) groups"""


RAW = {"upgrade_candidates": raw_upgrade, "pool_hygiene": raw_hygiene, "overdue_cases": raw_overdue,
       "metrics_snapshot": raw_metrics}


# ------------------------------------------------------------------------------------- timing

def time_raw(engine, sql: str) -> tuple[float, dict[str, int]]:
    best, counts = float("inf"), {}
    for _ in range(2):
        with engine.connect() as conn:
            started = time.monotonic()
            counts = {kind: n for kind, n in conn.execute(text(sql)) if n}
            best = min(best, time.monotonic() - started)
    return best, counts


def time_selection(engine, name: str) -> float:
    """The check's own SQL without the flags: `run()` (its counts) and its hits grouped per flag, counted per
    kind — what the raw query does. Rolled back (the snapshot writes its rows inside `run()`)."""
    from sqlalchemy import func, select, union_all

    from workflows.checks.registry import CHECKS
    from workflows.policy import default_policy

    best = float("inf")
    for _ in range(2):  # the faster of two, as for the raw query (the first also pays for compiling)
        with Session(engine) as session:
            started = time.monotonic()
            result = CHECKS[name].run(session, TODAY, default_policy())
            if result.hits:
                hits = union_all(*result.hits).subquery()
                flags = select(hits.c.kind).group_by(hits.c.kind, hits.c.subject_type, hits.c.subject_id,
                                                     hits.c.period).subquery()
                session.execute(select(flags.c.kind, func.count()).group_by(flags.c.kind)).all()
            best = min(best, time.monotonic() - started)
            session.rollback()
    return best


def time_check(engine, name: str, now: datetime) -> tuple[float, dict[str, int], dict]:
    """One run in one transaction, committed: seconds, live flags per kind this run hit, the run's counts."""
    from models.enums import RunTrigger
    from workflows.checks.runs import run_inline

    with Session(engine) as session:
        started = time.monotonic()
        run = run_inline(session, name, today=TODAY, actor=None, now=now, trigger=RunTrigger.CLI)
        session.commit()
        seconds = time.monotonic() - started
        hits = dict(session.execute(text("SELECT kind, COUNT(*) FROM flags WHERE check_run_id = :run AND is_open"
                                         " GROUP BY kind"), {"run": run.id}).all())
        return seconds, hits or {"stored": run.counts.get("stored", 0)}, dict(run.counts)


def bench(url: str, seed_first: bool) -> list[dict]:
    import workflows.checks  # noqa: F401 - the registry
    from pool.db_events import install_sqlite_pragmas
    from workflows.checks.registry import CHECKS
    from workflows.checks.settings import checks_policy
    from workflows.policy import default_policy

    engine = create_engine(url)
    install_sqlite_pragmas(engine)
    dialect = engine.dialect.name
    if seed_first:
        seed(engine, lambda what, s, rows: print(f"    seed {what:<16} {rows:>9,} rows {s:7.1f} s", flush=True))
    policy = default_policy()
    settings = checks_policy(policy)
    results = []
    for name, check in CHECKS.items():
        if name not in RAW:  # growth_star_screening needs members a full year in the pool: bench/star.py
            continue
        raw_s, raw_hits = time_raw(engine, RAW[name](dialect, policy, settings))
        select_s = time_selection(engine, name)
        run_s, hits, counts = time_check(engine, name, NOW)
        rerun_s, _, recounts = time_check(engine, name, NOW + timedelta(hours=1))
        if check.kinds and hits != raw_hits:
            print(f"    !! {name}: the check's hits {hits} differ from the raw query's {raw_hits}")
        row = {"backend": dialect, "check": name, "raw_s": round(raw_s, 2), "select_s": round(select_s, 2),
               "select_ratio": round(select_s / raw_s, 2), "run_s": round(run_s, 2),
               "rerun_s": round(rerun_s, 2), "ratio": round(run_s / raw_s, 2), "rerun_ratio": round(rerun_s / raw_s, 2),
               "hits": hits, "raw_hits": raw_hits, "examined": counts.get("examined"),
               "skipped": counts.get("skipped"), "rerun_opened": recounts.get("opened")}
        print(f"  {dialect:<10} {name:<20} raw {raw_s:6.2f} s | selection {select_s:6.2f} s ({select_s / raw_s:4.1f}×)"
              f" | run {run_s:6.2f} s ({run_s / raw_s:4.1f}×)"
              f" | rerun {rerun_s:6.2f} s ({rerun_s / raw_s:4.1f}×) | {_hits(hits)}", flush=True)
        results.append(row)
    engine.dispose()
    return results


def _hits(hits: dict[str, int]) -> str:
    return " ".join(f"{k}={v:,}" for k, v in sorted(hits.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--seed", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = bench(args.url, args.seed)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
