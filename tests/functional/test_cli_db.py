"""`flask db upgrade` on a fresh clone: the SQLite file's folder (instance/) does not exist yet."""

from sqlalchemy import func, inspect, select

from config import TestConfig
from models import District, db
from pool import create_app


def test_db_upgrade_creates_the_missing_database_folder(tmp_path):
    database = tmp_path / "fresh-clone" / "instance" / "pool.db"

    class FreshClone(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{database}"

    app = create_app(FreshClone)
    assert not database.parent.exists()  # building the app touches no disk
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert database.is_file()
    with app.app_context():
        assert {"firms", "pools", "users"} <= set(inspect(db.engine).get_table_names())
        assert db.session.scalar(select(func.count()).select_from(District)) == 13
        db.session.remove()
        db.engine.dispose()
