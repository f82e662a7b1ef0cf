"""The Customer Care Center's loop (fieldops/followups/care.py): a queue of the
escalations a supervisor approved, with the employer's contact; the Center's
answer moves the follow-up on and reaches the officer and the supervisor; the
export carries the same columns, approved escalations only unless told."""

import re

import pytest
import sqlalchemy as sa
from flask import render_template_string

from fieldops.audit.models import AuditEvent
from fieldops.employers.phones import normalize_phone
from fieldops.extensions import db
from fieldops.followups.forms import CareAnswerForm
from fieldops.followups.models import CareAnswer, FollowUp, FollowUpNotice, FollowUpState, NoticeEvent
from tests import factories
from tests.conftest import sign_in
from tests.export_files import csv_rows
from tests.followup_helpers import fu, in_english  # noqa: F401
from tests.statements import recorded


@pytest.fixture
def center(fu, org):
    """Hà Nội's Center user; an approved escalation (OTP not received, 2 people) at an
    employer with a contact, a mere proposal, and Hà Tĩnh's approved escalation."""
    employer = fu["employer"]
    employer.contact_name, employer.contact_phone = "Chị Nguyễn Thu Hà (kế toán)", "0912345678"
    otp = next(o for o in fu["visit"].obstacles if o.category == "otp_not_received")
    otp.note = "Hai công nhân ca đêm không nhận được mã OTP"
    approved = factories.followup(fu["officer"], employer, kind="escalation", visit=fu["visit"], obstacle=otp,
                                  state="approved", decider=fu["supervisor"], note="Gọi trước 10 giờ")
    smartphone = next(o for o in fu["visit"].obstacles if o.category == "no_smartphone")
    proposal = factories.followup(fu["officer"], employer, kind="escalation", visit=fu["visit"], obstacle=smartphone)
    ht_visit = factories.visit(fu["users"]["HT"]["officer"], fu["ht_employer"], obstacles=[("app_error", 4, "")])
    ht = factories.followup(fu["users"]["HT"]["officer"], fu["ht_employer"], kind="escalation", visit=ht_visit,
                            obstacle=ht_visit.obstacles[0], state="approved", decider=fu["users"]["HT"]["supervisor"])
    care = fu["users"]["HN"]["care"]  # provincial: Hà Nội's area
    db.session.commit()
    return {"approved": approved, "proposal": proposal, "ht": ht, "care": care}


def _client(app, user):
    return in_english(sign_in(app.test_client(), user))


def test_the_queue_shows_approved_escalations_with_the_contact(app, fu, center):
    page = _client(app, center["care"]).get("/followups/care")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'data-escalation="{center["approved"].id}"' in text
    assert f'data-escalation="{center["proposal"].id}"' not in text  # never a mere proposal
    assert f'data-escalation="{center["ht"].id}"' not in text  # outside its area
    for shown in ("Chị Nguyễn Thu Hà (kế toán)", 'href="tel:0912345678"', "OTP not received",
                  "Hai công nhân ca đêm không nhận được mã OTP", "Gọi trước 10 giờ"):
        assert shown in text, shown
    assert 'href="/followups/care"' in text  # in the navigation


@pytest.mark.parametrize("answer, state", [("resolved", FollowUpState.done),
                                           ("needs_officer", FollowUpState.in_progress),
                                           ("not_ours", FollowUpState.cancelled)])
