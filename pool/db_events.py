"""Connection settings. SQLite: the database file's folder exists, foreign keys are enforced, locks are
waited on instead of failing at once, read pages are kept in a page cache of a useful size. PostgreSQL:
every query is planned with its own values."""

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine

CACHE_KIB = 65536  # per connection, at most: SQLite allocates pages as it reads them


def install_sqlite_pragmas(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    folder = sqlite_folder(engine.url)

    @event.listens_for(engine, "do_connect")
    def _make_folder(*_):
        # SQLite creates a missing database file but not its folder: on a fresh clone (no instance/ yet)
        # `flask db upgrade` would fail with "unable to open database file". Made when first needed.
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        # A pooled connection keeps the pages it reads (the default is 2 MB): at a million firms the dashboard's
        # indexes stay in memory between requests instead of being read again on each.
        cur.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        cur.close()


def sqlite_folder(url: URL) -> Path | None:
    """The folder of an SQLite database file; None in memory or for a `file:` URI, which SQLite resolves."""
    if url.database in (None, "", ":memory:") or url.query.get("uri"):
        return None
    return Path(url.database).absolute().parent


def install_postgresql_settings(engine: Engine) -> None:
    """psycopg prepares a statement on the server after its fifth run, and PostgreSQL then may plan it once
    for any values (a generic plan): `name LIKE $1` planned without its pattern cannot use the name index,
    and a search then scans a million rows. Unnamed statements are planned for the values they carry."""
    if engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
        return

    @event.listens_for(engine, "do_connect")
    def _plan_with_values(_dialect, _record, _cargs, cparams):
        cparams.setdefault("prepare_threshold", None)
