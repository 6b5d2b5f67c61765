"""Child processes of a test: started with their output in temp files, stopped by
their PID, their logs shown when a test fails; and free ports for them to listen on."""

import os
import signal
import socket
import subprocess
import tempfile

from .settings import HOST, WAIT


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _die_with_parent():
    """In the child before exec: get SIGKILL when the test process goes away (a
    ctest timeout, an interrupted run), so no relay or sim outlives its test."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except Exception:
        pass


def _read(path):
    with open(path, "r", encoding="utf-8", errors="replace") as f:
        return f.read()


class Proc:
    """A child process whose stdout and stderr go to temp files."""

    def __init__(self, name, argv, env=None):
        self.name = name
        self.argv = [str(a) for a in argv]
        self.err_file = tempfile.NamedTemporaryFile(
            prefix="runrelay-it-%s-" % name, suffix=".stderr", delete=False)
        self.out_file = tempfile.NamedTemporaryFile(
            prefix="runrelay-it-%s-" % name, suffix=".stdout", delete=False)
        self.popen = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                      stdout=self.out_file, stderr=self.err_file,
                                      env=env, preexec_fn=_die_with_parent)
        self.pid = self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def stderr(self):
        return _read(self.err_file.name)

    def stdout(self):
        return _read(self.out_file.name)

    def send_signal(self, sig):
        if self.alive():
            self.popen.send_signal(sig)

    def wait(self, timeout):
        return self.popen.wait(timeout=timeout)

    def stop(self, sig=signal.SIGTERM, timeout=6.0):
        """Signals the process (by PID), then kills it if it is still there."""
        if self.alive():
            try:
                self.popen.send_signal(sig)
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=timeout)
        return self.popen.returncode

    def kill(self):
        if self.alive():
            self.popen.kill()
            self.popen.wait(timeout=WAIT)

    def cleanup(self):
        for f in (self.err_file, self.out_file):
            try:
                f.close()
                os.unlink(f.name)
            except OSError:
                pass

    def dump(self, stream, tail_chars=12000):
        for label, text in (("stderr", self.stderr()), ("stdout", self.stdout())):
            if not text:
                continue
            if len(text) > tail_chars:
                text = "...\n" + text[-tail_chars:]
            stream.write("----- %s %s (pid %d, %s) -----\n%s\n"
                         % (self.name, label, self.pid, " ".join(self.argv), text))
