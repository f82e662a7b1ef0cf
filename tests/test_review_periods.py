"""Review periods: creating one, its criteria, closing it (which freezes its
figures); bad input says why and changes nothing."""
from datetime import date

import pytest
import sqlalchemy as sa

from fieldops.extensions import db
from fieldops.reviews import operations, standings
from fieldops.reviews.models import NomineeKind, PeriodState, ReviewFigure, ReviewPeriod
from tests.review_helpers import (  # noqa: F401
    CUT_OFF, audit_actions, counts, error_beside, flashes, in_english, period_with, rv,
)


def _hr(client_as):
    return in_english(client_as("hr"))


def test_hr_creates_a_review_for_their_area(rv, client_as):
    client = _hr(client_as)
    assert client.get("/reviews/new").status_code == 200
    response = client.post("/reviews/new", data={"org_unit_id": rv["org"]["HN"].id, "kind": "interim",
                                                 "cut_off": "2023-06-30"})
    assert response.status_code == 302
    period = db.session.scalars(sa.select(ReviewPeriod)).one()
    assert (period.kind, period.cut_off, period.state) == ("interim", CUT_OFF, PeriodState.open)
    assert audit_actions("review_period", period.id) == ["review_period.create"]
    html = client.get(response.location).get_data(as_text=True)
    assert "Interim review" in html and "BHXH Hà Nội" in html


@pytest.mark.parametrize("cut_off", ["2023-05-04", "2024-01-01", "2022-12-31"])
def test_a_cut_off_outside_the_campaign_is_refused(rv, client_as, cut_off):
    client = _hr(client_as)
    before = counts()
    response = client.post("/reviews/new", data={"org_unit_id": rv["org"]["HN"].id, "kind": "interim",
                                                 "cut_off": cut_off})
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), "cut_off") == \
        "Choose a cut-off date within the campaign (05/05/2023 – 31/12/2023)."
    assert counts() == before


def test_other_bad_period_input(rv, client_as):
    client = _hr(client_as)
    before = counts()
    page = client.post("/reviews/new", data={"org_unit_id": rv["org"]["HN"].id, "kind": "interim",
                                             "cut_off": "30/06/2023x"})
    assert page.status_code == 422 and error_beside(page.get_data(as_text=True), "cut_off")
    # A unit outside the user's area is not a choice.
    page = client.post("/reviews/new", data={"org_unit_id": rv["org"]["HT"].id, "kind": "interim",
                                             "cut_off": "2023-06-30"})
    assert page.status_code == 422 and error_beside(page.get_data(as_text=True), "org_unit_id")
    page = client.post("/reviews/new", data={"org_unit_id": rv["org"]["HN"].id, "kind": "midterm",
                                             "cut_off": "2023-06-30"})
    assert page.status_code == 422
    assert counts() == before
    period_with(rv)
    page = client.post("/reviews/new", data={"org_unit_id": rv["org"]["HN"].id, "kind": "interim",
                                             "cut_off": "2023-07-31"})
    assert page.status_code == 409 and "already has a review of this kind" in page.get_data(as_text=True)
    # The final review's cut-off comes after the interim one's.
    page = client.post("/reviews/new", data={"org_unit_id": rv["org"]["HN"].id, "kind": "final",
                                             "cut_off": "2023-06-01"})
    assert page.status_code == 422 and error_beside(page.get_data(as_text=True), "cut_off") == \
        "The interim review's cut-off must come before the final review's."


