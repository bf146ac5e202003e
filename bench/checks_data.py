"""The register the checks bench runs on: the bench's firms and figures (loaded raw) plus what a working
bureau has on top of them — 规上 firms, pool members, open cases — and the drift a year brings to members
(注销, 经营异常, moved district, falling revenue, missing figures, grown too big), so every check flags some.

Set-based SQL, a few statements, deterministic (firm ids 1..N in file order choose who is what):

- 规上: four in five of the enterprises whose 2025 revenue reached their sector's line (the rest are 达标
  candidates);
- county pools: one eligible enterprise in 12 admitted (≈ 45,000 at 1,000,000 firms, the plan's county total),
  one in 48 also in the city pool (≈ 11,000 of the city's 12,000); one in 120 nominated, waiting 0–59 days;
- cases: 小升规 for one enterprise in 25, 个转企 for one individual business in 25, 规改股 for one 规上 firm
  in 10, 股上市 for one joint-stock company in 20, spread over their states and 0–99 days in them;
- drift among members: ≈ 1 % 注销 (half with the status change recorded), 2 % 经营异常, 0.7 % 严重违法,
  0.5 % moved district, 4 % revenue down 40 % two years running, 2 % without 2024–2025 figures,
  2.4 % now 中型/大型, 0.4 % now 规上.
"""

from __future__ import annotations

import time

from sqlalchemy import text

REFERENCE = "2026-11-30 02:00:00"  # "now" of the bench register, naive UTC like every stored time
ELIGIBLE = "f.stage = 'enterprise' AND f.status = 'active' AND NOT f.abnormal AND NOT f.serious_violation"


def ago(dialect: str, days: str) -> str:
    """SQL for REFERENCE minus an integer SQL expression of days."""
    if dialect == "postgresql":
        return f"(TIMESTAMP '{REFERENCE}' - ({days}) * INTERVAL '1 day')"
    return f"datetime('{REFERENCE}', '-' || ({days}) || ' days')"


def scale_line(policy, column: str) -> str:
    """The sector's 规上/限上 revenue line as a CASE, longest industry prefix first (NULL: not a revenue rule),
    written out from the policy as workflows.checks.upgrade.scale_threshold builds it."""
    from workflows.rules.scale import ScaleBasis

    whens = []
    for length in sorted({len(k) for k in policy.industry_map}, reverse=True):
        by_line: dict = {}
        for key, mapping in policy.industry_map.items():
            if len(key) == length:
                sector = policy.scale_sectors[mapping.scale]
                line = sector.threshold if ScaleBasis(sector.basis) is ScaleBasis.REVENUE else None
                by_line.setdefault(line, []).append(f"'{key}'")
        whens += [f"WHEN substr({column}, 1, {length}) IN ({', '.join(sorted(keys))}) THEN "
                  f"{line if line is not None else 'NULL'}" for line, keys in by_line.items()]
    return f"CASE {' '.join(whens)} END"


def _json(dialect: str, **pairs: str) -> str:
    args = ", ".join(f"'{k}', '{v}'" for k, v in pairs.items())
    return f"json_build_object({args})" if dialect == "postgresql" else f"json_object({args})"


def _members(dialect: str, *, level: str, state: str, where: str, entered: str) -> str:
    pool = "p.level = 'city'" if level == "city" else "p.level = 'county' AND p.district_code = f.district_code"
    return f"""
        INSERT INTO pool_memberships (pool_id, firm_id, level, state, is_active, cultivation_type, batch,
                                      nomination_reason, nominated_at, decided_at, state_entered_at, version)
        SELECT p.id, f.id, '{level}', '{state}', TRUE, 'growth', '2025-1', '成长性好', {ago(dialect, entered + ' + 30')},
               {'NULL' if state == 'nominated' else ago(dialect, entered)}, {ago(dialect, entered)}, 1
        FROM firms f JOIN pools p ON {pool} WHERE {where}"""


