"""Numbers as the progress pages and the printed report show them: Vietnamese
style (12.345; 62,5), dates dd/mm/yyyy, a dash for nothing."""
from datetime import date
from decimal import Decimal

from fieldops.definitions import shown_percent


def figure(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    if isinstance(value, float):
        return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def pct(value) -> str:
    """A percentage with the one rounding of fieldops/definitions.py (one decimal, rounded down)."""
    return "—" if value is None else f"{figure(shown_percent(value))}%"
