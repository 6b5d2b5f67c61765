"""A well-behaved client of the relay's GET /ws speaking its JSON messages
(docs/protocol.md section 2): the welcome on connect, requests and their replies,
events, subscriptions. It is the polite WsClient: it answers the relay's pings and
close frame while it reads."""

import time

from .messages import subscribe_text
from .settings import WAIT
from .ws_client import NoMessage, WsClient


class RelayClient(WsClient):
    """The relay's welcome is read on connect and kept as `.welcome`."""

    def __init__(self, port, timeout=WAIT):
        super().__init__(port, timeout=timeout, polite=True)
        self.welcome = self.recv(timeout)
        if self.welcome.get("type") != "welcome":
            raise AssertionError("first message is not welcome: %r" % self.welcome.raw)
        self.client_id = self.welcome.get("client_id")

    def request(self, message, timeout=WAIT):
        """Sends a message and returns the next message received."""
        self.send(message)
        return self.recv(timeout)

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
            try:
                if remaining <= 0:
                    raise NoMessage("out of time")
                out.append(self.recv(remaining))
            except NoMessage:
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
            try:
                if remaining <= 0:
                    raise NoMessage("out of time")
                msg = self.recv(remaining)
            except NoMessage:
                raise AssertionError("no matching message within %.1f s; got: %s"
                                     % (timeout, [m.raw[:200] for m in out][-20:]))
            out.append(msg)
            if predicate(msg):
                return out

    def expect_no_message(self, within):
        """Asserts that nothing (no message, no close) arrives within `within` s."""
        frame = self.next_frame(within)
        if frame is None:
            if self.eof:
                raise AssertionError("connection closed while expecting silence")
            return
        raise AssertionError("expected no message within %.1f s, got opcode %d: %r"
                             % (within, frame[0], frame[1][:300]))

    def recv_close(self, timeout=WAIT):
        """Reads until the relay's close frame; returns (code, reason, messages
        received before it)."""
        code, reason, before, _ = self.read_until_close(timeout)
        return code, reason, before

    def subscribe(self, run_id, since=None, id=None, live=False, timeout=WAIT):
        """Subscribes and returns (subscribed message, replayed events). `since` None
        means absent; live=True sends since "live"."""
        self.send(subscribe_text(run_id, since, id, live))
        sub = self.recv(timeout)
        if sub.get("type") != "subscribed":
            raise AssertionError("expected subscribed, got %s" % sub.raw[:500])
        replayed = self.events(sub["replayed"], timeout) if sub.get("replayed") else []
        return sub, replayed
