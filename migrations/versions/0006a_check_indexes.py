"""check indexes: flags by their full key, whatever their state

The one-live-flag unique index is partial (WHERE is_open), and SQLite uses a partial index only when the
query repeats its predicate verbatim; the checks' reconciliation asks `is_open IS 1`, so on SQLite every
new hit scanned all flags of its kind (a rerun of a check with 30,000 hits: 67 s instead of 0.9 s). A plain
index on the same columns serves both databases.

Revision ID: 0006a
Revises: 0006
Create Date: 2026-12-03 09:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006a'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_flags_subject_key', 'flags', ['subject_type', 'subject_id', 'kind', 'period'], unique=False)


def downgrade():
    op.drop_index('ix_flags_subject_key', table_name='flags')
