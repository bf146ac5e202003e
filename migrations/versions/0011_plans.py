"""plans: the plan as data (plans, metrics, district targets, reported figures), label dates on firms,
and the 2021—2023 plan seeded with every target of its §二 (workflows/data/plan_2021_2023.toml)

Revision ID: 0011
Revises: 0006a
Create Date: 2026-12-03 08:00:00

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0006a'
branch_labels = None
depends_on = None

FIGURE = sa.Numeric(18, 4)


def upgrade():
    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_name', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans')),
    sa.UniqueConstraint('name', name=op.f('uq_plans_name'))
    )
    op.create_table('plan_metrics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('section', sa.String(length=40), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('target', FIGURE, nullable=True),
    sa.Column('comparison', sa.String(length=10), nullable=False),
    sa.Column('accumulation', sa.String(length=10), nullable=False),
    sa.Column('per_year', sa.Boolean(), nullable=False),
    sa.Column('responsible', sa.String(length=100), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_metrics_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_metrics')),
    sa.UniqueConstraint('plan_id', 'key', name=op.f('uq_plan_metrics_plan_id'))
    )
    op.create_index(op.f('ix_plan_metrics_plan_id'), 'plan_metrics', ['plan_id'], unique=False)
    op.create_table('plan_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_metric_id', sa.Integer(), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('target', FIGURE, nullable=False),
    sa.ForeignKeyConstraint(['district_code'], ['districts.code'], name=op.f('fk_plan_targets_district_code_districts')),
    sa.ForeignKeyConstraint(['plan_metric_id'], ['plan_metrics.id'], name=op.f('fk_plan_targets_plan_metric_id_plan_metrics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_targets')),
    sa.UniqueConstraint('plan_metric_id', 'district_code', name=op.f('uq_plan_targets_plan_metric_id'))
    )
    op.create_table('reported_figures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_metric_id', sa.Integer(), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=True),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('value', FIGURE, nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_by_name', sa.String(length=80), nullable=False),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['district_code'], ['districts.code'], name=op.f('fk_reported_figures_district_code_districts')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_reported_figures_entered_by_id_users')),
    sa.ForeignKeyConstraint(['plan_metric_id'], ['plan_metrics.id'], name=op.f('fk_reported_figures_plan_metric_id_plan_metrics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reported_figures'))
    )
    op.create_index('ix_reported_figures_metric_as_of', 'reported_figures', ['plan_metric_id', 'district_code', 'as_of'], unique=False)
    # Plain ALTER TABLE, never a batch copy of `firms`: on SQLite with foreign keys on, dropping the old table
    # would cascade to every firm's annual figures.
    op.add_column('firms', sa.Column('tech_sme_on', sa.Date(), nullable=True))
    op.add_column('firms', sa.Column('high_tech_on', sa.Date(), nullable=True))
    op.create_index('ix_firms_tech_sme_on', 'firms', ['tech_sme_on'], unique=False)
    op.create_index('ix_firms_high_tech_on', 'firms', ['high_tech_on'], unique=False)
    _dashboard_indexes()
    _seed_plan()


def _dashboard_indexes():
    """What the dashboard's as-of queries look up: cases by kind and closing time, memberships by level,
    status changes among the audit events."""
    op.create_index('ix_upgrade_cases_kind_closed', 'upgrade_cases', ['kind', 'state', 'closed_at'], unique=False)
    op.create_index('ix_pool_memberships_level_state', 'pool_memberships', ['level', 'state', 'decided_at'], unique=False)
    op.create_index('ix_audit_events_action', 'audit_events', ['action', 'subject_type'], unique=False)


def _seed_plan():
    from workflows.plans.plan_file import read_plan_file

    data = read_plan_file()
    conn = op.get_bind()
    types = {'starts_on': sa.Date(), 'ends_on': sa.Date(), 'created_at': sa.DateTime(), 'target': FIGURE,
             'per_year': sa.Boolean(), 'plan_id': sa.Integer(), 'sort_order': sa.Integer()}
    plans = sa.table('plans', *(sa.column(c, types.get(c)) for c in (
        'name', 'starts_on', 'ends_on', 'source', 'note', 'created_at', 'created_by_name')))
    metrics = sa.table('plan_metrics', *(sa.column(c, types.get(c)) for c in (
        'plan_id', 'key', 'kind', 'label', 'section', 'unit', 'target', 'comparison', 'accumulation', 'per_year',
        'responsible', 'note', 'sort_order')))
    now = datetime.now(UTC).replace(tzinfo=None)
    conn.execute(plans.insert().values(**data['plan'], created_at=now, created_by_name='system'))
    plan_id = conn.execute(sa.text('SELECT id FROM plans WHERE name = :name'), {'name': data['plan']['name']}).scalar()
    rows = [{k: v for k, v in m.items() if k != 'district_targets'} | {'plan_id': plan_id} for m in data['metrics']]
    conn.execute(metrics.insert(), rows)


def downgrade():
    op.drop_index('ix_audit_events_action', table_name='audit_events')
    op.drop_index('ix_pool_memberships_level_state', table_name='pool_memberships')
    op.drop_index('ix_upgrade_cases_kind_closed', table_name='upgrade_cases')
    op.drop_index('ix_firms_high_tech_on', table_name='firms')
    op.drop_index('ix_firms_tech_sme_on', table_name='firms')
    op.drop_column('firms', 'high_tech_on')  # SQLite ≥ 3.35 drops a column in place (no table copy)
    op.drop_column('firms', 'tech_sme_on')
    op.drop_index('ix_reported_figures_metric_as_of', table_name='reported_figures')
    op.drop_table('reported_figures')
    op.drop_table('plan_targets')
    op.drop_index(op.f('ix_plan_metrics_plan_id'), table_name='plan_metrics')
    op.drop_table('plan_metrics')
    op.drop_table('plans')
