"""The JSON the tests send (orchestrator events, batch frames, client requests) and
the parsed form of what the relay sends back (docs/protocol.md)."""

import json
import re

from .raw_json import raw_members

# An event id the relay derives for an event that has none (docs/protocol.md).
DERIVED_ID = re.compile(r"^h:[0-9a-f]{32}$")


def compact(obj):
    """Compact JSON text of a Python value (what tests inject and send)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def event(run_id, event_id=None, type="step", **fields):
    """The JSON text of one orchestrator event object."""
    obj = {"run_id": run_id, "type": type}
    if event_id is not None:
        obj["event_id"] = event_id
    obj.update(fields)
    return compact(obj)


def batch(*objects):
    """A batch frame: a JSON array of the given object texts, kept verbatim."""
    return "[" + ",".join(objects) + "]"


def subscribe_text(run_id, since=None, id=None, live=False):
    """A subscribe request; `since` None means absent, live=True sends since "live"."""
    msg = {"type": "subscribe", "run_id": run_id}
    if live:
        msg["since"] = "live"
    elif since is not None:
        msg["since"] = since
    if id is not None:
        msg["id"] = id
    return compact(msg)


class Msg(dict):
    """A parsed JSON message that remembers its raw text (`.raw`)."""

    raw = ""

    def raw_field(self, key):
        return raw_members(self.raw)[key]


def parse_msg(text):
    value = json.loads(text)
    if not isinstance(value, dict):
        raise AssertionError("relay sent a non-object message: %r" % text[:200])
    msg = Msg(value)
    msg.raw = text
    return msg