def test_the_answer_moves_the_follow_up_on_and_reaches_officer_and_supervisor(app, fu, center, answer, state):
    followup = center["approved"]
    prefix = f"care{followup.id}"
    response = _client(app, center["care"]).post(f"/followups/{followup.id}/care-answer", data={
        f"{prefix}-answer": answer, f"{prefix}-note": "Đã cấp lại mã OTP qua tổng đài"})
    assert response.status_code == 302
    db.session.expire_all()
    done = db.session.get(FollowUp, followup.id)
    assert (done.state, done.care_answer, done.care_note) == (state, CareAnswer(answer),
                                                             "Đã cấp lại mã OTP qua tổng đài")
    notified = set(db.session.scalars(sa.select(FollowUpNotice.user_id).where(
        FollowUpNotice.follow_up_id == followup.id, FollowUpNotice.event == NoticeEvent.care_answered)))
    assert notified == {fu["officer"].id, fu["supervisor"].id}
    assert db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "follow_up.care_answer")).one()
    officer = _client(app, fu["officer"])
    assert "answered by the Customer Care Center" in officer.get("/followups/notices").get_data(as_text=True)
    page = officer.get(f"/followups/{followup.id}").get_data(as_text=True)
    assert 'id="followup-care-answer"' in page and "Đã cấp lại mã OTP qua tổng đài" in page
    queue = _client(app, center["care"]).get("/followups/care").get_data(as_text=True)
    answered = queue[queue.index('id="care-answered"'):]
    assert f'data-escalation="{followup.id}"' not in queue
    assert fu["employer"].name in answered and "Đã cấp lại mã OTP qua tổng đài" in answered
    assert {"resolved": "Resolved by the Center", "needs_officer": "Needs the officer",
            "not_ours": "Not the Center's to fix"}[answer] in answered


def test_bad_answers_are_refused_and_change_nothing(app, fu, center):
    client = _client(app, center["care"])
    followup, prefix = center["approved"], f"care{center['approved'].id}"
    for data, message in (({f"{prefix}-answer": "resolved", f"{prefix}-note": "  "}, "Write a note"),
                          ({f"{prefix}-answer": "lost", f"{prefix}-note": "x"}, "Not a valid choice"),
                          ({f"{prefix}-answer": "resolved", f"{prefix}-note": "x" * 2001}, "2000")):
        response = client.post(f"/followups/{followup.id}/care-answer", data=data)
        assert response.status_code == 422 and message in response.get_data(as_text=True), message
    # A proposal, or an escalation already answered, cannot be answered.
    proposal = center["proposal"]
    response = client.post(f"/followups/{proposal.id}/care-answer", data={
        f"care{proposal.id}-answer": "resolved", f"care{proposal.id}-note": "x"})
    assert response.status_code == 422
    # Outside its area: 404.
    ht = center["ht"]
    response = client.post(f"/followups/{ht.id}/care-answer", data={
        f"care{ht.id}-answer": "resolved", f"care{ht.id}-note": "x"})
    assert response.status_code == 404
    db.session.expire_all()
    for made in (followup, proposal, ht):
        assert db.session.get(FollowUp, made.id).care_answer is None
    # Other roles cannot answer at all.
    assert _client(app, fu["supervisor"]).post(f"/followups/{followup.id}/care-answer", data={}).status_code == 403


def _statements(client, path):
    with recorded() as sent:
        page = client.get(path)
    assert page.status_code == 200
    return page.get_data(as_text=True), len(sent)


def _answer_form_of(page, followup_id):
    found = re.search(rf'<form method="post" action="/followups/{followup_id}/care-answer".*?</form>', page, re.S)
    return " ".join(found.group(0).split())


