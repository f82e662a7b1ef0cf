"""An officer's day with the network coming and going, the server taken away for
real: sign in, sync the district, lose the network, search, log three visits at
three employers and complete a follow-up, close the browser, open it again,
regain the network: all four are sent once, each with its link."""
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from fieldops.auth.models import User
from fieldops.employers.models import Employer
from fieldops.extensions import db
from fieldops.followups.models import OPEN_STATES, FollowUp, FollowUpState
from fieldops.timeutil import local_today
from fieldops.visits.models import Visit
from tests.browser.conftest import VIEWPORTS, _chromium_path, sign_in
from tests.browser.offline_helpers import (CHROMIUM_PROFILE_ARGS, FlakyServer, outbox, until, wait_for_sync,
                                           wait_for_worker)



@pytest.fixture
def flaky(app, demo_data):
    app.config["WTF_CSRF_ENABLED"] = True
    server = FlakyServer(app)
    server.start()
    yield server
    server.stop()
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def tablet(browser, flaky, tmp_path):
    """tablet(viewport) → a browser with a profile kept on disk: closed and opened
    again, it keeps its service worker, IndexedDB and localStorage."""
    opened = []

    def open_browser(viewport="landscape"):
        # A browser of its own (the session's Playwright starts it): closing it is closing the browser.
        context = browser.browser_type.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=_chromium_path(), args=CHROMIUM_PROFILE_ARGS,
            headless=True, viewport=VIEWPORTS[viewport], base_url=flaky.url, locale="vi-VN")
        context.set_default_timeout(10_000)
        opened.append(context)
        return context

    yield open_browser
    for context in opened:
        try:
            context.close()
        except Exception:  # closed by the test already
            pass


def in_district(officer_name):
    officer = db.session.scalar(sa.select(User).where(User.username == officer_name))
    return officer, db.session.scalars(
        sa.select(Employer).where(Employer.district_id == officer.org_unit_id).order_by(Employer.name)).all()


def fill_visit(page, registered_delta):
    """The offline visit form of the employer open: today's date, a purpose, the
    first department's registered raised by `registered_delta`. Returns the
    figures typed (insured, registered, active, newly)."""
    page.click("#offline-new-visit")
    page.wait_for_selector("#visit-form [data-line]")
    page.select_option("#purpose", "registration_drive")
    row = page.locator("[data-line]").first
    insured = int(row.locator("[data-count=insured]").input_value())
    current = int(row.locator("[data-count=registered]").input_value())
    registered = min(insured, current + registered_delta)
    row.locator("[data-count=registered]").fill(str(registered))
    # "Newly registered" follows the increase over the current figure.
    assert row.locator("[data-count=newly]").input_value() == str(registered - current)
    page.click("#visit-submit")
    page.wait_for_selector("#visit-offline:not([hidden])")
    expect(page.locator("#visit-offline")).to_be_in_viewport()  # tapped at the form's foot, said at its top
    return registered


def open_employer(page, query, name):
    page.goto("/visits/new")
    page.locator("#offline-search").fill(query)
    page.locator("#offline-results a", has_text=name).first.click()
    page.wait_for_selector("#offline-new-visit")


def kept_then_offline(tablet, flaky, viewport="portrait"):
    """officer.hn's tablet with the district kept, then the server taken away: its page."""
    context = tablet(viewport)
    page = context.pages[0] if context.pages else context.new_page()
    sign_in(page, "officer.hn")
    wait_for_worker(page)
    page.reload()
    wait_for_sync(page)
    flaky.stop()
    return page


