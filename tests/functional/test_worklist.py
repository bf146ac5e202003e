"""我的待办 / 案件一览: open cases in the user's scope, oldest in its state first, filters, sorting, summary,
and the Excel export of the list as shown."""

import io
import re
from datetime import date, timedelta
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from tests.factories import NOW, SHANGCHENG, uscc
from tests.functional.pages import login, page

HEADERS = ["企业名称", "统一社会信用代码", "所属区县", "案件类型", "当前状态", "发起日期", "进入当前状态日期",
           "停留天数", "经办人"]


@pytest.fixture(name="cases")
def cases_fixture(firms, session, users):
    """Four open cases in 西湖区 and 上城区, one closed one; the page's clock fixed at NOW.

    days in state at NOW: 上城E 50 (identified), 西湖A 20 (cultivating), 西湖C 12, 西湖B 5; 西湖D is closed.
    """
    from workflows.ladder import open_case
    from workflows.machine import fire

    ago = lambda days: NOW - timedelta(days=days)  # noqa: E731
    a = firms(name="杭州A精密机械有限公司")
    b = firms(name="杭州B电子科技有限公司")
    c = firms(name="杭州C便利店", legal_form="个体工商户", industry="F52", uscc=uscc(kind="92"))
    d = firms(name="杭州D已放弃有限公司")
    e = firms(name="杭州E贸易有限公司", district=SHANGCHENG)
    case_a = open_case(session, a, "small_to_scale", actor=users["xihu"], now=ago(30))
    fire(session, case_a, "start_cultivation", actor=users["xihu"], now=ago(20), expected_version=case_a.version)
    case_b = open_case(session, b, "scale_to_stock", actor=users["city"], now=ago(5))
    case_c = open_case(session, c, "ind_to_ent", actor=users["xihu"], now=ago(12))
    case_d = open_case(session, d, "small_to_scale", actor=users["xihu"], now=ago(40))
    fire(session, case_d, "abandon", actor=users["xihu"], now=ago(35), expected_version=case_d.version,
         values={"reason": "企业迁出"})
    case_e = open_case(session, e, "small_to_scale", actor=users["shangcheng"], now=ago(50))
    session.commit()
    return {"A": case_a.id, "B": case_b.id, "C": case_c.id, "D": case_d.id, "E": case_e.id,
            "firms": {"A": a, "B": b, "C": c, "D": d, "E": e}}


