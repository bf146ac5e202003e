"""`flask campaigns list|export`: the 成长之星 campaigns with their progress, and a year's 公示名单 as Excel.

`export` writes what the 公示名单 page shows (the awards by district once published; the shortlist before,
titled 拟入围名单), through the one .xlsx writer (`pool.exports.xlsx`). An unknown year exits 1.
"""

import click
from flask.cli import AppGroup

from pool.cli.common import domain_errors, pad
from pool.exports.xlsx import Column, write_xlsx
from pool.uow import read_only
from workflows.campaigns.publication import COLUMNS, list_rows, title
from workflows.campaigns.queries import progress, totals
from workflows.campaigns.workflow import CAMPAIGN, campaign_years, get_campaign

campaigns_cli = AppGroup("campaigns", help="成长之星评选：列出各年度评选，导出公示名单")


@campaigns_cli.command("list", help="列出各年度评选：状态、名额、候选、提名、入围、获评")
def list_cmd():
    click.echo(f"  {pad('年度', 6)}{pad('状态', 12)}{pad('总名额', 8, True)}{pad('候选', 8, True)}"
               f"{pad('已提名', 8, True)}{pad('入围', 8, True)}{pad('获评', 8, True)}")
    with read_only() as session:
        for campaign in campaign_years(session):
            t = totals(progress(session, campaign))
            click.echo(f"  {pad(str(campaign.year), 6)}{pad(CAMPAIGN.states[campaign.state].label, 12)}"
                       + "".join(pad(str(n), 8, True) for n in (campaign.total, t.candidates, t.nominated,
                                                               t.shortlisted, t.awarded)))


@campaigns_cli.command("export", help="把一个年度的公示名单（未发布时为拟入围名单）写成 .xlsx")
@click.argument("year", type=int)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True), help="输出文件（.xlsx）")
def export_cmd(year, out):
    with domain_errors(), read_only() as session:
        campaign = get_campaign(session, year)
        rows = list_rows(session, campaign)
        name = title(campaign)
        write_xlsx(out, [Column(c.header, c.kind, c.width) for c in COLUMNS], rows, title=name)
    click.echo(f"已导出{name}：{len(rows)} 家 → {out}")
