"""One row of an employer import file: the columns, found by header in either
language, and each cell checked and cleaned into a `Row`."""
import re
from typing import NamedTuple


from fieldops.core.spreadsheet import Formula, TableError
from fieldops.core.translations import gettext as _
from fieldops.employers.models import WHOLE_EMPLOYER
from fieldops.employers.phones import normalize_phone
from fieldops.textfold import fold

MAX_INSURED = 1_000_000  # far above any real department
MAX_INSURED_TEXT = format(MAX_INSURED, ",").replace(",", ".")  # as Vietnamese write it


class Column(NamedTuple):
    field: str
    vietnamese: str
    required: bool
    max_length: int


COLUMNS = (
    Column("unit_code", "Mã đơn vị", True, 20),
    Column("name", "Tên đơn vị", True, 255),
    Column("tax_code", "Mã số thuế", True, 20),
    Column("district_code", "Mã cơ quan BHXH", True, 20),
    Column("department", "Bộ phận", True, 160),
    Column("insured", "Số lao động tham gia", True, 0),
    Column("address", "Địa chỉ", False, 255),
    Column("sector", "Ngành nghề", False, 120),
    Column("contact_name", "Người liên hệ", False, 120),
    Column("contact_phone", "Điện thoại liên hệ", False, 30),
)
EMPLOYER_FIELDS = ("name", "tax_code", "address", "sector", "district_code", "contact_name", "contact_phone")


def _header_key(text) -> str:
    return re.sub(r"[\s_\-.]+", "", fold(str(text or "")))


_HEADER_KEYS = {
    key: column for column in COLUMNS for key in (_header_key(column.field), _header_key(column.vietnamese))
}
_SPACES = re.compile(r"\s+")
_UNIT_CODE = re.compile(r"[A-Za-z0-9-]+")
_TAX_CODE = re.compile(r"[0-9-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_LOST = r"[^\W\d_]\?+[^\W\d_]|\ufffd"  # "N?i": a letter the saving program could not encode
_SUSPECT = re.compile(f"{_CONTROL.pattern}|{_LOST}")
_WHOLE = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?\d*[.,]\d+")


class Row(NamedTuple):
    number: int
    unit_code: str
    name: str
    tax_code: str
    address: str | None  # None: the file has no such column, keep what is stored
    sector: str | None
    district_code: str
    department: str
    insured: int
    contact_name: str | None = None  # None: the file has no such column, keep what is stored
    contact_phone: str | None = None


def department_key(name: str) -> str:
    return name.casefold()


class Layout:
    """Which column of the file holds which field, found by header in either language."""

    def __init__(self, number, header):
        self.header_row = number
        self.index, self.labels, self.ignored = {}, {}, []
        for position, cell in enumerate(header):
            label = "" if cell is None else _SPACES.sub(" ", str(cell)).strip()
            column = _HEADER_KEYS.get(_header_key(label))
            if column is None:
                if label:
                    self.ignored.append(label)
            elif column.field in self.index:
                raise TableError(_("Column “%(column)s” appears more than once.", column=label), row=number)
            else:
                self.index[column.field], self.labels[column.field] = position, label
        missing = [c for c in COLUMNS if c.required and c.field not in self.index]
        if missing:
            names = ", ".join(f"{c.vietnamese} ({c.field})" for c in missing)
            raise TableError(_("Missing columns: %(columns)s. The first row must hold the column headers.",
                               columns=names), row=number)
        self._plan = [(c, self.index[c.field], _count if c.field == "insured" else _text)
                      for c in COLUMNS if c.field in self.index]
        self._absent = {c.field: None for c in COLUMNS if c.field not in self.index}

    def label(self, name) -> str:
        return self.labels.get(name, name)

    def clean(self, number, cells):
        """The row's values, and (field, message) for each bad cell."""
        problems, values, width = [], dict(self._absent), len(cells)
        for column, position, cleaner in self._plan:
            value, problem = cleaner(cells[position] if position < width else None, column)
            if problem:
                problems.append((column.field, problem))
            values[column.field] = value
        department = values["department"]
        if department == "" or (department and department_key(department) == department_key(WHOLE_EMPLOYER)):
            values["department"] = WHOLE_EMPLOYER
        if values["unit_code"]:
            values["unit_code"] = values["unit_code"].upper()
        if values["district_code"]:
            values["district_code"] = values["district_code"].upper()
        return Row(number, **values), problems


def _text(raw, column):
    if type(raw) is str:  # noqa: E721  (the common case first; Formula is a str too)
        value = " ".join(raw.split())
    elif isinstance(raw, Formula):
        return None, _("This cell holds a formula; the import needs plain values (copy the cells and paste them as values).")
    elif raw is None:
        value = ""
    elif isinstance(raw, float) and raw.is_integer():
        value = str(int(raw))
    else:
        value = " ".join(str(raw).split())
    if not value:
        return value, (_("This cell must not be empty.") if column.field in ("unit_code", "name", "district_code") else None)
    if _SUSPECT.search(value):
        if _CONTROL.search(value):
            return None, _("This cell contains a control character.")
        return None, _("Characters were lost when this file was saved (they show as “?” or “�”). "
                       "Save the original as “CSV UTF-8” or .xlsx and import it again.")
    if len(value) > column.max_length:
        return None, _("At most %(max)d characters (this cell has %(length)d).", max=column.max_length, length=len(value))
    if column.field == "contact_phone":
        phone = normalize_phone(value)
        if phone is None:
            return None, _("Enter a Vietnamese phone number, such as 0912 345 678 or +84 912 345 678.")
        return phone, None
    if column.field == "unit_code" and not _UNIT_CODE.fullmatch(value):
        return None, _("Use letters, digits and dashes only.")
    if column.field == "tax_code":
        if not _TAX_CODE.fullmatch(value):
            return None, _("Use digits and dashes only.")
        if isinstance(raw, (int, float)) and len(value) < 10:
            return None, _("The tax code was stored as a number and has lost its leading zero. "
                           "Format the column as Text and type the codes again.")
    return value, None


def _count(raw, column):
    if isinstance(raw, Formula):
        return None, _text(raw, column)[1]
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, _("Enter the number of insured workers (0 if there are none).")
    if isinstance(raw, bool):
        return None, _("Enter a whole number.")
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")) or not raw.is_integer():
            return None, _("Enter a whole number, without decimals or thousands separators.")
        raw = int(raw)
    if isinstance(raw, str):
        text = raw.strip()
        if len(text) > 12:  # also keeps int() away from absurdly long digit strings
            return None, _("At most %(max)s.", max=MAX_INSURED_TEXT)
        if _DECIMAL.fullmatch(text):
            return None, _("Enter a whole number, without decimals or thousands separators.")
        if not _WHOLE.fullmatch(text):
            return None, _("Enter a whole number.")
        raw = int(text)
    if not isinstance(raw, int):
        return None, _("Enter a whole number.")
    if raw < 0:
        return None, _("Must not be negative.")
    if raw > MAX_INSURED:
        return None, _("At most %(max)s.", max=MAX_INSURED_TEXT)
    return raw, None
