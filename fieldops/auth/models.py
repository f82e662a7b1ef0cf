from datetime import datetime

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.org.scope import InUnit
from fieldops.timeutil import utcnow


class Role(enum.StrEnum):
    officer = "officer"
    supervisor = "supervisor"
    hr = "hr"
    admin = "admin"
    viewer = "viewer"
    care = "care"  # the Customer Care Center, national or provincial


class Language(enum.StrEnum):
    vi = "vi"
    en = "en"


class User(InUnit, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(60), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(
        sa.Enum(Role, name="role", native_enum=False, create_constraint=True, length=20)
    )
    org_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_unit.id"), index=True)
    preferred_language: Mapped[Language] = mapped_column(
        sa.Enum(Language, name="preferred_language", native_enum=False, create_constraint=True, length=5),
        default=Language.vi,
    )
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    org_unit: Mapped[OrgUnit] = relationship()

    # Flask-Login: the id kept in the cookie is the server-side session token,
    # so ending that session on the server makes a copied cookie worthless.
    session_token = None

    def get_id(self):
        return self.session_token

    @property
    def is_authenticated(self):
        return True

    @property
    def is_active(self):
        return self.active

    @property
    def is_anonymous(self):
        return False

    @property
    def audit_unit_id(self):
        return self.org_unit_id

    def __repr__(self):
        return f"<User {self.username}>"


USER_AGENT_MAX = 200


class UserSession(db.Model):
    """A signed-in session, ended on the server at sign-out, reset or timeout."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    client_address: Mapped[str] = mapped_column(sa.String(64), default="")
    # The browser's User-Agent, so that its owner can tell their sessions apart.
    user_agent: Mapped[str] = mapped_column(sa.String(USER_AGENT_MAX), default="", server_default="")

    user: Mapped[User] = relationship()


class LoginAttempt(db.Model):
    """Sign-in attempts, counted in the database so throttling holds across workers."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        sa.Index("ix_login_attempt_username_at", "username", "created_at"),
        sa.Index("ix_login_attempt_address_at", "client_address", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(60))
    client_address: Mapped[str] = mapped_column(sa.String(64))
    succeeded: Mapped[bool] = mapped_column(sa.Boolean)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