@pytest.mark.parametrize("rule,threshold,message", [
    ("coverage_at_least", "-5", "A threshold cannot be negative."),
    ("coverage_at_least", "100.5", "A percentage cannot be over 100."),
    ("followups_on_time_at_least", "250", "A percentage cannot be over 100."),
    ("registrations_assisted_at_least", "-1", "A threshold cannot be negative."),
    ("registrations_assisted_at_least", "12.5", "Give a whole number."),
    ("registrations_assisted_at_least", "1e12", "This threshold is too large."),
    ("registrations_assisted_at_least", "NaN", "This threshold is too large."),
    ("registrations_assisted_at_least", "", "Give a threshold for this rule."),
    ("coverage_at_least", "abc", "Not a valid decimal value."),
])
def test_a_nonsensical_threshold_is_refused(rv, client_as, rule, threshold, message):
    period = period_with(rv)
    client = _hr(client_as)
    before = counts()
    page = client.post(f"/reviews/{period.id}/criteria", data={"rule": rule, "applies_to": "both",
                                                                "threshold": threshold})
    assert page.status_code == 422
    assert error_beside(page.get_data(as_text=True), "threshold") == message
    assert counts() == before


def test_criteria_are_added_and_removed_while_open(rv, client_as):
    period = period_with(rv)
    client = _hr(client_as)
    assert client.post(f"/reviews/{period.id}/criteria", data={
        "rule": "coverage_at_least", "applies_to": "both", "threshold": "80"}).status_code == 302
    # By htmx, the criteria block comes back.
    page = client.post(f"/reviews/{period.id}/criteria", data={"rule": "no_returned_visit_uncorrected",
                                                               "applies_to": "individual", "threshold": "5"},
                       headers={"HX-Request": "true", "HX-Target": "review-criteria"})
    assert page.status_code == 200 and "<html" not in page.get_data(as_text=True)
    assert "Coverage at least 80%" in page.get_data(as_text=True)
    db.session.refresh(period)
    assert [(c.rule, c.threshold) for c in period.criteria] == [("coverage_at_least", 80),
                                                                ("no_returned_visit_uncorrected", None)]
    # The same rule twice, and "all targets met" for individuals, are refused.
    page = client.post(f"/reviews/{period.id}/criteria", data={"rule": "coverage_at_least", "applies_to": "both",
                                                               "threshold": "60"})
    assert page.status_code == 422 and error_beside(page.get_data(as_text=True), "rule")
    page = client.post(f"/reviews/{period.id}/criteria", data={"rule": "all_targets_met", "applies_to": "both"})
    assert error_beside(page.get_data(as_text=True), "applies_to") == \
        "Officers have no targets: this rule applies to collectives only."
    criterion = period.criteria[0]
    assert client.post(f"/reviews/criteria/{criterion.id}/delete").status_code == 302
    db.session.refresh(period)
    assert len(period.criteria) == 1
    assert audit_actions("review_criterion", criterion.id) == ["review_criterion.create", "review_criterion.delete"]


def test_closing_freezes_every_figure(rv, client_as):
    from fieldops.visits.operations import verify_visit

    period = period_with(rv, [("registrations_assisted_at_least", "individual", 10)])
    client = _hr(client_as)
    response = client.post(f"/reviews/{period.id}/close")
    assert response.status_code == 302
    assert flashes(client.get(response.location).get_data(as_text=True))[0].startswith("Review closed")
    db.session.refresh(period)
    assert period.state == PeriodState.closed and period.closed_by_id == rv["hr"].id
    frozen = {r.subject_key: r for r in db.session.scalars(
        sa.select(ReviewFigure).where(ReviewFigure.period_id == period.id))}
    # Every officer of Hà Nội and every unit below it.
    assert f"user:{rv['officer'].id}" in frozen and f"unit:{rv['org']['HN-BD-T1'].id}" in frozen
    assert f"unit:{rv['org']['HN'].id}" not in frozen and f"user:{rv['users']['HT']['officer'].id}" not in frozen
    mine = frozen[f"user:{rv['officer'].id}"]
    assert (mine.figures["registrations"], mine.eligible) == (12, True)

    # A back-dated visit verified after closing changes today's evaluation, not the closed review.
    verify_visit(rv["supervisor"], rv["visits"]["b_waiting"])
    db.session.commit()
    assert standings.standing_of(period, NomineeKind.individual, rv["officer"])["figures"]["registrations"] == 12
    html = client.get(f"/reviews/{period.id}/ranking").get_data(as_text=True)
    assert "Figures frozen when the review closed." in html
    open_twin = period_with(rv, [("registrations_assisted_at_least", "individual", 10)], kind="final",
                            cut_off=date(2023, 12, 31))
    assert standings.standing_of(open_twin, NomineeKind.individual, rv["officer"])["figures"]["registrations"] == 17
    # Recomputing the closed review from today's records (as of its closing) gives the frozen figures.
    recomputed = standings.live(period, period.org_unit, people=[rv["officer"]], units=[])[0]
    assert recomputed["figures"] == mine.figures


