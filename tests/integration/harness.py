"""Shared helpers for the runrelay integration tests.

The tests start the real binaries on 127.0.0.1 (runrelay-sim as the orchestrator,
runrelay as the relay) and talk to them as clients, the orchestrator and operators
do: WebSocket on GET /ws, plain HTTP for /healthz, /readyz, /stats, /metrics, and the
sim's /control API. Only the Python standard library and Debian's python3-websocket
(websocket-client 1.2.3) are used; run with /usr/bin/python3.

Binaries come from RUNRELAY_BIN, RUNRELAY_SIM_BIN and RUNRELAY_WATCH_BIN, or default
to build/ under the repository root (two levels above this file).

Every wait is bounded. WAIT (seconds, env RUNRELAY_TEST_WAIT, default 10) bounds the
waits for things that must happen; it is generous because the tests may run two at a
time under AddressSanitizer. Short fixed pauses are only used to let time pass for a
behaviour (a dedup window, a backoff), never as an assertion of speed.
"""

import json
import os
import re
import signal as _signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path

import websocket  # Debian python3-websocket (websocket-client 1.2.3)

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_DIR = REPO_ROOT / "build"
RUNRELAY_BIN = os.environ.get("RUNRELAY_BIN") or str(BUILD_DIR / "runrelay")
RUNRELAY_SIM_BIN = os.environ.get("RUNRELAY_SIM_BIN") or str(BUILD_DIR / "runrelay-sim")
RUNRELAY_WATCH_BIN = os.environ.get("RUNRELAY_WATCH_BIN") or str(BUILD_DIR / "runrelay-watch")

WAIT = float(os.environ.get("RUNRELAY_TEST_WAIT", "10"))
POLL = 0.02
HOST = "127.0.0.1"

DERIVED_ID = re.compile(r"^h:[0-9a-f]{32}$")


# --------------------------------------------------------------------------- JSON


def compact(obj):
    """Compact JSON text of a Python value (what tests inject and send)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def event(run_id, event_id=None, type="step", **fields):
    """The JSON text of one orchestrator event object."""
    obj = {"run_id": run_id, "type": type}
    if event_id is not None:
        obj["event_id"] = event_id
    obj.update(fields)
    return compact(obj)


def batch(*objects):
    """A batch frame: a JSON array of the given object texts, kept verbatim."""
    return "[" + ",".join(objects) + "]"


def _skip_ws(text, i):
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def _value_end(text, i):
    """Index just past the JSON value that starts at text[i]."""
    c = text[i]
    if c == '"':
        i += 1
        while text[i] != '"':
            i += 2 if text[i] == "\\" else 1
        return i + 1
    if c in "{[":
        depth = 0
        while True:
            c = text[i]
            if c == '"':
                i = _value_end(text, i)
                continue
            if c in "{[":
                depth += 1
            elif c in "}]":
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
    while i < len(text) and text[i] not in ",}] \t\r\n":
        i += 1
    return i


def raw_members(text):
    """The top-level members of a JSON object text as {key: raw value text}.

    Used to compare values byte for byte (an event's `data`, an echoed `id`) instead
    of comparing what a JSON parser makes of them."""
    i = _skip_ws(text, 0)
    if text[i] != "{":
        raise ValueError("not a JSON object: %r" % text[:80])
    i += 1
    out = {}
    while True:
        i = _skip_ws(text, i)
        if text[i] == "}":
            return out
        key_end = _value_end(text, i)
        key = json.loads(text[i:key_end])
        i = _skip_ws(text, key_end)
        if text[i] != ":":
            raise ValueError("bad object text: %r" % text[:80])
        i = _skip_ws(text, i + 1)
        value_end = _value_end(text, i)
        out[key] = text[i:value_end]
        i = _skip_ws(text, value_end)
        if text[i] == ",":
            i += 1
        elif text[i] != "}":
            raise ValueError("bad object text: %r" % text[:80])


class Msg(dict):
    """A parsed JSON message that remembers its raw text (`.raw`)."""

    raw = ""

    def raw_field(self, key):
        return raw_members(self.raw)[key]


def parse_msg(text):
    value = json.loads(text)
    if not isinstance(value, dict):
        raise AssertionError("relay sent a non-object message: %r" % text[:200])
    msg = Msg(value)
    msg.raw = text
    return msg


# --------------------------------------------------------------------------- waits


def wait_for(predicate, timeout=WAIT, what="condition", interval=POLL):
    """Polls predicate() until it returns something truthy; returns that value."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = predicate()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.1f s waiting for %s (last: %r)"
                                 % (timeout, what, last))
        time.sleep(interval)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- HTTP


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<HTTP %d %s>" % (self.status, self.body[:300])


