"""runrelay as the tests run it: its command line, and a running relay's HTTP
endpoints (docs/protocol.md section 3) and WebSocket clients."""

import json
import os

from .http_client import http_request, parse_metrics
from .relay_client import RelayClient
from .settings import HOST, RUNRELAY_BIN, WAIT
from .waits import wait_for

# Short backoffs keep reconnect tests quick; a grace period that still ends soon.
DEFAULT_OPTIONS = {
    "backoff_base_ms": 100,
    "backoff_max_ms": 400,
    "shutdown_grace_ms": 1500,
}


def relay_argv(port, upstream, relay_id, options, extra):
    """`--name value` for each option (underscores become dashes, None left out);
    relay_id False leaves --relay-id out."""
    argv = [RUNRELAY_BIN, "--listen", "%s:%d" % (HOST, port)]
    if upstream is not None:
        argv += ["--upstream", upstream]
    if relay_id is not False:
        argv += ["--relay-id", relay_id]
    for key, value in options.items():
        if value is not None:
            argv += ["--" + key.replace("_", "-"), str(value)]
    return argv + list(extra)


def relay_env(env):
    """The environment for a relay given `env`: None inherits the test's; otherwise
    the test's without any RUNRELAY_ variable, plus `env`."""
    if env is None:
        return None
    full = {k: v for k, v in os.environ.items() if not k.startswith("RUNRELAY_")}
    full.update(env)
    return full


class Relay:
    """A running runrelay with helpers for its HTTP endpoints and WebSocket clients."""

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
        c = RelayClient(self.port, timeout=timeout)
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
