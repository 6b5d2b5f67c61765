"""deploy/k8s rendered with `kubectl kustomize` and checked offline against the relay:
probe paths and ports, the grace period, the RUNRELAY_* variables, the securityContext."""
import os
import re
import subprocess
import unittest

import block_yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def render():
    out = subprocess.run(["kubectl", "kustomize", os.path.join(ROOT, "deploy", "k8s")],
                         capture_output=True, text=True, timeout=60, check=True)
    return {doc["kind"]: doc for doc in block_yaml.load_all(out.stdout)}


def relay_help():
    out = subprocess.run([os.environ["RUNRELAY_BIN"], "--help"], capture_output=True,
                         text=True, timeout=30, check=True)
    return out.stdout


class K8sTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.docs = render()
        cls.help = relay_help()
        cls.pod = cls.docs["Deployment"]["spec"]["template"]["spec"]
        cls.container = cls.pod["containers"][0]
        cls.settings = cls.docs["ConfigMap"]["data"]

    def setting(self, name):
        """The value the pod gets for a variable, else the relay's default."""
        for e in self.container.get("env", []):
            if e["name"] == name and "value" in e:
                return str(e["value"])
        if name in self.settings:
            return str(self.settings[name])
        m = re.search(r"default (\S+)[^\n]*; env " + name + r"\n", self.help)
        self.assertIsNotNone(m, name)
        return m.group(1)

    def test_all_parts_present(self):
        for kind in ("Deployment", "Service", "PodDisruptionBudget",
                     "HorizontalPodAutoscaler", "ConfigMap"):
            self.assertIn(kind, self.docs)
        self.assertEqual(self.container["image"], "runrelay:latest")

    def test_every_variable_is_an_option(self):
        options = set(re.findall(r"env (RUNRELAY_[A-Z0-9_]+)\n", self.help))
        self.assertIn("RUNRELAY_LISTEN", options)
        names = [e["name"] for e in self.container.get("env", [])] + list(self.settings)
        for name in names:
            if name.startswith("RUNRELAY_"):
                self.assertIn(name, options, name + " is not a runrelay option")
        refs = [r["configMapRef"]["name"] for r in self.container["envFrom"]]
        self.assertEqual(refs, [self.docs["ConfigMap"]["metadata"]["name"]])

    def test_relay_id_is_the_pod_name(self):
        ids = [e for e in self.container["env"] if e["name"] == "RUNRELAY_RELAY_ID"]
        self.assertEqual(ids[0]["valueFrom"]["fieldRef"]["fieldPath"], "metadata.name")

    def test_probes_match_the_relay(self):
        port = int(self.setting("RUNRELAY_LISTEN").rsplit(":", 1)[1])
        ports = {p["name"]: p["containerPort"] for p in self.container["ports"]}
        probes = {"readinessProbe": "/readyz", "livenessProbe": "/healthz"}
        for probe, path in probes.items():
            get = self.container[probe]["httpGet"]
            self.assertEqual(get["path"], path)
            self.assertEqual(ports.get(get["port"], get["port"]), port, probe)
        service = self.docs["Service"]["spec"]["ports"][0]
        self.assertEqual(ports.get(service["targetPort"], service["targetPort"]), port)

    def test_grace_period_covers_pre_stop_and_drain(self):
        grace_ms = int(self.setting("RUNRELAY_SHUTDOWN_GRACE_MS"))
        command = self.container["lifecycle"]["preStop"]["exec"]["command"]
        self.assertTrue(command[0].endswith("sleep"), command)
        pre_stop_ms = int(float(command[1]) * 1000)
        self.assertGreater(pre_stop_ms, 0, "no time for the Service to stop routing")
        total_ms = self.pod["terminationGracePeriodSeconds"] * 1000
        self.assertGreaterEqual(total_ms, pre_stop_ms + grace_ms)

    def test_security_context(self):
        pod = self.pod["securityContext"]
        box = self.container["securityContext"]
        self.assertIs(pod["runAsNonRoot"], True)
        self.assertGreater(pod["runAsUser"], 0)
        self.assertIs(box["readOnlyRootFilesystem"], True)
        self.assertIs(box["allowPrivilegeEscalation"], False)
        self.assertEqual(box["capabilities"]["drop"], ["ALL"])

    def test_resources_and_autoscaling(self):
        res = self.container["resources"]
        self.assertIn("cpu", res["requests"])
        self.assertIn("memory", res["limits"])
        hpa = self.docs["HorizontalPodAutoscaler"]["spec"]
        self.assertEqual(hpa["scaleTargetRef"]["name"], "runrelay")
        self.assertEqual(hpa["metrics"][0]["resource"]["name"], "cpu")
        pdb = self.docs["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"]
        self.assertEqual(pdb, self.docs["Deployment"]["spec"]["selector"]["matchLabels"])


if __name__ == "__main__":
    unittest.main()
