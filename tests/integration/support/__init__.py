"""Helpers of the runrelay integration tests, one module per job.

The tests start the real binaries on 127.0.0.1 (runrelay-sim as the orchestrator,
runrelay as the relay) and talk to them as clients, the orchestrator and operators
do: WebSocket on GET /ws, plain HTTP for /healthz, /readyz, /stats, /metrics, and the
sim's /control API (docs/protocol.md, docs/simulator.md). Only the Python standard
library is used; run with /usr/bin/python3.

- settings: where the binaries are, the address, how long a wait may last
- waits: bounded polling
- processes: child processes by PID, their logs, free ports
- simulator, relay: one running runrelay-sim / runrelay and its endpoints
- http_client: HTTP requests, well-formed or raw bytes, and /metrics text
- messages, raw_json: the JSON the tests send and what they make of replies
- ws_frames, ws_client, relay_client: the one WebSocket client, from frame bytes
  up to the relay's messages
- relay_case, hostile_case, witness: the unittest base classes
"""
