"""Firm list and firm detail pages (read-only in this release; editing follows)."""

from flask import Blueprint

bp = Blueprint("firms", __name__, url_prefix="/firms")
