"""The demo's reviews: the 2023 interim review, closed, with criteria and
nominations for Hà Nội and Hà Tĩnh; the final review, open; the same on every load."""
import sqlalchemy as sa

from fieldops.extensions import db
from fieldops.reviews.models import Nomination, ReviewFigure, ReviewPeriod


def _snapshot():
    periods = [(p.kind, p.cut_off.isoformat(), p.state, p.org_unit.code, p.closed_at,
                [(c.rule, c.applies_to, None if c.threshold is None else float(c.threshold)) for c in p.criteria])
               for p in db.session.scalars(sa.select(ReviewPeriod).order_by(ReviewPeriod.cut_off))]
    figures = sorted((r.subject_key.split(":")[0], r.name, r.eligible, r.figures["registrations"], r.figures["visits"])
                     for r in db.session.scalars(sa.select(ReviewFigure)))
    nominations = [(n.nominee_name, n.org_unit.code, n.award_title.name, n.state, n.votes_for, n.votes_against,
                    n.endorser_name, n.created_at)
                   for n in db.session.scalars(sa.select(Nomination).order_by(Nomination.id))]
    return periods, figures, nominations


def test_the_demo_reviews(demo_data):
    periods, figures, nominations = _snapshot()
    (interim, final) = periods
    assert interim[:4] == ("interim", "2023-06-30", "closed", "VN") and len(interim[5]) == 4
    assert final[:4] == ("final", "2023-12-31", "open", "VN") and ("all_targets_met", "collective", None) in final[5]
    assert figures and any(f[2] for f in figures) and not all(f[2] for f in figures)
    provinces = {code[:2] for _n, code, *_rest in nominations}
    assert provinces == {"HN", "HT"}
    kinds = {(code.count("-") == 1, title) for _n, code, title, *_rest in nominations}
    assert (True, "Tập thể lao động xuất sắc") in kinds
    states = {n[3] for n in nominations}
    assert states == {"approved", "rejected"}
    assert all(n[6] for n in nominations)  # every one endorsed


def test_the_demo_reviews_can_be_read(demo_data, client):
    client.post("/login", data={"username": "hr", "password": "fieldops-demo-2023"})
    interim = db.session.scalars(sa.select(ReviewPeriod).where(ReviewPeriod.kind == "interim")).one()
    for url in ("/reviews/", f"/reviews/{interim.id}", f"/reviews/{interim.id}/ranking",
                f"/reviews/{interim.id}/ranking?who=units", f"/reviews/{interim.id}/nominations"):
        assert client.get(url).status_code == 200, url
    html = client.get(f"/reviews/{interim.id}/nominations").get_data(as_text=True)
    assert "Nguyễn Thị Ngọc Ánh" in html and "Đỗ Thu Hương" in html