@pytest.mark.parametrize("viewport", ["landscape", "portrait"])
def test_a_day_offline(flaky, tablet, viewport):
    officer, employers = in_district("officer.hn")
    chosen = employers[:3]
    followup = db.session.scalar(sa.select(FollowUp).where(FollowUp.assignee_id == officer.id,
                                                           FollowUp.state == FollowUpState.in_progress))
    assert followup is not None
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Visit))

    page = kept_then_offline(tablet, flaky, viewport)
    context = page.context
    page.goto("/visits/new")
    assert page.locator("#offline-banner").is_visible()
    # How old the data is: written once the page has read what the tablet keeps.
    expect(page.locator("#offline-age")).to_have_text(re.compile(r"\d\d/\d\d/\d{4}"))
    page.locator("#offline-search").fill("hong ha")  # accents ignored
    page.wait_for_selector("#offline-results a")
    assert page.locator("#offline-results a").first.inner_text().startswith("Công ty TNHH May mặc Hồng Hà")

    typed = {}
    for n, employer in enumerate(chosen):
        open_employer(page, employer.unit_code, employer.name)
        assert page.locator("#offline-departments tbody tr").count() == len(employer.departments)
        # Fitted as the online tables are: in portrait each figure's card says which column it is.
        assert page.locator("#offline-departments tbody td[data-label]").count() > 0
        typed[employer.id] = fill_visit(page, n + 1)
    expect(page.locator("#outbox-count")).to_have_text("3")  # counted once the outbox is written

    page.goto("/followups/mine")
    # The open ones first, soonest due first; the closed after them.
    page.wait_for_selector("#offline-followups > li")
    shown = [int(i.rsplit("-", 1)[1]) for i in
             page.eval_on_selector_all("#offline-followups > li", "items => items.map(li => li.id)")]
    mine = db.session.scalars(sa.select(FollowUp).where(FollowUp.assignee_id == officer.id)).all()
    open_ones = sorted((f for f in mine if f.state in OPEN_STATES), key=lambda f: (f.due_date, f.id))
    assert shown[:len(open_ones)] == [f.id for f in open_ones]
    card = page.locator(f"#offline-followup-{followup.id}")
    card.locator("textarea[name=outcome]").fill("Đã tập huấn xong cho 12 người lao động")
    card.locator("[data-action=complete]").click()
    expect(page.locator("#outbox-count")).to_have_text("4")
    page.goto("/outbox")
    expect(page.locator(".outbox-item[data-status=waiting]")).to_have_count(4)  # listed once the outbox is read

    # The browser is closed; later the network is back, and the browser opened again.
    context.close()
    flaky.start()
    context = tablet(viewport)
    page = context.pages[0] if context.pages else context.new_page()
    page.goto("/")
    if "/login" in page.url:  # the session ended with the browser: signing in again sends them
        sign_in(page, "officer.hn")
    page.goto("/outbox")
    until_sent = page.locator(".outbox-item[data-status=sent]")
    for _ in range(100):  # the list redraws as each is sent
        if until_sent.count() == 4:
            break
        page.wait_for_timeout(100)
    assert until_sent.count() == 4
    expect(page.locator("#outbox-count")).to_have_text("0")
    links = [until_sent.nth(i).locator("a").get_attribute("href") for i in range(4)]
    assert sum(1 for link in links if re.search(r"/visits/\d+$", link)) == 3
    assert f"/followups/{followup.id}" in links

    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == before + 3
    for employer in chosen:
        visits = db.session.scalars(sa.select(Visit).where(Visit.employer_id == employer.id,
                                                           Visit.officer_id == officer.id,
                                                           Visit.visit_date == local_today())).all()
        assert len(visits) == 1
        assert visits[0].lines[0].registered == typed[employer.id]
    assert db.session.get(FollowUp, followup.id).state == FollowUpState.done

    page.click(f"a[href='{links[0]}']")
    assert re.search(r"/(visits|followups)/\d+$", page.url)


def test_every_offline_page_fits_a_tablet(flaky, tablet):
    # The same measures as the pages served online (tests/browser/test_tablet_fit.py), both ways up.
    from tests.browser.test_tablet_fit import measure

    _officer, employers = in_district("officer.hn")
    page = kept_then_offline(tablet, flaky)
    problems = {}
    for path in ("/", "/visits/new", f"/employers/{employers[0].id}", f"/visits/new/{employers[0].id}",
                 "/visits/", "/followups/mine", "/outbox"):
        page.goto(path)
        page.wait_for_selector("#offline-view > *")
        expect(page.locator("#offline-who")).not_to_be_empty()
        problems |= measure(page, path)
        for viewport in ("landscape", "portrait"):
            # measure() leaves it in portrait; each way up, the links end before the outbox starts.
            page.set_viewport_size(VIEWPORTS[viewport])
            links_end = page.eval_on_selector_all(
                "nav.mainnav a", "links => Math.max(...links.filter(a => a.offsetWidth)"
                ".map(a => a.getBoundingClientRect().right))")
            assert links_end <= page.locator(".topbar-end").bounding_box()["x"], (path, viewport)
    assert problems == {}


