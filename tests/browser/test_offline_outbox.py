"""The outbox and the form on a tablet whose server goes away for real: the form
checks the server's rules before sending, refused items show the server's messages
at once, items wait for their own officer and a fresh session, signing out warns,
a supervisor's failed search says so, and a new release replaces the kept shell."""
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from fieldops.auth.models import User
from fieldops.employers.models import Employer
from fieldops.extensions import db
from fieldops.visits.models import Visit
from tests.browser.conftest import VIEWPORTS, open_more_menu, sign_in
from tests.browser.offline_helpers import FlakyServer, outbox, until, wait_for_sync, wait_for_worker

# demo data: Văn phòng (137) and Phân xưởng sản xuất (50), no visit yet
EMPLOYER = "Công ty TNHH May mặc Hồng Hà"


@pytest.fixture
def flaky(app, demo_data):
    app.config["WTF_CSRF_ENABLED"] = True
    server = FlakyServer(app)
    server.start()
    yield server
    server.stop()
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def tablet(browser, flaky):
    contexts = []

    def make(viewport="landscape"):
        context = browser.new_context(viewport=VIEWPORTS[viewport], base_url=flaky.url, locale="vi-VN")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def visits_at(name, officer=None):
    db.session.expire_all()
    stmt = sa.select(Visit).join(Employer, Employer.id == Visit.employer_id).where(Employer.name == name)
    if officer:
        stmt = stmt.where(Visit.officer_id == sa.select(User.id).where(User.username == officer).scalar_subquery())
    return db.session.scalars(stmt).all()


def employer_id(name):
    return db.session.scalar(sa.select(Employer.id).where(Employer.name == name))


def line(page, department):
    return page.locator("[data-line]", has=page.locator("h3", has_text=department))


def open_form(page, name=EMPLOYER):
    page.goto(f"/visits/new/{employer_id(name)}")
    page.wait_for_selector("#visit-form")


@pytest.mark.parametrize("viewport", ["landscape", "portrait"])
def test_the_form_refuses_what_the_server_would_before_sending(tablet, viewport):
    page = tablet(viewport)
    sign_in(page, "officer.hn")
    open_form(page)
    page.fill("#visit_date", "2023-07-01")
    page.select_option("#purpose", "registration_drive")
    office = line(page, "Văn phòng")
    office.locator("[data-count=registered]").fill("999")
    # Beside the field at once, in the server's words; no "729%" on a green bar.
    assert office.locator("[data-count=registered] ~ p.error").inner_text() == \
        "Số đã đăng ký không được lớn hơn số tham gia BHXH (137)."
    assert office.locator("[data-out=coverage]").inner_text() == "—"
    page.click("#visit-submit")
    assert page.locator("#visit-form").is_visible() and visits_at(EMPLOYER) == []

    # "Newly registered" follows the increase over the current figure (0: no visit yet)...
    office.locator("[data-count=registered]").fill("100")
    assert office.locator("p.error").count() == 0
    assert office.locator("[data-count=newly]").input_value() == "100"
    # ...until the officer types it.
    office.locator("[data-count=newly]").fill("40")
    office.locator("[data-count=registered]").fill("90")
    assert office.locator("[data-count=newly]").input_value() == "40"
    office.locator("[data-count=active]").fill("95")
    assert "90" in office.locator("[data-count=active] ~ p.error").inner_text()
    office.locator("[data-count=active]").fill("60")
    page.fill("#visit_date", "2999-01-01")
    assert page.locator("#visit_date ~ p.error").inner_text() == "Ngày làm việc không được sau ngày hôm nay."
    page.fill("#visit_date", "2023-07-01")
    page.click("#visit-submit")
    page.wait_for_url(re.compile(r"/visits/\d+$"))
    assert [(l.department.name, l.registered, l.newly_registered) for l in visits_at(EMPLOYER)[0].lines
            if l.department.name == "Văn phòng"] == [("Văn phòng", 90, 40)]

    # A second visit on the same date is warned about, not on another date.
    open_form(page)
    page.fill("#visit_date", "2023-07-01")
    assert page.locator("#visit-same-day").is_visible()
    page.fill("#visit_date", "2023-07-02")
    assert not page.locator("#visit-same-day").is_visible()