def test_every_row_gets_its_own_answer_form_at_the_cost_of_one(app, fu, center, org):
    client = _client(app, center["care"])
    one, statements_one = _statements(client, "/followups/care")
    approved = center["approved"].id
    # The row's form as a form object of its own renders it, the fields' ids and names carrying the row's id.
    with app.test_request_context():
        expected = " ".join(render_template_string(
            '{% from "macros/forms.html" import field, error_summary %}'
            '<form method="post" action="{{ url_for(\'followups.care_answer\', followup_id=id) }}" novalidate '
            'class="care-answer">{{ form.csrf_token }}{{ error_summary(form) }}{{ field(form.answer) }}'
            '{{ field(form.note, rows=3) }}<button class="primary">Record the answer</button></form>',
            form=CareAnswerForm(prefix=f"care{approved}", formdata=None), id=approved).split())
    assert _answer_form_of(one, approved).replace("> <", "><") == expected.replace("> <", "><")
    assert f'<label for="care{approved}-answer">' in one and f'name="care{approved}-note"' in one

    more = []
    for n in range(9):
        employer = factories.employer(org["HN-BD"], name=f"Công ty số {n}")
        visit = factories.visit(fu["officer"], employer, obstacles=[("app_error", 4, "")])
        more.append(factories.followup(fu["officer"], employer, kind="escalation", visit=visit,
                                       obstacle=visit.obstacles[0], state="approved", decider=fu["supervisor"]))
        if n % 2:  # moved since: its open escalation stays with Ba Đình, the row names the district managing it now
            employer.district = org["HN-CG"]
    db.session.commit()
    ten, statements_ten = _statements(client, "/followups/care")
    assert all(f'id="care{f.id}-answer"' in ten and f'for="care{f.id}-note"' in ten for f in more)
    assert _answer_form_of(ten, approved) == _answer_form_of(one, approved)
    assert statements_ten == statements_one  # ten rows cost the statements of one
    for district in (org["HN-BD"], org["HN-CG"]):
        assert f"<dd>{district.code} · {district.name}</dd>" in ten
    # A row sent with errors keeps what was typed and its messages; the other rows stay blank.
    sent = client.post(f"/followups/{approved}/care-answer", data={
        f"care{approved}-answer": "resolved", f"care{approved}-note": " "}).get_data(as_text=True)
    assert "Write a note for the officer." in _answer_form_of(sent, approved)
    assert '<option selected value="resolved">' in _answer_form_of(sent, approved)
    assert "error" not in _answer_form_of(sent, more[0].id)


def test_an_escalation_is_made_once_and_follows_its_row_and_the_language(app, fu, center):
    """The facts of a row (its heading and contact) are made once for the row and the
    language: another view makes none again, a row that changed and another language
    show at once, and the answer form beside them is made on each view."""
    client = _client(app, center["care"])
    kept = app.jinja_env.globals["remembered"].kept
    kept.clear()
    first = client.get("/followups/care").get_data(as_text=True)
    made = dict(kept)
    assert len([key for key in made if key[0].co_filename.endswith("followups/care.html")]) == 1
    again = client.get("/followups/care").get_data(as_text=True)
    assert all(kept[key] is fragment for key, fragment in made.items()) and len(kept) == len(made)
    approved = center["approved"].id
    assert _answer_form_of(again, approved) == _answer_form_of(first, approved)
    assert 'href="tel:0912345678"' in again

    fu["employer"].contact_phone, center["approved"].note = "0987654321", "Gọi sau 14 giờ"
    db.session.commit()
    changed = client.get("/followups/care").get_data(as_text=True)
    assert 'href="tel:0987654321"' in changed and "0912345678" not in changed
    assert "Gọi sau 14 giờ" in changed and "Gọi trước 10 giờ" not in changed

    assert client.post("/language", data={"lang": "vi", "next": "/"}).status_code == 302
    in_vietnamese = client.get("/followups/care").get_data(as_text=True)
    assert "<dt>Người liên hệ</dt>" in in_vietnamese and "Contact person" not in in_vietnamese
    assert "<dt>Ngày duyệt</dt>" in in_vietnamese
    assert f'<label for="care{approved}-answer">' in _answer_form_of(in_vietnamese, approved)


def _csv(data: bytes):
    return csv_rows(data, "en")


