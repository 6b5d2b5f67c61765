"""Starting and stopping runrelay (docs/protocol.md section 4 and the shutdown rules of
section 2)."""

import os
import re
import signal
import subprocess
import time
import unittest

from support.processes import free_port
from support.relay_case import RelayTestCase
from support.settings import RUNRELAY_BIN, WAIT

# Every option of the contract with its default as --help must show it.
OPTIONS = {
    "listen": "127.0.0.1:8080",
    "upstream": None,
    "relay-id": None,
    "dedup-window-ms": "5000",
    "queue-capacity": "1000",
    "upstream-ping-ms": "15000",
    "upstream-idle-timeout-ms": "45000",
    "backoff-base-ms": "1000",
    "backoff-max-ms": "30000",
    "backoff-jitter": "0.1",
    "max-attempts": "0",
    "resume-wait-ms": "1000",
    "max-subscriptions": "100",
    "client-rate-limit": "100",
    "max-frame-bytes": "65536",
    "heartbeat-ms": "30000",
    "client-buffer-frames": "1024",
    "client-buffer-bytes": "8388608",
    "shutdown-grace-ms": "5000",
    "history-limit": "5000",
    "run-retention-ms": "3600000",
    "max-runs": "10000",
}


def variable(option):
    return "RUNRELAY_" + option.upper().replace("-", "_")


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNRELAY_")}
    env.update(extra)
    return env


def run_relay(args, env=None, timeout=WAIT):
    """Runs runrelay to completion (it must exit by itself)."""
    return subprocess.run([RUNRELAY_BIN] + args, env=env or clean_env(),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout)


class HelpTest(unittest.TestCase):

    def test_help_lists_every_option_with_default_and_variable(self):
        result = run_relay(["--help"])
        self.assertEqual(result.returncode, 0, result.stderr)
        text = result.stdout
        for option, default in OPTIONS.items():
            with self.subTest(option=option):
                flag = re.search(r"--%s\b" % re.escape(option), text)
                self.assertIsNotNone(flag, "--%s not in --help" % option)
                var = text.find(variable(option), flag.start())
                self.assertNotEqual(var, -1, "%s not in --help" % variable(option))
                if default is not None:
                    block = text[flag.start():var]
                    self.assertIn(default, block,
                                  "default %s of --%s not shown" % (default, option))


class BadCommandLineTest(unittest.TestCase):

    def setUp(self):
        self.base = ["--listen", "127.0.0.1:%d" % free_port(),
                     "--upstream", "ws://127.0.0.1:%d/" % free_port()]

    def assert_usage_error(self, result, *names):
        self.assertEqual(result.returncode, 2,
                         "exit %r, stderr: %s" % (result.returncode, result.stderr))
        for name in names:
            self.assertIn(name, result.stderr)

    def test_unknown_option(self):
        self.assert_usage_error(run_relay(self.base + ["--bogus-option", "1"]),
                                "bogus-option")

    def test_missing_upstream(self):
        self.assert_usage_error(run_relay(["--listen", "127.0.0.1:%d" % free_port()]),
                                "upstream")

    def test_missing_value(self):
        self.assert_usage_error(run_relay(self.base + ["--history-limit"]),
                                "history-limit")

    def test_bad_values(self):
        cases = [
            ("dedup-window-ms", "0"),
            ("dedup-window-ms", "abc"),
            ("dedup-window-ms", "-5"),
            ("dedup-window-ms", "1.5"),
            ("backoff-jitter", "2"),
            ("backoff-jitter", "-0.1"),
            ("backoff-jitter", "x"),
            ("upstream", "http://x"),
            ("upstream", "x"),
            ("queue-capacity", "0"),
            ("history-limit", "99999999999999999999999"),
            ("heartbeat-ms", ""),
            ("listen", "nowhere"),
            ("listen", "127.0.0.1:70000"),
        ]
        for option, value in cases:
            with self.subTest(option=option, value=value):
                self.assert_usage_error(
                    run_relay(self.base + ["--%s" % option, value]), option)
                self.assert_usage_error(
                    run_relay(self.base + ["--%s=%s" % (option, value)]), option)

    def test_bad_environment_value(self):
        result = run_relay(self.base, env=clean_env(RUNRELAY_DEDUP_WINDOW_MS="abc"))
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertTrue("RUNRELAY_DEDUP_WINDOW_MS" in result.stderr
                        or "dedup-window-ms" in result.stderr, result.stderr)
        result = run_relay(["--listen", "127.0.0.1:%d" % free_port()],
                           env=clean_env(RUNRELAY_UPSTREAM="http://nope"))
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertTrue("RUNRELAY_UPSTREAM" in result.stderr
                        or "upstream" in result.stderr, result.stderr)


