"""Writing audit events. Callers flush/commit with their own change, except
denials, which are committed at once because the request ends in an error."""
import sqlalchemy as sa
from flask import has_request_context, request

from fieldops.audit.models import AuditEvent
from fieldops.extensions import db


def client_address() -> str:
    return (request.remote_addr or "")[:64] if has_request_context() else ""


def _event(action, actor, object_type, object_id, org_unit_id, before, after, actor_name=None) -> dict:
    return {
        "action": action,
        "actor_id": actor.id if actor is not None else None,
        "actor_name": (actor_name if actor_name is not None else (actor.username if actor else ""))[:120],
        "object_type": object_type,
        "object_id": str(object_id) if object_id is not None else "",
        "org_unit_id": org_unit_id,
        "before": before,
        "after": after,
        "client_address": client_address(),
    }


def record(action, actor=None, obj=None, before=None, after=None, actor_name=None, org_unit_id=None):
    event = AuditEvent(**_event(
        action, actor, obj.__tablename__ if obj is not None else "", obj.id if obj is not None else None,
        org_unit_id if org_unit_id is not None else _unit_of(obj, actor), before, after, actor_name))
    db.session.add(event)
    return event


_INSERT_EVENT = sa.insert(AuditEvent.__table__)


def record_row(action, actor, object_type, object_id, org_unit_id, before=None, after=None) -> None:
    """The event of a change written as rows, not ORM objects (a visit submitted):
    inserted at once the same way, without an object's flush."""
    db.session.connection().execute(
        _INSERT_EVENT, _event(action, actor, object_type, object_id, org_unit_id, before, after))


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
