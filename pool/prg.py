"""Post/redirect/get for POSTs whose success is a report of many items (a bulk review, a multi-firm
nomination): the report is kept server-side and the browser is redirected to a page that shows it, so a
reload shows the report again instead of posting the decisions a second time.

A report can list 2,000 lines with a reason each, far more than a session cookie holds, so it is a small
JSON file under `instance/outcomes/` (or `OUTCOME_DIR`), readable only by the user who posted, kept for
`OUTCOME_KEEP_HOURS` (default 24). It is a copy of what happened for the page; the audit trail is the record.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from pathlib import Path

from flask import Flask, abort, current_app, redirect, url_for
from flask_login import current_user

TOKEN = re.compile(r"[0-9a-f]{32}")


def outcome_dir(app: Flask) -> Path:
    configured = app.config.get("OUTCOME_DIR")
    return (Path(configured) if configured else Path(app.instance_path) / "outcomes").absolute()


def keep(kind: str, payload: dict) -> str:
    """Store a report for the current user; returns the token its page is addressed by."""
    app = current_app._get_current_object()
    directory = outcome_dir(app)
    directory.mkdir(parents=True, exist_ok=True)
    _sweep(app, directory)
    token = uuid.uuid4().hex
    temp = directory / f".{token}.tmp"
    temp.write_text(json.dumps({"kind": kind, "user_id": current_user.id, "payload": payload}, ensure_ascii=False),
                    encoding="utf-8")
    os.replace(temp, directory / f"{token}.json")
    return token


def redirect_to(endpoint: str, kind: str, payload: dict, **url_args):
    """Keep the report and redirect (303: the browser GETs the report page) to `endpoint`."""
    return redirect(url_for(endpoint, token=keep(kind, payload), **url_args), code=303)


def load(kind: str, token: str) -> dict:
    """The report's payload; 404 for an unknown, expired or another user's report."""
    if not TOKEN.fullmatch(token or ""):
        abort(404)
    try:
        data = json.loads((outcome_dir(current_app) / f"{token}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        abort(404)
    if data.get("kind") != kind or data.get("user_id") != current_user.id:
        abort(404)
    return data["payload"]


def _sweep(app: Flask, directory: Path) -> None:
    cutoff = time.time() - float(app.config.get("OUTCOME_KEEP_HOURS") or 24) * 3600
    for path in directory.glob("*.json"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue
