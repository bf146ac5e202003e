"""membership district: the district a pool membership counts for, kept by triggers

A county officer's pools panel counts their district's decisions per month and endings: their county pool's
memberships and the city pool's members among their firms. The second half joined each of the year's city
decisions to its firm for the district (5,500 lookups, 40–60 ms of the page on PostgreSQL at a million firms).
`pool_memberships.scope_district` now holds the district each membership counts for (a county pool's district;
for the city pool, its firm's), indexed with the decision and ending times (the rule of `PoolMembership.district_code`, in SQL), and the
database keeps it right on every write path (the workflow engine, the checks' set-wise updates, bulk seeds,
hand-written SQL):

- on insert, and when a membership's level, pool or firm changes, it is looked up;
- when a firm moves district, its city memberships move with it; when a pool's district changes, its members.

SQLite: row triggers (AFTER, updating the new row). PostgreSQL: a BEFORE row trigger sets it on the row
itself; the moves are row triggers filtered by a WHEN on the district, so other updates of firms pay nothing.

Revision ID: 0018
Revises: 0014
Create Date: 2026-12-03 13:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0014'
branch_labels = None
depends_on = None


def _counts_for(row: str) -> str:
    return (f"CASE WHEN {row}level = 'city' THEN (SELECT district_code FROM firms WHERE firms.id = {row}firm_id)"
            f" ELSE (SELECT district_code FROM pools WHERE pools.id = {row}pool_id) END")


FIRM_MOVED = "UPDATE pool_memberships SET scope_district = new.district_code WHERE firm_id = new.id AND level = 'city';"
POOL_MOVED = "UPDATE pool_memberships SET scope_district = new.district_code WHERE pool_id = new.id AND level <> 'city';"

SQLITE_UP = (
    "CREATE TRIGGER pool_memberships_district_insert AFTER INSERT ON pool_memberships BEGIN\n"
    f"        UPDATE pool_memberships SET scope_district = {_counts_for('new.')} WHERE id = new.id;\n    END",
    "CREATE TRIGGER pool_memberships_district_update AFTER UPDATE OF level, pool_id, firm_id ON pool_memberships BEGIN\n"
    f"        UPDATE pool_memberships SET scope_district = {_counts_for('new.')} WHERE id = new.id;\n    END",
    "CREATE TRIGGER pool_memberships_district_firm AFTER UPDATE OF district_code ON firms"
    f" WHEN new.district_code IS NOT old.district_code BEGIN\n        {FIRM_MOVED}\n    END",
    "CREATE TRIGGER pool_memberships_district_pool AFTER UPDATE OF district_code ON pools"
    f" WHEN new.district_code IS NOT old.district_code BEGIN\n        {POOL_MOVED}\n    END",
)
SQLITE_DOWN = tuple(f"DROP TRIGGER IF EXISTS pool_memberships_district_{name}"
                    for name in ("insert", "update", "firm", "pool"))


def _pg_function(name: str, body: str, returns: str) -> str:
    return (f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$\n"
            f"    BEGIN\n        {body}\n        RETURN {returns};\n    END $$")


PG_UP = (
    _pg_function("pool_memberships_district_set", f"NEW.scope_district := {_counts_for('NEW.')};", "NEW"),
    _pg_function("pool_memberships_district_firm", FIRM_MOVED.replace("new.", "NEW."), "NULL"),
    _pg_function("pool_memberships_district_pool", POOL_MOVED.replace("new.", "NEW."), "NULL"),
    "CREATE TRIGGER pool_memberships_district_set BEFORE INSERT OR UPDATE OF level, pool_id, firm_id"
    " ON pool_memberships FOR EACH ROW EXECUTE FUNCTION pool_memberships_district_set()",
    "CREATE TRIGGER pool_memberships_district_firm AFTER UPDATE OF district_code ON firms FOR EACH ROW"
    " WHEN (OLD.district_code IS DISTINCT FROM NEW.district_code) EXECUTE FUNCTION pool_memberships_district_firm()",
    "CREATE TRIGGER pool_memberships_district_pool AFTER UPDATE OF district_code ON pools FOR EACH ROW"
    " WHEN (OLD.district_code IS DISTINCT FROM NEW.district_code) EXECUTE FUNCTION pool_memberships_district_pool()",
)
PG_DOWN = (
    "DROP TRIGGER IF EXISTS pool_memberships_district_pool ON pools",
    "DROP TRIGGER IF EXISTS pool_memberships_district_firm ON firms",
    "DROP TRIGGER IF EXISTS pool_memberships_district_set ON pool_memberships",
    *(f"DROP FUNCTION IF EXISTS pool_memberships_district_{name}()" for name in ("pool", "firm", "set")),
)


def upgrade():
    bind = op.get_bind()
    # Plain ALTER TABLE on both databases: a batch (copy-and-rename) table would trip SQLite over the other
    # triggers that name pool_memberships.
    op.add_column('pool_memberships', sa.Column('scope_district', sa.String(length=6), nullable=True))
    op.execute(f"UPDATE pool_memberships SET scope_district = {_counts_for('pool_memberships.')}")
    op.create_index('ix_pool_memberships_district_decided', 'pool_memberships', ['scope_district', 'decided_at', 'state'])
    op.create_index('ix_pool_memberships_district_ended', 'pool_memberships',
                    ['scope_district', 'ended_at', 'state', 'level', 'end_reason'])
    for statement in PG_UP if bind.dialect.name == "postgresql" else SQLITE_UP:
        op.execute(statement)


def downgrade():
    bind = op.get_bind()
    for statement in PG_DOWN if bind.dialect.name == "postgresql" else SQLITE_DOWN:
        op.execute(statement)
    op.drop_index('ix_pool_memberships_district_ended', table_name='pool_memberships')
    op.drop_index('ix_pool_memberships_district_decided', table_name='pool_memberships')
    op.execute("ALTER TABLE pool_memberships DROP COLUMN scope_district")  # SQLite 3.35+, as add_column above
