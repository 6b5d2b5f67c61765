"""A well-behaved client subscribed to "*" that reads all the time on its own thread,
so a test can check that the relay kept serving it while other clients misbehaved."""

import threading
import time

from .settings import WAIT
from .ws_client import Closed, NoMessage


class Witness:
    """Events go to .events, other messages (pongs, upstream changes...) to .others.
    Being a polite client, it answers the relay's WebSocket pings while reading."""

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

    def _stopped_by(self, closed=None, error=None):
        with self._cond:
            self.closed = closed
            if not self._stop:
                self.error = error
            self._cond.notify_all()

    def _run(self):
        while not self._stop:
            try:
                msg = self.client.recv(0.25)
            except NoMessage:
                continue
            except Closed as c:
                return self._stopped_by(closed=c)
            except Exception as e:  # noqa: BLE001 - reported by the test thread
                return self._stopped_by(error=e)
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