def test_closing_twice_changes_nothing(rv, client_as):
    period = period_with(rv)
    client = _hr(client_as)
    assert client.post(f"/reviews/{period.id}/close").status_code == 302
    db.session.refresh(period)
    closed_at = period.closed_at
    before = counts()
    response = client.post(f"/reviews/{period.id}/close")
    assert response.status_code == 303
    assert "This review is already closed; nothing was changed." in flashes(
        client.get(response.location).get_data(as_text=True))
    assert counts() == before
    db.session.refresh(period)
    assert period.closed_at == closed_at
    with pytest.raises(operations.ReviewError) as refused:
        operations.close_period(rv["hr"], period)
    assert refused.value.reason == "already_closed"


def test_a_closed_review_keeps_its_criteria_and_cut_off(rv, client_as):
    period = period_with(rv, [("coverage_at_least", "both", 50)])
    operations.close_period(rv["hr"], period)
    db.session.commit()
    client = _hr(client_as)
    before = counts()
    client.post(f"/reviews/{period.id}/criteria", data={"rule": "no_returned_visit_uncorrected",
                                                        "applies_to": "both"})
    client.post(f"/reviews/criteria/{period.criteria[0].id}/delete")
    page = client.post(f"/reviews/{period.id}/cut-off", data={"cut_off": "2023-07-31"})
    assert page.status_code == 422
    assert counts() == before
    db.session.refresh(period)
    assert period.cut_off == CUT_OFF and len(period.criteria) == 1


def test_a_review_is_closed_only_after_its_cut_off(rv):
    period = period_with(rv, kind="final", cut_off=date(2023, 12, 31))
    with pytest.raises(operations.ReviewError) as refused:
        operations.close_period(rv["hr"], period, today=date(2023, 12, 31))
    assert refused.value.reason == "not_yet"


def test_only_hr_of_the_organising_unit_or_above_manages_a_review(rv, client_as):
    period = period_with(rv)
    # A supervisor reads the review of the province above; an HR user of Hà Tĩnh does not see it.
    assert client_as("supervisor").get(f"/reviews/{period.id}").status_code == 200
    assert client_as("hr", "HT").get(f"/reviews/{period.id}").status_code == 404
    assert client_as("hr", "HT").post(f"/reviews/{period.id}/close").status_code == 404


def test_a_large_review_is_closed_by_the_worker(rv, client_as, app):
    period = period_with(rv, [("registrations_assisted_at_least", "individual", 10)])
    client = _hr(client_as)
    app.config["REVIEW_CLOSE_INLINE_MAX"] = 0
    try:
        response = client.post(f"/reviews/{period.id}/close")
    finally:
        app.config["REVIEW_CLOSE_INLINE_MAX"] = 2000
    assert response.status_code == 302 and "/jobs/" in response.location
    db.session.refresh(period)
    assert period.state == PeriodState.open
    result = app.test_cli_runner().invoke(args=["jobs", "work", "--once"])
    assert result.exit_code == 0, result.output
    db.session.refresh(period)
    assert period.state == PeriodState.closed
    assert db.session.scalar(sa.select(sa.func.count(ReviewFigure.id))) > 0
    page = client.get(response.location).get_data(as_text=True)
    assert 'data-state="done"' in page and f"/reviews/{period.id}" in page
    # Queued twice: the second job fails and says why.
    from fieldops.reviews.jobs import queue_close

    job = queue_close(rv["hr"], period)
    db.session.commit()
    app.test_cli_runner().invoke(args=["jobs", "work", "--once"])
    db.session.refresh(job)
    assert job.state == "failed" and job.error
