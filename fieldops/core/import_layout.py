"""What the spreadsheet imports share (employers, targets, group returns): their
columns, found by header in either language, a cell read as text (a formula is
refused, not evaluated), the rows checked, the result the report shows (each
problem with the value found), and the template file made from the columns."""
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

import click

from fieldops.core.spreadsheet import Formula, Table, TableError
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.textfold import fold

MAX_ERRORS = 1000  # listed in the report; the rest are only counted
VALUE_SHOWN = 60  # characters of a value a problem quotes
PROGRESS_EVERY = 1000  # rows between two reports of progress
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class Column(NamedTuple):
    field: str
    vietnamese: str
    required: bool


@dataclass
class RowError:
    row: int | None
    column: str
    message: str
    value: str = ""  # the value found, as shown (shortened, control characters written out)


def shown_value(raw) -> str:
    """A cell's value as a problem quotes it: a formula as written, control characters as
    \\xNN, at most VALUE_SHOWN characters."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(raw).strip())
    return text if len(text) <= VALUE_SHOWN else text[:VALUE_SHOWN - 1] + "…"


@dataclass
class ImportResult:
    filename: str
    dry_run: bool
    rows: int = 0
    errors: list = field(default_factory=list)
    error_count: int = 0
    counts: Counter = field(default_factory=Counter)
    ignored_columns: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add_error(self, row, column, message, value=None):
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(row, column, str(message), shown_value(value)))


def header_key(text) -> str:
    """A header or a coded value as it is compared: accents, case, spaces and punctuation folded."""
    return re.sub(r"[\s_\-.,()%/]+", "", fold(str(text or "")))


def cell_text(raw):
    """The cell as text; None for a formula."""
    if isinstance(raw, Formula):
        return None
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return " ".join(str(raw).split())


def formula_message():
    return _("This cell holds a formula; the import needs plain values (copy the cells and paste them as values).")


class Layout:
    """Where each of `columns` stands in a file, from its header row."""

    def __init__(self, number, header, result, columns):
        by_key = {key: c for c in columns for key in (header_key(c.field), header_key(c.vietnamese))}
        self.index, self.labels = {}, {}
        for position, cell in enumerate(header):
            label = " ".join(str(cell or "").split())
            column = by_key.get(header_key(label))
            if column is None:
                if label:
                    result.ignored_columns.append(label[:60])
            elif column.field in self.index:
                raise TableError(_("Column “%(column)s” appears more than once.", column=label), row=number)
            else:
                self.index[column.field], self.labels[column.field] = position, label
        missing = [c for c in columns if c.required and c.field not in self.index]
        if missing:
            names = ", ".join(f"{c.vietnamese} ({c.field})" for c in missing)
            raise TableError(_("Missing columns: %(columns)s. The first row must hold the column headers.",
                               columns=names), row=number)

    def cell(self, cells, name):
        position = self.index[name]
        return cells[position] if position < len(cells) else None

    def label(self, name):
        return self.labels.get(name, name)


def checked_rows(fileobj, filename, result, columns, make_checker, max_rows, progress=None):
    """The rows of the file that `make_checker(layout)`'s `check` passed; what is wrong
    with a row or with the file as a whole is in `result`'s errors, by row.
    `progress("checked", rows)` is called now and then."""
    good = []
    try:
        layout = checker = None
        for number, cells in Table(fileobj, filename).rows():
            if layout is None:
                layout = Layout(number, cells, result, columns)
                checker = make_checker(layout)
                continue
            result.rows += 1
            if result.rows > max_rows:
                raise TableError(_("The file has more than %(max)d rows.", max=max_rows))
            row = checker.check(number, cells)
            if row is not None:
                good.append(row)
            if progress and result.rows % PROGRESS_EVERY == 0:
                progress("checked", result.rows)
        if layout is None:
            raise TableError(_("The file is empty."))
        if result.rows == 0:
            result.add_error(None, "", _("The file has a header row but no data rows."))
    except TableError as error:
        result.add_error(error.row, "", error.message)
    result.errors.sort(key=lambda e: e.row or 0)
    return good


def header_check(columns):
    """What refused_at_once checks of a file's first row for an import of `columns`."""
    return lambda number, cells: Layout(number, cells, ImportResult(filename="", dry_run=True), columns)


def refused_at_once(fileobj, filename, result, check_header) -> bool:
    """Whether the file is refused from what costs little to read: its kind and size, a
    workbook's directory, its header row (`check_header(number, cells)` raises TableError).
    Then why is in `result`. A file that passes is imported later, by the job worker."""
    rows = None
    try:
        rows = Table(fileobj, filename).rows()
        first = next(rows, None)
        if first is None:
            raise TableError(_("The file is empty."))
        check_header(*first)
    except TableError as error:
        result.add_error(error.row, "", error.message)
    finally:
        if rows is not None:
            rows.close()
        fileobj.seek(0)
    return not result.ok


def template_file(columns, example, file_format, name):
    """The template an import page offers: its columns' headers as the importer reads them
    and one example row (`example`: field → value), as XLSX or CSV."""
    from flask import Response

    from fieldops.core.exporting import Sheet, csv_chunks, xlsx_bytes

    sheet = Sheet(name[:31], [c.vietnamese for c in columns], [[example.get(c.field, "") for c in columns]])
    if file_format == "xlsx":
        mimetype, body = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx_bytes([sheet])
    else:
        file_format, mimetype, body = "csv", "text/csv; charset=utf-8", "".join(csv_chunks(sheet)).encode()
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename={name}.{file_format}"})


def finish_command(result, dry_run, summary_lines, *, count_unlisted=False):
    """The end of an import run from the command line, all or nothing: the problems
    by row and exit status 1, or the rows written (rolled back for a dry run) and
    `summary_lines`. `count_unlisted`: say how many problems were not listed."""
    if not result.ok:
        db.session.rollback()
        for error in result.errors:
            where = _("Row %(row)s", row=error.row) if error.row else _("File")
            found = f" “{error.value}”" if error.value else ""
            click.echo(f"{where}" + (f", {error.column}{found}" if error.column else "") + f": {error.message}")
        if count_unlisted and result.error_count > len(result.errors):
            click.echo(_("… and %(num)d more problems.", num=result.error_count - len(result.errors)))
        click.echo(_("%(num)d problems found; nothing was imported.", num=result.error_count), err=True)
        raise SystemExit(1)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    for line in summary_lines:
        click.echo(line)
    click.echo(_("Dry run: the file is valid; nothing was written.") if dry_run else _("Import complete."))


def import_upload(form, run, conflict=(), conflict_message=None):
    """The import page's work, all or nothing: the uploaded file imported by
    `run(stream, filename, dry_run)`, committed when it passed and is not a check
    only, else rolled back; `conflict` (exception types) means the database changed
    under the import: nothing imported, `conflict_message()` shown instead.
    Returns (result, the conflict's message, whether the page answers 422)."""
    result, message = None, None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = run(upload.stream, upload.filename or "", form.dry_run.data)
            if result.ok and not result.dry_run:
                db.session.commit()
            else:
                db.session.rollback()
        except conflict:
            db.session.rollback()
            result, message = None, conflict_message()
    failed = bool(form.errors or message or (result is not None and not result.ok))
    return result, message, failed
