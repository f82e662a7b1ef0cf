"""Accent- and case-folding for search that behaves the same on SQLite and PostgreSQL."""
import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip().lower()
