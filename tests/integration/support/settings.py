"""Where the binaries are and how long a test may wait.

Binaries come from RUNRELAY_BIN, RUNRELAY_SIM_BIN, RUNRELAY_WATCH_BIN and
RUNRELAY_BENCH_BIN, or default to build/ under the repository root. WAIT (seconds, env RUNRELAY_TEST_WAIT, default 10)
bounds the waits for things that must happen; it is generous because the tests may
run two at a time under AddressSanitizer. Short fixed pauses are only used to let time
pass for a behaviour (a dedup window, a backoff), never as an assertion of speed.
"""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
BUILD_DIR = REPO_ROOT / "build"
RUNRELAY_BIN = os.environ.get("RUNRELAY_BIN") or str(BUILD_DIR / "runrelay")
RUNRELAY_SIM_BIN = os.environ.get("RUNRELAY_SIM_BIN") or str(BUILD_DIR / "runrelay-sim")
RUNRELAY_WATCH_BIN = os.environ.get("RUNRELAY_WATCH_BIN") or str(BUILD_DIR / "runrelay-watch")
RUNRELAY_BENCH_BIN = os.environ.get("RUNRELAY_BENCH_BIN") or str(BUILD_DIR / "runrelay-bench")

WAIT = float(os.environ.get("RUNRELAY_TEST_WAIT", "10"))
POLL = 0.02
HOST = "127.0.0.1"
