"""CSV and XLSX in and out.

Reading: `Table` streams the rows of an uploaded CSV or XLSX file, as many times
as asked (an import checks the whole file before it writes anything), without
holding the file in memory. Text comes back NFC-normalised.

Writing is fieldops/core/exporting.py's: every export `neutralise`s its text
cells, so a value such as "=HYPERLINK(…)" that was imported (and stored
verbatim) never runs as a formula in the spreadsheet that opens it.
"""
import codecs
import csv
import io
import itertools
import unicodedata
import zipfile
from xml.etree.ElementTree import ParseError


from fieldops.core import vietnamese
from fieldops.core.translations import gettext as _

# Spreadsheet programs read a cell starting with one of these as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# What reading one uploaded file may cost, the same from the web and the command
# line, checked before anything is unpacked or while the rows stream: a zip bomb
# (a few MB unpacking to a GB of shared strings, which openpyxl holds in memory)
# is refused from the workbook's directory, in milliseconds. A 100,000-row sheet
# unpacks to ~30 MB, its shared strings to less than 10 MB, each ~10 times its
# compressed size.
MAX_FILE_BYTES = 16 * 1024 * 1024  # as sent (a province's employers as CSV: ~10 MB)
MAX_XLSX_UNPACKED = 160 * 1024 * 1024  # all parts together
MAX_XLSX_PART = 128 * 1024 * 1024  # one part (a sheet is streamed; its size costs time)
MAX_XLSX_HELD = 24 * 1024 * 1024  # a part openpyxl holds in memory (shared strings, styles, workbook)
MAX_XLSX_PARTS = 1000
MAX_XLSX_RATIO = 100  # unpacked ÷ compressed, for a part above 1 MB unpacked
MAX_ROWS_READ = 500_000  # rows read, blank ones included
MAX_COLUMNS = 100
MAX_CELL_CHARS = 5000
_CSV_DELIMITERS = (",", ";", "\t")


