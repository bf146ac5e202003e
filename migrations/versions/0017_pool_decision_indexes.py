"""pool decision indexes: the dashboard's decisions per month and endings read from covering indexes

The pools panel counts a period's decisions per month and state, and its removals and graduations per level,
state and reason. With the decision time alone indexed, each of the year's tens of thousands of decisions was
a visit to its row for the state (20 ms of the page on PostgreSQL at a million firms); these indexes hold
what the two counts read.

Revision ID: 0017
Revises: 0015_import_provenance
Create Date: 2026-12-03 11:10:00
"""
from alembic import op

revision = '0017'
down_revision = '0015_import_provenance'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_pool_memberships_decided_at', table_name='pool_memberships')
    op.create_index('ix_pool_memberships_decided', 'pool_memberships', ['decided_at', 'state'])
    op.create_index('ix_pool_memberships_ended', 'pool_memberships', ['ended_at', 'state', 'level', 'end_reason'])


def downgrade():
    op.drop_index('ix_pool_memberships_ended', table_name='pool_memberships')
    op.drop_index('ix_pool_memberships_decided', table_name='pool_memberships')
    op.create_index('ix_pool_memberships_decided_at', 'pool_memberships', ['decided_at'])
