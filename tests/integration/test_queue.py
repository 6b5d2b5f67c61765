"""Client sends and the bounded upstream queue (docs/protocol.md sections 1 and 2)."""

import json
import unittest

from support.relay_case import RelayTestCase


class QueueTest(RelayTestCase):

    def send(self, client, data, id_):
        """Sends and returns the ack (upstream state changes may come meanwhile while
        the relay keeps redialling)."""
        client.send({"type": "send", "data": data, "id": id_})
        return client.recv_skipping("ack")

    def test_send_while_connected_is_written_upstream(self):
        sim = self.start_sim()
        relay = self.start_relay(sim, relay_id="send-relay")
        client = relay.client()
        ack = self.send(client, {"cmd": "cancel", "run": "r-1"}, "a-1")
        self.assertEqual(dict(ack), {"type": "ack", "id": "a-1", "status": "sent"})
        client.send('{"type":"send","data":"plain text","id":2}')
        self.assertEqual(dict(client.recv_type("ack")),
                         {"type": "ack", "id": 2, "status": "sent"})
        client.send('{"type":"send","data":[1,{"k":null},2.5e3]}')
        self.assertEqual(dict(client.recv_type("ack")),
                         {"type": "ack", "id": None, "status": "sent"})
        texts = sim.wait_received("send-relay", 4)
        self.assertEqual(len(texts), 4)
        self.assertEqual(json.loads(texts[0])["type"], "hello")
        self.assertEqual(json.loads(texts[1]), {"cmd": "cancel", "run": "r-1"})
        self.assertEqual(texts[2], '"plain text"')  # a string is sent as a JSON string
        self.assertEqual(json.loads(texts[3]), [1, {"k": None}, 2500.0])
        relay.wait_stats(lambda s: s["queue"]["depth"] == 0
                         and s["queue"]["dropped_total"] == 0, what="empty queue")

    def test_queue_while_down_drops_oldest_and_flushes_in_order(self):
        sim = self.start_sim()
        relay = self.start_relay(sim, relay_id="queue-relay", queue_capacity=3,
                                 backoff_base_ms=100, backoff_max_ms=200)
        client = relay.client()
        sim.refuse(True)
        sim.drop(1001)
        msg = client.recv_type("upstream")
        self.assertEqual(msg["state"], "reconnecting", msg.raw)
        for n in range(1, 6):
            ack = self.send(client, {"n": n}, n)
            self.assertEqual(dict(ack), {"type": "ack", "id": n, "status": "queued"},
                             ack.raw)
        relay.wait_stats(lambda s: (s["queue"]["depth"], s["queue"]["dropped"],
                                    s["queue"]["dropped_total"]) == (3, 2, 2),
                         what="queue depth 3, 2 dropped")
        relay.wait_metrics({"runrelay_queue_dropped_total": 2,
                            "runrelay_queue_depth": 3})
        self.assertEqual(len(sim.received("queue-relay")), 1, "nothing went upstream")

        sim.refuse(False)
        client.collect_until(lambda m: m.get("type") == "upstream"
                             and m["state"] == "connected")
        texts = sim.wait_received("queue-relay", 5)
        self.assertEqual([json.loads(t) for t in texts[1:]],
                         [{"type": "hello", "relay_id": "queue-relay",
                           "resume_after": None}, {"n": 3}, {"n": 4}, {"n": 5}])
        ack = self.send(client, {"n": 6}, 6)
        self.assertEqual(dict(ack), {"type": "ack", "id": 6, "status": "sent"})
        texts = sim.wait_received("queue-relay", 6)
        self.assertEqual([json.loads(t) for t in texts[2:]],
                         [{"n": 3}, {"n": 4}, {"n": 5}, {"n": 6}])
        relay.wait_stats(lambda s: s["queue"]["depth"] == 0, what="empty queue")
        relay.wait_metrics({"runrelay_queue_depth": 0,
                            "runrelay_queue_dropped_total": 2})

    def test_queue_from_several_clients_keeps_acceptance_order(self):
        sim = self.start_sim()
        relay = self.start_relay(sim, relay_id="order-relay", backoff_base_ms=100,
                                 backoff_max_ms=200)
        a, b = relay.client(), relay.client()
        sim.refuse(True)
        sim.drop(1001)
        a.recv_type("upstream")
        b.recv_type("upstream")
        expected = []
        for n in range(6):
            client = a if n % 2 == 0 else b
            ack = self.send(client, {"n": n}, n)
            self.assertEqual(ack["status"], "queued")
            expected.append({"n": n})
        sim.refuse(False)
        texts = sim.wait_received("order-relay", 2 + len(expected))
        self.assertEqual(json.loads(texts[1])["type"], "hello")
        self.assertEqual([json.loads(t) for t in texts[2:]], expected)


if __name__ == "__main__":
    unittest.main()
