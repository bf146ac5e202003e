"""A leader's dashboard in a real browser: every chart drawn by the app's own ECharts, a district switched,
a drill-down clicked through to a list as long as its number."""

import re
from datetime import date

import pytest

from models import db
from models.enums import SizeClass
from tests.factories import NOW, PASSWORD, XIHU, make_firm
from workflows.users import create_user

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def leader(live_app):
    with live_app.app_context():
        create_user(db.session, "leader_browser", PASSWORD, "leader", district=None, now=NOW)
        for day in (date(2021, 4, 1), date(2022, 4, 1), date(2024, 4, 1)):
            make_firm(db.session, district=XIHU, registered_on=day, size_class=SizeClass.SMALL, revenue=None)
        db.session.commit()
    return "leader_browser", PASSWORD


def test_leader_sees_every_chart_switches_district_and_drills_down(page, live_server, leader):
    username, password = leader
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/dashboard")
    charts = page.locator("[data-chart]")
    assert charts.count() == 8
    page.wait_for_function("document.querySelectorAll('[data-chart][data-drawn]').length == 8")
    drawn = page.evaluate("""Array.from(document.querySelectorAll('[data-chart]')).map(el => {
        const svg = el.querySelector('svg');
        return [el.dataset.chart, !!svg && svg.querySelectorAll('path, rect, text').length];
    })""")
    assert all(count and count > 3 for _, count in drawn), drawn

    page.select_option("#f-district", XIHU)
    page.wait_for_url(re.compile(r"district=330106"))
    assert page.locator("h1").inner_text().strip() == "领导看板 · 西湖区"
    cell = page.locator('#scorecard tr[data-metric="new_small_firms"] td[data-cell="district-value"] a')
    number = cell.inner_text().strip().rstrip("家")
    assert number == "2"
    cell.click()
    page.wait_for_url(re.compile(r"/dashboard/list\?"))
    assert page.locator("#list-total").inner_text() == number
    assert page.locator("#drill-table tbody tr").count() == int(number)
