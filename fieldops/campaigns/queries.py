"""Which campaign a page, export, report, command or review is about: the one
asked for (?campaign=, --campaign: its code or its number), or the one in force
on the day. Every lookup of "the current campaign" goes through here, so that
two overlapping campaigns (2024 starting while 2023's final review is open)
are told apart the same way everywhere."""
from datetime import date
from functools import cache

import sqlalchemy as sa
from flask import g, has_app_context

from fieldops.campaigns.models import Campaign, CampaignState
from fieldops.core.numbers import whole_number
from fieldops.core.rows import columns_of, instance_of, rows_of
from fieldops.extensions import db

ARG_MAX = 20


def campaign_in_force(today: date, campaigns=None) -> Campaign | None:
    """The campaign running on `today`: of the active ones (a draft is being set
    up), the one that started counting latest, on or before `today`. `campaigns`:
    every campaign (or rows of their id, state and counts_from), when the caller
    has read them already (a page's switch, `campaign_dates`)."""
    running = [c for c in (all_campaigns() if campaigns is None else campaigns)
               if c.state == CampaignState.active and c.counts_from <= today]
    return max(running, key=lambda c: (c.counts_from, c.id), default=None)


def find_campaign(arg) -> Campaign | None:
    """The campaign with this code, else with this number; None for anything else."""
    text = str(arg or "").strip()
    if not text or len(text) > ARG_MAX or "\x00" in text:  # PostgreSQL refuses a NUL in text
        return None
    found = db.session.scalars(sa.select(Campaign).where(Campaign.code == text.upper())).first()
    number = whole_number(text)
    if found is None and number is not None:
        found = db.session.get(Campaign, number)
    return found


def chosen_campaign(arg, today: date, campaigns=None) -> Campaign | None:
    """The campaign asked for when `arg` is given (None when it names none), else the one in force."""
    if str(arg or "").strip():
        return find_campaign(arg)
    return campaign_in_force(today, campaigns)


@cache
def _all():
    """Built once: every dashboard view reads the campaigns, and building the statement
    cost as much as running it. Read as columns and made into the session's objects
    (`instance_of`), as the user behind every request is."""
    return sa.select(*columns_of(Campaign)).order_by(Campaign.counts_from.desc(), Campaign.id.desc())


def all_campaigns() -> list[Campaign]:
    """Every campaign, latest first: what selectors and the list offer (a handful of rows)."""
    return [instance_of(Campaign, row) for row in rows_of(_all())]


_DATES = sa.select(Campaign.id, Campaign.state, Campaign.counts_from).order_by(Campaign.id)


def campaign_dates() -> list[sa.Row]:
    """(id, state, counts_from) of every campaign, by id. A visit's submit needs them twice (the form's first
    counting day, the timeline's figures over the departments reviewed in each campaign): read once per
    transaction, and again after a campaign is written in it."""
    if not has_app_context():
        return db.session.execute(_DATES).all()
    session = db.session()
    if session.autoflush:
        session.flush()  # as a read would: a campaign changed but not yet written is written, and read again
    kept = g.get("_campaign_dates")
    if kept is None or kept[0] is not session.get_transaction():
        rows = rows_of(_DATES)
        kept = g._campaign_dates = (session.get_transaction(), rows)
    return kept[1]


@sa.event.listens_for(Campaign, "after_insert")
@sa.event.listens_for(Campaign, "after_update")
@sa.event.listens_for(Campaign, "after_delete")
def _campaign_written(_mapper, _connection, _campaign):
    if has_app_context():
        g.pop("_campaign_dates", None)


def counting_from(today: date) -> date | None:
    """The counting-from date of `campaign_in_force(today)`, from `campaign_dates`."""
    in_force = campaign_in_force(today, campaign_dates())
    return in_force.counts_from if in_force else None
