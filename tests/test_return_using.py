"""Group returns say how many of the participants registered at month end
installed and use the app. Asked on every new filing; the returns filed before
it was asked show it as unknown, never 0, and the figures count them apart."""
import io
import random
import re
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from sqlalchemy.exc import IntegrityError

from fieldops.audit.models import AuditEvent
from fieldops.auth.models import Role
from fieldops.extensions import db
from fieldops.returns import operations
from fieldops.returns.figures import as_report, outside_by_child, outside_employers
from fieldops.returns.models import RETURN_GROUPS, GroupReturn, ReturnCorrection
from tests import factories
from tests.visit_helpers import in_english

USING_VI = "Số người đang sử dụng ứng dụng"
HEADER = "Mã quận huyện,Nhóm,Tháng,Số người tham gia,Số người đã đăng ký,Số người tham gia mới,Số người mới đã đăng ký"


@pytest.fixture
def campaign():
    made = factories.campaign()
    db.session.commit()
    return made


def _count(model=GroupReturn):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _events(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def _shown(page, name="using"):
    match = re.search(rf'data-figure="{name}">([^<]*)<', page)
    return match.group(1) if match else None


# --- the database -----------------------------------------------------------------------------


@pytest.mark.parametrize("using", [-1, 41])
def test_the_database_refuses_a_count_outside_0_to_registered(org, users, campaign, using):
    made = factories.group_return(users["HN"]["officer"], org["HN-BD"], figures=(100, 40, 10, 8, 40))
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(sa.update(GroupReturn).where(GroupReturn.id == made.id).values(using=using))
        db.session.flush()
    db.session.rollback()
    with pytest.raises(IntegrityError):
        db.session.execute(sa.insert(ReturnCorrection).values(
            group_return_id=made.id, reason="x", corrected_by_id=users["HN"]["supervisor"].id,
            corrected_at=sa.func.now(), **{f"{side}_{k}": v for side in ("before", "after")
                                          for k, v in made.figures.items()} | {"before_using": using}))
        db.session.flush()
    db.session.rollback()
    # Unknown is allowed, and so are 0 and all the registered.
    for allowed in (None, 0, 40):
        db.session.execute(sa.update(GroupReturn).where(GroupReturn.id == made.id).values(using=allowed))
        db.session.commit()
    assert db.session.scalar(sa.select(GroupReturn.using)) == 40


def test_the_migration_leaves_the_returns_filed_before_it_unknown(app, org, users, campaign):
    """Rows that exist when the column is added get NULL (unknown), never 0."""
    from alembic.script import ScriptDirectory
    from flask_migrate import downgrade, upgrade

    supervisor = users["HN"]["supervisor"]
    made = factories.group_return(users["HN"]["officer"], org["HN-BD"], figures=(100, 40, 10, 8, 30),
                                  locked_by=supervisor)
    operations.correct_return(supervisor, made, operations.Figures(110, 40, 10, 8, 35), "Bổ sung", made.version)
    db.session.commit()
    made_id, supervisor = made.id, supervisor.username
    # The migration alters the tables: no transaction of the session may hold them.
    db.session.close()
    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    before = script.get_revision("0012_returns_using").down_revision
    try:
        downgrade(revision=before)
        with db.engine.connect() as connection:
            columns = {c["name"] for c in sa.inspect(connection).get_columns("group_return")}
        assert "using" not in columns
    finally:
        upgrade()
    assert db.session.execute(sa.select(GroupReturn.participants, GroupReturn.using)).one() == (110, None)
    correction = db.session.scalars(sa.select(ReturnCorrection)).one()
    assert (correction.before_participants, correction.after_participants) == (100, 110)
    assert (correction.before_using, correction.after_using) == (None, None)
    client = app.test_client()
    assert client.post("/login", data={"username": supervisor, "password": factories.PASSWORD}).status_code == 302
    assert _shown(in_english(client).get(f"/returns/{made_id}").get_data(as_text=True)) == "unknown"


# --- the filing form ----------------------------------------------------------------------------


def _form(district, using="30", **changes):
    return {"district_id": str(district.id), "participant_group": "voluntary", "month": "2023-06",
            "participants": "100", "registered": "40", "new_participants": "10", "new_registered": "8",
            "using": using} | changes


def test_a_new_filing_says_how_many_use_the_app_and_shows_it(client_as, org, campaign):
    client = in_english(client_as("officer"))
    response = client.post("/returns/new", data=_form(org["HN-BD"], using="35"))
    assert response.status_code == 302
    made = db.session.scalars(sa.select(GroupReturn)).one()
    assert made.using == 35
    [event] = _events("group_return.file")
    assert event.after["using"] == 35
    assert _shown(client.get(response.location).get_data(as_text=True)) == "35"
    grid = client.get("/returns/?month=2023-06").get_data(as_text=True)
    assert "40 / 100" in grid and "Using the app: 35" in grid
    # 0 is a count like any other, and so are all the registered.
    assert client.post("/returns/new", data=_form(org["HN-BD"], using="0", participant_group="students")
                       ).status_code == 302
    assert client.post("/returns/new", data=_form(org["HN-BD"], using="40", participant_group="other")
                       ).status_code == 302
    assert sorted(db.session.scalars(sa.select(GroupReturn.using))) == [0, 35, 40]


@pytest.mark.parametrize("using, message", [
    ("", "Enter a number."),
    ("   ", "Enter a number."),
    ("41", "People using the app are among those registered: cannot be more."),
    ("-1", "Enter 0 or more."),
    ("12,5", "Enter a whole number, without decimals."),
    ("2.0", "Enter a whole number, without decimals."),
    ("9" * 40, "Enter at most"),
    ("1e3", "Enter a whole number, such as 12."),
    ("<script>alert(1)</script>", "Enter a whole number, such as 12."),
    ("30; DROP TABLE group_return", "Enter a whole number, such as 12."),
])
def test_bad_counts_of_those_using_the_app_are_refused_beside_the_field(client_as, org, campaign, using, message):
    client = in_english(client_as("officer"))
    response = client.post("/returns/new", data=_form(org["HN-BD"], using=using))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page and 'id="using-error"' in page
    assert "<script>alert(1)</script>" not in page
    assert _count() == 0 and _events("group_return.file") == []


def test_a_form_without_the_field_is_refused(client_as, org, campaign):
    data = _form(org["HN-BD"])
    del data["using"]
    response = in_english(client_as("officer")).post("/returns/new", data=data)
    assert response.status_code == 422 and 'id="using-error"' in response.get_data(as_text=True)
    assert _count() == 0


def test_a_return_filed_before_it_was_asked_shows_unknown_never_0(client_as, org, users, campaign):
    made = factories.group_return(users["HN"]["officer"], org["HN-BD"])  # four counts: filed before
    db.session.commit()
    assert made.using is None
    client = in_english(client_as("viewer"))
    assert _shown(client.get(f"/returns/{made.id}").get_data(as_text=True)) == "unknown"
    grid = client.get("/returns/?month=2023-06").get_data(as_text=True)
    assert "Using the app: unknown" in grid and "Using the app: 0" not in grid
    # Vietnamese by default.
    vietnamese = client_as("officer").get(f"/returns/{made.id}").get_data(as_text=True)
    assert _shown(vietnamese) == "không rõ"


# --- changing and correcting ---------------------------------------------------------------------


def _figures(values, version, using="", **extra):
    keys = ("participants", "registered", "new_participants", "new_registered")
    return dict(zip(keys, map(str, values))) | {"using": using, "version": str(version)} | extra


def test_a_change_may_leave_it_unknown_or_give_it_but_never_take_it_back(client_as, org, users, campaign):
    made = factories.group_return(users["HN"]["officer"], org["HN-BD"])
    db.session.commit()
    client = in_english(client_as("officer"))
    page = client.get(f"/returns/{made.id}").get_data(as_text=True)
    assert "Left blank, it stays unknown." in page
    # Left blank: still unknown.
    assert client.post(f"/returns/{made.id}/change", data=_figures((120, 50, 12, 9), 1)).status_code == 302
    db.session.refresh(made)
    assert (made.participants, made.using) == (120, None)
    # Given alone: a change of its own.
    assert client.post(f"/returns/{made.id}/change", data=_figures((120, 50, 12, 9), 2, using="45")).status_code == 302
    db.session.refresh(made)
    assert made.using == 45
    [_first, second] = _events("group_return.change")
    assert (second.before["using"], second.after["using"]) == (None, 45)
    # Once known, blank is refused beside the field, and so is more than the registered.
    for using, message in (("", "once given, it cannot become unknown again"),
                           ("51", "People using the app are among those registered"),
                           ("-3", "Enter 0 or more.")):
        response = client.post(f"/returns/{made.id}/change", data=_figures((120, 50, 12, 9), 3, using=using))
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and message in page and 'id="using-error"' in page, using
    db.session.refresh(made)
    assert (made.using, made.version) == (45, 3) and len(_events("group_return.change")) == 2


def test_corrections_keep_the_count_before_and_after(client_as, org, users, campaign):
    supervisor = users["HN"]["supervisor"]
    made = factories.group_return(users["HN"]["officer"], org["HN-BD"], locked_by=supervisor)
    db.session.commit()
    client = in_english(client_as("supervisor"))
    # Unknown → 20: the first correction that gives it.
    response = client.post(f"/returns/{made.id}/correct",
                           data=_figures((100, 40, 10, 8), made.version, using="20", reason="Bổ sung số sử dụng"))
    assert response.status_code == 302
    db.session.refresh(made)
    response = client.post(f"/returns/{made.id}/correct",
                           data=_figures((100, 40, 10, 8), made.version, using="25", reason="Rà soát lại"))
    assert response.status_code == 302
    first, second = db.session.scalars(sa.select(ReturnCorrection).order_by(ReturnCorrection.id)).all()
    assert (first.before_using, first.after_using) == (None, 20)
    assert (second.before_using, second.after_using) == (20, 25)
    assert first.before["using"] is None and second.after["using"] == 25
    page = client.get(f"/returns/{made.id}").get_data(as_text=True)
    assert "<del>unknown</del> → 20" in page and "<del>20</del> → 25" in page
    assert _shown(page) == "25"
    # Once given, a correction cannot make it unknown again; over the registered is refused too.
    db.session.refresh(made)
    for using, message in (("", "cannot become unknown again"), ("41", "among those registered")):
        refused = client.post(f"/returns/{made.id}/correct",
                              data=_figures((100, 40, 10, 8), made.version, using=using, reason="Sai"))
        assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    assert _count(ReturnCorrection) == 2


# --- the import and the command ---------------------------------------------------------------------


def _upload(client, content, name="bao-cao.csv"):
    return client.post("/returns/import", data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def _report(page):
    table = page.split('id="import-errors"')[1].split("</table>")[0]
    return re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", table)


def _stored():
    rows = db.session.execute(sa.select(GroupReturn.participant_group, GroupReturn.month, GroupReturn.using)
                              .order_by(GroupReturn.id)).all()
    return [(str(g), m.month, u) for g, m, u in rows]


def test_the_import_takes_the_column_in_vietnamese_a_blank_cell_is_unknown(client_as, org, campaign):
    content = (f"{HEADER},{USING_VI}\n"
               "HN-BD,voluntary,2023-06,100,40,10,8,30\n"
               "HN-BD,household,2023-06,500,200,20,10,\n"
               "HN-BD,students,2023-06,300,150,0,0,0\n")
    client = in_english(client_as("supervisor"))
    response = _upload(client, content.encode())
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _stored() == [("voluntary", 6, 30), ("household", 6, None), ("students", 6, 0)]
    # The same rows again: unchanged. A blank cell says nothing against a count filed.
    again = (f"{HEADER},{USING_VI}\n"
             "HN-BD,voluntary,2023-06,100,40,10,8,\n"
             "HN-BD,household,2023-06,500,200,20,10,\n")
    response = _upload(client, again.encode())
    assert "Returns filed: 0; already filed with the same figures: 2." in response.get_data(as_text=True)
    # Another count than the one filed is refused like any other figure.
    other = f"{HEADER},{USING_VI}\nHN-BD,voluntary,2023-06,100,40,10,8,31\nHN-BD,household,2023-06,500,200,20,10,7\n"
    response = _upload(client, other.encode())
    assert response.status_code == 422
    assert [row for row, _c, m in _report(response.get_data(as_text=True)) if "other figures" in m] == ["2", "3"]
    assert _stored() == [("voluntary", 6, 30), ("household", 6, None), ("students", 6, 0)]


def test_the_import_takes_the_column_in_english_from_xlsx(client_as, org, campaign):
    book = Workbook()
    sheet = book.active
    sheet.append(["district_code", "group", "month", "participants", "registered", "new_participants",
                  "new_registered", "using"])
    sheet.append(["HN-BD", "voluntary", date(2023, 9, 1), 80, 20, 5, 5, 12.0])
    sheet.append(["HN-BD", "students", date(2023, 9, 1), 80, 20, 5, 5, None])
    buffer = io.BytesIO()
    book.save(buffer)
    response = _upload(in_english(client_as("admin")), buffer.getvalue(), name="returns.xlsx")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _stored() == [("voluntary", 9, 12), ("students", 9, None)]


def test_bad_counts_in_the_import_are_reported_and_nothing_is_imported(client_as, org, campaign):
    content = (f"{HEADER},{USING_VI}\n"
               "HN-BD,voluntary,2023-06,100,40,10,8,30\n"  # 2: fine
               "HN-BD,household,2023-06,100,40,10,8,41\n"  # 3: over the registered
               "HN-BD,students,2023-06,100,40,10,8,-1\n"  # 4: negative
               "HN-BD,other,2023-06,100,40,10,8,3.5\n"  # 5: fractional
               f"HN-BD,voluntary,2023-07,100,40,10,8,{'9' * 30}\n"  # 6: huge
               "HN-BD,household,2023-07,100,40,10,8,<b>x</b>\n"  # 7: hostile
               "HN-BD,students,2023-07,100,40,10,8,=A1*2\n"  # 8: a formula, as CSV text
               "HN-BD,other,2023-07,100,,10,8,10\n")  # 9: registered missing
    response = _upload(in_english(client_as("supervisor")), content.encode())
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "nothing was imported" in page and "<b>x</b>" not in page
    said = {(row, column): message for row, column, message in _report(page)}
    assert "among those registered" in said[("3", USING_VI)]
    assert "Enter 0 or more." in said[("4", USING_VI)]
    assert "without decimals" in said[("5", USING_VI)]
    assert "Enter at most" in said[("6", USING_VI)]
    assert "such as 12" in said[("7", USING_VI)]
    assert "such as 12" in said[("8", USING_VI)]
    assert "Enter a number." in said[("9", "Số người đã đăng ký")] and ("9", USING_VI) not in said
    assert not any(row == "2" for row, _c in said)
    assert _count() == 0


def test_a_formula_in_the_column_is_refused(client_as, org, campaign):
    book = Workbook()
    sheet = book.active
    sheet.append(["district_code", "group", "month", "participants", "registered", "new_participants",
                  "new_registered", "using"])
    sheet.append(["HN-BD", "voluntary", "2023-06", 100, 40, 10, 8, "=E2/2"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = _upload(in_english(client_as("supervisor")), buffer.getvalue(), name="returns.xlsx")
    assert response.status_code == 422
    [(row, column, message)] = _report(response.get_data(as_text=True))
    assert (row, column) == ("2", "using") and "holds a formula" in message
    assert _count() == 0


def test_the_import_page_and_template_name_the_column(client_as, org, campaign):
    client = in_english(client_as("supervisor"))
    page = client.get("/returns/import").get_data(as_text=True)
    assert USING_VI in page and "<code>using</code>" in page and "left blank, it is not known" in page
    template = client.get("/returns/import/template.csv").get_data(as_text=True).lstrip("\ufeff")
    assert template.splitlines()[0].endswith("," + USING_VI)


def test_the_command_imports_the_column(app, org, users, campaign, tmp_path):
    path = tmp_path / "returns.csv"
    path.write_text(f"{HEADER},using\nHN-BD,voluntary,2023-06,100,40,10,8,33\nHN-BD,students,2023-06,10,4,1,1,\n",
                    encoding="utf-8")
    runner = app.test_cli_runner()
    refused = path.with_name("bad.csv")
    refused.write_text(f"{HEADER},using\nHN-BD,voluntary,2023-06,100,40,10,8,41\n", encoding="utf-8")
    result = runner.invoke(args=["returns", "import", str(refused), "--user", "supervisor.hn"])
    assert result.exit_code == 1 and "using" in result.output and _count() == 0
    result = runner.invoke(args=["returns", "import", str(path), "--user", "supervisor.hn"])
    assert result.exit_code == 0, result.output
    assert _stored() == [("voluntary", 6, 33), ("students", 6, None)]


# --- figures ------------------------------------------------------------------------------------------


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
