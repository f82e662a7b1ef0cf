"""No input answers 500 (issue 22). Generated, not listed: every route of the URL
map, as each role allowed to use it (tests/test_access.py's table; a public one
also signed out), gets each hostile value in every parameter its views read from
the address (the names are read from the source) and in every field of every form
its pages show to that role (parsed from the HTML), in every path parameter that
is not a number, and the forms are sent back with each field hostile in turn.
A request that signs its user out (signing out, a password reset, a user
deactivated) is followed by the session given back, so later ones still count."""
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import sqlalchemy as sa

from fieldops.auth.models import Role, User, UserSession
from fieldops.extensions import db
from fieldops.timeutil import utcnow
from tests.test_access import EXPECTED, built_world, client_as, world  # noqa: F401  (the access walk's fixtures)

HOSTILE = ["²", "①", "١٢", "\x00", "a\r\nb", "x" * 10_240, "-1", "-99999999999999999999"]
SOURCE = Path(__file__).resolve().parent.parent / "fieldops"
_READ = re.compile(r"request\.(?:args|values|form)\.(?:get|getlist)\(\s*\"([A-Za-z_0-9-]+)\"")


def address_parameters():
    """Every name a view reads from the query string or the form, from the source."""
    return sorted({name for path in SOURCE.rglob("*.py") for name in _READ.findall(path.read_text())})


class _Forms(HTMLParser):
    """The forms of a page: [(method, action, {field: default value})]."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = (a.get("method", "get").lower(), a.get("action") or "", {})
            self.forms.append(self._form)
        elif tag == "option" and self._select and self._form is not None:
            # the first option, or the one selected
            if not self._form[2].get(self._select) or "selected" in a:
                self._form[2][self._select] = a.get("value", "")
        elif self._form is None or not a.get("name") or a["name"] == "csrf_token":
            return
        elif tag in ("input", "textarea"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                self._form[2].setdefault(a["name"], None)
            else:
                self._form[2][a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a["name"]
            self._form[2].setdefault(a["name"], "")
        elif tag == "button" and a.get("value"):
            self._form[2].setdefault(a["name"], a["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms_of(html):
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def _roles_for(endpoint):
    """Every role that may use the route; a public one as the signed out (None) and an officer."""
    roles = EXPECTED[endpoint].roles
    return [None, Role.officer] if roles is None else list(roles)


class Fuzz:
    def __init__(self, app, client_as):
        self.app, self.client_as, self.failures, self.clients = app, client_as, [], {}
        self.sent, self.signed_out = 0, 0

    def client(self, role):
        if role not in self.clients:
            self.clients[role] = self.app.test_client() if role is None else self.client_as(str(role))
        return self.clients[role]

    def _sign_in_again(self, role):
        """Every session live again, every user active, this role's client given its session back."""
        with db.engine.begin() as connection:
            connection.execute(sa.update(UserSession).values(ended_at=None, last_seen_at=utcnow()))
            connection.execute(sa.update(User).values(active=True))
        self.clients.pop(role, None)
        self.signed_out += 1

    def send(self, role, method, url, data=None, headers=None):
        response = self.client(role).open(url, method=method, data=data, headers=headers)
        self.sent += 1
        if role is not None and response.status_code == 302 and "/login" in (response.location or ""):
            self._sign_in_again(role)
            response = self.client(role).open(url, method=method, data=data, headers=headers)
            if response.status_code == 302 and "/login" in (response.location or ""):
                self._sign_in_again(role)  # the request itself signs out
        if response.status_code >= 500:
            shown = {k: (v[:20] + "…" if isinstance(v, str) and len(v) > 20 else v) for k, v in (data or {}).items()}
            self.failures.append(f"{role} {method} {url[:160]} {shown} → {response.status_code}")
        return response


def _url(app, rule, w, hostile=None):
    from flask import url_for

    values = {arg: hostile if hostile is not None and arg == "code" else w.params[arg] for arg in rule.arguments}
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def _rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule)


@pytest.fixture
def fuzz(app, client_as, world):  # noqa: F811
    made = Fuzz(app, client_as)
    made.world = world
    return made


def test_the_parameters_are_read_from_the_source():
    names = address_parameters()
    assert {"page", "next", "revision", "unit", "period", "format"} <= set(names)


def test_no_hostile_value_in_an_address_answers_500(app, fuzz):
    names = address_parameters()
    for rule in _rules(app):
        for role in _roles_for(rule.endpoint):
            for value in HOSTILE:
                url = _url(app, rule, fuzz.world, value)
                query = urlencode({name: value for name in names})
                if "GET" in rule.methods:
                    fuzz.send(role, "GET", f"{url}?{query}")
                    if value == "²":  # as htmx asks for a fragment
                        fuzz.send(role, "GET", f"{url}?{query}", headers={"HX-Request": "true", "HX-Target": value})
                else:
                    fuzz.send(role, "POST", f"{url}?{query}", data={name: value for name in names})
    assert fuzz.sent > 2500
    assert not fuzz.failures, "\n".join(fuzz.failures)


def _pages(app, fuzz):
    """(role, page address, its forms) of every page, as each role allowed to open it gets it."""
    for rule in _rules(app):
        if "GET" not in rule.methods:
            continue
        url = _url(app, rule, fuzz.world)
        for role in _roles_for(rule.endpoint):
            response = fuzz.send(role, "GET", url)
            if response.status_code == 200 and response.mimetype == "text/html":
                yield role, url, forms_of(response.get_data(as_text=True))


def test_no_hostile_value_in_a_form_field_answers_500(app, fuzz):
    sent = 0
    pages = list(_pages(app, fuzz))
    for role, page, forms in pages:
        for method, action, fields in forms:
            target = action or page
            if urlsplit(target).netloc or not fields:
                continue
            defaults = {k: v for k, v in fields.items() if v is not None}
            for value in HOSTILE:
                everything = {name: value for name in fields}
                if method == "post":
                    fuzz.send(role, "POST", target, data=everything)
                else:
                    fuzz.send(role, "GET", f"{target}?{urlencode(everything)}")
                sent += 1
            for name in fields:  # each field hostile in turn, the others as the page filled them
                for value in ("²", "١٢", "-1", "x" * 10_240):
                    data = {**defaults, name: value}
                    if method == "post":
                        fuzz.send(role, "POST", target, data=data)
                    else:
                        fuzz.send(role, "GET", f"{target}?{urlencode(data)}")
                    sent += 1
    assert sent > 2000 and {role for role, _page, _forms in pages} >= set(Role)
    assert not fuzz.failures, "\n".join(fuzz.failures)


@pytest.mark.parametrize("path", ["/login", "/language"])
def test_a_line_break_in_next_is_refused_not_a_500(client, users, path):
    data = {"username": "officer.hn", "password": "correct-horse-battery", "lang": "en",
            "next": "/employers/\r\nSet-Cookie: x=1"}
    response = client.post(path, data=data)
    assert response.status_code == 302 and response.location == "/"
