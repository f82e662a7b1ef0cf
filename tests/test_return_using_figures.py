"""What the group returns' count of people using the app adds to the figures: the
sum over the returns counted that say it, beside how many of them do not (filed
before it was asked): unknown, never 0. Checked against a naive count over random
histories kept by the test, as tests/progress_helpers.py does for the timeline."""
import random
from datetime import date

import pytest
import sqlalchemy as sa

from fieldops.auth.models import Role
from fieldops.extensions import db
from fieldops.returns import operations
from fieldops.returns.figures import as_report, outside_by_child, outside_employers
from fieldops.returns.models import RETURN_GROUPS, GroupReturn
from tests import factories


@pytest.fixture
def campaign():
    made = factories.campaign()
    db.session.commit()
    return made


# --- random histories -----------------------------------------------------------------------------------


DISTRICTS = ("HN-BD", "HN-CG", "HT-TP")


def _naive(history, root_path, paths, last_month):
    """Σ using and the count of returns lacking it, per group, over the latest return of
    each district and group for a month up to `last_month`: from the history kept in
    the test, never from the database."""
    out = {g: [0, 0, 0] for g in RETURN_GROUPS}  # registered, using, unknown
    for district in DISTRICTS:
        if not paths[district].startswith(root_path):
            continue
        for group in RETURN_GROUPS:
            months = [m for (d, g, m) in history if d == district and g == group and m <= last_month]
            if not months:
                continue
            registered, using = history[(district, group, max(months))]
            out[group][0] += registered
            if using is None:
                out[group][2] += 1
            else:
                out[group][1] += using
    return out


def _random_history(rng, org, filer, supervisor):
    """Returns filed over the year at random; the early ones (filed before the count
    was asked) lack it, some later ones too (an import without the column); some
    changed or corrected, giving it or changing it."""
    history = {}
    asked_from = rng.randint(2, 8)
    for district in DISTRICTS:
        for group in RETURN_GROUPS:
            for month in sorted(rng.sample(range(1, 13), rng.randint(0, 6))):
                participants = rng.randint(0, 5000)
                registered = rng.randint(0, participants)
                new = rng.randint(0, min(participants, 300))
                new_registered = rng.randint(0, min(new, registered))
                known = month >= asked_from and rng.random() < 0.85
                using = rng.randint(0, registered) if known else None
                made = operations.file_return(filer, org[district], group, date(2023, month, 1),
                                              operations.Figures(participants, registered, new, new_registered, using))
                if rng.random() < 0.3:
                    operations.lock_return(supervisor, made, made.version)
                if rng.random() < 0.3:
                    later = rng.choice([using, rng.randint(0, registered)])
                    figures = operations.Figures(participants, registered, new, new_registered, later)
                    if figures.as_dict() != made.figures:
                        if made.is_locked:
                            operations.correct_return(supervisor, made, figures, "Rà soát", made.version)
                        else:
                            operations.change_return(filer, made, figures, made.version)
                history[(district, group, month)] = (made.registered, made.using)
    return history


@pytest.mark.parametrize("seed", range(6))
def test_using_and_unknown_agree_with_a_naive_count_on_random_histories(app, org, campaign, seed):
    rng = random.Random(seed)
    filer = factories.user(org["VN"], Role.supervisor)
    history = _random_history(rng, org, filer, filer)
    db.session.commit()
    paths = {code: org[code].path for code in DISTRICTS}
    seen = set()  # whether the returns counted had the count, lacked it, or both
    for month in (1, 3, 6, 9, 12):
        end = date(2023, month, 28)
        for root in ("VN", "HN", "HN-CG", "HT"):
            expected = _naive(history, org[root].path, paths, month)
            got = outside_employers(org[root], date(2023, 1, 1), end)
            for group in RETURN_GROUPS:
                figures = got.groups[group]
                assert (figures.registered, figures.using, figures.using_unknown) == tuple(expected[group]), \
                    (seed, month, root, group)
            assert got.using == sum(e[1] for e in expected.values())
            assert got.using_unknown == sum(e[2] for e in expected.values())
            seen |= {"unknown"} if got.using_unknown else set()
            seen |= {"known"} if got.using else set()
            with app.test_request_context():  # the groups' labels are read in a language
                report = as_report(got, 0)
            assert (report["using"], report["using_unknown"]) == (got.using, got.using_unknown)
            assert [(g["using"], g["using_unknown"]) for g in report["groups"]] == [
                tuple(expected[g][1:]) for g in RETURN_GROUPS]
        # Rolled up to the children the same way.
        children = [org["HN"], org["HT"]]
        total, per_child = outside_by_child(org["VN"], {"y": date(2023, 1, 1)}, end, children)["y"]
        for child in children:
            expected = _naive(history, child.path, paths, month)
            assert per_child[child.id].using == sum(e[1] for e in expected.values())
            assert per_child[child.id].using_unknown == sum(e[2] for e in expected.values())
        assert total.using == sum(c.using for c in per_child.values())
    assert seen == {"known", "unknown"}


