"""runrelay-sim, the simulated orchestrator, and its control API (docs/simulator.md):
what to start it with, when it listens, and what tests ask it to do or report."""

import json
import re

from .http_client import http_request
from .settings import HOST, RUNRELAY_SIM_BIN, WAIT
from .waits import wait_count, wait_for

_LISTENING = re.compile(r"sim: listening on ws://([0-9.]+):(\d+)/")


def sim_argv(*extra, rate=0, ping_ms=0, port=None):
    """By default the sim sends nothing by itself (--rate 0, --ping-ms 0): only what a
    test injects or emits. Port 0 lets it pick a free one."""
    return [RUNRELAY_SIM_BIN, "--listen", "%s:%d" % (HOST, port or 0), "--rate",
            str(rate), "--ping-ms", str(ping_ms)] + list(extra)


def wait_listening(proc):
    """The port a started sim (a Proc) listens on, read from its log."""

    def listening():
        m = _LISTENING.search(proc.stderr())
        if m:
            return int(m.group(2))
        if not proc.alive():
            raise AssertionError("runrelay-sim exited with %r:\n%s"
                                 % (proc.popen.returncode, proc.stderr()))
        return None

    return wait_for(listening, WAIT, "runrelay-sim to listen")


class Sim:
    """A running runrelay-sim with its control API."""

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
        return wait_count(lambda: self.hellos(relay_id), count, timeout,
                          "%d hello(s) from %s" % (count, relay_id))

    def wait_received(self, relay_id, count, timeout=WAIT):
        """Waits until the sim holds at least `count` texts from relay_id."""
        return wait_count(lambda: self.received(relay_id), count, timeout,
                          "%d message(s) from %s" % (count, relay_id))
