"""Upstream side (docs/protocol.md section 1): hello, resume_after, events kept
verbatim, derived event ids, JSON ping/pong."""

import json
import shutil
import subprocess
import unittest

from support.messages import DERIVED_ID, batch, event
from support.relay_case import RelayTestCase
from support.waits import wait_for


class HelloTest(RelayTestCase):

    def test_first_message_is_hello_with_relay_id_and_null_resume(self):
        sim = self.start_sim()
        relay = self.start_relay(sim, relay_id="hello-relay-7")
        texts = sim.received()
        self.assertGreaterEqual(len(texts), 1)
        self.assertEqual(json.loads(texts[0]),
                         {"type": "hello", "relay_id": "hello-relay-7",
                          "resume_after": None})
        self.assertEqual(sim.received("hello-relay-7"), texts[:1])
        # The same id in welcome and /stats.
        client = relay.client()
        self.assertEqual(client.welcome["relay_id"], "hello-relay-7")
        self.assertEqual(client.welcome["upstream"], "connected")
        self.assertEqual(relay.stats()["relay"]["relay_id"], "hello-relay-7")

    def test_default_relay_id_is_random_per_process_and_consistent(self):
        sim = self.start_sim()
        relays = [self.start_relay(sim, relay_id=False, wait_connected=False)
                  for _ in range(2)]
        for relay in relays:
            relay.wait_state("connected")
        wait_for(lambda: sim.status()["hellos"] >= 2, what="two hellos")
        ids = []
        for relay in relays:
            stats_id = relay.stats()["relay"]["relay_id"]
            self.assertIsInstance(stats_id, str)
            self.assertTrue(stats_id)
            self.assertEqual(relay.client().welcome["relay_id"], stats_id)
            hellos = sim.hellos(stats_id)
            self.assertEqual(len(hellos), 1, "one hello from %s" % stats_id)
            self.assertIsNone(hellos[0]["resume_after"])
            ids.append(stats_id)
        self.assertNotEqual(ids[0], ids[1])
        # Still the same after a reconnect.
        sim.drop(1000)
        for relay_id in ids:
            sim.wait_hellos(relay_id, 2)

    def test_resume_after_is_last_accepted_event_not_a_duplicate(self):
        sim = self.start_sim()
        relay = self.start_relay(sim, relay_id="resume-relay", dedup_window_ms=60000)
        rid = relay.relay_id
        watcher = relay.watcher()
        sim.inject(event("run-a", "ev-1", n=1))
        sim.inject(event("run-b", "ev-2", n=2))
        self.assertEqual([e["event_id"] for e in watcher.events(2)], ["ev-1", "ev-2"])
        # A duplicate by the window (other run) and one by history (same run): neither
        # is accepted, so neither becomes resume_after.
        sim.inject(event("run-c", "ev-1", n=3))
        sim.inject(event("run-b", "ev-2", n=2))
        relay.wait_stats(lambda s: s["upstream"]["duplicates"] == 2,
                         what="two duplicates")
        watcher.expect_no_message(0.3)
        sim.drop(1001)
        hellos = sim.wait_hellos(rid, 2)
        self.assertEqual(hellos[1], {"type": "hello", "relay_id": rid,
                                     "resume_after": "ev-2"})
        watcher.collect_until(lambda m: m.get("type") == "upstream"
                              and m["state"] == "connected")
        relay.wait_state("connected")

        # A derived id becomes resume_after as well; a TCP reset is a loss too.
        text = event("run-a", None, n=4)
        sim.inject(text)
        derived = watcher.events(1)[0]["event_id"]
        self.assertRegex(derived, DERIVED_ID)
        sim.inject(" " + text + " ")  # same object bytes: duplicate
        relay.wait_stats(lambda s: s["upstream"]["duplicates"] == 3,
                         what="third duplicate")
        sim.drop(0)
        hellos = sim.wait_hellos(rid, 3)
        self.assertEqual(hellos[2], {"type": "hello", "relay_id": rid,
                                     "resume_after": derived})
        # hello is the first message of each session.
        texts = sim.received(rid)
        self.assertEqual([json.loads(t)["type"] for t in texts],
                         ["hello", "hello", "hello"])


