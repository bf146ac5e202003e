"""`flask pools list|split-targets`: every pool's target, capacity and fill; the county target split."""

import click
from flask.cli import AppGroup

from pool.cli.common import domain_errors, pad
from pool.clock import now, today
from pool.uow import read_only, unit_of_work
from workflows.pools import all_pools, apply_split, county_total, eligible_counts, pool_counts, propose_split
from workflows.users import get_user

pools_cli = AppGroup("pools", help="培育库：目标、容量与入库情况")


@pools_cli.command("list", help="列出各培育库的目标、容量、已入库和待审核数")
def pools_list_cmd():
    """Every pool with its target, capacity and fill."""
    click.echo(f"  {'编号':<6}{pad('培育库', 18)}{'目标':>8}{'容量':>8}{'已入库':>8}{'待审核':>8}{'完成率':>8}")
    with read_only() as session:
        counts = pool_counts(session)
        for pool in all_pools(session):
            mine = counts.get(pool.id, {})
            admitted, nominated = mine.get("admitted", 0), mine.get("nominated", 0)
            share = f"{admitted / pool.target:.1%}" if pool.target else "—"
            capacity = "不限" if pool.capacity is None else f"{pool.capacity:,}"
            click.echo(f"  {pool.id:<8}{pad(pool.name, 18)}{pool.target:>10,}{pad(capacity, 10, right=True)}"
                       f"{admitted:>11,}{nominated:>11,}{share:>11}")


@pools_cli.command("split-targets", help="按各区县符合入库条件的企业数比例建议县级培育库目标；--apply --as 管理员 写入")
@click.option("--apply", "apply_", is_flag=True, help="写入建议的目标（须同时用 --as 指定管理员）")
@click.option("--as", "username", default=None, help="执行写入的管理员用户名")
def split_targets_cmd(apply_, username):
    """Propose the county targets in proportion to each district's eligible firms (largest remainders,
    at least 1 each, exactly the policy's county total); `--apply --as ADMIN` writes them, audited."""
    if username and not apply_:
        raise click.UsageError("--as 只与 --apply 一起使用")
    if apply_ and not username:
        raise click.UsageError("--apply 须用 --as 指定执行写入的管理员")
    day = today()
    with domain_errors(), (unit_of_work() if apply_ else read_only()) as session:
        split = propose_split(session, day)
        county = [p for p in all_pools(session) if p.level == "county"]
        _print_split(day, split, eligible_counts(session, day), county)
        if not apply_:
            click.echo("（仅为建议，未写入；加 --apply --as 管理员用户名 写入）")
            return
        changed = apply_split(session, split, actor=get_user(session, username), now=now())
    click.echo(f"已写入：{len(changed)} 个县级培育库的目标有变化（已记入审计记录）。")


def _print_split(day, split: dict, eligible: dict, pools: list) -> None:
    click.echo(f"县级培育库目标建议（按 {day.isoformat()} 符合入库条件的企业数比例分配，合计 {county_total():,}）：")
    click.echo(f"  {pad('区县', 10)}{'符合条件企业':>12}{'建议目标':>10}{'现有目标':>10}{'变化':>9}")
    for pool in pools:
        code = pool.district_code
        name = pool.district.name if pool.district else code
        click.echo(f"  {pad(name, 10)}{eligible.get(code, 0):>18,}{split[code]:>14,}{pool.target:>14,}"
                   f"{split[code] - pool.target:>+11,}")
    click.echo(f"  {pad('合计', 10)}{sum(eligible.get(p.district_code, 0) for p in pools):>18,}"
               f"{sum(split.values()):>14,}{sum(p.target for p in pools):>14,}")
