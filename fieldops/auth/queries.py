import click
import sqlalchemy as sa
from flask_babel import gettext as _

from fieldops.auth.models import Role, User
from fieldops.extensions import db
from fieldops.org.models import OrgUnit, UnitLevel
from fieldops.org.scope import scoped


def count_users_by_unit(user):
    rows = db.session.execute(
        scoped(User, user, sa.select(User.org_unit_id, sa.func.count(User.id))).group_by(User.org_unit_id)
    )
    return dict(rows.all())


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
