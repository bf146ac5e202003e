"""firm tallies: the register's counts per district and stage, and per district and month of registration,
kept by triggers; stored figures (the R&D rates, computed nightly); indexes for the dashboard's counts

The dashboard's whole-register counts (the funnel's rungs, the plan's new small firms) are read from
`firm_stage_tallies` and `firm_month_tallies` (models/tallies.py), built here for the firms already stored and
kept in step afterwards by the database itself, so every write path follows.

- SQLite: row triggers (after insert, delete, and update of the columns a key reads) add or subtract one in
  the key's row, inserting it when missing. One writer at a time: no row is ever contended.
- PostgreSQL: statement triggers with transition tables append each statement's differences, grouped by key
  (a million-row import costs one grouped INSERT per tally), and never update a shared row: concurrent writers
  (an import and an officer's edit) never wait on each other here. Readers sum a key's rows;
  `workflows.plans.tallies.compact_tallies` folds them. TRUNCATE empties the tallies too.

Indexes: firms by registration date (the days of a partial month, and the new-firm lists), pool memberships
by decision time (decisions per month), and covering indexes the plan's counts read alone: the 科技型/高新
labels (replacing 0011's single-column date indexes), the upper rungs (股份有限公司 held on a day) and the pool
memberships on a day.

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-03 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0008'
branch_labels = None
depends_on = None

NOT_SMALL = "('medium', 'large')"  # workflows.plans.registry.NOT_SMALL: small, micro and not yet classified count
INDIVIDUAL = "'个体工商户'"
FIGURE = sa.Numeric(18, 4)
STAGE_KEY = ("district_code", "stage", "status")
MONTH_KEY = ("district_code", "month", "small", "individual", "tagged")


def month_values(row: str, dialect: str) -> tuple[str, ...]:
    """The month tally's key of a firm row, as SQL (the registry's definitions of new small firms)."""
    if dialect == "postgresql":
        month, tags = f"coalesce(to_char({row}registered_on, 'YYYY-MM'), '')", f"{row}tags::text"
    else:
        month, tags = f"coalesce(substr({row}registered_on, 1, 7), '')", f"{row}tags"
    return (f"{row}district_code", month, f"({row}size_class NOT IN {NOT_SMALL})", f"({row}legal_form = {INDIVIDUAL})",
            f"(coalesce({tags}, '[]') LIKE '%\"%')")


def stage_values(row: str) -> tuple[str, ...]:
    return tuple(f"{row}{c}" for c in STAGE_KEY)


# --------------------------------------------------------------------------------------------------- SQLite

def _sqlite_add(table: str, key: tuple[str, ...], values: tuple[str, ...], sign: int) -> str:
    match = " AND ".join(f"{k} IS {v}" for k, v in zip(key, values, strict=True))
    add = f"UPDATE {table} SET n = n + ({sign}) WHERE {match};"
    if sign < 0:  # the row is there: the firm was counted in it
        return add
    return (f"{add}\n        INSERT INTO {table} ({', '.join(key)}, n) SELECT {', '.join(values)}, 1"
            f" WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE {match});")


def _sqlite_changed(key_values) -> str:
    return " OR ".join(f"{n} IS NOT {o}" for n, o in zip(key_values("new."), key_values("old."), strict=True))


def sqlite_triggers() -> tuple[str, ...]:
    stage = ("firm_stage_tallies", STAGE_KEY)
    month = ("firm_month_tallies", MONTH_KEY)

    def both(row: str, sign: int) -> str:
        return (_sqlite_add(*stage, stage_values(row), sign) + "\n        "
                + _sqlite_add(*month, month_values(row, "sqlite"), sign))

    def moved(table_key, values) -> str:
        return (_sqlite_add(*table_key, values("old."), -1) + "\n        " + _sqlite_add(*table_key, values("new."), 1))

    def month_of(row):
        return month_values(row, "sqlite")

    return (
        f"CREATE TRIGGER firms_tally_insert AFTER INSERT ON firms BEGIN\n        {both('new.', 1)}\n    END",
        f"CREATE TRIGGER firms_tally_delete AFTER DELETE ON firms BEGIN\n        {both('old.', -1)}\n    END",
        f"CREATE TRIGGER firms_tally_stage AFTER UPDATE OF {', '.join(STAGE_KEY)} ON firms"
        f" WHEN {_sqlite_changed(stage_values)} BEGIN\n        {moved(stage, stage_values)}\n    END",
        "CREATE TRIGGER firms_tally_month AFTER UPDATE OF district_code, registered_on, size_class, legal_form, tags"
        f" ON firms WHEN {_sqlite_changed(month_of)} BEGIN\n        {moved(month, month_of)}\n    END",
    )


SQLITE_DOWN = tuple(f"DROP TRIGGER IF EXISTS firms_tally_{name}" for name in ("insert", "delete", "stage", "month"))

# ----------------------------------------------------------------------------------------------- PostgreSQL


def _pg_grouped(table: str, key: tuple[str, ...], values, sources: tuple[tuple[str, int], ...]) -> str:
    """One INSERT of each key's net difference over the transition tables (source, sign)."""
    parts = " UNION ALL ".join(
        f"SELECT {', '.join(f'{v} AS {k}' for k, v in zip(key, values(''), strict=True))}, {sign} AS d FROM {source}"
        for source, sign in sources)
    columns = ", ".join(key)
    return (f"INSERT INTO {table} ({columns}, n) SELECT {columns}, sum(d) FROM ({parts}) AS changes"
            f" GROUP BY {columns} HAVING sum(d) <> 0;")


