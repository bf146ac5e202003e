"""Helpers shared by the page tests: log in through the form, fetch a page (the `firms` and `story`
fixtures that make data for them are in tests/functional/conftest.py)."""

from tests.factories import PASSWORD


def login(client, username):
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


def page(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)
