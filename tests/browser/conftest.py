"""Browser tests: the real app on a local port, driven by Playwright through Debian's Chromium.

No browser is ever downloaded: Playwright launches /usr/bin/chromium (installed by .ci/run with apt-get).
Outside CI a machine without Chromium skips these tests; under CI=true a missing browser fails the run.

A browser test that fails leaves a full-page screenshot of each of its pages in test-artifacts/ (CI keeps
the folder; git ignores it), named after the test. `login(page, server, username)` signs in with
`PASSWORD`, the demo's password (workflows.demo.data), which the browser tests' users are given.
"""

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from config import TestConfig
from workflows.demo.data import DEMO_PASSWORD

PASSWORD = DEMO_PASSWORD  # whatever the password policy requires, the demo's password meets it
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _require_browser():
    missing = not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM))
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing = True
    if missing:
        if IN_CI:
            pytest.fail(f"CI=true but Chromium ({CHROMIUM}) or Playwright is missing")
        pytest.skip(f"no Chromium at {CHROMIUM} (install Debian's chromium package)")


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    from flask_migrate import upgrade

    from models import db
    from pool import create_app

    class BrowserConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'app.db'}"
        WTF_CSRF_ENABLED = True  # the browser carries the real tokens

    app = create_app(BrowserConfig)
    with app.app_context():
        upgrade()
        db.session.remove()
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so the `page` fixture knows at teardown if the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    yield pg
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        _screenshots(context, request.node.nodeid)
    context.close()


def _screenshots(context, nodeid: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in nodeid)[-150:]
    for n, open_page in enumerate(context.pages):
        try:
            open_page.screenshot(path=str(ARTIFACTS / f"{name}-{n}.png"), full_page=True)
        except Exception as exc:  # a crashed page: say so, keep the test's own failure as the report
            print(f"screenshot of {open_page.url} failed: {exc}")


def login(page, server: str, username: str) -> None:
    """Sign in through the login form (a fresh context per user keeps sessions apart)."""
    page.goto(f"{server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
