"""What the paper needs beyond the figures: who signs a unit's documents (its
settings, kept by admin), and the guesses at verification codes, counted in
the database like sign-in attempts so throttling holds across workers."""
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from fieldops.audit.operations import record
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.timeutil import utcnow

SIGNER_MAX = 120
RECIPIENTS_MAX = 1000
DEFAULT_RECIPIENTS = "- Như trên;\n- Lưu: VT, TĐKT."


class UnitSigner(db.Model):
    """Who signs a unit's documents: the title printed above the signature
    ("Giám đốc", "KT. Giám đốc / Phó Giám đốc") and the full name under it, and
    where copies go ("Nơi nhận")."""

    __tablename__ = "unit_signer"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_unit.id"), unique=True)
    title: Mapped[str] = mapped_column(sa.String(SIGNER_MAX), default="")
    full_name: Mapped[str] = mapped_column(sa.String(SIGNER_MAX), default="")
    recipients: Mapped[str] = mapped_column(sa.String(RECIPIENTS_MAX), default="")
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    @property
    def audit_unit_id(self):
        return self.org_unit_id

    @classmethod
    def scope_clause(cls, root: OrgUnit):
        from fieldops.org.scope import units_in_scope

        return cls.org_unit_id.in_(units_in_scope(root))


def signer_of(unit: OrgUnit) -> dict:
    """Plain values for the documents: {"title", "name", "recipients"}; blanks when unset."""
    row = db.session.scalars(sa.select(UnitSigner).where(UnitSigner.org_unit_id == unit.id)).first()
    if row is None:
        return {"title": "", "name": "", "recipients": DEFAULT_RECIPIENTS}
    return {"title": row.title, "name": row.full_name, "recipients": row.recipients or DEFAULT_RECIPIENTS}


def _one_line(text, limit):
    return " ".join((text or "").split())[:limit + 1]


def set_signer(actor, unit: OrgUnit, title, full_name, recipients) -> UnitSigner:
    """Admin sets who signs the unit's documents. Raises ValueError(field, reason)."""
    title, full_name = _one_line(title, SIGNER_MAX), _one_line(full_name, SIGNER_MAX)
    recipients = (recipients or "").replace("\r\n", "\n").strip()
    for field, value, limit in (("title", title, SIGNER_MAX), ("full_name", full_name, SIGNER_MAX),
                                ("recipients", recipients, RECIPIENTS_MAX)):
        if len(value) > limit:
            raise ValueError(field, "too_long")
    if not title:
        raise ValueError("title", "required")
    if not full_name:
        raise ValueError("full_name", "required")
    row = db.session.scalars(sa.select(UnitSigner).where(UnitSigner.org_unit_id == unit.id)).first()
    before = None if row is None else {"title": row.title, "full_name": row.full_name, "recipients": row.recipients}
    if row is None:
        row = UnitSigner(org_unit_id=unit.id)
        db.session.add(row)
    row.title, row.full_name, row.recipients = title, full_name, recipients
    row.updated_at, row.updated_by_id = utcnow(), actor.id
    db.session.flush()
    record("unit_signer.edit", actor=actor, obj=row, before=before,
           after={"title": title, "full_name": full_name, "recipients": recipients})
    return row


class VerifyAttempt(db.Model):
    """A code that did not resolve, by client address."""

    __tablename__ = "verify_attempt"
    __table_args__ = (sa.Index("ix_verify_attempt_address_at", "client_address", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_address: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)


def _window():
    return current_app.config.get("VERIFY_FAILURE_WINDOW", timedelta(minutes=15))


def guessing(address: str) -> bool:
    """Too many wrong codes from this address lately (VERIFY_FAILURE_LIMIT in VERIFY_FAILURE_WINDOW)."""
    limit = current_app.config.get("VERIFY_FAILURE_LIMIT", 20)
    since = utcnow() - _window()
    # Counting stops at the limit: a flood costs one bounded read, not a count of all of it.
    recent = sa.select(VerifyAttempt.id).where(VerifyAttempt.client_address == address,
                                               VerifyAttempt.created_at > since).limit(limit).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(recent)) >= limit


def count_wrong(address: str) -> None:
    db.session.add(VerifyAttempt(client_address=address[:64]))
    # Old rows go as new ones come, so the table stays the size of one window.
    db.session.execute(sa.delete(VerifyAttempt).where(VerifyAttempt.created_at < utcnow() - 2 * _window()))
