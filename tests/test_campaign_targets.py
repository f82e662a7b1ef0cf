"""A campaign's targets copied from an earlier one, and a unit's targets
allocated to the units below it in proportion to a figure: the split adds up
exactly to the unit's own, the same way every time; percentages are copied;
a figure that is zero everywhere is refused. The targets page flags a unit
whose children's targets add up to less than its own."""
import random
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from fieldops.audit.models import AuditEvent
from fieldops.auth.models import Role
from fieldops.campaigns.models import CampaignState
from fieldops.campaign_setup.targets import TargetsError, allocate_targets, copied_columns, copy_targets, largest_remainder
from fieldops.extensions import db
from fieldops.progress.models import Target
from tests import factories
from tests.conftest import sign_in
from tests.visit_helpers import error_beside, in_english

TODAY = date(2024, 2, 1)


def targets_of(campaign):
    return sorted((t.org_unit.code, str(t.metric), Decimal(t.value)) for t in db.session.scalars(
        sa.select(Target).where(Target.campaign_id == campaign.id)))


def events(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


@pytest.fixture
def two(org):
    old = factories.campaign()
    old.code = "2023"
    new = factories.campaign(counts_from=date(2024, 1, 1), starts_on=date(2024, 3, 1), ends_on=date(2024, 12, 31))
    new.code, new.state = "2024", CampaignState.draft
    db.session.commit()
    return old, new


@pytest.fixture
def national_admin(org):
    made = factories.user(org["VN"], Role.admin, username="admin.vn")
    db.session.commit()
    return made


# --- the split ---------------------------------------------------------------------------------


def test_largest_remainder_adds_up_exactly_and_deterministically_on_random_inputs():
    rng = random.Random(20240301)
    for _ in range(2000):
        n = rng.randint(1, 12)
        keys = rng.sample(range(1000), n)
        codes = {k: f"U{rng.randint(0, 5)}-{k:03d}" for k in keys}
        weights = {k: rng.choice([0, 0, 1, rng.randint(1, 10), rng.randint(1, 10**7)]) for k in keys}
        if not any(weights.values()):
            weights[keys[0]] = rng.randint(1, 50)
        total = rng.choice([0, 1, n - 1, rng.randint(0, 1000), rng.randint(0, 200_000_000)])
        shares = largest_remainder(total, weights, codes)
        assert sum(shares.values()) == total
        whole = sum(weights.values())
        for k in keys:
            exact = Fraction(total * weights[k], whole)
            # Each share is its exact quota rounded down or up, never further.
            assert int(exact) <= shares[k] <= int(exact) + 1
            if weights[k] == 0:
                assert shares[k] == 0
        # The leftovers go to the largest remainders: no child rounded down has a larger one than a child rounded up.
        ups = [Fraction(total * weights[k], whole) % 1 for k in keys if shares[k] > int(Fraction(total * weights[k], whole))]
        downs = [Fraction(total * weights[k], whole) % 1 for k in keys if shares[k] == int(Fraction(total * weights[k], whole))]
        assert not ups or not downs or min(ups) >= max(downs)
        # The same figures in another order give the same split.
        shuffled = dict(rng.sample(list(weights.items()), n))
        assert largest_remainder(total, shuffled, codes) == shares


def test_ties_go_by_unit_code():
    codes = {1: "HT", 2: "HN", 3: "DN"}
    assert largest_remainder(10, {1: 1, 2: 1, 3: 1}, codes) == {1: 3, 2: 3, 3: 4}
    assert largest_remainder(11, {1: 1, 2: 1, 3: 1}, codes) == {1: 3, 2: 4, 3: 4}


# --- copy -------------------------------------------------------------------------------------


def _targets_2023(old, org):
    factories.target(old, org["VN"], "registered_employer", 1001)
    factories.target(old, org["VN"], "coverage_pct", Decimal("97.5"))
    factories.target(old, org["HN"], "registered_employer", 600)
    factories.target(old, org["HN-BD"], "visits", 40)
    factories.target(old, org["HN-BD-T1"], "visits", 12)
    db.session.commit()


def test_targets_are_copied_whole_and_only_into_a_campaign_without_any(two, org, national_admin, app):
    old, new = two
    _targets_2023(old, org)
    client = in_english(sign_in(app.test_client(), national_admin))
    response = client.post(f"/admin/campaigns/{new.id}/copy-targets", data={"source_id": old.id})
    assert response.status_code == 302
    assert [(u, m, v) for u, m, v in targets_of(new)] == targets_of(old)
    # Every column but the row's own id, campaign and times is the same.
    for source, copy in zip(*(db.session.scalars(sa.select(Target).where(Target.campaign_id == c.id)
                                                  .order_by(Target.org_unit_id, Target.metric)).all()
                              for c in (old, new))):
        assert {c: getattr(source, c) for c in copied_columns()} == {c: getattr(copy, c) for c in copied_columns()}
    assert "metric" in copied_columns() and "value" in copied_columns() and "id" not in copied_columns()
    [event] = events("campaign.targets_copy")
    assert event.after == {"source_id": old.id, "destination_id": new.id, "targets": 5}

    again = client.post(f"/admin/campaigns/{new.id}/copy-targets", data={"source_id": old.id})
    assert again.status_code == 422
    assert "This campaign already has 5 targets" in error_beside(again.get_data(as_text=True), "source_id")
    assert len(targets_of(new)) == 5 and len(events("campaign.targets_copy")) == 1


def test_copying_from_a_campaign_without_targets_or_onto_itself_is_refused(app, two, national_admin):
    old, new = two
    with app.test_request_context(), force_locale("en"), pytest.raises(TargetsError, match="has no targets"):
        copy_targets(national_admin, old, new)
    with app.test_request_context(), force_locale("en"), pytest.raises(TargetsError, match="another campaign"):
        copy_targets(national_admin, old, old)
    assert targets_of(new) == []


# --- allocation --------------------------------------------------------------------------------


def _insured(org, users, per_district):
    """Employers with these insured people (a third registered), counted by a visit in 2023."""
    for code, insured in per_district.items():
        if insured:
            employer = factories.employer(org[code], departments=["Toàn đơn vị"])
            factories.visit(users["HN"]["officer"] if code.startswith("HN") else users["HT"]["officer"], employer,
                            visit_date=date(2023, 6, 1), figures={"Toàn đơn vị": (insured, insured // 3, 0, 0)})
    db.session.commit()


def test_the_nations_targets_are_allocated_to_provinces_by_insured(two, org, users, national_admin, app):
    old, new = two
    _insured(org, users, {"HN-BD": 300, "HN-CG": 200, "HT-TP": 250})  # HN 500, HT 250
    factories.target(new, org["VN"], "registered_employer", 1001)
    factories.target(new, org["VN"], "coverage_pct", Decimal("97.5"))
    factories.target(new, org["HT"], "registered_employer", 5)  # replaced by the allocation
    db.session.commit()
    client = in_english(sign_in(app.test_client(), national_admin))
    response = client.post(f"/admin/campaigns/2024/allocate", data={"unit_id": org["VN"].id, "basis": "insured",
                                                                     "source_id": 0})
    assert response.status_code == 302, response.get_data(as_text=True)
    got = targets_of(new)
    # 1001 × 500/750 = 667.33 → 667, 1001 × 250/750 = 333.67 → 334: the leftover unit to the larger remainder.
    assert ("HN", "registered_employer", 667) in got and ("HT", "registered_employer", 334) in got
    assert ("HN", "coverage_pct", Decimal("97.5")) in got and ("HT", "coverage_pct", Decimal("97.5")) in got
    [event] = events("campaign.targets_allocate")
    assert event.after["basis"] == "insured" and len(event.after["changes"]) == 4
    [ht] = [c for c in event.after["changes"] if c["unit_id"] == org["HT"].id and c["metric"] == "registered_employer"]
    assert Decimal(ht["before"]) == 5 and ht["after"] == "334"
    # And a province's to its districts; HN-CG's share then HN-BD's add up to 667 exactly.
    allocate_targets(national_admin, new, org["HN"], "insured", TODAY)
    db.session.commit()
    got = dict(((u, m), v) for u, m, v in targets_of(new))
    assert got[("HN-BD", "registered_employer")] + got[("HN-CG", "registered_employer")] == 667
    assert (got[("HN-BD", "registered_employer")], got[("HN-CG", "registered_employer")]) == (400, 267)


def test_a_district_allocates_to_its_teams_only_their_visits(app, two, org, users, national_admin):
    old, new = two
    officer = factories.user(org["HN-BD-T1"], Role.officer)
    employer = factories.employer(org["HN-BD"])
    factories.visit(officer, employer, visit_date=date(2023, 6, 1))
    factories.target(new, org["HN-BD"], "visits", 41)
    factories.target(new, org["HN-BD"], "registered_employer", 100)
    db.session.commit()
    # Teams hold no insured people: that figure is zero for all of them.
    with app.test_request_context(), force_locale("en"), pytest.raises(TargetsError, match="zero for every unit below HN-BD"):
        allocate_targets(national_admin, new, org["HN-BD"], "insured", TODAY)
    plan = allocate_targets(national_admin, new, org["HN-BD"], "achievement", TODAY, source=old)
    assert [str(m) for m in plan] == ["visits"]
    assert ("HN-BD-T1", "visits", 41) in targets_of(new)


def test_allocation_by_last_campaigns_achievement(two, org, users, national_admin):
    old, new = two
    employer_hn = factories.employer(org["HN-BD"])
    employer_ht = factories.employer(org["HT-TP"])
    for day in (date(2023, 6, 1), date(2023, 7, 1), date(2023, 8, 1)):
        factories.visit(users["HN"]["officer"], employer_hn, visit_date=day)
    factories.visit(users["HT"]["officer"], employer_ht, visit_date=date(2023, 6, 1))
    factories.target(new, org["VN"], "visits", 10)
    db.session.commit()
    allocate_targets(national_admin, new, org["VN"], "achievement", TODAY, source=old)
    db.session.commit()
    got = dict(((u, m), v) for u, m, v in targets_of(new))
    # 2023's visits: Hà Nội 3, Hà Tĩnh 1 → 7.5 and 2.5; the leftover unit goes to HN by code.
    assert (got[("HN", "visits")], got[("HT", "visits")]) == (8, 2)


def test_a_figure_that_is_zero_everywhere_is_refused(two, org, national_admin, app):
    old, new = two
    factories.target(new, org["VN"], "registered_employer", 1000)
    factories.target(new, org["HN"], "registered_employer", 7)
    db.session.commit()
    client = in_english(sign_in(app.test_client(), national_admin))
    for data in ({"basis": "insured", "source_id": 0}, {"basis": "achievement", "source_id": old.id}):
        response = client.post(f"/admin/campaigns/{new.id}/allocate", data={"unit_id": org["VN"].id, **data})
        assert response.status_code == 422
        assert "The chosen figure is zero for every unit below VN" in error_beside(response.get_data(as_text=True),
                                                                                 "basis")
    assert targets_of(new) == [("HN", "registered_employer", 7), ("VN", "registered_employer", 1000)]
    assert events("campaign.targets_allocate") == []


@pytest.mark.parametrize("data, field, message", [
    ({"basis": "achievement", "source_id": 0}, "source_id", "Choose the campaign whose achievement"),
    ({"basis": "luck", "source_id": 0}, "basis", "Not a valid choice."),
    ({"basis": "insured", "source_id": 999999}, "source_id", "Not a valid choice."),
])
def test_bad_allocation_requests_are_refused_beside_the_field(two, org, national_admin, app, data, field, message):
    old, new = two
    factories.target(new, org["VN"], "registered_employer", 1000)
    db.session.commit()
    client = in_english(sign_in(app.test_client(), national_admin))
    response = client.post(f"/admin/campaigns/{new.id}/allocate", data={"unit_id": org["VN"].id, **data})
    assert response.status_code == 422
    assert message in (error_beside(response.get_data(as_text=True), field) or "")
    assert targets_of(new) == [("VN", "registered_employer", 1000)]


def test_a_unit_without_targets_has_nothing_to_allocate(two, org, national_admin, app):
    old, new = two
    client = in_english(sign_in(app.test_client(), national_admin))
    response = client.post(f"/admin/campaigns/{new.id}/allocate", data={"unit_id": org["HN"].id, "basis": "insured"})
    assert response.status_code == 422
    assert "HN has no target in this campaign to allocate." in error_beside(response.get_data(as_text=True), "unit_id")


def test_allocation_stays_in_the_users_area(two, org, users, client_as):
    old, new = two
    _insured(org, users, {"HN-BD": 30, "HN-CG": 10})
    factories.target(new, org["VN"], "registered_employer", 1000)
    factories.target(new, org["HN"], "registered_employer", 100)
    db.session.commit()
    # A province's admin (or HR) allocates their own province, not the nation.
    for role in ("admin", "hr"):
        client = client_as(role)
        assert client.get(f"/admin/campaigns/{new.id}/allocate").status_code == 200
        assert client.post(f"/admin/campaigns/{new.id}/allocate",
                           data={"unit_id": org["VN"].id, "basis": "insured"}).status_code == 404
    assert client_as("admin").post(f"/admin/campaigns/{new.id}/allocate",
                                   data={"unit_id": org["HN"].id, "basis": "insured"}).status_code == 302
    assert ("HN-BD", "registered_employer", 75) in targets_of(new)
    for role in ("officer", "supervisor", "viewer"):
        assert client_as(role).get(f"/admin/campaigns/{new.id}/allocate").status_code == 403


def test_the_targets_page_flags_a_unit_whose_childrens_targets_fall_short(two, org, client_as):
    old, new = two
    factories.target(old, org["HN"], "registered_employer", 1000)
    factories.target(old, org["HN-BD"], "registered_employer", 600)
    factories.target(old, org["HN-CG"], "registered_employer", 300)
    factories.target(old, org["HN-BD"], "visits", 40)
    factories.target(old, org["HN-BD-T1"], "visits", 40)
    db.session.commit()
    page = in_english(client_as("admin")).get("/progress/targets?campaign=2023").get_data(as_text=True)
    hn = page.split('data-unit="HN"', 1)[1].split("</tr>", 1)[0]
    assert "data-children-below" in hn and "below the unit’s own by 100" in hn
    # Hà Nội's children fall short of its people registered; Ba Đình's team makes up its visits.
    assert "data-children-below" not in page.split('data-unit="HN-BD"', 1)[1].split("</tr>", 1)[0]


def test_the_demos_2024_draft_has_2023s_targets_allocated_by_insured(demo_data):
    from fieldops.campaigns.models import Campaign
    from fieldops.org.models import OrgUnit, UnitLevel
    from fieldops.progress.models import PERCENT_METRICS

    old, new = (db.session.scalars(sa.select(Campaign).where(Campaign.code == code)).one() for code in ("2023", "2024"))
    assert new.state == CampaignState.draft
    values = {(t.org_unit_id, str(t.metric)): Decimal(t.value)
              for t in db.session.scalars(sa.select(Target).where(Target.campaign_id == new.id))}
    # Every target of 2023 has its place in 2024: the same units and metrics.
    assert set(values) == {(t.org_unit_id, str(t.metric)) for t in db.session.scalars(
        sa.select(Target).where(Target.campaign_id == old.id))}
    # The nation's and each province's count targets add up exactly over the units below; percentages are the same.
    for parent in db.session.scalars(sa.select(OrgUnit).where(OrgUnit.level.in_([UnitLevel.national,
                                                                                 UnitLevel.province]))):
        children = db.session.scalars(sa.select(OrgUnit.id).where(OrgUnit.parent_id == parent.id)).all()
        for (unit, metric), value in values.items():
            if unit != parent.id:
                continue
            below = [values[(c, metric)] for c in children]
            if metric in PERCENT_METRICS:
                assert set(below) == {value}
            else:
                assert sum(below) == value, (parent.code, metric)
