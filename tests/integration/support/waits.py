"""Bounded polling: every wait of the tests ends, with a message saying what was
awaited and what was last seen."""

import time

from .settings import POLL, WAIT


def wait_for(predicate, timeout=WAIT, what="condition", interval=POLL):
    """Polls predicate() until it returns something truthy; returns that value."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = predicate()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.1f s waiting for %s (last: %r)"
                                 % (timeout, what, last))
        time.sleep(interval)


def wait_count(fetch, count, timeout=WAIT, what="items"):
    """Polls fetch() until it returns at least `count` items; returns them."""
    return wait_for(lambda: (lambda items: items if len(items) >= count else None)(
        fetch()), timeout, what)
