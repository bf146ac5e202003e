"""数据导入: the upload page, a run and its report, each refusal, who sees which runs, CSRF.

Runs execute inline (`RUN_QUEUED_INLINE`); test_import_runner.py covers the thread and what happens
outside the request.
"""

import hashlib
import io
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from tests.factories import PASSWORD, SHANGCHENG, XIHU, uscc
from tests.functional.imports import HEADER, csv_file, firm_count, firm_line, no_runs, run_of, upload
from tests.functional.pages import login, page
from tests.import_files import write_ods

pytestmark = pytest.mark.committed_db  # the runs execute in an app context, session and (in production) connection of their own

# --- the page -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["city", "xihu"])
def test_upload_page_offers_kinds_units_options_and_templates(client, users, uploads, username):
    login(client, username)
    html = page(client, "/imports/")
    for text in ("企业登记信息", "年度指标", "状态变更", "万元", "元", "仅导入无误的行", "试运行", "不超过 100 MB"):
        assert text in html
    for kind in ("firms", "indicators", "status"):
        assert f'href="/imports/templates/{kind}.xlsx"' in html
    assert 'id="nav-imports"' in html and 'enctype="multipart/form-data"' in html
    assert "尚无导入记录" in html


@pytest.mark.parametrize("username", ["leader", "admin"])
def test_leaders_and_admins_may_not_import(client, session, users, uploads, username):
    login(client, username)
    assert 'id="nav-imports"' not in page(client, "/")
    for url in ("/imports/", "/imports/1", "/imports/1/status", "/imports/1/report.xlsx",
                "/imports/templates/firms.xlsx"):
        assert client.get(url).status_code == 403, url
    assert upload(client, csv_file(firm_line())).status_code == 403
    assert no_runs(session)


@pytest.mark.parametrize("kind,first", [("firms", "统一社会信用代码"), ("indicators", "统一社会信用代码"),
                                        ("status", "统一社会信用代码")])
def test_templates_download(client, users, uploads, kind, first):
    from workflows.importing.columns import LAYOUTS

    login(client, "xihu")
    response = client.get(f"/imports/templates/{kind}.xlsx")
    assert response.status_code == 200
    headers = [c.value for c in load_workbook(io.BytesIO(response.data)).worksheets[0][1]]
    assert headers[0] == first and len(headers) == len(LAYOUTS[kind].columns)
    assert unquote(response.headers["Content-Disposition"]).endswith("导入模板.xlsx")
    assert client.get("/imports/templates/nonsense.xlsx").status_code == 404


# --- a run ----------------------------------------------------------------------------------------------

def test_upload_is_stored_recorded_and_run(client, session, users, uploads):
    login(client, "city")
    content = csv_file(firm_line(), firm_line(name="杭州示例二号有限公司", district=SHANGCHENG))
    run = run_of(session, upload(client, content, name="C:/fakepath/企业名单.csv"))
    assert run.status == "succeeded" and run.inserted == 2 and run.rejected == 0
    assert run.filename == "企业名单.csv" and run.actor_name == "city" and run.district_code is None
    assert run.sha256 == hashlib.sha256(content).hexdigest()
    assert Path(run.stored_path) == uploads / f"{run.sha256}.csv" and Path(run.stored_path).read_bytes() == content
    assert run.options["partial"] is False and run.options["dry_run"] is False and run.options["unit"] == "wan"
    assert firm_count(session) == 2
    html = page(client, f"/imports/{run.id}")
    assert "已完成" in html and "导入完成" in html and 'id="refresh"' not in html and "progress.js" not in html
    listing = page(client, "/imports/")
    assert f'href="/imports/{run.id}"' in listing and "企业名单.csv" in listing


def test_status_endpoint(client, session, users, uploads):
    login(client, "city")
    run = run_of(session, upload(client, csv_file(firm_line())))
    state = client.get(f"/imports/{run.id}/status").get_json()
    assert state["status"] == "succeeded" and state["status_label"] == "已完成" and state["finished"] is True
    assert state["inserted"] == 1 and state["rows_total"] == 1 and state["percent"] == 100
    assert state["page_url"] == f"/imports/{run.id}"
    assert state["report_url"] == f"/imports/{run.id}/report.xlsx"  # a CSV's notice: its figures are as shown


