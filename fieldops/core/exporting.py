"""Every export's files: CSV (one table a file; several tables as a ZIP of CSV
files) and XLSX (one sheet a table), written the same way for every feature.

Cells are plain values: text, int, float, `Percent`, date, datetime, None.
Text goes through `neutralise`, so a value such as "=HYPERLINK(…)" that was
imported (and stored verbatim) never runs as a formula in the spreadsheet
that opens it.

CSV follows the reader's language, so that Excel with that language's regional
settings reads numbers as numbers and dates as dates: Vietnamese writes ";"
between cells, "," before decimals and dd/mm/yyyy dates (Windows' Vietnamese
settings: list separator ";", decimal symbol ","); English writes ",", "." and
ISO dates. Never a thousands separator. Always UTF-8 with a BOM, which is how
Excel knows the file is UTF-8 and shows Vietnamese letters right. A percentage
is written as the number shown on the pages (62,5 under a "(%)" header).

XLSX stores numbers as numbers with a format (integers "#,##0", percentages as
fractions with "0.0%"), dates as dates, the header bold and frozen, the columns
sized to their content (within bounds) and each sheet under a short name.
"""
import csv
import io
import itertools
import re
import unicodedata
import zipfile
from datetime import date, datetime
from decimal import Decimal

from flask_babel import get_locale

from fieldops.core.spreadsheet import neutralise
from fieldops.definitions import shown_percent

SHEET_NAME_MAX = 31  # Excel refuses longer sheet names
WIDTH_MIN, WIDTH_MAX = 6, 60  # in characters: narrow columns stay readable, one long text does not push the rest away
HEADER_WIDTH = 24  # a longer header wraps onto more lines rather than widening a column of short figures
WIDTH_SAMPLE = 1000  # rows a column's width is measured on: a big export streams the rest
CSV_CHUNK_ROWS = 500
STYLES = {"identifier": ("fieldops-identifier", "0"), int: ("fieldops-integer", "#,##0"),
          float: ("fieldops-decimal", "#,##0.0"), "percent": ("fieldops-percent", "0.0%"),
          date: ("fieldops-date", "dd/mm/yyyy"), datetime: ("fieldops-datetime", "dd/mm/yyyy hh:mm")}


class Identifier(int):
    """A record's number: stored as a number, shown without a thousands separator."""


class Percent(float):
    """A percentage as shown on the pages (62.5 for 62,5%): a fraction with the
    format "0.0%" in XLSX, the number in CSV."""


def percent(value):
    """A percentage with the one rounding users see (fieldops/definitions.py), for an export's cell."""
    shown = shown_percent(value)
    return None if shown is None else Percent(shown)


class Sheet:
    """One table of an export: `name` is its XLSX sheet's name and its CSV file's
    name inside a ZIP, so it is short (at most 31 characters) and whole words."""

    def __init__(self, name, header, rows):
        self.name, self.header, self.rows = str(name), [str(h) for h in header], rows


# --- CSV -------------------------------------------------------------------------------------


class Convention:
    """How a CSV writes cells for the language in force (see the module's docstring)."""

    def __init__(self, language=None):
        language = language or str(get_locale() or "vi")
        self.vietnamese = language.startswith("vi")
        self.delimiter, self.decimal = (";", ",") if self.vietnamese else (",", ".")
        self.date_format = "%d/%m/%Y" if self.vietnamese else "%Y-%m-%d"

    def cell(self, value):
        if value is None:
            return ""
        if isinstance(value, str):
            return neutralise(value)
        if isinstance(value, int):
            return str(value)
        if isinstance(value, (float, Decimal)):
            text = f"{value:.1f}" if isinstance(value, Percent) else f"{float(value):.6f}".rstrip("0").rstrip(".")
            return text.replace(".", self.decimal)
        if isinstance(value, datetime):
            return value.strftime(self.date_format + " %H:%M")
        if isinstance(value, date):
            return value.strftime(self.date_format)
        return neutralise(str(value))

    def writer(self, stream):
        return csv.writer(stream, delimiter=self.delimiter)

    def row(self, values):
        return [self.cell(v) for v in values]


def write_csv(stream, sheet, convention=None):
    """One table as CSV to a text stream, BOM first."""
    convention = convention or Convention()
    stream.write("\ufeff")
    writer = convention.writer(stream)
    writer.writerow(convention.row(sheet.header))
    for row in sheet.rows:
        writer.writerow(convention.row(row))


def csv_chunks(sheet, every=CSV_CHUNK_ROWS):
    """The same CSV as text chunks, for a streamed response. The rows are read
    now, while the request's database session is open (and the language known):
    the response is sent after the view returns, when the objects they come
    from are detached."""
    convention = Convention()
    return _csv_chunks(convention, sheet.header, [convention.row(r) for r in sheet.rows], every)


def _csv_chunks(convention, header, rows, every):
    buffer = io.StringIO()
    writer = convention.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(convention.row(header))
    for n, row in enumerate(rows, 1):
        writer.writerow(row)
        if n % every == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def file_stem(name):
    """A readable ASCII file name for a table: "Ngoài đơn vị, theo nhóm" → "ngoai-don-vi-theo-nhom"."""
    folded = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    ascii_only = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-") or "table"


