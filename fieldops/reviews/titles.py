"""State changes of award titles: the list of titles and forms of award HR
proposes from. The national list (no unit) is changed by national HR only; a
unit's HR may keep titles of its own (a province's Giấy khen, say)."""
import sqlalchemy as sa

from fieldops.audit.operations import record
from fieldops.extensions import db
from fieldops.org.scope import scoped
from fieldops.reviews.models import NAME_MAX, AppliesTo, AwardTitle
from fieldops.reviews.operations import ReviewError


def add_title(actor, name, applies_to, unit=None) -> AwardTitle:
    name = " ".join((name or "").split())[:NAME_MAX]
    if not name:
        raise ReviewError("title_name", "name")
    probe = AwardTitle(org_unit=unit, org_unit_id=unit.id if unit else None)
    if not probe.can_manage(actor):
        raise ReviewError("not_allowed")
    same_list = sa.select(AwardTitle.name).where(
        AwardTitle.org_unit_id.is_(None) if unit is None else AwardTitle.org_unit_id == unit.id)
    if any(existing.casefold() == name.casefold() for existing in db.session.scalars(same_list)):
        raise ReviewError("title_exists", "name")
    position = (db.session.scalar(sa.select(sa.func.max(AwardTitle.position))) or 0) + 1
    title = AwardTitle(name=name, applies_to=AppliesTo(applies_to), org_unit_id=unit.id if unit else None,
                       active=True, position=position)
    db.session.add(title)
    db.session.flush()
    record("award_title.create", actor=actor, obj=title,
           after={"name": name, "applies_to": str(title.applies_to), "org_unit_id": title.org_unit_id})
    return title


def edit_title(actor, title, name, applies_to, active) -> None:
    if not title.can_manage(actor):
        raise ReviewError("not_allowed")
    name = " ".join((name or "").split())[:NAME_MAX]
    if not name:
        raise ReviewError("title_name", "name")
    before = {"name": title.name, "applies_to": str(title.applies_to), "active": title.active}
    title.name, title.applies_to, title.active = name, AppliesTo(applies_to), bool(active)
    db.session.flush()
    record("award_title.edit", actor=actor, obj=title, before=before,
           after={"name": title.name, "applies_to": str(title.applies_to), "active": title.active})


def seed_award_titles() -> int:
    """The standard national titles, those missing (migration 0005 seeds them too)."""
    from fieldops.reviews.labels import DEFAULT_TITLES

    have = set(db.session.scalars(sa.select(AwardTitle.name).where(AwardTitle.org_unit_id.is_(None))))
    added = 0
    for position, (name, applies_to) in enumerate(DEFAULT_TITLES, 1):
        if name not in have:
            db.session.add(AwardTitle(name=name, applies_to=applies_to, org_unit_id=None, active=True,
                                      position=position))
            added += 1
    db.session.flush()
    return added


def titles_for(user, kind):
    """Active titles the user may propose for this kind of nominee."""
    return [t for t in db.session.scalars(scoped(AwardTitle, user).where(AwardTitle.active.is_(True))
                                          .order_by(AwardTitle.org_unit_id.is_not(None), AwardTitle.position,
                                                    AwardTitle.name))
            if t.fits(kind)]

