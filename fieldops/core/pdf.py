"""PDFs in the official layout, rendered by WeasyPrint with the bundled Noto Serif.

Templates extend `pdf/base.html` and receive plain values only (dicts, lists,
strings, numbers, dates): a document is a record of figures at one moment, so it
must not reach back into live ORM objects while it renders.
"""
import base64
import gc
import hashlib
import io
import os
import re
import tempfile
import threading
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from html import unescape
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


def preview_response(html: str):
    """A document's HTML as a page for the browser's print preview: its fonts come
    from /static, never from the server's file paths, and its inline styles (its
    layout is the PDF's) are allowed by their hashes alone: the site's policy
    allows no inline style."""
    from flask import Response, current_app, request

    # The folder's address, without the release tag static addresses carry for files.
    html = html.replace(FONT_DIR.as_uri(), f"{request.script_root}{current_app.static_url_path}/fonts")
    styles = {*re.findall(r"<style[^>]*>(.*?)</style>", html, re.S),
              *(unescape(value) for value in re.findall(r'\sstyle="([^"]*)"', html))}
    hashes = " ".join(sorted(
        "'sha256-" + base64.b64encode(hashlib.sha256(style.encode()).digest()).decode() + "'" for style in styles))
    policy = (f"default-src 'self'; style-src 'self' 'unsafe-hashes' {hashes}; img-src 'self' data:; "
              "script-src 'none'; object-src 'none'; frame-ancestors 'self'; form-action 'none'; base-uri 'none'")
    return Response(html, mimetype="text/html", headers={"Content-Security-Policy": policy})


_local = threading.local()
_gc_lock = threading.Lock()
_gc_depth = 0
_gc_thresholds = None


def _after_fork_in_child():
    # Another thread of the parent may have held the lock when it forked.
    global _gc_lock
    _gc_lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


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
    with _few_collections():
        document = _layout(html)
        return document.write_pdf(), len(document.pages)


def write_pdf_parts(parts: list, processes: int) -> tuple[bytes, int]:
    """(PDF bytes, page count) of a document given as consecutive parts of its HTML
    (each one starting on a new page), laid out by `processes` forked processes at
    the same time, each taking every `processes`-th part in turn, then joined.

    Memory: a process holds one part's pages at a time, never the whole document.
    Page numbers run on from part to part: a part's layout does not depend on the
    number of its first page, only its margin boxes do, and WeasyPrint makes those
    after the part's last page is laid out. So a part is laid out, then waits for
    the page count of the parts before it (passed along a pipe from the part
    before), numbers its pages from there and passes its own count on. A part
    only ever waits for an earlier one, so the chain always moves."""
    import multiprocessing

    if len(parts) == 1:
        return write_pdf(parts[0])
    _warm_fonts()
    fork = multiprocessing.get_context("fork")
    pipes = [fork.Pipe(duplex=False) for _ in parts[1:]]
    paths, children = [], []
    try:
        for _ in parts:
            fd, path = tempfile.mkstemp(prefix="fieldops-part-", suffix=".pdf")
            os.close(fd)
            paths.append(path)
        count = max(1, min(processes, len(parts)))
        for first in range(count):
            child = fork.Process(target=_parts_process, args=(parts, paths, pipes, first, count), daemon=True)
            child.start()
            children.append(child)
        for receiving, sending in pipes:
            # Only the processes hold the pipes now: one that dies closes its ends,
            # and the part after it reads the end of the pipe instead of waiting forever.
            receiving.close()
            sending.close()
        for child in children:
            child.join()
        if any(child.exitcode != 0 for child in children):
            raise RuntimeError("a part of the document could not be laid out (see the log)")
        pdfs = []
        for path in paths:
            with open(path, "rb") as f:
                pdfs.append(f.read())
        return _join(pdfs)
    finally:
        for child in children:
            if child.is_alive():
                child.kill()
        for path in paths:
            os.unlink(path)


def _warm_fonts():
    """Register the bundled faces in this thread's font configuration before
    forking, so the processes find them there instead of each registering them
    again into a temporary folder their abrupt exit would leave behind."""
    from weasyprint import HTML

    if not getattr(_local, "fonts_warm", False):
        HTML(string=f"<style>{font_face_css()} p {{ font-family: '{FONT_FAMILY}'; }}</style><p>Ạ</p>",
             base_url=str(FONT_DIR)).render(font_config=_font_config())
        _local.fonts_warm = True


def _layout(html: str):
    from weasyprint import HTML

    return HTML(string=html, base_url=str(FONT_DIR)).render(font_config=_font_config())


def _parts_process(parts: list, paths: list, pipes: list, first: int, step: int):
    """In a forked process: lay out parts first, first + step, ..., each numbered on
    from the parts before it, each written to its path."""
    import weasyprint.layout

    mine = range(first, len(parts), step)
    keep = {id(pipes[i - 1][0]) for i in mine if i} | {id(pipes[i][1]) for i in mine if i < len(pipes)}
    for pipe_ends in pipes:
        for end in pipe_ends:
            if id(end) not in keep:
                end.close()
    make_margin_boxes = weasyprint.layout.make_margin_boxes
    part = {}

    def numbered_on(context, page, state):
        if "offset" not in part:
            i = part["index"]
            part["offset"] = pipes[i - 1][0].recv() if i else 0
            if i < len(pipes):
                pipes[i][1].send(part["offset"] + len(context.page_maker) - 1)
        counters = state[1]
        own = counters["page"]
        counters["page"] = own[:-1] + [own[-1] + part["offset"]]
        try:
            return list(make_margin_boxes(context, page, state))  # a generator: run it now
        finally:
            counters["page"] = own

    weasyprint.layout.make_margin_boxes = numbered_on
    with _few_collections():
        for i in mine:
            part.clear()
            part["index"] = i
            pdf = _layout(parts[i]).write_pdf()
            with open(paths[i], "wb") as f:
                f.write(pdf)
            del pdf
            gc.collect()  # the part's pages, before the next part's (what was there at fork is frozen)


def _join(pdfs: list) -> tuple[bytes, int]:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    readers = [PdfReader(io.BytesIO(pdf)) for pdf in pdfs]
    for reader in readers:
        writer.append(reader)
    if readers[0].metadata:
        writer.add_metadata(dict(readers[0].metadata))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), len(writer.pages)


def render_pdf(template: str, **context) -> bytes:
    return write_pdf(render_html(template, **context))[0]
