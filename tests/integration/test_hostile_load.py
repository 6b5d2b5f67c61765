"""Hostile clients that hurt by volume or silence (docs/protocol.md section 2,
docs/limits.md): a message flood over the rate limit, a client that never reads, clients
that never answer pings, half-open connections, bursts of connections dropped without a
close frame, and a shutdown with many clients.

Each gets its documented answer while a well-behaved witness client on the same relay
keeps getting every event injected during the test, in order, once.
"""

import http.client
import json
import selectors
import signal
import socket
import struct
import threading
import time
import unittest

from support.hostile_case import HostileTestCase
from support.http_client import http_request
from support.messages import compact, subscribe_text
from support.settings import HOST, WAIT
from support.sse_client import SseClient
from support.ws_client import WsClient
from support.ws_frames import OP_CLOSE, OP_PING, OP_PONG, OP_TEXT


class RateLimitFloodTest(HostileTestCase):

    FLOOD = 2000
    RATE = 100

    def test_ping_flood_gets_one_answer_per_message(self):
        self.start_pair(client_rate_limit=self.RATE)
        other = self.relay.client()
        other.subscribe("witness-run")
        flooder = self.relay.client()
        self.tick()
        self.assertEqual(other.events(1)[0]["event_id"], "tick-1")

        done = threading.Event()
        timing = {}

        def flood():
            timing["start"] = time.monotonic()
            for n in range(self.FLOOD):
                flooder.send('{"type":"ping","timestamp":%d,"id":%d}' % (n, n))
            timing["sent"] = time.monotonic()
            done.set()

        thread = threading.Thread(target=flood, daemon=True)
        thread.start()
        # Meanwhile the witness and another client are served.
        rounds = 0
        while not done.is_set() or rounds < 3:
            rounds += 1
            self.tick(wait=False)
            self.assertEqual(other.events(1, timeout=WAIT)[0]["event_id"],
                             "tick-%d" % self._ticks)
            reply = other.request({"type": "ping", "timestamp": rounds}, timeout=WAIT)
            self.assertEqual(dict(reply), {"type": "pong", "timestamp": rounds})
            self.witness.ping("w-%d" % rounds)
        thread.join(WAIT)

        replies = flooder.recv_n(self.FLOOD, timeout=WAIT * 2)
        finished = time.monotonic()
        flooder.expect_no_message(0.3)  # never two answers for one message
        pongs = limited = 0
        for n, reply in enumerate(replies):  # one actor: answers in message order
            if reply["type"] == "pong":
                self.assertEqual(dict(reply), {"type": "pong", "timestamp": n})
                pongs += 1
            else:
                self.assertEqual((reply["type"], reply["code"], reply["id"]),
                                 ("error", "rate_limited", n), reply.raw)
                limited += 1
        elapsed = finished - timing["start"]
        self.assertEqual(pongs + limited, self.FLOOD)
        self.assertGreaterEqual(pongs, 2 * self.RATE, "the burst is twice the rate")
        self.assertLessEqual(pongs, 2 * self.RATE + self.RATE * elapsed + 5,
                             "%d pongs in %.2f s" % (pongs, elapsed))
        self.assertGreater(limited, 0)
        # The relay's own count agrees.
        stats = self.relay.stats()
        entry = [a for a in stats["actors"]
                 if a.get("name") == "client:" + flooder.client_id]
        if entry and "rate_limited" in entry[0]:
            self.assertEqual(entry[0]["rate_limited"], limited)
        # After a second the flooder is served again.
        time.sleep(1.1)
        self.assertEqual(flooder.request('{"type":"ping","timestamp":"after"}')["type"],
                         "pong")
        self.tick()
        self.assert_witness_complete()