def test_a_bad_row_refuses_the_file_and_reports_it(client, session, users, uploads):
    login(client, "city")
    bad = firm_line(district="江干区")
    run = run_of(session, upload(client, csv_file(firm_line(), bad, firm_line(date="2021/13/40"))))
    assert run.status == "refused" and run.rejected == 2 and firm_count(session) == 0
    html = page(client, f"/imports/{run.id}")
    assert "整份文件未写入任何数据" in html
    problems = html[html.index('id="problems"'):]
    assert "<th scope=\"col\">行号</th>" in problems and "江干区" in problems and "2021/13/40" in problems
    state = client.get(f"/imports/{run.id}/status").get_json()
    assert state["report_url"] == f"/imports/{run.id}/report.xlsx"
    report = client.get(state["report_url"])
    assert report.status_code == 200 and "导入报告" in unquote(report.headers["Content-Disposition"])
    rows = list(load_workbook(io.BytesIO(report.data)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:4] == ("行号", "列", "值", "问题")
    assert [r[0] for r in rows[1:]] == [3, 4]


def test_a_changed_legal_form_is_shown_as_a_notice(client, session, users, uploads):
    login(client, "city")
    code = uscc()
    run_of(session, upload(client, csv_file(firm_line(code))))
    run = run_of(session, upload(client, csv_file(firm_line(code, form="股份有限公司"))))
    assert run.status == "succeeded" and run.updated == 1
    html = page(client, f"/imports/{run.id}")
    assert "提示（请阅读：跳过的行、忽略的列等）" in html and 'id="notices"' in html and 'id="problems"' not in html
    assert "组织形式" in html[html.index('id="notices"'):]
    assert 'id="report-download"' in html


def test_partial_writes_the_valid_rows(client, session, users, uploads):
    login(client, "city")
    run = run_of(session, upload(client, csv_file(firm_line(), firm_line(district="江干区")), partial=True))
    assert run.status == "partial" and run.inserted == 1 and run.rejected == 1 and firm_count(session) == 1
    assert "已写入无误的行" in page(client, f"/imports/{run.id}")


def test_dry_run_writes_nothing(client, session, users, uploads):
    login(client, "city")
    run = run_of(session, upload(client, csv_file(firm_line()), dry_run=True))
    assert run.options["dry_run"] is True and run.status == "succeeded" and firm_count(session) == 0
    assert "试运行完成" in page(client, f"/imports/{run.id}")


def test_a_file_of_another_kind_is_refused_by_its_headers(client, session, users, uploads):
    login(client, "city")
    run = run_of(session, upload(client, csv_file(firm_line()), kind="indicators"))
    assert run.status == "refused" and firm_count(session) == 0
    html = page(client, f"/imports/{run.id}")
    assert "缺少必需的列：年度（文件中未识别的列：组织形式" in html


def test_officer_rows_of_another_district_are_refused(client, session, users, uploads):
    login(client, "xihu")
    run = run_of(session, upload(client, csv_file(firm_line(), firm_line(district="上城区"))))
    assert run.district_code == XIHU and run.status == "refused" and firm_count(session) == 0
    assert "区县工作人员只能导入本区县" in page(client, f"/imports/{run.id}")


# --- refusals before any run ----------------------------------------------------------------------------

def test_a_file_over_the_limit_is_refused_with_413(client, session, users, uploads, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_IMPORT_MB", 0.01)
    login(client, "city")
    response = upload(client, csv_file(*[firm_line() for _ in range(300)]))
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "上传的文件超过 0.01 MB 的上限，未导入任何数据" in html and "命令行" in html
    assert no_runs(session) and not any(uploads.glob("*"))  # no stored file, no half-written one
    huge = upload(client, csv_file(*[firm_line() for _ in range(3000)]))  # refused before the body is read
    assert huge.status_code == 413 and "0.01 MB" in huge.get_data(as_text=True)
    assert upload(client, csv_file(firm_line())).status_code == 302  # a small one still goes through


@pytest.mark.parametrize("name,message", [
    ("企业.numbers", "只接受 .xlsx（Excel 工作簿）、.xls、.ods（WPS/LibreOffice 表格）或 .csv 文件"),
    ("企业.txt", "只接受 .xlsx（Excel 工作簿）、.xls、.ods（WPS/LibreOffice 表格）或 .csv 文件"),
    ("", "请选择要导入的文件"),
])
def test_wrong_or_missing_file_is_refused(client, session, users, uploads, name, message):
    login(client, "city")
    response = upload(client, csv_file(firm_line()), name=name)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert no_runs(session)


def test_unknown_kind_or_unit_is_refused(client, session, users, uploads):
    login(client, "city")
    response = upload(client, csv_file(firm_line()), kind="pools")
    assert response.status_code == 400 and "请选择导入类型" in response.get_data(as_text=True)
    response = upload(client, csv_file(firm_line()), unit="jiao")
    assert response.status_code == 400 and "请选择金额单位" in response.get_data(as_text=True)
    assert no_runs(session)


def test_upload_needs_the_csrf_token_when_csrf_is_on(csrf_app, users, uploads):
    client = csrf_app.test_client()
    token = lambda html: re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)  # noqa: E731
    login_form = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"username": "city", "password": PASSWORD, "csrf_token": token(login_form)})
    refused = upload(client, csv_file(firm_line()))
    assert refused.status_code == 400 and "安全令牌" in refused.get_data(as_text=True)
    form = client.get("/imports/").get_data(as_text=True)
    data = {"csrf_token": token(form), "kind": "firms", "unit": "wan",
            "file": (io.BytesIO(csv_file(firm_line())), "企业.csv")}
    accepted = client.post("/imports/", data=data, content_type="multipart/form-data")
    assert accepted.status_code == 302 and accepted.headers["Location"].startswith("/imports/")


