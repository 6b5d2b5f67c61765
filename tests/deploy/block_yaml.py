"""Reads the block-style YAML that `kubectl kustomize` prints (no anchors, no flow
collections, no multi-line scalars), so the deploy tests need only the standard library.
Anything outside that subset raises ValueError rather than being guessed."""
import json


def _scalar(text):
    if text.startswith('"'):
        return json.loads(text)
    if text.startswith("'"):
        return text[1:-1].replace("''", "'")
    if text in ("true", "false"):
        return text == "true"
    if text in ("null", "~"):
        return None
    if text.lstrip("-").isdigit():
        return int(text)
    if text[:1] in "[{|>&*!":
        raise ValueError("unsupported YAML: " + text)
    return text


def _lines(doc):
    out = []
    for raw in doc.splitlines():
        if raw.strip() and not raw.lstrip().startswith("#"):
            out.append((len(raw) - len(raw.lstrip(" ")), raw.strip()))
    return out


def _split(entry):
    key, _, rest = entry.partition(":")
    if not _ or (rest and not rest.startswith(" ")):
        raise ValueError("not a mapping entry: " + entry)
    return _scalar(key.strip()), rest.strip()


def _node(lines, i, indent):
    """The node whose lines start at i with this indent; returns (value, next i)."""
    if lines[i][1].startswith("- ") or lines[i][1] == "-":
        items = []
        while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("-"):
            rest = lines[i][1][1:].strip()
            # "- key: value" opens a mapping whose keys sit two columns in.
            lines[i] = (indent + 2, rest)
            if not rest:
                value, i = _node(lines, i + 1, lines[i + 1][0])
            elif ":" in rest and not rest.startswith(('"', "'")):
                value, i = _mapping(lines, i, indent + 2)
            else:
                value, i = _scalar(rest), i + 1
            items.append(value)
        return items, i
    return _mapping(lines, i, indent)


def _mapping(lines, i, indent):
    result = {}
    while i < len(lines) and lines[i][0] == indent and not lines[i][1].startswith("- "):
        key, rest = _split(lines[i][1])
        i += 1
        if rest:
            result[key] = _scalar(rest)
        elif i < len(lines) and (lines[i][0] > indent or
                                 (lines[i][0] == indent and lines[i][1].startswith("-"))):
            result[key], i = _node(lines, i, lines[i][0])
        else:
            result[key] = None
    return result, i


def load_all(text):
    docs = []
    for doc in text.split("\n---\n"):
        lines = _lines(doc)
        if lines:
            value, end = _node(lines, 0, lines[0][0])
            if end != len(lines):
                raise ValueError("unparsed YAML from: " + lines[end][1])
            docs.append(value)
    return docs
