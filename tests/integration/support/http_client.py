"""HTTP as the tests speak it to the relay and the sim: well-formed requests through
urllib, raw bytes on a socket for the requests no library would send, and the
Prometheus text of /metrics."""

import json
import re
import socket
import time
import urllib.error
import urllib.request

from .settings import HOST, WAIT


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<HTTP %d %s>" % (self.status, self.body[:300])


def http_request(port, method, path, body=None, headers=None, timeout=WAIT):
    data = body.encode() if isinstance(body, str) else body
    if data is None and method in ("POST", "PUT"):
        data = b""
    req = urllib.request.Request("http://%s:%d%s" % (HOST, port, path), data=data,
                                 method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return Response(res.status, res.getheaders(), res.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        with e:
            return Response(e.code, e.headers.items(), e.read().decode("utf-8"))


def _read_response(s, timeout):
    """Bytes until the server closes, the announced body is complete or the timeout."""
    chunks = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        chunks.append(chunk)
        head, sep, rest = b"".join(chunks).partition(b"\r\n\r\n")
        if sep:
            m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
            if m and len(rest) >= int(m.group(1)):
                break
    return b"".join(chunks)


def raw_http(port, request_bytes, timeout=WAIT):
    """Sends raw bytes, reads the answer; returns (status code, headers dict
    lower-case, body bytes)."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(request_bytes)
        data = _read_response(s, timeout)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines or not lines[0].startswith("HTTP/"):
        raise AssertionError("no HTTP response, got %r" % data[:200])
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, body


def parse_metrics(text):
    """Prometheus text -> {name: value} for unlabelled samples, plus
    {name{labels}: value} for labelled ones."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        out[name.strip()] = float(value)
    return out
