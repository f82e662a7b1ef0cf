"""People are told: a visit verified or returned reaches its officer; the daily commands
tell an assignee of a follow-up due tomorrow and a district's staff of the returns
missing for the month just closed, once however often they run; each notice is seen
by its addressee only and opens its subject, within scope."""
import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from fieldops.extensions import db
from fieldops.followups.models import FollowUpNotice, NoticeEvent
from fieldops.followups.notices import notify_due_tomorrow, notify_reviewed
from fieldops.returns.models import RETURN_GROUPS
from fieldops.returns.queries import last_month_due
from fieldops.returns.reminders import notify_missing_returns
from fieldops.timeutil import local_today, utcnow
from fieldops.visits.models import ReviewState
from tests import factories
from tests.conftest import sign_in
from tests.visit_helpers import in_english


@pytest.fixture
def world(org, users):
    campaign = factories.campaign()
    employer = factories.employer(org["HN-BD"], name="Công ty TNHH Hồng Hà")
    visit = factories.visit(users["HN"]["officer"], employer)
    db.session.commit()
    return {"campaign": campaign, "employer": employer, "visit": visit, "users": users, "org": org}


def notices(**where):
    stmt = sa.select(FollowUpNotice).order_by(FollowUpNotice.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(FollowUpNotice, name) == value)
    return db.session.scalars(stmt).all()


def page_of(app, user, path="/followups/notices"):
    return in_english(sign_in(app.test_client(), user)).get(path).get_data(as_text=True)


def badge(app, user):
    found = re.search(r'data-count="(\d+)"', page_of(app, user, "/"))
    return int(found.group(1)) if found else 0


# --- a visit reviewed ----------------------------------------------------------------------


def test_a_returned_visit_tells_its_officer_why_and_opens_the_visit(app, world, client_as):
    visit, hn, ht = world["visit"], world["users"]["HN"], world["users"]["HT"]
    reason = "Số người đã đăng ký lớn hơn số tham gia <b>kiểm tra</b>"
    response = client_as("supervisor").post(f"/visits/{visit.id}/review",
                                            data={"decision": "return", "reason": reason})
    assert response.status_code == 302
    [notice] = notices()
    assert (notice.user_id, notice.visit_id, notice.event, notice.note) == (
        hn["officer"].id, visit.id, NoticeEvent.visit_returned, reason)
    assert badge(app, hn["officer"]) == 1
    page = page_of(app, hn["officer"])
    assert "returned to you" in page and "Công ty TNHH Hồng Hà" in page
    assert "&lt;b&gt;kiểm tra&lt;/b&gt;" in page and "<b>kiểm tra" not in page  # the reason is text, escaped
    assert f'href="/visits/{visit.id}"' in page
    assert badge(app, hn["officer"]) == 0  # the page marked it seen
    assert sign_in(app.test_client(), hn["officer"]).get(f"/visits/{visit.id}").status_code == 200
    # Nobody else is told, and another province's officer cannot open the visit.
    for other in (hn["supervisor"], ht["officer"], ht["supervisor"]):
        assert "Công ty TNHH Hồng Hà" not in page_of(app, other) and badge(app, other) == 0
    assert sign_in(app.test_client(), ht["officer"]).get(f"/visits/{visit.id}").status_code == 404


def test_a_verified_visit_tells_its_officer_once(app, world, client_as):
    visit, officer = world["visit"], world["users"]["HN"]["officer"]
    supervisor = client_as("supervisor")
    supervisor.post(f"/visits/{visit.id}/review", data={"decision": "verify"})
    supervisor.post(f"/visits/{visit.id}/review", data={"decision": "verify"})  # a double tap
    db.session.refresh(visit)
    assert visit.state == ReviewState.verified
    assert [(n.user_id, n.event, n.note) for n in notices()] == [(officer.id, NoticeEvent.visit_verified, "")]
    assert "verified" in page_of(app, officer)


def test_a_refused_review_tells_nobody(world, client_as):
    visit = world["visit"]
    response = client_as("supervisor").post(f"/visits/{visit.id}/review", data={"decision": "return", "reason": " "})
    assert response.status_code == 422 and notices() == []
    assert client_as("supervisor", "HT").post(f"/visits/{visit.id}/review",
                                              data={"decision": "verify"}).status_code == 404
    assert notices() == []


