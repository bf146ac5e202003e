"""Where the bench's databases live, and how one built register serves several sections.

Building registers is much of a city-scale bench's time (at 1,000,000 firms: the raw load of firms and figures
≈ 3 min on each database; a demo register ≈ 12 and 6½ min with its backfilled months), so nothing is built
twice:

- The checks section works on the register the import section imported, the 成长之星 section on its raw
  register: each is done with by then (bench/run.py `register_for`). A copy was tried first: on PostgreSQL it
  cost as much as the load (130 s at 1,000,000 firms: the indexes are most of a load's work).
- The demo registers the read paths and the dashboard measure are kept outside the work tree, in
  `BENCH_CACHE` (default `~/.cache/hz-peiyu-bench`; PostgreSQL: schemas in the bench database), keyed by
  their size and a digest of the demo generator's source (`demo_key`): a fresh clone on the same machine
  reuses them, a changed generator builds anew. They are migrated to head on every run. The generated CSV
  files (bench/generate.py, deterministic, versioned by name) are kept there too, in `data/`.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("BENCH_CACHE") or Path.home() / ".cache" / "hz-peiyu-bench")
DEMO_SOURCES = ("workflows/demo",)


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


def _admin(backend):
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    url = backend.pg_url.replace("postgresql://", "postgresql+psycopg://", 1)
    return create_engine(url, poolclass=NullPool)
