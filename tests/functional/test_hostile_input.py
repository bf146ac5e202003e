"""No hostile input is a 500: each class the hardening issue found (integers past the database's range, NUL
and control characters, deeply nested JSON, non-ASCII digits, lone UTF-16 surrogates) sent to every route of
the URL map, in every path segment, query parameter, form field and JSON key, as a signed-in city staff
member and a county officer, on a seeded register. The specific answers (400 naming the field, 404 for an
id that cannot exist) are asserted in test_input_rules.py; here the sweep asserts only that nothing crashes.
"""

import re
from urllib.parse import quote

import pytest

from models import db
from tests.database import reset_database
from tests.factories import NOW
from tests.functional.hostile import CLASSES, FIELDS, PARAMS, json_bodies, real_values
from workflows.demo.data import DEMO_PASSWORD
from workflows.demo.seed import seed_demo
from workflows.users import get_user, issue_token

ROLES = ("city", "xihu")
METHODS = ("GET", "POST", "PUT", "PATCH")


@pytest.fixture(scope="module")
def register(app):
    """A small demo register, committed (the requests run in their own sessions), emptied afterwards."""
    with app.app_context():
        seed_demo(db.session, n_firms=80, seed=11, now=NOW)
        db.session.commit()
        yield real_values(db.session)
        reset_database(app)


@pytest.fixture(scope="module")
def callers(app, register):
    """Per role: a test client signed in through the login page, and a Bearer token for the API."""
    made = {}
    with app.app_context():
        tokens = {role: issue_token(db.session, get_user(db.session, role), now=NOW) for role in ROLES}
        db.session.commit()
    for role in ROLES:
        client = app.test_client()
        response = client.post("/login", data={"username": role, "password": DEMO_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        made[role] = (client, {"Authorization": f"Bearer {tokens[role]}"})
    return made


def _encode(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def _urlencoded(pairs: dict[str, str]) -> str:
    return "&".join(f"{k}={_encode(v)}" for k, v in pairs.items())


def _path(rule, base: dict[str, str], override: tuple[str, str] | None = None) -> str:
    def value(match):
        name = match.group(2)
        if override and name == override[0]:
            return override[1]
        return quote(base.get(name, "1"), safe="")
    return re.sub(r"<(?:([a-z]+)(?:\([^)]*\))?:)?([a-z_]+)>", value, rule.rule)


def _requests(app, hostile, base):
    """(method, path, query, body, content type) for every route: each path segment hostile in turn, every
    query parameter hostile, every form field or JSON key hostile."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        methods = [m for m in METHODS if m in rule.methods]
        api = rule.rule.startswith("/api/")
        for arg in rule.arguments:
            out.append((methods[0], _path(rule, base, (arg, hostile.segment)), "", None, None))
        for method in methods:
            path = _path(rule, base)
            out.append((method, path, _urlencoded(dict.fromkeys(PARAMS, hostile.text)), None, None))
            if method == "GET":
                continue
            if api:
                out += [(method, path, "", body, "application/json") for body in json_bodies(hostile)]
            else:
                form = _urlencoded(dict.fromkeys(FIELDS, hostile.text)).encode()
                out.append((method, path, "", form, "application/x-www-form-urlencoded"))
    return out


@pytest.mark.parametrize("kind", sorted(CLASSES))
def test_no_hostile_input_is_answered_with_a_server_error(app, callers, register, kind):
    hostile = CLASSES[kind]
    crashes = []
    for role in ROLES:
        client, headers = callers[role]
        for method, path, query, body, content_type in _requests(app, hostile, register):
            try:  # TESTING propagates a view's exception instead of answering 500: both count
                status = client.open(path, method=method, query_string=query, data=body, headers=headers,
                                     content_type=content_type).status_code
            except Exception as exc:  # noqa: BLE001
                status = f"{type(exc).__name__}: {str(exc)[:80]}"
            if not isinstance(status, int) or status >= 500:
                crashes.append(f"{role} {method} {path}?{query[:30]} {(body or b'')[:50]!r} -> {status}")
    assert not crashes, f"{len(crashes)} server errors:\n" + "\n".join(crashes[:80])