def csv_zip(sheets, convention=None) -> bytes:
    """Several tables as a ZIP of CSV files, one a table, numbered in the export's order."""
    convention, buffer = convention or Convention(), io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, sheet in enumerate(sheets, 1):
            text = io.StringIO()
            write_csv(text, sheet, convention)
            archive.writestr(f"{number:02d}-{file_stem(sheet.name)}.csv", text.getvalue().encode("utf-8"))
    return buffer.getvalue()


# --- XLSX ------------------------------------------------------------------------------------


def sheet_name(name, taken=()):
    """At most 31 characters cut at a word, none of []:*?/\\, and unlike the sheets before."""
    base = " ".join("".join(ch for ch in name if ch not in "[]:*?/\\'").split()) or "Sheet"
    if len(base) > SHEET_NAME_MAX:
        words = base[:SHEET_NAME_MAX + 1].rsplit(" ", 1)
        base = (words[0].rstrip(" ,;·-") if len(words) == 2 else "") or base[:SHEET_NAME_MAX]
    name, number = base, 1
    while name.casefold() in {t.casefold() for t in taken}:
        number += 1
        name = f"{base[:SHEET_NAME_MAX - len(str(number)) - 1].rstrip()} {number}"
    return name


def _style_of(value):
    """The named style of a value that is not text (a percentage is given its own before it becomes a fraction)."""
    if isinstance(value, Identifier):
        return STYLES["identifier"][0]
    if isinstance(value, bool):
        return None
    for kind in (datetime, date, int):
        if isinstance(value, kind):
            return STYLES[kind][0]
    return STYLES[float][0] if isinstance(value, (float, Decimal)) else None


def _shown_length(value):
    if value is None:
        return 0
    if isinstance(value, Percent):
        return len(f"{value:.1f}%")
    if isinstance(value, Identifier):
        return len(str(value))
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return len(f"{value:,.1f}" if isinstance(value, (float, Decimal)) else f"{value:,}")
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    return max((len(line) for line in str(value).splitlines()), default=0)


def _widths(header, sample):
    """Each column's width: its longest cell among the header and the sampled rows,
    within bounds; a long header counts for HEADER_WIDTH (or its longest word) and
    wraps. A note under a table (a row of one cell) does not widen its column."""
    widths = [min(len(h), max([HEADER_WIDTH] + [len(word) for word in h.split()])) for h in header]
    for row in sample:
        if len(row) == 1 and len(header) > 1:
            continue
        for i, value in enumerate(row[:len(widths)]):
            widths[i] = max(widths[i], _shown_length(value))
    return [min(max(w + 2, WIDTH_MIN), WIDTH_MAX) for w in widths]


def _add_styles(workbook):
    from openpyxl.styles import Alignment, Font, NamedStyle

    for name, number_format in STYLES.values():
        workbook.add_named_style(NamedStyle(name=name, number_format=number_format))
    workbook.add_named_style(NamedStyle(name="fieldops-header", font=Font(bold=True),
                                        alignment=Alignment(wrap_text=True, vertical="top")))


def _write_sheet(workbook, sheet):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.utils import get_column_letter

    out = workbook.create_sheet(sheet_name(sheet.name, workbook.sheetnames))
    rows = iter(sheet.rows)
    sample = [list(row) for _n, row in zip(range(WIDTH_SAMPLE), rows)]
    for i, width in enumerate(_widths(sheet.header, sample), 1):
        out.column_dimensions[get_column_letter(i)].width = width
    out.freeze_panes = "A2"

    # One styled cell per column and style, given each row's value: a write-only
    # sheet writes a row as it is appended, and styling a fresh cell for every
    # number would make a big export several times slower.
    styled = {}

    def cell(column, value):
        if isinstance(value, str):
            return ILLEGAL_CHARACTERS_RE.sub("", neutralise(value))
        if isinstance(value, Percent):
            value = round(value / 100, 4)
            style = STYLES["percent"][0]
        else:
            value = float(value) if isinstance(value, Decimal) else value
            style = _style_of(value)
        if style is None:
            return value
        if (column, style) not in styled:
            styled[column, style] = WriteOnlyCell(out)
            styled[column, style].style = style
        styled[column, style].value = value
        return styled[column, style]

    heads = []
    for title in sheet.header:
        head = WriteOnlyCell(out, value=cell(0, title))
        head.style = "fieldops-header"
        heads.append(head)
    out.append(heads)
    for row in itertools.chain(sample, rows):
        out.append([cell(column, v) for column, v in enumerate(row)])


def write_xlsx(fileobj, sheets):
    """An XLSX workbook (written as the rows stream, write-only), one sheet a table, to a binary file object."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    _add_styles(workbook)
    for sheet in sheets:
        _write_sheet(workbook, sheet)
    workbook.save(fileobj)


def xlsx_bytes(sheets) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, sheets)
    return buffer.getvalue()
