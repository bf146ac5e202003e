"""pools and memberships; the city pool (target 12,000) and one county pool per district

The county targets start as an even split of the plan's 45,000 (largest remainders); an admin replaces
them with `flask --app wsgi pools split-targets` once firms are loaded.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 05:08:56.360333

"""
from datetime import datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


COUNTY_TOTAL, CITY_TARGET = 45_000, 12_000
NOW = datetime(2026, 11, 30)  # a fixed stamp: a migration must not read the clock into its data
DISTRICTS = ["330102", "330105", "330106", "330108", "330109", "330110", "330111", "330112", "330113",
             "330114", "330122", "330127", "330182"]
NAMES = ["上城区", "拱墅区", "西湖区", "滨江区", "萧山区", "余杭区", "富阳区", "临安区", "临平区", "钱塘区", "桐庐县",
         "淳安县", "建德市"]


def upgrade():
    pools = op.create_table('pools',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=True),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('target', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('admit_seq', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['district_code'], ['districts.code'], name=op.f('fk_pools_district_code_districts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pools')),
    sa.UniqueConstraint('level', 'district_code', name=op.f('uq_pools_level'))
    )
    base, extra = divmod(COUNTY_TOTAL, len(DISTRICTS))
    op.bulk_insert(pools, [
        {"level": "city", "district_code": None, "name": "市级培育库", "target": CITY_TARGET, "capacity": None,
         "admit_seq": 0, "updated_at": NOW},
    ] + [
        {"level": "county", "district_code": code, "name": f"{name}县级培育库", "target": base + (i < extra),
         "capacity": None, "admit_seq": 0, "updated_at": NOW}
        for i, (code, name) in enumerate(zip(DISTRICTS, NAMES))
    ])
    op.create_table('pool_memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('cultivation_type', sa.String(length=10), nullable=False),
    sa.Column('batch', sa.String(length=10), nullable=False),
    sa.Column('nomination_reason', sa.Text(), nullable=False),
    sa.Column('end_reason', sa.String(length=20), nullable=True),
    sa.Column('nominated_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('nominated_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('state_entered_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_pool_memberships_decided_by_id_users')),
    sa.ForeignKeyConstraint(['firm_id'], ['firms.id'], name=op.f('fk_pool_memberships_firm_id_firms')),
    sa.ForeignKeyConstraint(['nominated_by_id'], ['users.id'], name=op.f('fk_pool_memberships_nominated_by_id_users')),
    sa.ForeignKeyConstraint(['pool_id'], ['pools.id'], name=op.f('fk_pool_memberships_pool_id_pools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pool_memberships'))
    )
    with op.batch_alter_table('pool_memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pool_memberships_firm_id'), ['firm_id'], unique=False)
        batch_op.create_index('ix_pool_memberships_pool_state', ['pool_id', 'state'], unique=False)
        batch_op.create_index('uq_pool_memberships_one_active', ['firm_id', 'level'], unique=True, sqlite_where=sa.text('is_active'), postgresql_where=sa.text('is_active'))



def downgrade():
    with op.batch_alter_table('pool_memberships', schema=None) as batch_op:
        batch_op.drop_index('uq_pool_memberships_one_active', sqlite_where=sa.text('is_active'), postgresql_where=sa.text('is_active'))
        batch_op.drop_index('ix_pool_memberships_pool_state')
        batch_op.drop_index(batch_op.f('ix_pool_memberships_firm_id'))

    op.drop_table('pool_memberships')
    op.drop_table('pools')
