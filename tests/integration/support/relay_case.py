"""The base class of the integration tests: starts the sim and relays a test needs,
stops them by PID when it ends, and prints their logs when it failed."""

import re
import signal
import sys
import unittest

from .http_client import http_request
from .processes import Proc, free_port
from .relay import DEFAULT_OPTIONS, Relay, relay_argv, relay_env
from .settings import WAIT
from .simulator import Sim, sim_argv, wait_listening
from .waits import wait_for


def _wait_healthy(proc, port):
    """"up" once the relay answers /healthz, "exited" if it is gone."""

    def healthy():
        if not proc.alive():
            return "exited"
        try:
            res = http_request(port, "GET", "/healthz", timeout=1)
            return "up" if res.status == 200 else None
        except OSError:
            return None

    return wait_for(healthy, WAIT, "runrelay /healthz on port %d" % port)


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

    def _track(self, proc, sig=signal.SIGTERM):
        self._procs.append(proc)
        self.addCleanup(proc.stop, sig)
        return proc

    def start_sim(self, *extra, rate=0, ping_ms=0, port=None):
        """Starts runrelay-sim on `port` or a free one (see simulator.sim_argv)."""
        argv = sim_argv(*extra, rate=rate, ping_ms=ping_ms, port=port)
        # SIGKILL at the end: the sim's own shutdown waits 300 ms for nothing here.
        proc = self._track(Proc("sim", argv), sig=signal.SIGKILL)
        return Sim(proc, wait_listening(proc))

    def relay_id_for_test(self):
        self._relay_count += 1
        name = re.sub(r"[^A-Za-z0-9_.-]", "-", self.id().split(".")[-1])[:80]
        return "%s-%d" % (name, self._relay_count)

    def _launch_relay(self, upstream, relay_id, opts, extra, env):
        """A relay listening on a free port: (proc, port)."""
        last_error = None
        for _ in range(3):  # a free port can be taken between bind(0) and the start
            port = free_port()
            argv = relay_argv(port, upstream, relay_id, opts, extra)
            proc = self._track(Proc("relay", argv, env=relay_env(env)))
            if _wait_healthy(proc, port) == "up":
                return proc, port
            last_error = proc.stderr()
            if "in use" not in last_error.lower():
                raise AssertionError("runrelay exited with %r:\n%s"
                                     % (proc.popen.returncode, last_error))
        raise AssertionError("runrelay could not listen:\n%s" % last_error)

    def start_relay(self, sim=None, *extra, upstream=None, relay_id=None, env=None,
                    wait_connected=True, **options):
        """Starts runrelay against `sim` (or the `upstream` URL) with
        `--name value` for each keyword option (underscores become dashes), waits
        for /healthz and, with wait_connected, for readyz 200 and the sim's hello."""
        if relay_id is None:
            relay_id = self.relay_id_for_test()
        if upstream is None and sim is not None:
            upstream = sim.url
        opts = dict(DEFAULT_OPTIONS, **options)
        proc, port = self._launch_relay(upstream, relay_id, opts, extra, env)
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
