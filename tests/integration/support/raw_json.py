"""JSON object text split into its members without parsing the values, so a test can
compare a value byte for byte (an event's `data`, an echoed `id`) instead of comparing
what a JSON parser makes of it."""

import json


def _skip_ws(text, i):
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def _string_end(text, i):
    i += 1
    while text[i] != '"':
        i += 2 if text[i] == "\\" else 1
    return i + 1


def _container_end(text, i):
    depth = 0
    while True:
        c = text[i]
        if c == '"':
            i = _string_end(text, i)
            continue
        if c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1


def _value_end(text, i):
    """Index just past the JSON value that starts at text[i]."""
    c = text[i]
    if c == '"':
        return _string_end(text, i)
    if c in "{[":
        return _container_end(text, i)
    while i < len(text) and text[i] not in ",}] \t\r\n":
        i += 1
    return i


def raw_members(text):
    """The top-level members of a JSON object text as {key: raw value text}."""
    i = _skip_ws(text, 0)
    if text[i] != "{":
        raise ValueError("not a JSON object: %r" % text[:80])
    i += 1
    out = {}
    while True:
        i = _skip_ws(text, i)
        if text[i] == "}":
            return out
        key_end = _value_end(text, i)
        key = json.loads(text[i:key_end])
        i = _skip_ws(text, key_end)
        if text[i] != ":":
            raise ValueError("bad object text: %r" % text[:80])
        i = _skip_ws(text, i + 1)
        value_end = _value_end(text, i)
        out[key] = text[i:value_end]
        i = _skip_ws(text, value_end)
        if text[i] == ",":
            i += 1
        elif text[i] != "}":
            raise ValueError("bad object text: %r" % text[:80])
