"""bench/quick.py, the hot pages' regression guard: it measures every page it
names against /healthz, flags a page grown slower than the stored numbers, and
never empties a database that holds more than its sample."""
import importlib.util
import json
import os
import sqlite3
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUICK = os.path.join(ROOT, "bench", "quick.py")
PAGES = ["healthz", "officer_home", "employer_search", "employer_page", "visit_submit", "supervisor_queue",
         "my_progress", "dashboard_district", "dashboard_province", "dashboard_national"]


def _quick_module():
    spec = importlib.util.spec_from_file_location("quick_guard", QUICK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(*args):
    # Its own process: the sample's migrations configure logging as a command does.
    env = {k: v for k, v in os.environ.items() if k != "FIELDOPS_TEST_DATABASE_URL"}
    return subprocess.run([sys.executable, QUICK, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def test_every_hot_page_is_measured_against_healthz_and_the_report_goes_where_asked(tmp_path):
    kept = set(os.listdir(os.path.join(ROOT, "bench", "results")))
    done = _run("--scale", "0.0004", "--repeat", "2", "--baseline", str(tmp_path / "none.json"),
                "--results", str(tmp_path / "out"))
    assert done.returncode == 0, done.stdout + done.stderr
    [report_name] = os.listdir(tmp_path / "out")
    report = json.load(open(tmp_path / "out" / report_name))
    assert list(report["pages"]) == PAGES
    assert report["pages"]["healthz"]["ratio_to_healthz"] == 1.0
    for name, page in report["pages"].items():
        assert page["median_cpu_ms"] > 0, name
        assert page["p95_cpu_ms"] >= page["median_cpu_ms"], name
    assert set(os.listdir(os.path.join(ROOT, "bench", "results"))) == kept


def test_a_page_whose_ratio_grew_past_the_tolerance_is_named():
    quick = _quick_module()
    results = {"healthz": {"median_cpu_ms": 1.0, "ratio_to_healthz": 1.0},
               "employer_page": {"median_cpu_ms": 3.0, "ratio_to_healthz": 3.0},
               "supervisor_queue": {"median_cpu_ms": 3.6, "ratio_to_healthz": 3.6},
               "visit_submit": {"median_cpu_ms": 5.0, "ratio_to_healthz": 5.0}}
    stored = {"healthz": {"ratio_to_healthz": 2.0}, "employer_page": {"ratio_to_healthz": 2.0},
              "supervisor_queue": {"ratio_to_healthz": 3.0}}
    lines, slower = quick.compare(results, stored, tolerance=0.2)
    # 3.0 / 2.0 is past 1.2; 3.6 / 3.0 is 1.2 exactly; a page never stored, and /healthz, are never slower.
    assert slower == ["employer_page"]
    assert results["employer_page"]["now_over_baseline"] == 1.5
    assert results["visit_submit"]["baseline_ratio"] is None
    assert len(lines) == 1 + len(results)


def test_a_database_holding_more_than_the_sample_is_refused_and_kept(tmp_path):
    path = tmp_path / "someones.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE employer (id INTEGER PRIMARY KEY, name TEXT)")
        conn.executemany("INSERT INTO employer (name) VALUES (?)", [(f"Công ty {i}",) for i in range(500)])
    done = _run("--database", f"sqlite:///{path}", "--scale", "0.0004", "--results", str(tmp_path / "out"))
    assert done.returncode != 0
    assert "holds 500 employers" in done.stderr
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM employer").fetchone()[0] == 500
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("content", [
    "not json at all", "[]", '{"when": "2026-12-06"}', '{"pages": []}', '{"pages": {"healthz": 1.0}}',
    '{"pages": {"healthz": {"median_cpu_ms": 1.0}}}', '{"pages": {"employer_page": {"ratio_to_healthz": "3"}}}',
    '{"pages": {"employer_page": {"ratio_to_healthz": 0}}}', "\x00\xff" * 1000,
])
def test_stored_numbers_it_cannot_read_stop_it_before_it_measures(tmp_path, content):
    baseline = tmp_path / "baseline.json"
    baseline.write_text(content, encoding="utf-8", errors="surrogateescape")
    done = _run("--baseline", str(baseline), "--results", str(tmp_path / "out"))
    assert done.returncode != 0
    assert f"{baseline} is not quick.py's stored numbers" in done.stderr
    assert "store them again with --save" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()
    assert baseline.read_text(encoding="utf-8", errors="surrogateescape") == content


def test_stored_numbers_are_read_as_stored():
    pages = _quick_module().stored_pages(os.path.join(ROOT, "bench", "quick-baseline.json"))
    assert pages["healthz"]["ratio_to_healthz"] == 1.0
    assert set(pages) == set(PAGES)


def test_a_form_is_timed_alone_and_its_redirect_followed_as_a_browser_would():
    # Each submit flashes a message read on the page it leads to: followed, the session stays the same size.
    from flask import Flask, flash, get_flashed_messages, redirect

    quick = _quick_module()
    app = Flask("guarded")
    app.secret_key = "test"
    app.add_url_rule("/form", "form", lambda: (flash("Visit recorded. " * 5), redirect("/shown"))[1],
                     methods=["POST"])
    app.add_url_rule("/shown", "shown", lambda: " ".join(get_flashed_messages()))
    client = app.test_client()
    sizes = []
    for _ in range(30):
        assert quick.timed(client, "post", "/form", {"field": "value"}, 302) >= 0
        cookie = client.get_cookie("session")
        sizes.append(len(cookie.value) if cookie else 0)
    assert max(sizes) < 100, sizes
    with pytest.raises(AssertionError):
        quick.timed(client, "get", "/form", None, 200)  # 405: what the page answered is checked


def test_the_stored_numbers_are_each_pages_highest_ratio_over_the_runs():
    quick = _quick_module()
    first = {"healthz": {"median_cpu_ms": 1.0, "ratio_to_healthz": 1.0},
             "supervisor_queue": {"median_cpu_ms": 3.0, "ratio_to_healthz": 3.0},
             "visit_submit": {"median_cpu_ms": 5.0, "ratio_to_healthz": 5.0}}
    second = {"healthz": {"median_cpu_ms": 1.5, "ratio_to_healthz": 1.0},
              "supervisor_queue": {"median_cpu_ms": 3.9, "ratio_to_healthz": 2.6},
              "visit_submit": {"median_cpu_ms": 8.1, "ratio_to_healthz": 5.4}}
    kept = quick.highest(first, second)
    assert kept["supervisor_queue"] == first["supervisor_queue"]
    assert kept["visit_submit"] == second["visit_submit"]
    assert kept["healthz"]["ratio_to_healthz"] == 1.0
