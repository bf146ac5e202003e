"""Users and their API tokens. Tokens are stored as SHA-256 hashes; the plain token is shown once."""

import hashlib
from datetime import datetime

from sqlalchemy import ForeignKey, String, func
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from models.base import Base, utcnow
from models.enums import ROLE_LABELS, Role


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(40), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(String(20))
    district_code: Mapped[str | None] = mapped_column(ForeignKey("districts.code"))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of every session's and remember-me cookie's user id (`get_id`): bumping it (logout, a password
    # change, deactivation) ends every session of the user at once, on every device.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tokens: Mapped[list["ApiToken"]] = relationship(back_populates="user", cascade="all, delete-orphan")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[Role(self.role)]

    @hybrid_property
    def label(self) -> str:
        """The person's name where pages and exports name a user; the login id only when no name is set."""
        return self.display_name or self.username

    @label.inplace.expression
    @classmethod
    def _label_expression(cls):
        return func.coalesce(func.nullif(cls.display_name, ""), cls.username)

    # Flask-Login's protocol, written out so models/ needs no Flask import.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """Flask-Login's alternative id: "<id>:<generation>", so an old cookie names a generation gone."""
        return f"{self.id}:{self.session_generation}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")