# --- who sees which run ---------------------------------------------------------------------------------

def test_officers_see_their_districts_runs_only(client, session, users, uploads):
    login(client, "xihu")
    mine = run_of(session, upload(client, csv_file(firm_line(name="西湖导入有限公司")), name="西湖.csv"))
    page(client, f"/imports/{mine.id}")  # (shows the flash message naming the file)
    client.post("/logout")
    login(client, "city")
    city = run_of(session, upload(client, csv_file(firm_line()), name="全市.csv"))
    page(client, f"/imports/{city.id}")
    client.post("/logout")

    login(client, "shangcheng")
    html = page(client, "/imports/")
    assert "西湖.csv" not in html and "全市.csv" not in html and "尚无导入记录" in html
    for url in (f"/imports/{mine.id}", f"/imports/{mine.id}/status", f"/imports/{mine.id}/report.xlsx",
                f"/imports/{city.id}"):
        assert client.get(url).status_code == 404, url
    client.post("/logout")

    login(client, "xihu")
    html = page(client, "/imports/")
    assert "西湖.csv" in html and "全市.csv" not in html and "最近的导入（本区县）" in html
    client.post("/logout")
    login(client, "city")
    html = page(client, "/imports/")
    assert "西湖.csv" in html and "全市.csv" in html


def test_imported_figures_show_on_the_timeline_as_created_by_the_run(client, session, users, uploads):
    """A new year of figures has no event of its own (migration 0015): the timeline builds its creation from
    the run, naming the officer, the file and the values, and a later change shows old → new."""
    login(client, "city")
    code = uscc()
    run_of(session, upload(client, csv_file(firm_line(code))))
    header = "统一社会信用代码,年度,营业收入（万元）,纳税总额（万元）"
    figures = run_of(session, upload(client, csv_file(f"{code},2025,120,3", header=header), name="统计.csv",
                                     kind="indicators"))
    run_of(session, upload(client, csv_file(f"{code},2025,150,", header=header), name="更正.csv", kind="indicators"))
    html = page(client, f"/firms/{code}/timeline")
    created = html[html.index('data-action="indicators_create"'):]
    created = created[:created.find('<li class="list-group-item"') if '<li class="list-group-item"' in created else None]
    assert "录入年度指标" in created and "2025年度指标" in created and '<span class="actor">city</span>' in created
    assert f"导入文件“统计.csv”（导入 #{figures.id}）" in created and "120.00" in created and "3.00" in created
    assert f'data-event="import-{figures.id}"' in html
    updated = html[html.index('data-action="indicators_update"'):html.index('data-action="indicators_create"')]
    assert '<span class="old">120.00</span> → <span class="new">150.00</span>' in updated


def test_an_ods_file_is_accepted_and_its_skipped_rows_shown(client, session, users, uploads, tmp_path):
    """.ods (WPS, LibreOffice) is offered by the file input and read; a title row and a hidden row are notices."""
    login(client, "city")
    html = page(client, "/imports/")
    assert 'accept=".xlsx,.ods,.xls,.csv"' in html
    shown, hidden = uscc(), uscc()
    rows = [["杭州市西湖区企业名录"], HEADER.split(","),
            firm_line(shown).split(","), firm_line(hidden).split(",")]
    ods = write_ods(tmp_path / "名录.ods", rows, hidden={4: "filter"})
    run = run_of(session, upload(client, ods.read_bytes(), name="名录.ods"))
    assert run.status == "succeeded" and run.inserted == 1 and firm_count(session) == 1
    assert Path(run.stored_path).suffix == ".ods"
    notices = page(client, f"/imports/{run.id}")
    notices = notices[notices.index('id="notices"'):]
    assert "杭州市西湖区企业名录" in notices and "被隐藏" in notices and hidden in notices
