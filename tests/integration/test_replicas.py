"""Two relays on one orchestrator (docs/protocol.md, docs/simulator.md): the same event
ids, derived ones included, and resuming on one relay from a position taken on the
other."""

import unittest

from support.messages import DERIVED_ID, batch, event
from support.relay_case import RelayTestCase


class ReplicaTest(RelayTestCase):

    def test_two_relays_assign_the_same_event_ids(self):
        sim = self.start_sim()
        relay_a = self.start_relay(sim, relay_id="replica-a")
        relay_b = self.start_relay(sim, relay_id="replica-b")
        watchers = [relay_a.watcher(), relay_b.watcher()]
        frames = [
            event("rep", "given-1", n=1),
            event("rep", None, n=2),
            "  \n" + event("rep", None, n=3) + "\t",
            batch(event("rep", None, n=4), event("rep", "given-5", n=5),
                  " " + event("rep", None, n=6) + " "),
            '{ "type" : "step" , "run_id" : "rep" , "n" : 7 }',
            event("rep-2", None, n=8),
        ]
        for frame in frames:
            sim.inject(frame, expect_sent=2)
        got = [w.events(8) for w in watchers]
        ids = [[e["event_id"] for e in events] for events in got]
        self.assertEqual(ids[0], ids[1])
        self.assertEqual(ids[0][0], "given-1")
        self.assertEqual(ids[0][4], "given-5")
        for i in (1, 2, 3, 5, 6, 7):
            self.assertRegex(ids[0][i], DERIVED_ID)
        self.assertEqual(len(set(ids[0])), 8)
        self.assertEqual([e.raw_field("data") for e in got[0]],
                         [e.raw_field("data") for e in got[1]])
        # Each relay keeps its own hello.
        self.assertEqual(len(sim.hellos("replica-a")), 1)
        self.assertEqual(len(sim.hellos("replica-b")), 1)

    def test_resume_on_the_other_relay_by_event_id(self):
        sim = self.start_sim()
        relay_a = self.start_relay(sim, relay_id="resume-a")
        # Relay b starts after the run's first event: its seqs differ from a's.
        self.feed(sim, relay_a, event("moving", "m-0", n=0), 1)
        relay_b = self.start_relay(sim, relay_id="resume-b")
        watchers = [relay_a.watcher(), relay_b.watcher()]
        for n in range(1, 6):
            sim.inject(event("moving", None if n % 2 else "m-%d" % n, n=n),
                       expect_sent=2)
        for watcher in watchers:
            watcher.events(5)
        client_a = relay_a.client()
        sub, on_a = client_a.subscribe("moving")
        self.assertEqual(sub["replayed"], 6)
        self.assertEqual([e["seq"] for e in on_a], [1, 2, 3, 4, 5, 6])
        position = on_a[3]["event_id"]  # the client saw 4 events on a, then a went away
        client_b = relay_b.client()
        sub, on_b = client_b.subscribe("moving", since=position)
        self.assertEqual((sub["replayed"], sub["gap"]), (2, False))
        self.assertEqual([e["event_id"] for e in on_b],
                         [e["event_id"] for e in on_a[4:]])
        self.assertEqual([e.raw_field("data") for e in on_b],
                         [e.raw_field("data") for e in on_a[4:]])
        self.assertEqual([e["seq"] for e in on_b], [4, 5])
        # Whole history on b: it never had m-0, and its history starts at its first
        # event, which is no gap on this relay.
        sub, whole_b = client_b.subscribe("moving")
        self.assertEqual([e["event_id"] for e in whole_b],
                         [e["event_id"] for e in on_a[1:]])
        # Resuming on b from m-0, which b never saw: gap, all that b retains.
        sub, from_m0 = relay_b.client().subscribe("moving", since="m-0")
        self.assertEqual((sub["replayed"], sub["gap"]), (5, True))


if __name__ == "__main__":
    unittest.main()
