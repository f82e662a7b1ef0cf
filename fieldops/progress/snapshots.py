"""A unit's progress report kept for a short while (PROGRESS_REPORT_SECONDS), so
that the leaders who open the same dashboard or its exports within that time
are served one computation: the national report adds up every district of the
country and its page has 63 provinces' rows (0.4 s to compute and render); the
kept copy is read and sent in a few milliseconds. The printed report is always
computed afresh: a signed document states its figures as of its date.

The copy lives in the database, shared by every app server, keyed by what the
report depends on (unit, campaign, period, ranking, the day and the language of
its labels): the report as JSON for the exports, and its figures rendered as
HTML (nothing in them depends on who reads them). The page says when they were
computed. Copies older than a day are removed when a new one is written.

When a copy has aged, the request that finds it is served the aged copy, with
its own time, and marks it wanted (`wanted_at`); the job worker computes it
again between jobs, at its lower CPU priority (fieldops/jobs/worker.py). A
national dashboard read by many leaders at once was computed by each of them,
every app server busy for half a second at once; then computed again after an
answer by the request that found it aged, which kept that web server from the
next requests for as long (eight districts' copies aging together held all four
workers of a server: a p99 of 0.7 s at 32 clients, where 0.16 s without). A
copy older than SERVED_WHILE_COMPUTED, or none, is computed for the request
that asks: without a worker running, the figures are at most that old.

A file exported from a copy (XLSX, CSV) is made once per copy for every app
server, and made again by the job worker with the next copy when it was asked
for (fieldops/progress/kept_files.py). A copy's HTML (the national one is
150 KB) is fetched from the database once per copy in each app server: a view
then reads only the copy's time.
"""
import json
import time
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale, get_locale
from markupsafe import Markup

from fieldops.campaigns.models import Campaign
from fieldops.core.expressions import insert_on_conflict
from fieldops.core.recent import Recent
from fieldops.core.replica import has_replica
from fieldops.core.rows import first_of
from fieldops.extensions import READS_REPLICA, db
from fieldops.jobs.registry import chore
from fieldops.org.models import OrgUnit
from fieldops.progress import dashboard, kept_files
from fieldops.progress.models import ReportSnapshot
from fieldops.timeutil import utcnow


def _encode(value):
    # The report holds dates and the charts' SVG (Markup, shown unescaped); JSON keeps both tagged.
    if isinstance(value, Markup):
        return {"__markup__": str(value)}
    if isinstance(value, datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, date):
        return {"__date__": value.isoformat()}
    raise TypeError(f"cannot keep {type(value).__name__} in a report snapshot")


def _decode(obj):
    if "__markup__" in obj:
        return Markup(obj["__markup__"])
    if "__datetime__" in obj:
        return datetime.fromisoformat(obj["__datetime__"])
    if "__date__" in obj:
        return date.fromisoformat(obj["__date__"])
    return obj


def dumps(report: dict) -> str:
    def tag(value):
        if isinstance(value, dict):
            return {k: tag(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [tag(v) for v in value]
        if isinstance(value, (Markup, date)):
            return _encode(value)
        return value

    return json.dumps(tag(report), ensure_ascii=False, separators=(",", ":"), default=_encode)


def loads(text: str) -> dict:
    return json.loads(text, object_hook=_decode)


def key_of(unit, campaign, period, today: date, rank: str) -> str:
    return f"{unit.id}|{campaign.id}|{period.code}|{rank}|{today.isoformat()}|{get_locale()}"


def parts_of(key: str):
    """What key_of made the key of: (unit id, campaign id, period code, rank, day, language)."""
    unit_id, campaign_id, rest = key.split("|", 2)
    code, rank, day, language = rest.rsplit("|", 3)
    return int(unit_id), int(campaign_id), code, rank, date.fromisoformat(day), language


class Kept:
    """A report as kept: its figures and download links as HTML (what the page
    shows), and the report itself, read from the database and decoded only when
    asked for (the exports): a page does not fetch its ~50 KB of JSON."""

    def __init__(self, computed_at, key, figures, downloads, code, report=None):
        self.computed_at, self.code = computed_at, code
        self.figures, self.downloads = Markup(figures), Markup(downloads)
        self.key, self._report = key, report

    @property
    def report(self) -> dict:
        if self._report is None:
            # The copy as it is now: if another server has just computed it again, its
            # newer figures come with their own time.
            computed_at, text = db.session.execute(sa.select(ReportSnapshot.computed_at, ReportSnapshot.report)
                                                   .where(ReportSnapshot.key == self.key)).one()
            self._report = loads(text) | {"computed_at": computed_at}
        return self._report


def _compute(unit, campaign, period, today, rank, computed_at, key=None) -> Kept:
    report = dashboard.unit_report(unit, campaign, period, today, rank) | {"computed_at": computed_at}
    return Kept(computed_at, key, render_template("progress/_unit_figures.html", report=report),
                render_template("progress/_unit_downloads.html", report=report), period.code, report)


def _keep(key: str, kept: Kept) -> None:
    """Write the copy in its own transaction (a page view changes nothing else):
    the latest computation wins when two servers compute the same report at once."""
    table = ReportSnapshot.__table__
    values = {"computed_at": kept.computed_at, "report": dumps(kept.report), "figures": str(kept.figures),
              "downloads": str(kept.downloads), "wanted_at": None}
    stmt = insert_on_conflict(table, db.engine.dialect.name).values(key=key, **values)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.key], set_={k: stmt.excluded[k] for k in values})
    with db.engine.begin() as conn:
        conn.execute(stmt)
        conn.execute(sa.delete(table).where(table.c.computed_at < kept.computed_at - timedelta(days=1)))


