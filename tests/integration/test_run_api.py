"""The run API (docs/protocol.md section 3): GET /runs, /runs/<run_id>, and the
long-poll GET /runs/<run_id>/events, against the real relay."""

import json
import threading
import time
import unittest

from support.messages import event
from support.relay_case import RelayTestCase


class RunApiTest(RelayTestCase):

    def setUp(self):
        super().setUp()
        self.sim = self.start_sim()
        self.relay = self.start_relay(self.sim, "--history-limit", "5")

    def inject(self, run_id, event_id, type="step", **fields):
        self.sim.inject(event(run_id, event_id, type=type, **fields))

    def wait_run(self, run_id, count):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            res = self.relay.http("GET", "/runs/" + run_id)
            if res.status == 200 and res.json()["event_count"] >= count:
                return res.json()
            time.sleep(0.05)
        self.fail("run %s never reached %d events" % (run_id, count))

    def poll(self, run_id, query="", status=200):
        res = self.relay.http("GET", "/runs/%s/events%s" % (run_id, query))
        self.assertEqual(res.status, status, res)
        return res.json()

    def test_run_summary_follows_event_types_progress_and_artifacts(self):
        self.inject("build-1", "b1", "workflow_started")
        self.inject("build-1", "b2", "step_progress", progress={"done": 1, "of": 4})
        self.inject("build-1", "b3", "artifact", artifact={"name": "app.tar"})
        self.inject("build-1", "b4", "step_progress", progress={"done": 3, "of": 4})
        self.inject("build-1", "b5", "artifact", artifact={"name": "log.txt"})
        run = self.wait_run("build-1", 5)
        self.assertEqual(run["status"], "running")
        self.assertEqual(run["counts"], {"workflow_started": 1, "step_progress": 2,
                                         "artifact": 2})
        self.assertEqual(run["progress"], {"done": 3, "of": 4})
        self.assertEqual([a["name"] for a in run["artifacts"]], ["app.tar", "log.txt"])
        self.assertEqual(run["last_event_id"], "b5")
        self.assertRegex(run["first_event_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.inject("build-1", "b6", "workflow_completed")
        self.assertEqual(self.wait_run("build-1", 6)["status"], "completed")

    def test_runs_lists_filters_and_limits(self):
        self.inject("alpha", "a1", "workflow_started")
        self.inject("beta", "x1", "workflow_failed")
        self.inject("gamma", "g1")
        self.wait_run("gamma", 1)
        runs = self.relay.get_json("/runs")["runs"]
        self.assertEqual({r["run_id"] for r in runs}, {"alpha", "beta", "gamma"})
        for key in ("status", "event_count", "last_seq", "last_event_id", "subscribers",
                    "first_event_at", "last_event_at"):
            self.assertIn(key, runs[0])
        failed = self.relay.get_json("/runs?status=failed")["runs"]
        self.assertEqual([r["run_id"] for r in failed], ["beta"])
        self.assertEqual(len(self.relay.get_json("/runs?limit=2")["runs"]), 2)
        res = self.relay.http("GET", "/runs?status=sleeping")
        self.assertEqual(res.status, 400)
        self.assertIn("status", res.json()["error"])

    def test_unknown_run_is_404_with_a_json_error(self):
        for path in ("/runs/nobody", "/runs/nobody/events"):
            res = self.relay.http("GET", path)
            self.assertEqual(res.status, 404, path)
            self.assertIn("error", res.json())

    def test_events_pages_by_seq_and_by_event_id(self):
        for i in range(1, 5):
            self.inject("paged", "p%d" % i)
        self.wait_run("paged", 4)
        first = self.poll("paged", "?limit=2")
        self.assertEqual([e["event_id"] for e in first["events"]], ["p1", "p2"])
        self.assertEqual((first["next"], first["next_id"], first["gap"]), (2, "p2", False))
        rest = self.poll("paged", "?after=%d" % first["next"])
        self.assertEqual([e["event_id"] for e in rest["events"]], ["p3", "p4"])
        by_id = self.poll("paged", "?after=p3")
        self.assertEqual([e["seq"] for e in by_id["events"]], [4])
        end = self.poll("paged", "?after=p4")
        self.assertEqual((end["events"], end["next"], end["next_id"]), ([], 4, "p4"))

    def test_an_evicted_position_is_an_honest_gap(self):
        for i in range(1, 9):  # history-limit 5: e1..e3 are evicted
            self.inject("evicting", "e%d" % i)
        self.wait_run("evicting", 8)
        page = self.poll("evicting", "?after=e1")
        self.assertTrue(page["gap"])
        self.assertEqual([e["event_id"] for e in page["events"]],
                         ["e4", "e5", "e6", "e7", "e8"])
        self.assertFalse(self.poll("evicting", "?after=3")["gap"])
        self.assertTrue(self.poll("evicting", "?after=2")["gap"])

    def test_bad_parameters_are_400_naming_the_parameter(self):
        self.inject("params", "q1")
        self.wait_run("params", 1)
        for query, name in (("?limit=-1", "limit"), ("?limit=abc", "limit"),
                            ("?limit=99999999999999999999", "limit"),
                            ("?wait_ms=nope", "wait_ms"), ("?after=", "after")):
            res = self.relay.http("GET", "/runs/params/events" + query)
            self.assertEqual(res.status, 400, query)
            self.assertIn(name, res.json()["error"], query)
        res = self.relay.http("GET", "/stats?limit=abc")
        self.assertEqual(res.status, 400)

    def test_a_held_poll_returns_as_soon_as_an_event_arrives(self):
        self.inject("held", "h1")
        self.wait_run("held", 1)
        result = {}

        def hold():
            started = time.monotonic()
            result["page"] = self.poll("held", "?after=h1&wait_ms=20000")
            result["took"] = time.monotonic() - started

        waiter = threading.Thread(target=hold)
        waiter.start()
        self.relay.wait_stats(lambda s: s["clients_by_transport"]["long_poll"] == 1,
                              what="the poll held")
        stats = self.relay.stats()
        polls = [c for c in stats["clients"] if c["transport"] == "long_poll"]
        self.assertEqual([p["run_id"] for p in polls], ["held"])
        self.inject("held", "h2")
        waiter.join(10)
        self.assertFalse(waiter.is_alive())
        self.assertEqual([e["event_id"] for e in result["page"]["events"]], ["h2"])
        self.assertLess(result["took"], 10)
        self.assertIn('runrelay_clients_by_transport{transport="long_poll"} 0',
                      self.relay.http("GET", "/metrics").body)

    def test_a_held_poll_with_nothing_new_answers_empty_at_its_wait(self):
        self.inject("quiet", "q1")
        self.wait_run("quiet", 1)
        started = time.monotonic()
        page = self.poll("quiet", "?after=q1&wait_ms=600")
        self.assertGreaterEqual(time.monotonic() - started, 0.5)
        self.assertEqual((page["events"], page["next_id"]), ([], "q1"))

    def test_an_after_id_arriving_within_the_resume_wait_resumes_exactly(self):
        self.inject("behind", "r1")
        self.wait_run("behind", 1)
        result = {}
        waiter = threading.Thread(
            target=lambda: result.update(page=self.poll("behind", "?after=r2")))
        waiter.start()
        time.sleep(0.2)
        self.inject("behind", "r2")
        self.inject("behind", "r3")
        waiter.join(10)
        page = result["page"]
        # Answered when r2 arrived, right after it: no gap, and nothing replayed twice.
        self.assertFalse(page["gap"])
        self.assertEqual(page["next_id"], "r3" if page["events"] else "r2")
        self.assertEqual([e["event_id"] for e in page["events"]], ["r3"][:len(page["events"])])

    def test_held_polls_are_bounded(self):
        relay = self.start_relay(self.sim, "--max-held-polls", "1")
        self.sim.inject(event("bounded", "b2"), expect_sent=2)
        deadline = time.monotonic() + 10
        while relay.http("GET", "/runs/bounded").status != 200:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        waiter = threading.Thread(target=lambda: relay.http(
            "GET", "/runs/bounded/events?after=b2&wait_ms=3000"))
        waiter.start()
        relay.wait_stats(lambda s: s["clients_by_transport"]["long_poll"] == 1,
                         what="the poll held")
        res = relay.http("GET", "/runs/bounded/events?after=b2&wait_ms=3000")
        self.assertEqual(res.status, 503, res)
        self.assertEqual(res.headers.get("retry-after"), "1")
        self.assertIn("error", res.json())
        self.assertEqual(relay.http("GET", "/runs/bounded/events?after=b2").status, 200)
        waiter.join(10)


if __name__ == "__main__":
    unittest.main()
