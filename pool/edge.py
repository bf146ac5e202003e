"""The one validation layer every request passes before its view runs (installed app-wide by `create_app`).

- `<int:...>` in every route is `StrictInt`: ASCII digits only and at most the largest id an INTEGER column
  holds, so `/cases/99999999999999999999` or `/cases/²` is a 404 (no such record can exist), never an
  overflow inside the database driver.
- Every path segment, query parameter (name and value), form field and JSON string is screened by
  `workflows.rules.text.text_problem`: NUL, control characters and lone surrogates are a 400 naming the
  field, on pages in Chinese and in the API as DESIGN §8's `validation_error`.
- A JSON body is bounded before it is parsed (size, nesting depth) and then walked: every number must be
  finite and every integer must fit the database's INTEGER columns. Views read the body through
  `pool.api.serialize.json_body`, which sees only what passed here.
"""

import json
import math

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from workflows.errors import ValidationFailed
from workflows.rules.text import INT_MAX, int_problem, text_problem

JSON_MAX_BYTES = 1024 * 1024  # the largest API body (a 500-item bulk review) is a few dozen KiB
JSON_MAX_DEPTH = 32  # the deepest body the API takes nests three levels


class StrictInt(IntegerConverter):
    """Werkzeug's int converter matches `\\d`, which in Python includes every script's digits."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits=0, min=None, max=INT_MAX, signed=False):  # noqa: A002 (Werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def install_edge(app: Flask) -> None:
    """Register the converter (before any route is added) and the screening of every request."""
    app.url_map.converters["int"] = StrictInt
    app.before_request(screen_request)


def screen_request() -> None:
    errors: dict[str, str] = {}
    for name, value in (request.view_args or {}).items():
        _screen_text(errors, name, value, multiline=False)
    for name, value in request.args.items(multi=True):
        _screen_text(errors, name, name, multiline=False)
        _screen_text(errors, name, value, multiline=False)
    if request.method in ("POST", "PUT", "PATCH"):
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for name, value in request.form.items(multi=True):
                _screen_text(errors, name, name, multiline=False)
                _screen_text(errors, name, value)
        elif request.path.startswith("/api/") or request.is_json:
            screen_json_body(errors)
    if errors:
        raise ValidationFailed("请求中有无法接受的字符或数值（见各字段）", fields=errors)


def _screen_text(errors: dict, name: str, value, *, multiline: bool = True) -> None:
    name = printable_name(name)
    if isinstance(value, str) and name not in errors:
        problem = text_problem(value, multiline=multiline)
        if problem:
            errors[name] = problem


def printable_name(name: str) -> str:
    """A field's name as the error can show it: its own bad characters escaped (a lone surrogate cannot even
    be encoded into the response)."""
    return name if text_problem(name, multiline=False) is None else name.encode("unicode_escape").decode("ascii")


def screen_json_body(errors: dict) -> None:
    """Refuse a body too large or too deep to parse safely, then every string and number in it."""
    if request.content_length is not None and request.content_length > JSON_MAX_BYTES:
        errors["body"] = f"请求体不能超过{JSON_MAX_BYTES // 1024}KB"
        return
    raw = request.get_data(cache=True)
    if len(raw) > JSON_MAX_BYTES:
        errors["body"] = f"请求体不能超过{JSON_MAX_BYTES // 1024}KB"
    elif json_depth(raw) > JSON_MAX_DEPTH:
        errors["body"] = f"JSON嵌套不能超过{JSON_MAX_DEPTH}层"
    elif raw.strip():
        try:
            body = json.loads(raw, parse_constant=_no_constant)
        except (ValueError, UnicodeDecodeError):
            return  # not JSON at all: json_body answers that with its own message
        _walk(errors, "body", body)


def json_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects, counted without parsing (brackets inside strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > JSON_MAX_DEPTH:
                return deepest
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _no_constant(name: str):
    raise ValueError(f"JSON不允许{name}")


def _walk(errors: dict, path: str, value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            where = key if path == "body" else f"{path}.{key}"
            _screen_text(errors, where, key, multiline=False)
            _walk(errors, where, item)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _walk(errors, f"{path}[{i}]" if path != "body" else f"[{i}]", item)
    elif isinstance(value, str):
        _screen_text(errors, path, value)
    elif isinstance(value, float) and not math.isfinite(value):  # 1e400 parses as infinity
        errors.setdefault(path, "应为有限的数字")
    elif isinstance(value, int) and not isinstance(value, bool):
        problem = int_problem(value)
        if problem:
            errors.setdefault(printable_name(path), problem)
