"""A county officer's day in a real browser: create a firm, open a 小升规 case, move it, read the timeline."""

import re

import pytest

from models import db
from tests.factories import NOW, PASSWORD
from workflows.rules.uscc import make_uscc
from workflows.users import create_user

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def officer(live_app):
    with live_app.app_context():
        create_user(db.session, "xihu_browser", PASSWORD, "county_officer", district="330106", now=NOW,
                    display_name="西湖区测试员")
        db.session.commit()
    return "xihu_browser", PASSWORD


def test_officer_creates_firm_opens_case_and_moves_it(page, live_server, officer):
    username, password = officer
    uscc = make_uscc("91", "330106", "MA2BRWT1")

    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")  # is_visible() does not wait: the login's answer must be in first
    assert page.locator("nav").get_by_text("西湖区").first.is_visible()

    page.goto(f"{live_server}/firms/new")
    page.fill("input[name=uscc]", uscc)
    page.fill("input[name=name]", "杭州浏览器测试科技有限公司<b>")
    page.select_option("select[name=legal_form]", "有限责任公司")
    page.fill("input[name=industry]", "C39")
    page.fill("input[name=registered_on]", "2020-05-18")
    page.locator("form").get_by_role("button").last.click()

    page.wait_for_url(re.compile(rf"/firms/{uscc}$"))
    assert page.locator("h1").inner_text().strip().startswith("杭州浏览器测试科技有限公司<b>")  # escaped, shown as typed

    page.select_option("#open-case select[name=kind]", "small_to_scale")
    page.fill("#open-case [name=comment]", "年营收接近规上门槛")
    page.click("#open-case button[type=submit]")
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    assert page.locator(".wf-current").get_attribute("data-state") == "identified"

    page.fill("#action-start_cultivation [name=comment]", "纳入重点培育名单")
    page.click("#action-start_cultivation button[type=submit]")
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    assert page.get_by_text("已执行：开始培育").is_visible()
    assert page.locator(".wf-current").get_attribute("data-state") == "cultivating"

    page.goto(f"{live_server}/firms/{uscc}/timeline")
    body = page.locator("main").inner_text() if page.locator("main").count() else page.inner_text("body")
    assert "开始培育" in body and "纳入重点培育名单" in body
    assert "已识别" in body and "培育中" in body
