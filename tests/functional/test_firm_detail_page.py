"""The firm detail page: identity and 划型, figures by year, the ladder, cases, the timeline, and scope."""

import re
from datetime import timedelta

from tests.factories import SHANGCHENG
from tests.functional.pages import login, page


def test_detail_shows_identity_and_size_class(client, story):
    firm, _, _ = story
    login(client, "city")
    html = page(client, f"/firms/{firm.uscc}")
    start = html.index('id="identity"')
    identity = html[start:html.index("</table>", start)]
    for text in (firm.uscc, "杭州西溪精密机械有限公司", "有限责任公司", "西湖区", "C39", "2019-05-20", "存续",
                 "科技型中小企业", "高端装备制造", "信息经济", "小型"):
        assert text in identity, text
    note = re.search(r'id="size-note">([^<]*)<', html).group(1)
    assert "工业" in note and "2024年度" in note and "从业人员20人且营业收入300万元" in note


def test_detail_lowercase_uscc_finds_the_firm(client, story):
    firm, _, _ = story
    login(client, "leader")
    assert firm.name in page(client, f"/firms/{firm.uscc.lower()}")


def test_detail_shows_indicators_by_year_in_wan_yuan(client, story):
    firm, _, _ = story
    login(client, "city")
    html = page(client, f"/firms/{firm.uscc}")
    table = html[html.index('id="indicators"'):]
    table = table[:table.index("</table>")]
    assert "金额单位：万元" in html
    assert table.index('data-year="2024"') < table.index('data-year="2023"')  # newest first
    row_2023 = table[table.index('data-year="2023"'):]
    assert "1,800.00" in row_2023
    assert '<td class="num text-danger">-12.50</td>' in row_2023
    assert '<td class="num">130.25</td>' in table and "2,500.00" in table


def test_detail_highlights_the_current_rung(client, story):
    firm, _, _ = story
    login(client, "city")
    html = page(client, f"/firms/{firm.uscc}")
    start = html.index('id="ladder"')
    ladder = html[start:html.index("</ol>", start)]
    steps = re.findall(r'<li class="ladder-step([^"]*)"\s+data-stage="(\w+)"', ladder)
    assert [stage for _, stage in steps] == ["individual", "enterprise", "above_scale", "joint_stock", "listed"]
    assert dict((stage, cls.strip()) for cls, stage in steps) == {
        "individual": "is-passed", "enterprise": "is-passed", "above_scale": "is-current",
        "joint_stock": "", "listed": "",
    }
    assert 'data-stage="above_scale" aria-current="step"' in ladder


def test_detail_lists_cases_with_states_and_days(client, story, clock, now):
    firm, case, stock = story
    clock.at = now + timedelta(days=16)
    login(client, "city")
    html = page(client, f"/firms/{firm.uscc}")
    rows = dict(re.findall(r'<tr data-case="(\d+)">(.*?)</tr>', html, re.S))
    assert "规改股" in rows[str(stock.id)] and "已识别" in rows[str(stock.id)] and "10 天" in rows[str(stock.id)]
    closed = rows[str(case.id)]
    assert "小升规" in closed and "已升规" in closed and "已结束 2026-12-05" in closed


def test_detail_timeline_newest_first_with_old_and_new_values(client, story):
    firm, case, _ = story
    login(client, "city")
    html = page(client, f"/firms/{firm.uscc}")
    timeline = html[html.index('id="timeline"'):]
    actions = re.findall(r'<li class="list-group-item" data-action="(\w+)">', timeline)
    assert actions == ["open", "approve", "declare", "start_cultivation", "open", "update",
                       "indicators_create", "indicators_create", "create"]
    approve = timeline[timeline.index('data-action="approve"'):timeline.index('data-action="declare"')]
    assert "审核通过" in approve and f"小升规案件 #{case.id}" in approve
    assert "已申报 → 已升规" in approve
    assert "2026-12-05 10:00" in approve and "city" in approve  # Asia/Shanghai, 8 hours ahead of UTC
    assert '<span class="old">企业(规下)</span> → <span class="new">规上/限上企业</span>' in approve
    update = timeline[timeline.index('data-action="update"'):timeline.index('data-action="indicators_create"')]
    assert "修改企业信息" in update and "说明：根据年报核实" in update
    assert '八大万亿产业：<span class="old">高端装备制造</span> → <span class="new">高端装备制造、信息经济</span>' \
        in update
    assert '科技型中小企业：<span class="old">否</span> → <span class="new">是</span>' in update
    assert "2024年度指标" in timeline and "2,500.00" in timeline
    assert '企业划型：<span class="old">未划型</span> → <span class="new">小型</span>' in timeline


def test_detail_of_a_firm_without_cases_or_figures(client, firms):
    firm = firms(name="新设企业")
    login(client, "city")
    html = page(client, f"/firms/{firm.uscc}")
    assert "暂无升级案件。" in html and "尚无年度指标。" in html
    assert "尚无年度指标，未划型" in html


def test_officer_gets_404_for_another_districts_firm(client, firms):
    other = firms(name="上城秘密企业", district=SHANGCHENG)
    own = firms(name="西湖企业")
    login(client, "xihu")
    assert "西湖企业" in page(client, f"/firms/{own.uscc}")
    html = page(client, f"/firms/{other.uscc}", status=404)
    assert "未找到该企业" in html and "上城秘密企业" not in html


def test_unknown_firm_is_404(client, users):
    login(client, "city")
    assert "未找到该企业" in page(client, "/firms/91330106MA0000000X", status=404)


def test_admin_is_refused_firm_pages(client, firms):
    firm = firms()
    login(client, "admin")
    assert "无权访问" in page(client, "/firms/", status=403)
    html = page(client, f"/firms/{firm.uscc}", status=403)
    assert firm.name not in html


def test_anonymous_is_sent_to_login(client, firms):
    firm = firms()
    for url in ("/", "/firms/", f"/firms/{firm.uscc}"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
