"""The read-only pages: home per role, the firm list with its filters, escaping and self-contained assets."""

import re

import pytest

from tests.factories import SHANGCHENG, XIHU
from tests.functional.pages import login, page

EVIL = "<script>alert(1)</script>"


def stage_count(html: str, stage: str) -> int:
    match = re.search(rf'data-stage="{stage}">.*?class="fs-3 fw-semibold stage-count">(\d+)<', html, re.S)
    return int(match.group(1))


def firm_rows(html: str) -> list[str]:
    """The names in the list table, in order."""
    if 'id="firms"' not in html:
        return []
    table = html[html.index('id="firms"'):html.index("</table>")]
    return re.findall(r'<td><a href="/firms/[0-9A-Z]{18}">([^<]*)</a></td>', table)


# ----------------------------------------------------------------------------------------------- home


@pytest.fixture
def spread(firms, session, users, now):
    """Two 西湖区 firms (one an individual business), three 上城区 enterprises; open 小升规 cases on one
    西湖区 and two 上城区 firms. A cancelled (注销) enterprise in each district, which the home page's
    counts leave out (they count 存续 firms, as the leaders' funnel does)."""
    from workflows.ladder import open_case

    xihu = [firms(name="西湖甲"), firms(name="西湖个体户", legal_form="个体工商户")]
    shangcheng = [firms(name=f"上城{i}", district=SHANGCHENG) for i in range(3)]
    from workflows.firm_status import mark_status

    for name, district in (("西湖已注销", XIHU), ("上城已注销", SHANGCHENG)):
        mark_status(session, firms(name=name, district=district), "deregister", effective_on=now.date(),
                    source="登记系统", actor=users["city"], now=now, today=now.date())
    open_case(session, xihu[0], "small_to_scale", actor=users["city"], now=now)
    open_case(session, shangcheng[0], "small_to_scale", actor=users["city"], now=now)
    open_case(session, shangcheng[1], "small_to_scale", actor=users["city"], now=now)
    session.commit()
    return xihu, shangcheng


@pytest.mark.parametrize("username", ["city", "leader"])
def test_city_home_counts_the_whole_city(client, spread, username):
    login(client, username)
    html = page(client, "/")
    assert "全市企业升级概况" in html
    assert "共 5 家" in html
    assert stage_count(html, "enterprise") == 4
    assert stage_count(html, "individual") == 1
    assert stage_count(html, "listed") == 0
    assert 'href="/firms/?stage=enterprise&amp;status=active"' in html
    # The per-district table links each number to its list, which holds as many firms.
    assert 'href="/firms/?district=330102&amp;stage=enterprise&amp;status=active">3</a>' in html
    assert len(firm_rows(page(client, "/firms/?district=330102&stage=enterprise&status=active"))) == 3
    cases = html[html.index('data-kind="small_to_scale"'):]
    assert '小升规</span><span class="badge text-bg-primary">3</span>' in cases
    assert '<span>已识别</span><span class="num">3</span>' in cases


def test_officer_home_counts_only_their_district(client, spread):
    login(client, "xihu")
    html = page(client, "/")
    assert "西湖区 · 企业升级概况" in html
    assert "共 2 家" in html
    assert stage_count(html, "enterprise") == 1
    assert stage_count(html, "individual") == 1
    assert 'id="district-table"' not in html and "上城区" not in html
    assert '小升规</span><span class="badge text-bg-primary">1</span>' in html


def test_admin_home_lists_users_and_the_cli(client, users):
    login(client, "admin")
    html = page(client, "/")
    assert "flask --app wsgi users create" in html
    users_table = html[html.index('id="users"'):]
    for username, role in [("city", "市局工作人员"), ("xihu", "区县工作人员"), ("leader", "领导")]:
        assert f"<td>{username}</td>" in users_table and role in users_table
    assert "西湖区" in users_table and "上城区" in users_table
    assert "企业名录" not in html and "stage-count" not in html  # no domain numbers for the admin


# ----------------------------------------------------------------------------------------------- list


def test_list_shows_firms_with_chinese_labels_and_a_count(client, firms):
    firms(name="杭州甲科技有限公司", tags=["information"], flags={"high_tech": True})
    login(client, "city")
    html = page(client, "/firms/")
    assert "共 1 家" in html
    assert firm_rows(html) == ["杭州甲科技有限公司"]
    for text in ("西湖区", "企业(规下)", "存续", "未划型", "高新技术企业", "有限责任公司"):
        assert text in html


def test_list_filters(client, firms):
    firms(name="西湖精密机械", industry="C39", tags=["equipment"], indicators={2024: {
        "revenue": "500", "employees": 30}})
    firms(name="西湖软件", industry="I65", tags=["information"], flags={"abnormal": True, "tech_sme": True})
    firms(name="西湖个体户", legal_form="个体工商户", industry="F52")
    shangcheng = firms(name="上城商贸", district=SHANGCHENG, industry="F51", flags={"status": "deregistered"})
    login(client, "city")
    cases = {
        "q=精密": ["西湖精密机械"],
        f"q={shangcheng.uscc.lower()}": ["上城商贸"],
        f"district={SHANGCHENG}": ["上城商贸"],
        "stage=individual": ["西湖个体户"],
        "status=deregistered": ["上城商贸"],
        "size_class=small": ["西湖精密机械"],
        "industry=c3": ["西湖精密机械"],
        "industry=F": ["西湖个体户", "上城商贸"],
        "tags=information": ["西湖软件"],
        "abnormal=true": ["西湖软件"],
        "tech_sme=true&abnormal=true": ["西湖软件"],
        "serious_violation=true": [],
        "legal_form=个体工商户": ["西湖个体户"],
        f"district={XIHU}&stage=enterprise": ["西湖精密机械", "西湖软件"],
    }
    for query, expected in cases.items():
        html = page(client, f"/firms/?{query}")
        assert firm_rows(html) == expected, query
        assert f"共 {len(expected)} 家" in html, query


