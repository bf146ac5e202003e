"""Logging in and out of the pages, and the login log admins read.

A login is checked here, not in the view, so every attempt leaves one `LoginEvent` whatever its outcome:
who (the name as typed, and the user when it names one), when, from which address, the result and why.
The page shows one message for every failure, so the log is the only place the reason is told.
"""

from datetime import datetime

from sqlalchemy import func, select

from models import LoginEvent, User
from models.enums import LoginReason, LoginResult
from workflows.errors import ValidationFailed
from workflows.queries import Page
from workflows.users import end_sessions

USERNAME_MAX = 40


def attempt_login(session, username: str, password: str, *, address: str, now: datetime) -> User | None:
    """The user whose password this is, or None; the attempt is logged either way."""
    name = (username or "").strip()
    user = session.scalar(select(User).filter_by(username=name)) if len(name) <= USERNAME_MAX else None
    if user is None:
        reason = LoginReason.UNKNOWN_USER
    elif not user.check_password(password or ""):
        reason = LoginReason.WRONG_PASSWORD
    elif not user.active:
        reason = LoginReason.INACTIVE
    else:
        reason = LoginReason.OK
    ok = reason == LoginReason.OK
    _log(session, name, user, address, LoginResult.SUCCESS if ok else LoginResult.FAILURE, reason, now)
    return user if ok else None


def logout(session, user: User, *, address: str, now: datetime) -> None:
    """Ends every session of the user, not only this browser's: a cookie copied before is worth nothing."""
    end_sessions(user)
    _log(session, user.username, user, address, LoginResult.LOGOUT, LoginReason.LOGOUT, now)


def _log(session, name, user, address, result, reason, now) -> None:
    session.add(LoginEvent(at=now, username=name[:USERNAME_MAX], user_id=user.id if user else None,
                           address=(address or "")[:64], result=result, reason=reason))


def login_events(session, *, username: str = "", result: str = "", page: int = 1, per_page: int = 50) -> Page:
    """The log newest first, filtered by login name (exact, as typed) and result."""
    stmt = select(LoginEvent)
    if username:
        stmt = stmt.where(LoginEvent.username == username.strip()[:USERNAME_MAX])
    if result:
        try:
            stmt = stmt.where(LoginEvent.result == LoginResult(result))
        except ValueError:
            raise ValidationFailed("未知的登录结果", fields={"result": "未知的登录结果"}) from None
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    items = session.scalars(stmt.order_by(LoginEvent.at.desc(), LoginEvent.id.desc())
                            .limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(items), total, page, per_page)
