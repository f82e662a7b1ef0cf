"""Words as a Vietnamese officer reads them: filing a return is "Nộp" (never "Tệp", a
computer file), a review period in progress is "Đang mở" (a state, not the verb "Mở")."""
from fieldops.extensions import db
from tests import factories
from tests.visit_helpers import in_english


def test_the_returns_grid_offers_to_file_not_a_file(org, users, client_as):
    factories.campaign()
    db.session.commit()
    page = client_as("officer").get("/returns/?month=2023-06").get_data(as_text=True)
    grid = page[page.index('id="return-grid"'):]
    assert 'class="small-button"' in grid and ">Nộp</a>" in grid and "Tệp" not in grid
    english = in_english(client_as("officer")).get("/returns/?month=2023-06").get_data(as_text=True)
    assert ">File</a>" in english[english.index('id="return-grid"'):]


def test_an_open_review_period_reads_as_a_state(org, users, client_as):
    campaign = factories.campaign()
    period = factories.review_period(users["HN"]["hr"], campaign, org["HN"])
    db.session.commit()
    page = client_as("hr").get(f"/reviews/{period.id}").get_data(as_text=True)
    assert 'data-state="open">Đang mở</span>' in page
    english = in_english(client_as("hr")).get(f"/reviews/{period.id}").get_data(as_text=True)
    assert 'data-state="open">Open</span>' in english
