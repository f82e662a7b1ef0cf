"""Locust users for bench/national_load.py (not run on its own).

One scenario per locust run, named by the environment variable SCENARIO; the
signed-in sessions (cookies and CSRF token, made once by national_load.py) and
the ids each scenario needs come from the JSON file named by NATIONAL_FIXTURE.
Clients wait for nothing between requests: each is a closed loop, so the
throughput is what the server gives at that many concurrent clients. They are
locust's FastHttpUser (geventhttpclient): the load runs on the server's own two
cores, and python-requests' client spent about 14 ms of CPU per request there
(half a core at 38 requests/s), time taken from the server being measured.
"""
import itertools
import json
import os
import random
import time
import uuid
from urllib.parse import urlencode

from locust import FastHttpUser, constant, task
from locust.exception import StopUser

FIXTURE = json.load(open(os.environ["NATIONAL_FIXTURE"]))
SCENARIO = os.environ["SCENARIO"]
_accounts = {role: itertools.cycle(accounts) for role, accounts in FIXTURE["accounts"].items() if accounts}
ROLES = {"supervisor_queue": "supervisor", "dashboard_national": "viewer", "campaign_headline": "viewer",
         "dashboard_province": "province_viewer", "dashboard_district": "supervisor",
         "export_province": "province_viewer", "sync_first": "largest_officer", "sync_incremental": "largest_officer",
         "care_queue": "care", "review_bulk_verify": "largest_supervisor"}
BATCH_ROWS = FIXTURE["batch_rows"]  # the scenarios measured by one row of their own
_waiting_batches = iter([FIXTURE["waiting"][i:i + 100] for i in range(0, len(FIXTURE.get("waiting", [])), 100)])
OUTBOX_VISITS = 20  # one replay: the visits a tablet queued offline, sent one after the other
WORDS = ["thuong mai", "xay dung", "hoang long", "det may", "minh phat", "co phan", "van tai", "an binh",
         "thuc pham", "dien tu"]


class Client(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        role = ROLES.get(SCENARIO, "officer")
        self.account = next(_accounts[role])
        self.headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.account["cookies"].items())}
        self.rng = random.Random()

    def get(self, path, name, headers=None):
        with self.client.get(path, name=name, headers=self.headers | (headers or {}), allow_redirects=False,
                             catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")

    @task
    def scenario(self):
        a = self.account
        if SCENARIO == "healthz":
            self.get("/healthz", "healthz")
        elif SCENARIO == "officer_home":
            self.get("/", "officer home")
        elif SCENARIO == "employer_search":
            self.get(f"/employers/?q={self.rng.choice(WORDS).replace(' ', '+')}", "employer search")
        elif SCENARIO == "employer_page":
            self.get(f"/employers/{self.rng.choice(list(a['employers']))}", "employer page")
        elif SCENARIO == "visit_submit":
            self.submit()
        elif SCENARIO == "supervisor_queue":
            self.get("/visits/review", "supervisor queue")
        elif SCENARIO in ("dashboard_national", "dashboard_province", "dashboard_district"):
            self.get(f"/progress/units/{a['unit_id']}", SCENARIO.replace("_", " "))
        elif SCENARIO == "export_province":
            self.get(f"/progress/units/{a['unit_id']}/export?format=xlsx", "export province xlsx")
        elif SCENARIO == "campaign_headline":
            # The leader's own dashboard for the campaign chosen, over the whole campaign: the headline goal first.
            self.get(f"/progress/?campaign={FIXTURE['campaign']}&period=campaign", "campaign headline")
        elif SCENARIO == "sync_first":
            self.get("/offline/sync", "sync first", {"Accept-Encoding": "gzip"})
        elif SCENARIO == "sync_incremental":
            self.get(f"/offline/sync?since={FIXTURE['sync_since']}", "sync incremental", {"Accept-Encoding": "gzip"})
        elif SCENARIO == "outbox_replay":
            self.outbox_replay()
        elif SCENARIO == "care_queue":
            self.get("/followups/care", "care queue")
        elif SCENARIO == "review_bulk_verify":
            self.bulk_verify()

    def submit(self, name="visit submit", extra=None):
        employer, departments = self.rng.choice(list(self.account["employers"].items()))
        form = {"csrf_token": self.account["csrf"], "idempotency_key": f"bench-{uuid.uuid4()}", "base_revision": "",
                "visit_date": "2023-12-15", "purpose": "registration_drive", "notes": "", "latitude": "",
                "longitude": ""}
        for k, department_id in enumerate(departments):
            form.update({f"lines-{k}-department_id": str(department_id), f"lines-{k}-new_name": "",
                         f"lines-{k}-counted": "y", f"lines-{k}-insured": "300", f"lines-{k}-registered": "280",
                         f"lines-{k}-active": "200", f"lines-{k}-newly_registered": "5"})
        headers = self.headers | {"Content-Type": "application/x-www-form-urlencoded"} | (extra or {})
        with self.client.post(f"/visits/new/{employer}", data=urlencode(form), headers=headers, name=name,
                              allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")
                return None
            return response.headers.get("Location")

    def outbox_replay(self):
        """The tablet's outbox sends its queued visits one by one, each followed to the visit's page
        (where it reads X-Visit-Id); the batch is recorded as one request."""
        began, failed = time.perf_counter(), None
        for _ in range(OUTBOX_VISITS):
            landed = self.submit("outbox visit", {"X-Outbox": "1", "X-CSRFToken": self.account["csrf"]})
            if landed is None:
                failed = RuntimeError("a queued visit was refused")
                break
            self.get(landed, "outbox visit page")
        self.environment.events.request.fire(
            request_type="BATCH", name=BATCH_ROWS["outbox_replay"], response_time=(time.perf_counter() - began) * 1000,
            response_length=0, exception=failed, context={})

    def bulk_verify(self):
        """The supervisor ticks 100 waiting visits of the district, is asked, confirms
        (fieldops/visits/queue_routes.py bulk_verify); the two POSTs are recorded as one batch."""
        picks = next(_waiting_batches, None)  # each batch other visits: a verified visit waits no more
        if picks is None:
            raise StopUser()  # the district has no more waiting visits
        began, failed = time.perf_counter(), None
        form = [("csrf_token", self.account["csrf"]), ("which", "picked"), ("next", "/visits/review")] + [
            ("pick", pick) for pick in picks]
        headers = self.headers | {"Content-Type": "application/x-www-form-urlencoded"}
        for step, expected in ((form, 200), (form + [("confirm", "1")], 302)):
            with self.client.post(FIXTURE["bulk_verify_path"], data=urlencode(step), headers=headers,
                                  name="bulk verify, " + ("confirmed" if expected == 302 else "asked"),
                                  allow_redirects=False, catch_response=True) as response:
                if response.status_code != expected:
                    response.failure(f"status {response.status_code}")
                    failed = RuntimeError(f"bulk verify answered {response.status_code}")
                    break
        self.environment.events.request.fire(
            request_type="BATCH", name=BATCH_ROWS["review_bulk_verify"],
            response_time=(time.perf_counter() - began) * 1000, response_length=0, exception=failed, context={})
