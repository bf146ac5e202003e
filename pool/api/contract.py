"""The API's published contract: `/api/v1/openapi.json`, an OpenAPI 3 document generated from the routes.

apispec builds it, its Flask plugin turning each route of the `api` blueprint into a path. What each operation
takes and answers is declared on the view itself with `@operation(...)`, next to the code it describes, and
the rest is read from the code: the path parameters from the URL rule's converters, the capability a caller
needs from `@requires`, the error answers from DESIGN §8. A route without `@operation` still appears (with
its errors), so nothing in /api/v1 is missing from the contract; a test holds every route to a declaration.

The document is public (no token): it tells how to call the API, not anything the API holds.
"""

from collections.abc import Callable

from apispec import APISpec
from apispec_webframeworks.flask import FlaskPlugin
from flask import Flask, current_app, jsonify

from pool.api.schemas import COMPONENTS
from pool.edge import StrictInt
from workflows.rules.text import INT_MAX

TITLE = "培育库与升级跟踪系统 API"
ERRORS = {400: "请求有误（validation_error，fields 逐项说明）", 401: "缺少或无效的访问令牌（unauthenticated）",
          403: "无权执行（not_permitted）", 404: "不存在，或不在调用者的区县范围内（not_found）",
          405: "不支持该请求方法", 409: "版本已过期、容量或名额已满、重复（stale_version / pool_full / quota_full / duplicate）",
          413: "请求体过大", 422: "当前状态不允许或条件不满足（illegal_transition / guard_failed）"}
PAGING = ("page", "per_page")
QUERY = {
    "page": {"type": "integer", "minimum": 1, "maximum": INT_MAX},
    "per_page": {"type": "integer", "minimum": 1, "maximum": 200},
    **dict.fromkeys(("q", "district", "industry", "stage", "status", "size_class", "legal_form", "tags", "kind",
                     "firm", "state", "cultivation_type", "batch", "tag", "metric"), {"type": "string"}),
    **dict.fromkeys(("abnormal", "serious_violation", "tech_sme", "high_tech"), {"type": "boolean"}),
    "plan": {"type": "integer", "minimum": 1, "maximum": INT_MAX},
    "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
}
FIRM_FILTERS = ("q", "district", "industry", "stage", "status", "size_class", "legal_form", "tags", "abnormal",
                "serious_violation", "tech_sme", "high_tech", *PAGING)
FLAG_FILTERS = ("kind", "status", "district", "firm", "q", *PAGING)
MEMBER_FILTERS = ("state", "cultivation_type", "batch", "district", "q", *PAGING)
BOARD = ("plan", "district", "industry", "tag", "from", "to", "metric")


def operation(summary: str, *, answer: tuple[int, str] = (200, ""), body: str | None = None,
              query: tuple[str, ...] = (), description: str = "", also: tuple[int, ...] = ()) -> Callable:
    """Declare what a route takes and answers: `answer` is (status, component schema), `also` other success
    statuses with the same schema, `body` the request body's component schema, `query` the query
    parameters (names of `QUERY`)."""
    def decorate(view):
        view.openapi = {"summary": summary, "answer": answer, "body": body, "query": query,
                        "description": description, "also": also}
        return view
    return decorate


def _path_parameters(rule) -> list[dict]:
    out = []
    for name in rule.arguments:
        converter = rule._converters[name]
        schema = ({"type": "integer", "minimum": 0, "maximum": INT_MAX} if isinstance(converter, StrictInt)
                  else {"type": "string", "pattern": "^[^/]+$"})
        out.append({"name": name, "in": "path", "required": True, "schema": schema})
    return out


def _operation(view, method: str) -> dict:
    declared = getattr(view, "openapi", None) or {"summary": view.__name__, "answer": (200, ""), "body": None,
                                                   "query": (), "description": ""}
    status, schema = declared["answer"]
    ok = {"description": "成功"}
    if schema:
        ok["content"] = {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}
    responses = {str(code): ok for code in (status, *declared.get("also", ()))}
    for code, text in ERRORS.items():
        responses[str(code)] = {"description": text, "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    capability = getattr(view, "capability", None)
    description = declared["description"] or (view.__doc__ or "").strip()
    op = {"operationId": view.__name__, "summary": declared["summary"], "tags": [_tag(view)],
          "description": description + (f"\n\n需要的权限：`{capability}`" if capability else ""),
          "responses": responses, "security": [{"bearer": []}]}
    if capability:
        op["x-capability"] = capability
    if declared["query"]:
        op["parameters"] = [{"name": n, "in": "query", "required": False, "schema": QUERY[n]}
                            for n in declared["query"]]
    if declared["body"] and method in ("post", "put", "patch"):
        op["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{declared['body']}"}}}}
    return op


def _tag(view) -> str:
    return view.__module__.rsplit(".", 1)[-1]


def build_spec(app: Flask) -> dict:
    spec = APISpec(title=TITLE, version="1", openapi_version="3.0.3", plugins=[FlaskPlugin()], info={
        "description": "DESIGN §8: JSON (UTF-8), `Authorization: Bearer <token>`（`flask users token USERNAME`）, "
                       "the same permissions and district scope as the pages; errors are "
                       "`{\"error\": {\"code\", \"message\", \"fields\", \"reasons\"}}`."})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name, schema in COMPONENTS.items():
        spec.components.schema(name, schema)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("api.") or rule.endpoint == "api.openapi":
            continue
        view = app.view_functions[rule.endpoint]
        methods = sorted(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
        spec.path(view=view, app=app, parameters=_path_parameters(rule),
                  operations={m: _operation(view, m) for m in methods})
    return spec.to_dict()


def install_contract(bp) -> None:
    @bp.get("/openapi.json")
    def openapi():
        cached = current_app.extensions.get("openapi")
        if cached is None:
            cached = current_app.extensions["openapi"] = build_spec(current_app)
        return jsonify(cached)
