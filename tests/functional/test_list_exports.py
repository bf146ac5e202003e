"""Every way a list leaves the system writes the same columns (one spec per list in `workflows.exporting`),
and every stored time reads as Hangzhou wall-clock time in the file, as it does on the page."""

import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from models import Firm, Pool
from tests.factories import XIHU
from tests.functional.pages import login, page
from workflows.exporting import MEMBER_COLUMNS, WORKLIST_COLUMNS

DECIDED = datetime(2026, 11, 30, 4, 22)  # stored UTC: 12:22 in Hangzhou
FIGURES = {2025: {"revenue": "900", "employees": 20, "total_assets": "500"}}


@pytest.fixture
def member(session, users, now, make_firm, app, monkeypatch, tmp_path):
    """A 西湖区 firm nominated by xihu at 10:00 and admitted by city staff at 12:22, Hangzhou time."""
    from workflows.membership import act, nominate

    monkeypatch.setitem(app.config, "EXPORT_DIR", str(tmp_path / "exports"))
    monkeypatch.setitem(app.config, "RUN_QUEUED_INLINE", True)
    firm = session.scalar(select(Firm).where(Firm.uscc == make_firm(indicators=FIGURES, name="杭州时区测试有限公司")))
    pool = session.scalar(select(Pool).where(Pool.level == "county", Pool.district_code == XIHU))
    membership = nominate(session, pool, firm, reason="成长性好", cultivation_type="growth", batch="2026-2",
                          actor=users["xihu"], now=now)
    session.commit()
    act(session, membership, "admit", actor=users["city"], now=DECIDED, expected_version=membership.version)
    session.commit()
    return membership


def sheet(data: bytes) -> list[list]:
    return [[c.value for c in row] for row in load_workbook(io.BytesIO(data)).active.iter_rows()]


def cli(ctx, tmp_path, *args) -> list[list]:
    out = tmp_path / "out.xlsx"
    result = ctx.test_cli_runner().invoke(args=["export", *args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return sheet(out.read_bytes())


def background(client, app, url) -> list[list]:
    """The same link, past the inline limit: a background job's file."""
    app.config["EXPORT_INLINE_MAX_ROWS"] = 0
    try:
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/exports/")
        status = client.get(response.headers["Location"] + "/status").get_json()
        assert status["status"] == "succeeded", status
        return sheet(client.get(status["download_url"]).data)
    finally:
        app.config.pop("EXPORT_INLINE_MAX_ROWS", None)


def test_member_exports_share_one_column_spec(ctx, client, app, member, tmp_path):
    login(client, "city")
    url = f"/pools/{member.pool_id}/members/export.xlsx"
    on_page = sheet(client.get(url, buffered=True).data)
    by_cli = cli(ctx, tmp_path, "members", "--pool", str(member.pool_id))
    in_background = background(client, app, url)
    headers = [c.header for c in MEMBER_COLUMNS]
    assert on_page[0] == by_cli[0] == in_background[0] == headers
    assert on_page == by_cli == in_background


def test_worklist_exports_share_one_column_spec(ctx, client, app, make_case, tmp_path):
    make_case("small_to_scale", name="杭州待办测试有限公司")
    login(client, "city")
    on_page = sheet(client.get("/worklist/export.xlsx", buffered=True).data)
    by_cli = cli(ctx, tmp_path, "worklist")
    in_background = background(client, app, "/worklist/export.xlsx")
    assert on_page[0] == by_cli[0] == in_background[0] == [c.header for c in WORKLIST_COLUMNS]
    assert on_page[1][0] == by_cli[1][0] == in_background[1][0] == "杭州待办测试有限公司"


def test_a_decision_at_0422_utc_reads_1222_in_every_file(ctx, client, member, tmp_path):
    login(client, "city")
    assert "2026-11-30 12:22" in page(client, f"/memberships/{member.id}")
    headers = [c.header for c in MEMBER_COLUMNS]
    decided, nominated = headers.index("审核时间"), headers.index("推荐时间")
    row = sheet(client.get(f"/pools/{member.pool_id}/members/export.xlsx", buffered=True).data)[1]
    assert row[decided] == datetime(2026, 11, 30, 12, 22)
    assert row[nominated] == datetime(2026, 11, 30, 10, 0)
    out = tmp_path / "members.csv"
    result = ctx.test_cli_runner().invoke(args=["export", "members", "--pool", str(member.pool_id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    (_, line) = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert line[decided] == "2026-11-30 12:22:00"


NIGHT = datetime(2026, 11, 29, 17, 30)  # stored UTC: already 2026-11-30 01:30 in Hangzhou


@pytest.fixture
def night_case(session, users, make_firm):
    """A case opened at 01:30 Hangzhou time, the previous day in UTC."""
    from workflows.ladder import open_case

    firm = session.scalar(select(Firm).where(Firm.uscc == make_firm(name="杭州夜间立案有限公司")))
    case = open_case(session, firm, "small_to_scale", actor=users["city"], now=NIGHT)
    session.commit()
    return case


def csv_file(ctx, tmp_path, *args) -> list[list]:
    out = tmp_path / "out.csv"
    result = ctx.test_cli_runner().invoke(args=["export", *args, "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))


PATHS = ("page", "job", "cli", "cli_csv")


def exported(path, ctx, client, app, tmp_path, url, cli_args) -> list[list]:
    login(client, "city")
    if path == "page":
        return sheet(client.get(url, buffered=True).data)
    if path == "job":
        return background(client, app, url)
    return cli(ctx, tmp_path, *cli_args) if path == "cli" else csv_file(ctx, tmp_path, *cli_args)


@pytest.mark.parametrize("path", PATHS)
def test_member_times_read_in_hangzhou_time_on_every_path(path, ctx, client, app, member, tmp_path):
    rows = exported(path, ctx, client, app, tmp_path, f"/pools/{member.pool_id}/members/export.xlsx",
                    ("members", "--pool", str(member.pool_id)))
    decided = [c.header for c in MEMBER_COLUMNS].index("审核时间")
    expected = "2026-11-30 12:22:00" if path == "cli_csv" else datetime(2026, 11, 30, 12, 22)
    assert rows[1][decided] == expected


@pytest.mark.parametrize("path", PATHS)
def test_worklist_days_are_hangzhou_days_on_every_path(path, ctx, client, app, night_case, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_DIR", str(tmp_path / "exports"))
    monkeypatch.setitem(app.config, "RUN_QUEUED_INLINE", True)
    rows = exported(path, ctx, client, app, tmp_path, "/worklist/export.xlsx", ("worklist",))
    opened = [c.header for c in WORKLIST_COLUMNS].index("发起日期")
    (row,) = [r for r in rows if r[0] == "杭州夜间立案有限公司"]
    assert row[opened] == ("2026-11-30" if path == "cli_csv" else datetime(2026, 11, 30))


@pytest.mark.parametrize("path", ("page", "job"))  # a dashboard list has no CLI export
def test_dashboard_case_list_times_read_in_hangzhou_time(path, ctx, client, app, night_case, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_DIR", str(tmp_path / "exports"))
    monkeypatch.setitem(app.config, "RUN_QUEUED_INLINE", True)
    url = "/dashboard/list?drill=open&key=small_to_scale&format=xlsx"
    rows = exported(path, ctx, client, app, tmp_path, url, ())
    (row,) = [r for r in rows if r[1] == "杭州夜间立案有限公司"]
    assert row[rows[0].index("发起时间")] == datetime(2026, 11, 30, 1, 30)
