"""/api/v1: JSON with Bearer tokens, the same permissions and district scope as the pages."""

from flask import Blueprint, g, request

from models import db
from pool.security.throttle import throttle_api_tokens
from workflows.users import user_for_token

bp = Blueprint("api", __name__, url_prefix="/api/v1")
throttle_api_tokens(bp)  # refused tokens per address: guessing one is answered 429 after a few tries


@bp.before_request
def authenticate():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    user = user_for_token(db.session, token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if user is None:
        from flask import jsonify

        from pool.errors import error_body

        return jsonify(error_body("unauthenticated", "缺少或无效的访问令牌")), 401
    g.actor = user
    return None


from pool.api import campaigns, cases, checks, dashboard, firms, memberships, pools  # noqa: E402,F401  (routes register on bp)