def test_a_visit_the_server_refuses_shows_its_messages_at_once(tablet, flaky):
    page = tablet("portrait")
    sign_in(page, "officer.hn")
    open_form(page)
    flaky.stop()
    page.fill("#visit_date", "2023-07-03")
    page.select_option("#purpose", "guidance")
    # A department added with the name of one the employer has: only the server knows.
    page.click("#add-line")
    added = page.locator("[data-line]").last
    added.locator("input[name$='-new_name']").fill("Văn phòng")
    for name, value in (("insured", "12"), ("registered", "3"), ("active", "1")):
        added.locator(f"[data-count={name}]").fill(value)
    page.fill("#visit_date", "2023-07-03")
    page.click("#visit-submit")
    page.wait_for_selector("#visit-offline", state="visible")
    expect(page.locator("#outbox-count")).to_have_text("1")
    # A second one at another employer, queued behind it.
    other = len(visits_at("Công ty Cổ phần Xây dựng Ba Đình"))
    flaky.start()
    open_form(page, "Công ty Cổ phần Xây dựng Ba Đình")
    flaky.stop()
    page.select_option("#purpose", "guidance")
    page.fill("#visit_date", "2023-07-03")
    page.click("#visit-submit")
    page.wait_for_selector("#visit-offline", state="visible")
    expect(page.locator("#outbox-count")).to_have_text("2")

    flaky.start()
    page.goto("/outbox")
    until(page, "() => document.querySelectorAll('.outbox-item[data-status=sent], "
                ".outbox-item[data-status=refused]').length === 2")
    refused = page.locator(".outbox-item[data-status=refused]")
    assert refused.count() == 1 and page.locator(".outbox-item[data-status=sent]").count() == 1
    assert visits_at(EMPLOYER) == [] and len(visits_at("Công ty Cổ phần Xây dựng Ba Đình")) == other + 1
    expect(page.locator("#outbox-count")).to_have_text("1")
    # The banner asks for the visit's correction, on its form; nothing else waits to be sent.
    attention = page.locator("#outbox").get_attribute("data-attention")
    expect(page.locator("#outbox-text")).to_have_text(f"{attention} {refused.locator('strong').inner_text()}")
    assert page.locator("#outbox-open").get_attribute("href") == refused.locator("a").get_attribute("href")
    expect(page.locator("#outbox-send")).to_be_hidden()
    # Opened: the server's message is beside the field already, what was typed kept.
    refused.locator("a").click()
    page.wait_for_selector("#visit-form")
    wrong = page.locator("[data-line]").last.locator("input[name$='-new_name']")
    assert wrong.input_value() == "Văn phòng"
    assert page.locator("[data-line]").last.locator(".has-error p.error").count() == 1
    wrong.fill("Kho hàng")
    page.click("#visit-submit")
    page.wait_for_url(re.compile(r"/visits/\d+$"))
    assert len(visits_at(EMPLOYER)) == 1
    expect(page.locator("#outbox-count")).to_have_text("0")


def test_items_wait_for_their_own_officer_and_a_fresh_session(tablet, flaky):
    page = tablet("landscape")
    sign_in(page, "officer.hn")
    open_form(page)
    flaky.stop()
    page.select_option("#purpose", "guidance")
    page.fill("#visit_date", "2023-07-04")
    page.click("#visit-submit")
    page.wait_for_selector("#visit-offline", state="visible")
    flaky.start()

    # The session expires while the visit waits: it is not sent with the old page's token.
    page.context.clear_cookies()
    page.click("#outbox-send")
    until(page, "() => window.FieldOpsOutbox.entries()[0].status === 'waiting'"
                " && !document.getElementById('outbox-text').textContent.includes('…')")
    assert visits_at(EMPLOYER) == []
    # It says so, and keeps saying so: the item's own write lands before the last word.
    asked = page.locator("#outbox").get_attribute("data-signin")
    expect(page.locator("#outbox-text")).to_have_text(asked)
    page.wait_for_timeout(1000)
    expect(page.locator("#outbox-text")).to_have_text(asked)

    # Another officer signs in on the same tablet: the visit is not theirs to send.
    sign_in(page, "officer.hn2")
    page.goto("/outbox")
    expect(page.locator("#outbox-count")).to_have_text("0")
    assert page.locator(".outbox-item").count() == 0
    page.wait_for_timeout(300)
    assert visits_at(EMPLOYER) == []
    page.once("dialog", lambda dialog: dialog.accept())  # nothing of theirs waits: no question
    open_more_menu(page)
    page.click("#logout-form button")
    page.wait_for_url(re.compile("/login"))

    # Its officer signs in again: sent, with the new session's token, once.
    sign_in(page, "officer.hn")
    page.goto("/outbox")
    page.wait_for_selector(".outbox-item[data-status=sent]")
    assert len(visits_at(EMPLOYER, "officer.hn")) == 1 and visits_at(EMPLOYER, "officer.hn2") == []


