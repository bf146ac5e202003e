"""Helpers shared by the page tests: log in through the form, fetch a page, make firms through the workflow.

The fixtures are named with `name=` so a test module imports `firms_fixture` and its tests still ask
for `firms`, without the import shadowing the argument.
"""

from datetime import timedelta

import pytest

from tests.functional.conftest import firm_payload


def login(client, username):
    response = client.post("/login", data={"username": username, "password": "password1"})
    assert response.status_code == 302, response.get_data(as_text=True)


def page(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


@pytest.fixture(name="firms")
def firms_fixture(session, users, now):
    """Create firms through the workflow as city staff: firms(name=..., district=...) -> Firm."""
    from workflows.firms import create_firm, put_indicators, update_firm

    def make(indicators=None, flags=None, **overrides):
        firm = create_firm(session, firm_payload(**overrides), actor=users["city"], now=now)
        for year, figures in (indicators or {}).items():
            put_indicators(session, firm, year, figures, actor=users["city"], now=now)
        if flags:
            update_firm(session, firm, flags, actor=users["city"], now=now)
        session.commit()
        return firm

    return make


@pytest.fixture(name="story")
def story_fixture(firms, session, users, now):
    """A 西湖区 firm with two years of figures (a loss in one), an edit, a completed 小升规 and an abandoned
    规改股 attempt, each step a day apart."""
    from workflows.firms import update_firm
    from workflows.ladder import open_case
    from workflows.machine import fire

    firm = firms(name="杭州西溪精密机械有限公司", indicators={
        2023: {"revenue": "1800", "profit": "-12.5", "employees": 60, "total_assets": "900"},
        2024: {"revenue": "2500", "profit": "130.25", "tax": "88", "employees": 80},
    })
    city = users["city"]
    update_firm(session, firm, {"tags": ["equipment", "information"], "tech_sme": True}, actor=city,
                now=now + timedelta(days=1), comment="根据年报核实")
    case = open_case(session, firm, "small_to_scale", actor=users["xihu"], now=now + timedelta(days=2))
    for day, action in [(3, "start_cultivation"), (4, "declare"), (5, "approve")]:
        fire(session, case, action, actor=city, now=now + timedelta(days=day), expected_version=case.version)
    stock = open_case(session, firm, "scale_to_stock", actor=city, now=now + timedelta(days=6))
    session.commit()
    return firm, case, stock
