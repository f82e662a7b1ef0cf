"""PDFs in the official layout, rendered by WeasyPrint with the bundled Noto Serif.

Templates extend `pdf/base.html` and receive plain values only (dicts, lists,
strings, numbers, dates): a document is a record of figures at one moment, so it
must not reach back into live ORM objects while it renders.
"""
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from flask import render_template
from flask_babel import force_locale

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT_FAMILY = "FieldOps Serif"
_FACES = (("Regular", "normal", 400), ("Bold", "normal", 700), ("Italic", "italic", 400),
          ("BoldItalic", "italic", 700))
_PLAIN = (str, int, float, Decimal, date, datetime, bool, type(None))


def font_face_css() -> str:
    return "\n".join(
        f"@font-face {{ font-family: '{FONT_FAMILY}'; font-style: {style}; font-weight: {weight}; "
        f"src: url('{(FONT_DIR / f'NotoSerif-{name}.ttf').as_uri()}') format('truetype'); }}"
        for name, style, weight in _FACES
    )


def check_plain(value, path="context"):
    """Raise TypeError if `value` holds anything but plain data."""
    if isinstance(value, dict):
        for key, item in value.items():
            check_plain(item, f"{path}[{key!r}]")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            check_plain(item, f"{path}[{i}]")
    elif not isinstance(value, _PLAIN):
        raise TypeError(f"{path} is a {type(value).__name__}; PDFs render from plain values only")


def render_html(template: str, **context) -> str:
    """The document's HTML, in Vietnamese, as the PDF and its print preview show it."""
    check_plain(context)
    with force_locale("vi"):
        return render_template(template, font_face_css=font_face_css(), **context)


def render_pdf(template: str, **context) -> bytes:
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    html = render_html(template, **context)
    return HTML(string=html, base_url=str(FONT_DIR)).write_pdf(font_config=FontConfiguration())
