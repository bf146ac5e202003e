"""The pools CLI: `pools split-targets` proposes a split summing to 45,000 and, with --apply, writes it
audited as an admin; `pools list` prints each pool's fill."""

import re

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Pool
from tests.factories import SHANGCHENG, XIHU


def run(ctx, *args):
    return ctx.test_cli_runner().invoke(args=list(args))


def targets(session) -> dict[str, int]:
    session.expire_all()
    return dict(session.execute(select(Pool.district_code, Pool.target).where(Pool.level == "county")).all())


def proposal(output: str) -> dict[str, tuple[int, int, int]]:
    """{district name: (eligible firms, proposed target, current target)} from the printed table."""
    rows = re.findall(r"^\s+(\S+?(?:区|县|市))\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+[+-][\d,]+$", output, re.M)
    return {name: tuple(int(n.replace(",", "")) for n in numbers) for name, *numbers in rows}


@pytest.fixture
def firms(eligible):
    """Eligible firms in two districts (3 : 1), none elsewhere."""
    for _ in range(3):
        eligible(district=XIHU)
    eligible(district=SHANGCHENG)


def test_split_targets_proposes_and_writes_nothing(ctx, session, users, firms):
    before = targets(session), session.scalar(select(func.count()).select_from(AuditEvent))
    result = run(ctx, "pools", "split-targets")
    assert result.exit_code == 0, result.output
    rows = proposal(result.output)
    assert len(rows) == 13
    assert sum(proposed for _, proposed, _ in rows.values()) == 45_000
    assert rows["西湖区"][0] == 3 and rows["上城区"][0] == 1 and rows["淳安县"][0] == 0
    # 11 districts without eligible firms keep their floor of 1; the rest is shared 3 : 1.
    assert rows["淳安县"][1] == 1 and rows["西湖区"][1] == 1 + 33_740 and rows["上城区"][1] == 1 + 11_247
    assert rows["西湖区"][2] == before[0][XIHU]
    assert re.search(r"合计\s+4\s+45,000\s+45,000", result.output)
    assert "未写入" in result.output
    assert (targets(session), session.scalar(select(func.count()).select_from(AuditEvent))) == before


def test_apply_writes_the_split_audited_as_the_admin(ctx, session, users, firms):
    shown = proposal(run(ctx, "pools", "split-targets").output)
    result = run(ctx, "pools", "split-targets", "--apply", "--as", "admin")
    assert result.exit_code == 0, result.output
    assert "已写入：13 个县级培育库" in result.output
    written = targets(session)
    assert sum(written.values()) == 45_000
    assert written[XIHU] == shown["西湖区"][1] and written[SHANGCHENG] == shown["上城区"][1]
    events = session.scalars(select(AuditEvent).filter_by(subject_type="pool", action="update")).all()
    assert len(events) == 13 and {e.actor_name for e in events} == {"admin"}
    assert all(e.comment == "按符合条件企业数比例分配县级目标" and "target" in e.evidence["changes"] for e in events)
    again = run(ctx, "pools", "split-targets", "--apply", "--as", "admin")
    assert "已写入：0 个" in again.output  # nothing changed, nothing audited
    assert session.query(AuditEvent).filter_by(subject_type="pool").count() == 13


@pytest.mark.parametrize("args, message", [
    (["--apply"], "--as"),
    (["--as", "admin"], "--apply"),
    (["--apply", "--as", "city"], "只有系统管理员"),
    (["--apply", "--as", "nobody"], "nobody"),
])
def test_apply_refusals_write_nothing(ctx, session, users, firms, args, message):
    before = targets(session), session.scalar(select(func.count()).select_from(AuditEvent))
    result = run(ctx, "pools", "split-targets", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert (targets(session), session.scalar(select(func.count()).select_from(AuditEvent))) == before


def test_pools_list_prints_each_pools_fill(ctx, session, users, member):
    member("admitted")
    member("nominated")
    result = run(ctx, "pools", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 15
    assert re.search(r"市级培育库\s+12,000\s+不限\s+0\s+0\s+0\.0%", lines[1])
    xihu = next(line for line in lines if "西湖区县级培育库" in line)
    assert re.search(r"西湖区县级培育库\s+[\d,]+\s+不限\s+1\s+1\s+", xihu)
