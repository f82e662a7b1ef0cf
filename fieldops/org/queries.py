from fieldops.extensions import db
from fieldops.org.models import OrgUnit, UnitLevel
from fieldops.org.scope import scoped


def units_for_choice(user, levels=None):
    """(id, indented label) for every unit in the user's scope, in tree order."""
    stmt = scoped(OrgUnit, user).order_by(OrgUnit.path)
    if levels:
        stmt = stmt.where(OrgUnit.level.in_(levels))
    units = db.session.scalars(stmt).all()
    base = user.org_unit.depth
    return [(u.id, f"{'— ' * (u.depth - base)}{u.code} · {u.name}") for u in units]


def districts_for_choice(user):
    return units_for_choice(user, levels=[UnitLevel.district])


def unit_tree(user):
    """The user's subtree as nested (unit, children) pairs, loaded in one query."""
    units = db.session.scalars(scoped(OrgUnit, user).order_by(OrgUnit.path)).all()
    by_parent = {}
    for unit in units:
        by_parent.setdefault(unit.parent_id, []).append(unit)

    def build(unit):
        kids = sorted(by_parent.get(unit.id, []), key=lambda u: u.code)
        return (unit, [build(k) for k in kids])

    return build(user.org_unit)

