"""Every response carries the security headers: a CSP without inline code that forbids framing, frame
denial for older browsers, nosniff and a Referrer-Policy; HSTS only where production turns it on."""

import pytest

from tests.functional.pages import login

EXPECTED = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


@pytest.mark.parametrize("path", ["/login", "/", "/firms/", "/api/v1/firms", "/static/app.css", "/no-such-page"])
def test_headers_on_pages_api_static_and_errors(client, users, path):
    login(client, "city")
    response = client.get(path)
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (path, name)
    csp = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert csp["frame-ancestors"] == "'none'"
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert csp["object-src"] == "'none'" and csp["form-action"] == "'self'"
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_in_production_only(database_url, monkeypatch):
    from config import ProductionConfig
    from models import db
    from pool import create_app

    monkeypatch.setenv("SECRET_KEY", "production-secret")
    monkeypatch.setenv("DATABASE_URL", database_url)
    app = create_app(ProductionConfig())
    with app.app_context():
        response = app.test_client().get("/login", base_url="https://localhost")
        db.engine.dispose()
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response.headers["X-Frame-Options"] == "DENY"
