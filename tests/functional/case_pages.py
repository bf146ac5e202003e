"""Helpers for the case page tests: switch users, read what a case page offers, post an action's form.

Every action is taken the way a browser takes it: read the case page, find the action's form, post it with
the version the page carries. A test that posts an action the page did not offer fails here.
"""

import re

from tests.functional.pages import login, page

EVIL = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def switch(client, username: str) -> None:
    """Log out whoever is logged in, then log in as `username` (one browser, handed over)."""
    client.post("/logout")
    login(client, username)


def case_page(client, case_id: int, status: int = 200) -> str:
    return page(client, f"/cases/{case_id}", status)


def offered(html: str) -> list[str]:
    """The actions the page offers as forms, in page order."""
    return re.findall(r'<form method="post" action="/cases/\d+/actions/(\w+)"', html)


def current_state(html: str) -> list[str]:
    """The states the diagram highlights as current (exactly one on a sane page)."""
    return re.findall(r'class="wf-state wf-current[^"]*" data-state="([^"]+)"', html)


def form_of(html: str, action: str) -> str:
    start = html.index(f'id="action-{action}"')
    return html[start:html.index("</form>", start)]


def version_in(html: str, action: str) -> int:
    match = re.search(rf'id="{action}-version" name="version" type="hidden" value="(\d+)"', html)
    assert match, f"no form for {action}"
    return int(match.group(1))


def post_action(client, case_id: int, action: str, *, version: int, comment: str = "", **fields):
    data = {"version": str(version), "comment": comment, **fields}
    return client.post(f"/cases/{case_id}/actions/{action}", data=data)


def act(client, case_id: int, action: str, comment: str = "", **fields):
    """Read the page, check it offers `action`, post its form; returns the response."""
    html = case_page(client, case_id)
    assert action in offered(html), (action, offered(html))
    return post_action(client, case_id, action, version=version_in(html, action), comment=comment, **fields)


def history_rows(html: str) -> list[tuple[str, str]]:
    """(action code, row html) of the history table, oldest first."""
    table = html[html.index('id="history"'):]
    table = table[:table.index("</table>")]
    return re.findall(r'<tr data-action="(\w+)">(.*?)</tr>', table, re.S)


def open_options(html: str) -> list[str]:
    """The case kinds the firm page's 'open a case' form offers ([] when there is no form)."""
    if 'id="open-case"' not in html:
        return []
    form = html[html.index('id="open-case"'):]
    form = form[:form.index("</form>")]
    select = form[form.index("<select"):form.index("</select>")]
    return re.findall(r'<option[^>]*value="(\w+)"', select)


def open_from_page(client, uscc: str, kind: str, comment: str = ""):
    return client.post(f"/cases/open/{uscc}", data={"kind": kind, "comment": comment})


def new_case_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    match = re.fullmatch(r"/cases/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))
