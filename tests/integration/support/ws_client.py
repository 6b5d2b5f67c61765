"""The one WebSocket client of the integration tests: RFC 6455 on a bare socket.

It does the HTTP upgrade itself and then writes whatever frames a test crafts (masked
as clients must, or not; fragmented; invalid UTF-8; oversized), so one class plays
both the well-behaved clients and the hostile ones. What it does unasked is a policy:
a polite client answers the relay's pings and its close frame while it reads, as a
browser would; a raw one (the default) answers nothing unless a test says so, to play
a client that never answers a ping or never reads. Every read is bounded.
"""

import base64
import hashlib
import os
import select
import socket
import struct
import threading
import time

from .messages import compact, parse_msg
from .settings import HOST, WAIT
from .ws_frames import (OP_CLOSE, OP_PING, OP_PONG, OP_TEXT, FrameReader, close_payload,
                        encode_frame, parse_close)

_ACCEPT_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def _accept_for(key):
    """The Sec-WebSocket-Accept a server must answer to `key` (RFC 6455 4.2.2)."""
    return base64.b64encode(hashlib.sha1(key.encode() + _ACCEPT_GUID).digest())


def _header(head, name):
    """The value of header `name` (lower-case bytes) in a response head, or None."""
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip()
    return None


class Closed(Exception):
    """The server closed the WebSocket: `code` (None if no close frame), `reason`."""

    def __init__(self, code, reason):
        super().__init__("connection closed by the relay: code %r reason %r"
                         % (code, reason))
        self.code = code
        self.reason = reason


class NoMessage(AssertionError):
    """Nothing arrived within the time a test allowed."""


