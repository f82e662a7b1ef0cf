from types import BuiltinFunctionType, FunctionType, MethodType

import jinja2
from flask import has_request_context, request, url_for
from jinja2.runtime import Context, Macro
from jinja2.utils import _PassArg
from markupsafe import Markup, escape
from sqlalchemy.engine import Row

from fieldops import definitions
from fieldops.core import figure_markup, forms
from fieldops.core.forms import csrf_token, error_entries
from fieldops.core.numbers import figure, pct, target_figure
from fieldops.core.translations import language_in_force
from fieldops.timeutil import format_date, format_datetime

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; "
    "object-src 'none'"
)


# At most this many addresses (and template functions) are remembered per process;
# then they are forgotten and learnt again.
KEPT = 10_000


def cached_url_for(app):
    """The templates' url_for, remembering each address it built (the frame's dozen
    links, a list's links to its rows) instead of building it again on every page:
    werkzeug takes ~6 µs an address, a page builds 30 to 60. An address depends only
    on its endpoint, its values (with its blueprint's URL defaults: the dashboards
    keep the campaign asked for) and the app's root; values that are not plain
    numbers and strings, and url_for's own options (`_external`…) go to url_for
    every time."""
    built = {}

    def template_url_for(endpoint, **values):
        if not has_request_context() or endpoint.startswith("."):
            return url_for(endpoint, **values)
        if endpoint.rpartition(".")[0] in app.url_default_functions:
            app.inject_url_defaults(endpoint, values)
        key = [request.script_root, endpoint]
        for name, value in values.items():
            # int and str exactly: True is 1 to a dict, and would find page=1's address.
            if name.startswith("_") or (type(value) is not int and type(value) is not str):
                return url_for(endpoint, **values)
            key += (name, value)
        key = tuple(key)
        found = built.get(key)
        if found is None:
            if len(built) >= KEPT:
                built.clear()
            found = built[key] = url_for(endpoint, **values)
        return found

    return template_url_for


# At most this many fragments are remembered per process (a review card is ~1.5 KB).
KEPT_FRAGMENTS = 4_000


def remembered_fragments():
    """`remembered(macro, *args)`: the macro's markup for these arguments, made once
    and remembered. For macros whose markup follows from their arguments and the
    language alone (a review card: its row and its figures), never from the request,
    the user or the clock; the key holds the arguments themselves, so a row that
    changed is a new key and is never shown stale. A review card costs ~95 µs to
    render, a page has twenty, and a supervisor back on the queue after verifying
    one finds the others unchanged."""
    kept = {}

    def remembered(macro, *args):
        if any(_by_identity(arg) for arg in args):
            return macro(*args)
        key = (macro._func.__code__, language_in_force(), request.script_root, *args)
        try:
            found = kept.get(key)
        except TypeError:  # an argument that cannot be a key (a list): made every time
            return macro(*args)
        if found is None:
            if len(kept) >= KEPT_FRAGMENTS:
                kept.clear()
            found = kept[key] = macro(*args)
        return found

    remembered.kept = kept
    return remembered


# Where the frame's remembered markup (base.html, frame_top) holds this request's own
# parts. Each is a tag no escaped text can hold, so nothing a user typed (their
# name in the top bar) is ever taken for one.
FRAME_MARKS = {"token": Markup("<csrf-token>"), "path": Markup("<next-path>")}


def request_parts(fragment: Markup) -> Markup:
    """The frame's remembered markup with this request's own parts put in: its
    CSRF token, and the address the language switch comes back to."""
    path = request.full_path if request.query_string else request.path
    return Markup(fragment.replace(FRAME_MARKS["token"], csrf_token())
                  .replace(FRAME_MARKS["path"], escape(path)))


def _by_identity(value) -> bool:
    """An object equal only to itself (an ORM entity), or a tuple holding one: as a
    key it would never be found again and would keep its object alive. (None is
    hashed so too, and is the same None every time.)"""
    if isinstance(value, (tuple, Row)):
        return any(item is not None and type(item).__hash__ is object.__hash__ for item in value)
    return value is not None and type(value).__hash__ is object.__hash__


class TemplateContext(Context):
    """Jinja's context, calling the plain functions, methods and macros a template
    calls without first asking each whether it wants the context passed (three
    attribute lookups a call, ~1 µs; a page calls some 300). Whether a function
    asks is known once it exists. One that asks for the evaluation context or the
    environment (the templates' gettext) is given it here too; one that asks for
    the context, and anything else, goes through Jinja's own call."""

    _passes = {}  # {function: what it asks to be passed: None, or a _PassArg}

    def call(__self, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
        kind = type(__obj)
        if kind is Macro:
            passes = None
        elif kind is FunctionType or kind is MethodType or kind is BuiltinFunctionType:
            function = __obj.__func__ if kind is MethodType else __obj
            passes = __self._passes.get(function, _UNKNOWN)
            if passes is _UNKNOWN:
                if len(__self._passes) >= KEPT:
                    __self._passes.clear()
                passes = __self._passes[function] = _PassArg.from_obj(function)
        else:
            passes = _PassArg.context
        if passes is _PassArg.context:
            return super().call(__obj, *args, **kwargs)
        kwargs.pop("_block_vars", None)
        kwargs.pop("_loop_vars", None)
        if passes is _PassArg.eval_context:
            args = (__self.eval_ctx, *args)
        elif passes is _PassArg.environment:
            args = (__self.environment, *args)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined("value was undefined because a callable raised a StopIteration")


_UNKNOWN = object()


class Template(jinja2.Template):
    """Jinja's template, with `{% from … import %}` made cheap again. To import,
    Jinja looks for the importing template's globals missing from the imported
    one's, key by key through a ChainMap in Python: ~0.1 ms for our ~80 globals,
    paid on every import, and a card template included in a list imports its
    macros once per card. The same difference, taken map by map on dict keys."""

    def _get_default_module(self, ctx=None):
        if ctx is not None:
            missing = ctx.globals_keys
            for names in getattr(self.globals, "maps", (self.globals,)):
                missing = missing - names.keys()
            if missing:
                return self.make_module({k: ctx.parent[k] for k in missing})
        if self._module is None:
            self._module = self.make_module()
        return self._module


def register(app):
    forms.use_fast_html_params()
    app.jinja_env.template_class = Template
    app.jinja_env.context_class = TemplateContext
    app.jinja_env.globals["url_for"] = cached_url_for(app)
    app.jinja_env.globals["remembered"] = remembered_fragments()
    app.jinja_env.globals["frame_marks"] = FRAME_MARKS
    app.jinja_env.globals["request_parts"] = request_parts
    app.jinja_env.globals["csrf_token"] = csrf_token  # flask-wtf's, signed once a minute
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["number"] = lambda n: "" if n is None else figure(n)
    app.jinja_env.filters["figure"] = figure
    app.jinja_env.filters["pct"] = pct
    app.jinja_env.filters["target_figure"] = target_figure
    app.jinja_env.globals["coverage"] = definitions.coverage
    app.jinja_env.globals["coverage_percent"] = figure_markup.coverage_percent
    app.jinja_env.globals["coverage_bar"] = figure_markup.coverage_bar
    app.jinja_env.globals["coverage_cell"] = figure_markup.coverage_cell
    app.jinja_env.globals["department_change"] = figure_markup.department_change
    app.jinja_env.globals["form_error_entries"] = error_entries

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("STRICT_TRANSPORT_SECURITY"):
            response.headers.setdefault("Strict-Transport-Security", app.config["STRICT_TRANSPORT_SECURITY"])
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response
