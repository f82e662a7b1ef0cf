"""Numbers read and shown.

Read: whole numbers from addresses and form fields. `str.isdigit()` is true of
"²", "①" and "١", which `int()` then refuses or reads as something no one typed;
every number a request carries is read here instead, from ASCII digits only.

Shown: the one format per language of every page, chart and PDF: Vietnamese
1.234.567 and 78,3%; English 1,234,567 and 78.3%; dates dd/mm/yyyy; a dash for
nothing. The language is the one in force (a printed document forces Vietnamese).
"""
import re
from datetime import date
from decimal import Decimal

from fieldops.core.translations import language_in_force
from fieldops.definitions import shown_percent

_ASCII_DIGITS = re.compile(r"[0-9]+")


def whole_number(value, digits=9):
    """The number written in `value` with at most `digits` ASCII digits, or None."""
    text = str(value if value is not None else "").strip()
    if 0 < len(text) <= digits and _ASCII_DIGITS.fullmatch(text):
        return int(text)
    return None


def figure(value, language=None) -> str:
    """`value` in the format of `language` ("vi" or "en"; by default the one in force)."""
    if type(value) is int:  # nearly every figure a page shows: a count, the quickest way
        text = f"{value:,}"
        return text if (language or language_in_force()) == "en" else text.replace(",", ".")
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, int):
        text = f"{value:,}"
    elif isinstance(value, float):
        text = f"{value:,.1f}"
    elif isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    else:
        return str(value)
    if (language or language_in_force()) == "en":
        return text
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def pct(value) -> str:
    """A percentage with the one rounding of fieldops/definitions.py."""
    return "—" if value is None else f"{figure(shown_percent(value))}%"


def target_figure(value, percent=False) -> str:
    """A target's value, gap or figure: a percentage (`percent`) as `pct` shows it, else a count."""
    return pct(value) if percent else figure(value)


def exact(value) -> str:
    """A decimal with every digit it was given (a threshold of 97.25 stays 97,25 in
    Vietnamese), in the one format; `value`: a Decimal or its canonical text."""
    if value is None:
        return "—"
    text = str(value)
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _point, decimals = text.partition(".")
    shown = figure(int(whole or 0))
    if decimals:
        shown += ("." if language_in_force() == "en" else ",") + decimals
    return sign + shown