class WsClient:
    """A client of GET /ws on 127.0.0.1:`port`.

    `rcvbuf` sets SO_RCVBUF before connecting (a small one keeps the kernel from
    buffering much for a client that does not read). With upgrade=False only the TCP
    connection is made. The socket's timeout bounds the connect and every write."""

    def __init__(self, port, upgrade=True, rcvbuf=None, timeout=WAIT, path="/ws",
                 polite=False):
        self.port = port
        self.polite = polite
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((HOST, port))
        self.reader = FrameReader()
        self.eof = False
        self.pings = 0
        self.upgraded_at = None
        self.close_sent = False
        self._key = None
        self._write_lock = threading.Lock()  # a reader thread may answer pings
        if upgrade:
            self.send_upgrade(path)
            self.read_upgrade_response(timeout)

    # ------------------------------------------------------------------ handshake

    def send_upgrade(self, path="/ws"):
        self._key = base64.b64encode(os.urandom(16)).decode()
        self.send_raw(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                       "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                       "Sec-WebSocket-Version: 13\r\n\r\n"
                       % (path, HOST, self.port, self._key)).encode())

    def read_upgrade_response(self, timeout=WAIT):
        deadline = time.monotonic() + timeout
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self._read_chunk(deadline)
            if chunk is None:
                raise AssertionError("no upgrade response, got %r" % data[:300])
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        self.reader.add(rest)
        if b" 101 " not in head.split(b"\r\n", 1)[0] + b" ":
            raise AssertionError("upgrade refused: %r" % head[:300])
        if _header(head, b"sec-websocket-accept") != _accept_for(self._key):
            raise AssertionError("wrong Sec-WebSocket-Accept: %r" % head[:300])
        self.upgraded_at = time.monotonic()

    # ------------------------------------------------------------------ writing

    def send_raw(self, data):
        with self._write_lock:
            self.sock.sendall(data)

    def send_frame(self, opcode, payload=b"", **kw):
        self.send_raw(encode_frame(opcode, payload, **kw))

    def send_text(self, text, **kw):
        self.send_frame(OP_TEXT, text, **kw)

    def send(self, message):
        """A message as one text frame: text as it is, anything else as JSON."""
        self.send_text(message if isinstance(message, str) else compact(message))

    def send_close(self, code=1000, reason=""):
        self.close_sent = True
        try:
            self.send_frame(OP_CLOSE, close_payload(code, reason))
        except OSError:
            pass

    # ------------------------------------------------------------------ reading

    def _read_chunk(self, deadline):
        """The next bytes from the socket; None on EOF or when the deadline passes.
        It waits in poll(), so the socket's timeout stays the one for writes."""
        remaining = deadline - time.monotonic()
        if remaining <= 0 or self.eof:
            return None
        if self.sock.fileno() < 0:
            self.eof = True
            return None
        poller = select.poll()
        poller.register(self.sock, select.POLLIN)
        if not poller.poll(remaining * 1000):
            return None
        try:
            chunk = self.sock.recv(262144)
        except (socket.timeout, BlockingIOError):
            return None
        except (ConnectionResetError, BrokenPipeError):
            chunk = b""
        if not chunk:
            self.eof = True
            return None
        return chunk

    def feed(self, data):
        """Adds bytes read elsewhere (a selector loop); returns the whole messages now
        available as (opcode, payload)."""
        return self.reader.feed(data)

    def read_message(self, timeout=WAIT):
        """The next message as (opcode, payload), control frames included and none
        answered; None on EOF or timeout (check .eof to tell them apart)."""
        deadline = time.monotonic() + timeout
        while True:
            msg = self.reader.next_message()
            if msg is not None:
                return msg
            chunk = self._read_chunk(deadline)
            if chunk is None:
                return None
            self.reader.add(chunk)

    def next_frame(self, timeout=WAIT, answer_pings=None):
        """The next data message or close frame, as read_message. Pings are counted
        and answered if `answer_pings` (the client's politeness by default), pongs
        skipped."""
        if answer_pings is None:
            answer_pings = self.polite
        deadline = time.monotonic() + timeout
        while True:
            frame = self.read_message(max(0.0, deadline - time.monotonic()))
            if frame is None or frame[0] not in (OP_PING, OP_PONG):
                return frame
            if frame[0] == OP_PING:
                self.pings += 1
                if answer_pings:
                    self.send_frame(OP_PONG, frame[1])

    def recv(self, timeout=WAIT):
        """The next text message, parsed (a Msg). Raises Closed on a close frame
        (answered if polite) or an ended connection, NoMessage when nothing arrives
        within `timeout`."""
        frame = self.next_frame(timeout)
        if frame is None:
            if self.eof:
                raise Closed(None, "connection closed without a close frame")
            raise NoMessage("no message from the relay within %.1f s" % timeout)
        opcode, payload = frame
        if opcode == OP_CLOSE:
            code, reason = parse_close(payload)
            if self.polite and not self.close_sent:
                self.send_close(code or 1000)
            raise Closed(code, reason)
        if opcode != OP_TEXT:
            raise AssertionError("relay sent a non-text frame (opcode %d)" % opcode)
        return parse_msg(payload.decode("utf-8"))

    def read_until_close(self, timeout=WAIT, answer_pings=None, reply_close=True):
        """Reads frames until the relay's close frame. Returns (code, reason, text
        messages before it, parsed; arrival time of the close frame). code and reason
        are None when the connection ended without a close frame."""
        deadline = time.monotonic() + timeout
        texts = []
        self.pings = 0
        while True:
            frame = self.next_frame(max(0.0, deadline - time.monotonic()), answer_pings)
            if frame is None:
                if self.eof:
                    return None, None, texts, time.monotonic()
                raise AssertionError("no close frame within %.1f s (%d messages before)"
                                     % (timeout, len(texts)))
            opcode, payload = frame
            if opcode == OP_CLOSE:
                at = time.monotonic()
                code, reason = parse_close(payload)
                if reply_close and not self.close_sent:
                    self.send_close(code or 1000)
                return code, reason, texts, at
            if opcode == OP_TEXT:
                texts.append(parse_msg(payload.decode("utf-8")))

    def wait_eof(self, timeout=WAIT):
        """True when the relay closed the TCP connection within `timeout` (what is
        read meanwhile is dropped)."""
        deadline = time.monotonic() + timeout
        self.reader = FrameReader()
        while not self.eof:
            if self._read_chunk(deadline) is None and not self.eof:
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
        """A polite client closes the WebSocket first (its close frame, then the
        relay's, for up to 1 s); a raw one just closes the socket."""
        if self.polite and not self.close_sent and not self.eof:
            self.send_close(1000)
            try:
                self.read_until_close(1.0, reply_close=False)
            except (AssertionError, OSError, ValueError):
                pass
        try:
            self.sock.close()
        except OSError:
            pass
