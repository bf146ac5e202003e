"""The read paths `bench.reads` times, each as requests to the app and the raw SQL returning the same numbers.

A path maker takes a plain connection and the backend's name and yields (row name, cases); a case is
(URL, through the API?, [(raw SQL, params), ...] or None). The raw SQL is written by hand for each database:
the total and the first page of 20 the app returns, through the indexes a careful hand would use.

The search queries are parts of the names of firms picked at random (seeded), sorted by how many firms they
match: "part of a name" matches at most 1 % of the register (a brand, a brand and its trade, a shop name);
a "broad part" more (有限公司, 杭州, 科技有): its exact total is a count over much of the register.
"""

from __future__ import annotations

import random

from sqlalchemy import bindparam, text

from models.enums import FirmStatus, IndustryTag, SizeClass, Stage
from workflows.rules.uscc import uscc_prefix
from workflows.search import BROAD

PAGE = 20
SAMPLE = 200
NO_INDEX = [("SET LOCAL enable_bitmapscan = off", {}), ("SET LOCAL enable_indexonlyscan = off", {})]


def _escape(q: str) -> str:
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _count_and_page(where: str, params: dict, *, page: int = 1) -> list[tuple[str, dict]]:
    return [(f"SELECT count(*) FROM firms WHERE {where}", params),
            (f"SELECT * FROM firms WHERE {where} ORDER BY id LIMIT {PAGE} OFFSET {(page - 1) * PAGE}", params)]


def raw_search(dialect: str, q: str, broad: bool) -> list[tuple[str, dict]]:
    """The `q` search by hand: the candidates from the name index (its trigrams, or the two-character pieces)
    and the USCC index, checked by the condition itself; a broad part by the condition alone (a scan)."""
    params = _params(q)
    escape = " ESCAPE '\\'" if dialect == "sqlite" else ""
    condition = f"name LIKE :pat{escape}"
    code = uscc_prefix(q)
    if code:
        condition = f"({condition} OR (uscc >= :lo AND uscc < :hi))"
        params.update(lo=code, hi=code[:-1] + chr(ord(code[-1]) + 1))
    candidates = None if broad else _candidates(dialect, q)
    if candidates is None:
        where = condition
    elif not code:
        where = f"id IN ({candidates}) AND {condition}"
    elif dialect == "sqlite":  # a multi-index OR
        where = f"((id IN ({candidates}) AND name LIKE :pat{escape}) OR (uscc >= :lo AND uscc < :hi))"
    else:  # PostgreSQL ORs bitmaps only: the union of both candidate sets
        where = f"id IN ({candidates} UNION ALL SELECT id FROM firms WHERE uscc >= :lo AND uscc < :hi) AND {condition}"
    return _count_and_page(where, params)


def _params(q: str) -> dict:
    return {"q": q, "pat": _escape(q), "phrase": q.replace('"', '""'), "pair": (q + "\x01").replace('"', '""')}


def _candidates(dialect: str, q: str) -> str | None:
    """The name index's ids for q, or None where the condition alone is cheapest (see workflows/search.py)."""
    if dialect == "sqlite":
        if len(q) == 1:
            return None
        table, param = ("firms_name_fts", "phrase") if len(q) >= 3 else ("firms_name_pairs", "pair")
        return f"SELECT rowid FROM {table} WHERE {table} MATCH '\"' || :{param} || '\"'"
    if len(q) >= 3:
        return None
    where = "gram = CAST(:q AS text)" if len(q) == 2 else "gram BETWEEN CAST(:q AS text) AND CAST(:q AS text) || chr(1114111)"
    return f"SELECT firm_id FROM firm_name_grams WHERE {where}"


def _old_search(dialect: str, q: str) -> list[tuple[str, dict]]:
    """What the search ran before the indexes: a LIKE over every name, or the exact USCC (on PostgreSQL
    with index and bitmap scans switched off for the statement, as there was no index to answer it)."""
    escape = " ESCAPE '\\'" if dialect == "sqlite" else ""
    old = _count_and_page(f"(name LIKE :pat{escape} OR uscc = :code)", {"pat": _escape(q), "code": q.upper()})
    return (NO_INDEX if dialect == "postgresql" else []) + old


def _sample_firms(conn, k: int, seed: int) -> list[tuple[str, str]]:
    top = conn.execute(text("SELECT max(id) FROM firms")).scalar()
    ids = random.Random(seed).sample(range(1, top + 1), min(k, top))
    stmt = text("SELECT name, uscc FROM firms WHERE id IN :ids").bindparams(bindparam("ids", expanding=True))
    return list(conn.execute(stmt, {"ids": ids}))


def _matches_more_than(conn, dialect: str, q: str, limit: int) -> bool:
    """Whether q's index candidates (or, where no index narrows it, its matches) number more than `limit`,
    counted no further."""
    params = _params(q)
    escape = " ESCAPE '\\'" if dialect == "sqlite" else ""
    inner = _candidates(dialect, q) or f"SELECT 1 FROM firms WHERE name LIKE :pat{escape}"
    return conn.execute(text(f"SELECT count(*) FROM ({inner} LIMIT {limit + 1}) AS capped"), params).scalar() > limit


