"""Subscriptions and replay on GET /ws (docs/protocol.md section 2)."""

import unittest

from support.messages import batch, event
from support.relay_case import RelayTestCase


def run_events(run_id, prefix, numbers):
    return [event(run_id, "%s-%d" % (prefix, n), n=n) for n in numbers]


class ReplayTest(RelayTestCase):

    def setUp(self):
        super().setUp()
        self.sim = self.start_sim()

    def relay_with_history(self, count=3, **options):
        """A relay whose run "s1" holds events s1-1..s1-<count> (and run "other" one)."""
        relay = self.start_relay(self.sim, **options)
        frames = run_events("s1", "s1", range(1, count + 1))
        frames.insert(1, event("other", "other-1"))
        self.feed(self.sim, relay, frames, count + 1)
        return relay, frames

    def assert_events(self, events, run_id, ids, seqs):
        self.assertEqual([e["run_id"] for e in events], [run_id] * len(ids))
        self.assertEqual([e["event_id"] for e in events], ids)
        self.assertEqual([e["seq"] for e in events], seqs)

    def test_since_absent_replays_whole_history_then_live(self):
        relay, frames = self.relay_with_history(3)
        client = relay.client()
        sub, replayed = client.subscribe("s1", id="q1")
        self.assertEqual(dict(sub), {"type": "subscribed", "run_id": "s1", "replayed": 3,
                                     "gap": False, "id": "q1"})
        self.assert_events(replayed, "s1", ["s1-1", "s1-2", "s1-3"], [1, 2, 3])
        self.assertEqual([e.raw_field("data") for e in replayed],
                         [frames[0], frames[2], frames[3]])
        client.expect_no_message(0.2)
        self.sim.inject(event("s1", "s1-4"))
        self.assert_events(client.events(1), "s1", ["s1-4"], [4])
        client.expect_no_message(0.3)

    def test_since_id_replays_only_after_it(self):
        relay, _ = self.relay_with_history(4)
        client = relay.client()
        sub, replayed = client.subscribe("s1", since="s1-2", id=5)
        self.assertEqual(dict(sub), {"type": "subscribed", "run_id": "s1", "replayed": 2,
                                     "gap": False, "id": 5})
        self.assert_events(replayed, "s1", ["s1-3", "s1-4"], [3, 4])
        # Since the latest event: nothing to replay, no gap.
        other = relay.client()
        sub, replayed = other.subscribe("s1", since="s1-4")
        self.assertEqual((sub["replayed"], sub["gap"], sub["id"]), (0, False, None))
        self.sim.inject(event("s1", "s1-5"))
        self.assert_events(client.events(1), "s1", ["s1-5"], [5])
        self.assert_events(other.events(1), "s1", ["s1-5"], [5])
        client.expect_no_message(0.2)
        other.expect_no_message(0.1)

    def test_since_unknown_id_waits_then_replays_all_with_gap(self):
        relay, _ = self.relay_with_history(3, resume_wait_ms=700)
        client = relay.client()
        client.send({"type": "subscribe", "run_id": "s1", "since": "never-seen",
                     "id": "g"})
        # The relay waits for the id before answering (a lower bound only).
        client.expect_no_message(0.3)
        sub = client.recv_type("subscribed")
        self.assertEqual(dict(sub), {"type": "subscribed", "run_id": "s1", "replayed": 3,
                                     "gap": True, "id": "g"})
        self.assert_events(client.events(3), "s1", ["s1-1", "s1-2", "s1-3"], [1, 2, 3])
        self.sim.inject(event("s1", "s1-4"))
        self.assert_events(client.events(1), "s1", ["s1-4"], [4])
        client.expect_no_message(0.3)

    def test_since_id_arriving_within_the_wait(self):
        relay, _ = self.relay_with_history(2, resume_wait_ms=8000)
        client = relay.client()
        client.send({"type": "subscribe", "run_id": "s1", "since": "s1-4"})
        client.expect_no_message(0.3)
        # s1-4 arrives (with s1-3 before it and s1-5 after it, in one batch).
        self.sim.inject(batch(*run_events("s1", "s1", [3, 4, 5])))
        sub = client.recv_type("subscribed")
        self.assertEqual((sub["run_id"], sub["gap"], sub["id"]), ("s1", False, None))
        self.assertIn(sub["replayed"], (0, 1))
        # Replayed or live, what follows s1-4 arrives exactly once.
        self.assert_events(client.events(1), "s1", ["s1-5"], [5])
        self.sim.inject(event("s1", "s1-6"))
        self.assert_events(client.events(1), "s1", ["s1-6"], [6])
        client.expect_no_message(0.3)

    def test_since_unknown_id_with_zero_wait(self):
        relay, _ = self.relay_with_history(2, resume_wait_ms=0)
        client = relay.client()
        sub, replayed = client.subscribe("s1", since="nope")
        self.assertEqual((sub["replayed"], sub["gap"]), (2, True))
        self.assert_events(replayed, "s1", ["s1-1", "s1-2"], [1, 2])

    def test_since_live_replays_nothing(self):
        relay, _ = self.relay_with_history(3)
        client = relay.client()
        sub, replayed = client.subscribe("s1", live=True, id=0)
        self.assertEqual(dict(sub), {"type": "subscribed", "run_id": "s1", "replayed": 0,
                                     "gap": False, "id": 0})
        client.expect_no_message(0.3)
        self.sim.inject(event("s1", "s1-4"))
        self.assert_events(client.events(1), "s1", ["s1-4"], [4])

    def test_history_beyond_limit_is_a_gap(self):
        relay, _ = self.relay_with_history(8, history_limit=5, resume_wait_ms=0)
        client = relay.client()
        sub, replayed = client.subscribe("s1")
        self.assertEqual((sub["replayed"], sub["gap"]), (5, True))
        self.assert_events(replayed, "s1", ["s1-%d" % n for n in range(4, 9)],
                           list(range(4, 9)))
        # since an evicted id: gap, everything retained.
        sub, replayed = client.subscribe("s1", since="s1-2")
        self.assertEqual((sub["replayed"], sub["gap"]), (5, True))
        self.assert_events(replayed, "s1", ["s1-%d" % n for n in range(4, 9)],
                           list(range(4, 9)))
        # since the oldest retained id: no gap.
        sub, replayed = client.subscribe("s1", since="s1-4")
        self.assertEqual((sub["replayed"], sub["gap"]), (4, False))
        self.assert_events(replayed, "s1", ["s1-%d" % n for n in range(5, 9)],
                           list(range(5, 9)))
        # A run within its limit has no gap.
        sub, replayed = client.subscribe("other")
        self.assertEqual((sub["replayed"], sub["gap"]), (1, False))


