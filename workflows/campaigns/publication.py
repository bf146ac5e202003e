"""The 公示名单: the published awards (or, until publication, the shortlist) ordered by district, as the page,
the Excel file and the command line write it. One column spec, so every way out says the same thing.
"""

from __future__ import annotations

from decimal import Decimal

from models import Campaign
from workflows.campaigns.queries import published_list
from workflows.campaigns.settings import star_policy
from workflows.exporting import ColumnSpec

COLUMNS = (
    ColumnSpec("序号", "int", 6),
    ColumnSpec("所属区县", width=10),
    ColumnSpec("企业名称", width=36),
    ColumnSpec("统一社会信用代码", width=22),
    ColumnSpec("综合得分", "money", 10),
    ColumnSpec("区县排名", "int", 10),
    ColumnSpec("荣誉名称", width=18),
    ColumnSpec("级别", width=8),
    ColumnSpec("年度", "int", 8),
    ColumnSpec("发布日期", "date", 12),
)


def title(campaign: Campaign) -> str:
    words = "公示名单" if campaign.state == "published" else "拟入围名单"
    return f"{campaign.year}年杭州市{star_policy().honour_name}{words}"


def list_rows(session, campaign: Campaign) -> list[tuple]:
    star = star_policy()
    rows = []
    for i, entry in enumerate(published_list(session, campaign), start=1):
        rows.append((i, entry.firm.district.name, entry.firm.name, entry.firm.uscc,
                     Decimal(str(entry.score)).quantize(Decimal("0.01")) if entry.score is not None else None,
                     entry.rank, star.honour_name, star.honour_level, campaign.year, campaign.published_at))
    return rows
