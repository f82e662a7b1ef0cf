"""bench/national_report.py: the p99 at 32 clients over the p99 at 8, as measured and with
the machine's speed (/healthz's requests a second around the same pages) taken out."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench"))

from national_report import tail_growth  # noqa: E402


def _record(scenario, clients, p99, healthz):
    return {"scenario": scenario, "concurrency": clients, "p99_ms": p99, "healthz_rps": healthz}


def test_each_page_has_its_p99_growth_measured_and_with_the_machine_speed_taken_out():
    records = [_record("healthz", 8, 18, 800.0), _record("officer_home", 8, 30, 800.0),
               _record("dashboard_district", 8, 25, 800.0), _record("healthz", 32, 60, 600.0),
               _record("officer_home", 32, 110, 600.0), _record("dashboard_district", 32, 125, 600.0),
               # measured at one concurrency only, or by the direct measures (no /healthz beside them)
               _record("care_queue", 8, 40, 800.0), {"scenario": "dossier_pdf_10", "concurrency": 1,
                                                     "p99_ms": 1300, "healthz_rps": None}]
    lines = tail_growth(records).splitlines()
    assert len(lines) == 4
    assert lines[2] == "| officer_home | 30 | 110 | 3.67 | 800 → 600 | 2.75 |"
    # 5.0 × 600/800: over 4 as measured, 3.75 once the VM's slowing between the two is taken out.
    assert lines[3] == "| dashboard_district | 25 | 125 | 5.00 (over) | 800 → 600 | 3.75 |"


def test_a_run_without_both_concurrencies_has_no_such_table():
    assert tail_growth([_record("officer_home", 8, 30, 800.0), _record("healthz", 8, 18, 800.0)]) == ""
    assert tail_growth([]) == ""