# An aged copy is served while it is computed again for no longer than this:
# past it, the figures are too old to show and the request computes its own.
SERVED_WHILE_COMPUTED = timedelta(minutes=10)

# How old a kept copy is, and whether a reader has asked for it again: read on every view
# of a dashboard, built once.
_AGE = sa.select(ReportSnapshot.computed_at, ReportSnapshot.wanted_at).where(ReportSnapshot.key == sa.bindparam("key"))

# The most aged copies the worker computes again before it looks for a job again.
REFRESH_BATCH = 20


def unit_report(unit, campaign, period, today: date, rank="overall", html=True) -> Kept:
    """dashboard.unit_report, from a copy younger than PROGRESS_REPORT_SECONDS,
    else computed (and kept). `html`: False for an export, which needs no HTML."""
    rank = rank if rank in dashboard.RANK_CHOICES else "overall"
    seconds = current_app.config["PROGRESS_REPORT_SECONDS"]
    now = utcnow()
    if seconds <= 0:
        return _compute(unit, campaign, period, today, rank, now)
    key = key_of(unit, campaign, period, today, rank)
    found = first_of(_AGE, {"key": key})
    if found is not None and now - found.computed_at < SERVED_WHILE_COMPUTED:
        if now - found.computed_at >= timedelta(seconds=seconds) and found.wanted_at is None:
            _want(key, now)
        return _copy(key, found.computed_at, period.code, html)
    return _compute_and_keep(unit, campaign, period, today, rank, now, key)


def _compute_and_keep(unit, campaign, period, today, rank, now, key) -> Kept:
    """The report computed now, kept in the database and its HTML in this process."""
    kept = _compute(unit, campaign, period, today, rank, now, key)
    _keep(key, kept)
    _html.keep((key, now), (kept.figures, kept.downloads))
    return kept


def _want(key: str, now) -> None:
    """Ask the job worker to compute the aged copy of `key` again (`refresh_wanted`), on the
    primary and at once (a page view commits nothing): its reader is served the aged copy
    and waits for nobody's computation, and no web server is kept from the next request."""
    table = ReportSnapshot.__table__
    with db.engine.begin() as conn:
        conn.execute(sa.update(table).where(table.c.key == key, table.c.wanted_at.is_(None)).values(wanted_at=now))


@chore
def refresh_wanted(app) -> int:
    """Compute again the copies their readers found aged, the longest wanted first
    (at most REFRESH_BATCH); the job worker runs it between jobs, at its lower
    priority. Each is claimed by one UPDATE, so two workers never compute the
    same copy; one that fails is logged and waits for its next reader's wish.
    The copies it computed again."""
    table = ReportSnapshot.__table__
    with db.engine.connect() as conn:
        wanted = conn.execute(sa.select(table.c.key, table.c.wanted_at).where(table.c.wanted_at.is_not(None))
                              .order_by(table.c.wanted_at).limit(REFRESH_BATCH)).all()
    done = 0
    for key, wanted_at in wanted:
        with db.engine.begin() as conn:
            claimed = conn.execute(sa.update(table).where(table.c.key == key, table.c.wanted_at == wanted_at)
                                   .values(wanted_at=None)).rowcount
        if claimed:
            began = time.monotonic()
            done += _refresh(app, key)
            # Rest as long as it took: its database's share of the CPU is the web servers' too.
            time.sleep(time.monotonic() - began)
    return done


def _refresh(app, key: str) -> int:
    """The copy of `key` computed again as its readers' view would (their language, the
    replica when the app has one), unless it was computed again meanwhile."""
    unit_id, campaign_id, code, rank, today, language = parts_of(key)
    # The worker's own app context and session, marked for the replica once the copy's time is read.
    with app.test_request_context(), force_locale(language):
        try:
            now = utcnow()
            computed_at = db.session.scalar(sa.select(ReportSnapshot.computed_at).where(ReportSnapshot.key == key))
            if computed_at is not None and now - computed_at < timedelta(seconds=app.config["PROGRESS_REPORT_SECONDS"]):
                return 0
            if has_replica(app):
                db.session.info[READS_REPLICA] = True
            unit, campaign = db.session.get(OrgUnit, unit_id), db.session.get(Campaign, campaign_id)
            if unit is None or campaign is None:
                return 0  # gone since: no reader will ask for it again
            kept = _compute_and_keep(unit, campaign, dashboard.resolve_period(code, campaign, today), today, rank,
                                     now, key)
            kept_files.make_again(kept)
            return 1
        except Exception:  # its readers have the aged copy; the next one wishes it computed again
            app.logger.exception("computing the progress report %s again failed", key)
            return 0
        finally:
            db.session.info.pop(READS_REPLICA, None)
            db.session.remove()


_html = Recent(128)  # a district's some 50 KB, the nation's 150 KB


def _copy(key, computed_at, code, html) -> Kept:
    """The copy of `key` computed at `computed_at`; its HTML from this process when it has it."""
    if not html:
        return Kept(computed_at, key, "", "", code)
    found = _html.get((key, computed_at))
    if found is None:
        # Read with its time: another server may have just computed the copy again.
        computed_at, *found = db.session.execute(
            sa.select(ReportSnapshot.computed_at, ReportSnapshot.figures, ReportSnapshot.downloads)
            .where(ReportSnapshot.key == key)).one()
        _html.keep((key, computed_at), found)
    return Kept(computed_at, key, *found, code)
