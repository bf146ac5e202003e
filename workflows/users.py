"""Users and API tokens. A token is shown once; only its hash is kept, and revoking is immediate.

Every password is set through `workflows.passwords.password_problem` (create, change, an admin's reset).
What must end a user's sessions (a password change, a reset, deactivation) bumps the user's session
generation (`end_sessions`): every session and remember-me cookie issued before names a generation gone.
"""

import secrets
from datetime import datetime

from sqlalchemy import select

from models import ApiToken, District, User
from models.enums import Role
from models.user import hash_token
from workflows.audit import record_event
from workflows.errors import Duplicate, NotFound, NotPermitted, ValidationFailed
from workflows.passwords import password_problem
from workflows.permissions import require


def create_user(session, username: str, password: str, role: str, *, district: str | None, now: datetime,
                display_name: str = "", actor=None) -> User:
    _require_admin(actor)
    errors = {}
    if not username or len(username) > 40:
        errors["username"] = "用户名长度应为1至40个字符"
    if problem := password_problem(password, username):
        errors["password"] = problem
    try:
        role = Role(role)
    except ValueError:
        errors["role"] = f"未知角色：{role}，可选 {', '.join(r.value for r in Role)}"
    if role == Role.COUNTY_OFFICER and not district:
        errors["district"] = "区县工作人员必须指定所属区县"
    elif role != Role.COUNTY_OFFICER and district:
        errors["district"] = "只有区县工作人员属于某个区县"
    elif district and session.get(District, district) is None:
        errors["district"] = f"未知的区县代码：{district}"
    if errors:
        raise ValidationFailed("用户信息有误", fields=errors)
    if session.scalar(select(User.id).filter_by(username=username)):
        raise Duplicate(f"用户名 {username} 已存在")
    user = User(username=username, role=role, district_code=district, display_name=display_name or username)
    user.set_password(password)
    session.add(user)
    session.flush()
    record_event(session, subject_type="user", subject_id=user.id, firm_id=None, action="create", actor=actor,
                 now=now, evidence={"role": role.value, "district": district})
    return user


def _require_admin(actor) -> None:
    """Accounts are the admin's; the server's command line (no actor) stands above the roles."""
    if actor is not None:
        require(actor, "user.manage")


def end_sessions(user: User) -> None:
    """Every session and remember-me cookie of `user` stops working (Flask-Login's alternative id)."""
    user.session_generation = (user.session_generation or 0) + 1


def _checked_password(user: User, password: str) -> str:
    if problem := password_problem(password, user.username):
        raise ValidationFailed("密码不符合要求", fields={"new_password": problem})
    return password


def change_password(session, user: User, current: str, new: str, *, now: datetime) -> None:
    """The user's own change: the current password first, then the rule; every session of theirs ends."""
    if not user.check_password(current or ""):
        raise ValidationFailed("当前密码不正确", fields={"current_password": "当前密码不正确"})
    user.set_password(_checked_password(user, new))
    end_sessions(user)
    record_event(session, subject_type="user", subject_id=user.id, firm_id=None, action="password_changed",
                 actor=user, now=now)


def reset_password(session, user: User, new: str, *, actor, now: datetime) -> None:
    """An admin (or the server's command line, actor None) sets a forgotten password; the user's sessions
    end, so whoever held one must log in anew."""
    _require_admin(actor)
    user.set_password(_checked_password(user, new))
    end_sessions(user)
    record_event(session, subject_type="user", subject_id=user.id, firm_id=None, action="password_reset",
                 actor=actor, now=now)


def set_active(session, user: User, active: bool, *, actor, now: datetime) -> None:
    """An admin deactivates (or reactivates) an account. A deactivated user's sessions end at once and
    their API tokens are refused while the account stays inactive (`user_for_token`)."""
    _require_admin(actor)
    if user.id == getattr(actor, "id", None) and not active:
        raise NotPermitted("不能停用自己的账号")
    if user.active == active:
        return
    user.active = active
    if not active:
        end_sessions(user)
    record_event(session, subject_type="user", subject_id=user.id, firm_id=None,
                 action="activated" if active else "deactivated", actor=actor, now=now,
                 from_state="inactive" if active else "active", to_state="active" if active else "inactive")


def get_user(session, username: str) -> User:
    user = session.scalar(select(User).filter_by(username=username))
    if user is None:
        raise NotFound(f"没有用户 {username}")
    return user


def issue_token(session, user: User, *, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user=user, token_hash=hash_token(token), created_at=now))
    record_event(session, subject_type="user", subject_id=user.id, firm_id=None, action="token_issued",
                 actor=user, now=now)
    return token


def revoke_tokens(session, user: User, *, now: datetime) -> int:
    count = 0
    for token in user.tokens:
        if token.revoked_at is None:
            token.revoked_at = now
            count += 1
    record_event(session, subject_type="user", subject_id=user.id, firm_id=None, action="tokens_revoked",
                 actor=user, now=now, evidence={"count": count})
    return count


def user_for_token(session, token: str) -> User | None:
    row = session.scalar(select(ApiToken).filter_by(token_hash=hash_token(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    return row.user


def display_names(session) -> dict[str, str]:
    """{login id: the name pages show} for every user, in one query (a city has a few hundred users)."""
    return dict(session.execute(select(User.username, User.label)).all())
