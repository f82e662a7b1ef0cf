"""Writing audit events. Callers flush/commit with their own change, except
denials, which are committed at once because the request ends in an error."""
from flask import has_request_context, request

from fieldops.audit.models import AuditEvent
from fieldops.extensions import db


def client_address() -> str:
    return (request.remote_addr or "")[:64] if has_request_context() else ""


def record(action, actor=None, obj=None, before=None, after=None, actor_name=None, org_unit_id=None,
           object_type=None, object_id=None):
    """An audit event about `obj`, or about the row `object_type`/`object_id`
    names when it was written without an ORM object."""
    if obj is not None:
        object_type, object_id = obj.__tablename__, obj.id
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        actor_name=(actor_name if actor_name is not None else (actor.username if actor else ""))[:120],
        object_type=object_type or "",
        object_id=str(object_id) if object_id is not None else "",
        org_unit_id=org_unit_id if org_unit_id is not None else _unit_of(obj, actor),
        before=before,
        after=after,
        client_address=client_address(),
    )
    db.session.add(event)
    return event


def _unit_of(obj, actor):
    for candidate in (obj, actor):
        unit_id = getattr(candidate, "audit_unit_id", None)
        if unit_id is not None:
            return unit_id
    return None


def record_denied(user, target, reason):
    db.session.rollback()
    event = record(
        "access.denied",
        actor=user,
        after={"target": target, "reason": reason, "path": request.path if has_request_context() else ""},
    )
    db.session.commit()
    return event
