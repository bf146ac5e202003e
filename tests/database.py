"""How a test's database is isolated: a rolled-back outer transaction (the default), or data committed for
real and emptied afterwards (`committed_db` tests, and the module-scoped demo registers). See tests/conftest.py.
"""

from contextlib import contextmanager

from sqlalchemy import text

DATA_TABLES = ("login_events", "honours", "campaign_entries", "campaign_quotas", "campaigns", "export_jobs", "run_leases",
               "scheduler_processes", "check_hits", "flags", "metric_snapshots", "check_runs", "import_runs",
               "reported_figures", "stored_figures", "audit_events", "pool_memberships", "upgrade_cases", "annual_indicators", "api_tokens",
               "firms", "users")


@contextmanager
def rolled_back(db):
    """Point `db.session` at one connection in an outer transaction; its commits release SAVEPOINTs only."""
    from flask_sqlalchemy.session import Session
    from sqlalchemy.orm import scoped_session, sessionmaker

    class OneConnection(Session):
        def get_bind(self, *args, **kwargs):  # Flask-SQLAlchemy's picks the engine, not the session's bind
            return self.bind

    connection = db.engine.connect()
    outer = connection.begin()
    driver, legacy = None, None
    if connection.dialect.name == "sqlite":
        # pysqlite begins transactions on its own, and the RELEASE of an outermost SAVEPOINT is a COMMIT:
        # take the transaction control from it for this connection and begin explicitly.
        driver = connection.connection.driver_connection
        legacy, driver.isolation_level = driver.isolation_level, None
        connection.exec_driver_sql("BEGIN")
    original = db.session
    factory = sessionmaker(class_=OneConnection, db=db, bind=connection, query_cls=db.Query,
                           join_transaction_mode="create_savepoint")
    db.session = scoped_session(factory, scopefunc=original.registry.scopefunc)
    try:
        yield
    finally:
        db.session.remove()
        db.session = original
        outer.rollback()
        if driver is not None:
            driver.isolation_level = legacy
        connection.close()


def reset_database(app) -> None:
    """Empty the data tables and put the pools back as migrated (inside an app context): after a
    `committed_db` test, and after the module-scoped fixtures that seed a whole register (the demo tests)."""
    from models import db
    from tests.audit_trail import WATCH, audit_guard

    db.session.rollback()
    db.session.remove()
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # TRUNCATE fires no row trigger: the audit guard stays
            conn.execute(text(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE"))
        else:
            guard = audit_guard()
            guard.drop(conn)  # the one DELETE of audit_events there is: the test data's, between tests
            WATCH.allowed = True
            try:
                for table in DATA_TABLES:
                    conn.execute(text(f"DELETE FROM {table}"))
            finally:
                WATCH.allowed = False
            guard.create(conn)
        conn.execute(text("UPDATE pools SET target = :target, capacity = :capacity, admit_seq = 0 WHERE id = :id"),
                     app.config["POOL_SNAPSHOT"])


