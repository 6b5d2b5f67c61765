"""The base class of the hostile-client tests: a sim, a relay and a witness. Events
are injected through the sim's /control/inject, and at the end the witness must have
got every one of them, in order, exactly once."""

import time

from .messages import batch, event
from .relay_case import RelayTestCase
from .settings import WAIT
from .witness import Witness


class HostileTestCase(RelayTestCase):
    """`inject` records what the witness must get."""

    def start_pair(self, *extra, **options):
        self.sim = self.start_sim()
        self.relay = self.start_relay(self.sim, *extra, **options)
        self.witness = Witness(self.relay)
        self.addCleanup(self.witness.stop)
        self.injected = []
        self._ticks = 0
        return self.relay

    def inject(self, run_id, event_id, **fields):
        """Injects one event (its own frame) and records its id."""
        self.sim.inject(event(run_id, event_id, **fields))
        self.injected.append(event_id)

    def inject_batch(self, run_id, event_ids, **fields):
        """Injects several events in one batch frame (taken element by element)."""
        self.sim.inject(batch(*(event(run_id, e, **fields) for e in event_ids)))
        self.injected.extend(event_ids)

    def tick(self, count=1, wait=True):
        """Injects `count` witness events and (with wait) waits until the witness has
        everything injected so far: the relay is still serving it."""
        for _ in range(count):
            self._ticks += 1
            self.inject("witness-run", "tick-%d" % self._ticks)
        if wait:
            self.wait_witness()

    def wait_witness(self, timeout=WAIT):
        want = len(self.injected)
        self.witness.wait(lambda: len(self.witness.events) >= want, timeout,
                          "the witness to get %d events (has %d)"
                          % (want, len(self.witness.events)))

    def assert_witness_complete(self, quiet=0.3):
        """The witness got every injected event, in order, exactly once, and nothing
        else arrives for `quiet` seconds."""
        self.wait_witness()
        time.sleep(quiet)
        self.assertTrue(self.relay.proc.alive(), "the relay exited")
        got = self.witness.event_ids()
        self.assertEqual(len(got), len(set(got)), "the witness got duplicates")
        self.assertEqual(got, self.injected, "the witness did not get exactly what "
                         "was injected, in order")
        self.assertIsNone(self.witness.error)
        self.assertIsNone(self.witness.closed)
        seqs = {}
        for e in self.witness.events:
            run = e["run_id"]
            self.assertEqual(e["seq"], seqs.get(run, 0) + 1, e.raw[:200])
            seqs[run] = e["seq"]
