import hashlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "fieldops/static/vendor"


def test_vendored_htmx_matches_its_recorded_hash():
    record = (VENDOR / "VENDORED.md").read_text()
    rows = re.findall(r"^\| (\S+\.js) \| .*\| ([0-9a-f]{64}) \|$", record, re.M)
    assert rows, "VENDORED.md lists no file"
    for name, digest in rows:
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    assert {name for name, _ in rows} == {p.name for p in VENDOR.glob("*.js")}


def test_base_layout_loads_the_vendored_htmx(client, users, client_as):
    page = client_as("officer").get("/").get_data(as_text=True)
    assert "vendor/htmx-2.0.4.min.js" in page
    assert "X-CSRFToken" in page


def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_healthz_answers_503_without_a_database(app, client, monkeypatch):
    import sqlalchemy as sa

    from fieldops.extensions import db

    def broken(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("down"))

    monkeypatch.setattr(db.session, "execute", broken)
    assert client.get("/healthz").status_code == 503


@pytest.mark.parametrize(
    "lang, text",
    [("vi", "không tồn tại, hoặc nằm ngoài phạm vi của bạn"), ("en", "does not exist, or is outside your area")],
)
def test_404_page_speaks_the_users_language(client, lang, text):
    client.post("/language", data={"lang": lang, "next": "/"})
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "lang, text", [("vi", "Bạn không có quyền mở trang này."), ("en", "You do not have permission to open this page.")]
)
def test_403_page_in_both_languages(app, users, client_as, lang, text):
    client = client_as("officer")
    client.post("/language", data={"lang": lang})
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert text in response.get_data(as_text=True)


def test_500_page_in_vietnamese(app, client, monkeypatch):
    def boom():
        raise RuntimeError("boom")

    boom.allowed_roles = None
    monkeypatch.setitem(app.view_functions, "core.healthz", boom)
    monkeypatch.setattr(app, "testing", False)
    response = client.get("/healthz")
    assert response.status_code == 500
    assert "Hệ thống gặp sự cố" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/employers/abc", "/employers/-1", "/employers/0", "/employers/99999999999999999999",
                                  "/admin/users/1e3", "/employers/%00"])
def test_malformed_or_huge_ids_answer_404(users, client_as, path):
    client = client_as("admin")
    assert client.get(path).status_code == 404


