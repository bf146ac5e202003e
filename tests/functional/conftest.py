"""Fixtures for the HTTP tests: an API client per role, valid USCCs, firms made through the workflows.

`api["city"].get("/firms")` sends a real Bearer token issued for the `users` fixture's city user, so every
request goes through the same authentication as a client's would.
"""

import itertools

import pytest

from workflows.rules.uscc import CHARSET, make_uscc

XIHU, SHANGCHENG = "330106", "330102"
_serial = itertools.count(1)


def uscc(area: str = XIHU, kind: str = "91", n: int | None = None) -> str:
    """A fresh valid code: 'MA' plus six body characters from the USCC charset."""
    n = next(_serial) if n is None else n
    digits = []
    for _ in range(6):
        n, r = divmod(n, len(CHARSET))
        digits.append(CHARSET[r])
    return make_uscc(kind, area, "MA" + "".join(reversed(digits)))


def firm_payload(**overrides) -> dict:
    district = overrides.get("district", XIHU)
    data = {
        "uscc": uscc(district if str(district).isdigit() and len(str(district)) == 6 else XIHU),
        "name": "杭州西溪精密机械有限公司",
        "legal_form": "有限责任公司",
        "district": district,
        "industry": "C39",
        "registered_on": "2019-05-20",
        "tags": ["equipment"],
    }
    data.update(overrides)
    return data


def assert_error(response, status: int, code: str) -> dict:
    """The response is DESIGN §8's error body with this status and code; returns the `error` object."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert set(error) == {"code", "message", "fields", "reasons"}
    return error


class ApiClient:
    """The Flask test client with one user's Bearer token on every request, paths relative to /api/v1."""

    def __init__(self, client, token: str):
        self.client, self.token = client, token

    def request(self, method: str, path: str, json=None, **kwargs):
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.client.open("/api/v1" + path, method=method, json=json, headers=headers, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.request("POST", path, json=json, **kwargs)

    def patch(self, path, json=None, **kwargs):
        return self.request("PATCH", path, json=json, **kwargs)

    def put(self, path, json=None, **kwargs):
        return self.request("PUT", path, json=json, **kwargs)

    def act(self, case_id: int, action: str, **fields):
        """Fire an action at the case's current version, as a client that just read the case would."""
        version = self.get(f"/cases/{case_id}").get_json()["version"]
        return self.post(f"/cases/{case_id}/actions/{action}", json={"version": version, **fields})


class Api:
    """One ApiClient per user of the `users` fixture, tokens issued up front so that counting audit events
    around a request sees only what the request wrote."""

    def __init__(self, client, session, users, now):
        from workflows.users import issue_token

        tokens = {name: issue_token(session, user, now=now) for name, user in users.items()}
        session.commit()
        self._clients = {name: ApiClient(client, token) for name, token in tokens.items()}

    def __getitem__(self, name: str) -> ApiClient:
        return self._clients[name]


@pytest.fixture
def api(client, session, users, now):
    return Api(client, session, users, now)


@pytest.fixture
def make_firm(session, users, now):
    """Create a firm through the workflow as city staff and commit; returns its USCC."""
    from workflows.firms import create_firm, put_indicators

    def make(indicators: dict | None = None, **overrides) -> str:
        firm = create_firm(session, firm_payload(**overrides), actor=users["city"], now=now)
        for year, figures in (indicators or {}).items():
            put_indicators(session, firm, year, figures, actor=users["city"], now=now)
        session.commit()
        return firm.uscc

    return make


@pytest.fixture
def make_case(session, users, now, make_firm):
    """Open a case on a new firm (or the given one) as city staff; returns the case id."""
    from models import Firm
    from workflows.ladder import open_case

    def make(kind: str, firm_uscc: str | None = None, **firm_overrides) -> int:
        code = firm_uscc or make_firm(**firm_overrides)
        firm = session.query(Firm).filter_by(uscc=code).one()
        case = open_case(session, firm, kind, actor=users["city"], now=now)
        session.commit()
        return case.id

    return make
