"""runrelay-bench loads a real relay over each transport (WebSocket, SSE, long-poll)
and accounts every delivery: a short run of each must deliver every event exactly once
and in order. Figures (latency, CPU) are only printed, never asserted."""

import json
import subprocess
import unittest

from support.settings import RUNRELAY_BENCH_BIN, RUNRELAY_BIN


def run_bench(*args, clients=20, runs=4, duration=2):
    argv = [RUNRELAY_BENCH_BIN, "--relay-bin", RUNRELAY_BIN, "--json", "--quiet",
            "--clients", clients, "--runs", runs, "--rate", 100, "--duration", duration,
            "--warmup", 0.5, *args]
    argv = [str(arg) for arg in argv]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout, done.stderr


class BenchTransportTest(unittest.TestCase):

    def check_transport(self, transport):
        code, out, err = run_bench("--transport", transport)
        self.assertEqual(code, 0, err + out)
        result = json.loads(out)
        self.assertEqual(result["transport"], transport)
        self.assertTrue(result["ok"], out)
        deliveries = result["deliveries"]
        self.assertGreater(deliveries["expected"], 0)
        self.assertEqual(deliveries["delivered"], deliveries["expected"], out)
        self.assertEqual(deliveries["lost"], 0)
        self.assertEqual(deliveries["duplicated"], 0)
        self.assertEqual(deliveries["out_of_order"], 0)

    def test_websocket(self):
        self.check_transport("ws")

    def test_sse(self):
        self.check_transport("sse")

    def test_long_poll(self):
        self.check_transport("poll")

    def test_storm_resumes_over_sse_and_poll(self):
        for transport in ("sse", "poll"):
            with self.subTest(transport=transport):
                code, out, err = run_bench("--mode", "storm", "--transport", transport)
                self.assertEqual(code, 0, err + out)
                result = json.loads(out)
                self.assertEqual(result["deliveries"]["lost"], 0, out)

    def test_soak_samples_the_relay_while_clients_come_and_go(self):
        code, out, err = run_bench("--mode", "soak", "--churn-percent", "25",
                                   "--churn-every", "0.5", clients=60, runs=30, duration=4)
        self.assertEqual(code, 0, err + out)
        result = json.loads(out)
        soak = result["soak"]
        self.assertGreater(soak["churn_rounds"], 3)
        self.assertGreaterEqual(soak["resubscribed"], 60)
        self.assertEqual(result["deliveries"]["lost"], 0)
        self.assertEqual(len(soak["samples"]), 3)
        for sample in soak["samples"]:
            self.assertEqual(sample["clients"], 60, sample)
            self.assertEqual(sample["runs"], 30, sample)
            self.assertGreater(sample["open_fds"], 60)
            self.assertGreater(sample["rss_mb"], 0)
        # The pipeline's actors (at least upstream, supervisor, dedup, queue) besides
        # one per run and one per client.
        self.assertGreaterEqual(soak["samples"][0]["actors"], 60 + 30 + 4)

    def test_unknown_transport_is_refused_naming_the_flag(self):
        code, out, err = run_bench("--transport", "carrier-pigeon")
        self.assertEqual(code, 2)
        self.assertIn("--transport", err)
        self.assertIn("carrier-pigeon", err)


if __name__ == "__main__":
    unittest.main()