def test_a_department_that_no_longer_counts_is_not_offered_offline(flaky, tablet):
    # As the form online: the server refuses a line of a department retired (or not yet started).
    from fieldops.employers.lifecycle import retire_department

    officer, employers = in_district("officer.hn")
    employer = next(e for e in employers if len(e.departments) >= 2)
    retired, *counting = sorted(employer.departments, key=lambda d: d.name)
    retire_department(None, retired, local_today(), "Giải thể bộ phận")
    db.session.commit()

    page = kept_then_offline(tablet, flaky)
    open_employer(page, employer.unit_code, employer.name)
    shown = page.locator("#offline-departments tbody tr td:first-child").all_inner_texts()
    assert shown == sorted(d.name for d in counting)
    fill_visit(page, 1)
    assert page.locator("[data-line] h3").all_inner_texts() == sorted(d.name for d in counting)

    flaky.start()
    page.goto("/outbox")
    expect(page.locator(".outbox-item[data-status=sent]")).to_have_count(1, timeout=15_000)
    db.session.expire_all()
    [visit] = db.session.scalars(sa.select(Visit).where(Visit.employer_id == employer.id,
                                                        Visit.officer_id == officer.id)).all()
    assert sorted(line.department.name for line in visit.lines) == sorted(d.name for d in counting)


def test_a_follow_up_action_the_server_refuses_says_why_and_can_be_removed(flaky, tablet):
    # Marked done offline, cancelled by the supervisor meanwhile: the server refuses it (409).
    from fieldops.followups.operations import cancel_followup

    officer, _employers = in_district("officer.hn")
    followup = db.session.scalar(sa.select(FollowUp).where(FollowUp.assignee_id == officer.id,
                                                           FollowUp.state == FollowUpState.in_progress))
    page = kept_then_offline(tablet, flaky)
    page.goto("/followups/mine")
    card = page.locator(f"#offline-followup-{followup.id}")
    assert card.locator("textarea[name=outcome]").get_attribute("maxlength") == "2000"
    card.locator("textarea[name=outcome]").fill("Đã tập huấn")
    card.locator("[data-action=complete]").click()
    expect(page.locator("#outbox-count")).to_have_text("1")
    supervisor = db.session.scalar(sa.select(User).where(User.username == "supervisor.hn"))
    cancel_followup(supervisor, followup, "Doanh nghiệp đã tự làm")
    db.session.commit()

    flaky.start()
    page.goto("/outbox")
    refused = page.locator(".outbox-item[data-status=refused]")
    expect(refused).to_have_count(1)
    expect(refused.locator("p.error")).to_contain_text("Máy chủ trả lời:")
    # Nothing to correct: it says refused, and leads to the follow-up itself.
    expect(refused.locator(".badge")).to_have_text("Máy chủ đã từ chối")
    expect(refused.locator("a")).to_have_text("Mở bản ghi")
    assert refused.locator("a").get_attribute("href") == f"/followups/{followup.id}"
    # The banner says so without asking for a correction, naming the action; nothing else waits to be sent.
    expect(page.locator("#outbox-text")).to_contain_text("Máy chủ đã từ chối một mục")
    expect(page.locator("#outbox-text")).to_contain_text(refused.locator("strong").inner_text())
    expect(page.locator("#outbox-open")).to_be_hidden()  # on the outbox page itself
    expect(page.locator("#outbox-send")).to_be_hidden()
    page.goto("/")
    expect(page.locator("#outbox-open")).to_have_attribute("href", "/outbox")
    page.click("#outbox-open")
    page.wait_for_url("**/outbox")
    # Off the tablet once confirmed: nothing waits, and nothing was recorded.
    page.once("dialog", lambda dialog: dialog.accept())
    refused.locator("[data-action=discard]").click()
    expect(page.locator(".outbox-item")).to_have_count(0)
    expect(page.locator("#outbox-count")).to_have_text("0")
    page.reload()
    expect(page.locator(".outbox-item")).to_have_count(0)
    db.session.expire_all()
    assert db.session.get(FollowUp, followup.id).state == FollowUpState.cancelled


KEPT_FOR = """() => new Promise(resolve => {
    const req = indexedDB.open('fieldops-offline', 1);
    req.onsuccess = () => {
      const get = req.result.transaction('meta').objectStore('meta').get('sync');
      get.onsuccess = () => resolve(get.result ? get.result.user_id : null);
    };
  })"""


