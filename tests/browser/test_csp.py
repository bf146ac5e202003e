"""Under the Content-Security-Policy (no inline script, style or handler) the main pages report no
violation in the browser, the dashboard's charts draw and their tooltips show, and the markup's
behaviours (a select that submits its form) still work."""

import re

import pytest

from models import Pool, db
from tests.factories import NOW, PASSWORD, XIHU, make_firm
from workflows.users import create_user

pytestmark = pytest.mark.browser

# Collects every violation the page reports, from the first script on (before the page's own).
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
});
"""


@pytest.fixture(scope="module")
def staff(live_app):
    with live_app.app_context():
        create_user(db.session, "city_csp", PASSWORD, "city_staff", district=None, now=NOW)
        firm = make_firm(db.session, district=XIHU)
        pool_id = db.session.scalars(db.select(Pool.id).order_by(Pool.id)).first()
        db.session.commit()
        return "city_csp", firm.uscc, pool_id


@pytest.fixture
def watched(page):
    page.add_init_script(RECORD_VIOLATIONS)
    console = []
    page.on("console", lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None)
    return page, console


def violations(page, console) -> list[str]:
    return page.evaluate("window.__csp") + console


def test_main_pages_report_no_csp_violation(watched, live_server, staff):
    page, console = watched
    username, uscc, pool_id = staff
    page.goto(f"{live_server}/login")
    assert violations(page, console) == []
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    for path in ("/", "/firms/", f"/firms/{uscc}", f"/pools/{pool_id}/members", "/pools/", "/pools/review",
                 "/dashboard", "/campaigns/", "/inbox/", "/imports/"):
        response = page.goto(f"{live_server}{path}")
        assert response.status == 200, path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        page.wait_for_load_state("load")
        assert violations(page, console) == [], path


def test_dashboard_draws_and_its_tooltip_shows_without_violations(watched, live_server, staff):
    page, console = watched
    username, *_ = staff
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/dashboard")
    page.wait_for_function("document.querySelectorAll('[data-chart][data-drawn]').length == 8")
    texts = "Array.from(document.querySelectorAll('[data-chart] svg text')).map(t => t.textContent).join('|')"
    before = page.evaluate(texts)
    shown = False
    for chart in page.locator("[data-chart]").all()[:3]:
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        for fraction in (0.3, 0.5, 0.7):  # hover across the plot: the tooltip appears somewhere along it
            page.mouse.move(box["x"] + box["width"] * fraction, box["y"] + box["height"] * 0.6)
            page.wait_for_timeout(150)
            shown = shown or page.evaluate(texts) != before
    assert shown, "no tooltip appeared on hover"  # drawn in the chart's SVG (richText), not as styled HTML
    assert violations(page, console) == []
    page.select_option("#f-district", XIHU)  # data-autosubmit replaced onchange="this.form.submit()"
    page.wait_for_url(re.compile(r"district=330106"))
    assert violations(page, console) == []
