"""Support for the hostile-client tests (test_hostile_clients.py, test_hostile_load.py).

- RawWS: a WebSocket client on a bare socket. It does the HTTP upgrade by hand and then
  writes whatever frames a test crafts (masked as clients must, or not; fragmented;
  invalid UTF-8; oversized), and reads the relay's frames without ever answering a
  ping unless told to.
- Witness: a well-behaved client subscribed to "*" that reads all the time on its own
  thread (answering the relay's pings, as websocket-client does), so a test can check
  that the relay kept serving it while other clients misbehaved.
- HostileTestCase: starts a sim, a relay and a witness, injects events through the
  sim's /control/inject and asserts at the end that the witness got every one of them,
  in order, exactly once.

Every wait is bounded (harness.WAIT unless said otherwise).
"""

import base64
import os
import socket
import struct
import threading
import time

from harness import HOST, WAIT, Closed, RelayTestCase, event, parse_msg

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


def encode_frame(opcode, payload=b"", fin=True, mask=True, rsv=0, length=None):
    """The bytes of one client frame. `length` overrides the announced payload length
    (to lie about it); `rsv` sets the RSV1-3 bits (0..7)."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    n = len(payload) if length is None else length
    head = bytearray([(0x80 if fin else 0) | ((rsv & 7) << 4) | (opcode & 0xF)])
    mask_bit = 0x80 if mask else 0
    if n < 126:
        head.append(mask_bit | n)
    elif n < 65536:
        head.append(mask_bit | 126)
        head += struct.pack("!H", n)
    else:
        head.append(mask_bit | 127)
        head += struct.pack("!Q", n)
    if mask:
        key = os.urandom(4)
        head += key
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return bytes(head) + payload


def close_payload(code, reason=""):
    return struct.pack("!H", code) + reason.encode("utf-8")


class RawWS:
    """A bare-socket WebSocket client of GET /ws.

    `rcvbuf` sets SO_RCVBUF before connecting (a small one keeps the kernel from
    buffering much for a client that does not read). With upgrade=False only the TCP
    connection is made."""

    def __init__(self, port, upgrade=True, rcvbuf=None, timeout=WAIT, path="/ws"):
        self.port = port
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((HOST, port))
        self.buf = b""
        self._fragments = None  # (opcode, [payloads]) of a message being received
        self.eof = False
        self.pings = 0
        self.upgraded_at = None
        if upgrade:
            self.send_upgrade(path)
            self.read_upgrade_response(timeout)

    # ------------------------------------------------------------------ handshake

    def upgrade_request(self, path="/ws"):
        key = base64.b64encode(os.urandom(16)).decode()
        return ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n" % (path, HOST, self.port, key)).encode()

    def send_upgrade(self, path="/ws"):
        self.sock.sendall(self.upgrade_request(path))

    def read_upgrade_response(self, timeout=WAIT):
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buf:
            if not self._fill(deadline):
                raise AssertionError("no upgrade response, got %r" % self.buf[:300])
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status + b" ":
            raise AssertionError("upgrade refused: %r" % head[:300])
        self.upgraded_at = time.monotonic()

    # ------------------------------------------------------------------ writing

    def send_raw(self, data):
        self.sock.sendall(data)

    def send_frame(self, opcode, payload=b"", **kw):
        self.sock.sendall(encode_frame(opcode, payload, **kw))

    def send_text(self, text, **kw):
        self.send_frame(OP_TEXT, text, **kw)

    def send_close(self, code=1000, reason=""):
        try:
            self.send_frame(OP_CLOSE, close_payload(code, reason))
        except OSError:
            pass

    # ------------------------------------------------------------------ reading

    def _fill(self, deadline):
        """Reads more bytes into buf; False on EOF or when the deadline passes."""
        remaining = deadline - time.monotonic()
        if remaining <= 0 or self.eof:
            return False
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(262144)
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            chunk = b""
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def _parse(self):
        """(fin, opcode, payload) of a whole frame at the head of buf, or None."""
        b = self.buf
        if len(b) < 2:
            return None
        fin, opcode = bool(b[0] & 0x80), b[0] & 0x0F
        masked, n = bool(b[1] & 0x80), b[1] & 0x7F
        pos = 2
        if n == 126:
            if len(b) < 4:
                return None
            n = struct.unpack("!H", b[2:4])[0]
            pos = 4
        elif n == 127:
            if len(b) < 10:
                return None
            n = struct.unpack("!Q", b[2:10])[0]
            pos = 10
        if masked:
            raise AssertionError("the relay sent a masked frame")
        if len(b) < pos + n:
            return None
        payload = b[pos:pos + n]
        self.buf = b[pos + n:]
        return fin, opcode, payload

    def _message(self):
        """The next whole message at the head of buf as (opcode, payload): a data
        message with its fragments joined (the relay may fragment large messages),
        or a control frame; None if more bytes are needed."""
        while True:
            frame = self._parse()
            if frame is None:
                return None
            fin, opcode, payload = frame
            if opcode >= OP_CLOSE:
                return opcode, payload
            if opcode == OP_CONT:
                if self._fragments is None:
                    raise AssertionError("the relay sent a continuation without a start")
                self._fragments[1].append(payload)
            else:
                if self._fragments is not None:
                    raise AssertionError("the relay started a message inside another")
                self._fragments = (opcode, [payload])
            if fin:
                opcode, parts = self._fragments
                self._fragments = None
                return opcode, b"".join(parts)

    def feed(self, data):
        """Adds bytes read elsewhere (a selector loop) and returns the whole messages
        now available, as (opcode, payload)."""
        self.buf += data
        out = []
        while True:
            msg = self._message()
            if msg is None:
                return out
            out.append(msg)

    def read_message(self, timeout=WAIT):
        """The next message as (opcode, payload) (see _message); None on EOF or
        timeout (check .eof to tell them apart)."""
        deadline = time.monotonic() + timeout
        while True:
            msg = self._message()
            if msg is not None:
                return msg
            if not self._fill(deadline):
                return None

    def read_until_close(self, timeout=WAIT, answer_pings=False, reply_close=True):
        """Reads frames until the relay's close frame. Returns (code, reason, texts
        received before it as parsed messages, arrival time of the close frame).
        code is None when the connection ended without a close frame."""
        deadline = time.monotonic() + timeout
        texts = []
        self.pings = 0
        while True:
            frame = self.read_message(max(0.0, deadline - time.monotonic()))
            if frame is None:
                if self.eof:
                    return None, None, texts, time.monotonic()
                raise AssertionError("no close frame within %.1f s (%d messages before)"
                                     % (timeout, len(texts)))
            opcode, payload = frame
            if opcode == OP_CLOSE:
                at = time.monotonic()
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                if reply_close:
                    self.send_close(code or 1000)
                return code, payload[2:].decode("utf-8", "replace"), texts, at
            if opcode == OP_PING:
                self.pings += 1
                if answer_pings:
                    self.send_frame(OP_PONG, payload)
            elif opcode == OP_TEXT:
                texts.append(parse_msg(payload.decode("utf-8")))

    def recv_msg(self, timeout=WAIT):
        """The next text message (pings skipped, never answered)."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self.read_message(max(0.0, deadline - time.monotonic()))
            if frame is None:
                raise AssertionError("no message within %.1f s (eof %s)"
                                     % (timeout, self.eof))
            opcode, payload = frame
            if opcode == OP_TEXT:
                return parse_msg(payload.decode("utf-8"))
            if opcode == OP_CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                raise Closed(code, payload[2:].decode("utf-8", "replace"))

    def wait_eof(self, timeout=WAIT):
        """True when the relay closed the TCP connection within `timeout` (frames read
        meanwhile are dropped)."""
        deadline = time.monotonic() + timeout
        while not self.eof:
            self.buf = b""
            if not self._fill(deadline) and not self.eof:
                return False
        return True

    # ------------------------------------------------------------------ closing

    def abort(self):
        """Closes the socket with a TCP reset (SO_LINGER 0), no close frame."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Witness:
    """A well-behaved client subscribed to "*", reading on its own thread.

    Events go to .events, other messages (pongs, upstream changes...) to .others. The
    library answers the relay's WebSocket pings while reading."""

    def __init__(self, relay):
        self.client = relay.client()
        sub, replayed = self.client.subscribe("*", id="witness")
        if replayed or sub["id"] != "witness":
            raise AssertionError("witness subscribe: %r" % sub.raw)
        self.events = []
        self.others = []
        self.closed = None
        self.error = None
        self._cond = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="witness", daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop:
            try:
                msg = self.client.recv(0.25)
            except Closed as c:
                with self._cond:
                    self.closed = c
                    self._cond.notify_all()
                return
            except AssertionError as e:
                if "no message from the relay" in str(e):
                    continue
                with self._cond:
                    self.error = e
                    self._cond.notify_all()
                return
            except Exception as e:  # noqa: BLE001 - reported by the test thread
                with self._cond:
                    if not self._stop:
                        self.error = e
                    self._cond.notify_all()
                return
            with self._cond:
                (self.events if msg.get("type") == "event" else self.others).append(msg)
                self._cond.notify_all()

    def wait(self, predicate, timeout=WAIT, what="witness condition"):
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate()
                if value:
                    return value
                if self.error is not None or self.closed is not None:
                    raise AssertionError("witness stopped while waiting for %s: %r %r"
                                         % (what, self.error, self.closed))
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError("timed out after %.1f s waiting for %s"
                                         % (timeout, what))
                self._cond.wait(remaining)

    def event_ids(self):
        with self._cond:
            return [e["event_id"] for e in self.events]

    def ping(self, token, timeout=WAIT):
        """Sends a ping message and waits for its pong (read by the thread); returns
        the round trip in seconds."""
        started = time.monotonic()
        self.client.send({"type": "ping", "timestamp": token})
        self.wait(lambda: any(m.get("type") == "pong" and m.get("timestamp") == token
                              for m in self.others), timeout, "pong %r" % token)
        return time.monotonic() - started

    def stop(self):
        self._stop = True
        self._thread.join(timeout=2)