def test_filters_stay_selected(client, firms):
    firms()
    login(client, "city")
    html = page(client, "/firms/?stage=enterprise&q=%E8%A5%BF&district=330106")
    assert '<option selected value="enterprise">' in html
    assert '<option selected value="330106">' in html
    assert 'value="西"' in html


def test_empty_list_says_so(client, firms):
    login(client, "city")
    assert "尚无企业。" in page(client, "/firms/")
    firms()
    assert "没有符合条件的企业" in page(client, "/firms/?stage=listed")


def test_pagination_keeps_the_filters(client, firms):
    for i in range(5):
        firms(name=f"企业{i}")
    firms(name="个体户", legal_form="个体工商户")
    login(client, "city")
    first = page(client, "/firms/?stage=enterprise&per_page=2")
    assert "共 5 家，第 1/3 页" in first
    assert firm_rows(first) == ["企业0", "企业1"]
    assert 'href="/firms/?page=2&amp;stage=enterprise&amp;per_page=2"' in first
    second = page(client, "/firms/?page=2&stage=enterprise&per_page=2")
    assert firm_rows(second) == ["企业2", "企业3"]
    last = page(client, "/firms/?page=3&stage=enterprise&per_page=2")
    assert firm_rows(last) == ["企业4"]
    assert 'href="/firms/?page=2&amp;stage=enterprise&amp;per_page=2" rel="prev"' in last


def test_page_links_drop_unknown_parameters(client, firms):
    for i in range(3):
        firms(name=f"企业{i}")
    login(client, "city")
    html = page(client, "/firms/?per_page=1&_external=1&_scheme=https&foo=bar")
    assert "_external" not in html and "foo=bar" not in html and "https://" not in html


@pytest.mark.parametrize("query,message", [
    ("stage=ladder", "阶梯阶段：取值无效：ladder"),
    ("size_class=huge", "企业划型：取值无效：huge"),
    ("abnormal=maybe", "经营异常：应为“是”或“否”"),
    ("page=0", "页码：页码应为正整数"),
    ("per_page=5000", "每页条数：每页条数应在1至200之间"),
])
def test_invalid_filters_are_explained_not_crashed(client, firms, query, message):
    firms()
    login(client, "city")
    html = page(client, f"/firms/?{query}", status=400)
    assert "筛选条件有误" in html or "分页参数有误" in html
    assert message in html
    assert 'id="filters"' in html  # the form is still there to correct the value
    assert firm_rows(html) == []


def test_officer_list_is_their_district_only(client, firms):
    firms(name="西湖企业")
    firms(name="上城企业", district=SHANGCHENG)
    login(client, "xihu")
    html = page(client, "/firms/")
    assert firm_rows(html) == ["西湖企业"] and "共 1 家" in html
    assert '<select class="form-select form-select-sm" id="district"' not in html  # fixed, not a choice
    # Asking for another district by hand shows their own firms, never the other district's.
    assert firm_rows(page(client, f"/firms/?district={SHANGCHENG}")) == ["西湖企业"]
    assert firm_rows(page(client, "/firms/?q=上城")) == []


def test_leader_reads_the_list(client, firms):
    firms(name="西湖企业")
    firms(name="上城企业", district=SHANGCHENG)
    login(client, "leader")
    assert firm_rows(page(client, "/firms/")) == ["西湖企业", "上城企业"]


# ------------------------------------------------------------------------------------ escaping, assets


def test_html_in_a_name_is_shown_as_text(client, firms):
    firm = firms(name=EVIL)
    login(client, "city")
    for url in ("/firms/", f"/firms/{firm.uscc}", f"/firms/?q={EVIL}"):
        html = page(client, url)
        assert EVIL not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_pages_reference_no_external_assets(client, story, users):
    firm, _, _ = story
    urls = {"city": ["/", "/firms/", f"/firms/{firm.uscc}", "/firms/?stage=bad", "/firms/91330106MA0000000X"],
            "xihu": ["/"], "admin": ["/", "/firms/"]}
    html = page(client, "/login")
    assert "http://" not in html and "https://" not in html
    for username, paths in urls.items():
        login(client, username)
        for path in paths:
            response = client.get(path)
            html = response.get_data(as_text=True)
            assert "http://" not in html and "https://" not in html, path
            assert 'href="/static/vendor/bootstrap-5.3.3/bootstrap.min.css"' in html, path
            assert 'src="/static/vendor/bootstrap-5.3.3/bootstrap.bundle.min.js"' in html, path
        client.post("/logout")


def test_vendored_assets_are_served(client):
    for path, mimetype in [("/static/vendor/bootstrap-5.3.3/bootstrap.min.css", "text/css"),
                           ("/static/vendor/bootstrap-5.3.3/bootstrap.bundle.min.js", "text/javascript"),
                           ("/static/app.css", "text/css")]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.mimetype == mimetype
        response.close()
    css = client.get("/static/app.css")
    assert "@media print" in css.get_data(as_text=True)
    css.close()
