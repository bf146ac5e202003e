"""The API against its own published contract, fuzzed: Schemathesis reads `/api/v1/openapi.json` from a live
server (werkzeug's `make_server` in a thread: real HTTP, real sockets, the app as gunicorn would run it) on a
fresh database holding a small demo register, generates requests for every operation from the document
(property-based, derandomized so CI runs the same requests every time), sends each one as every role
(admin, city staff, a county officer, a leader: real Bearer tokens) and fails on any 5xx, on a status code
the contract does not list, and on an answer whose body breaks its schema.

The number of operations covered and of requests sent is printed at the end of the module (`pytest -s`).
"""

import re
import threading
from collections import Counter
from dataclasses import dataclass, field

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.serving import make_server

from models import db
from tests.database import reset_database
from tests.factories import NOW
from tests.functional.hostile import real_values
from workflows.demo.seed import seed_demo
from workflows.users import get_user, issue_token

ROLES = ("admin", "city", "xihu", "leader")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 6  # per operation; every example goes out once per role


@dataclass
class Live:
    base: str
    tokens: dict[str, str]
    real: dict[str, str]
    statuses: Counter = field(default_factory=Counter)
    operations: set = field(default_factory=set)


@pytest.fixture(scope="module")
def live(app):
    with app.app_context():
        seed_demo(db.session, n_firms=60, seed=5, now=NOW)
        tokens = {role: issue_token(db.session, get_user(db.session, role), now=NOW) for role in ROLES}
        db.session.commit()
        real = real_values(db.session)
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state = Live(f"http://127.0.0.1:{server.server_port}", tokens, real)
    yield state
    server.shutdown()
    thread.join()
    print(f"\nAPI contract fuzz: {len(state.operations)} operations, {state.statuses.total()} requests, "
          f"by status {dict(sorted(state.statuses.items()))}")
    with app.app_context():
        reset_database(app)


@pytest.fixture(scope="module")
def contract(live):
    return schemathesis.openapi.from_url(f"{live.base}/api/v1/openapi.json")


def _operation_ids() -> list[str]:
    """The operations, read at collection from the same document the server publishes (built offline)."""
    from config import TestConfig
    from pool import create_app
    from pool.api.contract import build_spec

    document = build_spec(create_app(TestConfig))
    return [op["operationId"] for item in document["paths"].values() for m, op in item.items() if m != "parameters"]


@pytest.mark.parametrize("operation_id", _operation_ids())
def test_every_operation_as_every_role_keeps_the_contract(live, contract, operation_id):
    operation = contract.find_operation_by_id(operation_id)
    live.operations.add(operation.label)
    # Half the requests on records that exist (their answers' bodies are what the schemas are held to),
    # half on whatever the document allows, and requests that break it (each must be refused with a 4xx).
    real = {name: int(live.real[name]) if live.real[name].isdigit() else live.real[name]
            for name in re.findall(r"{(\w+)}", operation.path)}
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=real),
                      operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=cases)
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def fuzz(case):
        for role in ROLES:
            response = case.call_and_validate(base_url=live.base, checks=CHECKS,
                                              headers={"Authorization": f"Bearer {live.tokens[role]}"})
            live.statuses[response.status_code] += 1

    fuzz()


def test_the_contract_covers_every_api_route(app, client):
    """Generated from the routes: each /api/v1 route is an operation with a declared answer."""
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    operations = {(path, method) for path, item in document["paths"].items() for method in item
                  if method != "parameters"}
    routes = {(rule.rule, method.lower()) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
              and rule.endpoint != "api.openapi" for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert {(p.replace("{", "<").replace("}", ">"), m) for p, m in operations} == {
        (_plain(rule), m) for rule, m in routes}
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method != "parameters":
                assert op["summary"] != op["operationId"], f"{method} {path} has no @operation"
                assert "x-capability" in op and "400" in op["responses"]


def _plain(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"<\1>", rule)