def rows(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-case="(\d+)">', html)]


def named(cases, *names) -> list[int]:
    return [cases[n] for n in names]


def row_html(html: str, case_id: int) -> str:
    return re.search(rf'<tr data-case="{case_id}">(.*?)</tr>', html, re.S).group(1)


def summary_count(html: str, key: str) -> int:
    return int(re.search(rf'data-count="{re.escape(key)}">(\d+)</a>', html).group(1))


# --- scope, per role ---------------------------------------------------------------------------------

def test_county_officer_sees_their_district_oldest_first(client, cases):
    login(client, "xihu")
    html = page(client, "/worklist/")
    assert "<h1 class=\"h3 mb-3\">我的待办 · 西湖区</h1>" in html
    assert rows(html) == named(cases, "A", "C", "B")  # 20, 12, 5 days in the current state
    assert "杭州E贸易有限公司" not in html and "杭州D已放弃有限公司" not in html


def test_other_county_officer_sees_only_theirs(client, cases):
    login(client, "shangcheng")
    assert rows(page(client, "/worklist/")) == named(cases, "E")


def test_city_staff_see_every_district(client, cases):
    login(client, "city")
    html = page(client, "/worklist/")
    assert "<h1 class=\"h3 mb-3\">我的待办</h1>" in html
    assert rows(html) == named(cases, "E", "A", "C", "B")


def test_leader_reads_the_same_list_as_case_overview(client, cases):
    login(client, "leader")
    html = page(client, "/worklist/")
    assert "<h1 class=\"h3 mb-3\">案件一览</h1>" in html and 'id="read-only"' in html
    assert rows(html) == named(cases, "E", "A", "C", "B")
    assert html.count('method="post"') == 1  # only the navbar's logout: nothing to act on here
    assert client.post("/worklist/").status_code == 405


def test_officer_cannot_widen_the_scope_through_the_url(client, cases):
    login(client, "xihu")
    assert rows(page(client, f"/worklist/?district={SHANGCHENG}")) == named(cases, "A", "C", "B")


@pytest.mark.parametrize("url", ["/worklist/", "/worklist/export.xlsx"])
def test_admin_is_refused(client, cases, url):
    login(client, "admin")
    assert client.get(url).status_code == 403


def test_anonymous_user_is_sent_to_log_in(client, cases):
    response = client.get("/worklist/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("user, text", [("xihu", "我的待办"), ("city", "我的待办"), ("leader", "案件一览")])
def test_navigation_names_the_list_by_role(client, users, user, text):
    login(client, user)
    html = page(client, "/")
    assert re.search(r'id="nav-worklist"[^>]*href="/worklist/">' + text + "</a>", html)


def test_admin_navigation_has_no_work_list(client, users):
    login(client, "admin")
    assert 'id="nav-worklist"' not in page(client, "/")


# --- what a row shows ----------------------------------------------------------------------------------

def test_row_shows_firm_case_dates_days_and_assignee(client, cases):
    login(client, "city")
    html = page(client, "/worklist/")
    row = row_html(html, cases["A"])
    firm = cases["firms"]["A"]
    assert f'<a href="/firms/{firm.uscc}">杭州A精密机械有限公司</a>' in row
    assert firm.uscc in row and "西湖区" in row and "小升规" in row and "培育中" in row
    assert "2026-10-31" in row  # opened 30 days before NOW (10:00 in Hangzhou)
    assert "2026-11-10" in row  # entered 培育中 20 days before
    assert '<td class="num days">20 天</td>' in row
    assert "<td>xihu</td>" in row
    assert "<td>city</td>" in row_html(html, cases["B"])


def test_days_in_state_follow_the_clock(client, cases, clock):
    clock.at = NOW + timedelta(days=10, hours=23)
    login(client, "xihu")
    html = page(client, "/worklist/")
    days = {case_id: re.search(r'class="num days">(\d+) 天', row_html(html, case_id)).group(1)
            for case_id in named(cases, "A", "B", "C")}
    assert days == {cases["A"]: "30", cases["B"]: "15", cases["C"]: "22"}


def test_case_links_to_its_page(client, cases):
    login(client, "xihu")
    assert f'href="/cases/{cases["A"]}"' in row_html(page(client, "/worklist/"), cases["A"])


def test_markup_in_a_firm_name_is_shown_escaped(client, cases, firms, session, users):
    from workflows.ladder import open_case

    firm = firms(name="<b>加粗</b>有限公司")
    open_case(session, firm, "small_to_scale", actor=users["city"], now=NOW)
    session.commit()
    login(client, "city")
    html = page(client, "/worklist/")
    assert "&lt;b&gt;加粗&lt;/b&gt;有限公司" in html and "<b>加粗</b>" not in html
    assert "&lt;script&gt;" in page(client, "/worklist/?q=%3Cscript%3E")


# --- filters ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, expected", [
    ("kind=small_to_scale", ["E", "A"]),
    ("kind=small_to_scale&state=identified", ["E"]),
    ("kind=small_to_scale&state=cultivating", ["A"]),
    ("state=identified", ["E", "C", "B"]),  # 已识别 in every kind
    ("kind=ind_to_ent", ["C"]),
    (f"district={SHANGCHENG}", ["E"]),
    ("district=330106", ["A", "C", "B"]),
    ("q=精密", ["A"]),
    ("q=%25", []),  # LIKE wildcards are taken literally
    ("min_days=12", ["E", "A", "C"]),
    ("min_days=13", ["E", "A"]),
    ("min_days=0", ["E", "A", "C", "B"]),
    ("kind=small_to_scale&min_days=30", ["E"]),
])
def test_filters(client, cases, query, expected):
    login(client, "city")
    html = page(client, f"/worklist/?{query}")
    assert rows(html) == named(cases, *expected)
    if not expected:
        assert "没有符合条件的进行中案件" in html


def test_search_by_whole_uscc(client, cases):
    login(client, "city")
    code = cases["firms"]["B"].uscc
    assert rows(page(client, f"/worklist/?q={code.lower()}")) == named(cases, "B")