class SlowConsumerTest(HostileTestCase):

    BUFFER_FRAMES = 64
    PAD = "x" * 8000

    def test_never_reading_client_is_closed_1013_and_resumes_with_since(self):
        self.start_pair(client_buffer_frames=self.BUFFER_FRAMES)
        # A small receive buffer keeps the kernel from holding much for it.
        slow = WsClient(self.relay.port, rcvbuf=4096)
        self.addCleanup(slow.close)
        self.assertEqual(slow.recv()["type"], "welcome")
        slow.send_text(subscribe_text("slow-run", id="slow"))
        sub = slow.recv()
        self.assertEqual((sub["type"], sub["replayed"], sub["id"]), ("subscribed", 0, "slow"))
        self.tick()

        # From now on the slow client reads nothing. Inject until the relay gives up
        # on it, then some more that it cannot have seen.
        slow_ids = []
        closed_at = None
        for batch_no in range(400):
            ids = ["slow-%d" % (len(slow_ids) + k + 1) for k in range(8)]
            self.inject_batch("slow-run", ids, pad=self.PAD)
            slow_ids += ids
            if batch_no % 4 == 3:
                if self.relay.metrics().get("runrelay_slow_consumers_closed_total") == 1:
                    closed_at = len(slow_ids)
                    break
        self.assertIsNotNone(closed_at, "no slow consumer closed after %d events of %d "
                             "bytes" % (len(slow_ids), len(self.PAD)))
        for n in range(20):
            self.inject("slow-run", "slow-%d" % (len(slow_ids) + 1), pad=self.PAD)
            slow_ids.append(self.injected[-1])
        self.tick()  # the witness got all of it meanwhile

        # Now read what the kernel held: events in order, then the close frame.
        code, reason, before, _ = slow.read_until_close(WAIT)
        self.assertEqual((code, reason), (1013, "slow consumer"))
        got = [m["event_id"] for m in before]
        self.assertEqual([m["type"] for m in before], ["event"] * len(before))
        self.assertEqual(got, slow_ids[:len(got)], "a prefix of the run, in order")
        self.assertLess(len(got), closed_at, "it was closed before getting everything")
        slow.close()

        # It comes back with since = the last event it actually got: exactly the rest.
        again = self.relay.client()
        sub, replayed = again.subscribe("slow-run", since=got[-1] if got else None,
                                        id="back", timeout=WAIT * 2)
        self.assertEqual((sub["gap"], sub["id"], sub["replayed"]),
                         (False, "back", len(slow_ids) - len(got)))
        self.assertEqual([e["event_id"] for e in replayed], slow_ids[len(got):])
        self.inject("slow-run", "slow-live")
        self.assertEqual(again.events(1)[0]["event_id"], "slow-live")
        again.expect_no_message(0.3)
        self.relay.wait_metrics({"runrelay_slow_consumers_closed_total": 1,
                                 "runrelay_clients": 2})
        self.assert_witness_complete()


class BurstTest(HostileTestCase):
    """A burst larger than a client's buffer bound is no reason to close a client
    that reads: the bound is for what a client cannot take, not for one batch."""

    BURST = 2000  # the default bound is 1024 frames
    WS_CLIENTS = 12
    SSE_CLIENTS = 8

    def test_fast_clients_survive_a_burst_over_their_buffer_bound(self):
        self.start_pair()
        ws_clients = []
        for n in range(self.WS_CLIENTS):
            client = self.relay.client()
            self.addCleanup(client.close)
            client.subscribe("burst-run", id="ws-%d" % n)
            ws_clients.append(client)
        sse_clients = []
        for _ in range(self.SSE_CLIENTS):
            client = SseClient(self.relay.port, "/runs/burst-run/stream")
            self.addCleanup(client.close)
            sse_clients.append(client)
        self.relay.wait_metrics({"runrelay_clients": self.WS_CLIENTS + self.SSE_CLIENTS + 1})

        ids = ["burst-%d" % (k + 1) for k in range(self.BURST)]
        got = {}

        def read(name, take):
            try:
                got[name] = take()
            except Exception as error:  # noqa: BLE001 -- reported by the assertion below
                got[name] = error

        readers = [threading.Thread(target=read, args=("ws-%d" % n, lambda c=c: [
            e["event_id"] for e in c.events(self.BURST, timeout=WAIT * 3)]))
            for n, c in enumerate(ws_clients)]
        readers += [threading.Thread(target=read, args=("sse-%d" % n, lambda c=c: [
            json.loads(b["data"])["event_id"] for b in c.events(self.BURST, WAIT * 3)]))
            for n, c in enumerate(sse_clients)]
        for reader in readers:
            reader.start()
        self.inject_batch("burst-run", ids)
        for reader in readers:
            reader.join(WAIT * 4)
        for name in sorted(got):
            self.assertEqual(got[name], ids, "%s did not get the whole burst" % name)
        self.assertEqual(len(got), len(readers))
        self.relay.wait_metrics({"runrelay_slow_consumers_closed_total": 0,
                                 "runrelay_clients": len(readers) + 1})
        self.tick()
        self.assert_witness_complete()