def test_returns_before_and_after_the_column_count_apart_never_as_0(app, org, users, campaign):
    officer = users["HN"]["officer"]
    factories.group_return(officer, org["HN-BD"], "voluntary", date(2023, 2, 1), (100, 40, 10, 8))  # before
    factories.group_return(officer, org["HN-BD"], "household", date(2023, 2, 1), (300, 90, 0, 0))  # before
    factories.group_return(officer, org["HN-BD"], "voluntary", date(2023, 6, 1), (120, 70, 20, 20, 50))
    factories.group_return(officer, org["HN-BD"], "students", date(2023, 6, 1), (50, 10, 0, 0, 0))
    db.session.commit()
    march = outside_employers(org["HN"], date(2023, 1, 1), date(2023, 3, 31))
    # Nothing known yet: the sum is over no return, and both returns are said to lack it.
    assert (march.using, march.using_unknown) == (0, 2) and march.registered == 130
    june = outside_employers(org["HN"], date(2023, 1, 1), date(2023, 6, 30))
    # June's voluntary (50) and students (0, known); February's household still lacks it.
    assert (june.using, june.using_unknown) == (50, 1)
    assert (june.groups["voluntary"].using, june.groups["voluntary"].using_unknown) == (50, 0)
    assert (june.groups["household"].using, june.groups["household"].using_unknown) == (0, 1)
    assert (june.groups["students"].using, june.groups["students"].using_unknown) == (0, 0)
    with app.test_request_context():
        report = as_report(june, 7)
    # The keys that were there stay as they were.
    assert {"registered_all", "registered", "participants", "groups", "new_voluntary", "new_voluntary_registered",
            "new_voluntary_rate", "districts_reporting", "using", "using_unknown"} == set(report)
    assert report["registered_all"] == 7 + 170 and (report["using"], report["using_unknown"]) == (50, 1)
    assert set(report["groups"][0]) == {"group", "label", "participants", "registered", "share", "using",
                                        "using_unknown"}


# --- the demo --------------------------------------------------------------------------------------------


def test_the_demo_returns_of_early_2023_lack_it_the_later_ones_say_it(demo_data):
    from fieldops.demo.returns import BEFORE_USING
    from fieldops.org.models import OrgUnit

    rows = db.session.execute(sa.select(GroupReturn.month, GroupReturn.registered, GroupReturn.using)).all()
    assert BEFORE_USING == 3
    assert all(using is None for month, _r, using in rows if month.month <= BEFORE_USING)
    later = [(registered, using) for month, registered, using in rows if month.month > BEFORE_USING]
    assert later and all(using is not None and 0 < using <= registered for registered, using in later)
    nation = db.session.scalars(sa.select(OrgUnit).where(OrgUnit.parent_id.is_(None))).one()
    march = outside_employers(nation, date(2023, 1, 1), date(2023, 3, 31))
    assert (march.using, march.using_unknown) == (0, 16)
    december = outside_employers(nation, date(2023, 1, 1), date(2023, 12, 31))
    assert december.using_unknown == 0 and 0 < december.using <= december.registered
