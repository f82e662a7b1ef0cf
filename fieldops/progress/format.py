"""Numbers as the progress pages and the printed report show them: the one format
per language of fieldops/core/numbers.py."""
from fieldops.core.numbers import figure, pct

__all__ = ["figure", "pct"]
