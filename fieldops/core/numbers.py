"""Whole numbers read from addresses and form fields.

`str.isdigit()` is true of "²", "①" and "١", which `int()` then refuses or reads
as something no one typed; every number a request carries is read here instead,
from ASCII digits only.
"""
import re

_ASCII_DIGITS = re.compile(r"[0-9]+")


def whole_number(value, digits=9):
    """The number written in `value` with at most `digits` ASCII digits, or None."""
    text = str(value if value is not None else "").strip()
    if 0 < len(text) <= digits and _ASCII_DIGITS.fullmatch(text):
        return int(text)
    return None