class HeartbeatTest(HostileTestCase):

    HEARTBEAT = 0.3

    def test_clients_that_do_not_answer_pings_are_closed_1008(self):
        self.start_pair(heartbeat_ms=int(self.HEARTBEAT * 1000))
        mute = WsClient(self.relay.port)    # never reads at all
        self.addCleanup(mute.close)
        deaf = WsClient(self.relay.port)    # reads, never answers a ping
        self.addCleanup(deaf.close)
        chatty = WsClient(self.relay.port)  # never answers a ping, but keeps talking
        self.addCleanup(chatty.close)
        self.assertEqual(chatty.recv()["type"], "welcome")
        chat = {"sent": 0, "answered": 0, "error": None}
        stop_chat = threading.Event()

        def chatter():
            try:
                while not stop_chat.is_set():
                    chat["sent"] += 1
                    chatty.send_text('{"type":"ping","timestamp":%d}' % chat["sent"])
                    reply = chatty.recv(WAIT)  # relay pings skipped, never answered
                    if reply.get("timestamp") != chat["sent"]:
                        raise AssertionError("chatty got %s" % reply.raw)
                    chat["answered"] += 1
                    stop_chat.wait(0.15)
            except Exception as e:  # noqa: BLE001 - checked below
                chat["error"] = e

        chat_thread = threading.Thread(target=chatter, daemon=True)
        chat_thread.start()
        self.addCleanup(stop_chat.set)

        code, reason, before, at = deaf.read_until_close(WAIT, answer_pings=False)
        self.assertEqual((code, reason), (1008, "heartbeat timeout"))
        self.assertEqual([m["type"] for m in before], ["welcome"])
        self.assertGreaterEqual(deaf.pings, 1, "the relay pinged before giving up")
        silent = at - deaf.upgraded_at
        # Silent for two intervals; checked once per interval; slack for a slow build.
        self.assertGreaterEqual(silent, 2 * self.HEARTBEAT - 0.1)
        self.assertLessEqual(silent, 3 * self.HEARTBEAT + 1.0)
        self.assertTrue(deaf.wait_eof(WAIT), "the relay did not end the connection")
        deaf.close()
        self.tick()

        # A polite client answers pings by itself while it reads: it stays connected
        # for 2 s, like the chatty one and the witness.
        polite = self.relay.client()
        polite.expect_no_message(2.0)
        stop_chat.set()
        chat_thread.join(WAIT)
        self.assertIsNone(chat["error"])
        self.assertGreaterEqual(chat["answered"], 10)
        self.assertEqual(chat["answered"], chat["sent"])
        self.assertEqual(polite.request({"type": "ping", "timestamp": "alive"})["type"],
                         "pong")

        # The client that never read: by now its close is waiting in its socket.
        code, reason, before, _ = mute.read_until_close(1.0)
        self.assertEqual((code, reason), (1008, "heartbeat timeout"))
        self.assertEqual([m["type"] for m in before], ["welcome"])
        self.assertTrue(mute.wait_eof(WAIT), "the relay did not end the connection")
        mute.close()
        self.tick()
        # Gone from the relay: the witness, the polite and the chatty client remain.
        self.relay.wait_stats(lambda s: len(s["clients"]) == 3, what="3 clients left")
        self.assert_witness_complete()