class HostileTestCase(RelayTestCase):
    """A sim, a relay and a witness; `inject` records what the witness must get."""

    def start_pair(self, *extra, **options):
        self.sim = self.start_sim()
        self.relay = self.start_relay(self.sim, *extra, **options)
        self.witness = Witness(self.relay)
        self.addCleanup(self.witness.stop)
        self.injected = []
        self._ticks = 0
        return self.relay

    def inject(self, run_id, event_id, **fields):
        """Injects one event (its own frame) and records its id."""
        self.sim.inject(event(run_id, event_id, **fields))
        self.injected.append(event_id)

    def inject_batch(self, run_id, event_ids, **fields):
        """Injects several events in one batch frame (taken element by element)."""
        self.sim.inject("[" + ",".join(event(run_id, e, **fields) for e in event_ids)
                        + "]")
        self.injected.extend(event_ids)

    def tick(self, count=1, wait=True):
        """Injects `count` witness events and (with wait) waits until the witness has
        everything injected so far: the relay is still serving it."""
        for _ in range(count):
            self._ticks += 1
            self.inject("witness-run", "tick-%d" % self._ticks)
        if wait:
            self.wait_witness()

    def wait_witness(self, timeout=WAIT):
        want = len(self.injected)
        self.witness.wait(lambda: len(self.witness.events) >= want, timeout,
                          "the witness to get %d events (has %d)"
                          % (want, len(self.witness.events)))

    def assert_witness_complete(self, quiet=0.3):
        """The witness got every injected event, in order, exactly once, and nothing
        else arrives for `quiet` seconds."""
        self.wait_witness()
        time.sleep(quiet)
        self.assertTrue(self.relay.proc.alive(), "the relay exited")
        got = self.witness.event_ids()
        self.assertEqual(len(got), len(set(got)), "the witness got duplicates")
        self.assertEqual(got, self.injected, "the witness did not get exactly what "
                         "was injected, in order")
        self.assertIsNone(self.witness.error)
        self.assertIsNone(self.witness.closed)
        seqs = {}
        for e in self.witness.events:
            run = e["run_id"]
            self.assertEqual(e["seq"], seqs.get(run, 0) + 1, e.raw[:200])
            seqs[run] = e["seq"]


def metric(relay, name):
    return relay.metrics().get(name)

