"""划型 rows confirmed (policy 2011-300-r2): re-run 划型 for every stored firm

The 中型 rows of 租赁和商务服务业, 其他未列明行业, 物业管理 and 房地产开发经营, and the 交通运输业, 仓储业 and
邮政业 rows were added to workflows/data/policy.toml (domain-facts §2.2). Firms in those industries read
`unknown` where the data now decides; this revision re-classifies every stored firm under the current policy,
one audit event per firm whose class changes (actor: system). No schema change; downgrade leaves the classes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""
from alembic import op
from sqlalchemy.orm import Session

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    from models import utcnow
    from workflows.policy import default_policy
    from workflows.sizing import reclassify_firms

    session = Session(bind=op.get_bind())
    version = default_policy().version
    reclassify_firms(session, now=utcnow(), comment=f"政策数据{version}：补充中型及交通运输、仓储、邮政业划型标准，重新划型")
    session.flush()
    session.close()


def downgrade():
    pass
