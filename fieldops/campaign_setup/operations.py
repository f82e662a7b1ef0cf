"""State changes of campaigns: set up, changed. Each checks the rules that read
the records, writes its audit event and flushes; the view (or the command)
commits once.

A campaign's records are those its dates take in: the visits dated from its
counting-from date to its end, the group returns of those months, and its
review periods (whose cut-off lies within its run dates). A change that would
leave any of them outside is refused, as is dropping a participant group that
returns of those months report on."""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from fieldops.audit.operations import record
from fieldops.campaigns.models import Campaign, CampaignState
from fieldops.core.translations import lazy_gettext as _l
from fieldops.extensions import db
from fieldops.progress import timeline

FIELDS = ("name", "code", "decision_number", "decision_date", "starts_on", "ends_on", "counts_from",
          "participant_groups", "state")


class CampaignError(ValueError):
    """A rule refused the change; `field` is where the message belongs."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field, self.message = field, message


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def snapshot(campaign: Campaign) -> dict:
    out = {}
    for name in FIELDS:
        value = getattr(campaign, name)
        out[name] = value.isoformat() if isinstance(value, date) else (
            str(value) if isinstance(value, CampaignState) else value)
    return out


def _check_code(code, campaign=None):
    taken = db.session.scalar(sa.select(Campaign.id).where(Campaign.code == code))
    if taken is not None and (campaign is None or taken != campaign.id):
        raise CampaignError("code", _l("Another campaign already has the code %(code)s.", code=code))


@dataclass
class _Span:
    first: date | None
    last: date | None
    count: int


def _visits_within(start, end) -> _Span:
    from fieldops.visits.models import Visit

    row = db.session.execute(sa.select(sa.func.min(Visit.visit_date), sa.func.max(Visit.visit_date),
                                       sa.func.count(Visit.id))
                             .where(Visit.visit_date >= start, Visit.visit_date <= end)).one()
    return _Span(*row)


def _returns_within(start, end, groups=None) -> _Span:
    from fieldops.returns.models import GroupReturn

    stmt = (sa.select(sa.func.min(GroupReturn.month), sa.func.max(GroupReturn.month), sa.func.count(GroupReturn.id))
            .where(GroupReturn.month >= start.replace(day=1), GroupReturn.month <= end))
    if groups is not None:
        stmt = stmt.where(GroupReturn.participant_group.in_(list(groups)))
    return _Span(*db.session.execute(stmt).one())


def _reviews_of(campaign) -> _Span:
    from fieldops.reviews.models import ReviewPeriod

    row = db.session.execute(sa.select(sa.func.min(ReviewPeriod.cut_off), sa.func.max(ReviewPeriod.cut_off),
                                       sa.func.count(ReviewPeriod.id))
                             .where(ReviewPeriod.campaign_id == campaign.id)).one()
    return _Span(*row)


def _check_span(span: _Span, start, end, start_field, from_first, until_last) -> None:
    """Refuses a campaign that would start (`start`) after the first of these records
    or end (`end`) before the last: the message `from_first` or `until_last` gives
    for that record's date."""
    if span.count and span.first < start:
        raise CampaignError(start_field, from_first(span.first))
    if span.count and span.last > end:
        raise CampaignError("ends_on", until_last(span.last))


def _check_records_kept(campaign: Campaign, new: dict) -> None:
    """Refuses dates or groups that would leave the campaign's records outside it."""
    old_from, old_end = campaign.counts_from, campaign.ends_on
    if (new["counts_from"], new["ends_on"]) != (old_from, old_end):
        _check_span(_visits_within(old_from, old_end), new["counts_from"], new["ends_on"], "counts_from",
                    lambda first: _l("Visits of this campaign are dated from %(first)s: results must count from "
                                     "that day or earlier.", first=_day(first)),
                    lambda last: _l("Visits of this campaign are dated up to %(last)s: the campaign must run until "
                                    "that day or later.", last=_day(last)))
        _check_span(_returns_within(old_from, old_end), new["counts_from"].replace(day=1), new["ends_on"],
                    "counts_from",
                    lambda first: _l("Group returns of this campaign start with %(month)s: results must count from "
                                     "that month or earlier.", month=first.strftime("%m/%Y")),
                    lambda last: _l("Group returns of this campaign go up to %(month)s: the campaign must run into "
                                    "that month.", month=last.strftime("%m/%Y")))
    _check_span(_reviews_of(campaign), new["starts_on"], new["ends_on"], "starts_on",
                lambda first: _l("A review of this campaign has its cut-off on %(day)s: the campaign must start by "
                                 "then.", day=_day(first)),
                lambda last: _l("A review of this campaign has its cut-off on %(day)s: the campaign must run until "
                                "then.", day=_day(last)))
    dropped = set(campaign.participant_groups or []) - set(new["participant_groups"])
    if dropped:
        used = _returns_within(new["counts_from"], new["ends_on"], groups=sorted(dropped))
        if used.count:
            from fieldops.campaigns.forms import group_labels

            labels = group_labels()
            names = ", ".join(str(labels[g]) for g in sorted(dropped, key=list(labels).index))
            raise CampaignError("participant_groups", _l(
                "%(count)s group returns of this campaign's months report on %(groups)s: keep the group.",
                count=used.count, groups=names))


def create_campaign(actor, values: dict) -> Campaign:
    _check_code(values["code"])
    campaign = Campaign(**values)
    db.session.add(campaign)
    db.session.flush()
    # Its figures over the departments reviewed in it, from what was already visited.
    timeline.campaign_changed(campaign.counts_from)
    record("campaign.create", actor=actor, obj=campaign, after=snapshot(campaign))
    return campaign


def update_campaign(actor, campaign: Campaign, values: dict) -> bool:
    """Applies the changed values; False when nothing changed (no event)."""
    _check_code(values["code"], campaign)
    _check_records_kept(campaign, values)
    counted_from = campaign.counts_from
    before = snapshot(campaign)
    for name in FIELDS:
        setattr(campaign, name, values[name])
    after = snapshot(campaign)
    if after == before:
        return False
    db.session.flush()
    if campaign.counts_from != counted_from:
        timeline.campaign_changed(min(counted_from, campaign.counts_from))
    changed = [name for name in FIELDS if before[name] != after[name]]
    record("campaign.edit", actor=actor, obj=campaign, before={k: before[k] for k in changed},
           after={k: after[k] for k in changed})
    return True