def test_security_headers(client):
    response = client.get("/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_unknown_language_is_refused(client):
    response = client.post("/language", data={"lang": "fr"})
    assert response.status_code == 400


def test_bundled_fonts_match_their_recorded_hashes():
    record = (VENDOR / "VENDORED.md").read_text()
    rows = dict(re.findall(r"^\| (\S+\.ttf) \| ([0-9a-f]{64}) \|$", record, re.M))
    fonts = ROOT / "fieldops/static/fonts"
    assert rows.keys() == {p.name for p in fonts.glob("*.ttf")}
    for name, digest in rows.items():
        assert hashlib.sha256((fonts / name).read_bytes()).hexdigest() == digest, name


def test_gunicorn_settings_freeze_what_a_worker_loaded():
    """gunicorn reads gunicorn.conf.py from the checkout; once a worker has the app,
    the objects it loaded are kept out of the collector's full passes."""
    import gc
    import runpy

    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["timeout"] == 120
    try:
        settings["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("role", ["officer", "supervisor", "viewer", "hr", "admin", "care"])
def test_the_top_bar_shows_the_roles_most_used_pages_and_the_rest_under_more(users, client_as, role):
    """Every page of a role's navigation is in the top bar's row or in its "More" menu
    (a landscape-only one in both: the menu shows it in portrait), with the account,
    the language and signing out; each most used page of the role is in the row."""
    from fieldops.auth.models import Role
    from fieldops.shell.context import NAV_PRIMARY

    page = client_as(role).get("/").get_data(as_text=True)
    nav = page.split('<nav class="mainnav"', 1)[1].split("</nav>", 1)[0]
    row, menu = nav.split('<details class="nav-more"', 1)
    in_row = re.findall(r'<a href="([^"]+)" class="nav-top', row)
    assert len(in_row) == len(NAV_PRIMARY[Role(role)]) and len(in_row) <= 3
    in_menu = re.findall(r'<a href="([^"]+)"', menu)
    landscape_only = re.findall(r'<a href="([^"]+)" class="nav-top nav-landscape', row)
    assert set(landscape_only) <= set(in_menu)
    assert len(in_menu) == len(set(in_menu))
    assert "/" in in_menu and "/account" in in_menu
    assert 'id="logout-form"' in menu and 'name="lang"' in menu
def test_the_top_bar_made_once_still_follows_the_page_the_role_the_language_and_the_user(app, users, client_as):
    """The top bar's navigation is made once per role, page and language
    (base.html, remembered): the page shown is still the one marked, a supervisor
    still has the review queue an officer has not, the words follow the language,
    and each user's forms carry their own CSRF token and name."""
    def nav(page):
        return page.split('<nav class="mainnav"', 1)[1].split("</nav>", 1)[0]

    def marked(page):
        return re.findall(r'<a href="([^"]+)"[^>]* aria-current="page"', nav(page))

    officer = client_as("officer")
    assert marked(officer.get("/visits/").get_data(as_text=True)) == ["/visits/"]
    # In the row in landscape and in the menu in portrait: marked in both.
    assert marked(officer.get("/followups/mine").get_data(as_text=True)) == ["/followups/mine"] * 2
    home = officer.get("/").get_data(as_text=True)
    assert marked(home) == ["/"]
    assert "/visits/review" not in nav(home) and "Lượt làm việc mới" in nav(home)
    assert marked(officer.get("/").get_data(as_text=True)) == ["/"]
    officer.post("/language", data={"lang": "en"})
    english = officer.get("/").get_data(as_text=True)
    assert "New visit" in nav(english) and "Lượt làm việc mới" not in nav(english)

    supervisor = client_as("supervisor")
    page = supervisor.get("/").get_data(as_text=True)
    assert "/visits/review" in nav(page) and "/visits/new" not in nav(page)
    assert users["HN"]["supervisor"].full_name in page and users["HN"]["officer"].full_name not in page
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    assert re.findall(r'name="csrf_token" value="([^"]+)"', nav(page)) == [token, token]
    assert supervisor.post("/logout", data={"csrf_token": token}).status_code == 302


def test_the_frame_made_once_per_user_still_carries_each_requests_own_token_and_address(
        app, users, client_as, monkeypatch):
    """The body's tag and the top bar are made once per user, page and unread count
    (base.html, frame_top): two officers of one page each see their own name and
    id; each request's CSRF token and address are put in, the address escaped; a
    name that reads like the marks they are put in by is shown as typed."""
    from fieldops.extensions import db

    def top(page):
        return page.split("<body", 1)[1].split("</header>", 1)[0]

    hanoi, hatinh = users["HN"]["officer"], users["HT"]["officer"]
    officer, other_officer = client_as("officer"), client_as("officer", "HT")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    first = officer.get("/").get_data(as_text=True)
    second = other_officer.get("/").get_data(as_text=True)
    for page, mine, other in ((first, hanoi, hatinh), (second, hatinh, hanoi)):
        assert f'data-user-id="{mine.id}"' in top(page) and mine.full_name in top(page)
        assert f'data-user-id="{other.id}"' not in top(page) and other.full_name not in top(page)

    page = officer.get("/employers/?q=<b>x</b>&page=2").get_data(as_text=True)
    assert 'name="next" value="/employers/?q=&lt;b&gt;x&lt;/b&gt;&amp;page=2"' in top(page)
    assert officer.get("/employers/").get_data(as_text=True).count('name="next" value="/employers/"') == 1
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    assert re.findall(r'name="csrf_token" value="([^"]+)"', top(page)) == [token, token]
    assert "<csrf-token>" not in page and "<next-path>" not in page
    assert officer.post("/language", data={"lang": "en", "csrf_token": token, "next": "/"}).status_code == 302

    hanoi.full_name = "Trần <csrf-token> <next-path>"
    db.session.commit()
    page = officer.get("/").get_data(as_text=True)
    assert "Trần &lt;csrf-token&gt; &lt;next-path&gt;" in top(page)
    assert "<csrf-token>" not in page and "<next-path>" not in page
    signed_out = app.test_client().get("/login?next=%2Fvisits%2F").get_data(as_text=True)
    assert 'name="next" value="/login?next=%2Fvisits%2F"' in signed_out and "<csrf-token>" not in signed_out


def test_a_signed_csrf_token_is_used_again_for_a_minute_and_stays_the_sessions_own(
        app, users, client_as, monkeypatch):
    """A session's signed token is signed once a minute (core/forms.py, csrf_token):
    the frame and a form's hidden field carry the same one, each earlier one is
    still accepted, and another session's is refused."""
    from fieldops.core import forms

    officer, supervisor = client_as("officer"), client_as("supervisor")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    def tokens(client, path):
        page = client.get(path).get_data(as_text=True)
        return set(re.findall(r'"X-CSRFToken": "([^"]+)"', page) + re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', page))

    first = tokens(officer, "/visits/new")
    assert len(first) == 1 and tokens(officer, "/") == first
    monkeypatch.setattr(forms, "SIGNED_TOKEN_REUSE_SECONDS", 0)  # a minute later: signed again
    again = tokens(officer, "/")
    assert len(again) == 1
    for token in first | again:
        assert officer.post("/language", data={"lang": "vi", "csrf_token": token, "next": "/"}).status_code == 302
    [theirs] = tokens(supervisor, "/")
    assert theirs not in first | again
    assert officer.post("/language", data={"lang": "en", "csrf_token": theirs, "next": "/"}).status_code == 400


# --- the session cookie and background requests ----------------------------------------


def _set_cookies(response, app):
    name = app.config["SESSION_COOKIE_NAME"]
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]


def test_a_background_answer_does_not_send_the_session_back_a_page_still_refreshes_it(app, users, client_as):
    officer = client_as("officer")
    assert _set_cookies(officer.get("/"), app)  # a page keeps the session alive
    for url in ("/offline/sync", "/healthz", "/sw.js", "/manifest.webmanifest"):
        response = officer.get(url)
        assert response.status_code == 200 and not _set_cookies(response, app), url


def test_a_slow_background_answer_does_not_put_back_the_language_switched_from(app, users, client_as):
    """The tablet's sync asked before the switch answers after it: the browser keeps the new language."""
    from tests.conftest import sign_in

    name = app.config["SESSION_COOKIE_NAME"]
    tablet = client_as("officer")
    asked_before = tablet.get_cookie(name).value
    tablet.post("/language", data={"lang": "en", "next": "/"})
    slow = app.test_client()
    slow.set_cookie(name, asked_before)
    assert not _set_cookies(slow.get("/offline/sync"), app)
    tablet.post("/logout")
    assert 'lang="en"' in tablet.get("/login").get_data(as_text=True)
    assert sign_in(app.test_client(), users["HN"]["officer"])


def test_a_jobs_progress_polled_in_the_background_does_not_send_the_session_back(app, users, client_as):
    from fieldops.extensions import db
    from fieldops.jobs.operations import enqueue

    hr = users["HN"]["hr"]
    job = enqueue(hr, "test.noop", {}, hr.org_unit_id)
    db.session.commit()
    client = client_as("hr")
    assert _set_cookies(client.get(f"/jobs/{job.id}"), app)  # the page
    polled = client.get(f"/jobs/{job.id}", headers={"HX-Request": "true", "HX-Target": f"job-{job.id}"})
    assert polled.status_code == 200 and not _set_cookies(polled, app)


def test_templates_import_macros_as_jinja_does_with_the_cheaper_lookup(app):
    """core/templating.Template replaces Jinja's `_get_default_module` (a private
    method: if Jinja renames it, this fails rather than the speed-up going unseen);
    an imported template still sees the globals its importer has and it lacks."""
    import jinja2

    from fieldops.core.templating import Template

    assert "_get_default_module" in vars(jinja2.Template) and app.jinja_env.template_class is Template
    env = jinja2.Environment(loader=jinja2.DictLoader({
        "macros.html": "{% macro shown() %}{{ extra }}|{{ everywhere }}{% endmacro %}",
        "page.html": '{% from "macros.html" import shown %}{{ shown() }}',
        "other.html": '{% from "macros.html" import shown %}{{ shown() }}'}))
    env.template_class = Template
    env.globals["everywhere"] = "g"
    assert env.get_template("page.html", globals={"extra": "own"}).render() == "own|g"
    assert env.get_template("other.html").render() == "|g"


def test_a_template_calls_plain_functions_directly_and_still_passes_the_context_to_those_that_ask(app):
    """core/templating.TemplateContext: a function, a method or a macro is called as
    is; one marked pass_context (or a callable object) gets what Jinja gives it."""
    import jinja2

    from fieldops.core.templating import TemplateContext

    assert app.jinja_env.context_class is TemplateContext

    class Counter:
        def __init__(self):
            self.n = 0

        def add(self, k=1):
            self.n += k
            return self.n

    @jinja2.pass_context
    def who(context, suffix=""):
        return context["name"] + suffix

    class Greeter:
        @jinja2.pass_environment
        def __call__(self, environment, text):
            return f"{environment.globals['hello']} {text}"

    def ended():
        raise StopIteration

    env = jinja2.Environment()
    env.context_class = TemplateContext
    env.globals.update(hello="xin chào", who=who, greet=Greeter(), ended=ended, upper=str.upper)
    counter = Counter()
    template = env.from_string(
        "{% macro twice(x) %}{{ x }}{{ x }}{% endmacro %}"
        "{{ who('!') }}|{{ greet('bạn') }}|{{ twice(counter.add()) }}|"
        "{% for i in [1, 2] %}{{ counter.add(i) }}{{ who() }}{% endfor %}|{{ upper('a') }}|{{ ended() }}.")
    assert template.render(name="An", counter=counter) == "An!|xin chào bạn|11|2An4An|A|."


def test_a_fragment_is_remembered_by_its_arguments_and_language_only(app):
    """core/templating's `remembered(macro, *args)`: made once for the same macro,
    arguments, language and app root; any of them different is another fragment;
    arguments that cannot be a key (a list) make it every time."""
    from flask_babel import force_locale

    made = []
    template = app.jinja_env.from_string(
        "{% macro card(name, figures) %}{% if made(name) %}{% endif %}<b>{{ name }}</b> {{ _('Verified') }}"
        "{% for n in figures %} {{ n }}{% endfor %}{% endmacro %}"
        "{{ remembered(card, name, figures) }}", globals={"made": made.append})
    with app.test_request_context("/"):
        with force_locale("en"):
            assert template.render(name="Sông <Đà>", figures=(1, 2)) == "<b>Sông &lt;Đà&gt;</b> Verified 1 2"
            assert template.render(name="Sông <Đà>", figures=(1, 2)) == "<b>Sông &lt;Đà&gt;</b> Verified 1 2"
            assert len(made) == 1
            assert template.render(name="Sông <Đà>", figures=(1, 3)).endswith("1 3")
            assert template.render(name="Hồng Hà", figures=(1, 2)).startswith("<b>Hồng Hà</b>")
            listed = template.render(name="Hồng Hà", figures=[1, 2])
            assert template.render(name="Hồng Hà", figures=[1, 2]) == listed
            assert len(made) == 5
            template.render(name="Hồng Hà", figures=(1, None))
            template.render(name="Hồng Hà", figures=(1, None))  # None is a value like any other
            assert len(made) == 6
        with force_locale("vi"):
            assert template.render(name="Hồng Hà", figures=(1, 2)) == "<b>Hồng Hà</b> Đã xác nhận 1 2"
    with app.test_request_context("/", base_url="http://localhost/fieldops"), force_locale("vi"):
        template.render(name="Hồng Hà", figures=(1, 2))
    assert len(made) == 8

    class Entity:  # equal only to itself, as an ORM entity: never a key
        def __str__(self):
            return "An"

    with app.test_request_context("/"), force_locale("en"):
        template.render(name=Entity(), figures=(1,))
        template.render(name="Hồng Hà", figures=(Entity(),))
    assert len(made) == 10


def test_addresses_are_built_once_and_each_stays_its_own(app):
    """core/templating.cached_url_for remembers addresses with their values; a value
    that only equals another (True and 1), url_for's options and a blueprint's URL
    defaults (the dashboard's campaign) still give their own address."""
    from flask import g, url_for

    template_url_for = app.jinja_env.globals["url_for"]
    with app.test_request_context("/"):
        assert template_url_for("employers.show", employer_id=7) == "/employers/7"
        assert template_url_for("employers.show", employer_id=7) == "/employers/7"
        assert template_url_for("employers.show", employer_id=8) == "/employers/8"
        assert template_url_for("visits.queue", page=1) == url_for("visits.queue", page=1)
        assert template_url_for("visits.queue", page=True) == url_for("visits.queue", page=True)
        assert template_url_for("employers.show", employer_id=7, _external=True).startswith("http://")
        assert template_url_for("employers.index", q="Công ty") == url_for("employers.index", q="Công ty")
        assert template_url_for("progress.unit", unit_id=3) == "/progress/units/3"
        g.progress_campaign = "CD-2026"  # a dashboard asked for a campaign: its links stay on it
        assert template_url_for("progress.unit", unit_id=3) == "/progress/units/3?campaign=CD-2026"
    with app.test_request_context("/", base_url="http://localhost/fieldops"):
        assert template_url_for("employers.show", employer_id=7) == "/fieldops/employers/7"
