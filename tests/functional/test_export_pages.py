"""企业名录's "导出Excel": the list as filtered, every page, in the officer's scope; long lists in the background."""

import io
import re
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from pool.exports.xlsx import XLSX_MIMETYPE
from tests.factories import SHANGCHENG, XIHU, uscc
from tests.functional.pages import login, page
from workflows.exporting import FIRM_COLUMNS

HEADERS = [col.header for col in FIRM_COLUMNS]


@pytest.fixture(name="register")
def register_fixture(firms, monkeypatch, app, tmp_path):
    monkeypatch.setitem(app.config, "EXPORT_DIR", str(tmp_path / "exports"))
    monkeypatch.setitem(app.config, "RUN_QUEUED_INLINE", True)
    return [
        firms(name="杭州甲精密机械有限公司"),
        firms(name="杭州乙便利店", legal_form="个体工商户", industry="F52", district=SHANGCHENG,
              uscc=uscc(SHANGCHENG, kind="92")),
        firms(name="杭州丙科技有限公司", flags={"high_tech": True}),
    ]


def download(client, url):
    response = client.get(url, buffered=True)
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    sheet = load_workbook(io.BytesIO(response.data)).active
    return response, [[c.value for c in row] for row in sheet.iter_rows()]


def test_button_carries_the_filters_but_not_the_page(client, register):
    login(client, "city")
    html = page(client, f"/firms/?district={XIHU}&stage=enterprise&per_page=1&page=2")
    href = re.search(r'id="export"\s+href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert href.startswith("/firms/export.xlsx?")
    assert f"district={XIHU}" in href and "stage=enterprise" in href
    assert "page=" not in href and "per_page" not in href
    assert "导出Excel（全部 2 家）" in html


def test_no_button_on_an_empty_list(client, register):
    login(client, "city")
    assert 'id="export"' not in page(client, "/firms/?q=nothing-like-this")


def test_export_is_the_filtered_list(client, register):
    a, b, c = register
    login(client, "city")
    response, values = download(client, f"/firms/export.xlsx?district={XIHU}")
    assert values[0] == HEADERS
    assert [row[0] for row in values[1:]] == [a.uscc, c.uscc]
    assert values[2][11] == "是"
    assert response.headers["X-Export-Rows"] == "2"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="firms-2026-11-30.xlsx"')
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "企业名录_2026-11-30.xlsx"
    _, values = download(client, "/firms/export.xlsx?stage=individual")
    assert [row[1] for row in values[1:]] == ["杭州乙便利店"]


def test_officer_exports_their_district_whatever_the_url(client, register):
    a, _, c = register
    login(client, "xihu")
    _, values = download(client, f"/firms/export.xlsx?district={SHANGCHENG}")
    assert [row[0] for row in values[1:]] == [a.uscc, c.uscc]


def test_leader_exports_admin_does_not(client, register):
    login(client, "leader")
    assert len(download(client, "/firms/export.xlsx")[1]) == 4
    client.post("/logout")
    login(client, "admin")
    assert client.get("/firms/export.xlsx").status_code == 403


def test_a_bad_filter_gets_the_lists_400(client, register):
    login(client, "city")
    response = client.get("/firms/export.xlsx?stage=giant")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "筛选条件有误" in html and "取值无效：giant" in html


def test_a_long_list_is_exported_in_the_background(client, register, app):
    app.config["EXPORT_INLINE_MAX_ROWS"] = 2
    try:
        login(client, "city")
        response = client.get("/firms/export.xlsx")
        assert response.status_code == 302
        job_url = response.headers["Location"]
        assert job_url.startswith("/exports/")
        html = page(client, job_url)
        assert "共 3 行，超过页面直接下载的 2 行上限，已转入后台导出" in html
        assert "已完成" in html
        link = re.search(r'id="download" href="([^"]+)"', html).group(1)
        status = client.get(job_url + "/status").get_json()
        assert status["status"] == "succeeded" and status["rows_done"] == 3 and status["download_url"] == link
        file = client.get(link)
        assert file.status_code == 200
        assert unquote(file.headers["Content-Disposition"].split("''")[1]) == "企业名录_2026-11-30.xlsx"
        values = [[c.value for c in row] for row in load_workbook(io.BytesIO(file.data)).active.iter_rows()]
        assert values[0] == HEADERS and len(values) == 4

        client.post("/logout")
        login(client, "leader")  # another user's job is not found
        assert client.get(job_url).status_code == 404
        assert client.get(link).status_code == 404
    finally:
        app.config.pop("EXPORT_INLINE_MAX_ROWS", None)


def test_a_background_export_past_excels_limit_is_a_workbook_of_several_sheets(client, register, app, monkeypatch):
    """Not a CSV, which an office suite opens with all-digit USCCs turned into 9.13301068594825E+17."""
    monkeypatch.setitem(app.config, "EXPORT_INLINE_MAX_ROWS", 1)
    monkeypatch.setattr("workflows.exporting.EXCEL_MAX_ROWS", 3)  # a header and two rows per sheet
    login(client, "city")
    job_url = client.get("/firms/export.xlsx").headers["Location"]
    html = page(client, job_url)
    assert "CSV" not in html
    file = client.get(re.search(r'id="download" href="([^"]+)"', html).group(1))
    assert file.mimetype == XLSX_MIMETYPE
    assert unquote(file.headers["Content-Disposition"].split("''")[1]) == "企业名录_2026-11-30.xlsx"
    book = load_workbook(io.BytesIO(file.data))
    assert book.sheetnames == ["企业名录(1)", "企业名录(2)"]
    assert all([c.value for c in sheet[1]] == HEADERS for sheet in book.worksheets)
    codes = [row[0] for sheet in book.worksheets for row in sheet.iter_rows(min_row=2)]
    assert all(c.data_type == "s" and c.number_format == "@" for c in codes)
    assert [c.value for c in codes] == [f.uscc for f in register]


@pytest.mark.committed_db  # the scheduler's worker writes the file on a connection of its own
def test_a_background_export_waits_for_the_scheduler(client, register, app, monkeypatch, scheduler):
    monkeypatch.setitem(app.config, "EXPORT_INLINE_MAX_ROWS", 1)
    monkeypatch.setitem(app.config, "RUN_QUEUED_INLINE", False)
    login(client, "city")
    job_url = client.get("/firms/export.xlsx").headers["Location"]
    html = page(client, job_url)
    assert "排队中" in html and "后台服务未运行，任务已排队" in html and 'id="download"' not in html
    service = scheduler()
    service.beat()
    service.tick()
    service.workers.shutdown(wait=True)
    html = page(client, job_url)
    assert "已完成" in html and "后台服务未运行" not in html
    status = client.get(job_url + "/status").get_json()
    assert status["status"] == "succeeded" and status["rows_done"] == 3, status
    assert client.get(status["download_url"]).status_code == 200


def test_an_interrupted_export_is_reported_failed(client, register, app, session, users, beacons, now):
    from pool.scheduler.claims import recover_lapsed
    from tests.queued_runs import lapsed, queued_export

    job = queued_export(session, users["city"], now=now)
    job.status, job.runner = "running", "gone-host|1|x"
    session.commit()
    beacons.hold(lapsed("export", job.id, now))
    login(client, "city")
    assert client.get(f"/exports/{job.id}/status").get_json()["status"] == "running"  # pages only read
    assert recover_lapsed(session, beacons, now=now) == {"export": [job.id]}  # what the next tick does
    status = client.get(f"/exports/{job.id}/status").get_json()
    assert status["status"] == "failed" and status["error"] == "后台服务中断，导出未完成，请重新导出"


def test_an_expired_file_is_said_so(client, register, app, monkeypatch):
    from pathlib import Path

    from pool.exports.jobs import sweep

    monkeypatch.setitem(app.config, "EXPORT_INLINE_MAX_ROWS", 1)
    login(client, "city")
    job_url = client.get("/firms/export.xlsx").headers["Location"]
    link = client.get(job_url + "/status").get_json()["download_url"]
    files = list(Path(app.config["EXPORT_DIR"]).glob("*.xlsx"))
    monkeypatch.setitem(app.config, "EXPORT_KEEP_HOURS", -1)  # every file is past its time
    sweep(app)  # the scheduler's hourly job
    assert files and not any(f.exists() for f in files)
    html = page(client, job_url)
    assert "导出文件已过期删除" in html and 'id="download"' not in html
    assert client.get(link).status_code == 404