class SubscriptionTest(RelayTestCase):

    def setUp(self):
        super().setUp()
        self.sim = self.start_sim()
        self.relay = self.start_relay(self.sim)

    def test_star_is_live_only_and_each_event_comes_once(self):
        self.feed(self.sim, self.relay, run_events("r1", "r1", [1, 2]), 2)
        client = self.relay.client()
        sub, replayed = client.subscribe("*", since="r1-1", id="star")
        self.assertEqual(dict(sub), {"type": "subscribed", "run_id": "*", "replayed": 0,
                                     "gap": False, "id": "star"})
        client.expect_no_message(0.3)
        sub, replayed = client.subscribe("r1")
        self.assertEqual(sub["replayed"], 2)
        self.sim.inject(event("r1", "r1-3"))
        self.sim.inject(event("r2", "r2-1"))
        self.sim.inject(event("r1", "r1-4"))
        events = client.events(3)
        self.assertEqual([(e["run_id"], e["event_id"], e["seq"]) for e in events],
                         [("r1", "r1-3", 3), ("r2", "r2-1", 1), ("r1", "r1-4", 4)])
        client.expect_no_message(0.4)

    def test_resubscribe_replays_again_and_live_comes_once(self):
        self.feed(self.sim, self.relay, run_events("r1", "r1", [1, 2]), 2)
        client = self.relay.client()
        sub, replayed = client.subscribe("r1", id=1)
        self.assertEqual([e["event_id"] for e in replayed], ["r1-1", "r1-2"])
        sub, replayed = client.subscribe("r1", id=2)
        self.assertEqual(dict(sub), {"type": "subscribed", "run_id": "r1", "replayed": 2,
                                     "gap": False, "id": 2})
        self.assertEqual([(e["event_id"], e["seq"]) for e in replayed],
                         [("r1-1", 1), ("r1-2", 2)])
        self.sim.inject(event("r1", "r1-3"))
        self.assertEqual([e["event_id"] for e in client.events(1)], ["r1-3"])
        client.expect_no_message(0.4)
        # Again with since: only what its since asks for.
        sub, replayed = client.subscribe("r1", since="r1-2", id=3)
        self.assertEqual((sub["replayed"], sub["gap"], sub["id"]), (1, False, 3))
        self.assertEqual([e["event_id"] for e in replayed], ["r1-3"])
        sub, replayed = client.subscribe("r1", live=True, id=4)
        self.assertEqual((sub["replayed"], sub["gap"], sub["id"]), (0, False, 4))
        self.sim.inject(event("r1", "r1-4"))
        self.assertEqual([e["event_id"] for e in client.events(1)], ["r1-4"])
        client.expect_no_message(0.4)

    def test_unsubscribe_stops_events(self):
        client = self.relay.client()
        client.subscribe("u1")
        client.subscribe("u2")
        client.subscribe("*")
        reply = client.request({"type": "unsubscribe", "run_id": "u1", "id": 9})
        self.assertEqual(dict(reply), {"type": "unsubscribed", "run_id": "u1", "id": 9})
        reply = client.request({"type": "unsubscribe", "run_id": "*", "id": "s"})
        self.assertEqual(dict(reply), {"type": "unsubscribed", "run_id": "*", "id": "s"})
        self.sim.inject(event("u1", "u1-1"))
        self.sim.inject(event("u2", "u2-1"))
        self.sim.inject(event("u3", "u3-1"))
        self.assertEqual([e["event_id"] for e in client.events(1)], ["u2-1"])
        client.expect_no_message(0.4)
        # Not subscribed: answered the same way.
        reply = client.request({"type": "unsubscribe", "run_id": "never"})
        self.assertEqual(dict(reply), {"type": "unsubscribed", "run_id": "never",
                                       "id": None})
        reply = client.request({"type": "unsubscribe", "run_id": "u2"})
        self.assertEqual(dict(reply), {"type": "unsubscribed", "run_id": "u2", "id": None})
        self.sim.inject(event("u2", "u2-2"))
        client.expect_no_message(0.4)

    def test_run_not_seen_yet_then_live(self):
        client = self.relay.client()
        sub, replayed = client.subscribe("future-run", id="f")
        self.assertEqual(dict(sub), {"type": "subscribed", "run_id": "future-run",
                                     "replayed": 0, "gap": False, "id": "f"})
        client.expect_no_message(0.2)
        self.sim.inject(event("future-run", "fr-1"))
        ev = client.events(1)[0]
        self.assertEqual((ev["run_id"], ev["event_id"], ev["seq"]),
                         ("future-run", "fr-1", 1))

    def test_seq_counts_from_one_per_run(self):
        frames = [event("ra", "a1"), event("rb", "b1"), event("ra", "a2"),
                  event("rc", "c1"), event("rb", "b2"), event("ra", "a3")]
        events = self.feed(self.sim, self.relay, batch(*frames), 6)
        self.assertEqual(sorted((e["run_id"], e["seq"], e["event_id"]) for e in events),
                         [("ra", 1, "a1"), ("ra", 2, "a2"), ("ra", 3, "a3"),
                          ("rb", 1, "b1"), ("rb", 2, "b2"), ("rc", 1, "c1")])
        client = self.relay.client()
        for run_id, ids in (("ra", ["a1", "a2", "a3"]), ("rb", ["b1", "b2"]),
                            ("rc", ["c1"])):
            sub, replayed = client.subscribe(run_id)
            self.assertEqual([(e["seq"], e["event_id"]) for e in replayed],
                             list(enumerate(ids, 1)))

    def test_star_subscription_keeps_upstream_order_across_runs(self):
        # "Within one subscription, events arrive in upstream order": "*" is one
        # subscription that spans runs. Round 1 creates the runs, round 2 finds them.
        client = self.relay.client()
        client.subscribe("*")
        for round_ in (1, 2):
            with self.subTest(round=round_):
                order = [("ra", 1), ("rb", 1), ("ra", 2), ("rc", 1), ("rb", 2), ("ra", 3)]
                ids = ["%s-%d-%d" % (run, round_, n) for run, n in order]
                frames = [event(run, eid) for (run, _), eid in zip(order, ids)]
                self.sim.inject(batch(*frames))
                events = client.events(6)
                self.assertEqual([e["event_id"] for e in events], ids)

    def test_independent_clients(self):
        a = self.relay.client()
        b = self.relay.client()
        self.assertNotEqual(a.client_id, b.client_id)
        a.subscribe("ind")
        self.sim.inject(event("ind", "i-1"))
        self.assertEqual(a.events(1)[0]["event_id"], "i-1")
        b.expect_no_message(0.3)


