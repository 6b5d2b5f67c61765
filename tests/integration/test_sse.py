"""GET /runs/<run_id>/stream (docs/protocol.md section 3): Server-Sent Events with
Last-Event-ID and ?since= resuming as `since` does, upstream changes as named events,
keep-alives, and the slow-consumer bound, against the real relay."""

import json
import socket
import time
import unittest

from support.messages import event
from support.relay_case import RelayTestCase
from support.sse_client import SseClient


class SseTest(RelayTestCase):

    def setUp(self):
        super().setUp()
        self.sim = self.start_sim()
        self.relay = self.start_relay(self.sim, "--heartbeat-ms", "300")

    def stream(self, run_id, query="", headers=None, relay=None):
        client = SseClient((relay or self.relay).port, "/runs/%s/stream%s" % (run_id, query), headers)
        self.addCleanup(client.close)
        self.assertEqual(client.status, 200)
        self.assertTrue(client.headers["content-type"].startswith("text/event-stream"))
        self.assertIn("retry", client.next_block())
        welcome = client.next_event("welcome")
        self.assertEqual(json.loads(welcome["data"])["upstream"], "connected")
        return client

    def inject(self, run_id, *ids):
        for event_id in ids:
            self.sim.inject(event(run_id, event_id))

    def test_replays_history_then_live_with_ids(self):
        self.inject("s1", "a", "b")
        self.relay.wait_stats(lambda s: any(r["run_id"] == "s1" and r["event_count"] == 2
                                            for r in s["runs"]), what="two events")
        client = self.stream("s1")
        subscribed = json.loads(client.next_event("subscribed")["data"])
        self.assertEqual(subscribed["replayed"], 2)
        self.inject("s1", "c")
        events = client.events(3)
        self.assertEqual([e["id"] for e in events], ["a", "b", "c"])
        envelope = json.loads(events[2]["data"])
        self.assertEqual((envelope["type"], envelope["seq"]), ("event", 3))
        stats = self.relay.stats()
        self.assertIn("sse", [c.get("transport") for c in stats["clients"]])

    def test_last_event_id_resumes_after_it_and_wins_over_since(self):
        self.inject("s2", "a", "b", "c")
        self.relay.wait_stats(lambda s: any(r["run_id"] == "s2" and r["event_count"] == 3
                                            for r in s["runs"]), what="three events")
        client = self.stream("s2", "?since=live", {"Last-Event-ID": "a"})
        subscribed = json.loads(client.next_event("subscribed")["data"])
        self.assertEqual((subscribed["replayed"], subscribed["gap"]), (2, False))
        self.assertEqual([e["id"] for e in client.events(2)], ["b", "c"])
        live = self.stream("s2", "?since=live")
        self.assertEqual(json.loads(live.next_event("subscribed")["data"])["replayed"], 0)
        self.inject("s2", "d")
        self.assertEqual(live.next_event()["id"], "d")

    def test_an_unknown_last_event_id_waits_then_gaps(self):
        self.inject("s3", "a")
        client = self.stream("s3", headers={"Last-Event-ID": "never"})
        subscribed = json.loads(client.next_event("subscribed", timeout=5)["data"])
        self.assertTrue(subscribed["gap"])
        self.assertEqual(client.next_event()["id"], "a")

    def test_upstream_changes_are_named_events_and_keep_alives_flow(self):
        client = self.stream("s4")
        client.next_event("subscribed")
        comment = client.next_block(timeout=3)
        self.assertEqual(comment.get("comment"), "keep-alive")
        self.sim.drop()
        states = []
        deadline = time.monotonic() + 10
        while "connected" not in states[1:] and time.monotonic() < deadline:
            block = client.next_event("upstream")
            states.append(json.loads(block["data"])["state"])
        self.assertIn("reconnecting", states)
        self.assertEqual(states[-1], "connected")

    def test_a_stream_that_stops_reading_is_closed_as_a_slow_consumer(self):
        relay = self.start_relay(self.sim, "--client-buffer-frames", "4")
        client = SseClient(relay.port, "/runs/slow/stream")
        self.addCleanup(client.close)
        client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        big = "x" * 60000
        for i in range(300):  # 18 MB: more than the kernel's socket buffers hold
            self.sim.inject(event("slow", "big-%d" % i, blob=big), expect_sent=2)
            if i % 20 == 19 and relay.metrics().get(
                    "runrelay_slow_consumers_closed_total"):
                break
        relay.wait_metrics({"runrelay_slow_consumers_closed_total": 1})
        witness = self.stream("slow", "?since=live", relay=relay)
        self.sim.inject(event("slow", "after"), expect_sent=2)
        witness.next_event("subscribed")
        # Events still in flight from the burst may come first, each once, in order.
        seen = []
        while not seen or seen[-1] != "after":
            seen.append(witness.next_event()["id"])
        self.assertEqual(len(seen), len(set(seen)))


if __name__ == "__main__":
    unittest.main()
