"""login events and session generations

`login_events`: every login attempt of the pages (who as typed, the user when known, when, the client's
address, the result and its reason), read by admins on /admin/logins. `users.session_generation`: part of
every session's and remember-me cookie's user id, bumped by logout, a password change or deactivation so
that every cookie issued before stops working.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('session_generation', sa.Integer(), nullable=False, server_default='0'))
    op.create_table(
        'login_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('username', sa.String(length=40), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('result', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.String(length=30), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_events_user_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_events')),
    )
    op.create_index('ix_login_events_at', 'login_events', ['at'])
    op.create_index('ix_login_events_username_at', 'login_events', ['username', 'at'])


def downgrade():
    op.drop_index('ix_login_events_username_at', table_name='login_events')
    op.drop_index('ix_login_events_at', table_name='login_events')
    op.drop_table('login_events')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('session_generation')
