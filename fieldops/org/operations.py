from fieldops.audit.operations import record
from fieldops.extensions import db
from fieldops.org.models import OrgUnit, UnitLevel
from fieldops.org.scope import forget_district_ids


class OrgUnitError(ValueError):
    pass


def create_org_unit(actor, *, code, name, parent: OrgUnit | None, level: UnitLevel | None = None) -> OrgUnit:
    if parent is not None:
        level = parent.child_level
        if level is None:
            raise OrgUnitError("a team cannot have units below it")
    unit = OrgUnit(code=code.strip().upper(), name=name.strip(), level=level, parent=parent)
    db.session.add(unit)
    db.session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    db.session.flush()
    forget_district_ids()
    if actor is not None:
        record("org_unit.create", actor=actor, obj=unit, org_unit_id=unit.id,
               after={"code": unit.code, "name": unit.name, "level": str(unit.level), "parent_id": unit.parent_id})
    return unit


def rename_org_unit(actor, unit: OrgUnit, name: str) -> None:
    before = {"name": unit.name}
    unit.name = name.strip()
    record("org_unit.edit", actor=actor, obj=unit, org_unit_id=unit.id, before=before, after={"name": unit.name})
