"""Thirty visits typed while the server comes and goes at random moments (some
in the middle of a send), with one expired session: afterwards the database
holds exactly the thirty, with the figures typed, none twice, none lost."""
import random
import re
import threading

import sqlalchemy as sa
from playwright.sync_api import Error as PlaywrightError, TimeoutError as PlaywrightTimeout

from fieldops.auth.models import User
from fieldops.employers.models import Employer
from fieldops.extensions import db
from fieldops.visits.models import Visit
from tests.browser.conftest import VIEWPORTS, sign_in
from tests.browser.offline_helpers import FlakyServer, until, wait_for_sync, wait_for_worker

ACTIONS = 30
SEED = 1707


def _signed_in(page) -> bool:
    """/login sends a signed-in officer home (the offline page, were the server away, stays at /login)."""
    try:
        page.goto("/login")
    except PlaywrightError:
        return False
    return "/login" not in page.url


def _sign_in_again(page, server, tries=3):
    """Sign in as the officer once the network is back (as an officer would); a page
    caught while the server restarts is tried again. A sign-in that went through but
    whose next page was slow to load (a loaded CI machine) is not tried again: the
    login page is no longer there to fill."""
    for attempt in range(tries):
        if not server.up:
            server.start()
        try:
            sign_in(page, "officer.hn")
            return
        except PlaywrightTimeout:
            if _signed_in(page):
                return
            if attempt == tries - 1:
                raise


def test_thirty_visits_while_the_server_comes_and_goes(app, demo_data, browser):
    rng = random.Random(SEED)
    officer = db.session.scalar(sa.select(User).where(User.username == "officer.hn"))
    employers = db.session.scalars(sa.select(Employer.id).where(Employer.district_id == officer.org_unit_id)).all()
    before = set(db.session.scalars(sa.select(Visit.id).where(Visit.officer_id == officer.id)))
    app.config["WTF_CSRF_ENABLED"] = True
    server = FlakyServer(app)
    server.start()
    context = browser.new_context(viewport=VIEWPORTS[rng.choice(list(VIEWPORTS))], base_url=server.url,
                                  locale="vi-VN")
    context.set_default_timeout(30_000)  # a loaded CI machine restarts the server slowly
    try:
        page = context.new_page()
        sign_in(page, "officer.hn")
        wait_for_worker(page)
        page.reload()
        wait_for_sync(page)
        typed = {}
        outcomes = {"recorded": 0, "queued": 0, "cut": 0}
        for n in range(ACTIONS):
            if rng.random() < 0.35:
                server.stop() if server.up else server.start()
            if n == ACTIONS // 2:
                server.start()
                context.clear_cookies()  # the session expires in the middle of the day
            address = f"/visits/new/{rng.choice(employers)}"
            page.goto(address)
            if "/login" in page.url:
                _sign_in_again(page, server)
                page.goto(address)
            try:
                page.wait_for_selector("#visit-form [data-line]")
            except PlaywrightTimeout:
                # A page caught as the server went away mid-answer: the officer taps again.
                page.goto(address)
                page.wait_for_selector("#visit-form [data-line]")
            page.select_option("#purpose", rng.choice(["guidance", "registration_drive", "verification"]))
            row = page.locator("[data-line]").first
            department = int(row.locator("input[name$='-department_id']").input_value())
            insured = int(row.locator("[data-count=insured]").input_value())
            registered = rng.randint(0, insured)
            active, newly = rng.randint(0, registered), rng.randint(0, registered)
            row.locator("[data-count=registered]").fill(str(registered))
            row.locator("[data-count=active]").fill(str(active))
            row.locator("[data-count=newly]").fill(str(newly))
            key = page.input_value("input[name=idempotency_key]")
            assert key not in typed
            typed[key] = (department, registered, active, newly)
            cut = server.up and rng.random() < 0.25
            if cut:  # the server goes away while the visit is on its way
                outcomes["cut"] += 1
                threading.Timer(rng.uniform(0, 0.05), server.stop).start()
            page.click("#visit-submit")
            ended = until(page, """() => /\\/visits\\/\\d+$/.test(location.pathname) ? 'recorded'
                                 : document.querySelector('#visit-offline:not([hidden])') ? 'queued'
                                 : document.querySelector('#visit-sent') ? 'recorded' : null""")
            outcomes[ended] += 1

        server.start()
        page.goto("/outbox")
        if "/login" in page.url:
            sign_in(page, "officer.hn")
            page.goto("/outbox")
        # Once the outbox has read what it keeps (before, it holds nothing and so nothing unsent), all sent.
        page.wait_for_function("() => window.FieldOpsOutbox")
        page.evaluate("() => window.FieldOpsOutbox.ready")
        until(page, "() => window.FieldOpsOutbox.unsent().length === 0", timeout=60)
        # The day had all of it: visits recorded at once, kept for later, cut on their way.
        assert min(outcomes.values()) > 0, outcomes
    finally:
        context.close()
        server.stop()
        app.config["WTF_CSRF_ENABLED"] = False

    db.session.expire_all()
    made = db.session.scalars(sa.select(Visit).where(Visit.officer_id == officer.id,
                                                     Visit.id.not_in(before or {0}))).all()
    assert sorted(v.idempotency_key for v in made) == sorted(typed)  # all thirty, none twice
    for visit in made:
        department, registered, active, newly = typed[visit.idempotency_key]
        line = next(l for l in visit.lines if l.labour_department_id == department)
        assert (line.registered, line.active, line.newly_registered) == (registered, active, newly)
    assert all(re.fullmatch(r"[0-9a-f-]{36}", key) for key in typed)
