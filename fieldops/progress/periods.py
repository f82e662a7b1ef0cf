"""Reporting periods: a month, a quarter, a year, the campaign to date, or any
as-of date. Every figure of a period is a snapshot as of its last day (or today,
while the period is still running), never a sum of snapshots."""
import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from fieldops.core.translations import gettext as _


class PeriodError(ValueError):
    """The text names no period, or a period outside the campaign."""


@dataclass(frozen=True)
class Period:
    kind: str  # month | quarter | year | campaign | day
    code: str  # as typed in URLs and the command line: 2023-09, 2023-Q3, 2023, campaign, 2023-09-15
    start: date
    end: date

    def as_of(self, today: date) -> date:
        """The day the period's figures are taken on."""
        return min(self.end, today)

    def returns_known_by(self, as_of: date) -> date | None:
        """An as-of date takes the group returns filed by that day, with the figures
        they had then (DESIGN.md); a month, quarter, year or the campaign take the
        returns of their months as they stand."""
        return as_of if self.kind == "day" else None

    @property
    def label(self) -> str:
        if self.kind == "month":
            return _("Month %(month)d/%(year)d", month=self.start.month, year=self.start.year)
        if self.kind == "quarter":
            return _("Quarter %(quarter)d/%(year)d", quarter=(self.start.month - 1) // 3 + 1, year=self.start.year)
        if self.kind == "year":
            return _("Year %(year)d", year=self.start.year)
        if self.kind == "campaign":
            return _("Campaign to date")
        return _("As of %(day)s", day=self.end.strftime("%d/%m/%Y"))

    def month_ends(self, today: date) -> list[date]:
        """The last day of every month in the period (the as-of day for the running month)."""
        ends, cursor, last = [], self.start, self.as_of(today)
        while cursor <= last:
            month_end = date(cursor.year, cursor.month, calendar.monthrange(cursor.year, cursor.month)[1])
            ends.append(min(month_end, last))
            cursor = month_end + timedelta(days=1)
        return ends


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.I)
_YEAR = re.compile(r"^(\d{4})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _month_end(year, month):
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_period(text: str, campaign, today: date) -> Period:
    """The period `text` names, clipped to the campaign's counting range
    (counts_from … ends_on); PeriodError when it names none or lies outside."""
    text = (text or "").strip()[:20]
    first, last = campaign.counts_from, campaign.ends_on
    try:
        if text.lower() in ("", "campaign"):
            period = Period("campaign", "campaign", first, last)
        elif m := _MONTH.match(text):
            year, month = int(m[1]), int(m[2])
            period = Period("month", text, date(year, month, 1), _month_end(year, month))
        elif m := _QUARTER.match(text):
            year, quarter = int(m[1]), int(m[2])
            period = Period("quarter", f"{year}-Q{quarter}", date(year, 3 * quarter - 2, 1),
                            _month_end(year, 3 * quarter))
        elif m := _YEAR.match(text):
            year = int(m[1])
            period = Period("year", text, date(year, 1, 1), date(year, 12, 31))
        elif m := _DAY.match(text):
            day = date(int(m[1]), int(m[2]), int(m[3]))
            period = Period("day", text, first, day)
        else:
            raise PeriodError(_("“%(text)s” is not a period. Use 2023-09, 2023-Q3, 2023 or a date such as "
                                "2023-09-15.", text=text))
    except ValueError as error:
        if isinstance(error, PeriodError):
            raise
        raise PeriodError(_("“%(text)s” is not a real date or month.", text=text)) from None

    if period.end < first or period.start > last:
        raise PeriodError(_("%(period)s lies outside the campaign (%(start)s – %(end)s).", period=text,
                            start=first.strftime("%d/%m/%Y"), end=last.strftime("%d/%m/%Y")))
    if period.kind == "day" and period.end > last:
        raise PeriodError(_("%(period)s lies outside the campaign (%(start)s – %(end)s).", period=text,
                            start=first.strftime("%d/%m/%Y"), end=last.strftime("%d/%m/%Y")))
    if period.start > today:
        raise PeriodError(_("%(period)s has not started yet.", period=text))
    if period.kind == "day" and period.end > today:
        raise PeriodError(_("%(period)s is in the future.", period=text))
    return Period(period.kind, period.code, max(period.start, first), min(period.end, last))