def test_a_tablet_shared_by_two_officers_records_nothing_under_the_wrong_one(app, flaky, tablet, monkeypatch):
    # officer.hn's district is kept; officer.cg signs in on the same tablet and the network
    # goes before their own district arrives (here the server fails the sync).
    first, first_employers = in_district("officer.hn")
    second, second_employers = in_district("officer.cg")
    page = kept_then_offline(tablet, flaky)
    flaky.start()
    page.context.clear_cookies()  # officer.hn's session is over
    monkeypatch.setitem(app.view_functions, "offline.district_data", lambda: ("", 503))
    sign_in(page, "officer.cg")
    page.wait_for_load_state("networkidle")
    assert page.evaluate(KEPT_FOR) == str(first.id)
    expect(page.locator("#district-not-kept")).to_be_visible()  # said while the network is there
    flaky.stop()

    for path in ("/", f"/employers/{first_employers[0].id}", f"/visits/new/{first_employers[0].id}",
                 "/followups/mine"):
        page.goto(path)
        notice = page.locator("#offline-not-yours")
        expect(notice).to_contain_text(first.full_name)
        expect(notice).to_contain_text(second.full_name)
        assert page.locator("#visit-form, #offline-new-visit, [data-action]").count() == 0
    expect(page.locator("#offline-who")).to_have_text(second.full_name)
    page.goto("/outbox")
    expect(page.locator(".outbox-item")).to_have_count(0)
    assert outbox(page) == []

    # Their own district arrives with the network: the tablet is theirs to work on offline.
    monkeypatch.undo()
    flaky.start()
    page.goto("/")
    until(page, f"{KEPT_FOR.rstrip()}.then(id => id === '{second.id}')")
    expect(page.locator("#district-not-kept")).to_be_hidden()
    flaky.stop()
    open_employer(page, second_employers[0].unit_code, second_employers[0].name)
    expect(page.locator("#offline-not-yours")).to_have_count(0)
    expect(page.locator("#offline-who")).to_have_text(second.full_name)
    fill_visit(page, 1)
    [item] = outbox(page)
    assert item["owner"] == str(second.id)


def test_a_visit_waiting_in_the_outbox_can_be_taken_back_before_it_is_sent(flaky, tablet):
    officer, employers = in_district("officer.hn")
    kept, taken_back = employers[0], employers[1]
    before = {e.id: len(db.session.scalars(sa.select(Visit).where(Visit.employer_id == e.id)).all())
              for e in (kept, taken_back)}
    page = kept_then_offline(tablet, flaky)
    for employer in (kept, taken_back):
        open_employer(page, employer.unit_code, employer.name)
        fill_visit(page, 1)
    expect(page.locator("#outbox-count")).to_have_text("2")
    page.goto("/outbox")
    item = page.locator(".outbox-item[data-status=waiting]", has_text=taken_back.name)
    page.once("dialog", lambda dialog: dialog.dismiss())  # asked first: dismissed, it stays
    item.locator("[data-action=discard]").click()
    expect(page.locator(".outbox-item")).to_have_count(2)
    page.once("dialog", lambda dialog: dialog.accept())
    item.locator("[data-action=discard]").click()
    expect(page.locator(".outbox-item")).to_have_count(1)
    expect(page.locator("#outbox-count")).to_have_text("1")

    flaky.start()
    page.goto("/outbox")
    expect(page.locator(".outbox-item[data-status=sent]")).to_have_count(1, timeout=15_000)
    expect(page.locator(".outbox-item[data-status=sent] [data-action=discard]")).to_have_count(0)
    expect(page.locator("#outbox-send")).to_be_hidden()  # all sent: nothing left to send now
    db.session.expire_all()
    after = {e.id: len(db.session.scalars(sa.select(Visit).where(Visit.employer_id == e.id)).all())
             for e in (kept, taken_back)}
    assert after == {kept.id: before[kept.id] + 1, taken_back.id: before[taken_back.id]}


def test_an_officer_whose_district_could_not_be_kept_is_told_while_online(app, flaky, tablet, monkeypatch):
    context = tablet("portrait")
    page = context.pages[0] if context.pages else context.new_page()
    monkeypatch.setitem(app.view_functions, "offline.district_data", lambda: ("", 503))
    sign_in(page, "officer.hn")
    notice = page.locator("#district-not-kept")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("chưa được lưu trên máy tính bảng này")
    monkeypatch.undo()
    page.reload()
    wait_for_sync(page)
    expect(notice).to_be_hidden()
    page.goto("/employers/")
    expect(notice).to_be_hidden()