def test_state_choices_follow_the_chosen_kind(client, cases):
    login(client, "city")
    html = page(client, "/worklist/?kind=ind_to_ent")
    select = html[html.index('id="state"'):]
    select = select[:select.index("</select>")]
    assert "有转型意向" in select and "办理登记中" in select
    assert "培育中" not in select and "已完成转企" not in select  # another kind's state; a final state
    every = page(client, "/worklist/")
    every = every[every.index('id="state"'):]
    assert "有转型意向／有股改意向" in every[:every.index("</select>")]


@pytest.mark.parametrize("query, field, message", [
    ("kind=bogus", "案件类型", "未知的案件类型“bogus”"),
    ("kind=small_to_scale&state=intent", "当前状态", "小升规案件没有进行中的状态“intent”"),
    ("kind=small_to_scale&state=completed", "当前状态", "小升规案件没有进行中的状态“completed”"),
    ("min_days=-1", "停留天数至少", "停留天数应为0至36500之间的整数"),
    ("min_days=abc", "停留天数至少", "停留天数应为0至36500之间的整数"),
    ("district=xihu", "所属区县", "区县代码应为6位数字"),
    ("sort=firm_id;drop", "排序", "不支持按“firm_id;drop”排序，可按停留天数、发起日期或企业名称排序"),
    ("dir=sideways", "顺序", "排序方向应为降序或升序"),
    ("page=0", "页码", "页码应为正整数"),
    ("per_page=1000", "每页条数", "每页条数应在1至200之间"),
])
def test_bad_parameters_are_refused_in_chinese(client, cases, query, field, message):
    login(client, "city")
    response = client.get(f"/worklist/?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    error = html[html.index('id="filter-error"'):]
    assert "筛选条件有误" in error or "分页参数有误" in error
    assert f"{field}：{message}" in error.replace("&#34;", '"')
    assert 'id="worklist"' not in html


# --- sorting -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, expected", [
    ("", ["E", "A", "C", "B"]),
    ("sort=days&dir=desc", ["E", "A", "C", "B"]),
    ("sort=days&dir=asc", ["B", "C", "A", "E"]),
    ("sort=opened&dir=desc", ["B", "C", "A", "E"]),
    ("sort=opened&dir=asc", ["E", "A", "C", "B"]),
    ("sort=name&dir=asc", ["A", "B", "C", "E"]),
    ("sort=name&dir=desc", ["E", "C", "B", "A"]),
])
def test_sorting(client, cases, query, expected):
    login(client, "city")
    assert rows(page(client, f"/worklist/?{query}")) == named(cases, *expected)


def test_sort_headers_keep_filters_and_toggle_direction(client, cases):
    login(client, "city")
    html = page(client, "/worklist/?kind=small_to_scale&sort=name&dir=asc")
    name_link = re.search(r'<a href="([^"]+)" class="link-body-emphasis" data-sort="name">企业名称 ↑</a>', html)
    assert name_link and "kind=small_to_scale" in name_link.group(1) and "dir=desc" in name_link.group(1)
    days_link = re.search(r'<a href="([^"]+)" class="link-body-emphasis" data-sort="days">', html).group(1)
    assert "sort=days" in days_link and "dir=desc" in days_link and "kind=small_to_scale" in days_link


# --- summary -----------------------------------------------------------------------------------------------

def test_summary_counts_by_kind_and_state(client, cases):
    login(client, "city")
    html = page(client, "/worklist/")
    assert summary_count(html, "small_to_scale") == 2
    assert summary_count(html, "small_to_scale.identified") == 1
    assert summary_count(html, "small_to_scale.cultivating") == 1
    assert summary_count(html, "small_to_scale.declared") == 0
    assert summary_count(html, "ind_to_ent") == 1 and summary_count(html, "scale_to_stock") == 1
    assert summary_count(html, "stock_to_listed") == 0
    assert "small_to_scale.completed" not in html  # closed cases are not work


def test_summary_is_scoped_and_follows_other_filters(client, cases):
    login(client, "xihu")
    html = page(client, "/worklist/?min_days=10&kind=ind_to_ent")
    assert summary_count(html, "small_to_scale") == 1  # 上城区's case is out of scope; kind does not narrow it
    assert summary_count(html, "scale_to_stock") == 0  # B has only 5 days


def test_summary_numbers_link_to_exactly_that_list(client, cases):
    login(client, "city")
    html = page(client, "/worklist/?district=330106")
    for key in ("small_to_scale", "small_to_scale.cultivating", "ind_to_ent.identified", "scale_to_stock"):
        href = re.search(rf'href="([^"]+)"\s+(?:class="ms-1" )?data-count="{re.escape(key)}"', html).group(1)
        listed = page(client, href.replace("&amp;", "&"))
        assert "district=330106" in href
        assert len(rows(listed)) == summary_count(html, key), key


