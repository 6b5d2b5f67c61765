"""Duplicates (docs/protocol.md section 1): the dedup window keyed by event_id across
runs, and a run's retained history that never delivers an id twice."""

import time
import unittest

from support.messages import event
from support.relay_case import RelayTestCase


class DedupTest(RelayTestCase):

    def duplicates(self, relay):
        return relay.stats()["upstream"]["duplicates"]

    def test_same_id_within_window_is_delivered_once(self):
        sim = self.start_sim()
        relay = self.start_relay(sim, dedup_window_ms=5000)
        watcher = relay.watcher()
        sim.inject(event("d-run-1", "dup-1", n=1))
        sim.inject(event("d-run-2", "dup-1", n=2))  # another run: the window alone
        sim.inject(event("d-run-1", "dup-1", n=3))
        sim.inject(event("d-run-1", "next-1"))
        events = watcher.events(2)
        self.assertEqual([(e["run_id"], e["event_id"], e["seq"]) for e in events],
                         [("d-run-1", "dup-1", 1), ("d-run-1", "next-1", 2)])
        self.assertEqual(events[0]["data"]["n"], 1)  # the first one wins
        watcher.expect_no_message(0.3)
        stats = relay.wait_stats(lambda s: s["upstream"]["duplicates"] == 2,
                                 what="2 duplicates")
        self.assertEqual(stats["dedup"]["duplicates"], 2)
        relay.wait_stats(lambda s: s["upstream"]["accepted"] == 2, what="2 accepted")
        relay.wait_metrics({"runrelay_events_duplicate_total": 2,
                            "runrelay_events_accepted_total": 2,
                            "runrelay_events_delivered_total": 2})
        # The run's history holds it once.
        client = relay.client()
        sub, replayed = client.subscribe("d-run-1")
        self.assertEqual([e["event_id"] for e in replayed], ["dup-1", "next-1"])
        sub, replayed = client.subscribe("d-run-2")
        self.assertEqual((sub["replayed"], replayed), (0, []))

    def test_after_window_still_in_history_is_dropped(self):
        sim = self.start_sim()
        relay = self.start_relay(sim, dedup_window_ms=300)
        watcher = relay.watcher()
        sim.inject(event("h-run", "hist-1", n=1))
        self.assertEqual(watcher.events(1)[0]["event_id"], "hist-1")
        time.sleep(0.6)  # let the window pass
        sim.inject(event("h-run", "hist-1", n=2))
        sim.inject(event("h-run", "hist-2"))
        events = watcher.events(1)
        self.assertEqual((events[0]["event_id"], events[0]["seq"]), ("hist-2", 2))
        watcher.expect_no_message(0.3)
        relay.wait_stats(lambda s: s["upstream"]["duplicates"] == 1, what="1 duplicate")
        relay.wait_metrics({"runrelay_events_duplicate_total": 1})
        client = relay.client()
        sub, replayed = client.subscribe("h-run")
        self.assertEqual([(e["event_id"], e["seq"]) for e in replayed],
                         [("hist-1", 1), ("hist-2", 2)])

    def test_after_window_and_evicted_from_history_is_delivered_again(self):
        sim = self.start_sim()
        relay = self.start_relay(sim, dedup_window_ms=300, history_limit=2)
        watcher = relay.watcher()
        for eid in ("ev-1", "ev-2", "ev-3"):  # ev-1 leaves the history of 2
            sim.inject(event("e-run", eid))
        self.assertEqual([e["event_id"] for e in watcher.events(3)],
                         ["ev-1", "ev-2", "ev-3"])
        time.sleep(0.6)  # let the window pass
        sim.inject(event("e-run", "ev-1", again=True))
        ev = watcher.events(1)[0]
        self.assertEqual((ev["event_id"], ev["seq"], ev["data"].get("again")),
                         ("ev-1", 4, True))
        self.assertEqual(self.duplicates(relay), 0)

    def test_after_window_another_run_gets_it(self):
        # Only the window spans runs; history is per run.
        sim = self.start_sim()
        relay = self.start_relay(sim, dedup_window_ms=300)
        watcher = relay.watcher()
        sim.inject(event("x-run-1", "cross-1"))
        self.assertEqual(watcher.events(1)[0]["event_id"], "cross-1")
        time.sleep(0.6)
        sim.inject(event("x-run-2", "cross-1"))
        ev = watcher.events(1)[0]
        self.assertEqual((ev["run_id"], ev["event_id"], ev["seq"]),
                         ("x-run-2", "cross-1", 1))
        self.assertEqual(self.duplicates(relay), 0)

    def test_dropped_duplicate_does_not_extend_the_window(self):
        sim = self.start_sim()
        relay = self.start_relay(sim, dedup_window_ms=1000)
        watcher = relay.watcher()
        sim.inject(event("w-run-1", "win-1"))
        self.assertEqual(watcher.events(1)[0]["event_id"], "win-1")
        accepted_by = time.monotonic()  # the first acceptance happened before this
        time.sleep(0.2)
        sim.inject(event("w-run-2", "win-1"))  # within the window: dropped
        relay.wait_stats(lambda s: s["upstream"]["duplicates"] == 1, what="duplicate")
        # More than the window after the first acceptance, less than the window after
        # the dropped duplicate (unless the machine is very slow, which only makes
        # this test weaker, never wrong).
        time.sleep(max(0.0, accepted_by + 1.1 - time.monotonic()))
        sim.inject(event("w-run-3", "win-1"))
        ev = watcher.events(1)[0]
        self.assertEqual((ev["run_id"], ev["event_id"], ev["seq"]),
                         ("w-run-3", "win-1", 1))
        self.assertEqual(self.duplicates(relay), 1)

    def test_derived_ids_deduplicate_identical_bytes(self):
        sim = self.start_sim()
        relay = self.start_relay(sim, dedup_window_ms=5000)
        watcher = relay.watcher()
        text = event("no-id-run", None, step=1)
        sim.inject(text)
        sim.inject("\n" + text + "\n")
        sim.inject("[" + text + "]")
        sim.inject(event("no-id-run", None, step=2))
        events = watcher.events(2)
        self.assertEqual([e["data"]["step"] for e in events], [1, 2])
        self.assertNotEqual(events[0]["event_id"], events[1]["event_id"])
        watcher.expect_no_message(0.3)
        relay.wait_stats(lambda s: s["upstream"]["duplicates"] == 2, what="2 duplicates")


if __name__ == "__main__":
    unittest.main()
