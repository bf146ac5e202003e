"""The API's permission gate: each route names the capability it needs (`workflows.permissions`).

Checked before the body is read, so a role that may not write (a leader) learns nothing more from a write
than 403 `not_permitted`; the subject's own checks (district scope, four eyes) follow in the workflow.
"""

from collections.abc import Callable
from functools import wraps

from flask import g

from workflows.permissions import require


def requires(capability: str) -> Callable:
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            require(g.actor, capability)
            return view(*args, **kwargs)
        wrapped.capability = capability  # the published contract names it (pool.api.contract)
        return wrapped
    return decorator
