"""Client requests that go wrong, and the other client requests (docs/protocol.md
section 2). The connection stays open after every error."""

import json
import time
import unittest

from support.messages import event
from support.relay_case import RelayTestCase
from support.ws_frames import OP_BINARY, OP_TEXT


class ClientErrorTest(RelayTestCase):

    def setUp(self):
        super().setUp()
        self.sim = self.start_sim()
        self.relay = self.start_relay(self.sim, relay_id="errors-relay")
        self.client = self.relay.client()

    def error_for(self, text):
        reply = self.client.request(text)
        self.assertEqual(reply.get("type"), "error", reply.raw)
        self.assertEqual(set(reply), {"type", "code", "message", "id"}, reply.raw)
        self.assertIsInstance(reply["message"], str, reply.raw)
        return reply

    def assert_still_open(self):
        reply = self.client.request('{"type":"ping","timestamp":"still-open"}')
        self.assertEqual(dict(reply), {"type": "pong", "timestamp": "still-open"})

    def test_welcome(self):
        welcome = self.client.welcome
        self.assertEqual(set(welcome), {"type", "client_id", "relay_id", "upstream",
                                        "heartbeat_ms"})
        self.assertEqual(welcome["relay_id"], "errors-relay")
        self.assertEqual(welcome["upstream"], "connected")
        self.assertEqual(welcome["heartbeat_ms"], 30000)
        self.assertIsInstance(welcome["client_id"], str)
        self.assertTrue(welcome["client_id"])
        ids = {self.relay.client().client_id for _ in range(3)} | {welcome["client_id"]}
        self.assertEqual(len(ids), 4, "client ids are unique")

    def test_bad_json(self):
        for text in ("{nope", '{"type":"ping"', "", "[1,2", '{"type":"ping"} x',
                     "[" * 70 + "]" * 70):
            with self.subTest(text=text[:20]):
                reply = self.error_for(text)
                self.assertEqual((reply["code"], reply["id"]), ("bad_json", None),
                                 reply.raw)
        self.assert_still_open()

    def test_bad_message(self):
        cases = [
            ("[1,2]", None),
            ('"subscribe"', None),
            ("42", None),
            ("null", None),
            ('{"id":"abc"}', "abc"),
            ('{"type":7,"id":8}', 8),
            ('{"type":null}', None),
            ('{"type":"subscribe","run_id":5,"id":"w"}', "w"),
            ('{"type":"subscribe","id":"m"}', "m"),
            ('{"type":"subscribe","run_id":"","id":"e"}', "e"),
            ('{"type":"subscribe","run_id":"%s","id":"l"}' % ("r" * 257), "l"),
            ('{"type":"unsubscribe","run_id":[],"id":"u"}', "u"),
            ('{"type":"subscribe","run_id":"r","since":5,"id":"s"}', "s"),
            ('{"type":"send","id":"nodata"}', "nodata"),
            ('{"type":"ping","id":{"a":1}}', None),
            ('{"type":"ping","id":[1]}', None),
            ('{"type":"ping","id":true}', None),
        ]
        for text, expected_id in cases:
            with self.subTest(text=text[:40]):
                reply = self.error_for(text)
                self.assertEqual((reply["code"], reply["id"]), ("bad_message", expected_id),
                                 reply.raw)
        self.assert_still_open()

    def test_unknown_type(self):
        reply = self.error_for('{"type":"frobnicate","id":"x-1"}')
        self.assertEqual((reply["code"], reply["id"]), ("unknown_type", "x-1"))
        reply = self.error_for('{"type":"SUBSCRIBE","run_id":"r"}')
        self.assertEqual((reply["code"], reply["id"]), ("unknown_type", None))
        reply = self.error_for('{"type":"welcome","id":3}')
        self.assertEqual((reply["code"], reply["id"]), ("unknown_type", 3))
        self.assert_still_open()

    def test_ids_are_echoed_exactly_as_sent(self):
        for raw_id in ("1.50", "12345678901234567890123456789", "-0", "1e400", "2E-3",
                       '"\\u00e9t\\u00e9"', '"plain"', '""', "0"):
            with self.subTest(id=raw_id):
                reply = self.error_for('{"type":"nope","id":%s}' % raw_id)
                self.assertEqual(reply["code"], "unknown_type")
                self.assertEqual(reply.raw_field("id"), raw_id, reply.raw)
                reply = self.client.request(
                    '{"type":"unsubscribe","run_id":"x","id":%s}' % raw_id)
                self.assertEqual(reply.raw_field("id"), raw_id, reply.raw)
                reply = self.client.request(
                    '{"type":"subscribe","run_id":"x","since":"live","id":%s}' % raw_id)
                self.assertEqual(reply.get("type"), "subscribed", reply.raw)
                self.assertEqual(reply.raw_field("id"), raw_id, reply.raw)
                reply = self.client.request('{"type":"send","data":1,"id":%s}' % raw_id)
                self.assertEqual(reply.get("type"), "ack", reply.raw)
                self.assertEqual(reply.raw_field("id"), raw_id, reply.raw)

    def test_ping_pong(self):
        reply = self.client.request('{"type":"ping","timestamp":42}')
        self.assertEqual(dict(reply), {"type": "pong", "timestamp": 42})
        reply = self.client.request('{"type":"ping","timestamp":{"a":[1,"b"]},"id":1}')
        self.assertEqual(dict(reply), {"type": "pong", "timestamp": {"a": [1, "b"]}})
        reply = self.client.request('{"type":"ping","timestamp":1.50}')
        self.assertEqual(reply.raw_field("timestamp"), "1.50", reply.raw)

    def test_send_ack_when_connected(self):
        reply = self.client.request({"type": "send", "data": {"op": "x"}, "id": "s-1"})
        self.assertEqual(dict(reply), {"type": "ack", "id": "s-1", "status": "sent"})
        texts = self.sim.wait_received("errors-relay", 2)
        self.assertEqual(json.loads(texts[1]), {"op": "x"})

    def test_errors_do_not_disturb_subscriptions(self):
        self.client.subscribe("steady")
        self.error_for("{nope")
        self.error_for('{"type":"what"}')
        self.sim.inject(event("steady", "st-1"))
        self.assertEqual(self.client.events(1)[0]["event_id"], "st-1")
        stats = self.relay.stats()
        self.assertEqual(stats["upstream"]["state"], "connected")
        self.assertEqual([c["client_id"] for c in stats["clients"]], [self.client.client_id])


