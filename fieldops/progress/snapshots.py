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
its own time, and computes it again once its answer is sent; the others that
come meanwhile are served the aged copy too, and one of them only computes
(PostgreSQL: an advisory lock per copy). A national dashboard read by many
leaders at once was computed by each of them, every app server busy for half a
second at once, and the reader who found the copy aged waited for a district's
second of computing. A copy older than SERVED_WHILE_COMPUTED, or none, is
computed for the request that asks.

A file exported from a copy (XLSX, CSV) is made once per copy in each app server
and sent as made to whoever asks for it again (a province's staff downloading
the same figures): making an XLSX costs some 45 ms, sending a made one almost nothing.
Likewise a copy's HTML (the national one is 150 KB) is fetched from the database
once per copy in each app server: a view then reads only the copy's time.
"""
import json
import threading
from collections import OrderedDict
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import after_this_request, current_app, render_template, request
from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from fieldops.campaigns.models import Campaign
from fieldops.extensions import READS_REPLICA, db
from fieldops.org.models import OrgUnit
from fieldops.progress import dashboard
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
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    values = {"computed_at": kept.computed_at, "report": dumps(kept.report), "figures": str(kept.figures),
              "downloads": str(kept.downloads)}
    stmt = insert(table).values(key=key, **values)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.key], set_={k: stmt.excluded[k] for k in values})
    with db.engine.begin() as conn:
        conn.execute(stmt)
        conn.execute(sa.delete(table).where(table.c.computed_at < kept.computed_at - timedelta(days=1)))


# An aged copy is served while it is computed again for no longer than this:
# past it, the figures are too old to show and the request computes its own.
SERVED_WHILE_COMPUTED = timedelta(minutes=10)
# pg_try_advisory_xact_lock(CLAIMS, hashtext(key)): the first half of the lock's name, this module's.
CLAIMS = 0x6B657074


@contextmanager
def _claim(key: str):
    """True for the one request that computes the copy now, while it does: on
    PostgreSQL an advisory lock on the primary, held by a transaction of its own
    and so given up when the computation ends, fails or its server dies. Without
    such a lock (SQLite, one server) every request may compute."""
    if db.engine.dialect.name != "postgresql":
        yield True
        return
    with db.engine.connect() as conn:
        yield conn.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(CLAIMS, sa.func.hashtext(key))))


def unit_report(unit, campaign, period, today: date, rank="overall", html=True) -> Kept:
    """dashboard.unit_report, from a copy younger than PROGRESS_REPORT_SECONDS,
    else computed (and kept). `html`: False for an export, which needs no HTML."""
    rank = rank if rank in dashboard.RANK_CHOICES else "overall"
    seconds = current_app.config["PROGRESS_REPORT_SECONDS"]
    now = utcnow()
    if seconds <= 0:
        return _compute(unit, campaign, period, today, rank, now)
    key = key_of(unit, campaign, period, today, rank)
    computed_at = _computed_at(key)
    if computed_at is not None and now - computed_at < SERVED_WHILE_COMPUTED:
        if now - computed_at >= timedelta(seconds=seconds):
            _compute_after_answer(key, unit.id, campaign.id, period, today, rank)
        return _copy(key, computed_at, period.code, html)
    return _compute_and_keep(unit, campaign, period, today, rank, now, key)


def _computed_at(key: str):
    return db.session.scalar(sa.select(ReportSnapshot.computed_at).where(ReportSnapshot.key == key))


def _compute_and_keep(unit, campaign, period, today, rank, now, key) -> Kept:
    """The report computed now, kept in the database and its HTML in this process."""
    kept = _compute(unit, campaign, period, today, rank, now, key)
    _keep(key, kept)
    _html.keep((key, now), (kept.figures, kept.downloads))
    return kept


def _compute_after_answer(key, unit_id, campaign_id, period, today, rank) -> None:
    """Compute the aged copy of `key` again once this request's answer is sent
    (its reader is served the aged copy and waits for nobody's computation), in a
    request context like this one's: the same reader's language, links and
    database (the replica when this view reads it)."""
    app, environ = current_app._get_current_object(), request.environ
    reads_replica = db.session.info.get(READS_REPLICA)

    def compute():
        with app.request_context(environ):
            if reads_replica:
                db.session.info[READS_REPLICA] = True
            try:
                with _claim(key) as claimed:
                    computed_at, now = _computed_at(key), utcnow()
                    if not claimed or (computed_at is not None and
                                       now - computed_at < timedelta(seconds=app.config["PROGRESS_REPORT_SECONDS"])):
                        return  # another request computes it, or has just done so
                    _compute_and_keep(db.session.get(OrgUnit, unit_id), db.session.get(Campaign, campaign_id),
                                      period, today, rank, now, key)
            except Exception:  # its reader has their answer; the next view of the aged copy tries again
                app.logger.exception("computing the progress report %s again failed", key)

    @after_this_request
    def when_sent(response):
        response.call_on_close(compute)
        return response


class _Recent:
    """The most recently kept `size` things made in this process, by name."""

    def __init__(self, size):
        self.size, self.made, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, name):
        with self.lock:
            found = self.made.get(name)
            if found is not None:
                self.made.move_to_end(name)
            return found

    def keep(self, name, made):
        with self.lock:
            self.made[name] = made
            while len(self.made) > self.size:
                self.made.popitem(last=False)
        return made


_html = _Recent(128)  # a district's some 50 KB, the nation's 150 KB
_files = _Recent(32)  # at most some hundreds of kilobytes each


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


def file_of(kept: Kept, what, make):
    """make(report) → a file, made once per kept copy and `what` (its format and
    tables) in this process, the most recently asked of them kept."""
    if kept.key is None:  # computed for this request alone
        return make(kept.report)
    name = (kept.key, kept.computed_at, what)
    return _files.get(name) or _files.keep(name, make(kept.report))
