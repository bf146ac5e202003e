"""Backups of the whole database and their restore, for `flask db backup|restore` (pool/cli/backup.py).

SQLite: the sqlite3 online backup API, page by page from a live connection, so the web tier and the
scheduler may keep writing meanwhile (a writer between two steps restarts the copy, the library's rule);
the copy is a plain SQLite file, restored by the same API in the other direction.

PostgreSQL: `pg_dump --format=custom` of the application's database (only its schema when the URL's
search_path names one, with the pg_trgm extension the search indexes use), restored with `pg_restore` in
one transaction. The
client tools must be of the server's major version or newer; they are looked up in PG_BIN, then in Debian's
/usr/lib/postgresql/<version>/bin (the newest), then on PATH.

A restore goes into an empty database (a new SQLite file, a database made by `createdb`) and refuses any
other: it never overwrites data. The operator points DATABASE_URL at it once it is checked (README, Operations).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy import inspect
from sqlalchemy.engine import Engine, make_url


class BackupError(Exception):
    """A backup or restore that could not be made; the message is for the operator, in Chinese."""


def backup(engine: Engine, path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "sqlite":
        _sqlite_copy(engine, path, into_engine=False)
    else:
        schema = _schema(engine)
        selection = ["--schema", schema, "--extension", "pg_trgm"] if schema else []
        _run("pg_dump", "--format=custom", "--no-owner", "--file", str(path), *selection, _conninfo(engine))


def restore(engine: Engine, path: Path) -> None:
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"备份文件不存在：{path}")
    with engine.connect() as conn:
        tables = inspect(conn).get_table_names()
    if tables:
        raise BackupError(f"目标数据库不是空的（已有 {len(tables)} 张表）：请恢复到新建的空数据库，"
                          "核对无误后再把 DATABASE_URL 指向它")
    if engine.dialect.name == "sqlite":
        _sqlite_copy(engine, path, into_engine=True)
    else:
        _run("pg_restore", "--no-owner", "--single-transaction", "--exit-on-error", "--dbname", _conninfo(engine),
             str(path))
    engine.dispose()  # pooled connections saw the old database


def _sqlite_copy(engine: Engine, path: Path, *, into_engine: bool) -> None:
    if into_engine:
        with sqlite3.connect(path) as check:
            if check.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupError(f"备份文件已损坏或不是 SQLite 数据库：{path}")
    with engine.connect() as conn:
        live = conn.connection.driver_connection
        other = sqlite3.connect(path)
        try:
            source, target = (other, live) if into_engine else (live, other)
            source.backup(target)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"SQLite 备份/恢复失败：{exc}") from exc
        finally:
            other.close()


def _schema(engine: Engine) -> str | None:
    """The schema named by the URL's `options=-csearch_path=...` (the tests' per-run schemas), else None."""
    options = unquote(make_url(str(engine.url)).query.get("options", "") or "")
    found = re.search(r"search_path\s*=\s*([^\s,]+)", options)
    return found.group(1) if found else None


def _conninfo(engine: Engine) -> str:
    """The URL as libpq reads it (no SQLAlchemy driver name), password included."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    candidates = [os.environ.get("PG_BIN", ""), *sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)]
    for folder in candidates:
        if folder and (Path(folder) / name).is_file():
            return str(Path(folder) / name)
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(f"未找到 {name}：请安装 PostgreSQL 客户端工具（与数据库服务器同一大版本或更新，"
                      f"Debian: apt-get install postgresql-client），或用环境变量 PG_BIN 指明其所在目录")


def _run(name: str, *args: str) -> None:
    result = subprocess.run([_tool(name), *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{name} 失败（退出码 {result.returncode}）：{result.stderr.strip()[-2000:]}")
