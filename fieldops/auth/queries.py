import sqlalchemy as sa

from fieldops.auth.models import User
from fieldops.extensions import db
from fieldops.org.scope import scoped


def count_users_by_unit(user):
    rows = db.session.execute(
        scoped(User, user, sa.select(User.org_unit_id, sa.func.count(User.id))).group_by(User.org_unit_id)
    )
    return dict(rows.all())