def search_paths(conn, dialect: str):
    n = conn.execute(text("SELECT count(*) FROM firms")).scalar()
    rng = random.Random(2024)
    firms = _sample_firms(conn, 6 * SAMPLE, seed=2023)
    parts: dict[str, list[str]] = {"3+": [], "2": [], "1": [], "broad": []}
    for name, _uscc in firms:
        length = rng.choice((1, 2, 2, 3, 4, 4, 5, 6))
        if len(name) < length:
            continue
        start = rng.randrange(len(name) - length + 1)
        q = name[start:start + length]
        broad = _matches_more_than(conn, dialect, q, n // 100)
        kind = "1" if length == 1 else "broad" if broad else "2" if length == 2 else "3+"
        parts[kind].append(q)
    latin = ["AB", "abc", "Tech", "100%", "a_b", "C\\D", "ab%", "5G", "Xy", "2023"]  # one character: above
    groups = [
        ("q: part of a name, 3+ chars (≤1 % of firms)", parts["3+"]),
        ("q: part of a name, 2 chars (≤1 % of firms)", parts["2"]),
        ("q: one character", parts["1"]),
        ("q: broad part (>1 % of firms)", parts["broad"]),
        ("q: a whole USCC", [uscc for _name, uscc in firms[:SAMPLE]]),
        ("q: a USCC's first 10 characters", [uscc[:10] for _name, uscc in firms[:SAMPLE]]),
        ("q: Latin, digits, wildcards", latin),
    ]
    for label, queries in groups:
        if not queries:
            continue
        cases = []
        for q in queries[:SAMPLE]:
            broad = _matches_more_than(conn, dialect, q, BROAD[dialect])
            cases.append((f"/api/v1/firms?q={_url(q)}", True, raw_search(dialect, q, broad)))
        yield label, cases
        yield f"{label} — before: LIKE scan, raw", [(None, False, _old_search(dialect, q)) for q in queries[:50]]


def _url(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def tag_paths(conn, dialect: str):
    cases = []
    for tag in IndustryTag:
        params = {"tag": tag.value}
        raw = [("SELECT count(*) FROM firm_tags WHERE tag = :tag", params),
               (f"SELECT * FROM firms WHERE id IN (SELECT firm_id FROM firm_tags WHERE tag = :tag)"
                f" ORDER BY id LIMIT {PAGE}", params)]
        cases.append((f"/api/v1/firms?tags={tag.value}", True, raw))
    yield "tags=<tag> (each of the tags)", cases
    old = [(None, False, _count_and_page("CAST(tags AS TEXT) LIKE :like", {"like": f'%"{tag.value}"%'}))
           for tag in IndustryTag]  # no index could answer it: as it ran before firm_tags
    yield "tags=<tag> — before: CAST(tags AS TEXT) LIKE, raw", old


def filter_paths(conn, dialect: str):
    districts = [row[0] for row in conn.execute(text("SELECT code FROM districts ORDER BY code"))]
    forms = [row[0] for row in conn.execute(text("SELECT DISTINCT legal_form FROM firms"))]
    columns = {"district": ("district_code", districts), "stage": ("stage", [s.value for s in Stage]),
               "status": ("status", [s.value for s in FirmStatus]),
               "size_class": ("size_class", [s.value for s in SizeClass]), "legal_form": ("legal_form", forms)}
    for key, (column, values) in columns.items():
        yield f"{key}=<each value>", [(f"/api/v1/firms?{key}={_url(v)}", True,
                                       _count_and_page(f"{column} = :v", {"v": v})) for v in values]
    yield "industry=<letter+2 digits prefix>", [
        (f"/api/v1/firms?industry={p}", True, _count_and_page("industry >= :lo AND industry < :hi",
                                                              {"lo": p, "hi": p[:-1] + chr(ord(p[-1]) + 1)}))
        for p in ("C3", "C39", "I65", "F5", "H62", "M7", "C2", "E4")]
    true = "1" if dialect == "sqlite" else "true"
    yield "abnormal|serious_violation|tech_sme|high_tech=true|false", [
        (f"/api/v1/firms?{flag}={value}", True, _count_and_page(f"{flag} = {true if value == 'true' else 'NOT ' + true}", {}))
        for flag in ("abnormal", "serious_violation", "tech_sme", "high_tech") for value in ("true", "false")]


def home_paths(conn, dialect: str):
    raw = [("SELECT district_code, stage, count(*) FROM firms WHERE status = 'active' GROUP BY district_code, stage",
            {}),
           ("SELECT c.kind, c.state, count(*) FROM upgrade_cases c JOIN firms f ON f.id = c.firm_id"
            " WHERE c.is_open GROUP BY c.kind, c.state", {})]
    yield "home page (city: active firms per district and stage)", [("/", False, raw)]


def pool_paths(conn, dialect: str):
    raw = [("SELECT * FROM pools", {}),
           ("SELECT pool_id, state, count(*) FROM pool_memberships GROUP BY pool_id, state", {})]
    yield "pools overview page", [("/pools/", False, raw)]
    yield "GET /api/v1/pools", [("/api/v1/pools", True, raw)]


def member_paths(conn, dialect: str):
    raw = [("SELECT count(*) FROM pool_memberships WHERE pool_id = 1", {}),
           ("SELECT m.*, f.* FROM pool_memberships m JOIN firms f ON f.id = m.firm_id WHERE m.pool_id = 1"
            f" ORDER BY m.id LIMIT {PAGE} OFFSET {99 * PAGE}", {})]
    yield "GET /api/v1/pools/1/members?page=100", [("/api/v1/pools/1/members?page=100", True, raw)]


PATHS = {"search": search_paths, "tags": tag_paths, "filters": filter_paths, "home": home_paths,
         "pools": pool_paths, "members": member_paths}
