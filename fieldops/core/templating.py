import jinja2
from flask import has_request_context, request, url_for

from fieldops import definitions
from fieldops.core import figure_markup, forms
from fieldops.core.forms import error_entries
from fieldops.core.numbers import figure, pct, target_figure
from fieldops.timeutil import format_date, format_datetime

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; "
    "object-src 'none'"
)


def cached_url_for(app):
    """The templates' url_for, remembering the addresses that are the same on
    every page (a static file, a page without arguments: the frame's dozen
    links), each built once per process instead of on every page. Addresses with
    arguments, or of a blueprint whose URL defaults depend on the request, are
    built every time."""
    built = {}

    def template_url_for(endpoint, **values):
        if not has_request_context() or endpoint.startswith(".") \
                or (values and not (endpoint == "static" and values.keys() == {"filename"})) \
                or endpoint.rpartition(".")[0] in app.url_default_functions:
            return url_for(endpoint, **values)
        key = (request.script_root, endpoint, values.get("filename"))
        found = built.get(key)
        if found is None:
            found = built[key] = url_for(endpoint, **values)
        return found

    return template_url_for


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
    app.jinja_env.globals["url_for"] = cached_url_for(app)
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["number"] = lambda n: "" if n is None else figure(n)
    app.jinja_env.filters["figure"] = figure
    app.jinja_env.filters["pct"] = pct
    app.jinja_env.filters["target_figure"] = target_figure
    app.jinja_env.globals["coverage"] = definitions.coverage
    app.jinja_env.globals["coverage_percent"] = figure_markup.coverage_percent
    app.jinja_env.globals["coverage_bar"] = figure_markup.coverage_bar
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
