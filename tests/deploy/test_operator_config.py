"""The real relay with deploy/runrelay.toml and --log-format json, as an operator runs
it: the file loads, a bad file exits 2 naming the line, and every log line is JSON."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from support import relay_case, settings  # noqa: E402

EXAMPLE = os.path.join(ROOT, "deploy", "runrelay.toml")


class OperatorConfigTest(relay_case.RelayTestCase):
    def test_example_file_and_json_logs(self):
        sim = self.start_sim()
        relay = self.start_relay(sim, "--config", EXAMPLE, log_format="json")
        self.assertEqual(relay.readyz()[0], 200)
        relay.proc.stop()
        lines = [l for l in relay.proc.stderr().splitlines() if l.strip()]
        self.assertGreater(len(lines), 2)
        components = set()
        for line in lines:
            record = json.loads(line)
            self.assertEqual(set(record),
                             {"time", "level", "component", "message", "fields"}, line)
            self.assertRegex(record["time"],
                             r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertEqual(record["fields"]["relay_id"], relay.relay_id)
            components.add(record["component"])
        self.assertIn("relay", components)
        self.assertIn("supervisor", components)

    def test_bad_file_exits_2_naming_key_and_line(self):
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
            f.write("# settings\nlisten = \"127.0.0.1:8080\"\nheartbeat-ms = soon\n")
        self.addCleanup(os.unlink, f.name)
        env = {k: v for k, v in os.environ.items() if not k.startswith("RUNRELAY_")}
        env["RUNRELAY_CONFIG"] = f.name
        out = subprocess.run([settings.RUNRELAY_BIN, "--upstream", "ws://127.0.0.1:9"],
                             capture_output=True, text=True, timeout=30, env=env)
        self.assertEqual(out.returncode, 2, out.stderr)
        self.assertIn(f.name + ":3: heartbeat-ms:", out.stderr)


if __name__ == "__main__":
    unittest.main()
