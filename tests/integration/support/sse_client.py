"""A Server-Sent Events client of GET /runs/<run_id>/stream on a raw socket: the
response head, then each event as a dict of its fields (`id`, `event`, `data`, with
`data` lines joined by newlines as EventSource does)."""

import socket
import time

from .settings import HOST, WAIT


class SseClient:
    def __init__(self, port, path, headers=None, timeout=WAIT):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        lines = ["GET %s HTTP/1.1" % path, "Host: %s:%d" % (HOST, port),
                 "Accept: text/event-stream"]
        lines += ["%s: %s" % item for item in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buffer = b""
        head = self._read_until(b"\r\n\r\n", timeout)
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        self.status = int(status_line.split()[1])
        self.headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        self.closed = False

    def _read_until(self, marker, timeout):
        deadline = time.monotonic() + timeout
        while marker not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no %r from the stream in %.1f s" % (marker, timeout))
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                self.closed = True
                raise EOFError("the stream ended")
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(marker)
        return head

    def next_block(self, timeout=WAIT):
        """The next block (an event, a comment or the retry hint) as a dict; a comment
        is {"comment": text}."""
        text = self._read_until(b"\n\n", timeout).decode("utf-8")
        fields = {}
        for line in text.split("\n"):
            if line.startswith(":"):
                fields["comment"] = line[1:].strip()
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data" and "data" in fields:
                fields["data"] += "\n" + value
            else:
                fields[name] = value
        return fields

    def next_event(self, name=None, timeout=WAIT):
        """The next block with data, of event type `name` (None: unnamed, an event)."""
        deadline = time.monotonic() + timeout
        while True:
            block = self.next_block(max(0.01, deadline - time.monotonic()))
            if "data" in block and block.get("event") == name:
                return block

    def events(self, n, timeout=WAIT):
        return [self.next_event(None, timeout) for _ in range(n)]

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
