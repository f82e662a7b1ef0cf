"""PDFs in the official layout, rendered by WeasyPrint with the bundled Noto Serif.

Templates extend `pdf/base.html` and receive plain values only (dicts, lists,
strings, numbers, dates): a document is a record of figures at one moment, so it
must not reach back into live ORM objects while it renders.
"""
import gc
import threading
from contextlib import contextmanager
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


_local = threading.local()
_gc_lock = threading.Lock()
_gc_depth = 0
_gc_thresholds = None


def _font_config():
    """This thread's WeasyPrint font configuration, made once: building one loads
    the system's Fontconfig setup, and the bundled faces are then registered once
    instead of for every document (Pango's font map is not shared between threads)."""
    from weasyprint.text.fonts import FontConfiguration

    if getattr(_local, "font_config", None) is None:
        _local.font_config = FontConfiguration()
    return _local.font_config


@contextmanager
def _few_collections():
    """Laying out a long document makes millions of objects that live until it is
    written; Python's cyclic collector, at its default thresholds, keeps walking
    them and everything the app holds (a quarter of a dossier's rendering time).
    Collect rarely meanwhile, and leave the objects that existed before out of it."""
    global _gc_depth, _gc_thresholds
    with _gc_lock:
        if _gc_depth == 0:
            _gc_thresholds = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(20_000, 20, 20)
        _gc_depth += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_depth -= 1
            if _gc_depth == 0:
                gc.set_threshold(*_gc_thresholds)
                gc.unfreeze()


def write_pdf(html: str) -> tuple[bytes, int]:
    """(PDF bytes, page count) of a document's HTML, laid out once."""
    from weasyprint import HTML

    with _few_collections():
        document = HTML(string=html, base_url=str(FONT_DIR)).render(font_config=_font_config())
        return document.write_pdf(), len(document.pages)


def render_pdf(template: str, **context) -> bytes:
    return write_pdf(render_html(template, **context))[0]