def test_signing_out_with_items_waiting_asks_first(tablet, flaky):
    page = tablet("portrait")
    sign_in(page, "officer.hn")
    open_form(page)
    flaky.stop()
    page.select_option("#purpose", "guidance")
    page.click("#visit-submit")
    page.wait_for_selector("#visit-offline", state="visible")
    messages = []

    def refuse(dialog):
        messages.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    open_more_menu(page)
    page.click("#logout-form button")
    assert messages and "đăng xuất" in messages[0].lower()
    assert page.locator("#visit-form").is_visible()  # stayed, signed in
    assert outbox(page)[0]["status"] == "waiting"


# An item put in the outbox and taken out again, with the count read as it is
# asked for, once written, and what the tablet's database then holds.
_COUNT_FOLLOWS_THE_WRITE = """async () => {
  const outbox = window.FieldOpsOutbox;
  await outbox.ready;
  const count = () => document.getElementById("outbox-count").textContent;
  const kept = () => new Promise((resolve, reject) => {
    const opened = indexedDB.open("fieldops-outbox", 1);
    opened.onerror = () => reject(opened.error);
    opened.onsuccess = () => {
      const read = opened.result.transaction("items").objectStore("items").getAll();
      read.onsuccess = () => { opened.result.close(); resolve(read.result.map((e) => e.id)); };
    };
  });
  const seen = {before: count()};
  const written = outbox.put({id: "visit.probe", kind: "visit", url: "/visits/new/1", label: "probe",
                              fields: [], queued_at: Date.now(), status: "waiting"});
  seen.while_written = count();
  await written;
  seen.written = count();
  seen.kept = await kept();
  const removed = outbox.remove("visit.probe");
  seen.while_removed = count();
  await removed;
  seen.removed = count();
  seen.kept_after = await kept();
  return seen;
}"""


def test_the_count_shows_only_what_the_tablet_keeps(tablet, flaky):
    # Shown before the write, an item counted could be lost by a page left at once.
    page = tablet("portrait")
    sign_in(page, "officer.hn")
    seen = page.evaluate(_COUNT_FOLLOWS_THE_WRITE)
    assert seen == {"before": "0", "while_written": "0", "written": "1", "kept": ["visit.probe"],
                    "while_removed": "1", "removed": "0", "kept_after": []}


def test_a_supervisors_failed_search_says_so(tablet, flaky):
    page = tablet("landscape")
    sign_in(page, "supervisor.hn")
    page.goto("/employers/")
    flaky.stop()
    page.fill("input[name=q]", "hong ha")
    page.wait_for_selector("#connection-lost")
    assert page.locator("#connection-lost").is_visible()
    assert "stale" in page.locator("#employer-results").get_attribute("class")
    flaky.start()
    page.fill("input[name=q]", "hong")
    page.wait_for_selector("#connection-lost", state="detached")
    assert "stale" not in (page.locator("#employer-results").get_attribute("class") or "")


def test_a_new_release_replaces_the_kept_shell_whole(tablet, flaky, monkeypatch):
    from fieldops.offline import shell

    page = tablet("landscape")
    sign_in(page, "officer.hn")
    wait_for_worker(page)
    old = shell.version()
    assert page.evaluate("() => caches.keys()") == [f"fieldops-shell-{old}"]
    monkeypatch.setattr(shell, "version", lambda: "0123456789ab")
    page.reload()
    until(page, "() => caches.keys().then(k => k.length === 1 && k[0] === 'fieldops-shell-0123456789ab')")
    assert page.evaluate("""() => caches.open('fieldops-shell-0123456789ab').then(c => c.keys())
                             .then(keys => keys.map(r => r.url).filter(u => u.includes('/static/'))
                             .every(u => u.endsWith('?v=0123456789ab')))""")


def offline_form(tablet, flaky):
    """The visit form the tablet keeps, the server taken away after officer.hn's district was kept."""
    page = tablet("portrait")
    sign_in(page, "officer.hn")
    wait_for_worker(page)
    page.reload()
    wait_for_sync(page)
    flaky.stop()
    page.goto(f"/visits/new/{employer_id(EMPLOYER)}")
    page.wait_for_selector("#visit-form [data-line]")
    page.select_option("#purpose", "registration_drive")
    return page


