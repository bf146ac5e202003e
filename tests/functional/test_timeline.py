"""A firm's full timeline (/firms/<uscc>/timeline): every audit event of the firm, its cases and any other
kind of record tied to it, newest first, filterable, paginated, and scoped like the firm itself."""

import re
from datetime import timedelta

import pytest

from tests.factories import NOW, SHANGCHENG
from tests.functional.pages import login, page

NEWEST_FIRST = ["open", "approve", "declare", "start_cultivation", "open", "update", "indicators_create",
                "indicators_create", "create"]


def events(html: str) -> list[tuple[str, str]]:
    """(kind, action) of each entry, in page order."""
    return re.findall(r'<li class="list-group-item" data-event="\d+" data-kind="(\w+)" data-action="(\w+)">', html)


def entry(html: str, action: str) -> str:
    start = html.index(f'data-action="{action}"')
    end = html.find('<li class="list-group-item"', start)
    return html[start:end if end > 0 else None]


def options(html: str, select_id: str) -> list[str]:
    select = html[html.index(f'id="{select_id}"'):]
    return re.findall(r"<option[^>]*>([^<]*)</option>", select[:select.index("</select>")])


def test_every_event_newest_first_with_actor_time_and_state_change(client, story):
    firm, case, _ = story
    login(client, "city")
    html = page(client, f"/firms/{firm.uscc}/timeline")
    assert "共 9 条" in html
    assert [action for _, action in events(html)] == NEWEST_FIRST
    assert [kind for kind, _ in events(html)] == ["case"] * 5 + ["firm"] * 4
    approve = entry(html, "approve")
    assert "审核通过" in approve and f"小升规案件 #{case.id}" in approve and "已申报 → 已升规" in approve
    assert '<time datetime="2026-12-05T10:00:00+08:00">2026-12-05 10:00</time>' in approve  # Asia/Shanghai
    assert '<span class="actor">city</span>' in approve
    assert '<span class="old">企业(规下)</span> → <span class="new">规上/限上企业</span>' in approve
    opened = html.split('<li class="list-group-item"')[5]  # the 小升规 case's opening, by the officer
    assert "发起案件" in opened and f"小升规案件 #{case.id}" in opened
    assert '<span class="actor">xihu</span>' in opened


def test_comment_and_each_changed_field_old_to_new(client, story):
    firm, _, _ = story
    login(client, "leader")
    update = entry(page(client, f"/firms/{firm.uscc}/timeline"), "update")
    assert "修改企业信息" in update and '<div class="mt-1 comment">说明：根据年报核实</div>' in update
    assert '八大万亿产业：<span class="old">高端装备制造</span> → <span class="new">高端装备制造、信息经济</span>' \
        in update
    assert '科技型中小企业：<span class="old">否</span> → <span class="new">是</span>' in update


def test_case_entries_link_to_the_case_page(client, story):
    firm, case, _ = story
    login(client, "city")
    assert f'<a href="/cases/{case.id}">小升规案件 #{case.id}</a>' in entry(
        page(client, f"/firms/{firm.uscc}/timeline"), "approve")


@pytest.mark.parametrize("query, expected", [
    ("kind=firm", ["update", "indicators_create", "indicators_create", "create"]),
    ("kind=case", ["open", "approve", "declare", "start_cultivation", "open"]),
    ("action=open", ["open", "open"]),
    ("kind=case&action=approve", ["approve"]),
    ("action=indicators_create", ["indicators_create", "indicators_create"]),
])
def test_filters_by_kind_and_action(client, story, query, expected):
    firm, _, _ = story
    login(client, "city")
    html = page(client, f"/firms/{firm.uscc}/timeline?{query}")
    assert [action for _, action in events(html)] == expected
    assert f"共 {len(expected)} 条" in html


def test_a_filter_that_matches_nothing_says_so(client, story):
    firm, _, _ = story
    login(client, "city")
    html = page(client, f"/firms/{firm.uscc}/timeline?kind=membership")
    assert events(html) == [] and "没有符合条件的记录。" in html


def test_filter_choices_in_chinese(client, story):
    firm, _, _ = story
    login(client, "city")
    html = page(client, f"/firms/{firm.uscc}/timeline")
    assert options(html, "kind") == ["全部", "企业信息", "升级案件", "入库"]
    actions = options(html, "action")
    for text in ("发起案件", "开始培育", "申报升规", "审核通过", "修改企业信息", "录入年度指标", "登记企业"):
        assert text in actions, text
    firm_only = options(page(client, f"/firms/{firm.uscc}/timeline?kind=firm"), "action")
    assert "修改企业信息" in firm_only and "审核通过" not in firm_only


