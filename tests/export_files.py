"""Reading an export as Excel with the user's regional settings would: CSV with
a BOM, ";" between cells in Vietnamese ("," in English); several tables as a
ZIP of CSV files."""
import csv
import io
import zipfile

DELIMITERS = {"vi": ";", "en": ","}


def csv_rows(data, lang="vi"):
    """The rows of one CSV export (bytes or text), checked to start with the BOM."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    assert text.startswith("\ufeff"), "no BOM: Excel would not read the file as UTF-8"
    return list(csv.reader(io.StringIO(text[1:]), delimiter=DELIMITERS[lang]))


def zip_tables(data, lang="vi"):
    """{file name: rows} of a ZIP of CSV files."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: csv_rows(archive.read(name), lang) for name in archive.namelist()}


def all_rows(data, lang="vi"):
    """Every row of every table of a ZIP of CSV files, one table after another."""
    return [row for rows in zip_tables(data, lang).values() for row in rows]
