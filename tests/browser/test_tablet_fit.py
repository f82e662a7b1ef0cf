"""Every page fits a tablet, for every role, in both orientations (1024×768 and
800×1280), on the demo data: nothing scrolls sideways, the top bar is one row,
every tappable thing is big enough (or has room enough around it), and whatever
is wider than its box says that it scrolls.

Each role visits every page of its navigation (the top bar's row and its "More"
menu) and the first of each detail page linked from them (an employer, a visit,
a team, a unit and its sub-units, a return, a follow-up, an officer's figures…).
Each page is loaded once and measured in landscape, then turned to portrait."""
import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from tests.browser.conftest import VIEWPORTS, sign_in

# One row: the top bar's 44 px targets and their padding.
TOP_BAR_MAX = 64
TOUCH = 44
# Detail pages reached from the navigation's pages: the first link of each kind.
DETAILS = [re.compile(p) for p in (
    r"^/employers/\d+$", r"^/visits/\d+$", r"^/progress/units/\d+$", r"^/progress/officers/\d+$",
    r"^/progress/employers/\d+$", r"^/returns/\d+$", r"^/returns/missing", r"^/followups/\d+$",
    r"^/followups/escalations$", r"^/outreach/\d+$", r"^/outreach/plan", r"^/reviews/\d+$",
    r"^/reviews/\d+/(nominations|ranking)$", r"^/reviews/nominations/\d+$", r"^/reviews/dossiers$",
    r"^/progress/units/\d+/worklist$",
    r"^/(employers|returns|progress/targets)/import$",
    r"^/[a-z/]+/new$", r"^/[a-z/]+/\d+/edit$", r"^/visits/new/\d+$", r"^/followups/\d+/complete$",
)]
# Leaders of a district and of a province: the demo has the national one ("viewer").
LEADERS = [("viewer.hn-bd", "Lê Thị Quận", "HN-BD"), ("viewer.hn", "Trần Văn Thành", "HN")]
ROLES = ["officer.hn", "supervisor.hn", "viewer.hn-bd", "viewer.hn", "viewer", "hr", "admin", "care"]

MEASURE = """(limits) => {
  const problems = [];
  const shown = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '') +
    ' "' + (e.textContent || e.value || '').replace(/\\s+/g, ' ').trim().slice(0, 30) + '"';
  if (document.documentElement.scrollWidth > innerWidth)
    problems.push('page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + innerWidth);
  const bar = document.querySelector('header.topbar');
  if (bar && bar.getBoundingClientRect().height > limits.bar)
    problems.push('top bar ' + Math.round(bar.getBoundingClientRect().height) + ' px tall');
  // Whatever scrolls sideways says so: a shadow (is-scrollable) and a visible line of text.
  for (const e of document.querySelectorAll('main *')) {
    // A text field scrolls its own text: not a box cut off.
    if (e.scrollWidth <= e.clientWidth + 1 || e.clientWidth <= 1 || e.matches('input, textarea, select') || !shown(e)) continue;
    const overflow = getComputedStyle(e).overflowX;
    if (overflow === 'visible') continue;
    const hint = e.previousElementSibling;
    if (overflow === 'hidden' || overflow === 'clip') problems.push('cut off: ' + name(e));
    else if (!e.classList.contains('is-scrollable') || !hint || !hint.classList.contains('scroll-hint') || !shown(hint))
      problems.push('scrolls without a cue: ' + name(e));
  }
  // Touch targets: 44 x 44 px, a checkbox's label that big, or a 44 px square around
  // the target that touches no other target (WCAG 2.5.8's spacing).
  const targets = [...document.querySelectorAll(
    'a[href], button, input[type=checkbox], input[type=radio], summary, select')].filter(shown);
  const boxes = targets.map(e => e.getBoundingClientRect());
  const big = r => r.width >= limits.touch - .5 && r.height >= limits.touch - .5;
  targets.forEach((e, i) => {
    const r = boxes[i];
    if (big(r)) return;
    if (e.labels && [...e.labels].some(l => shown(l) && big(l.getBoundingClientRect()))) return;
    const cx = r.left + r.width / 2, cy = r.top + r.height / 2, h = limits.touch / 2;
    const room = {left: Math.min(r.left, cx - h), right: Math.max(r.right, cx + h),
                  top: Math.min(r.top, cy - h), bottom: Math.max(r.bottom, cy + h)};
    const crowded = targets.some((o, j) => {
      if (j === i || o.contains(e) || e.contains(o)) return false;
      const b = boxes[j];
      return b.left < room.right && b.right > room.left && b.top < room.bottom && b.bottom > room.top;
    });
    if (crowded) problems.push('small target ' + Math.round(r.width) + 'x' + Math.round(r.height) + ': ' + name(e));
  });
  return problems;
}"""


@pytest.fixture
def leaders(live_server):
    from fieldops.auth.models import Role
    from fieldops.auth.operations import create_user
    from fieldops.extensions import db
    from fieldops.org.models import OrgUnit

    for username, full_name, code in LEADERS:
        unit = db.session.scalars(sa.select(OrgUnit).where(OrgUnit.code == code)).one()
        create_user(None, username=username, full_name=full_name, role=Role.viewer, org_unit=unit,
                    password="fieldops-demo-2023")
    db.session.commit()