def test_new_kinds_of_record_show_up_without_code_changes(client, story, session, users):
    from workflows.audit import record_event

    firm, _, _ = story
    record_event(session, subject_type="membership", subject_id=1, firm_id=firm.id, action="nominate",
                 actor=users["xihu"], now=NOW + timedelta(days=7), comment="推荐入库")
    record_event(session, subject_type="campaign", subject_id=1, firm_id=firm.id, action="shortlist",
                 actor=users["city"], now=NOW + timedelta(days=8))
    session.commit()
    login(client, "city")
    html = page(client, f"/firms/{firm.uscc}/timeline")
    assert events(html)[:2] == [("campaign", "shortlist"), ("membership", "nominate")]
    assert "说明：推荐入库" in entry(html, "nominate")
    assert options(html, "kind") == ["全部", "企业信息", "升级案件", "入库", "campaign"]
    assert events(page(client, f"/firms/{firm.uscc}/timeline?kind=membership")) == [("membership", "nominate")]


def test_pages_newest_first_and_links_keep_the_filter(client, story):
    firm, _, _ = story
    login(client, "city")
    first = page(client, f"/firms/{firm.uscc}/timeline?per_page=4")
    assert [a for _, a in events(first)] == NEWEST_FIRST[:4] and "共 9 条，第 1/3 页" in first
    second = page(client, f"/firms/{firm.uscc}/timeline?per_page=4&page=2")
    assert [a for _, a in events(second)] == NEWEST_FIRST[4:8]
    filtered = page(client, f"/firms/{firm.uscc}/timeline?kind=case&per_page=2")
    next_link = re.search(r'href="([^"]+)" rel="next"', filtered).group(1).replace("&amp;", "&")
    assert "kind=case" in next_link and "per_page=2" in next_link
    assert [a for _, a in events(page(client, next_link))] == ["declare", "start_cultivation"]


def test_markup_in_comments_and_values_is_escaped(client, firms, session, users):
    from workflows.firms import update_firm

    firm = firms(name="杭州转义测试有限公司")
    update_firm(session, firm, {"name": "<i>新名</i>"}, actor=users["city"], now=NOW + timedelta(days=1),
                comment="<script>alert(1)</script>")
    session.commit()
    login(client, "city")
    html = page(client, f"/firms/{firm.uscc}/timeline")
    assert "说明：&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert '<span class="new">&lt;i&gt;新名&lt;/i&gt;</span>' in html and "<i>新名</i>" not in html


@pytest.mark.parametrize("query, field", [("kind=Firm!", "记录类别"), ("action=%3Cb%3E", "操作"),
                                          ("page=x", "页码")])
def test_bad_parameters_are_refused(client, story, query, field):
    firm, _, _ = story
    login(client, "city")
    html = page(client, f"/firms/{firm.uscc}/timeline?{query}", status=400)
    error = html[html.index('id="filter-error"'):]
    assert f"{field}：" in error and 'id="timeline"' not in html


def test_own_district_officer_reads_it(client, story):
    firm, _, _ = story
    login(client, "xihu")
    assert [a for _, a in events(page(client, f"/firms/{firm.uscc.lower()}/timeline"))] == NEWEST_FIRST


def test_another_districts_officer_gets_404_and_sees_nothing(client, story, firms):
    firm, _, _ = story
    login(client, "shangcheng")
    html = page(client, f"/firms/{firm.uscc}/timeline", status=404)
    assert "未找到该企业" in html and firm.name not in html and "根据年报核实" not in html
    own = firms(name="上城自家企业", district=SHANGCHENG)
    assert "登记企业" in page(client, f"/firms/{own.uscc}/timeline")


def test_admin_is_refused(client, story):
    firm, _, _ = story
    login(client, "admin")
    html = page(client, f"/firms/{firm.uscc}/timeline", status=403)
    assert firm.name not in html


def test_anonymous_is_sent_to_login(client, story):
    firm, _, _ = story
    response = client.get(f"/firms/{firm.uscc}/timeline")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_firm_page_links_to_the_full_timeline(client, story):
    firm, _, _ = story
    login(client, "city")
    html = page(client, f"/firms/{firm.uscc}")
    assert f'id="timeline-all" href="/firms/{firm.uscc}/timeline">查看全部</a>' in html
