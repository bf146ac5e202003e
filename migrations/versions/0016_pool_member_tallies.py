"""pool member tallies: the admitted members per pool and firm district, kept by triggers

The scorecard's 市级/县级培育库在库企业 per district today, and the pools' fill, are read from
`pool_member_tallies` (models/tallies.py) instead of joining every member with its firm (at a million firms,
the city pool's join alone cost more than the page's budget on PostgreSQL). A membership counts while its
state is `admitted`, under its pool and its firm's district; the database keeps the tally in step, so every
write path follows (the workflow engine's one-row updates, the set-based fire_set of the checks, bulk seeds):

- SQLite: row triggers on pool_memberships (insert, delete, update of state, pool, level or firm) add or
  subtract one in the key's row; a firm's change of district moves its admitted memberships' counts.
- PostgreSQL: statement triggers with transition tables append each statement's differences per key (readers
  sum; `workflows.plans.tallies.compact_tallies` folds them), and the same for firms whose district changed.

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-03 10:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0013'
branch_labels = None
depends_on = None

KEY = "level, pool_id, district_code"
FIRM_DISTRICT = "(SELECT district_code FROM firms WHERE firms.id = {row}firm_id)"


# --------------------------------------------------------------------------------------------------- SQLite

def _sqlite_add(row: str, sign: int, when: str) -> str:
    district = FIRM_DISTRICT.format(row=row)
    match = f"level IS {row}level AND pool_id IS {row}pool_id AND district_code IS {district}"
    add = f"UPDATE pool_member_tallies SET n = n + ({sign}) WHERE {when} AND {match};"
    if sign < 0:
        return add
    return (f"{add}\n        INSERT INTO pool_member_tallies ({KEY}, n) SELECT {row}level, {row}pool_id, {district}, 1"
            f" WHERE {when} AND NOT EXISTS (SELECT 1 FROM pool_member_tallies WHERE {match});")


OLD_ADMITTED, NEW_ADMITTED = "old.state = 'admitted'", "new.state = 'admitted'"
SQLITE_UP = (
    "CREATE TRIGGER pool_members_tally_insert AFTER INSERT ON pool_memberships WHEN new.state = 'admitted' BEGIN\n"
    f"        {_sqlite_add('new.', 1, '1')}\n    END",
    "CREATE TRIGGER pool_members_tally_delete AFTER DELETE ON pool_memberships WHEN old.state = 'admitted' BEGIN\n"
    f"        {_sqlite_add('old.', -1, '1')}\n    END",
    "CREATE TRIGGER pool_members_tally_update AFTER UPDATE OF state, level, pool_id, firm_id ON pool_memberships"
    " WHEN old.state = 'admitted' OR new.state = 'admitted' BEGIN\n"
    f"        {_sqlite_add('old.', -1, OLD_ADMITTED)}\n"
    f"        {_sqlite_add('new.', 1, NEW_ADMITTED)}\n    END",
    # A firm that changes district takes its admitted memberships' counts along (one row per key moved).
    "CREATE TRIGGER pool_members_tally_firm AFTER UPDATE OF district_code ON firms"
    " WHEN new.district_code IS NOT old.district_code BEGIN\n"
    f"        INSERT INTO pool_member_tallies ({KEY}, n) SELECT level, pool_id, old.district_code, -count(*)"
    " FROM pool_memberships WHERE firm_id = new.id AND state = 'admitted' GROUP BY level, pool_id;\n"
    f"        INSERT INTO pool_member_tallies ({KEY}, n) SELECT level, pool_id, new.district_code, count(*)"
    " FROM pool_memberships WHERE firm_id = new.id AND state = 'admitted' GROUP BY level, pool_id;\n    END",
)
SQLITE_DOWN = tuple(f"DROP TRIGGER IF EXISTS pool_members_tally_{name}" for name in ("insert", "delete", "update", "firm"))

# ----------------------------------------------------------------------------------------------- PostgreSQL


def _pg_members(sources: tuple[tuple[str, int], ...]) -> str:
    parts = " UNION ALL ".join(
        f"SELECT m.level, m.pool_id, f.district_code, {sign} AS d FROM {source} m JOIN firms f ON f.id = m.firm_id"
        f" WHERE m.state = 'admitted'" for source, sign in sources)
    return (f"INSERT INTO pool_member_tallies ({KEY}, n) SELECT {KEY}, sum(d) FROM ({parts}) AS changes"
            f" GROUP BY {KEY} HAVING sum(d) <> 0;")


def _pg_function(name: str, body: str) -> str:
    return (f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$\n"
            f"    BEGIN\n        {body}\n        RETURN NULL;\n    END $$")


FIRM_MOVES = (
    f"INSERT INTO pool_member_tallies ({KEY}, n) SELECT m.level, m.pool_id, x.district_code, sum(x.d)"
    " FROM (SELECT n.id, n.district_code, 1 AS d FROM new_firms n JOIN old_firms o ON o.id = n.id"
    " WHERE n.district_code IS DISTINCT FROM o.district_code"
    " UNION ALL SELECT o.id, o.district_code, -1 FROM new_firms n JOIN old_firms o ON o.id = n.id"
    " WHERE n.district_code IS DISTINCT FROM o.district_code) AS x"
    " JOIN pool_memberships m ON m.firm_id = x.id AND m.state = 'admitted'"
    " GROUP BY m.level, m.pool_id, x.district_code HAVING sum(x.d) <> 0;"
)
PG_UP = (
    _pg_function("pool_members_tally_inserted", _pg_members((("new_rows", 1),))),
    _pg_function("pool_members_tally_deleted", _pg_members((("old_rows", -1),))),
    _pg_function("pool_members_tally_updated", _pg_members((("new_rows", 1), ("old_rows", -1)))),
    _pg_function("pool_members_tally_truncated", "TRUNCATE pool_member_tallies;"),
    _pg_function("pool_members_tally_firms", FIRM_MOVES),
    "CREATE TRIGGER pool_members_tally_insert AFTER INSERT ON pool_memberships REFERENCING NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION pool_members_tally_inserted()",
    "CREATE TRIGGER pool_members_tally_delete AFTER DELETE ON pool_memberships REFERENCING OLD TABLE AS old_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION pool_members_tally_deleted()",
    "CREATE TRIGGER pool_members_tally_update AFTER UPDATE ON pool_memberships"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pool_members_tally_updated()",
    "CREATE TRIGGER pool_members_tally_truncate AFTER TRUNCATE ON pool_memberships FOR EACH STATEMENT"
    " EXECUTE FUNCTION pool_members_tally_truncated()",
    "CREATE TRIGGER pool_members_tally_firms AFTER UPDATE ON firms"
    " REFERENCING OLD TABLE AS old_firms NEW TABLE AS new_firms FOR EACH STATEMENT EXECUTE FUNCTION pool_members_tally_firms()",
)
PG_DOWN = (
    "DROP TRIGGER IF EXISTS pool_members_tally_firms ON firms",
    *(f"DROP TRIGGER IF EXISTS pool_members_tally_{name} ON pool_memberships"
      for name in ("truncate", "update", "delete", "insert")),
    *(f"DROP FUNCTION IF EXISTS pool_members_tally_{name}()"
      for name in ("firms", "truncated", "updated", "deleted", "inserted")),
)


def upgrade():
    bind = op.get_bind()
    op.create_table('pool_member_tallies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pool_member_tallies'))
    )
    op.create_index('ix_pool_member_tallies_key', 'pool_member_tallies', ['level', 'pool_id', 'district_code'])
    op.execute(f"INSERT INTO pool_member_tallies ({KEY}, n) SELECT m.level, m.pool_id, f.district_code, count(*)"
               " FROM pool_memberships m JOIN firms f ON f.id = m.firm_id WHERE m.state = 'admitted'"
               f" GROUP BY m.level, m.pool_id, f.district_code")
    for statement in PG_UP if bind.dialect.name == "postgresql" else SQLITE_UP:
        op.execute(statement)


def downgrade():
    bind = op.get_bind()
    for statement in PG_DOWN if bind.dialect.name == "postgresql" else SQLITE_DOWN:
        op.execute(statement)
    op.drop_index('ix_pool_member_tallies_key', table_name='pool_member_tallies')
    op.drop_table('pool_member_tallies')
