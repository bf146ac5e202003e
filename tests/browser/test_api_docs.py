"""The API reference page draws the generated contract with the vendored Swagger UI under a strict
Content-Security-Policy (scripts and styles from the app only, nothing inline), and no request leaves the app."""

import pytest
from playwright.sync_api import expect

from models import db
from tests.factories import NOW
from workflows.users import create_user

pytestmark = pytest.mark.browser
STRICT = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'"


@pytest.fixture(scope="module")
def reader(live_app):
    with live_app.app_context():
        create_user(db.session, "docs_reader", "Qz8-reference-page", "city_staff", district=None, now=NOW)
        db.session.commit()
    return "docs_reader", "Qz8-reference-page"


def _strict(route):
    response = route.fetch()
    route.fulfill(response=response, headers={**response.headers, "content-security-policy": STRICT})


def test_the_api_reference_lists_every_operation_offline_under_a_strict_csp(page, live_server, reader):
    username, password = reader
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    outside, refused = [], []
    page.on("request", lambda r: None if r.url.startswith(live_server) or r.url.startswith("data:")
            else outside.append(r.url))
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.route(f"{live_server}/**", _strict)
    page.goto(f"{live_server}/api-docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=20_000)
    assert page.locator(".opblock").count() == 42
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/firms/{uscc}/indicators/{year}")).to_be_visible()
    assert outside == [] and refused == []
