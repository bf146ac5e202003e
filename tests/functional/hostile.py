"""The five classes of hostile input the hardening issue found answered with 500, and how to send each one
to every route of the URL map: in each path segment, each query parameter, each form field and each JSON key.

A route is enumerated from `app.url_map`, so a route added later is probed without a line here. Each converter
gets a plausible value (an id of the seeded register, a USCC of the caller's district) and then, one segment at
a time, the hostile one; query parameters and fields are the names the code reads (`PARAMS`, `FIELDS`).
"""

from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy import select

from models import Campaign, CampaignEntry, CheckRun, Firm, Flag, Plan, PoolMembership, UpgradeCase

# Names the views, forms and workflows read from query strings, forms and JSON bodies (grep of the code,
# plus the list filters); a hostile value in any of them must be refused, not crash.
PARAMS = ("page", "per_page", "q", "district", "stage", "status", "size_class", "legal_form", "industry", "tag",
          "tags", "abnormal", "serious_violation", "tech_sme", "high_tech", "kind", "state", "year", "plan", "metric",
          "from", "to", "start", "as_of", "drill", "key", "pool", "pool_id", "flag", "entry", "sort", "dir",
          "next", "format", "check", "split", "open")
FIELDS = ("uscc", "name", "legal_form", "district", "industry", "registered_on", "stage", "status", "tags",
          "abnormal", "serious_violation", "tech_sme", "high_tech", "revenue", "tax", "profit", "employees",
          "rd_expense", "rd_staff", "total_assets", "export", "year", "version", "comment", "reason", "kind",
          "change", "effective_on", "source", "cultivation_type", "batch", "target", "capacity", "total",
          "candidate_factor", "nomination_deadline", "review_deadline", "today", "metric", "value", "as_of",
          "username", "password", "note", "quotas", "targets", "items", "usccs", "min_days", "unit",
          "starts_on", "ends_on", "flag_version", "pool", "action", "route", "new_uscc", "board")


@dataclass(frozen=True)
class Hostile:
    """One class: its value in a URL path segment (already percent-encoded), in a query string or form field
    (text, encoded by the client), and in a JSON body (a Python value, or raw JSON text where Python's
    encoder cannot say it)."""

    name: str
    segment: str
    text: str
    json_value: object = None
    raw_json: str | None = None


BIG = "99999999999999999999"  # past SQLite's and PostgreSQL's 64-bit integers
DEEP = 100_000

CLASSES = {
    "integer_past_range": Hostile("integer_past_range", BIG, BIG, json_value=10**20),
    "integer_past_int32": Hostile("integer_past_int32", "2147483648", "2147483648", json_value=2**31),
    "nul": Hostile("nul", "a%00b", "a\x00b", json_value="a\x00b"),
    "control_characters": Hostile("control_characters", "a%01%1Bb", "a\x01\x1bb", json_value="a\x01\x1b\x7fb"),
    "deep_json": Hostile("deep_json", "1", "1", raw_json="[" * DEEP + "]" * DEEP),
    "non_ascii_digits": Hostile("non_ascii_digits", quote("²"), "²", json_value="²"),
    "arabic_digits": Hostile("arabic_digits", quote("١٢"), "١٢", json_value="١٢"),
    "lone_surrogate": Hostile("lone_surrogate", "%ED%A0%80", "a\udc80b", raw_json='"a\\ud800b"'),
}


def json_bodies(hostile: Hostile) -> list[bytes]:
    """Bodies carrying the class: at the top, in every known key, and nested where the API takes lists/maps."""
    if hostile.raw_json is not None and hostile.name == "deep_json":
        return [hostile.raw_json.encode(), ('{"items": ' + hostile.raw_json + "}").encode()]
    import json

    value = hostile.raw_json if hostile.raw_json is not None else json.dumps(hostile.json_value)
    keyed = ", ".join(f'"{key}": {value}' for key in FIELDS)
    return [
        ("{" + keyed + "}").encode(),
        ('{"items": [{"id": ' + value + ', "version": ' + value + "}], \"version\": 1}").encode(),
        ('{"targets": {"1": ' + value + '}, "capacity": {"1": ' + value + "}}").encode(),
        ('{"quotas": {"330106": ' + value + "}}").encode(),
        ("{" + value + ": 1}").encode() if value.startswith('"') else b"{}",
    ]


def form_fields(hostile: Hostile) -> dict[str, str]:
    return dict.fromkeys(FIELDS, hostile.text)


def query_string(hostile: Hostile) -> dict[str, str]:
    return dict.fromkeys(PARAMS, hostile.text)


def _first(session, stmt):
    return session.scalars(stmt.limit(1)).first()


def real_values(session) -> dict[str, str]:
    """A real value for each converter name, in 西湖区 where it matters, so a hostile segment meets live code."""
    xihu = Firm.district_code == "330106"
    values = {
        "uscc": _first(session, select(Firm.uscc).where(xihu)),
        "case_id": _first(session, select(UpgradeCase.id).join(Firm).where(xihu)),
        "membership_id": _first(session, select(PoolMembership.id).join(Firm).where(xihu)),
        "flag_id": _first(session, select(Flag.id).where(Flag.district_code == "330106")),
        "year": _first(session, select(Campaign.year)),
        "entry_id": _first(session, select(CampaignEntry.id)),
        "run_id": _first(session, select(CheckRun.id)),
        "plan_id": _first(session, select(Plan.id)),
        "pool_id": 1, "job_id": 1, "action": "admit", "key": "pool_city", "token": "x", "kind": "firms",
        "filename": "app.css", "name": "pool_hygiene",
    }
    return {k: str(v if v is not None else 1) for k, v in values.items()}
