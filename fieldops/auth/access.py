"""Role checks for views. Every view is marked either `public` or
`roles_required(...)`; the route-walking test fails on a view with neither."""
from functools import wraps

from flask import abort
from flask_login import current_user

from fieldops.audit.operations import record_denied
from fieldops.auth.models import Role
from fieldops.extensions import login_manager

ALL_ROLES = tuple(Role)


def roles_required(*roles):
    roles = tuple(Role(r) for r in roles) or ALL_ROLES

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                record_denied(current_user, view.__name__, "role")
                abort(403)
            return view(*args, **kwargs)

        wrapper.allowed_roles = roles
        return wrapper

    return decorator


signed_in = roles_required()


def public(view):
    view.allowed_roles = None
    return view
