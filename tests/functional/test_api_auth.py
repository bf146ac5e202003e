"""API authentication, role gates and the envelope every response shares (DESIGN §8)."""

import pytest

from tests.factories import SHANGCHENG, XIHU, firm_payload
from tests.functional.api import assert_error


@pytest.mark.parametrize("header", [
    None,
    "",
    "Bearer",
    "Bearer ",
    "Token abcdef",
    "Basic Y2l0eTpwYXNzd29yZDE=",
    "Bearer not-a-real-token",
])
def test_missing_or_malformed_token_is_401(client, users, header):
    headers = {} if header is None else {"Authorization": header}
    response = client.get("/api/v1/firms", headers=headers)
    error = assert_error(response, 401, "unauthenticated")
    assert "令牌" in error["message"]


def test_bearer_scheme_is_case_insensitive(api, client):
    token = api["city"].token
    assert client.get("/api/v1/firms", headers={"Authorization": f"bearer {token}"}).status_code == 200


def test_revoked_token_is_refused_at_once(api, session, users, now):
    from workflows.users import revoke_tokens

    assert api["city"].get("/firms").status_code == 200
    revoke_tokens(session, users["city"], now=now)
    session.commit()
    assert_error(api["city"].get("/firms"), 401, "unauthenticated")


def test_deactivated_users_token_is_refused(api, session, users):
    city = api["city"]
    users["city"].active = False
    session.commit()
    assert_error(city.get("/firms"), 401, "unauthenticated")


def test_unknown_route_is_json_404(api, client):
    assert_error(api["city"].get("/nothing-here"), 404, "not_found")
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")


def test_wrong_method_is_json_405(api):
    assert_error(api["city"].request("DELETE", "/firms"), 405, "method_not_allowed")


def test_malformed_json_is_validation_error(api):
    response = api["city"].post("/firms", data="{not json", headers={"Content-Type": "application/json"})
    error = assert_error(response, 400, "validation_error")
    assert "JSON" in error["message"]


def test_json_array_body_is_validation_error(api):
    assert_error(api["city"].post("/firms", json=[1, 2]), 400, "validation_error")


def test_chinese_is_not_escaped(api, make_firm):
    make_firm(name="杭州西溪精密机械有限公司")
    response = api["city"].get("/firms")
    raw = response.get_data()
    assert "杭州西溪精密机械有限公司".encode() in raw
    assert b"\\u" not in raw
    assert response.content_type.startswith("application/json")


# --- role gates on every firm and case route -----------------------------------------------------------

READS = ["/firms", "/firms/{uscc}", "/firms/{uscc}/history", "/cases/{case}", "/cases/{case}/history"]
WRITES = [
    ("POST", "/firms", lambda uscc: firm_payload()),
    ("PATCH", "/firms/{uscc}", lambda uscc: {"name": "改名有限公司"}),
    ("PUT", "/firms/{uscc}/indicators/2024", lambda uscc: {"revenue": 100}),
    ("POST", "/firms/{uscc}/cases", lambda uscc: {"kind": "scale_to_stock"}),
    ("POST", "/cases/{case}/actions/start_cultivation", lambda uscc: {"version": 1}),
]


@pytest.fixture
def target(make_firm, make_case):
    code = make_firm(district=XIHU)
    return {"uscc": code, "case": make_case("small_to_scale", code)}


@pytest.mark.parametrize("path", READS)
def test_admin_may_not_read_domain_data(api, target, path):
    assert_error(api["admin"].get(path.format(**target)), 403, "not_permitted")


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_admin_may_not_write_domain_data(api, target, method, path, body):
    response = api["admin"].request(method, path.format(**target), json=body(target["uscc"]))
    assert_error(response, 403, "not_permitted")


@pytest.mark.parametrize("path", READS)
def test_leader_reads_everything(api, target, path):
    assert api["leader"].get(path.format(**target)).status_code == 200


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_leader_may_not_write(api, target, method, path, body):
    response = api["leader"].request(method, path.format(**target), json=body(target["uscc"]))
    assert_error(response, 403, "not_permitted")


@pytest.mark.parametrize("path", READS[1:])
def test_other_districts_officer_gets_404(api, target, path):
    assert_error(api["shangcheng"].get(path.format(**target)), 404, "not_found")


@pytest.mark.parametrize(("method", "path", "body"), WRITES[1:])
def test_other_districts_officer_cannot_write_and_learns_nothing(api, target, method, path, body):
    response = api["shangcheng"].request(method, path.format(**target), json=body(target["uscc"]))
    assert_error(response, 404, "not_found")


def test_officer_cannot_create_a_firm_in_another_district(api):
    response = api["xihu"].post("/firms", json=firm_payload(district=SHANGCHENG))
    assert_error(response, 403, "not_permitted")
    assert api["city"].get("/firms").get_json()["total"] == 0
