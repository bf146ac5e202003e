"""The login log: every login attempt (and logout) of the pages, for admins to read.

Kept apart from the audit trail: an attempt changes no data, and a failed one may name no user at all
(the login name is stored as typed). Append-only like the audit trail.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow
from models.enums import LoginReason, LoginResult


class LoginEvent(Base):
    __tablename__ = "login_events"
    __table_args__ = (Index("ix_login_events_at", "at"), Index("ix_login_events_username_at", "username", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    username: Mapped[str] = mapped_column(String(40))  # as typed (cut to 40), known user or not
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    address: Mapped[str] = mapped_column(String(64), default="")
    result: Mapped[LoginResult] = mapped_column(String(20))
    reason: Mapped[LoginReason] = mapped_column(String(30))
