"""Status changes through the page, the editing buttons, who reaches the editing pages, and markup typed into
any field shown as text on the firm page and its timeline."""


import pytest
from sqlalchemy import select

from models import AuditEvent, Firm
from tests.factories import SHANGCHENG
from tests.functional.forms import audit_count, csrf_token, field_error, flashes, login
from tests.functional.pages import page

EVIL = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"


def status_form(change="deregister", **overrides) -> dict:
    return {"change": change, "effective_on": "2026-11-01", "source": "登记系统", "comment": "", **overrides}


def stored(session, firm) -> Firm:
    session.rollback()
    return session.get(Firm, firm.id)


def test_status_page_offers_only_changes_that_change_something(client, firms):
    firm = firms(name="杭州甲有限公司", flags={"abnormal": True})
    login(client, "xihu")
    html = page(client, f"/firms/{firm.uscc}/status")
    assert "当前：登记状态 <strong>存续</strong>" in html and "经营异常" in html
    options = html[html.index('id="change"'):html.index("</select>")]
    for code in ("deregister", "revoke", "move_out", "clear_abnormal", "mark_violation"):
        assert f'value="{code}"' in options
    assert 'value="restore"' not in options and 'value="mark_abnormal"' not in options
    assert '<optgroup label="经营异常名录">' in options
    assert 'name="effective_on" type="date" value="2026-11-30"' in html
    assert '<option value="国家企业信用信息公示系统">' in html
    crumbs = html[html.index('aria-label="面包屑"'):]
    assert "杭州甲有限公司</a>" in crumbs and "变更状态</li>" in crumbs