def http_request(port, method, path, body=None, headers=None, timeout=WAIT):
    data = body.encode() if isinstance(body, str) else body
    if data is None and method in ("POST", "PUT"):
        data = b""
    req = urllib.request.Request("http://%s:%d%s" % (HOST, port, path), data=data,
                                 method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return Response(res.status, res.getheaders(), res.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        with e:
            return Response(e.code, e.headers.items(), e.read().decode("utf-8"))


def raw_http(port, request_bytes, timeout=WAIT):
    """Sends raw bytes, reads until the server closes (or timeout); returns
    (status code, headers dict lower-case, body bytes)."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(request_bytes)
        chunks = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            chunks.append(chunk)
            data = b"".join(chunks)
            head, sep, rest = data.partition(b"\r\n\r\n")
            if sep:
                m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                if m and len(rest) >= int(m.group(1)):
                    break
    data = b"".join(chunks)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines or not lines[0].startswith("HTTP/"):
        raise AssertionError("no HTTP response, got %r" % data[:200])
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, body


def parse_metrics(text):
    """Prometheus text -> {name: value} for unlabelled samples, plus
    {name{labels}: value} for labelled ones."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        out[name.strip()] = float(value)
    return out


# --------------------------------------------------------------------------- processes


def _die_with_parent():
    """In the child before exec: get SIGKILL when the test process goes away (a
    ctest timeout, an interrupted run), so no relay or sim outlives its test."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, int(_signal.SIGKILL), 0, 0, 0)
    except Exception:
        pass


class Proc:
    """A child process whose stdout and stderr go to temp files."""

    def __init__(self, name, argv, env=None):
        self.name = name
        self.argv = [str(a) for a in argv]
        self.err_file = tempfile.NamedTemporaryFile(
            prefix="runrelay-it-%s-" % name, suffix=".stderr", delete=False)
        self.out_file = tempfile.NamedTemporaryFile(
            prefix="runrelay-it-%s-" % name, suffix=".stdout", delete=False)
        self.popen = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                      stdout=self.out_file, stderr=self.err_file,
                                      env=env, preexec_fn=_die_with_parent)
        self.pid = self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def stderr(self):
        with open(self.err_file.name, "r", encoding="utf-8", errors="replace") as f:
            return f.read()

    def stdout(self):
        with open(self.out_file.name, "r", encoding="utf-8", errors="replace") as f:
            return f.read()

    def send_signal(self, sig):
        if self.alive():
            self.popen.send_signal(sig)

    def wait(self, timeout):
        return self.popen.wait(timeout=timeout)

    def stop(self, sig=_signal.SIGTERM, timeout=6.0):
        """Signals the process (by PID), then kills it if it is still there."""
        if self.alive():
            try:
                self.popen.send_signal(sig)
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=timeout)
        return self.popen.returncode

    def kill(self):
        if self.alive():
            self.popen.kill()
            self.popen.wait(timeout=WAIT)

    def cleanup(self):
        for f in (self.err_file, self.out_file):
            try:
                f.close()
                os.unlink(f.name)
            except OSError:
                pass

    def dump(self, stream, tail_chars=12000):
        for label, text in (("stderr", self.stderr()), ("stdout", self.stdout())):
            if not text:
                continue
            if len(text) > tail_chars:
                text = "...\n" + text[-tail_chars:]
            stream.write("----- %s %s (pid %d, %s) -----\n%s\n"
                         % (self.name, label, self.pid, " ".join(self.argv), text))


class Sim:
    """runrelay-sim with its control API."""

    def __init__(self, proc, port):
        self.proc = proc
        self.port = port
        self.url = "ws://%s:%d/" % (HOST, port)

    def control(self, method, path, body=None):
        res = http_request(self.port, method, path, body=body)
        if res.status != 200:
            raise AssertionError("sim %s %s -> %r" % (method, path, res))
        return res.json()

    def status(self):
        return self.control("GET", "/control/status")

    def inject(self, text, binary=False, expect_sent=1):
        """Sends `text` verbatim as one frame to every connected relay."""
        reply = self.control("POST", "/control/inject?binary=%d" % (1 if binary else 0),
                             body=text.encode("utf-8") if isinstance(text, str) else text)
        if expect_sent is not None and reply["sent_to"] != expect_sent:
            raise AssertionError("inject reached %d relay(s), expected %d"
                                 % (reply["sent_to"], expect_sent))
        return reply

    def emit(self, count):
        return self.control("POST", "/control/emit?count=%d" % count)

    def drop(self, code=1001):
        return self.control("POST", "/control/drop?code=%d" % code)

    def refuse(self, on=True):
        return self.control("POST", "/control/refuse?on=%d" % (1 if on else 0))

    def received(self, relay_id=None):
        """Texts the relays sent upstream, in order (hellos included)."""
        msgs = self.control("GET", "/control/received")["messages"]
        return [m["text"] for m in msgs if relay_id is None or m["relay_id"] == relay_id]

    def hellos(self, relay_id):
        out = []
        for text in self.received(relay_id):
            try:
                value = json.loads(text)
            except ValueError:
                continue
            if isinstance(value, dict) and value.get("type") == "hello":
                out.append(value)
        return out

    def wait_hellos(self, relay_id, count, timeout=WAIT):
        return wait_for(lambda: (lambda h: h if len(h) >= count else None)(
            self.hellos(relay_id)), timeout, "%d hello(s) from %s" % (count, relay_id))

    def wait_received(self, relay_id, count, timeout=WAIT):
        """Waits until the sim holds at least `count` texts from relay_id."""
        return wait_for(lambda: (lambda r: r if len(r) >= count else None)(
            self.received(relay_id)), timeout, "%d message(s) from %s" % (count, relay_id))


class Relay:
    """runrelay with helpers for its HTTP endpoints and WebSocket clients."""

    def __init__(self, proc, port, relay_id, options):
        self.proc = proc
        self.port = port
        self.relay_id = relay_id
        self.options = options
        self.ws_url = "ws://%s:%d/ws" % (HOST, port)
        self.clients = []
        self._watcher = None

    def http(self, method, path, body=None, headers=None):
        return http_request(self.port, method, path, body=body, headers=headers)

    def get_json(self, path, expect_status=200):
        res = self.http("GET", path)
        if expect_status is not None and res.status != expect_status:
            raise AssertionError("GET %s -> %r, expected %d" % (path, res, expect_status))
        return res.json()

    def stats(self, limit=None):
        return self.get_json("/stats" if limit is None else "/stats?limit=%d" % limit)

    def readyz(self):
        res = self.http("GET", "/readyz")
        return res.status, res.json()

    def state(self):
        return self.readyz()[1].get("state")

    def metrics(self):
        res = self.http("GET", "/metrics")
        if res.status != 200:
            raise AssertionError("GET /metrics -> %r" % res)
        return parse_metrics(res.body)

    def wait_metrics(self, expected, timeout=WAIT):
        """Polls /metrics until every name in `expected` has its value (counters are
        updated right after the work they count, so a client may see an event a
        moment before the counter moves); returns all samples."""
        last = {}

        def check():
            last.clear()
            last.update(self.metrics())
            return all(last.get(k) == v for k, v in expected.items())

        try:
            wait_for(check, timeout, "metrics")
        except AssertionError:
            raise AssertionError("metrics never matched %r; last: %r"
                                 % (expected, {k: last.get(k) for k in expected}))
        return dict(last)

    def wait_state(self, state, timeout=WAIT):
        return wait_for(lambda: self.state() == state, timeout,
                        "upstream state %r (now %r)" % (state, self.state()))

    def wait_stats(self, predicate, timeout=WAIT, what="stats condition"):
        holder = {}

        def check():
            holder["stats"] = self.stats()
            return predicate(holder["stats"])

        try:
            wait_for(check, timeout, what)
        except AssertionError:
            raise AssertionError("timed out waiting for %s; last /stats: %s"
                                 % (what, json.dumps(holder.get("stats"))[:3000]))
        return holder["stats"]

    def client(self, timeout=WAIT):
        c = Client(self.ws_url, timeout=timeout)
        self.clients.append(c)
        return c

    def watcher(self):
        """A client subscribed to "*": it sees every event accepted from then on,
        which tells a test that injected events went through."""
        if self._watcher is None:
            c = self.client()
            sub, replayed = c.subscribe("*")
            if replayed:
                raise AssertionError("'*' replayed events: %r" % sub.raw)
            self._watcher = c
        return self._watcher

    def accepted(self):
        return self.stats()["upstream"]["accepted"]

    def close_clients(self):
        for c in self.clients:
            c.close()
        self.clients = []


class Closed(Exception):
    """The server closed the WebSocket: `code` (None if no close frame), `reason`."""

    def __init__(self, code, reason):
        super().__init__("connection closed by the relay: code %r reason %r"
                         % (code, reason))
        self.code = code
        self.reason = reason


class Client:
    """A synchronous WebSocket client of GET /ws. The relay's welcome is read on
    connect and kept as `.welcome`."""

    def __init__(self, url, timeout=WAIT, read_welcome=True):
        self.url = url
        self.ws = websocket.create_connection(url, timeout=timeout)
        self.welcome = None
        self.client_id = None
        if read_welcome:
            self.welcome = self.recv(timeout)
            if self.welcome.get("type") != "welcome":
                raise AssertionError("first message is not welcome: %r" % self.welcome.raw)
            self.client_id = self.welcome.get("client_id")

    # ------------------------------------------------------------------ sending

    def send(self, message):
        text = message if isinstance(message, str) else compact(message)
        self.ws.send(text)

    def send_binary(self, data):
        self.ws.send_binary(data)

    def request(self, message, timeout=WAIT):
        """Sends a message and returns the next message received."""
        self.send(message)
        return self.recv(timeout)

    # ------------------------------------------------------------------ receiving

    def recv_frame(self, timeout=WAIT):
        """(opcode, payload bytes) of the next data or close frame. Pings from the
        relay are answered by the library and skipped."""
        if self.ws.sock is None:
            raise Closed(None, "socket already closed")
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise websocket.WebSocketTimeoutException("timed out")
            self.ws.sock.settimeout(remaining)
            opcode, data = self.ws.recv_data(control_frame=True)
            if opcode in (websocket.ABNF.OPCODE_PING, websocket.ABNF.OPCODE_PONG):
                continue
            return opcode, data

    def recv(self, timeout=WAIT):
        """The next message, parsed (a Msg). Raises Closed on a close frame or a
        closed connection, AssertionError when nothing arrives within `timeout`."""
        try:
            opcode, data = self.recv_frame(timeout)
        except websocket.WebSocketTimeoutException:
            raise AssertionError("no message from the relay within %.1f s" % timeout)
        except websocket.WebSocketConnectionClosedException:
            raise Closed(None, "connection closed without a close frame")
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
            raise Closed(code, data[2:].decode("utf-8", "replace"))
        if opcode != websocket.ABNF.OPCODE_TEXT:
            raise AssertionError("relay sent a non-text frame (opcode %d)" % opcode)
        return parse_msg(data.decode("utf-8"))

    def recv_type(self, type_, timeout=WAIT):
        msg = self.recv(timeout)
        if msg.get("type") != type_:
            raise AssertionError("expected a %r message, got %s" % (type_, msg.raw[:500]))
        return msg

    def recv_skipping(self, type_, skip=("upstream",), timeout=WAIT):
        """The next message that is not of a type in `skip` (upstream state changes
        by default); it must be of type `type_`."""
        deadline = time.monotonic() + timeout
        while True:
            msg = self.recv(max(0.0, deadline - time.monotonic()))
            if msg.get("type") in skip:
                continue
            if msg.get("type") != type_:
                raise AssertionError("expected a %r message, got %s" % (type_, msg.raw[:500]))
            return msg

    def recv_n(self, n, timeout=WAIT):
        """Exactly the next n messages (timeout is for all of them)."""
        deadline = time.monotonic() + timeout
        out = []
        while len(out) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("received %d of %d messages within %.1f s; last: %s"
                                     % (len(out), n, timeout,
                                        out[-1].raw[:300] if out else None))
            try:
                out.append(self.recv(remaining))
            except AssertionError:
                raise AssertionError("received %d of %d messages within %.1f s; last: %s"
                                     % (len(out), n, timeout,
                                        out[-1].raw[:300] if out else None))
        return out

    def events(self, n, timeout=WAIT):
        """The next n messages, which must all be events."""
        msgs = self.recv_n(n, timeout)
        for m in msgs:
            if m.get("type") != "event":
                raise AssertionError("expected only events, got %s" % m.raw[:500])
        return msgs

    def collect_until(self, predicate, timeout=WAIT):
        """Every message up to and including the first one matching predicate."""
        deadline = time.monotonic() + timeout
        out = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("no matching message within %.1f s; got: %s"
                                     % (timeout, [m.raw[:200] for m in out][-20:]))
            try:
                msg = self.recv(remaining)
            except AssertionError:
                raise AssertionError("no matching message within %.1f s; got: %s"
                                     % (timeout, [m.raw[:200] for m in out][-20:]))
            out.append(msg)
            if predicate(msg):
                return out

    def expect_no_message(self, within):
        """Asserts that nothing (no message, no close) arrives within `within` s."""
        try:
            opcode, data = self.recv_frame(within)
        except websocket.WebSocketTimeoutException:
            return
        except websocket.WebSocketConnectionClosedException:
            raise AssertionError("connection closed while expecting silence")
        raise AssertionError("expected no message within %.1f s, got opcode %d: %r"
                             % (within, opcode, data[:300]))

    def recv_close(self, timeout=WAIT):
        """Reads until the relay's close frame; returns (code, reason, messages
        received before it)."""
        deadline = time.monotonic() + timeout
        before = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("no close frame within %.1f s" % timeout)
            try:
                before.append(self.recv(remaining))
            except Closed as c:
                return c.code, c.reason, before

    # ------------------------------------------------------------------ requests

    def subscribe(self, run_id, since=None, id=None, live=False, timeout=WAIT,
                  raw=None):
        """Subscribes and returns (subscribed message, replayed events). `since` None
        means absent; live=True sends since "live"."""
        if raw is None:
            msg = {"type": "subscribe", "run_id": run_id}
            if live:
                msg["since"] = "live"
            elif since is not None:
                msg["since"] = since
            if id is not None:
                msg["id"] = id
            raw = compact(msg)
        self.send(raw)
        sub = self.recv(timeout)
        if sub.get("type") != "subscribed":
            raise AssertionError("expected subscribed, got %s" % sub.raw[:500])
        replayed = self.events(sub["replayed"], timeout) if sub.get("replayed") else []
        return sub, replayed

    def close(self):
        try:
            self.ws.close(timeout=1)
        except Exception:
            pass
        try:
            self.ws.shutdown()  # close() does nothing once a close frame was read
        except Exception:
            pass


# --------------------------------------------------------------------------- test case


class RelayTestCase(unittest.TestCase):
    """Starts and stops processes; prints their logs when a test fails."""

    maxDiff = None

    def setUp(self):
        self._procs = []
        self._relay_count = 0
        self.addCleanup(self._dump_logs_if_failed)

    def _dump_logs_if_failed(self):
        outcome = getattr(self, "_outcome", None)
        failed = outcome is None or not getattr(outcome, "success", False)
        result = getattr(outcome, "result", None)
        if result is not None and not failed:
            failed = any(t is self for t, _ in result.failures + result.errors)
        if failed:
            sys.stderr.write("\n===== logs of %s =====\n" % self.id())
            for p in self._procs:
                p.dump(sys.stderr)
            sys.stderr.flush()
        for p in self._procs:
            p.cleanup()

    def _track(self, proc, sig=_signal.SIGTERM):
        self._procs.append(proc)
        self.addCleanup(proc.stop, sig)
        return proc

    # ------------------------------------------------------------------ sim

    def start_sim(self, *extra, rate=0, ping_ms=0, port=None):
        """Starts runrelay-sim on `port` or a free one; by default it sends nothing
        by itself (--rate 0, --ping-ms 0): only what a test injects or emits."""
        listen = "%s:%d" % (HOST, port or 0)
        argv = [RUNRELAY_SIM_BIN, "--listen", listen, "--rate", str(rate),
                "--ping-ms", str(ping_ms)] + list(extra)
        # SIGKILL at the end: the sim's own shutdown waits 300 ms for nothing here.
        proc = self._track(Proc("sim", argv), sig=_signal.SIGKILL)
        pattern = re.compile(r"sim: listening on ws://([0-9.]+):(\d+)/")

        def listening():
            m = pattern.search(proc.stderr())
            if m:
                return int(m.group(2))
            if not proc.alive():
                raise AssertionError("runrelay-sim exited with %r:\n%s"
                                     % (proc.popen.returncode, proc.stderr()))
            return None

        actual = wait_for(listening, WAIT, "runrelay-sim to listen")
        return Sim(proc, actual)

    # ------------------------------------------------------------------ relay

    def relay_id_for_test(self):
        self._relay_count += 1
        name = re.sub(r"[^A-Za-z0-9_.-]", "-", self.id().split(".")[-1])[:80]
        return "%s-%d" % (name, self._relay_count)

    def start_relay(self, sim=None, *extra, upstream=None, relay_id=None, env=None,
                    wait_connected=True, **options):
        """Starts runrelay against `sim` (or the `upstream` URL) with
        `--name value` for each keyword option (underscores become dashes), waits
        for /healthz and, with wait_connected, for readyz 200 and the sim's hello."""
        if relay_id is None:
            relay_id = self.relay_id_for_test()
        opts = {
            "backoff_base_ms": 100,
            "backoff_max_ms": 400,
            "shutdown_grace_ms": 1500,
        }
        opts.update(options)
        last_error = None
        for _ in range(3):  # a free port can be taken between bind(0) and the start
            port = free_port()
            argv = [RUNRELAY_BIN, "--listen", "%s:%d" % (HOST, port)]
            if upstream is not None or sim is not None:
                argv += ["--upstream", upstream if upstream is not None else sim.url]
            if relay_id is not False:
                argv += ["--relay-id", relay_id]
            for key, value in opts.items():
                if value is None:
                    continue
                argv += ["--" + key.replace("_", "-"), str(value)]
            argv += list(extra)
            full_env = None
            if env is not None:
                full_env = {k: v for k, v in os.environ.items()
                            if not k.startswith("RUNRELAY_")}
                full_env.update(env)
            proc = self._track(Proc("relay", argv, env=full_env))

            def healthy():
                if not proc.alive():
                    return "exited"
                try:
                    res = http_request(port, "GET", "/healthz", timeout=1)
                    return "up" if res.status == 200 else None
                except OSError:
                    return None

            state = wait_for(healthy, WAIT, "runrelay /healthz on port %d" % port)
            if state == "up":
                break
            last_error = proc.stderr()
            if "in use" not in last_error.lower():
                raise AssertionError("runrelay exited with %r:\n%s"
                                     % (proc.popen.returncode, last_error))
        else:
            raise AssertionError("runrelay could not listen:\n%s" % last_error)
        relay = Relay(proc, port, relay_id or None, opts)
        # Runs before the relay is stopped: a client that is not reading would hold
        # the relay's shutdown for its whole grace period.
        self.addCleanup(relay.close_clients)
        if wait_connected:
            relay.wait_state("connected")
            if sim is not None and relay_id:
                sim.wait_hellos(relay_id, 1)
        return relay

    def feed(self, sim, relay, frames, events):
        """Injects each frame and waits until the relay's '*' watcher got `events`
        events; returns them."""
        watcher = relay.watcher()
        for frame in ([frames] if isinstance(frames, str) else frames):
            sim.inject(frame)
        return watcher.events(events)

    def assert_upstream_msg(self, msg, state, attempt=None, retry_null=None):
        self.assertEqual(msg.get("type"), "upstream", msg.raw)
        self.assertEqual(msg["state"], state, msg.raw)
        if attempt is not None:
            self.assertEqual(msg["attempt"], attempt, msg.raw)
        if retry_null is True:
            self.assertIsNone(msg["retry_in_ms"], msg.raw)
        elif retry_null is False:
            self.assertIsInstance(msg["retry_in_ms"], int, msg.raw)
