"""Hostile and broken clients, one message or frame at a time (docs/protocol.md
section 2, docs/limits.md).

Each misbehaving client gets its documented answer: a close frame with the exact code
for a frame that breaks the protocol, an error with the exact code and id for a bad
message (the connection staying open). All the while a well-behaved witness client on
the same relay keeps getting every event injected during the test, in order, once.
"""

import time
import unittest

from support.hostile_case import HostileTestCase
from support.http_client import raw_http
from support.settings import WAIT
from support.ws_client import WsClient
from support.ws_frames import (OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_TEXT,
                               close_payload, encode_frame)

MAX_FRAME = 1024


def ping_of_size(size, token="x"):
    """A ping message of exactly `size` bytes."""
    head = '{"type":"ping","timestamp":"%s' % token
    tail = '"}'
    return head + "p" * (size - len(head) - len(tail)) + tail


def fragments(text, size, first_opcode=OP_TEXT):
    """The frames of `text` split in fragments of `size` bytes: first frame with the
    opcode, then continuations, FIN on the last."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    parts = [data[i:i + size] for i in range(0, len(data), size)] or [b""]
    out = b""
    for n, part in enumerate(parts):
        out += encode_frame(first_opcode if n == 0 else OP_CONT, part,
                            fin=(n == len(parts) - 1))
    return out


class ProtocolViolationTest(HostileTestCase):
    """Frames that break the protocol: a close frame with the documented code, then
    the TCP connection ends; the witness is not disturbed."""

    def setUp(self):
        super().setUp()
        self.start_pair(max_frame_bytes=MAX_FRAME)
        self.tick()

    def violate(self, data, expected_code, reason=None):
        raw = WsClient(self.relay.port)
        self.addCleanup(raw.close)
        self.assertEqual(raw.recv()["type"], "welcome")
        raw.send_raw(data)
        code, got_reason, before, _ = raw.read_until_close(WAIT)
        self.assertEqual(code, expected_code, "close reason %r" % got_reason)
        if reason is not None:
            self.assertEqual(got_reason, reason)
        self.assertEqual([m.raw for m in before], [], "nothing answered before the close")
        self.assertTrue(raw.wait_eof(WAIT), "the relay did not end the TCP connection")
        raw.close()
        self.tick()  # the witness still gets events

    def test_binary_frame_closes_1003(self):
        self.violate(encode_frame(OP_BINARY, b'{"type":"ping"}'), 1003,
                     "binary frames are not accepted")
        # A binary message that starts fragmented is refused the same way.
        self.violate(encode_frame(OP_BINARY, b'{"type":', fin=False)
                     + encode_frame(OP_CONT, b'"ping"}'), 1003)
        self.assert_witness_complete()

    def test_invalid_utf8_closes_1007(self):
        cases = [
            ("lone 0xff", b'{"type":"ping","timestamp":"\xff"}'),
            ("overlong slash", b'{"type":"ping","timestamp":"\xc0\xaf"}'),
            ("UTF-16 surrogate", b'{"type":"ping","timestamp":"\xed\xa0\x80"}'),
            ("above U+10FFFF", b'{"type":"ping","timestamp":"\xf4\x90\x80\x80"}'),
            ("truncated at the end", b'{"type":"ping","timestamp":"\xe2\x82'),
        ]
        for name, payload in cases:
            with self.subTest(name):
                self.violate(encode_frame(OP_TEXT, payload), 1007)
        with self.subTest("invalid byte in a continuation fragment"):
            self.violate(encode_frame(OP_TEXT, b'{"type":"ping",', fin=False)
                         + encode_frame(OP_CONT, b'"timestamp":"\xfe"}'), 1007)
        with self.subTest("code point split across fragments, then broken"):
            self.violate(encode_frame(OP_TEXT, b'{"type":"ping","timestamp":"\xe2',
                                      fin=False)
                         + encode_frame(OP_CONT, b'\x28\xa1"}'), 1007)
        # A character split across fragments is fine.
        raw = WsClient(self.relay.port)
        self.addCleanup(raw.close)
        raw.recv()
        text = '{"type":"ping","timestamp":"\u20ac"}'.encode()
        cut = text.index(b"\xe2") + 1
        raw.send_raw(encode_frame(OP_TEXT, text[:cut], fin=False)
                     + encode_frame(OP_CONT, text[cut:]))
        self.assertEqual(dict(raw.recv()), {"type": "pong", "timestamp": "\u20ac"})
        self.assert_witness_complete()

    def test_message_over_max_frame_bytes_in_one_frame_closes_1009(self):
        self.violate(encode_frame(OP_TEXT, ping_of_size(MAX_FRAME + 1)), 1009)
        self.violate(encode_frame(OP_TEXT, ping_of_size(50 * MAX_FRAME)), 1009)
        # A header that announces 4 EiB: refused on the header alone.
        self.violate(encode_frame(OP_TEXT, b'{"type":"ping"}', length=2 ** 62), 1009)
        # Exactly the limit is served.
        raw = WsClient(self.relay.port)
        self.addCleanup(raw.close)
        raw.recv()
        raw.send_text(ping_of_size(MAX_FRAME, "edge"))
        self.assertEqual(raw.recv()["type"], "pong")
        self.assert_witness_complete()

    def test_message_over_max_frame_bytes_in_small_fragments_closes_1009(self):
        # Every fragment is small, the whole message is not.
        self.violate(fragments(ping_of_size(MAX_FRAME + 1), 16), 1009)
        self.violate(fragments(ping_of_size(3 * MAX_FRAME), 7), 1009)
        # Never finished: the limit is hit before the last fragment.
        self.violate(b"".join(encode_frame(OP_TEXT if n == 0 else OP_CONT, b"[" * 64,
                                           fin=False) for n in range(40)), 1009)
        # The same message cut in fragments, at the limit, is reassembled and served.
        raw = WsClient(self.relay.port)
        self.addCleanup(raw.close)
        raw.recv()
        raw.send_raw(fragments(ping_of_size(MAX_FRAME, "frag"), 16))
        pong = raw.recv()
        self.assertEqual(pong["type"], "pong")
        self.assertTrue(pong["timestamp"].startswith("frag"), pong.raw[:80])
        self.assertEqual(len(ping_of_size(MAX_FRAME, "frag")), MAX_FRAME)
        self.assert_witness_complete()

    def test_unmasked_frame_closes_1002(self):
        self.violate(encode_frame(OP_TEXT, '{"type":"ping"}', mask=False), 1002)
        self.violate(encode_frame(OP_PING, b"hi", mask=False), 1002)
        self.assert_witness_complete()

    def test_other_framing_violations_close_1002(self):
        cases = [
            ("RSV1 set without an extension", encode_frame(OP_TEXT, "{}", rsv=4)),
            ("reserved data opcode 3", encode_frame(0x3, "{}")),
            ("reserved control opcode 0xB", encode_frame(0xB, b"")),
            ("continuation without a message", encode_frame(OP_CONT, "{}")),
            ("new text frame inside a fragmented message",
             encode_frame(OP_TEXT, '{"type":', fin=False)
             + encode_frame(OP_TEXT, '"ping"}')),
            ("fragmented ping", encode_frame(OP_PING, b"a", fin=False)),
            ("ping of 126 bytes", encode_frame(OP_PING, b"p" * 126)),
            ("close frame with a 1-byte body", encode_frame(OP_CLOSE, b"\x03")),
            ("close code 1005 on the wire", encode_frame(OP_CLOSE, close_payload(1005))),
            ("close code 999", encode_frame(OP_CLOSE, close_payload(999))),
        ]
        for name, data in cases:
            with self.subTest(name):
                self.violate(data, 1002)
        self.assert_witness_complete()


class BrokenUpgradeTest(HostileTestCase):
    """Upgrade requests that cannot be honoured get an HTTP error, not a WebSocket."""

    KEY = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    UPGRADE = "Upgrade: websocket\r\nConnection: Upgrade\r\n"

    def test_broken_upgrades_get_http_errors(self):
        self.start_pair()
        cases = [
            ("no key", "GET /ws HTTP/1.1\r\nHost: x\r\n" + self.UPGRADE
             + "Sec-WebSocket-Version: 13\r\n\r\n", 400),
            ("no version", "GET /ws HTTP/1.1\r\nHost: x\r\n" + self.UPGRADE + self.KEY
             + "\r\n", 400),
            # RFC 6455 4.4: 426 naming the version the server speaks.
            ("version 8", "GET /ws HTTP/1.1\r\nHost: x\r\n" + self.UPGRADE + self.KEY
             + "Sec-WebSocket-Version: 8\r\n\r\n", 426),
            ("no Connection: Upgrade", "GET /ws HTTP/1.1\r\nHost: x\r\n"
             "Upgrade: websocket\r\n" + self.KEY + "Sec-WebSocket-Version: 13\r\n\r\n",
             426),
            ("upgrade to h2c", "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\n"
             "Connection: Upgrade\r\n\r\n", 426),
            ("POST", "POST /ws HTTP/1.1\r\nHost: x\r\n" + self.UPGRADE + self.KEY
             + "Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n", 405),
            ("other path", "GET /nope HTTP/1.1\r\nHost: x\r\n" + self.UPGRADE + self.KEY
             + "Sec-WebSocket-Version: 13\r\n\r\n", 404),
            ("header over 8 KiB", "GET /ws HTTP/1.1\r\nHost: x\r\nX-Big: "
             + "a" * 10000 + "\r\n" + self.UPGRADE + self.KEY
             + "Sec-WebSocket-Version: 13\r\n\r\n", 431),
            ("TLS hello on the plain port",
             "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + "\x00" * 40 + "\r\n\r\n", 400),
        ]
        for name, request, status in cases:
            with self.subTest(name):
                got, headers, body = raw_http(self.relay.port, request.encode("latin-1"))
                self.assertEqual(got, status, body[:200])
                if status == 426 and "Sec-WebSocket-Version: 8" in request:
                    self.assertEqual(headers.get("sec-websocket-version"), "13")
                self.tick()
        self.relay.wait_metrics({"runrelay_clients": 1})
        self.assert_witness_complete()

    def test_failed_handshakes_are_not_counted_as_connected_clients(self):
        # runrelay_clients_connected_total is "Clients ever connected": a request
        # refused with 400 or 426 never became a client.
        self.start_pair()
        before = self.relay.metrics()["runrelay_clients_connected_total"]
        for request in [
                "GET /ws HTTP/1.1\r\nHost: x\r\n" + self.UPGRADE
                + "Sec-WebSocket-Version: 13\r\n\r\n",
                "GET /ws HTTP/1.1\r\nHost: x\r\n" + self.UPGRADE + self.KEY
                + "Sec-WebSocket-Version: 8\r\n\r\n"]:
            got, _, body = raw_http(self.relay.port, request.encode())
            self.assertIn(got, (400, 426), body[:200])
        self.tick()
        samples = self.relay.wait_metrics({"runrelay_clients": 1})
        self.assertEqual(samples["runrelay_clients_connected_total"], before)
        self.assert_witness_complete()


class BadMessageTest(HostileTestCase):
    """Bad messages: an error with the documented code and id, and the connection stays
    open (a ping afterwards is answered)."""

    def setUp(self):
        super().setUp()
        # Generous rate limit: these tests send a few hundred messages quickly.
        self.start_pair(client_rate_limit=100000, resume_wait_ms=200)
        self.client = self.relay.client()
        self.tick()

    def error_for(self, text, code, id_raw="null"):
        reply = self.client.request(text)
        self.assertEqual(reply.get("type"), "error", reply.raw[:300])
        self.assertEqual(set(reply), {"type", "code", "message", "id"}, reply.raw[:300])
        self.assertEqual(reply["code"], code, "%s -> %s" % (text[:120], reply.raw[:300]))
        self.assertEqual(reply.raw_field("id"), id_raw,
                         "%s -> %s" % (text[:120], reply.raw[:300]))
        return reply

    def assert_still_open(self, token="still-open"):
        reply = self.client.request({"type": "ping", "timestamp": token})
        self.assertEqual(dict(reply), {"type": "pong", "timestamp": token})

    def test_not_json_and_truncated_json(self):
        for text in ("hello", "{'type':'ping'}", '{"type":"ping","id":"t"',
                     '{"type":"ping","id":"t",}', '{"type":"ping" "id":1}',
                     '{"type":"subscribe","run_id":"r', '{"type":"ping"}}', "\x00",
                     " ", '{"type":"ping","timestamp":NaN}', '{"type":"ping"}\n{}'):
            with self.subTest(text=text):
                self.error_for(text, "bad_json")
                self.assert_still_open()
        self.tick()
        self.assert_witness_complete()

    def test_deep_nesting(self):
        deep = "[" * 1000 + "]" * 1000
        for text in ("[" * 1000, deep, '{"a":' * 1000 + "1" + "}" * 1000,
                     '{"type":"ping","id":"deep","timestamp":%s}' % deep,
                     '{"type":"ping","timestamp":%s}' % ("[" * 64 + "]" * 64)):
            with self.subTest(text=text[:30]):
                self.error_for(text, "bad_json")  # before the id is read: id null
                self.assert_still_open()
        # 64 levels (the object and 63 arrays) are fine.
        reply = self.client.request('{"type":"ping","timestamp":%s}'
                                    % ("[" * 63 + "]" * 63))
        self.assertEqual(reply["type"], "pong", reply.raw[:200])
        self.tick()
        self.assert_witness_complete()

    def test_huge_numbers_as_id_are_echoed_verbatim(self):
        for raw_id in ("1e99999", "-1e99999", "1E-99999", "9" * 400, "-" + "9" * 400,
                       "1" * 400 + "." + "0" * 50 + "1e+400", "0.0000000000000000001"):
            with self.subTest(id=raw_id[:20]):
                reply = self.error_for('{"type":"nope","id":%s}' % raw_id,
                                       "unknown_type", raw_id)
                reply = self.client.request(
                    '{"type":"unsubscribe","run_id":"x","id":%s}' % raw_id)
                self.assertEqual((reply["type"], reply.raw_field("id")),
                                 ("unsubscribed", raw_id), reply.raw[:200])
                reply = self.client.request(
                    '{"type":"subscribe","run_id":"huge","since":"live","id":%s}' % raw_id)
                self.assertEqual((reply["type"], reply.raw_field("id")),
                                 ("subscribed", raw_id), reply.raw[:200])
                reply = self.client.request('{"type":"send","data":%s,"id":%s}'
                                            % (raw_id, raw_id))
                self.assertEqual((reply["type"], reply.raw_field("id"), reply["status"]),
                                 ("ack", raw_id, "sent"), reply.raw[:200])
                self.error_for('{"type":"subscribe","run_id":7,"id":%s}' % raw_id,
                               "bad_message", raw_id)
                reply = self.client.request('{"type":"ping","timestamp":%s}' % raw_id)
                self.assertEqual(reply.raw_field("timestamp"), raw_id)
        self.inject("huge", "huge-1")  # the subscription above still delivers
        self.assertEqual(self.client.events(1)[0]["event_id"], "huge-1")
        self.assert_still_open()
        self.assert_witness_complete()

    def test_duplicate_keys(self):
        cases = [
            ('{"type":"ping","type":"ping","id":"d1"}', '"d1"'),
            ('{"type":"ping","type":"subscribe","run_id":"r","id":"d2"}', '"d2"'),
            ('{"type":"ping","typ\\u0065":"ping","id":3}', "3"),
            ('{"type":"subscribe","run_id":"a","run_id":"b","id":"d4"}', '"d4"'),
            ('{"type":"subscribe","run_id":"a","since":"live","since":"x","id":5}', "5"),
            ('{"type":"send","data":1,"data":2,"id":"d6"}', '"d6"'),
            ('{"type":"ping","timestamp":1,"timestamp":2,"id":"d7"}', '"d7"'),
            # A duplicated id cannot be read: id null.
            ('{"type":"ping","id":"a","id":"b"}', "null"),
            ('{"type":"ping","id":1,"\\u0069d":1}', "null"),
        ]
        for text, id_raw in cases:
            with self.subTest(text=text):
                self.error_for(text, "bad_message", id_raw)
                self.assert_still_open()
        # The duplicate send was not forwarded upstream.
        self.assertFalse([t for t in self.sim.received(self.relay.relay_id)
                          if t in ("1", "2")])
        self.tick()
        self.assert_witness_complete()

    def test_wrong_types_for_every_field(self):
        wrong = ["7", "1.5", "null", "true", "false", "[]", '["subscribe"]', "{}",
                 '{"a":1}']
        for value in wrong:
            with self.subTest(field="type", value=value):
                self.error_for('{"type":%s,"run_id":"r","id":"t"}' % value,
                               "bad_message", '"t"')
        self.error_for('{"run_id":"r","id":"t"}', "bad_message", '"t"')  # no type
        for type_ in ("subscribe", "unsubscribe"):
            for value in wrong + ['""']:
                with self.subTest(field="run_id", type=type_, value=value):
                    self.error_for('{"type":"%s","run_id":%s,"id":"r"}' % (type_, value),
                                   "bad_message", '"r"')
            self.error_for('{"type":"%s","id":"r"}' % type_, "bad_message", '"r"')
        for value in ["7", "0", "true", "false", "[]", '["live"]', "{}", '""',
                      '"%s"' % ("s" * 257)]:
            with self.subTest(field="since", value=value):
                self.error_for('{"type":"subscribe","run_id":"r","since":%s,"id":"s"}'
                               % value, "bad_message", '"s"')
        for value in ["true", "false", "null", "[]", "[1]", "{}", '{"id":1}']:
            for type_ in ("ping", "subscribe", "send", "nope"):
                with self.subTest(field="id", type=type_, value=value):
                    self.error_for('{"type":"%s","run_id":"r","data":1,"id":%s}'
                                   % (type_, value), "bad_message", "null")
        # `data` may be any JSON value; only its absence is an error.
        self.error_for('{"type":"send","id":"nodata"}', "bad_message", '"nodata"')
        for n, value in enumerate(["null", "true", "0", '""', "[]", "{}", '"text"',
                                   '{"deep":[[{"x":null}]]}']):
            with self.subTest(field="data", value=value):
                reply = self.client.request('{"type":"send","data":%s,"id":%d}'
                                            % (value, n))
                self.assertEqual(dict(reply), {"type": "ack", "id": n, "status": "sent"})
        # `since: null` is the same as no since; `timestamp` may be anything.
        reply = self.client.request('{"type":"subscribe","run_id":"r","since":null}')
        self.assertEqual((reply["type"], reply["gap"]), ("subscribed", False), reply.raw)
        for value in ("null", "[]", '{"t":[1,2]}', "false"):
            reply = self.client.request('{"type":"ping","timestamp":%s}' % value)
            self.assertEqual(reply.raw_field("timestamp"), value)
        self.assert_still_open()
        self.tick()
        self.assert_witness_complete()

    def test_run_id_length(self):
        cases = [
            ("r" * 256, "subscribed"),
            ("r" * 257, "bad_message"),
            ("\u00e9" * 128, "subscribed"),   # 256 bytes
            ("\u00e9" * 129, "bad_message"),  # 258 bytes
            ("r" * 4000, "bad_message"),
            ("", "bad_message"),
        ]
        for run_id, expected in cases:
            with self.subTest(length=len(run_id.encode())):
                reply = self.client.request(
                    {"type": "subscribe", "run_id": run_id, "id": len(run_id)})
                got = reply["code"] if reply["type"] == "error" else reply["type"]
                self.assertEqual((got, reply["id"]), (expected, len(run_id)),
                                 reply.raw[:200])
                reply = self.client.request(
                    {"type": "unsubscribe", "run_id": run_id, "id": "u"})
                got = reply["code"] if reply["type"] == "error" else reply["type"]
                self.assertEqual(got, "unsubscribed" if expected == "subscribed"
                                 else "bad_message", reply.raw[:200])
        self.assert_still_open()
        self.tick()
        self.assert_witness_complete()

    def test_unknown_since_gets_gap_after_the_resume_wait(self):
        self.inject("gap-run", "g-1")
        self.inject("gap-run", "g-2")
        self.tick()
        started = time.monotonic()
        sub, replayed = self.client.subscribe("gap-run", since="never-seen", id="gap")
        elapsed = time.monotonic() - started
        self.assertEqual(dict(sub), {"type": "subscribed", "run_id": "gap-run",
                                     "replayed": 2, "gap": True, "id": "gap"})
        self.assertEqual([e["event_id"] for e in replayed], ["g-1", "g-2"])
        # It waited for the id (--resume-wait-ms 200), and not much longer.
        self.assertGreaterEqual(elapsed, 0.15)
        self.assertLess(elapsed, 0.2 + WAIT / 2)
        self.assert_still_open()
        # And the subscription is live.
        self.inject("gap-run", "g-3")
        self.assertEqual(self.client.events(1)[0]["event_id"], "g-3")
        self.assert_witness_complete()


class SubscriptionLimitTest(HostileTestCase):

    def test_fourth_subscription_is_refused_with_its_id(self):
        self.start_pair(max_subscriptions=3)
        runs_only = self.relay.client()
        for run in ("a", "b", "d"):
            runs_only.subscribe(run)
        reply = runs_only.request({"type": "subscribe", "run_id": "*", "id": 4})
        self.assertEqual(dict(reply)["code"], "too_many_subscriptions", reply.raw)
        self.assertEqual((reply["type"], reply["id"]), ("error", 4))
        reply = runs_only.request({"type": "subscribe", "run_id": "e", "id": "e-sub"})
        self.assertEqual((reply["type"], reply["code"], reply["id"]),
                         ("error", "too_many_subscriptions", "e-sub"))

        with_star = self.relay.client()
        with_star.subscribe("a")
        with_star.subscribe("*")  # counts toward the limit
        with_star.subscribe("b")
        reply = with_star.request({"type": "subscribe", "run_id": "c", "id": "fourth"})
        self.assertEqual((reply["type"], reply["code"], reply["id"]),
                         ("error", "too_many_subscriptions", "fourth"))
        # Re-subscribing to one it has is not a new subscription.
        sub, _ = with_star.subscribe("b", id="again", live=True)
        self.assertEqual((sub["type"], sub["id"]), ("subscribed", "again"))

        for run in ("a", "b", "c", "d", "e"):
            self.inject(run, "%s-1" % run)
        self.assertEqual([e["event_id"] for e in runs_only.events(3)],
                         ["a-1", "b-1", "d-1"])
        runs_only.expect_no_message(0.3)
        # "*" delivers c, d, e; a and b arrive once although two subscriptions match.
        self.assertEqual([e["event_id"] for e in with_star.events(5)],
                         ["a-1", "b-1", "c-1", "d-1", "e-1"])
        with_star.expect_no_message(0.3)
        # Freeing a slot makes room.
        reply = runs_only.request({"type": "unsubscribe", "run_id": "d", "id": "u"})
        self.assertEqual(dict(reply), {"type": "unsubscribed", "run_id": "d", "id": "u"})
        sub, replayed = runs_only.subscribe("e", id="now")
        self.assertEqual((sub["id"], [e["event_id"] for e in replayed]), ("now", ["e-1"]))
        self.tick()
        self.assert_witness_complete()


class DoubleSubscribeTest(HostileTestCase):

    def test_live_events_arrive_once_whatever_the_subscriptions(self):
        self.start_pair()
        client = self.relay.client()
        client.subscribe("dup-run", id=1)
        for n in range(1, 4):
            self.inject("dup-run", "dup-%d" % n)
        self.assertEqual([e["event_id"] for e in client.events(3)],
                         ["dup-1", "dup-2", "dup-3"])
        # Again without since: the whole history again (a new subscription)...
        sub, replayed = client.subscribe("dup-run", id=2)
        self.assertEqual((sub["replayed"], sub["gap"], sub["id"]), (3, False, 2))
        self.assertEqual([e["event_id"] for e in replayed], ["dup-1", "dup-2", "dup-3"])
        sub, replayed = client.subscribe("dup-run", since="live", id=3)
        self.assertEqual((sub["replayed"], replayed), (0, []))
        sub, _ = client.subscribe("*", id=4)
        self.assertEqual(sub["id"], 4)
        # ...but every live event once, "*" included.
        expected = []
        for n in range(4, 24):
            self.inject("dup-run", "dup-%d" % n)
            expected.append("dup-%d" % n)
            if n % 5 == 0:
                self.inject("other-run", "other-%d" % n)
                expected.append("other-%d" % n)
        got = client.events(len(expected))
        self.assertEqual([e["event_id"] for e in got], expected)
        self.assertEqual([e["seq"] for e in got if e["run_id"] == "dup-run"],
                         list(range(4, 24)))
        client.expect_no_message(0.5)
        self.tick()
        self.assert_witness_complete()


if __name__ == "__main__":
    unittest.main()
