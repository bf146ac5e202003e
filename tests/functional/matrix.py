"""The machinery of the access matrix (tests/functional/test_access_matrix.py): who asks, how a row's URL and
body are filled from the fixture world, what a refused write must leave alone.

A row's answers are written "anon admin city leader own other" (`ROLES`): `own` is 西湖区's county officer,
`other` 上城区's, and every object a row names belongs to 西湖区 unless its placeholder says `other_`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

ROLES = ("anon", "admin", "city", "leader", "own", "other")


@dataclass(frozen=True)
class Row:
    url: str
    answers: str  # six statuses in ROLES order
    body: dict | None = None  # JSON for /api/, form data for pages
    personal: bool = False  # a write on the asker's own account (their password): every signed-in role's own

    def expected(self) -> dict[str, int]:
        codes = [int(code) for code in self.answers.split()]
        assert len(codes) == len(ROLES), f"{self.url}: {len(codes)} answers for {len(ROLES)} roles"
        return dict(zip(ROLES, codes, strict=True))


def fill(value, values: dict):
    """A row's URL or body with the world's ids in place of `{firm}`, `{case}`, `{other_member}`…; a JSON value
    that is one placeholder alone keeps the id's type (`"{case_v}"` becomes the number)."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in values:
        return values[value[1:-1]]
    if isinstance(value, str):
        return value.format(**values)
    if isinstance(value, dict):
        return {key: fill(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, values) for item in value]
    return value


def ask(app, world, role: str, method: str, url: str, body):
    """One request as `role`: pages through a Flask-Login session, the API with the role's Bearer token. Each
    request gets an app context of its own, as in production (Flask-Login keeps the user in `g`)."""
    with app.app_context():
        return _ask(app, world, role, method, url, body)


def _ask(app, world, role: str, method: str, url: str, body):
    from models import User, db

    client = app.test_client()
    api = url.startswith("/api/")
    headers = {}
    if role != "anon":
        if api:
            headers["Authorization"] = f"Bearer {world.tokens[role]}"
        else:
            user = db.session.get(User, world.users[role])
            with client.session_transaction() as cookie:
                cookie["_user_id"] = user.get_id()
                cookie["_fresh"] = True
    if method == "GET":
        return client.get(url, headers=headers)
    if api:
        return client.open(url, method=method, json=body if body is not None else {}, headers=headers)
    return client.open(url, method=method, data=body or {}, headers=headers)


def state(session) -> tuple:
    """Every row a refused write must leave as it was: the audit trail's length and each subject's state."""
    from models import (
        AuditEvent,
        Campaign,
        CampaignEntry,
        CampaignQuota,
        CheckRun,
        ExportJob,
        Firm,
        Flag,
        ImportRun,
        Pool,
        PoolMembership,
        ReportedFigure,
        UpgradeCase,
        User,
    )

    session.expire_all()
    tables = [
        select(func.count()).select_from(AuditEvent),
        select(Firm.id, Firm.name, Firm.status, Firm.district_code, Firm.stage),
        select(UpgradeCase.id, UpgradeCase.state, UpgradeCase.version),
        select(PoolMembership.id, PoolMembership.state, PoolMembership.version, PoolMembership.is_active),
        select(Flag.id, Flag.state, Flag.version),
        select(Campaign.id, Campaign.state, Campaign.version),
        select(CampaignEntry.id, CampaignEntry.state, CampaignEntry.version),
        select(CampaignQuota.id, CampaignQuota.quota),
        select(ImportRun.id, ImportRun.status),
        select(CheckRun.id, CheckRun.status),
        select(ExportJob.id, ExportJob.status),
        select(Pool.id, Pool.target, Pool.capacity),
        select(func.count()).select_from(ReportedFigure),
        select(User.id, User.active, User.password_hash, User.role),
    ]
    return tuple(tuple(session.execute(query.order_by(*query.selected_columns[:1])).all()) for query in tables)