def test_many_visits_reviewed_at_once_are_notified_in_one_call(world):
    hn, employer = world["users"]["HN"], world["employer"]
    second = factories.user(world["org"]["HN-BD-T1"])
    visits = [world["visit"], factories.visit(second, employer, visit_date=date(2023, 6, 2)),
              factories.visit(hn["supervisor"], employer, visit_date=date(2023, 6, 3))]
    assert notify_reviewed(visits, hn["supervisor"], "verify") == 2  # not to the reviewer for their own
    assert {(n.user_id, n.visit_id) for n in notices()} == {(hn["officer"].id, visits[0].id),
                                                             (second.id, visits[1].id)}


@pytest.mark.parametrize("unseen, shown, label", [
    (99, "99", "99 new notifications"),
    (100, "99+", "More than 99 new notifications"),
    (2500, "99+", "More than 99 new notifications"),
])
def test_the_badge_counts_up_to_99_then_says_more(app, world, unseen, shown, label):
    """An officer who never opens their notices has thousands: the session's read
    counts no further than the badge shows."""
    from tests.statements import recorded

    officer, visit = world["users"]["HN"]["officer"], world["visit"]
    db.session.execute(sa.insert(FollowUpNotice), [
        {"user_id": officer.id, "visit_id": visit.id, "event": NoticeEvent.visit_verified,
         "created_at": utcnow()} for _ in range(unseen)])
    db.session.commit()
    client = in_english(sign_in(app.test_client(), officer))
    with recorded() as statements:
        page = client.get("/").get_data(as_text=True)
    badge_html = re.search(r'<a class="fu-bell".*?</a>', page, re.S).group(0)
    assert f'aria-label="{label}"' in badge_html
    assert re.search(r'<span class="fu-count"[^>]*>([^<]*)</span>', badge_html).group(1) == shown
    assert not [s for s in statements if s.startswith("SELECT count") and "follow_up_notice" in s]  # with the session
    assert "Notifications" in client.get("/followups/notices").get_data(as_text=True)
    assert 'class="fu-count"' not in client.get("/").get_data(as_text=True)  # opened: all seen


# --- a follow-up due tomorrow ---------------------------------------------------------------


@pytest.fixture
def due(world):
    hn, employer = world["users"]["HN"], world["employer"]
    today = date(2023, 6, 30)

    def made(days, state="approved", assignee=hn["officer"]):
        return factories.followup(hn["officer"], employer, assignee=assignee, due_date=today + timedelta(days=days),
                                  state=state, decider=hn["supervisor"], today=today)

    found = {"tomorrow": made(1), "started": made(1, "in_progress"), "proposed": made(1, "proposed"),
             "later": made(2), "today": made(0), "done": made(1, "done")}
    db.session.query(FollowUpNotice).delete()
    db.session.commit()
    return found


def test_the_assignee_is_told_of_a_follow_up_due_tomorrow_once(app, world, due):
    officer = world["users"]["HN"]["officer"]
    # 23:30 UTC on 30/06 is already 1 July in Vietnam: "tomorrow" is 2 July.
    assert notify_due_tomorrow(datetime(2023, 6, 30, 23, 30)) == 1
    assert notify_due_tomorrow(datetime(2023, 7, 1, 9, 0)) == 0  # the same day again
    db.session.commit()
    [notice] = notices(event=NoticeEvent.due_tomorrow)
    assert (notice.user_id, notice.follow_up_id) == (officer.id, due["later"].id)
    page = page_of(app, officer)
    assert "due tomorrow" in page and f'href="/followups/{due["later"].id}"' in page and "02/07/2023" in page
    assert "due tomorrow" not in page_of(app, world["users"]["HT"]["officer"])
    assert sign_in(app.test_client(), world["users"]["HT"]["officer"]).get(
        f"/followups/{due['later'].id}").status_code == 404


def test_the_evening_before_in_vietnam_is_still_the_same_day(world, due):
    # 16:59 UTC on 30/06 is 23:59 in Vietnam: tomorrow is 1 July (approved and started ones, not the rest).
    assert notify_due_tomorrow(datetime(2023, 6, 30, 16, 59)) == 2
    assert {n.follow_up_id for n in notices()} == {due["tomorrow"].id, due["started"].id}


# --- returns missing -----------------------------------------------------------------------


def file_all(filer, district, month, groups=RETURN_GROUPS):
    for group in groups:
        factories.group_return(filer, district, str(group), month)
    db.session.commit()


