"""Where the bench's databases live, and how one built register serves several sections.

Building registers is most of a city-scale bench's time (at 1,000,000 firms: the raw load of firms and figures
≈ 5½ min on SQLite and 7½ min on PostgreSQL; a demo register ≈ 17 and 10 min with its backfilled months), so
nothing is built twice:

- The checks section works on a copy of the import section's raw register (`clone`), the 成长之星 section on
  that register itself (its last user): SQLite copies the file with its backup API (5 s at 1,000,000 firms),
  PostgreSQL copies the two tables the raw load wrote from schema to schema in one statement each (130 s: the
  indexes cost what they cost in the load). Each section adds its own members and cases to its own register.
- The demo registers the read paths and the dashboard measure are kept outside the work tree, in
  `BENCH_CACHE` (default `~/.cache/hz-peiyu-bench`; PostgreSQL: schemas in the bench database), keyed by
  their size and a digest of the demo generator's source (`demo_key`): a fresh clone on the same machine
  reuses them, a changed generator builds anew. They are migrated to head on every run. The generated CSV
  files (bench/generate.py, deterministic, versioned by name) are kept there too, in `data/`.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("BENCH_CACHE") or Path.home() / ".cache" / "hz-peiyu-bench")
DEMO_SOURCES = ("workflows/demo",)
RAW_TABLES = ("firms", "annual_indicators")  # what bench/raw.py writes; the tallies follow by trigger


def demo_key() -> str:
    """Eight hex digits of the demo generator's source: a cached demo register is reused only while the code
    that made it is unchanged."""
    digest = hashlib.sha1()
    for root in DEMO_SOURCES:
        path = ROOT / root
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(file.relative_to(ROOT).as_posix().encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:8]


def demo_label(n: int) -> str:
    return f"reads_{n}_{demo_key()}"


def cached(backend):
    """The same backend with its SQLite files in the machine's bench cache."""
    from bench.run import Backend

    CACHE.mkdir(parents=True, exist_ok=True)
    return Backend(backend.name, CACHE, backend.pg_url, backend.prefix)


def drop_stale(backend, n: int, keep: str) -> None:
    """Demo registers of this size made by an older generator (or named before the key): a million-firm copy is
    2 GB on disk."""
    if backend.name == "sqlite":
        for path in [*backend.work.glob(f"reads_{n}.db*"), *backend.work.glob(f"reads_{n}_*.db*")]:
            if not path.name.startswith(f"{keep}.db"):
                path.unlink(missing_ok=True)
        return
    from sqlalchemy import text

    base = f"{backend.prefix}reads_{n}"
    with _admin(backend).begin() as conn:
        stale = conn.execute(text("SELECT nspname FROM pg_namespace WHERE (nspname = :base OR nspname LIKE :like)"
                                  " AND nspname <> :keep"),
                             {"base": base, "like": base.replace("_", "\\_") + "\\_%",
                              "keep": backend.prefix + keep}).scalars().all()
        for schema in stale:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def clone(backend, source: str, target: str) -> dict:
    """A copy of the raw register `source` as `target`; the environment to run the app on it."""
    started = time.monotonic()
    if backend.name == "sqlite":
        env = _clone_sqlite(backend, source, target)
    else:
        env = backend.fresh(target)
        _copy_tables(backend, source, target)
    print(f"  {backend.name:<10} copy   {source} → {target:<12} {time.monotonic() - started:8.1f} s", flush=True)
    return env


def _clone_sqlite(backend, source: str, target: str) -> dict:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{backend.work / target}.db{suffix}").unlink(missing_ok=True)
    src = sqlite3.connect(backend.work / f"{source}.db")
    dst = sqlite3.connect(backend.work / f"{target}.db")
    try:
        src.backup(dst, pages=-1)  # page by page: indexes, the FTS index and the triggers come along
    finally:
        dst.close()
        src.close()
    return {**os.environ, "DATABASE_URL": backend.url(target), "APP_CONFIG": "default"}


def _copy_tables(backend, source: str, target: str) -> None:
    from sqlalchemy import text

    src, dst = backend.prefix + source, backend.prefix + target
    with _admin(backend).begin() as conn:
        for table in RAW_TABLES:
            conn.execute(text(f"INSERT INTO {dst}.{table} SELECT * FROM {src}.{table}"))
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{dst}.{table}', 'id'),"
                              f" (SELECT coalesce(max(id), 1) FROM {dst}.{table}))"))
    with _admin(backend, autocommit=True).connect() as conn:
        for table in RAW_TABLES:
            conn.execute(text(f"VACUUM ANALYZE {dst}.{table}"))


def _admin(backend, autocommit: bool = False):
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    url = backend.pg_url.replace("postgresql://", "postgresql+psycopg://", 1)
    return create_engine(url, poolclass=NullPool, **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}))