def test_the_export_carries_the_queue_columns_and_approved_escalations_only(app, fu, center, tmp_path):
    client = _client(app, fu["supervisor"])
    rows = _csv(client.get("/followups/export?kind=escalation&format=csv").data)
    header, body = rows[0], rows[1:]
    assert [int(r[0]) for r in body] == [center["approved"].id]
    line = dict(zip(header, body[0]))
    assert (line["Contact person"], line["Contact phone"]) == ("Chị Nguyễn Thu Hà (kế toán)", "0912345678")
    assert line["Description"] == "Hai công nhân ca đêm không nhận được mã OTP — Gọi trước 10 giờ"
    rows = _csv(client.get("/followups/export?kind=escalation&format=csv&proposals=1").data)
    assert sorted(int(r[0]) for r in rows[1:]) == sorted([center["approved"].id, center["proposal"].id])

    out = tmp_path / "cskh.csv"
    result = app.test_cli_runner().invoke(args=["followups", "export", "--kind", "escalation", "--format", "csv",
                                                "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    cli_rows = _csv(out.read_bytes())
    assert cli_rows[0] == header
    assert sorted(int(r[0]) for r in cli_rows[1:]) == sorted([center["approved"].id, center["ht"].id])


def test_an_obstacle_only_the_center_can_fix_is_proposed_as_an_escalation(app, fu):
    client = _client(app, fu["officer"])
    for obstacle in fu["visit"].obstacles:
        page = client.get(f"/followups/new?obstacle={obstacle.id}").get_data(as_text=True)
        chosen = "escalation" if obstacle.category == "otp_not_received" else "revisit"
        assert f'<option selected value="{chosen}">' in page, obstacle.category


@pytest.mark.parametrize("typed, kept", [
    ("+84 912-345-678", "0912345678"), ("0912.345.678", "0912345678"), ("84912345678", "0912345678"),
    ("(024) 3824 5678", "02438245678"), ("0084 912 345 678", "0912345678"), ("", ""),
    ("12345", None), ("09123456789012", None), ("+1 202 555 0100", None), ("0912abc678", None),
    ("=HYPERLINK(1)", None), ("0" * 40, None),
])
def test_phone_numbers_in_odd_forms(typed, kept):
    assert normalize_phone(typed) == kept


def test_the_employer_form_takes_a_contact_and_refuses_a_bad_phone(app, fu, client_as):
    employer = fu["employer"]
    client = in_english(client_as("admin"))
    data = {"unit_code": employer.unit_code, "tax_code": employer.tax_code, "name": employer.name,
            "address": employer.address, "sector": employer.sector, "district_id": employer.district_id,
            "contact_name": "Anh Lê Văn Nam", "contact_phone": "12345"}
    response = client.post(f"/employers/{employer.id}/edit", data=data)
    assert response.status_code == 422 and "Enter a Vietnamese phone number" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(employer), employer.id).contact_phone == ""
    response = client.post(f"/employers/{employer.id}/edit", data=data | {"contact_phone": "+84 912-345-678"})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(type(employer), employer.id)
    assert (saved.contact_name, saved.contact_phone) == ("Anh Lê Văn Nam", "0912345678")


def test_the_queue_pages_the_waiting_escalations_in_the_order_they_were_approved(app, fu, center, org):
    """The page's rows are picked from the waiting escalations' index entries, then joined
    (followups/care.py): the order of approval across districts, twenty a page, the count of
    them all, and nothing answered, done or outside the area on any page."""
    from datetime import datetime, timedelta

    waiting = []
    approved_at = datetime(2026, 11, 2, 8, 0)
    for n in range(23):
        employer = factories.employer(org["HN-BD"], name=f"Công ty chờ {n:02d}")
        visit = factories.visit(fu["officer"], employer, obstacles=[("otp_not_received", 1, "")])
        followup = factories.followup(fu["officer"], employer, kind="escalation", visit=visit,
                                      obstacle=visit.obstacles[0], state="in_progress" if n == 5 else "approved",
                                      decider=fu["supervisor"])
        # Approved in an order of their own: not the order they were made in, nor their districts'.
        followup.decided_at = approved_at + timedelta(minutes=(n * 7) % 23)
        if n % 2:  # managed by Cầu Giấy: the queue's area is the province
            followup.district_id = org["HN-CG"].id
        waiting.append(followup)
    answered = waiting.pop(3)
    answered.care_answer, answered.care_note, answered.care_answered_at = \
        CareAnswer.needs_officer, "Đã gọi", datetime(2026, 11, 3)
    center["approved"].decided_at = approved_at - timedelta(days=1)  # the oldest of all
    db.session.commit()
    expected = [center["approved"].id] + [f.id for f in sorted(waiting, key=lambda f: (f.decided_at, f.id))]
    client = _client(app, center["care"])
    shown = []
    for number in (1, 2):
        page = client.get(f"/followups/care?page={number}").get_data(as_text=True)
        assert "23 escalations" in page
        shown += [int(i) for i in re.findall(r'data-escalation="(\d+)"', page)]
    assert shown == expected and answered.id not in shown and center["ht"].id not in shown