def test_district_staff_are_told_of_the_returns_missing_for_the_month_just_closed(app, world):
    hn, ht, org = world["users"]["HN"], world["users"]["HT"], world["org"]
    team_officer = factories.user(org["HN-BD-T1"])
    factories.user(org["HN-BD"], active=False)
    file_all(hn["officer"], org["HN-BD"], date(2023, 11, 1))
    file_all(ht["officer"], org["HT-TP"], date(2023, 11, 1), RETURN_GROUPS[:3])
    file_all(ht["officer"], org["HT-TP"], date(2023, 12, 1))
    # 23:59 on 30/11 in Vietnam: November is not closed yet, October is: nothing filed anywhere.
    assert notify_missing_returns(datetime(2023, 11, 30, 16, 59)) == 5
    db.session.query(FollowUpNotice).delete()
    # 23:30 UTC on 30/11 is 1 December in Vietnam: November just closed.
    assert notify_missing_returns(datetime(2023, 11, 30, 23, 30)) == 2  # Hà Tĩnh's officer and supervisor
    assert notify_missing_returns(datetime(2023, 12, 1, 8, 0)) == 0
    db.session.commit()
    assert {(n.user_id, n.district_id, n.month) for n in notices()} == {
        (ht["officer"].id, org["HT-TP"].id, date(2023, 11, 1)), (ht["supervisor"].id, org["HT-TP"].id, date(2023, 11, 1))}
    # December closed: Ba Đình has filed nothing, its officers (its team's too) and supervisor are told.
    assert notify_missing_returns(datetime(2024, 1, 2, 1, 0)) == 3
    db.session.commit()
    told = {n.user_id for n in notices(month=date(2023, 12, 1))}
    assert told == {hn["officer"].id, hn["supervisor"].id, team_officer.id}
    page = page_of(app, hn["officer"])
    assert "returns not filed for the month just closed" in page and "Returns for 12/2023" in page
    assert "BHXH quận Ba Đình" in page and 'href="/returns/?month=2023-12"' in page
    returns_page = in_english(sign_in(app.test_client(), hn["officer"])).get("/returns/?month=2023-12")
    assert returns_page.status_code == 200 and 'value="2023-12"' in returns_page.get_data(as_text=True)
    assert "BHXH quận Ba Đình" not in page_of(app, ht["officer"])
    assert "Returns for" not in page_of(app, hn["viewer"])


def test_the_daily_commands_notify_once_however_often_they_run(app, world):
    hn = world["users"]["HN"]
    followup = factories.followup(hn["officer"], world["employer"], due_date=local_today() + timedelta(days=1),
                                  state="approved", decider=hn["supervisor"])
    db.session.query(FollowUpNotice).delete()
    db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["followups", "notify-due"])
    assert first.exit_code == 0 and "1 notices of follow-ups due tomorrow added" in first.output
    assert "0 notices" in runner.invoke(args=["followups", "notify-due"]).output
    # The 2023 campaign is over: its last month, December, is the one due (nothing filed: 4 people told in all).
    first = runner.invoke(args=["returns", "notify-missing"])
    assert first.exit_code == 0 and "4 notices of missing returns added" in first.output
    assert "0 notices" in runner.invoke(args=["returns", "notify-missing"]).output
    db.session.expire_all()
    assert len(notices(follow_up_id=followup.id, event=NoticeEvent.due_tomorrow)) == 1
    assert len(notices(event=NoticeEvent.return_missing)) == 4


def test_without_a_campaign_no_return_is_missing(org, users):
    assert notify_missing_returns(utcnow()) == 0 and notices() == []


# --- the returns page opens on the last month due ----------------------------------------------


@pytest.mark.parametrize("today, month", [
    (date(2023, 9, 15), date(2023, 8, 1)),  # the month just closed
    (date(2023, 9, 1), date(2023, 8, 1)),
    (date(2023, 12, 31), date(2023, 11, 1)),
    (date(2024, 1, 1), date(2023, 12, 1)),
    (date(2026, 5, 20), date(2023, 12, 1)),  # the campaign's last month, once it is over
    (date(2023, 1, 20), date(2023, 1, 1)),  # nothing closed in the campaign yet: this month
])
def test_the_last_month_due(world, today, month):
    assert last_month_due(today) == month


def test_without_a_campaign_the_last_month_due_is_the_month_just_closed(org):
    assert last_month_due(date(2024, 3, 1)) == date(2024, 2, 1)


def test_the_returns_page_opens_on_the_last_month_due(app, world):
    page = page_of(app, world["users"]["HN"]["officer"], "/returns/")
    assert 'value="2023-12"' in page  # the 2023 campaign's last month, not this month
    assert "/returns/new?month=2023-12" in page
