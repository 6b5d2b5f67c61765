"""Checks deploy/haproxy.cfg: haproxy accepts it with its defaults and with the
compose file's variables, and, run on 127.0.0.1 in front of three stand-in replicas,
it keeps a replica whose /readyz is 503 out of the pool and balances by least
connections. Standard library only; skipped where haproxy is not installed."""

import http.server
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import unittest
import urllib.request
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "haproxy.cfg"
HAPROXY = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
WAIT = 20.0  # seconds any poll below may take before the test fails


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Replica:
    """An HTTP server standing in for a relay: /readyz answers `ready_status`, /hold
    is answered only once `release` is set, any other path answers the replica's name."""

    def __init__(self, name, ready_status):
        self.name, self.ready_status = name, ready_status
        self.release = threading.Event()
        self.requests = []
        replica = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/readyz":
                    return self.answer(replica.ready_status, b'{"state":"x"}')
                replica.requests.append(self.path)
                if self.path == "/hold":
                    replica.release.wait(WAIT)
                self.answer(200, replica.name.encode())

            def answer(self, status, body):
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # haproxy closes a health check once it has the status line: not an error.
        self.server.handle_error = lambda request, address: None
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def check_config(env):
    return subprocess.run([HAPROXY, "-c", "-f", str(CONFIG)], env=env,
                          capture_output=True, text=True, timeout=30)


def directives():
    lines = (line.split("#", 1)[0].strip() for line in CONFIG.read_text().splitlines())
    return [line for line in lines if line]


class StaticChecks(unittest.TestCase):
    def test_the_choices_the_deployment_relies_on_are_there(self):
        found = directives()
        for wanted in ("balance leastconn", "option httpchk GET /readyz", "option redispatch",
                       "timeout tunnel 1h", "option http-server-close"):
            self.assertIn(wanted, found)
        self.assertFalse([d for d in found if d.startswith("compression")],
                         "compression buffers Server-Sent Events")
        servers = [d for d in found if d.startswith("server relay")]
        self.assertEqual(3, len(servers))


@unittest.skipUnless(HAPROXY, "haproxy is not installed")
class ConfigValidity(unittest.TestCase):
    def test_valid_with_its_defaults(self):
        env = {k: v for k, v in os.environ.items() if not k.endswith("_ADDR")}
        result = check_config(env)
        self.assertEqual(0, result.returncode, result.stdout + result.stderr)

    def test_valid_with_the_compose_variables(self):
        env = dict(os.environ, LISTEN_ADDR="0.0.0.0:8000", STATS_ADDR="0.0.0.0:8404",
                   RELAY1_ADDR="relay1:8080", RELAY2_ADDR="relay2:8080",
                   RELAY3_ADDR="relay3:8080")
        result = check_config(env)
        self.assertEqual(0, result.returncode, result.stdout + result.stderr)


@unittest.skipUnless(HAPROXY, "haproxy is not installed")
class InFrontOfReplicas(unittest.TestCase):
    def setUp(self):
        self.replicas = [Replica("relay1", 200), Replica("relay2", 200), Replica("relay3", 503)]
        self.port, self.stats_port = free_port(), free_port()
        env = dict(os.environ, LISTEN_ADDR="127.0.0.1:%d" % self.port,
                   STATS_ADDR="127.0.0.1:%d" % self.stats_port)
        for i, replica in enumerate(self.replicas, 1):
            env["RELAY%d_ADDR" % i] = "127.0.0.1:%d" % replica.port
        self.haproxy = subprocess.Popen([HAPROXY, "-db", "-f", str(CONFIG)], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def tearDown(self):
        self.haproxy.terminate()
        try:
            self.haproxy.wait(10)
        except subprocess.TimeoutExpired:
            self.haproxy.kill()
            self.haproxy.wait()
        self.haproxy.stderr.close()
        for replica in self.replicas:
            replica.close()

    def get(self, path):
        url = "http://127.0.0.1:%d%s" % (self.port, path)
        with urllib.request.urlopen(url, timeout=WAIT) as res:
            return res.read().decode()

    def statuses(self):
        url = "http://127.0.0.1:%d/;csv" % self.stats_port
        try:
            with urllib.request.urlopen(url, timeout=5) as res:
                rows = [line.split(",") for line in res.read().decode().splitlines()]
        except OSError:
            return {}
        return {row[1]: row[17] for row in rows[1:] if len(row) > 17 and row[0] == "relays"}

    def wait_for_health_checks(self):
        wanted = {"relay1": "UP", "relay2": "UP", "relay3": "DOWN"}
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            seen = self.statuses()
            if {k: seen.get(k, "").split(" ")[0] for k in wanted} == wanted:
                return
            self.assertIsNone(self.haproxy.poll(), "haproxy exited")
            time.sleep(0.1)
        self.fail("health checks never settled: %s" % self.statuses())

    def test_a_replica_that_is_not_ready_gets_no_client(self):
        self.wait_for_health_checks()
        answers = {self.get("/ws") for _ in range(20)}
        self.assertLessEqual(answers, {"relay1", "relay2"})
        self.assertEqual([], self.replicas[2].requests)

    def test_a_new_client_goes_to_the_replica_with_fewer_connections(self):
        self.wait_for_health_checks()
        held = threading.Thread(target=self.get, args=("/hold",))
        held.start()
        deadline = time.monotonic() + WAIT
        while not any("/hold" in r.requests for r in self.replicas[:2]):
            self.assertLess(time.monotonic(), deadline, "the held request never arrived")
            time.sleep(0.05)
        busy = next(r for r in self.replicas[:2] if "/hold" in r.requests)
        idle = next(r for r in self.replicas[:2] if r is not busy)
        for _ in range(5):
            self.assertEqual(idle.name, self.get("/next"))
        busy.release.set()
        held.join(WAIT)


if __name__ == "__main__":
    unittest.main()
