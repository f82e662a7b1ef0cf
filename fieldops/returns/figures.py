"""What group returns add to a unit's progress (DESIGN.md "Meaning of the numbers"):

- people registered outside employers as of a day: over the districts of the
  subtree, the latest return of each district and group for a month up to that
  day's month; added to the employer channel's registered, they make "people
  registered, all groups";
- the rate for new voluntary participants over a period: Σ new registered ÷
  Σ new participants over the voluntary returns of the period's months.
"""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from fieldops.campaigns.models import ParticipantGroup
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.progress.figures import _share
from fieldops.returns.labels import group_labels
from fieldops.returns.models import RETURN_GROUPS, GroupReturn


@dataclass
class GroupFigures:
    participants: int = 0
    registered: int = 0

    @property
    def share(self):
        return _share(self.registered, self.participants)


@dataclass
class OutsideEmployers:
    """What the returns add to a unit's figures."""

    groups: dict  # {group: GroupFigures} as of the day
    new_voluntary: int = 0
    new_voluntary_registered: int = 0
    districts_reporting: int = 0

    @property
    def registered(self) -> int:
        return sum(g.registered for g in self.groups.values())

    @property
    def participants(self) -> int:
        return sum(g.participants for g in self.groups.values())

    @property
    def new_voluntary_rate(self):
        return _share(self.new_voluntary_registered, self.new_voluntary)


def _in_subtree(root: OrgUnit):
    # The area's districts by id (a short list below the nation), as the progress queries do.
    return GroupReturn.district_id.in_(sa.select(OrgUnit.id).where(OrgUnit.scope_clause(root)))


def outside_employers(root: OrgUnit, start: date, end: date) -> OutsideEmployers:
    """The returns' figures for `root` as of `end`, and the new voluntary rate over [start, end]."""
    last = end.replace(day=1)
    latest = (sa.select(GroupReturn.district_id, GroupReturn.participant_group,
                        sa.func.max(GroupReturn.month).label("month"))
              .where(_in_subtree(root), GroupReturn.month <= last)
              .group_by(GroupReturn.district_id, GroupReturn.participant_group).subquery())
    stmt = (sa.select(GroupReturn.participant_group, sa.func.sum(GroupReturn.participants),
                      sa.func.sum(GroupReturn.registered))
            .join(latest, sa.and_(latest.c.district_id == GroupReturn.district_id,
                                  latest.c.participant_group == GroupReturn.participant_group,
                                  latest.c.month == GroupReturn.month))
            .group_by(GroupReturn.participant_group))
    groups = {g: GroupFigures() for g in RETURN_GROUPS}
    for group, participants, registered in db.session.execute(stmt):
        groups[ParticipantGroup(group)] = GroupFigures(int(participants or 0), int(registered or 0))
    reporting = db.session.scalar(sa.select(sa.func.count(sa.distinct(latest.c.district_id))))
    new, new_registered = db.session.execute(
        sa.select(sa.func.sum(GroupReturn.new_participants), sa.func.sum(GroupReturn.new_registered))
        .where(_in_subtree(root), GroupReturn.participant_group == ParticipantGroup.voluntary,
               GroupReturn.month >= start.replace(day=1), GroupReturn.month <= last)).one()
    return OutsideEmployers(groups=groups, new_voluntary=int(new or 0),
                            new_voluntary_registered=int(new_registered or 0), districts_reporting=int(reporting or 0))


def as_report(outside: OutsideEmployers, employer_registered: int) -> dict:
    """Plain values for the progress report, beside the employer channel's registered."""
    labels = group_labels()
    return {
        "registered_all": employer_registered + outside.registered,
        "registered": outside.registered, "participants": outside.participants,
        "groups": [{"group": g.value, "label": str(labels[g]), "participants": f.participants,
                    "registered": f.registered, "share": f.share} for g, f in outside.groups.items()],
        "new_voluntary": outside.new_voluntary, "new_voluntary_registered": outside.new_voluntary_registered,
        "new_voluntary_rate": outside.new_voluntary_rate, "districts_reporting": outside.districts_reporting,
    }
