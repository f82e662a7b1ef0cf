"""The tablet checks a visit as the server does: one table of cases, run through
the server's form (fieldops/visits/forms.py) and through visit_rules.js in
Chromium with the rules the server serves (fieldops/visits/rules.py). Both must
refuse the same fields with the same messages."""
from datetime import date, timedelta
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

from fieldops.visits import rules
from fieldops.visits.forms import VisitForm

RULES_JS = Path(__file__).resolve().parents[2] / "fieldops" / "static" / "js" / "visit_rules.js"
EARLIEST = date(2023, 1, 1)

# insured, registered, active, newly registered (as typed) → the fields refused
COUNT_CASES = [
    (("71", "71", "0", "0"), set()),
    (("71", "999", "0", "0"), {"registered"}),  # the "1407%" of the issue
    (("50", "40", "41", "0"), {"active"}),
    (("50", "40", "40", "41"), {"newly_registered"}),
    (("50", "40", "40", "40"), set()),
    (("0", "0", "0", "0"), set()),
    (("0", "1", "1", "1"), {"registered"}),
    (("", "0", "0", "0"), {"insured"}),
    (("   ", "0", "0", "0"), {"insured"}),
    (("-1", "0", "0", "0"), {"insured"}),
    (("-0", "0", "0", "0"), set()),
    (("+5", "5", "5", "5"), set()),
    ((" 7 ", "007", "3", "2"), set()),
    (("1000000", "1000000", "0", "0"), set()),
    (("1000001", "0", "0", "0"), {"insured"}),
    (("9" * 60, "1", "1", "1"), {"insured"}),
    (("1" * 40 + "x", "1", "0", "0"), {"insured"}),  # cut at 40 characters, then too big
    (("12.5", "1", "1", "1"), {"insured"}),
    (("12,5", "1", "1", "1"), {"insured"}),
    ((".5", "0", "0", "0"), {"insured"}),
    (("1e3", "0", "0", "0"), {"insured"}),
    (("0x10", "0", "0", "0"), {"insured"}),
    (("abc", "0", "0", "0"), {"insured"}),
    (("١٢", "0", "0", "0"), {"insured"}),  # other scripts' digits
    (("１２", "0", "0", "0"), {"insured"}),  # full-width digits
    (("<script>alert(1)</script>", "0", "0", "0"), {"insured"}),
    (("50", "", "10", "10"), {"registered"}),  # active and newly not compared with a missing figure
    (("10", "abc", "20", "20"), {"registered"}),
    (("", "", "", ""), {"insured", "registered", "active", "newly_registered"}),
    (("10", "20", "30", "40"), {"registered", "active", "newly_registered"}),
    (("100", "80", "-5", "2.0"), {"active", "newly_registered"}),
    (("1.000", "10", "1", "1"), {"insured"}),  # a dotted thousand is not a whole number
]


def date_cases(today):
    return [
        (today.isoformat(), False),
        ((today + timedelta(days=1)).isoformat(), True),
        ((today + timedelta(days=400)).isoformat(), True),
        (EARLIEST.isoformat(), False),
        ((EARLIEST - timedelta(days=1)).isoformat(), True),
        ("2023-06-15", False),
        ("15/06/2023", False),
        ("5/6/2023", False),
        ("2023-6-5", False),
        ("2023-02-30", True),
        ("31/02/2023", True),
        ("", True),
        (" ", True),
        ("abc", True),
        ("2023/06/15", True),
        ("15-06-2023", True),
        ("0000-01-01", True),
    ]


def server_count_errors(typed):
    data = MultiDict({"idempotency_key": "k" * 20, "visit_date": "2023-06-15", "purpose": "guidance",
                      "lines-0-department_id": "1", "lines-0-counted": "y"})
    for name, value in zip(rules.COUNTS, typed):
        data[f"lines-0-{name}"] = value
    form = VisitForm(formdata=data, meta={"csrf": False})
    form.earliest_date = EARLIEST
    form.validate()
    line = form.lines[0].form
    return {name: [str(e) for e in getattr(line, name).errors] for name in rules.COUNTS
            if getattr(line, name).errors}


def server_date_errors(typed):
    data = MultiDict({"idempotency_key": "k" * 20, "visit_date": typed, "purpose": "guidance",
                      "lines-0-department_id": "1", "lines-0-counted": "y", "lines-0-insured": "1",
                      "lines-0-registered": "0", "lines-0-active": "0", "lines-0-newly_registered": "0"})
    form = VisitForm(formdata=data, meta={"csrf": False})
    form.earliest_date = EARLIEST
    form.validate()
    return [str(e) for e in form.visit_date.errors]


@pytest.fixture
def rules_page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_content("<!doctype html><html><body></body></html>")
    page.add_script_tag(path=str(RULES_JS))
    yield page
    context.close()


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_tablet_and_the_server_refuse_the_same_figures(app, rules_page, language):
    with app.test_request_context("/"):
        from flask import session
        from fieldops.timeutil import local_today

        session["lang"] = language
        served = rules.for_browser(EARLIEST)
        server = [server_count_errors(typed) for typed, _expected in COUNT_CASES]
        today = local_today()
        dates = date_cases(today)
        server_dates = [server_date_errors(typed) for typed, _refused in dates]

    browser_side = rules_page.evaluate(
        """([rules, cases]) => cases.map(typed => window.FieldOpsRules.checkLine(rules,
             {insured: typed[0], registered: typed[1], active: typed[2], newly_registered: typed[3]}))""",
        [served, [typed for typed, _expected in COUNT_CASES]],
    )
    for (typed, expected), on_server, in_browser in zip(COUNT_CASES, server, browser_side):
        assert set(on_server) == expected, typed
        assert {name: [message] for name, message in in_browser.items()} == on_server, typed

    browser_dates = rules_page.evaluate(
        "([rules, cases, today]) => cases.map(typed => window.FieldOpsRules.checkDate(rules, typed, today))",
        [served, [typed for typed, _refused in dates], today.isoformat()],
    )
    for (typed, refused), on_server, in_browser in zip(dates, server_dates, browser_dates):
        assert bool(on_server) == refused, typed
        assert ([in_browser] if in_browser else []) == on_server, typed



def test_the_tablet_counts_a_department_on_the_days_the_server_does(rules_page):
    from fieldops.definitions import counts_on

    days = [date(2023, 6, d) for d in (1, 2, 3)]
    lives = [(None, None), (days[1], None), (None, days[1]), (days[0], days[2]), (days[1], days[1])]
    cases = [(day, starts, retired) for day in days for starts, retired in lives]
    on_server = [counts_on(day, starts, retired) for day, starts, retired in cases]
    in_browser = rules_page.evaluate(
        "cases => cases.map(c => window.FieldOpsRules.countsOn(c[0], c[1], c[2]))",
        [[day.isoformat(), starts and starts.isoformat(), retired and retired.isoformat()]
         for day, starts, retired in cases])
    assert in_browser == on_server
    assert on_server.count(True) not in (0, len(cases))