class EnvironmentTest(RelayTestCase):

    def test_flag_beats_environment(self):
        sim = self.start_sim()
        relay = self.start_relay(sim, relay_id="from-flag", heartbeat_ms=4321,
                                 env={"RUNRELAY_RELAY_ID": "from-env",
                                      "RUNRELAY_HEARTBEAT_MS": "1234"})
        welcome = relay.client().welcome
        self.assertEqual((welcome["relay_id"], welcome["heartbeat_ms"]),
                         ("from-flag", 4321))
        self.assertEqual(sim.hellos("from-env"), [])

    def test_environment_is_used_without_flag(self):
        sim = self.start_sim()
        relay = self.start_relay(None, relay_id=False, wait_connected=False,
                                 env={"RUNRELAY_RELAY_ID": "from-env",
                                      "RUNRELAY_HEARTBEAT_MS": "1234",
                                      "RUNRELAY_UPSTREAM": sim.url})
        relay.wait_state("connected")
        sim.wait_hellos("from-env", 1)
        welcome = relay.client().welcome
        self.assertEqual((welcome["relay_id"], welcome["heartbeat_ms"]),
                         ("from-env", 1234))

    def test_equals_form(self):
        sim = self.start_sim()
        relay = self.start_relay(sim, "--relay-id=eq-form", "--heartbeat-ms=2345",
                                 relay_id=False, wait_connected=False)
        relay.wait_state("connected")
        sim.wait_hellos("eq-form", 1)
        self.assertEqual(relay.client().welcome["heartbeat_ms"], 2345)


class ShutdownTest(RelayTestCase):

    def shutdown(self, sig):
        sim = self.start_sim()
        grace_ms = 2000
        relay = self.start_relay(sim, shutdown_grace_ms=grace_ms)
        clients = [relay.client() for _ in range(3)]
        clients[0].subscribe("*")
        started = time.monotonic()
        relay.proc.send_signal(sig)
        for client in clients:
            code, reason, before = client.recv_close(timeout=grace_ms / 1000 + WAIT)
            self.assertEqual(code, 1001, reason)
            for m in before:  # only upstream state changes may come before the close
                self.assertEqual(m.get("type"), "upstream", m.raw)
        returncode = relay.proc.wait(timeout=grace_ms / 1000 + WAIT)
        elapsed = time.monotonic() - started
        self.assertEqual(returncode, 0, relay.proc.stderr()[-3000:])
        # Within the grace period (plus slack for a slow, sanitized build).
        self.assertLess(elapsed, grace_ms / 1000 + 3.0)

    def test_sigterm_closes_clients_with_1001_and_exits_0(self):
        self.shutdown(signal.SIGTERM)

    def test_sigint_closes_clients_with_1001_and_exits_0(self):
        self.shutdown(signal.SIGINT)

    def test_sigterm_with_a_client_that_does_not_answer(self):
        # A client that never reads still cannot hold the process past the grace.
        sim = self.start_sim()
        grace_ms = 1500
        relay = self.start_relay(sim, shutdown_grace_ms=grace_ms)
        relay.client()
        started = time.monotonic()
        relay.proc.send_signal(signal.SIGTERM)
        returncode = relay.proc.wait(timeout=grace_ms / 1000 + WAIT)
        self.assertEqual(returncode, 0)
        self.assertLess(time.monotonic() - started, grace_ms / 1000 + 3.0)


if __name__ == "__main__":
    unittest.main()