class LongReplayTest(RelayTestCase):

    def test_long_replay_is_complete_in_order_and_not_closed(self):
        total, per_frame, extra = 3000, 250, 20
        sim = self.start_sim()
        relay = self.start_relay(sim, history_limit=total, client_buffer_frames=64)
        for start in range(0, total, per_frame):
            sim.inject(batch(*[event("long", "L-%d" % n, payload="x" * 40)
                               for n in range(start + 1, start + per_frame + 1)]))
        relay.wait_stats(lambda s: s["upstream"]["accepted"] == total,
                         what="%d events accepted" % total)
        client = relay.client()
        client.send({"type": "subscribe", "run_id": "long"})
        # Events keep arriving during the replay.
        for n in range(total + 1, total + extra + 1):
            sim.inject(event("long", "L-%d" % n, payload="live"))
        sub = client.recv_type("subscribed", timeout=30)
        self.assertEqual((sub["gap"], sub["run_id"]), (False, "long"))
        self.assertGreaterEqual(sub["replayed"], total)
        events = client.events(total + extra, timeout=60)
        self.assertEqual([e["seq"] for e in events], list(range(1, total + extra + 1)))
        self.assertEqual([e["event_id"] for e in events],
                         ["L-%d" % n for n in range(1, total + extra + 1)])
        client.expect_no_message(0.3)
        self.assertEqual(relay.stats()["slow_consumers_closed_total"], 0)


if __name__ == "__main__":
    unittest.main()
