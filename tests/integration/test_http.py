"""HTTP endpoints on the client port (docs/protocol.md section 3)."""

import json
import unittest

from support.http_client import raw_http
from support.messages import event
from support.processes import free_port
from support.relay_case import RelayTestCase

ACTOR_KINDS = {"upstream_session", "supervisor", "dedup_filter", "queue",
               "run_subscriber", "client_session"}

METRIC_NAMES = [
    "runrelay_upstream_connected",
    "runrelay_upstream_reconnects_total",
    "runrelay_events_accepted_total",
    "runrelay_events_rejected_total",
    "runrelay_events_duplicate_total",
    "runrelay_events_delivered_total",
    "runrelay_clients",
    "runrelay_runs",
    "runrelay_queue_depth",
    "runrelay_queue_dropped_total",
    "runrelay_slow_consumers_closed_total",
]


class HttpTest(RelayTestCase):

    def setUp(self):
        super().setUp()
        self.sim = self.start_sim()
        self.relay = self.start_relay(self.sim, relay_id="http-relay")

    def assert_json(self, res, status):
        self.assertEqual(res.status, status, res)
        self.assertTrue(res.headers.get("content-type", "").startswith("application/json"),
                        res.headers)
        return res.json()

    def assert_actor_entries(self, actors):
        self.assertIsInstance(actors, list)
        for entry in actors:
            self.assertIn(entry.get("kind"), ACTOR_KINDS, entry)
            self.assertIsInstance(entry.get("name"), str, entry)
            self.assertTrue(entry["name"], entry)
            self.assertIs(type(entry.get("mailbox")), int, entry)
            self.assertGreaterEqual(entry["mailbox"], 0, entry)

    def test_healthz_and_readyz(self):
        body = self.assert_json(self.relay.http("GET", "/healthz"), 200)
        self.assertEqual(body, {"status": "ok"})
        body = self.assert_json(self.relay.http("GET", "/readyz"), 200)
        self.assertEqual(body, {"state": "connected"})

    def test_stats_shape(self):
        client = self.relay.client()
        client.subscribe("stats-run")
        self.sim.inject(event("stats-run", "st-1"))
        client.events(1)
        stats = self.assert_json(self.relay.http("GET", "/stats"), 200)
        self.assertEqual(stats["relay"]["relay_id"], "http-relay")
        uptime = [k for k in stats["relay"] if "uptime" in k]
        self.assertTrue(uptime, stats["relay"])
        self.assertIsInstance(stats["relay"][uptime[0]], (int, float))
        self.assertEqual(stats["upstream"]["state"], "connected")
        self.assertEqual(stats["upstream"]["rejected"], 0)
        self.assertIsInstance(stats["dedup"], dict)
        self.assertIsInstance(stats["queue"], dict)
        self.assertEqual([r["run_id"] for r in stats["runs"]], ["stats-run"])
        self.assertEqual([c["client_id"] for c in stats["clients"]], [client.client_id])
        actors = stats["actors"]
        self.assert_actor_entries(actors)
        self.assertEqual({a["kind"] for a in actors}, ACTOR_KINDS)
        runs = [a for a in actors if a["kind"] == "run_subscriber"]
        self.assertEqual(len(runs), 1)
        self.assertIn("stats-run", runs[0]["name"])
        sessions = [a for a in actors if a["kind"] == "client_session"]
        self.assertEqual(len(sessions), 1)
        self.assertIn(client.client_id, sessions[0]["name"])
        for kind in ("upstream_session", "supervisor", "dedup_filter", "queue"):
            self.assertEqual(len([a for a in actors if a["kind"] == kind]), 1, kind)

    def test_stats_without_runs_or_clients(self):
        stats = self.assert_json(self.relay.http("GET", "/stats"), 200)
        self.assertEqual(stats["relay"]["relay_id"], "http-relay")
        self.assertEqual((stats["runs"], stats["clients"]), ([], []))
        self.assert_actor_entries(stats["actors"])
        self.assertEqual({a["kind"] for a in stats["actors"]},
                         {"upstream_session", "supervisor", "dedup_filter", "queue"})

    def test_stats_limit(self):
        clients = []
        for n in range(3):
            c = self.relay.client()
            c.subscribe("limit-run-%d" % n)
            self.sim.inject(event("limit-run-%d" % n, "l-%d" % n))
            c.events(1)
            clients.append(c)
        full = self.relay.stats()
        self.assertEqual(len(full["runs"]), 3)
        self.assertEqual(len(full["clients"]), 3)
        limited = self.relay.stats(limit=1)
        self.assertEqual(len(limited["runs"]), 1)
        self.assertEqual(len(limited["clients"]), 1)
        kinds = [a["kind"] for a in limited["actors"]]
        self.assertEqual(kinds.count("run_subscriber"), 1)
        self.assertEqual(kinds.count("client_session"), 1)
        for kind in ("upstream_session", "supervisor", "dedup_filter", "queue"):
            self.assertEqual(kinds.count(kind), 1, kind)
        run_ids = {"limit-run-%d" % n for n in range(3)}
        self.assertIn(limited["runs"][0]["run_id"], run_ids)
        self.assertIn(limited["clients"][0]["client_id"], {c.client_id for c in clients})
        # The totals count everything, whatever the lists show.
        self.assertEqual((limited["runs_total"], limited["clients_total"]), (3, 3))

    def test_metrics(self):
        client = self.relay.client()
        client.subscribe("metrics-run")
        self.sim.inject(event("metrics-run", "mt-1"))
        client.events(1)
        expected = {
            "runrelay_upstream_connected": 1,
            "runrelay_upstream_reconnects_total": 0,
            "runrelay_events_accepted_total": 1,
            "runrelay_events_rejected_total": 0,
            "runrelay_events_duplicate_total": 0,
            "runrelay_events_delivered_total": 1,
            "runrelay_clients": 1,
            "runrelay_runs": 1,
            "runrelay_queue_depth": 0,
            "runrelay_queue_dropped_total": 0,
            "runrelay_slow_consumers_closed_total": 0,
        }
        self.relay.wait_metrics(expected)
        res = self.relay.http("GET", "/metrics")
        self.assertEqual(res.status, 200, res)
        self.assertEqual(res.headers.get("content-type"), "text/plain; version=0.0.4")
        samples = {}
        types = {}
        for line in res.body.splitlines():
            if line.startswith("# TYPE "):
                _, _, name, kind = line.split(" ", 3)
                types[name] = kind
            elif line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                samples[name] = float(value)
        for name in METRIC_NAMES:
            self.assertIn(name, samples, res.body)
            self.assertEqual(types.get(name),
                             "counter" if name.endswith("_total") else "gauge", name)
        for name in samples:
            self.assertTrue(name.startswith("runrelay_"), name)
        self.assertEqual({k: samples[k] for k in METRIC_NAMES}, expected)

    def test_unknown_path_is_404(self):
        for path in ("/nope", "/stats/extra", "/healthz2", "/ws/x", "/upstream"):
            with self.subTest(path=path):
                body = self.assert_json(self.relay.http("GET", path), 404)
                self.assertEqual(list(body), ["error"])
                self.assertIsInstance(body["error"], str)

    def test_wrong_method_is_405(self):
        for method, path in (("POST", "/healthz"), ("DELETE", "/stats"),
                             ("PUT", "/metrics"), ("POST", "/readyz"),
                             ("GET", "/upstream/reconnect"), ("POST", "/ws")):
            with self.subTest(method=method, path=path):
                body = self.assert_json(self.relay.http(method, path), 405)
                self.assertEqual(list(body), ["error"])
                self.assertIsInstance(body["error"], str)

    def test_plain_get_ws_is_426(self):
        res = self.relay.http("GET", "/ws")
        self.assertEqual(res.status, 426, res)

    def test_http_1_0_and_no_host_header(self):
        for request in (b"GET /healthz HTTP/1.0\r\n\r\n",
                        b"GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n",
                        b"GET /readyz HTTP/1.0\r\n\r\n",
                        b"GET /stats HTTP/1.0\r\n\r\n"):
            with self.subTest(request=request):
                status, headers, body = raw_http(self.relay.port, request)
                self.assertEqual(status, 200, body)
                value = json.loads(body)
                if request.startswith(b"GET /healthz"):
                    self.assertEqual(value, {"status": "ok"})
                elif request.startswith(b"GET /readyz"):
                    self.assertEqual(value, {"state": "connected"})
                else:
                    self.assertEqual(value["relay"]["relay_id"], "http-relay")


class HttpWithoutUpstreamTest(RelayTestCase):

    def test_healthz_serves_while_upstream_is_unreachable(self):
        relay = self.start_relay(upstream="ws://127.0.0.1:%d/" % free_port(),
                                 wait_connected=False, backoff_base_ms=5000,
                                 backoff_max_ms=5000)
        res = relay.http("GET", "/healthz")
        self.assertEqual((res.status, res.json()), (200, {"status": "ok"}))
        # The first dial is refused by the OS: reconnecting, next dial in ~5 s.
        relay.wait_state("reconnecting")
        self.assertEqual(relay.readyz(), (503, {"state": "reconnecting"}))
        relay.wait_metrics({"runrelay_upstream_connected": 0})
        res = relay.http("POST", "/upstream/reconnect")
        self.assertEqual(res.status, 202, res)
        self.assertIsInstance(res.json().get("state"), str, res)


if __name__ == "__main__":
    unittest.main()
