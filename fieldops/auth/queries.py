from functools import cache

import click
import sqlalchemy as sa

from fieldops.auth.models import Role, User
from fieldops.core.rows import rows_of
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.org.models import OrgUnit, UnitLevel
from fieldops.org.scope import in_subtree, scoped, subtree_of


def count_users_by_unit(user):
    rows = db.session.execute(
        scoped(User, user, sa.select(User.org_unit_id, sa.func.count(User.id))).group_by(User.org_unit_id)
    )
    return dict(rows.all())


# The most officers a filter lists; past it, the page asks for a unit or another filter first.
MAX_OFFICER_CHOICES = 300


@cache
def _officers(active_only: bool, in_unit: bool):
    """The officers of an area (and of a unit chosen in it), by name: built once, the
    area and the unit are parameters (building and keying it cost more than it ran)."""
    stmt = (sa.select(User.id, User.full_name, OrgUnit.code).join(OrgUnit, OrgUnit.id == User.org_unit_id)
            .where(in_subtree(OrgUnit.path), User.role == Role.officer))
    if active_only:
        stmt = stmt.where(User.active.is_(True))
    if in_unit:
        stmt = stmt.where(in_subtree(OrgUnit.path, "unit_path"))
    return stmt.order_by(User.full_name, User.id).limit(MAX_OFFICER_CHOICES + 1)


def officers_for_choice(user, unit: OrgUnit | None = None, active_only=False, with_unit_code=False):
    """(id, name) of the officers in the user's area (or in `unit`'s, when chosen),
    by name, for a filter; `with_unit_code`: the name followed by the officer's unit
    code. None when there are too many to list (a province or the nation)."""
    params = subtree_of(user.org_unit) | (subtree_of(unit, "unit_path") if unit is not None else {})
    officers = rows_of(_officers(active_only, unit is not None), params)
    if len(officers) > MAX_OFFICER_CHOICES:
        return None
    return [(o.id, f"{o.full_name} · {o.code}" if with_unit_code else o.full_name) for o in officers]


def import_actor(username):
    """The admin an import from the command line runs as: the one named, else the first national admin."""
    stmt = sa.select(User).where(User.role == Role.admin, User.active.is_(True))
    if username:
        user = db.session.scalars(stmt.where(User.username == username)).first()
        if user is None:
            raise click.UsageError(_("No active admin is named %(name)s.", name=username))
        return user
    # By default the import runs with national scope, as the first national admin.
    user = db.session.scalars(
        stmt.join(OrgUnit, User.org_unit_id == OrgUnit.id).where(OrgUnit.level == UnitLevel.national).order_by(User.id)
    ).first()
    if user is None:
        raise click.UsageError(_("There is no active national admin; name an admin with --as USERNAME."))
    return user