class VerbatimTest(RelayTestCase):

    def test_event_fields_are_byte_identical(self):
        sim = self.start_sim()
        relay = self.start_relay(sim)
        client = relay.client()
        client.subscribe("verbatim")
        obj = ('{"run_id":"verbatim",  "type" :\t"odd", "event_id":"v-1",'
               '"huge":1e400,"int":1234567890123456789012345,"neg":-0.000E-0,'
               '"esc":"\\u00e9\\ud83d\\ude00\\n\\"q\\"\\/","utf8":"\u00e9\U0001F600",'
               '"nested":{ "a" :[ 1 , 2.50 ,{},[]] ,"b":null,"c":true }\r\n,'
               '"dup":1,"dup":2 }')
        sim.inject(" \r\n\t" + obj + "\n ")
        ev = client.events(1)[0]
        self.assertEqual(ev.raw_field("data"), obj)
        self.assertEqual(ev["event_id"], "v-1")
        self.assertEqual(ev["run_id"], "verbatim")
        self.assertEqual(ev["seq"], 1)
        self.assertEqual(ev["type"], "event")

    def test_derived_event_id(self):
        sim = self.start_sim()
        relay = self.start_relay(sim, dedup_window_ms=60000)
        client = relay.client()
        client.subscribe("derived")
        obj = '{"run_id":"derived","type":"t","n":1}'
        sim.inject("  " + obj + "\n")
        first = client.events(1)[0]
        self.assertRegex(first["event_id"], DERIVED_ID)
        self.assertEqual(first.raw_field("data"), obj)
        # The same bytes as a batch element (whitespace around it is not part of it)
        # derive the same id: a duplicate.
        sim.inject("[ " + obj + "\t]")
        relay.wait_stats(lambda s: s["upstream"]["duplicates"] == 1, what="duplicate")
        client.expect_no_message(0.3)
        # One byte more is another event with another derived id.
        obj2 = '{"run_id":"derived","type":"t", "n":1}'
        sim.inject(obj2)
        second = client.events(1)[0]
        self.assertRegex(second["event_id"], DERIVED_ID)
        self.assertNotEqual(second["event_id"], first["event_id"])
        self.assertEqual(second["seq"], 2)
        self.assertEqual(second.raw_field("data"), obj2)

    @unittest.skipUnless(shutil.which("xxh128sum") or shutil.which("xxhsum"),
                         "no xxhsum tool to compute XXH3-128")
    def test_derived_id_is_xxh3_128_of_object_bytes(self):
        # Optional cross-check with the xxhash command line tool, when installed.
        sim = self.start_sim()
        relay = self.start_relay(sim)
        objs = ['{"run_id":"x","type":"t","v":"\u00e9"}',
                '{ "run_id" : "x" , "type" : "t" , "n" : [1,2,3] }']
        events = self.feed(sim, relay, ["\n" + objs[0], batch(" " + objs[1] + " ")], 2)
        tool = shutil.which("xxh128sum") or shutil.which("xxhsum")
        for obj, ev in zip(objs, events):
            args = [tool] if tool.endswith("xxh128sum") else [tool, "-H2"]
            out = subprocess.run(args, input=obj.encode("utf-8"), capture_output=True,
                                 timeout=10, check=True).stdout.decode()
            self.assertEqual(ev["event_id"], "h:" + out.split()[0], obj)


class PingTest(RelayTestCase):

    def test_json_ping_is_answered_with_pong(self):
        sim = self.start_sim()
        relay = self.start_relay(sim, relay_id="ping-relay")
        sim.inject('{"type":"ping","timestamp":42}')
        texts = sim.wait_received("ping-relay", 2)
        self.assertEqual(json.loads(texts[1]), {"type": "pong", "timestamp": 42})
        sim.inject('{"type":"ping","timestamp":"t-9","extra":[1]}')
        texts = sim.wait_received("ping-relay", 3)
        self.assertEqual(json.loads(texts[2]), {"type": "pong", "timestamp": "t-9"})
        sim.inject('{"type":"ping"}')
        texts = sim.wait_received("ping-relay", 4)
        self.assertEqual(json.loads(texts[3]), {"type": "pong"})
        # A pong from the orchestrator is ignored: not answered, not rejected.
        sim.inject('{"type":"pong","timestamp":1}')
        sim.inject('{"type":"ping","timestamp":43}')
        texts = sim.wait_received("ping-relay", 5)
        self.assertEqual(json.loads(texts[4]), {"type": "pong", "timestamp": 43})
        self.assertEqual(len(sim.received("ping-relay")), 5)
        stats = relay.stats()
        self.assertEqual(stats["upstream"]["rejected"], 0)
        self.assertEqual(stats["upstream"]["accepted"], 0)
        self.assertEqual(relay.readyz(), (200, {"state": "connected"}))


if __name__ == "__main__":
    unittest.main()
