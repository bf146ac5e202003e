"""Helpers for the API tests: a client that sends one user's Bearer token, and DESIGN §8's error body.

`api["city"].get("/firms")` (the `api` fixture) sends a real Bearer token issued for the `users` fixture's
city user, so every request goes through the same authentication as a client's would.
"""


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