class HalfOpenTest(HostileTestCase):

    def test_half_open_connections_do_not_stop_new_clients(self):
        # The HTTP read timeout is 30 s (docs/limits.md): too long to wait for here, so
        # check that 200 connections stuck before the upgrade do not get in the way.
        self.start_pair()
        port = self.relay.port
        starts = [
            b"",
            b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgr",
            b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n",
            b"POST /upstream/reconnect HTTP/1.1\r\nContent-Length: 100\r\n\r\n{",
            b"G",
        ]
        half = []
        try:
            for n in range(200):
                s = socket.create_connection((HOST, port), timeout=WAIT)
                half.append(s)
                if starts[n % len(starts)]:
                    s.sendall(starts[n % len(starts)])
            self.tick()
            # New clients connect and are served while those hang.
            newcomers = [self.relay.client() for _ in range(5)]
            for c in newcomers:
                c.subscribe("witness-run", live=True)
            self.tick(3)
            for c in newcomers:
                self.assertEqual([e["event_id"] for e in c.events(3)],
                                 ["tick-%d" % n for n in range(2, 5)])
            self.assertEqual(self.relay.http("GET", "/healthz").status, 200)
            stats = self.relay.stats()
            self.assertEqual(len(stats["clients"]), 6)
            # None of the half-open connections got an answer.
            for s in half:
                s.setblocking(False)
                try:
                    data = s.recv(1)
                except BlockingIOError:
                    data = None
                self.assertIsNone(data, "a half-open connection got %r" % data)
        finally:
            for s in half:
                s.close()
        self.tick()
        self.relay.wait_metrics({"runrelay_clients": 6})
        self.assert_witness_complete()


class ConnectionStormTest(HostileTestCase):

    CLIENTS = 300
    ROUNDS = 3

    def test_bursts_of_clients_dropped_without_close_frames(self):
        self.start_pair()
        port = self.relay.port
        for round_no in range(self.ROUNDS):
            raws = []
            try:
                for n in range(self.CLIENTS):
                    raw = WsClient(port, upgrade=False)
                    raw.send_upgrade()
                    raws.append(raw)
                for raw in raws:
                    raw.read_upgrade_response()
                    self.assertEqual(raw.recv()["type"], "welcome")
                for n, raw in enumerate(raws):
                    raw.send_text(subscribe_text("*" if n % 2 else "witness-run", id=n,
                                                 since="live"))
                for n, raw in enumerate(raws):
                    sub = raw.recv()
                    self.assertEqual((sub["type"], sub["id"]), ("subscribed", n))
                self.tick()
                # Events in flight to all of them while they go.
                self.tick(5, wait=False)
            finally:
                for n, raw in enumerate(raws):
                    if n % 2:
                        raw.abort()  # TCP reset
                    else:
                        raw.close()  # FIN, no close frame
            self.tick()
        witness_id = self.witness.client.client_id
        self.relay.wait_stats(
            lambda s: [c["client_id"] for c in s["clients"]] == [witness_id],
            timeout=WAIT * 2, what="the clients list back to the witness alone")
        self.relay.wait_metrics({"runrelay_clients": 1})
        stats = self.relay.stats()
        self.assertEqual(stats["upstream"]["state"], "connected")
        self.assertEqual([a["name"] for a in stats["actors"]
                          if a["kind"] == "client_session"], ["client:" + witness_id])
        self.assert_witness_complete()


