"""Whole journeys in a real browser, each person signing in in turn:

- a 西湖区 officer nominates a firm to the county pool and opens a 小升规 case on it, moves the case to 已申报;
  city staff admit the nomination from the review queue and approve the case (the firm becomes 规上);
- the 成长之星 campaign from nomination to publication: the officer nominates a screened candidate in one
  click, city staff close nomination and shortlist it, the leader approves the list, city staff publish it,
  and the 公示名单 shows the firm.

The leader's dashboard and its drill-down are test_leader_dashboard.py's journey.
"""

import re

import pytest

from models import db
from tests.browser.conftest import PASSWORD, login
from tests.factories import NOW, XIHU, figures, firm_payload, star_campaign, star_member
from workflows.users import create_user

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def people(live_app):
    """City staff, a leader and a 西湖区 officer, all with the demo password; returns their usernames."""
    names = {"city": ("j_city", "city_staff", None), "leader": ("j_leader", "leader", None),
             "officer": ("j_xihu", "county_officer", XIHU)}
    with live_app.app_context():
        for username, role, district in names.values():
            create_user(db.session, username, PASSWORD, role, district=district, now=NOW)
        db.session.commit()
    return {key: username for key, (username, _, _) in names.items()}


@pytest.fixture(scope="module")
def growing_firm(live_app, people):
    """A 西湖区 小型 firm over the 规上 line (2,500万 revenue, 80 employees): eligible for the pool, ready to
    declare for 小升规."""
    from models import User
    from workflows.firms import create_firm, put_indicators

    with live_app.app_context():
        city = db.session.query(User).filter_by(username=people["city"]).one()
        firm = create_firm(db.session, firm_payload(name="杭州旅程精工机械有限公司", registered_on="2018-05-01"),
                           actor=city, now=NOW)
        put_indicators(db.session, firm, 2025, {"revenue": "2500", "employees": 80}, actor=city, now=NOW)
        db.session.commit()
        return firm.uscc, firm.name


def switch(page, server, username):
    """Sign out as the user would (which ends every session of theirs: a polling page's late answer cannot
    bring it back), then sign in as the next person."""
    submit(page, page.locator("form[action='/logout'] button"))
    page.goto("about:blank")
    page.context.clear_cookies()
    login(page, server, username)


def act(page, action: str, comment: str = "") -> None:
    """Take a workflow action from a subject page's panel and wait for the page that answers it."""
    form = page.locator(f"#action-{action}")
    if comment and form.locator("[name=comment]").count():
        form.locator("[name=comment]").fill(comment)
    submit(page, form.locator("button[type=submit]"))


def submit(page, button) -> None:
    """Click a form's button and wait for the answer's page: a bare wait_for_load_state returns at once on
    the page already loaded, and the next step (clearing cookies to switch users) would race the response."""
    with page.expect_navigation():
        button.click()


def test_nomination_and_case_from_the_officer_to_city_staff(page, live_server, people, growing_firm):
    uscc, name = growing_firm
    login(page, live_server, people["officer"])

    page.goto(f"{live_server}/firms/{uscc}/nominate")
    page.fill("#nominate-form [name=reason]", "营收两年增长超过三成")
    page.select_option("#nominate-form [name=cultivation_type]", index=1)
    submit(page, page.locator("#nominate-form button[type=submit]"))
    page.wait_for_url(re.compile(r"/memberships/\d+$"))
    assert "已推荐入" in page.inner_text("body")
    membership_url = page.url

    page.goto(f"{live_server}/firms/{uscc}")
    page.select_option("#open-case select[name=kind]", "small_to_scale")
    page.click("#open-case button[type=submit]")
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    case_url = page.url
    act(page, "start_cultivation", "列入重点培育")
    act(page, "declare", "2025年营业收入2500万元")
    assert page.locator(".wf-current").get_attribute("data-state") == "declared"

    switch(page, live_server, people["city"])
    page.goto(f"{live_server}/pools/review")
    row = page.locator("#queue tbody tr", has_text=name)
    submit(page, row.get_by_role("button", name="审核入库"))
    assert f"已审核入库：{name}" in page.inner_text("body")
    assert page.locator("#queue tbody tr", has_text=name).count() == 0
    page.goto(membership_url)
    assert page.locator(".wf-current").get_attribute("data-state") == "admitted"

    page.goto(case_url)
    act(page, "approve", "核实无误")
    assert page.locator(".wf-current").get_attribute("data-state") == "completed"
    page.goto(f"{live_server}/firms/{uscc}")
    assert "规上" in page.locator("main").inner_text()


@pytest.fixture(scope="module")
def star_campaign_open(live_app, people):
    """A 西湖区 pool member with two years of growth, screened as a candidate of the 2026 campaign, which is
    open for nominations until 2026-12-31."""
    from models import User

    with live_app.app_context():
        by_role = {key: db.session.query(User).filter_by(username=name).one() for key, name in people.items()}
        firm = star_member(db.session, by_role, now2024=figures(100, 10, 10), now2025=figures(180, 14, 14, 20, 4))
        firm.name = "杭州旅程成长之星科技有限公司"  # a made-up register row, as star_member makes it
        star_campaign(db.session, by_role["city"], now=NOW, total=15, factor=1, nomination_deadline="2026-12-31",
                      review_deadline="2027-01-31")
        db.session.commit()
    return "杭州旅程成长之星科技有限公司"


def test_growth_star_campaign_from_nomination_to_publication(page, live_server, people, star_campaign_open):
    name = star_campaign_open
    login(page, live_server, people["officer"])
    page.goto(f"{live_server}/campaigns/2026/nominate")
    candidate = page.locator("#candidates tbody tr", has_text=name)
    submit(page, candidate.get_by_role("button", name="提名"))
    assert page.locator("#entries tbody tr", has_text=name).count() == 1

    switch(page, live_server, people["city"])
    page.goto(f"{live_server}/campaigns/2026")
    act(page, "close_nomination", "提名截止")
    page.goto(f"{live_server}/campaigns/2026/review")
    submit(page, page.locator("tr", has_text=name).get_by_role("button", name="入围"))
    assert page.locator("tr", has_text=name).get_by_role("button", name="入围").count() == 0  # decided

    switch(page, live_server, people["leader"])
    page.goto(f"{live_server}/campaigns/2026")
    act(page, "approve", "同意")

    switch(page, live_server, people["city"])
    page.goto(f"{live_server}/campaigns/2026")
    act(page, "publish", "按批准名单发布")
    assert page.locator(".wf-current").get_attribute("data-state") == "published"
    page.goto(f"{live_server}/campaigns/2026/list")
    assert name in page.locator("main").inner_text()