def queue_with_a_proposal(page, note):
    """The visit on the form kept on the tablet, then a training proposed from it with `note`."""
    page.click("#visit-submit")
    page.wait_for_selector("#visit-offline", state="visible")
    page.select_option("#offline-followup-kind", "training")
    page.fill("#offline-followup-note", note)
    page.click("#offline-propose")
    page.wait_for_selector("#offline-proposed")


def test_a_follow_up_proposed_from_a_visit_made_offline_names_that_visit(tablet, flaky):
    from fieldops.followups.models import FollowUp

    page = offline_form(tablet, flaky)
    queue_with_a_proposal(page, "Tập huấn cài VssID cho phân xưởng")
    expect(page.locator("#outbox-count")).to_have_text("2")

    flaky.start()
    page.goto("/outbox")
    until(page, "() => document.querySelectorAll('.outbox-item[data-status=sent]').length === 2")
    visit = visits_at(EMPLOYER)[0]
    proposed = db.session.scalars(sa.select(FollowUp).where(FollowUp.visit_id == visit.id)).all()
    assert [(f.kind, f.note, f.state) for f in proposed] == [("training", "Tập huấn cài VssID cho phân xưởng",
                                                               "proposed")]
    assert proposed[0].idempotency_key


def test_a_follow_up_proposed_from_a_visit_refused_then_corrected_names_that_visit(tablet, flaky):
    from fieldops.followups.models import FollowUp

    page = offline_form(tablet, flaky)
    # A department added with the name of one the employer has: only the server refuses it.
    page.click("#add-line")
    added = page.locator("[data-line]").last
    added.locator("input[name$='-new_name']").fill("Văn phòng")
    for name, value in (("insured", "12"), ("registered", "3"), ("active", "1")):
        added.locator(f"[data-count={name}]").fill(value)
    queue_with_a_proposal(page, "Tập huấn sau khi sửa")

    flaky.start()
    page.goto("/outbox")
    page.wait_for_selector(".outbox-item[data-status=refused]")
    expect(page.locator(".outbox-item[data-status=waiting]")).to_have_count(1)  # the proposal waits for its visit
    page.locator(".outbox-item[data-status=refused] a").click()
    page.wait_for_selector("#visit-form")
    wrong = page.locator("[data-line]").last.locator("input[name$='-new_name']")
    # Refused again: it stays in the outbox, and so does what waits for it.
    wrong.fill("Phân xưởng sản xuất")
    page.click("#visit-submit")
    page.wait_for_selector("[data-line] .has-error p.error")
    until(page, "() => window.FieldOpsOutbox.unsent().some(e => e.kind === 'visit' && e.status === 'refused')")
    page.locator("[data-line]").last.locator("input[name$='-new_name']").fill("Kho hàng")
    page.click("#visit-submit")
    page.wait_for_url(re.compile(r"/visits/\d+$"))
    [visit] = visits_at(EMPLOYER)
    until(page, "() => !window.FieldOpsOutbox.unsent().length")
    db.session.expire_all()
    proposed = db.session.scalars(sa.select(FollowUp).where(FollowUp.note == "Tập huấn sau khi sửa")).all()
    assert [(f.visit_id, f.kind) for f in proposed] == [(visit.id, "training")]


def test_a_visit_an_earlier_release_kept_is_still_sent(tablet, flaky):
    page = tablet("landscape")
    sign_in(page, "officer.hn")
    open_form(page)
    fields = [[name, value] for name, value in page.evaluate(
        "() => [...new FormData(document.getElementById('visit-form'))].filter(p => p[0] !== 'csrf_token')")]
    fields = [[n, "guidance" if n == "purpose" else v] for n, v in fields]
    key = page.input_value("input[name=idempotency_key]")
    url = f"/visits/new/{employer_id(EMPLOYER)}"
    earlier = [{"id": f"employer-{employer_id(EMPLOYER)}.{key}", "url": url, "fields": fields, "label": EMPLOYER,
                "scope": f"employer-{employer_id(EMPLOYER)}", "draftKey": key, "queued_at": 1, "status": "waiting"}]
    page.evaluate("(items) => localStorage.setItem('fieldops.outbox', JSON.stringify(items))", earlier)
    page.goto("/outbox")
    page.wait_for_selector(".outbox-item[data-status=sent]")
    assert [v.idempotency_key for v in visits_at(EMPLOYER)] == [key]
    assert page.evaluate("() => localStorage.getItem('fieldops.outbox')") is None
