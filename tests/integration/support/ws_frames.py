"""RFC 6455 frames as bytes: what a client writes (well-formed or deliberately not)
and the reading of what the relay sends."""

import os
import struct

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


def encode_frame(opcode, payload=b"", fin=True, mask=True, rsv=0, length=None):
    """The bytes of one client frame. `length` overrides the announced payload length
    (to lie about it); `rsv` sets the RSV1-3 bits (0..7)."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    n = len(payload) if length is None else length
    head = bytearray([(0x80 if fin else 0) | ((rsv & 7) << 4) | (opcode & 0xF)])
    mask_bit = 0x80 if mask else 0
    if n < 126:
        head.append(mask_bit | n)
    elif n < 65536:
        head.append(mask_bit | 126)
        head += struct.pack("!H", n)
    else:
        head.append(mask_bit | 127)
        head += struct.pack("!Q", n)
    if mask:
        key = os.urandom(4)
        head += key
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return bytes(head) + payload


def close_payload(code, reason=""):
    return struct.pack("!H", code) + reason.encode("utf-8")


def parse_close(payload):
    """(code, reason) of a close frame's payload; code None when it has none."""
    code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
    return code, payload[2:].decode("utf-8", "replace")


class FrameReader:
    """The relay's frames from bytes as they arrive: a data message with its fragments
    joined (the relay may fragment large messages), a control frame as it comes.

    Bytes are consumed by moving an offset, not by copying what is left after each
    frame: a witness reading megabytes of events must keep up with the relay."""

    def __init__(self):
        self._buf = bytearray()
        self._pos = 0
        self._fragments = None  # (opcode, [payloads]) of a message being received

    def add(self, data):
        if self._pos:
            del self._buf[:self._pos]
            self._pos = 0
        self._buf += data

    def _frame(self):
        """(fin, opcode, payload) of a whole frame at the offset, or None."""
        b, pos = self._buf, self._pos
        if len(b) - pos < 2:
            return None
        fin, opcode = bool(b[pos] & 0x80), b[pos] & 0x0F
        masked, n = bool(b[pos + 1] & 0x80), b[pos + 1] & 0x7F
        head = 2
        if n == 126:
            head = 4
        elif n == 127:
            head = 10
        if len(b) - pos < head:
            return None
        if head > 2:
            n = int.from_bytes(b[pos + 2:pos + head], "big")
        if masked:
            raise AssertionError("the relay sent a masked frame")
        start = pos + head
        if len(b) < start + n:
            return None
        self._pos = start + n
        return fin, opcode, bytes(b[start:start + n])

    def next_message(self):
        """(opcode, payload) of the next whole message, None if more bytes are needed."""
        while True:
            frame = self._frame()
            if frame is None:
                return None
            fin, opcode, payload = frame
            if opcode >= OP_CLOSE:
                return opcode, payload
            if opcode == OP_CONT:
                if self._fragments is None:
                    raise AssertionError("the relay sent a continuation without a start")
                self._fragments[1].append(payload)
            else:
                if self._fragments is not None:
                    raise AssertionError("the relay started a message inside another")
                self._fragments = (opcode, [payload])
            if fin:
                opcode, parts = self._fragments
                self._fragments = None
                return opcode, b"".join(parts)

    def feed(self, data):
        """Adds bytes and returns the whole messages now available."""
        self.add(data)
        out = []
        while True:
            msg = self.next_message()
            if msg is None:
                return out
            out.append(msg)
