"""The visits bench/national_load.py verifies in bulk (bench/bulk_verify_visits.py): the revisions it adds
(which has none) hold the visit's content as the app writes it, so their pages show them."""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Its own process: the sample's migrations configure logging as a command does.
SCRIPT = r"""
import json, sys
sys.path.insert(0, "bench")
import sqlalchemy as sa
import bulk_verify_visits, national_data
from fieldops import create_app
from fieldops.extensions import db
from fieldops.visits.models import Visit, VisitRevision
from fieldops.visits.operations import visit_content

url = sys.argv[1]
national_data.build(url, 0.0004)
engine = sa.create_engine(url)
with engine.begin() as conn:
    district = conn.execute(sa.text("SELECT district_id FROM visit GROUP BY district_id "
                                    "ORDER BY count(*) DESC LIMIT 1")).scalar()
    before = conn.execute(sa.text("SELECT count(*) FROM visit_revision")).scalar()
picks = bulk_verify_visits.waiting_visits(url, district)
ids = [int(pick.split(".")[0]) for pick in picks]
# A revision an earlier run left empty is written again; a whole one is left.
with engine.begin() as conn:
    conn.execute(sa.text("UPDATE visit_revision SET content = '{}' WHERE visit_id = :v"), {"v": ids[0]})
again = bulk_verify_visits.add_revisions(url, ids)
engine.dispose()
app = create_app({"SQLALCHEMY_DATABASE_URI": url})
with app.app_context():
    revisions = {r.visit_id: r for r in db.session.scalars(sa.select(VisitRevision))}
    visits = db.session.scalars(sa.select(Visit).where(Visit.id.in_(ids))).all()
    print(json.dumps({
        "before": before, "picks": picks, "again": again, "count": len(revisions),
        "as_written": all(revisions[v.id].content == json.loads(json.dumps(visit_content(v, v.employer_id)))
                          and revisions[v.id].number == v.revision for v in visits),
        "lines": min(len(revisions[v.id].content["lines"]) for v in visits),
        "third": bulk_verify_visits.add_revisions(url, ids),
    }))
"""


def test_the_bulk_verify_visits_get_revisions_holding_what_they_recorded(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "FIELDOPS_TEST_DATABASE_URL"} | {"FIELDOPS_ENV": "development"}
    done = subprocess.run([sys.executable, "-c", SCRIPT, f"sqlite:///{tmp_path / 'sample.sqlite3'}"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["before"] == 0
    assert found["picks"] and all(pick.endswith(".1") for pick in found["picks"])
    assert found["count"] == len(found["picks"])
    assert found["as_written"] and found["lines"] >= 1
    assert found["again"] == 1  # the one emptied
    assert found["third"] == 0