# --- paging ------------------------------------------------------------------------------------------------

def test_pages_keep_filters_and_order(client, cases):
    login(client, "city")
    first = page(client, "/worklist/?per_page=2&sort=name&dir=asc")
    assert rows(first) == named(cases, "A", "B")
    assert "共 4 件，第 1/2 页" in first
    next_link = re.search(r'<a class="page-link" href="([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
    assert "sort=name" in next_link and "per_page=2" in next_link
    assert rows(page(client, next_link)) == named(cases, "C", "E")


# --- export ------------------------------------------------------------------------------------------------

def download(client, url):
    response = client.get(url, buffered=True)
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    sheet = load_workbook(io.BytesIO(response.data)).active
    return response, [[c.value for c in row] for row in sheet.iter_rows()], sheet


def test_export_is_the_filtered_list_in_its_order(client, cases):
    login(client, "city")
    query = "kind=small_to_scale&sort=name&dir=desc"
    shown = rows(page(client, f"/worklist/?{query}&per_page=1"))
    assert shown == named(cases, "E")  # the page shows one; the file holds all of them
    response, values, sheet = download(client, f"/worklist/export.xlsx?{query}")
    assert values[0] == HEADERS
    assert [row[0] for row in values[1:]] == ["杭州E贸易有限公司", "杭州A精密机械有限公司"]
    e = values[1]
    assert e[1:5] == [cases["firms"]["E"].uscc, "上城区", "小升规", "已识别"]
    assert e[5].date() == date(2026, 10, 11) and e[6].date() == date(2026, 10, 11)
    assert e[7] == 50 and e[8] == "shangcheng"
    assert sheet["F2"].is_date and sheet["H2"].data_type == "n"
    assert sheet.freeze_panes == "A2"
    assert response.headers["X-Export-Rows"] == "2"


def test_export_has_a_chinese_file_name(client, cases):
    login(client, "xihu")
    response, _, _ = download(client, "/worklist/export.xlsx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="worklist-2026-11-30.xlsx"')
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "我的待办_2026-11-30.xlsx"
    client.post("/logout")
    login(client, "leader")
    response, _, _ = download(client, "/worklist/export.xlsx")
    assert unquote(response.headers["Content-Disposition"].split("''")[1]) == "案件一览_2026-11-30.xlsx"


def test_export_keeps_the_officers_scope(client, cases):
    login(client, "xihu")
    _, values, _ = download(client, f"/worklist/export.xlsx?district={SHANGCHENG}")
    assert [row[0] for row in values[1:]] == ["杭州A精密机械有限公司", "杭州C便利店", "杭州B电子科技有限公司"]


def test_export_of_an_empty_list_is_the_header_alone(client, cases):
    login(client, "city")
    _, values, _ = download(client, "/worklist/export.xlsx?kind=stock_to_listed")
    assert values == [HEADERS]


def test_export_link_carries_the_filters_but_not_the_page(client, cases):
    login(client, "city")
    html = page(client, "/worklist/?kind=small_to_scale&min_days=3&per_page=1&page=2")
    href = re.search(r'id="export"\s+href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert href.startswith("/worklist/export.xlsx?")
    assert "kind=small_to_scale" in href and "min_days=3" in href
    assert "page=" not in href and "per_page" not in href
    assert "全部 2 件" in html


def test_export_with_a_bad_parameter_is_refused(client, cases):
    login(client, "city")
    response = client.get("/worklist/export.xlsx?sort=nonsense")
    assert response.status_code == 400
    assert "不支持按“nonsense”排序" in response.get_data(as_text=True)


def test_export_writes_markup_and_formulas_as_plain_text(client, cases, firms, session, users):
    from workflows.ladder import open_case

    firm = firms(name="=1+1<b>有限公司</b>")
    open_case(session, firm, "small_to_scale", actor=users["city"], now=NOW)
    session.commit()
    login(client, "city")
    _, values, sheet = download(client, "/worklist/export.xlsx?q=%3D1%2B1")
    assert values[1][0] == "=1+1<b>有限公司</b>" and sheet["A2"].data_type == "s"