def _pg_function(name: str, sources: tuple[tuple[str, int], ...]) -> str:
    body = "\n        ".join((
        _pg_grouped("firm_stage_tallies", STAGE_KEY, stage_values, sources),
        _pg_grouped("firm_month_tallies", MONTH_KEY, lambda row: month_values(row, "postgresql"), sources),
    ))
    return (f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$\n"
            f"    BEGIN\n        {body}\n        RETURN NULL;\n    END $$")


PG_UP = (
    _pg_function("firms_tally_inserted", (("new_firms", 1),)),
    _pg_function("firms_tally_deleted", (("old_firms", -1),)),
    _pg_function("firms_tally_updated", (("new_firms", 1), ("old_firms", -1))),
    """CREATE FUNCTION firms_tally_truncated() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    BEGIN
        TRUNCATE firm_stage_tallies, firm_month_tallies;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER firms_tally_insert AFTER INSERT ON firms REFERENCING NEW TABLE AS new_firms"
    " FOR EACH STATEMENT EXECUTE FUNCTION firms_tally_inserted()",
    "CREATE TRIGGER firms_tally_delete AFTER DELETE ON firms REFERENCING OLD TABLE AS old_firms"
    " FOR EACH STATEMENT EXECUTE FUNCTION firms_tally_deleted()",
    # A transition table admits no column list: every UPDATE of firms runs it, and the unchanged keys net out.
    "CREATE TRIGGER firms_tally_update AFTER UPDATE ON firms REFERENCING OLD TABLE AS old_firms NEW TABLE AS new_firms"
    " FOR EACH STATEMENT EXECUTE FUNCTION firms_tally_updated()",
    "CREATE TRIGGER firms_tally_truncate AFTER TRUNCATE ON firms FOR EACH STATEMENT"
    " EXECUTE FUNCTION firms_tally_truncated()",
)
PG_DOWN = (
    *(f"DROP TRIGGER IF EXISTS firms_tally_{name} ON firms" for name in ("truncate", "update", "delete", "insert")),
    *(f"DROP FUNCTION IF EXISTS firms_tally_{name}()" for name in ("truncated", "updated", "deleted", "inserted")),
)


def fill(dialect: str) -> tuple[str, ...]:
    sources = (("firms", 1),)
    return (
        _pg_grouped("firm_stage_tallies", STAGE_KEY, stage_values, sources),
        _pg_grouped("firm_month_tallies", MONTH_KEY, lambda row: month_values(row, dialect), sources),
    )


def upgrade():
    bind = op.get_bind()
    op.create_table('firm_stage_tallies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_firm_stage_tallies'))
    )
    op.create_index('ix_firm_stage_tallies_key', 'firm_stage_tallies', ['district_code', 'stage', 'status'])
    op.create_table('firm_month_tallies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('small', sa.Boolean(), nullable=False),
    sa.Column('individual', sa.Boolean(), nullable=False),
    sa.Column('tagged', sa.Boolean(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_firm_month_tallies'))
    )
    op.create_index('ix_firm_month_tallies_key', 'firm_month_tallies',
                    ['month', 'district_code', 'small', 'individual', 'tagged'])
    op.create_table('stored_figures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=40), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('num', FIGURE, nullable=False),
    sa.Column('den', FIGURE, nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_figures')),
    sa.UniqueConstraint('metric', 'start', 'as_of', 'district_code', name=op.f('uq_stored_figures_metric'))
    )
    for statement in fill(bind.dialect.name):
        op.execute(statement)
    for statement in PG_UP if bind.dialect.name == "postgresql" else sqlite_triggers():
        op.execute(statement)
    op.create_index('ix_firms_registered_on', 'firms', ['registered_on'])
    op.create_index('ix_pool_memberships_decided_at', 'pool_memberships', ['decided_at'])
    # The labels' counts read these alone (covering): the labelled firms, not the register.
    op.drop_index('ix_firms_tech_sme_on', table_name='firms')
    op.drop_index('ix_firms_high_tech_on', table_name='firms')
    op.create_index('ix_firms_tech_sme_figures', 'firms', ['tech_sme', 'size_class', 'tech_sme_on', 'district_code'])
    op.create_index('ix_firms_high_tech_figures', 'firms', ['high_tech', 'high_tech_on', 'district_code'])
    op.create_index('ix_firms_stage_figures', 'firms', ['stage', 'status', 'registered_on', 'district_code'])
    op.create_index('ix_pool_memberships_figures', 'pool_memberships',
                    ['level', 'state', 'decided_at', 'ended_at', 'pool_id', 'firm_id'])


def downgrade():
    bind = op.get_bind()
    op.drop_index('ix_pool_memberships_figures', table_name='pool_memberships')
    op.drop_index('ix_firms_stage_figures', table_name='firms')
    op.drop_index('ix_firms_high_tech_figures', table_name='firms')
    op.drop_index('ix_firms_tech_sme_figures', table_name='firms')
    op.create_index('ix_firms_tech_sme_on', 'firms', ['tech_sme_on'])
    op.create_index('ix_firms_high_tech_on', 'firms', ['high_tech_on'])
    op.drop_index('ix_pool_memberships_decided_at', table_name='pool_memberships')
    op.drop_index('ix_firms_registered_on', table_name='firms')
    for statement in PG_DOWN if bind.dialect.name == "postgresql" else SQLITE_DOWN:
        op.execute(statement)
    op.drop_table('stored_figures')
    op.drop_index('ix_firm_month_tallies_key', table_name='firm_month_tallies')
    op.drop_table('firm_month_tallies')
    op.drop_index('ix_firm_stage_tallies_key', table_name='firm_stage_tallies')
    op.drop_table('firm_stage_tallies')