class ShutdownUnderLoadTest(HostileTestCase):

    CLIENTS = 50
    GRACE = 2.0

    def test_sigterm_closes_every_client_1001_spread_and_exits_0(self):
        self.start_pair(shutdown_grace_ms=int(self.GRACE * 1000))
        port = self.relay.port
        raws = []
        for n in range(self.CLIENTS):
            raw = WsClient(port)
            self.addCleanup(raw.close)
            raw.recv()
            raw.send_text(subscribe_text("*", id=n))
            self.assertEqual(raw.recv()["type"], "subscribed")
            raws.append(raw)
        self.tick(3)
        readyz = http.client.HTTPConnection(HOST, port, timeout=WAIT)
        self.addCleanup(readyz.close)
        readyz.request("GET", "/readyz")
        res = readyz.getresponse()
        self.assertEqual(res.status, 200, res.read())
        res.read()

        # Readers: every client records its events and when its close frame came.
        results = {}
        sel = selectors.DefaultSelector()
        for raw in raws:
            raw.sock.setblocking(False)
            raw.events = []
            sel.register(raw.sock, selectors.EVENT_READ, raw)

        def read_all():
            deadline = time.monotonic() + self.GRACE + WAIT
            while len(results) < len(raws) and time.monotonic() < deadline:
                for key, _ in sel.select(0.05):
                    raw = key.data
                    try:
                        data = raw.sock.recv(262144)
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError:
                        data = b""
                    if not data:
                        results.setdefault(raw, (None, None, time.monotonic()))
                        sel.unregister(raw.sock)
                        continue
                    for opcode, payload in raw.feed(data):
                        if opcode == OP_TEXT:
                            raw.events.append(payload)
                        elif opcode == OP_PING:
                            raw.sock.setblocking(True)
                            raw.send_frame(OP_PONG, payload)
                            raw.sock.setblocking(False)
                        elif opcode == OP_CLOSE and raw not in results:
                            code = struct.unpack("!H", payload[:2])[0]
                            results[raw] = (code, payload[2:].decode(), time.monotonic())
                            raw.sock.setblocking(True)
                            raw.send_close(code)
                            raw.sock.setblocking(False)

        reader = threading.Thread(target=read_all, daemon=True)
        reader.start()
        # Load: events keep coming during the drain.
        load_ids = []
        stop_load = threading.Event()

        def load():
            n = 0
            while not stop_load.is_set() and n < 2000:
                n += 1
                try:
                    self.sim.inject(compact({"run_id": "load-run", "type": "step",
                                             "event_id": "load-%d" % n}))
                except Exception:  # noqa: BLE001 - the relay went away
                    return
                load_ids.append("load-%d" % n)
                time.sleep(0.002)

        loader = threading.Thread(target=load, daemon=True)
        loader.start()
        time.sleep(0.2)

        signalled = time.monotonic()
        self.relay.proc.send_signal(signal.SIGTERM)
        # /readyz turns 503 during the drain: on the connection opened before, and on
        # a new one unless the listener is already closed (refused). Seen so far: 503
        # {"state":"disconnected","draining":true} on the kept connection, and a new
        # connection reset or refused (the listener closes right after the signal).
        kept, fresh = None, None
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline and (kept is None or fresh is None):
            if kept is None:
                try:
                    readyz.request("GET", "/readyz")
                    res = readyz.getresponse()
                    body = res.read().decode()
                    if res.status == 503:
                        kept = (503, body)
                except (OSError, http.client.HTTPException) as e:
                    kept = ("error", repr(e))
            if fresh is None:
                try:
                    res = http_request(port, "GET", "/readyz", timeout=1)
                    if res.status == 503:
                        fresh = (503, res.body)
                except OSError as e:
                    fresh = ("refused", repr(e))
            time.sleep(0.01)
        returncode = self.relay.proc.wait(timeout=self.GRACE + WAIT)
        exited = time.monotonic() - signalled
        stop_load.set()
        reader.join(WAIT)
        loader.join(WAIT)

        self.assertIsNotNone(kept, "/readyz on an open connection never said 503")
        self.assertEqual(kept[0], 503, kept)
        self.assertIn('"draining":true', kept[1].replace(" ", ""))
        self.assertIsNotNone(fresh, "a new /readyz neither 503 nor refused")
        self.assertIn(fresh[0], (503, "refused"), fresh)

        self.assertEqual(returncode, 0, self.relay.proc.stderr()[-2000:])
        self.assertLessEqual(exited, self.GRACE + 1.0, "exit %.2f s after SIGTERM"
                             % exited)
        self.assertEqual(len(results), len(raws))
        codes = [(code, reason) for code, reason, _ in results.values()]
        self.assertEqual(codes, [(1001, "going away")] * len(raws))
        times = [at for _, _, at in results.values()]
        self.assertGreaterEqual(max(times) - min(times), 0.2, "closes not spread")
        self.assertLessEqual(max(times) - signalled, self.GRACE)

        # What each client and the witness got: a prefix of what was injected, in
        # order, once, including everything injected before the signal settled.
        sent = self.injected + load_ids
        self.witness.wait(lambda: self.witness.closed is not None or
                          self.witness.error is not None, WAIT, "the witness close")
        self.assertEqual(self.witness.closed.code, 1001)
        streams = [("witness", self.witness.event_ids())]
        for n, raw in enumerate(raws):
            streams.append((n, [json.loads(t)["event_id"]
                                for t in raw.events if b'"type":"event"' in t[:20]]))
        for name, ids in streams:
            self.assertEqual(ids, sent[:len(ids)], "client %s" % name)
            self.assertGreaterEqual(len(ids), len(self.injected), "client %s" % name)


if __name__ == "__main__":
    unittest.main()