def _cases(dialect: str, kind: str, stage: str, modulus: int, remainder: int, states: tuple[str, ...]) -> str:
    pick = " ".join(f"WHEN {i} THEN '{s}'" for i, s in enumerate(states))
    return f"""
        INSERT INTO upgrade_cases (firm_id, kind, state, is_open, opened_at, state_entered_at, attributes, version)
        SELECT f.id, '{kind}', CASE (f.id / {modulus}) % {len(states)} {pick} END, TRUE,
               {ago(dialect, f'(f.id / {modulus}) % 100 + 20')}, {ago(dialect, f'(f.id / {modulus}) % 100')}, '{{}}', 1
        FROM firms f WHERE f.stage = '{stage}' AND f.status = 'active' AND f.id % {modulus} = {remainder}"""


def statements(dialect: str, policy) -> list[tuple[str, str]]:
    """(what, SQL) in order."""
    return [
        ("规上 firms", f"""
            UPDATE firms SET stage = 'above_scale' WHERE stage = 'enterprise' AND id % 5 <> 0 AND EXISTS (
                SELECT 1 FROM annual_indicators a WHERE a.firm_id = firms.id AND a.year = 2025
                AND a.revenue >= {scale_line(policy, 'firms.industry')})"""),
        ("county members", _members(dialect, level="county", state="admitted", where=f"{ELIGIBLE} AND f.id % 12 = 0",
                                    entered="f.id % 300 + 60")),
        ("city members", _members(dialect, level="city", state="admitted", where=f"{ELIGIBLE} AND f.id % 48 = 0",
                                  entered="f.id % 300 + 30")),
        ("nominations", _members(dialect, level="county", state="nominated",
                                 where=f"{ELIGIBLE} AND f.id % 120 = 6", entered="(f.id / 120) % 60")),
        ("小升规 cases", _cases(dialect, "small_to_scale", "enterprise", 25, 1,
                                ("identified", "cultivating", "declared"))),
        ("个转企 cases", _cases(dialect, "ind_to_ent", "individual", 25, 2, ("identified", "intent", "registering"))),
        ("规改股 cases", _cases(dialect, "scale_to_stock", "above_scale", 10, 3,
                                ("identified", "intent", "intermediaries", "audit_valuation", "founding_meeting"))),
        ("股上市 cases", _cases(dialect, "stock_to_listed", "joint_stock", 20, 4,
                                ("reserve", "tutoring", "filed", "registered"))),
        ("注销", "UPDATE firms SET status = 'deregistered' WHERE id % 1200 = 0"),
        ("注销 recorded", f"""
            INSERT INTO audit_events (subject_type, subject_id, firm_id, action, actor_name, at, comment, evidence)
            SELECT 'firm', id, id, 'status_change', 'bench', {ago(dialect, '0')}, '',
                   {_json(dialect, change='deregister', effective_on='2026-10-12', source='登记系统')}
            FROM firms WHERE id % 2400 = 0"""),
        ("经营异常", "UPDATE firms SET abnormal = TRUE WHERE id % 600 = 12"),
        ("严重违法", "UPDATE firms SET serious_violation = TRUE WHERE id % 1800 = 24"),
        ("moved district", """
            UPDATE firms SET district_code = CASE WHEN district_code = '330106' THEN '330102' ELSE '330106' END
            WHERE id % 2400 = 36"""),
        ("revenue falling", """
            UPDATE annual_indicators SET revenue = (
                SELECT a.revenue FROM annual_indicators a WHERE a.firm_id = annual_indicators.firm_id AND a.year = 2023
            ) * CASE year WHEN 2024 THEN 0.6 ELSE 0.36 END
            WHERE year IN (2024, 2025) AND firm_id % 300 = 48"""),
        ("figures missing", "DELETE FROM annual_indicators WHERE year IN (2024, 2025) AND firm_id % 600 = 60"),
        ("中型/大型", "UPDATE firms SET size_class = CASE WHEN id % 5000 = 72 THEN 'large' ELSE 'medium' END"
                     " WHERE id % 500 = 72"),
        ("now 规上", "UPDATE firms SET stage = 'above_scale' WHERE stage = 'enterprise' AND id % 3000 = 96"),
        ("statistics", "ANALYZE"),
    ]


def seed(engine, report) -> None:
    """Run the statements, each in its own transaction, reporting (what, seconds, rows)."""
    from workflows.policy import default_policy

    for what, sql in statements(engine.dialect.name, default_policy()):
        started = time.monotonic()
        with engine.begin() as conn:
            rows = conn.execute(text(sql)).rowcount
        report(what, time.monotonic() - started, rows)