class ClientLimitsTest(RelayTestCase):

    def test_too_many_subscriptions(self):
        sim = self.start_sim()
        relay = self.start_relay(sim, max_subscriptions=2)
        client = relay.client()
        client.subscribe("a")
        client.subscribe("*")  # "*" counts
        reply = client.request({"type": "subscribe", "run_id": "b", "id": "third"})
        self.assertEqual((reply["type"], reply["code"], reply["id"]),
                         ("error", "too_many_subscriptions", "third"), reply.raw)
        # Subscribing again to a run already subscribed is not a new subscription.
        sub, _ = client.subscribe("a", id="again")
        self.assertEqual(sub["id"], "again")
        client.request({"type": "unsubscribe", "run_id": "a"})
        sub, _ = client.subscribe("b", id="now-ok")
        self.assertEqual(sub["id"], "now-ok")

    def flood(self, make):
        """Sends 40 messages at once to a relay with --client-rate-limit 5; returns
        (ids answered normally, rate_limited errors)."""
        sim = self.start_sim()
        relay = self.start_relay(sim, client_rate_limit=5)
        client = relay.client()
        for n in range(40):
            client.send(make(n))
        replies = client.recv_n(40)
        limited = [r for r in replies if r["type"] == "error"]
        answered = [r for r in replies if r["type"] != "error"]
        for r in limited:
            self.assertEqual(r["code"], "rate_limited", r.raw)
        self.assertTrue(limited, "no message was rate limited")
        # Bursts of twice the limit are allowed; well under 40 go through.
        self.assertGreaterEqual(len(answered), 10)
        self.assertLess(len(answered), 20)
        time.sleep(1.2)  # let the budget refill
        reply = client.request({"type": "ping", "timestamp": "later"})
        self.assertEqual(dict(reply), {"type": "pong", "timestamp": "later"})
        return answered, limited

    def test_rate_limit(self):
        answered, limited = self.flood(
            lambda n: {"type": "unsubscribe", "run_id": "r", "id": n})
        answered_ids = {r["id"] for r in answered}
        # Each message over the limit gets its own error, echoing its id.
        self.assertEqual([r["id"] for r in limited],
                         [n for n in range(40) if n not in answered_ids])

    def test_rate_limited_ping_echoes_its_id(self):
        answered, limited = self.flood(
            lambda n: {"type": "ping", "timestamp": n, "id": n})
        answered_ids = {r["timestamp"] for r in answered}
        self.assertEqual([r["id"] for r in limited],
                         [n for n in range(40) if n not in answered_ids],
                         "ids echoed by the rate_limited errors")


class ProtocolViolationTest(RelayTestCase):

    def setUp(self):
        super().setUp()
        self.sim = self.start_sim()
        self.relay = self.start_relay(self.sim, max_frame_bytes=1024)

    def test_binary_frame_closes_with_1003(self):
        client = self.relay.client()
        client.send_frame(OP_BINARY, b'{"type":"ping"}')
        code, reason, before = client.recv_close()
        self.assertEqual((code, before), (1003, []))
        self.assertEqual(self.relay.readyz()[0], 200)

    def test_invalid_utf8_closes_with_1007(self):
        client = self.relay.client()
        client.send_frame(OP_TEXT, b'{"type":"ping","timestamp":"\xff\xfe"}')
        code, reason, before = client.recv_close()
        self.assertEqual((code, before), (1007, []))

    def test_oversized_message_closes_with_1009(self):
        client = self.relay.client()
        client.send('{"type":"ping","timestamp":"%s"}' % ("x" * 2000))
        code, reason, before = client.recv_close()
        self.assertEqual((code, before), (1009, []))
        # Just under the limit is fine.
        other = self.relay.client()
        text = '{"type":"ping","timestamp":"%s"}' % ("y" * 990)
        self.assertLessEqual(len(text), 1024)
        self.assertEqual(other.request(text)["type"], "pong")


if __name__ == "__main__":
    unittest.main()
