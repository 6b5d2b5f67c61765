"""Orchestrator frames (docs/protocol.md section 1): batches taken element by element,
and everything that is not an event, ping or pong rejected without hurting the
session."""

import json
import unittest

from support.messages import DERIVED_ID, batch, event
from support.relay_case import RelayTestCase


def nested(levels):
    """An event whose object plus `levels - 1` arrays nest `levels` containers."""
    return ('{"run_id":"ok-run","type":"deep","d":' + "[" * (levels - 1)
            + "]" * (levels - 1) + "}")


# (name, frame text, sent as a binary frame). Each must be rejected as a whole:
# counted once in `rejected`, nothing delivered.
GARBAGE = [
    ("truncated JSON", '{"run_id":"ok-run","type":"step","event_id":"g-1"', False),
    ("not JSON", "not json at all", False),
    ("trailing garbage", '{"run_id":"ok-run","type":"step","event_id":"g-3"} x', False),
    ("binary frame", event("ok-run", "g-4"), True),
    ("number", "42", False),
    ("string", '"an event"', False),
    ("null", "null", False),
    ("boolean", "true", False),
    ("batch of a non-object", "[1]", False),
    ("no run_id, not ping/pong", '{"type":"step","event_id":"g-10"}', False),
    ("missing type", '{"run_id":"ok-run","event_id":"g-11"}', False),
    ("run_id a number", '{"run_id":12,"type":"step","event_id":"g-12"}', False),
    ("run_id null", '{"run_id":null,"type":"step","event_id":"g-13"}', False),
    ("run_id an array", '{"run_id":["ok-run"],"type":"step","event_id":"g-14"}', False),
    ("type a number", '{"run_id":"ok-run","type":3,"event_id":"g-15"}', False),
    ("type null", '{"run_id":"ok-run","type":null,"event_id":"g-16"}', False),
    ("event_id a number", '{"run_id":"ok-run","type":"step","event_id":17}', False),
    ("event_id an object", '{"run_id":"ok-run","type":"step","event_id":{"a":1}}', False),
    ("event_id null", '{"run_id":"ok-run","type":"step","event_id":null}', False),
    ("event_id empty", '{"run_id":"ok-run","type":"step","event_id":""}', False),
    ("event_id of 257 bytes", event("ok-run", "e" * 257), False),
    ("run_id *", event("*", "g-22"), False),
    ("run_id empty", event("", "g-23"), False),
    ("run_id of 257 bytes", event("r" * 257, "g-24"), False),
    ("run_id of 258 UTF-8 bytes", event("\u00e9" * 129, "g-25"), False),
    ("nesting of 65 levels", nested(65), False),
    ("nesting of 200 levels", nested(200), False),
    ("duplicate run_id key", '{"run_id":"ok-run","run_id":"other","type":"step"}', False),
    ("duplicate run_id key, escaped",
     '{"run_id":"ok-run","run\\u005fid":"other","type":"step","event_id":"g-29"}', False),
    ("duplicate type key", '{"run_id":"ok-run","type":"a","type":"b","event_id":"g-30"}',
     False),
    ("duplicate event_id key",
     '{"run_id":"ok-run","type":"a","event_id":"g-31","event_id":"g-32"}', False),
]


class BatchTest(RelayTestCase):

    def test_batch_of_three_in_order(self):
        sim = self.start_sim()
        relay = self.start_relay(sim)
        client = relay.client()
        client.subscribe("batch-run")
        objs = [event("batch-run", "b-1", n=1), event("batch-run", None, n=2),
                event("batch-run", "b-3", n=3)]
        sim.inject("[\n " + objs[0] + " ,\t" + objs[1] + "," + objs[2] + "\r\n]")
        events = client.events(3)
        self.assertEqual([e["seq"] for e in events], [1, 2, 3])
        self.assertEqual(events[0]["event_id"], "b-1")
        self.assertRegex(events[1]["event_id"], DERIVED_ID)
        self.assertEqual(events[2]["event_id"], "b-3")
        self.assertEqual([e.raw_field("data") for e in events], objs)
        client.expect_no_message(0.3)
        self.assertEqual(relay.stats()["upstream"]["rejected"], 0)

    def test_batch_with_bad_elements_keeps_the_good_ones(self):
        sim = self.start_sim()
        relay = self.start_relay(sim)
        watcher = relay.watcher()
        good = [event("mixed", "m-1"), event("mixed", "m-2"), event("mixed", "m-3")]
        sim.inject(batch(good[0], "5", event("*", "bad-star"), '{"type":"nope"}',
                         good[1], '"text"', '{"run_id":"mixed","type":7}', good[2]))
        events = watcher.events(3)
        self.assertEqual([e["event_id"] for e in events], ["m-1", "m-2", "m-3"])
        self.assertEqual([e.raw_field("data") for e in events], good)
        watcher.expect_no_message(0.3)
        relay.wait_stats(lambda s: s["upstream"]["rejected"] == 5,
                         what="5 rejected elements")
        relay.wait_stats(lambda s: s["upstream"]["accepted"] == 3, what="3 accepted")
        relay.wait_metrics({"runrelay_events_rejected_total": 5,
                            "runrelay_events_accepted_total": 3})
        self.assertEqual(relay.readyz(), (200, {"state": "connected"}))

    def test_batch_with_a_ping_answers_it(self):
        sim = self.start_sim()
        relay = self.start_relay(sim, relay_id="batch-ping")
        watcher = relay.watcher()
        sim.inject(batch(event("bp", "bp-1"), '{"type":"ping","timestamp":7}',
                         event("bp", "bp-2")))
        self.assertEqual([e["event_id"] for e in watcher.events(2)], ["bp-1", "bp-2"])
        texts = sim.wait_received("batch-ping", 2)
        self.assertEqual(json.loads(texts[1]), {"type": "pong", "timestamp": 7})