def nav_paths(page):
    """The top bar's destinations, the row's and the "More" menu's."""
    return page.eval_on_selector_all(
        "nav.mainnav a[href]", "links => [...new Set(links.map(a => a.getAttribute('href')))]")


def detail_paths(page, seen):
    """The first link of each kind of detail page on this page not yet found."""
    found = []
    for href in page.eval_on_selector_all("main a[href]", "links => links.map(a => a.getAttribute('href'))"):
        path = urlsplit(href).path
        for pattern in DETAILS:
            if pattern.search(path) and pattern.pattern not in seen:
                seen.add(pattern.pattern)
                found.append(href)
    return found


def measure(page, path):
    problems = {}
    for viewport in ("landscape", "portrait"):
        page.set_viewport_size(VIEWPORTS[viewport])
        # The page's own answer to the new size (app.js) comes with the next frames.
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        found = page.evaluate(MEASURE, {"bar": TOP_BAR_MAX, "touch": TOUCH})
        if found:
            problems[f"{path} ({viewport})"] = found
    return problems


@pytest.mark.parametrize("username", ROLES)
def test_every_page_fits_a_tablet(browser_page, leaders, username):
    page = browser_page("landscape")
    sign_in(page, username)
    paths, seen, problems = nav_paths(page), set(), {}
    assert len(paths) >= 3
    visited = []
    while paths:
        path = paths.pop(0)
        if path in visited:
            continue
        visited.append(path)
        page.set_viewport_size(VIEWPORTS["landscape"])
        response = page.goto(path, wait_until="domcontentloaded")
        assert response.ok, path
        paths += detail_paths(page, seen)
        problems.update(measure(page, path))
    assert not problems, "\n".join(f"{where}: {what}" for where, found in problems.items() for what in found)
    # The main detail pages of the role were among them.
    assert len(visited) > len(nav_paths(page))


@pytest.mark.parametrize("viewport", ["landscape", "portrait"])
def test_the_more_menu_opens_from_the_keyboard_and_holds_the_rest(browser_page, viewport):
    page = browser_page(viewport)
    sign_in(page, "officer.hn")
    row = page.eval_on_selector_all("nav.mainnav > a", "links => links.filter(a => a.offsetParent).map(a => a.getAttribute('href'))")
    assert row[:2] == ["/visits/new", "/visits/"]
    menu = page.locator("#nav-more")
    assert menu.locator("a[href='/outreach/']").is_hidden()
    page.focus("#nav-more summary")
    page.keyboard.press("Enter")
    assert menu.locator("a[href='/outreach/']").is_visible()
    # Everything the row does not show is in the menu, and nothing twice.
    shown = row + menu.locator("a[href]:visible").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert "/followups/mine" in shown and "/returns/" in shown and "/account" in shown
    assert len([p for p in shown if p != "/account"]) == len(set(p for p in shown if p != "/account"))
    assert menu.locator("#logout-form button").is_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**" + shown[len(row)])


def test_the_returns_grid_keeps_each_group_in_its_cell_in_portrait(browser_page):
    page = browser_page("portrait")
    sign_in(page, "supervisor.hn")
    page.goto("/returns/")
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    assert page.locator("#returns-table td[data-group] a").count() >= 4
    spills = page.evaluate("""() => {
      const out = [];
      for (const cell of document.querySelectorAll('#returns-table td')) {
        const box = cell.getBoundingClientRect();
        for (const e of cell.querySelectorAll('*')) {
          const r = e.getBoundingClientRect();
          if (r.left < box.left - .5 || r.right > box.right + .5)
            out.push(e.textContent.trim() + ': ' + Math.round(r.left) + '-' + Math.round(r.right) +
                     ' outside ' + Math.round(box.left) + '-' + Math.round(box.right));
        }
      }
      return out;
    }""")
    assert not spills, "\n".join(spills)
    # Cards do not scroll sideways: no hint says they do.
    assert page.locator(".scroll-hint").count() == 0


@pytest.mark.parametrize("viewport", ["landscape", "portrait"])
def test_the_months_button_sits_level_with_its_field(browser_page, viewport):
    page = browser_page(viewport)
    sign_in(page, "supervisor.hn")
    page.goto("/returns/")
    button, field = page.locator(".searchbar button").bounding_box(), page.locator("#month").bounding_box()
    assert button["height"] <= TOUCH + 4 and abs(button["y"] + button["height"] - field["y"] - field["height"]) <= 1


def test_an_import_page_in_portrait_puts_the_column_guide_under_the_form(browser_page):
    page = browser_page("portrait")
    sign_in(page, "admin")
    page.goto("/employers/import")
    form, guide = [page.locator(".columns > *").nth(i).bounding_box() for i in (0, 1)]
    assert guide["y"] >= form["y"] + form["height"] and guide["width"] >= 700
