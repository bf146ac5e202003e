"""Mapping domain errors to responses: DESIGN §8's JSON body under /api/, a Chinese page elsewhere."""

from flask import Flask, current_app, jsonify, render_template, request, url_for
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from models import db
from workflows.errors import DomainError, Duplicate

HTTP_CODES = {400: "validation_error", 401: "unauthenticated", 403: "not_permitted", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "unprocessable",
              429: "rate_limited", 503: "unavailable"}
HTTP_MESSAGES = {400: "请求有误", 401: "需要登录或有效的访问令牌", 403: "无权访问", 404: "未找到",
                 405: "不支持该请求方法", 413: "上传内容过大", 429: "请求过于频繁，请稍后再试", 500: "服务器内部错误",
                 503: "数据库暂时无法连接，请稍后重试；您刚才的操作没有保存。"}
OWN_DESCRIPTION = {429}  # the throttle's own Chinese sentence (pool.security.throttle) says which limit


def error_body(code: str, message: str, fields: dict | None = None, reasons: list | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}, "reasons": reasons or []}}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _is_unique_violation(exc: IntegrityError) -> bool:
    code = getattr(exc.orig, "sqlstate", None)  # psycopg
    return code == "23505" or "UNIQUE constraint failed" in str(exc.orig)  # PostgreSQL / SQLite


def database_gone(exc: DBAPIError) -> bool:
    """The connection was lost (server restarted, connection killed, network cut) or could not be made:
    SQLAlchemy has invalidated it, or the driver says it failed operationally. A bug in a statement is not."""
    return exc.connection_invalidated or isinstance(exc, OperationalError)


def install_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        db.session.rollback()  # a refused request writes nothing, even what a workflow flushed before failing
        if wants_json():
            body = error_body(exc.code, exc.message, exc.fields, [r.to_dict() for r in exc.reasons])
            return jsonify(body), exc.status
        return render_template("error.html", status=exc.status, message=exc.message, reasons=exc.reasons,
                               fields=exc.fields), exc.status

    @app.errorhandler(IntegrityError)
    def integrity_error(exc: IntegrityError):
        # Validation catches duplicates first; this is the race two simultaneous requests can still lose
        # against a unique index (same USCC, a second open case of one kind). Anything else is a bug: a 500.
        if not _is_unique_violation(exc):
            raise exc
        return domain_error(Duplicate("与已有记录冲突，可能有人刚刚提交了相同的内容，请刷新后重试"))

    @app.errorhandler(DBAPIError)
    def database_error(exc: DBAPIError):
        # The request's transaction is lost with its connection: nothing it did was kept. The pool has
        # discarded the connection, so the next request connects afresh (pool_pre_ping checks the others).
        if not database_gone(exc):
            raise exc
        db.session.rollback()
        db.session.remove()
        message = HTTP_MESSAGES[503]
        if wants_json():
            return jsonify(error_body(HTTP_CODES[503], message)), 503, {"Retry-After": "5"}
        # Rendered without the context processors: the navbar's would ask the lost database for the user.
        page = current_app.jinja_env.get_template("unavailable.html")
        return page.render(message=message, request=request, url_for=url_for), 503, {"Retry-After": "5"}

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        db.session.rollback()
        status = exc.code or 500
        message = HTTP_MESSAGES.get(status, exc.description or "")
        if status in OWN_DESCRIPTION and exc.description:
            message = exc.description
        if wants_json():
            return jsonify(error_body(HTTP_CODES.get(status, "error"), message)), status
        return render_template("error.html", status=status, message=message, reasons=[]), status