def neutralise(value):
    """Text that a spreadsheet would run as a formula, made inert with a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class TableError(Exception):
    """The file as a whole cannot be read; `row` when the problem has a place."""

    def __init__(self, message, row=None):
        super().__init__(message)
        self.message = message
        self.row = row


class Formula(str):
    """The text of an XLSX formula cell (its computed value is not in the file we read)."""


def _nfc(value):
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _blank(cells):
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _refuse_encoding(row=None):
    return TableError(
        _("The file is not in UTF-8, and it does not read as Vietnamese Windows-1258 text either. "
          "Save it as “CSV UTF-8” and import it again."),
        row=row,
    )


def _too_wide():
    return _("A row has more than %(max)d columns.", max=MAX_COLUMNS)


def check_workbook_parts(parts):
    """Refuse a workbook whose parts would unpack to more than reading it should
    cost, from the sizes its directory declares (zipfile never unpacks more than
    a part declares: its check of the part fails first)."""
    too_large = TableError(_("The workbook is too large to import, or unpacks to far more than its size "
                             "(a “zip bomb”)."))
    if len(parts) > MAX_XLSX_PARTS or sum(p.file_size for p in parts) > MAX_XLSX_UNPACKED:
        raise too_large
    for part in parts:
        held = not part.filename.startswith("xl/worksheets/")
        if part.file_size > (MAX_XLSX_HELD if held else MAX_XLSX_PART):
            raise too_large
        if part.file_size > 1024 * 1024 and part.file_size > MAX_XLSX_RATIO * max(part.compress_size, 1):
            raise too_large


def _count_read(number):
    """Rows are counted as read, blank ones included (they cost reading too)."""
    if number > MAX_ROWS_READ:
        raise TableError(_("The file has more than %(max)d rows.", max=MAX_ROWS_READ), row=number)


def _bounded(rows):
    """The rows, refused once a row is too wide or a cell too long."""
    for number, cells in rows:
        if len(cells) > MAX_COLUMNS:
            raise TableError(_too_wide(), row=number)
        for cell in cells:
            if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
                raise TableError(_("A cell has more than %(max)d characters.", max=MAX_CELL_CHARS), row=number)
        yield number, cells


class Table:
    """An uploaded CSV or XLSX file (binary, seekable), read row by row.

    `rows()` yields (row number, cells) for every non-blank row, numbered as a
    spreadsheet numbers them (the first row is 1), and may be called again.
    """

    def __init__(self, fileobj, filename=""):
        self._file = fileobj
        self.filename = filename or ""
        self.encoding = None
        self.kind = self._sniff()

    def _sniff(self):
        if self._file.seek(0, io.SEEK_END) > MAX_FILE_BYTES:
            raise TableError(_("The file is too large: at most %(max)d MB.", max=MAX_FILE_BYTES // (1024 * 1024)))
        self._file.seek(0)
        head = self._file.read(8)
        if not head:
            raise TableError(_("The file is empty."))
        if head.startswith(b"PK\x03\x04"):
            return "xlsx"
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            raise TableError(_("This is an old Excel file (.xls). Save it as .xlsx or as “CSV UTF-8” and import it again."))
        if self.filename.lower().endswith((".xlsx", ".xlsm")):
            raise TableError(_("The file could not be read as an Excel workbook (.xlsx)."))
        return "csv"

    def rows(self):
        return _bounded(self._xlsx_rows() if self.kind == "xlsx" else self._csv_rows())

    # CSV ---------------------------------------------------------------

    def _detect_encoding(self):
        f = self._file
        f.seek(0)
        head = f.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"  # Excel's "Unicode Text"
        f.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := f.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            # Excel on a Vietnamese Windows saves "CSV" in the ANSI code page, 1258.
            return "cp1258"
        return "utf-8-sig"

    def _csv_rows(self):
        if self.encoding is None:
            self.encoding = self._detect_encoding()
        legacy = self.encoding == "cp1258"
        self._file.seek(0)
        text = io.TextIOWrapper(self._file, encoding=self.encoding, newline="")
        number = 0
        try:
            first = text.readline()
            delimiter = max(_CSV_DELIMITERS, key=first.count) if first else ","
            reader = csv.reader(itertools.chain([first], text), delimiter=delimiter)
            for number, record in enumerate(reader, 1):
                _count_read(number)
                # Windows-1258 writes tone marks as separate combining characters.
                cells = [unicodedata.normalize("NFC", c) for c in record]
                if legacy and not all(vietnamese.plausible(c) for c in cells):
                    raise _refuse_encoding(number)
                if not _blank(cells):
                    yield number, cells
        except UnicodeDecodeError:
            raise _refuse_encoding() from None
        except csv.Error as error:
            raise TableError(_("Row %(row)d could not be read as CSV (%(reason)s).", row=number + 1, reason=str(error)),
                             row=number + 1) from None
        finally:
            text.detach()

    # XLSX --------------------------------------------------------------

    def _open_workbook(self):
        from openpyxl import load_workbook

        self._file.seek(0)
        try:
            with zipfile.ZipFile(self._file) as archive:
                check_workbook_parts(archive.infolist())
            self._file.seek(0)
            return load_workbook(self._file, read_only=True, data_only=False)
        except TableError:
            raise
        except Exception:  # openpyxl raises many kinds on a file that is not a workbook
            raise TableError(_("The file could not be read as an Excel workbook (.xlsx).")) from None

    def _xlsx_rows(self):
        workbook = self._open_workbook()
        try:
            if not workbook.worksheets:
                raise TableError(_("The file is empty."))
            sheet = workbook.worksheets[0]
            # The stored dimensions are often wrong (and then cut columns off): ignore them.
            sheet.reset_dimensions()
            for number, row in enumerate(sheet.iter_rows(), 1):
                _count_read(number)
                if len(row) > MAX_COLUMNS:
                    raise TableError(_too_wide(), row=number)
                cells = [Formula(c.value) if c.data_type == "f" else _nfc(c.value) for c in row]
                if not _blank(cells):
                    yield number, cells
        except (ParseError, zipfile.BadZipFile, KeyError, ValueError, EOFError):
            raise TableError(_("The file could not be read as an Excel workbook (.xlsx).")) from None
        finally:
            workbook.close()
