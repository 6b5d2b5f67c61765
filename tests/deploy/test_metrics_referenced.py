"""Every runrelay_* metric that deploy/prometheus/alerts.yml and
deploy/grafana/runrelay.json query exists in a real relay's /metrics."""
import json
import os
import re
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from support import relay_case, settings  # noqa: E402

METRIC = re.compile(r"\brunrelay_[a-z0-9_]+")


def dashboard_exprs():
    with open(os.path.join(ROOT, "deploy", "grafana", "runrelay.json")) as f:
        dash = json.load(f)
    return [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]


def referenced():
    """{metric: where it is referenced}."""
    names = {}
    with open(os.path.join(ROOT, "deploy", "prometheus", "alerts.yml")) as f:
        for name in METRIC.findall(f.read()):
            names.setdefault(name, "alerts.yml")
    for expr in dashboard_exprs():
        for name in METRIC.findall(expr):
            names.setdefault(name, "runrelay.json")
    return names


class MetricsReferencedTest(relay_case.RelayTestCase):
    def test_every_queried_metric_is_exposed(self):
        names = referenced()
        self.assertIn("runrelay_upstream_connected", names)
        self.assertGreater(len(dashboard_exprs()), 5)
        sim = self.start_sim()
        relay = self.start_relay(sim)
        exposed = {key.split("{")[0] for key in relay.metrics()}
        self.assertIn("runrelay_events_accepted_total", exposed)
        missing = {n: where for n, where in names.items() if n not in exposed}
        self.assertEqual(missing, {}, "queried but not in /metrics")


if __name__ == "__main__":
    unittest.main()
