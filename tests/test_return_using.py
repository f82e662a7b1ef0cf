"""Group returns say how many of the participants registered at month end
installed and use the app. Asked on every new filing; the returns filed before
it was asked show it as unknown, never 0, and the figures count them apart."""
import io
import re
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from sqlalchemy.exc import IntegrityError

from fieldops.audit.models import AuditEvent
from fieldops.extensions import db
from fieldops.returns import operations
from fieldops.returns.models import GroupReturn, ReturnCorrection
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
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


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
    return re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>.*?</td><td>([^<]*)</td></tr>", table)


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
    template = client.get("/returns/import/template?format=csv").get_data(as_text=True).lstrip("\ufeff")
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
