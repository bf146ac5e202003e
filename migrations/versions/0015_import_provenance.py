"""import provenance: a figure row inserted by an import points at its run

An import of a year's figures inserts millions of rows. Until now each one got its own `indicators_create`
audit event carrying the values it was created with: a second copy of every figure, and the largest share
of the import's write time. Now the row says which run inserted it (`annual_indicators.import_run_id`); the
run (`import_runs`) already records who ran it, when, the file's name and SHA-256. Values that change later
still get an event each with old and new, so "who set this figure, from what to what" is answered by the
latest change event touching the figure, or else by the run that inserted the row (from nothing to the value
the row held before its first change: `workflows.provenance`).

No index: the column is read per firm (the firm's few rows, found by firm_id), never searched by run.

Revision ID: 0015_import_provenance
Revises: 0016
Create Date: 2026-12-03 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0015_import_provenance'
down_revision = '0016'
branch_labels = None
depends_on = None

FK = "fk_annual_indicators_import_run_id"


def upgrade():
    """SQLite adds the column with its reference in place (no table copy: instant at three million rows)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE annual_indicators ADD COLUMN import_run_id INTEGER"
                   " REFERENCES import_runs (id) ON DELETE SET NULL")
        return
    op.add_column("annual_indicators", sa.Column("import_run_id", sa.Integer(), nullable=True))
    op.create_foreign_key(FK, "annual_indicators", "import_runs", ["import_run_id"], ["id"], ondelete="SET NULL")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":  # SQLite cannot drop a column that references: copy the table
        with op.batch_alter_table("annual_indicators") as batch:
            batch.drop_column("import_run_id")
        return
    op.drop_constraint(FK, "annual_indicators", type_="foreignkey")
    op.drop_column("annual_indicators", "import_run_id")
