"""audit append-only: the database itself refuses an UPDATE or DELETE of audit_events

The models refuse it through the ORM (models/audit.py); these triggers refuse it for every other path too
(plain SQL, a set-based statement, a console session), on both databases. TRUNCATE is the schema owner's
operation and stays possible (the tests empty their tables with it on PostgreSQL). On SQLite the test
teardown, the one place that deletes audit events, drops and recreates the triggers around its DELETE
(`drop` and `create` below).

Revision ID: 0014
Revises: 0017
Create Date: 2026-12-03 10:00:00
"""
from alembic import op

revision = '0014'
down_revision = '0017'
branch_labels = None
depends_on = None

MESSAGE = '审计记录只能追加，不能修改或删除'

SQLITE = tuple(
    f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    for verb in ('UPDATE', 'DELETE')
)
POSTGRESQL = (
    "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'; END $$",
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
)


def create(conn) -> None:
    for statement in (POSTGRESQL if conn.dialect.name == 'postgresql' else SQLITE):
        conn.exec_driver_sql(statement)


def drop(conn) -> None:
    if conn.dialect.name == 'postgresql':
        conn.exec_driver_sql('DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events')
        conn.exec_driver_sql('DROP FUNCTION IF EXISTS audit_events_append_only()')
    else:
        for verb in ('update', 'delete'):
            conn.exec_driver_sql(f'DROP TRIGGER IF EXISTS audit_events_no_{verb}')


def upgrade():
    create(op.get_bind())


def downgrade():
    drop(op.get_bind())