class RejectTest(RelayTestCase):

    def test_garbage_is_rejected_and_the_session_stays_up(self):
        sim = self.start_sim()
        relay = self.start_relay(sim, relay_id="garbage-relay")
        watcher = relay.watcher()  # sees any event wrongly accepted
        for i, (name, frame, binary) in enumerate(GARBAGE):
            with self.subTest(name):
                before = relay.stats()["upstream"]["rejected"]
                sim.inject(frame, binary=binary)
                marker = "marker-%d" % i
                sim.inject(event("ok-run", marker))
                got = watcher.recv()
                self.assertEqual((got.get("type"), got.get("event_id")),
                                 ("event", marker),
                                 "%s was not rejected: %s" % (name, got.raw[:300]))
                relay.wait_stats(lambda s: s["upstream"]["rejected"] == before + 1,
                                 what="%s counted once in rejected (was %d)"
                                 % (name, before))
        watcher.expect_no_message(0.3)
        self.assertEqual(relay.readyz(), (200, {"state": "connected"}))
        stats = relay.wait_stats(lambda s: s["upstream"]["accepted"] == len(GARBAGE),
                                 what="every marker accepted")
        self.assertEqual(stats["upstream"]["rejected"], len(GARBAGE))
        self.assertEqual(stats["upstream"]["reconnects"], 0)
        self.assertEqual(len(sim.hellos("garbage-relay")), 1, "no reconnect")
        self.assertEqual(sim.status()["connections"], 1)
        relay.wait_metrics({"runrelay_events_rejected_total": len(GARBAGE),
                            "runrelay_events_accepted_total": len(GARBAGE),
                            "runrelay_upstream_reconnects_total": 0,
                            "runrelay_upstream_connected": 1})

    def test_limits_are_inclusive(self):
        sim = self.start_sim()
        relay = self.start_relay(sim)
        accepted = [event("r" * 256, "limit-1"),
                    event("\u00e9" * 128, "limit-2"),
                    event("ok-run", "e" * 256),
                    nested(64),
                    '{"run_id":"ok-run","type":""}',
                    '{"run_id":"ok-run","type":"pong"}',
                    '{"run_id":"ok-run","type":"ping","timestamp":1}']
        events = self.feed(sim, relay, accepted, len(accepted))
        self.assertEqual([e.raw_field("data") for e in events], accepted)
        self.assertEqual(events[0]["run_id"], "r" * 256)
        self.assertEqual(events[1]["run_id"], "\u00e9" * 128)
        self.assertEqual(events[2]["event_id"], "e" * 256)
        self.assertEqual(relay.stats()["upstream"]["rejected"], 0)

    def test_escaped_ids_are_decoded(self):
        # run_id and event_id are JSON strings: "r\u0031" is run r1, "e\u002d1" is e-1.
        sim = self.start_sim()
        relay = self.start_relay(sim, dedup_window_ms=60000)
        client = relay.client()
        client.subscribe("r1")
        raw = '{"run_id":"r\\u0031","type":"t","event_id":"e\\u002d1"}'
        sim.inject(raw)
        ev = client.events(1)[0]
        self.assertEqual((ev["run_id"], ev["event_id"], ev["seq"]), ("r1", "e-1", 1))
        self.assertEqual(ev.raw_field("data"), raw)
        sim.inject(event("r1", "e-1", plain=True))  # the same id written plainly
        relay.wait_stats(lambda s: s["upstream"]["duplicates"] == 1, what="duplicate")
        client.expect_no_message(0.3)


if __name__ == "__main__":
    unittest.main()