def test_deregistering_shows_on_the_firm_and_its_timeline(client, session, firms):
    firm = firms()
    login(client, "xihu")
    response = client.post(f"/firms/{firm.uscc}/status", data=status_form(comment="经营期满"),
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.request.path == f"/firms/{firm.uscc}"
    assert flashes(html) == ["已保存：登记状态 存续 → 注销（注销，生效日期 2026-11-01，来源 登记系统）"]
    assert stored(session, firm).status == "deregistered"
    identity = html[html.index('id="identity"'):]
    assert "<th scope=\"row\">登记状态</th><td>注销</td>" in identity
    entry = html[html.index('data-action="status_change"'):].split('<li class="list-group-item"')[0]
    assert "<strong>注销</strong>" in entry and "2026-11-30 10:00" in entry and "xihu" in entry
    assert "生效日期：2026-11-01" in entry and "来源：登记系统" in entry and "说明：经营期满" in entry
    assert '登记状态：<span class="old">存续</span> → <span class="new">注销</span>' in entry


@pytest.mark.parametrize("change, flash", [
    ("mark_abnormal", "经营异常 否 → 是（列入经营异常名录"),
    ("mark_violation", "严重违法失信 否 → 是（列入严重违法失信名单"),
    ("move_out", "登记状态 存续 → 迁出（迁出"),
])
def test_other_changes_flash_their_fields(client, firms, change, flash):
    firm = firms()
    login(client, "city")
    html = client.post(f"/firms/{firm.uscc}/status", data=status_form(change, source="人工核实"),
                       follow_redirects=True).get_data(as_text=True)
    assert flashes(html) == [f"已保存：{flash}，生效日期 2026-11-01，来源 人工核实）"]


def test_a_mistake_is_undone_with_the_opposite_change(client, session, firms):
    firm = firms(flags={"status": "revoked"})
    login(client, "city")
    html = client.post(f"/firms/{firm.uscc}/status", data=status_form("restore", comment="误录"),
                       follow_redirects=True).get_data(as_text=True)
    assert flashes(html)[0].startswith("已保存：登记状态 吊销 → 存续（恢复存续")
    assert stored(session, firm).status == "active"


@pytest.mark.parametrize("overrides, field, message", [
    ({"effective_on": "2026-12-01"}, "effective_on", "生效日期不能晚于今天（2026-11-30）"),
    ({"effective_on": ""}, "effective_on", "请填写生效日期"),
    ({"effective_on": "2026-13-01"}, "effective_on", "日期格式应为YYYY-MM-DD，且为有效日期：2026-13-01"),
    ({"source": "   "}, "source", "请填写来源，如登记系统、国家企业信用信息公示系统或人工核实"),
    ({"change": ""}, "change", "请选择状态变更"),
    ({"change": "mark_abnormal"}, "change", "该企业已在经营异常名录中"),
    ({"change": "restore"}, "change", "该企业已是存续状态"),
    ({"change": "delete"}, "change", "未知的状态变更：delete"),
])
def test_status_errors_beside_the_field_and_nothing_written(client, session, firms, overrides, field, message):
    firm = firms(flags={"abnormal": True})
    before = audit_count(session)
    login(client, "xihu")
    response = client.post(f"/firms/{firm.uscc}/status", data=status_form(**overrides, comment="保留的说明"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(html, field) == message
    assert "保留的说明</textarea>" in html  # nothing typed is lost
    assert audit_count(session) == before
    assert (stored(session, firm).status, stored(session, firm).abnormal) == ("active", True)


def test_status_form_refuses_a_post_without_the_pages_token(csrf_client, session, firms):
    firm = firms()
    client = csrf_client("xihu")
    url = f"/firms/{firm.uscc}/status"
    refused = client.post(url, data=status_form())
    assert refused.status_code == 400 and "安全令牌" in refused.get_data(as_text=True)
    assert stored(session, firm).status == "active"
    token = csrf_token(client.get(url).get_data(as_text=True))
    assert client.post(url, data={**status_form(), "csrf_token": token}).status_code == 302
    assert stored(session, firm).status == "deregistered"


# ---------------------------------------------------------------------------------- who may reach what


def editing_urls(firm) -> list[str]:
    return [f"/firms/{firm.uscc}/edit", f"/firms/{firm.uscc}/indicators/new",
            f"/firms/{firm.uscc}/indicators/2024/edit", f"/firms/{firm.uscc}/status"]


def test_officer_of_another_district_gets_404_everywhere(client, session, firms):
    firm = firms(name="上城秘密企业", district=SHANGCHENG, indicators={2024: {"revenue": "1"}})
    before = audit_count(session)
    login(client, "xihu")
    for url in editing_urls(firm):
        for method in ("GET", "POST"):
            response = client.open(url, method=method, data={**status_form(), "year": "2025", "name": "x"})
            assert response.status_code == 404, (method, url)
            assert "上城秘密企业" not in response.get_data(as_text=True)
    assert audit_count(session) == before


@pytest.mark.parametrize("username", ["leader", "admin"])
def test_leader_and_admin_get_403_everywhere(client, session, firms, username):
    firm = firms(name="西湖企业", indicators={2024: {"revenue": "1"}})
    before = audit_count(session)
    login(client, username)
    for url in ["/firms/new", *editing_urls(firm)]:
        for method in ("GET", "POST"):
            response = client.open(url, method=method, data={**status_form(), "name": "x"})
            assert response.status_code == 403, (method, url)
            assert "西湖企业" not in response.get_data(as_text=True)
    assert audit_count(session) == before and stored(session, firm).status == "active"


def test_anonymous_is_sent_to_login(client, firms):
    firm = firms(indicators={2024: {"revenue": "1"}})
    for url in ["/firms/new", *editing_urls(firm)]:
        response = client.post(url, data=status_form())
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next="), url


@pytest.mark.parametrize("username, shown", [("city", True), ("xihu", True), ("leader", False)])
def test_editing_buttons_only_for_those_who_may_edit(client, firms, username, shown):
    firm = firms()
    login(client, username)
    html = page(client, f"/firms/{firm.uscc}")
    buttons = [f'href="/firms/{firm.uscc}/edit">编辑</a>', f'href="/firms/{firm.uscc}/indicators/new">录入年度数据</a>',
               f'href="/firms/{firm.uscc}/status">变更状态</a>']
    assert [b in html for b in buttons] == [shown] * 3
    assert ('id="new-firm" href="/firms/new">新建企业</a>' in page(client, "/firms/")) is shown


# ------------------------------------------------------------------------------------------- escaping


def test_markup_typed_anywhere_is_shown_as_text(client, session, firms):
    firm = firms()
    login(client, "city")
    data = {"name": EVIL, "legal_form": "有限责任公司", "district": firm.district_code, "industry": "C39",
            "comment": EVIL}
    html = client.post(f"/firms/{firm.uscc}/edit", data=data, follow_redirects=True).get_data(as_text=True)
    assert flashes(html)[0].startswith(f"已保存：企业名称 杭州西溪精密机械有限公司 → {ESCAPED}")
    html = client.post(f"/firms/{firm.uscc}/status", data=status_form(source=EVIL, comment=EVIL),
                       follow_redirects=True).get_data(as_text=True)
    assert EVIL not in html
    assert f'<h1 class="h3 mb-1" id="firm-name">{ESCAPED}</h1>' in html
    assert f"来源：{ESCAPED}" in html and f"说明：{ESCAPED}" in html
    assert f'<span class="new">{ESCAPED}</span>' in html
    timeline = page(client, f"/firms/{firm.uscc}/timeline")
    assert EVIL not in timeline and f"来源：{ESCAPED}" in timeline and f"说明：{ESCAPED}" in timeline
    assert "生效日期：2026-11-01" in timeline
    for url in (f"/firms/{firm.uscc}/edit", f"/firms/{firm.uscc}/status", f"/firms/{firm.uscc}/indicators/new"):
        form = page(client, url)
        assert EVIL not in form and ESCAPED in form, url
    session.rollback()
    event = session.scalars(select(AuditEvent).filter_by(firm_id=firm.id, action="status_change")).one()
    assert event.evidence["source"] == EVIL and event.comment == EVIL  # stored as typed, escaped when shown


def test_markup_in_a_refused_form_is_shown_as_text(client, users):
    login(client, "city")
    html = client.post("/firms/new", data={"uscc": EVIL, "name": EVIL}).get_data(as_text=True)
    assert EVIL not in html and f'value="{ESCAPED}"' in html
    assert 'id="uscc-error">长度应为18位，实为27位<' in html
