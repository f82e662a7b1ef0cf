"""Reading the audit log."""
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from fieldops.audit.models import AuditEvent
from fieldops.extensions import db


def history_of(obj):
    """The audit events of one object (the caller has checked it is in scope), oldest first."""
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == obj.__tablename__, AuditEvent.object_id == str(obj.id))
        .options(selectinload(AuditEvent.actor)).order_by(AuditEvent.created_at, AuditEvent.id)
    ).all()
