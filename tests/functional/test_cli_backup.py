"""`flask db backup PATH` and `flask db restore PATH`: a backup of a filled register, restored into a fresh
database, holds every row of every table (SQLite through the online backup API, PostgreSQL through pg_dump and
pg_restore); a restore never goes over a database that holds tables; a missing pg_dump is a clear error."""

import uuid

import pytest
from sqlalchemy import create_engine, inspect, text

from config import TestConfig
from models import db
from pool import create_app


def row_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {table: conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar()
                for table in sorted(inspect(conn).get_table_names())}


@pytest.fixture
def fresh_database(database_url):
    """The URL of a database that does not exist yet (SQLite: a new file; PostgreSQL: a new database with the
    test schema's name on its search_path, as the backup's objects are named), dropped afterwards."""
    if database_url.startswith("sqlite"):
        yield database_url.replace("test.db", f"restored-{uuid.uuid4().hex[:8]}.db")
        return
    name = f"restore_{uuid.uuid4().hex[:12]}"
    server = create_engine(database_url.split("?")[0], isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, query = database_url.partition("?")
    yield f"{base.rsplit('/', 1)[0]}/{name}?{query}"
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.mark.committed_db  # pg_dump and the backup API read what is committed
def test_a_backup_restored_into_a_fresh_database_holds_every_row(app, session, now, tmp_path, fresh_database):
    from workflows.demo.seed import seed_demo

    seed_demo(session, n_firms=150, now=now)
    session.commit()
    before = row_counts(db.engine)
    assert before["firms"] >= 150 and before["audit_events"] > 150 and before["pool_memberships"] > 0
    path = tmp_path / "backups" / "pool.backup"

    result = app.test_cli_runner().invoke(args=["db", "backup", str(path)])
    assert result.exit_code == 0, result.output
    assert "已备份到" in result.output and path.stat().st_size > 0

    class Fresh(TestConfig):
        SQLALCHEMY_DATABASE_URI = fresh_database

    restored = create_app(Fresh)
    with restored.app_context():  # the command's app: the CLI runner would reuse the test's current one
        try:
            result = restored.test_cli_runner().invoke(args=["db", "restore", str(path)])
            assert result.exit_code == 0, result.output
            assert row_counts(db.engine) == before
            again = restored.test_cli_runner().invoke(args=["db", "restore", str(path)])
            assert again.exit_code == 1 and "目标数据库不是空的" in again.output  # never over data
        finally:
            db.session.remove()
            db.engine.dispose()


def test_restore_of_a_missing_file_is_refused(ctx, tmp_path):
    app = ctx
    result = app.test_cli_runner().invoke(args=["db", "restore", str(tmp_path / "missing.backup")])
    assert result.exit_code == 1 and "备份文件不存在" in result.output


def test_a_missing_pg_dump_is_a_clear_error(monkeypatch, tmp_path):
    from pool import backup

    monkeypatch.setenv("PG_BIN", str(tmp_path))
    monkeypatch.setattr(backup.Path, "glob", lambda self, pattern: iter(()))
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    with pytest.raises(backup.BackupError, match="未找到 pg_dump：请安装 PostgreSQL 客户端工具"):
        backup._tool("pg_dump")
