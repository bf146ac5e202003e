"""Storing an uploaded file and the upload size limit.

The file is streamed to disk while it is hashed, never held in memory, and kept under its SHA-256
(`instance/uploads/<sha256>.xlsx`): the name says nothing about its content or its uploader, and the same
file uploaded twice is stored once (its second run finds every row unchanged).

The limit (`MAX_IMPORT_MB`, default 100; the command line has none) applies to the upload route alone:
`install_size_limit` puts a hook ahead of every other before-request function (CSRF protection reads the
form, so a limit set in the view would come after the whole body had been read) that sets Flask's
per-request `max_content_length` for that route. A larger request is refused with 413 before its body is
read; the file's own size is checked again while it is stored.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from flask import Flask, current_app, request
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

MIB = 1024 * 1024
FORM_MARGIN = 64 * 1024  # the multipart boundaries and the small fields around the file
CHUNK = MIB
UPLOAD_ENDPOINT = "imports.index"


def limit_mb(app: Flask) -> float:
    return float(app.config.get("MAX_IMPORT_MB") or 100)


def limit_bytes(app: Flask) -> int:
    return int(limit_mb(app) * MIB)


def limit_text(app: Flask) -> str:
    mb = limit_mb(app)
    return f"{mb:g} MB"


def install_size_limit(app: Flask) -> None:
    def limit_upload_size():
        if request.endpoint == UPLOAD_ENDPOINT and request.method == "POST":
            request.max_content_length = limit_bytes(current_app) + FORM_MARGIN

    app.before_request_funcs.setdefault(None, []).insert(0, limit_upload_size)


def display_name(filename: str | None) -> str:
    """The name the user's file had, for the run list: no directories (old browsers send C:\\fakepath\\…)."""
    name = re.split(r"[\\/]", filename or "")[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable())
    return name[-255:] or "未命名文件"


def store_upload(upload: FileStorage, directory: Path, limit: int) -> tuple[Path, str, int]:
    """Write the upload to `directory` as <sha256><ext>; returns (path, sha256, size). Over `limit`: 413."""
    directory.mkdir(parents=True, exist_ok=True)
    suffix = Path(display_name(upload.filename)).suffix.lower()
    digest, size = hashlib.sha256(), 0
    handle, temp = tempfile.mkstemp(dir=directory, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := upload.stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise RequestEntityTooLarge()
                digest.update(chunk)
                out.write(chunk)
        target = directory / f"{digest.hexdigest()}{suffix}"
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target, digest.hexdigest(), size
