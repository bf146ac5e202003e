"""initial schema, and the 13 divisions of Hangzhou after the 2021 adjustment (domain-facts §5)

Revision ID: 0001
Revises: 
Create Date: 2026-11-30 04:14:33.337445

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


DISTRICTS = [
    ("330102", "上城区", "区"), ("330105", "拱墅区", "区"), ("330106", "西湖区", "区"),
    ("330108", "滨江区", "区"), ("330109", "萧山区", "区"), ("330110", "余杭区", "区"),
    ("330111", "富阳区", "区"), ("330112", "临安区", "区"), ("330113", "临平区", "区"),
    ("330114", "钱塘区", "区"), ("330122", "桐庐县", "县"), ("330127", "淳安县", "县"),
    ("330182", "建德市", "县级市"),
]


def upgrade():
    districts = op.create_table('districts',
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_districts')),
    sa.UniqueConstraint('name', name=op.f('uq_districts_name'))
    )
    op.bulk_insert(districts, [
        {"code": code, "name": name, "kind": kind, "sort_order": i}
        for i, (code, name, kind) in enumerate(DISTRICTS, start=1)
    ])
    op.create_table('firms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('legal_form', sa.String(length=20), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('industry', sa.String(length=5), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('abnormal', sa.Boolean(), nullable=False),
    sa.Column('serious_violation', sa.Boolean(), nullable=False),
    sa.Column('tech_sme', sa.Boolean(), nullable=False),
    sa.Column('high_tech', sa.Boolean(), nullable=False),
    sa.Column('size_class', sa.String(length=10), nullable=False),
    sa.Column('predecessor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['district_code'], ['districts.code'], name=op.f('fk_firms_district_code_districts')),
    sa.ForeignKeyConstraint(['predecessor_id'], ['firms.id'], name=op.f('fk_firms_predecessor_id_firms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_firms')),
    sa.UniqueConstraint('uscc', name=op.f('uq_firms_uscc'))
    )
    with op.batch_alter_table('firms', schema=None) as batch_op:
        batch_op.create_index('ix_firms_district_stage', ['district_code', 'stage'], unique=False)
        batch_op.create_index(batch_op.f('ix_firms_industry'), ['industry'], unique=False)
        batch_op.create_index('ix_firms_name', ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_firms_predecessor_id'), ['predecessor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_firms_size_class'), ['size_class'], unique=False)
        batch_op.create_index(batch_op.f('ix_firms_stage'), ['stage'], unique=False)
        batch_op.create_index(batch_op.f('ix_firms_status'), ['status'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('display_name', sa.String(length=40), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['district_code'], ['districts.code'], name=op.f('fk_users_district_code_districts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('annual_indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('revenue', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('tax', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('profit', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('employees', sa.Integer(), nullable=True),
    sa.Column('rd_expense', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('rd_staff', sa.Integer(), nullable=True),
    sa.Column('total_assets', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('export', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('revenue >= 0 AND tax >= 0 AND employees >= 0 AND rd_expense >= 0 AND rd_staff >= 0 AND total_assets >= 0 AND export >= 0', name=op.f('ck_annual_indicators_non_negative')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_annual_indicators_year_range')),
    sa.ForeignKeyConstraint(['firm_id'], ['firms.id'], name=op.f('fk_annual_indicators_firm_id_firms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_indicators')),
    sa.UniqueConstraint('firm_id', 'year', name=op.f('uq_annual_indicators_firm_id'))
    )
    with op.batch_alter_table('annual_indicators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annual_indicators_firm_id'), ['firm_id'], unique=False)

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_type', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('from_state', sa.String(length=30), nullable=True),
    sa.Column('to_state', sa.String(length=30), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=80), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users')),
    sa.ForeignKeyConstraint(['firm_id'], ['firms.id'], name=op.f('fk_audit_events_firm_id_firms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_firm_at', ['firm_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_events_subject', ['subject_type', 'subject_id'], unique=False)

    op.create_table('upgrade_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('state_entered_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_upgrade_cases_assignee_id_users')),
    sa.ForeignKeyConstraint(['firm_id'], ['firms.id'], name=op.f('fk_upgrade_cases_firm_id_firms')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_upgrade_cases_opened_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_upgrade_cases'))
    )
    with op.batch_alter_table('upgrade_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_upgrade_cases_firm_id'), ['firm_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_upgrade_cases_is_open'), ['is_open'], unique=False)
        batch_op.create_index('ix_upgrade_cases_kind_state', ['kind', 'state'], unique=False)
        batch_op.create_index('uq_upgrade_cases_one_open', ['firm_id', 'kind'], unique=True, sqlite_where=sa.text('is_open'), postgresql_where=sa.text('is_open'))



def downgrade():
    with op.batch_alter_table('upgrade_cases', schema=None) as batch_op:
        batch_op.drop_index('uq_upgrade_cases_one_open', sqlite_where=sa.text('is_open'), postgresql_where=sa.text('is_open'))
        batch_op.drop_index('ix_upgrade_cases_kind_state')
        batch_op.drop_index(batch_op.f('ix_upgrade_cases_is_open'))
        batch_op.drop_index(batch_op.f('ix_upgrade_cases_firm_id'))

    op.drop_table('upgrade_cases')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_subject')
        batch_op.drop_index('ix_audit_events_firm_at')

    op.drop_table('audit_events')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    with op.batch_alter_table('annual_indicators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annual_indicators_firm_id'))

    op.drop_table('annual_indicators')
    op.drop_table('users')
    with op.batch_alter_table('firms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_firms_status'))
        batch_op.drop_index(batch_op.f('ix_firms_stage'))
        batch_op.drop_index(batch_op.f('ix_firms_size_class'))
        batch_op.drop_index(batch_op.f('ix_firms_predecessor_id'))
        batch_op.drop_index('ix_firms_name')
        batch_op.drop_index(batch_op.f('ix_firms_industry'))
        batch_op.drop_index('ix_firms_district_stage')

    op.drop_table('firms')
    op.drop_table('districts')
