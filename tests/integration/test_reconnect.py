"""Upstream loss, backoff, --max-attempts and POST /upstream/reconnect (docs/protocol.md
sections 1 and 3)."""

import time
import unittest

from support.messages import event
from support.relay_case import RelayTestCase
from support.waits import wait_for


def within_jitter(value, base, jitter=0.1):
    """value is base * a factor in [1 - j, 1 + j], allowing 1 ms of rounding."""
    return base * (1 - jitter) - 1 <= value <= base * (1 + jitter) + 1


class ReconnectTest(RelayTestCase):

    def upstream_msgs(self, client, until_state, timeout=None):
        """upstream messages up to the first with state until_state (only upstream
        messages may come meanwhile)."""
        kwargs = {} if timeout is None else {"timeout": timeout}
        msgs = client.collect_until(lambda m: m.get("type") == "upstream"
                                    and m["state"] == until_state, **kwargs)
        for m in msgs:
            self.assertEqual(m.get("type"), "upstream", m.raw)
        return msgs

    def test_sim_killed_and_restarted(self):
        sim = self.start_sim()
        base = 300
        relay = self.start_relay(sim, relay_id="restart-relay", backoff_base_ms=base,
                                 backoff_max_ms=1200)
        client = relay.client()
        client.subscribe("re-run")
        sim.inject(event("re-run", "before-1"))
        self.assertEqual(client.events(1)[0]["event_id"], "before-1")
        relay.wait_metrics({"runrelay_upstream_reconnects_total": 0,
                            "runrelay_upstream_connected": 1})

        port = sim.port
        sim.proc.kill()  # SIGKILL: no close frame
        first = client.recv_type("upstream")
        self.assertEqual((first["state"], first["attempt"]), ("reconnecting", 1), first.raw)
        self.assertIsInstance(first["retry_in_ms"], int, first.raw)
        self.assertTrue(within_jitter(first["retry_in_ms"], base), first.raw)
        status, body = relay.readyz()
        self.assertEqual((status, body["state"]), (503, "reconnecting"))
        relay.wait_metrics({"runrelay_upstream_connected": 0})
        self.assertEqual(relay.client().welcome["upstream"], "reconnecting")

        sim2 = self.start_sim(port=port)
        msgs = self.upstream_msgs(client, "connected")
        last = msgs[-1]
        self.assertEqual(dict(last), {"type": "upstream", "state": "connected",
                                      "attempt": 0, "retry_in_ms": None})
        attempt = 1
        for m in msgs[:-1]:
            self.assertEqual(m["state"], "reconnecting", m.raw)
            self.assertIn(m["attempt"], (attempt, attempt + 1), m.raw)
            if m["attempt"] == attempt + 1:
                attempt += 1
                self.assertIsNotNone(m["retry_in_ms"], m.raw)
            if m["retry_in_ms"] is not None:
                expected = min(base * 2 ** (m["attempt"] - 1), 1200)
                self.assertTrue(within_jitter(m["retry_in_ms"], expected), m.raw)
        self.assertEqual(relay.readyz(), (200, {"state": "connected"}))
        hello = sim2.wait_hellos("restart-relay", 1)[0]
        self.assertEqual(hello, {"type": "hello", "relay_id": "restart-relay",
                                 "resume_after": "before-1"})
        relay.wait_metrics({"runrelay_upstream_reconnects_total": 1,
                            "runrelay_upstream_connected": 1})
        relay.wait_stats(lambda s: s["upstream"]["reconnects"] == 1, what="1 reconnect")
        # Events flow again, seq continues.
        sim2.inject(event("re-run", "after-1"))
        ev = client.events(1)[0]
        self.assertEqual((ev["event_id"], ev["seq"]), ("after-1", 2))

    def test_close_with_any_code_is_a_loss(self):
        sim = self.start_sim()
        relay = self.start_relay(sim, relay_id="codes-relay", backoff_base_ms=100)
        client = relay.client()
        for n, code in enumerate((1000, 1001, 1011, 4000, 0), start=2):
            with self.subTest(code=code):
                sim.drop(code)
                msgs = self.upstream_msgs(client, "connected")
                self.assertEqual((msgs[0]["state"], msgs[0]["attempt"]),
                                 ("reconnecting", 1), msgs[0].raw)
                self.assertTrue(within_jitter(msgs[0]["retry_in_ms"], 100), msgs[0].raw)
                sim.wait_hellos("codes-relay", n)
                relay.wait_state("connected")
        relay.wait_metrics({"runrelay_upstream_reconnects_total": 5})

    def test_backoff_sequence_while_refused(self):
        sim = self.start_sim()
        relay = self.start_relay(sim, backoff_base_ms=200, backoff_max_ms=800,
                                 backoff_jitter=0.1)
        client = relay.client()
        sim.refuse(True)
        sim.drop(1001)
        announced = []  # (attempt, retry_in_ms, time received)
        deadline = time.monotonic() + 30
        while len(announced) < 4 and time.monotonic() < deadline:
            msg = client.recv_type("upstream")
            self.assertEqual(msg["state"], "reconnecting", msg.raw)
            if msg["retry_in_ms"] is not None:
                announced.append((msg["attempt"], msg["retry_in_ms"], time.monotonic()))
        refused_at_fourth = sim.status()["upgrades_refused"]
        self.assertEqual([a for a, _, _ in announced], [1, 2, 3, 4])
        for (attempt, retry, _), expected in zip(announced, (200, 400, 800, 800)):
            self.assertTrue(within_jitter(retry, expected),
                            "attempt %d: retry_in_ms %d, expected %d +/- 10%%"
                            % (attempt, retry, expected))
        # Three dials were made (and refused) before the fourth wait was announced,
        # each after its announced delay.
        self.assertEqual(refused_at_fourth, 3)
        for (attempt, retry, at), (_, _, next_at) in zip(announced, announced[1:]):
            elapsed_ms = (next_at - at) * 1000
            self.assertGreaterEqual(elapsed_ms, retry - 100,
                                    "dial %d came %.0f ms after its %d ms announcement"
                                    % (attempt, elapsed_ms, retry))
            self.assertLessEqual(elapsed_ms, retry + 3000,
                                 "dial %d came %.0f ms after its %d ms announcement"
                                 % (attempt, elapsed_ms, retry))
        self.assertEqual(relay.readyz()[0], 503)
        sim.refuse(False)
        last = self.upstream_msgs(client, "connected")[-1]
        self.assertEqual((last["attempt"], last["retry_in_ms"]), (0, None))
        self.assertEqual(relay.readyz(), (200, {"state": "connected"}))
        # A successful handshake resets n: the next loss starts at base again.
        sim.drop(1001)
        first = client.recv_type("upstream")
        self.assertEqual((first["state"], first["attempt"]), ("reconnecting", 1), first.raw)
        self.assertTrue(within_jitter(first["retry_in_ms"], 200), first.raw)
        self.upstream_msgs(client, "connected")

    def test_max_attempts_then_failed_and_manual_reconnect(self):
        sim = self.start_sim()
        relay = self.start_relay(sim, relay_id="failing-relay", backoff_base_ms=100,
                                 backoff_max_ms=200, max_attempts=3)
        client = relay.client()
        sim.refuse(True)
        sim.drop(1001)
        msgs = self.upstream_msgs(client, "failed")
        failed = msgs[-1]
        self.assertIsNone(failed["retry_in_ms"], failed.raw)
        announced = [m["attempt"] for m in msgs if m["retry_in_ms"] is not None]
        self.assertEqual(announced, [1, 2, 3])
        self.assertEqual(relay.readyz(), (503, {"state": "failed"}))
        self.assertEqual(relay.stats()["upstream"]["state"], "failed")
        self.assertEqual(sim.status()["upgrades_refused"], 3)
        # No further dial: let several backoff periods pass.
        time.sleep(1.0)
        self.assertEqual(sim.status()["upgrades_refused"], 3)
        client.expect_no_message(0.1)
        self.assertEqual(relay.client().welcome["upstream"], "failed")

        sim.refuse(False)
        res = relay.http("POST", "/upstream/reconnect")
        self.assertEqual(res.status, 202, res)
        self.assertTrue(res.headers.get("content-type", "").startswith("application/json"))
        self.assertIsInstance(res.json().get("state"), str, res)
        msgs = self.upstream_msgs(client, "connected")
        self.assertEqual(dict(msgs[-1]), {"type": "upstream", "state": "connected",
                                          "attempt": 0, "retry_in_ms": None})
        for m in msgs[:-1]:
            self.assertEqual(m["state"], "connecting", m.raw)
            self.assertIsNone(m["retry_in_ms"], m.raw)
        self.assertEqual(relay.readyz(), (200, {"state": "connected"}))
        sim.wait_hellos("failing-relay", 2)

        res = relay.http("POST", "/upstream/reconnect")
        self.assertEqual(res.status, 409, res)
        self.assertEqual(res.json().get("state"), "connected", res)

    def test_first_dial_counts_toward_max_attempts(self):
        sim = self.start_sim("--refuse-first", "100")
        relay = self.start_relay(sim, wait_connected=False, backoff_base_ms=100,
                                 max_attempts=2)
        relay.wait_state("failed")
        self.assertEqual(sim.status()["upgrades_refused"], 2)
        time.sleep(0.6)
        self.assertEqual(sim.status()["upgrades_refused"], 2)
        self.assertEqual(relay.readyz(), (503, {"state": "failed"}))
        # A reconnect request from failed dials again, with the attempt count reset.
        res = relay.http("POST", "/upstream/reconnect")
        self.assertEqual(res.status, 202, res)
        wait_for(lambda: sim.status()["upgrades_refused"] == 4, what="two more dials")
        relay.wait_state("failed")
        time.sleep(0.6)
        self.assertEqual(sim.status()["upgrades_refused"], 4)

    def test_failed_first_dials_back_off_from_dial_one(self):
        # The first dial is dial 1 (no delay); the delay before dial n is
        # base * 2^(n-1): 300, 600, 1200 ms before dials 2, 3, 4.
        sim = self.start_sim("--refuse-first", "3")
        relay = self.start_relay(sim, relay_id="first-dials", wait_connected=False,
                                 backoff_base_ms=150, backoff_max_ms=10000)
        client = relay.client()
        self.assertIn(client.welcome["upstream"], ("connecting", "reconnecting"))
        msgs = self.upstream_msgs(client, "connected")
        for m in msgs[:-1]:
            self.assertEqual(m["state"], "reconnecting", m.raw)
            if m["retry_in_ms"] is not None:
                expected = 150 * 2 ** (m["attempt"] - 1)
                self.assertTrue(within_jitter(m["retry_in_ms"], expected), m.raw)
        announced = [m["attempt"] for m in msgs if m["retry_in_ms"] is not None]
        self.assertIn(4, announced, [m.raw for m in msgs])
        self.assertEqual(announced, list(range(announced[0], 5)) if announced else [])
        self.assertEqual(sim.status()["upgrades_refused"], 3)
        hello = sim.wait_hellos("first-dials", 1)[0]
        self.assertIsNone(hello["resume_after"])
        relay.wait_metrics({"runrelay_upstream_connected": 1})

    def test_manual_reconnect_while_reconnecting_dials_now(self):
        sim = self.start_sim()
        relay = self.start_relay(sim, relay_id="manual-relay", backoff_base_ms=60000,
                                 backoff_max_ms=60000)
        client = relay.client()
        sim.drop(1001)
        first = client.recv_type("upstream")
        self.assertEqual((first["state"], first["attempt"]), ("reconnecting", 1), first.raw)
        self.assertTrue(within_jitter(first["retry_in_ms"], 60000), first.raw)
        res = relay.http("POST", "/upstream/reconnect")
        self.assertEqual(res.status, 202, res)
        # The scheduled dial is a minute away: connecting now is the manual dial.
        msgs = self.upstream_msgs(client, "connected")
        self.assertEqual((msgs[-1]["attempt"], msgs[-1]["retry_in_ms"]), (0, None))
        sim.wait_hellos("manual-relay", 2)
        self.assertEqual(relay.readyz(), (200, {"state": "connected"}))


if __name__ == "__main__":
    unittest.main()
