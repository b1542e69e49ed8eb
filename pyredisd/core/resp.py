"""The one RESP encoder: a reply value and a protocol version (2 or 3) become bytes.

This is on the hot path of every command, so dispatch is a dict keyed by the exact type, common
replies are pre-encoded once, and small integers are cached. Errors have CR/LF mapped to spaces
(Redis's ``addReplyErrorLength`` does the same) so a reply can never break framing.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from pyredisd.core.replies import (
    Double,
    ErrorReply,
    Map,
    NoReply,
    NullArray,
    Push,
    Raw,
    Reply,
    SetReply,
    Status,
    Verbatim,
)

_INT_CACHE = tuple(b":%d\r\n" % i for i in range(-1, 1024))
NULL2 = b"$-1\r\n"
NULL_ARRAY2 = b"*-1\r\n"
NULL3 = b"_\r\n"


def format_double(value: float) -> bytes:
    """Shortest round-trip text for a double, as Redis 7.2+ (``fpconv_dtoa``) replies it."""
    if math.isinf(value):
        return b"inf" if value > 0 else b"-inf"
    if math.isnan(value):
        return b"nan"
    if value == int(value) and abs(value) < 1e17:
        return b"%d" % int(value)
    return repr(value).encode()


def _bulk(value: bytes) -> bytes:
    return b"$%d\r\n%s\r\n" % (len(value), value)


def _error(message: str) -> bytes:
    text = message.replace("\r", " ").replace("\n", " ")
    return b"-" + text.encode("utf-8", "replace") + b"\r\n"


class Encoder:
    """Encodes replies for one protocol version; immutable, so the two instances are shared."""

    def __init__(self, version: int) -> None:
        self.version = version
        resp3 = version == 3
        self.null = NULL3 if resp3 else NULL2
        self.null_array = NULL3 if resp3 else NULL_ARRAY2
        self._by_type: dict[type, Callable[[Reply], bytes]] = {
            bytes: self._bytes,
            bytearray: self._bytes,
            int: self._int,
            bool: self._bool,
            float: self._float,
            type(None): self._none,
            list: self._array,
            tuple: self._array,
            Status: self._status,
            ErrorReply: self._error,
            NullArray: self._null_array,
            Map: self._map,
            SetReply: self._set,
            Double: self._double,
            Verbatim: self._verbatim,
            Push: self._push,
            NoReply: self._no_reply,
            Raw: self._raw,
        }

    def encode(self, reply: Reply) -> bytes:
        """Encode one reply value."""
        return self._by_type[type(reply)](reply)

    # -- scalar types --------------------------------------------------------------------------
    @staticmethod
    def _bytes(reply: Reply) -> bytes:
        assert isinstance(reply, (bytes, bytearray))
        return b"$%d\r\n%s\r\n" % (len(reply), reply)

    @staticmethod
    def _int(reply: Reply) -> bytes:
        assert isinstance(reply, int)
        if -1 <= reply < 1023:
            return _INT_CACHE[reply + 1]
        return b":%d\r\n" % reply

    def _bool(self, reply: Reply) -> bytes:
        if self.version == 3:
            return b"#t\r\n" if reply else b"#f\r\n"
        return b":1\r\n" if reply else b":0\r\n"

    def _float(self, reply: Reply) -> bytes:
        assert isinstance(reply, float)
        return self._double(Double(reply))

    def _none(self, reply: Reply) -> bytes:
        return self.null

    def _null_array(self, reply: Reply) -> bytes:
        return self.null_array

    @staticmethod
    def _status(reply: Reply) -> bytes:
        assert isinstance(reply, Status)
        text = reply.text.replace("\r", " ").replace("\n", " ")
        return b"+" + text.encode("utf-8", "replace") + b"\r\n"

    @staticmethod
    def _error(reply: Reply) -> bytes:
        assert isinstance(reply, ErrorReply)
        return _error(reply.message)

    def _double(self, reply: Reply) -> bytes:
        assert isinstance(reply, Double)
        text = format_double(reply.value)
        if self.version == 3:
            return b"," + text + b"\r\n"
        return _bulk(text)

    def _verbatim(self, reply: Reply) -> bytes:
        assert isinstance(reply, Verbatim)
        if self.version == 3:
            payload = reply.fmt.encode() + b":" + reply.data
            return b"=%d\r\n%s\r\n" % (len(payload), payload)
        return _bulk(reply.data)

    @staticmethod
    def _no_reply(reply: Reply) -> bytes:
        return b""

    @staticmethod
    def _raw(reply: Reply) -> bytes:
        assert isinstance(reply, Raw)
        return reply.data

    # -- aggregates ----------------------------------------------------------------------------
    def _aggregate(self, prefix: bytes, items: list[Reply] | tuple[Reply, ...]) -> bytes:
        by_type = self._by_type
        parts = [b"%s%d\r\n" % (prefix, len(items))]
        parts.extend(by_type[type(item)](item) for item in items)
        return b"".join(parts)

    def _array(self, reply: Reply) -> bytes:
        assert isinstance(reply, (list, tuple))
        return self._aggregate(b"*", reply)

    def _set(self, reply: Reply) -> bytes:
        assert isinstance(reply, SetReply)
        return self._aggregate(b"~" if self.version == 3 else b"*", reply.items)

    def _push(self, reply: Reply) -> bytes:
        assert isinstance(reply, Push)
        return self._aggregate(b">" if self.version == 3 else b"*", reply.items)

    def _map(self, reply: Reply) -> bytes:
        assert isinstance(reply, Map)
        by_type = self._by_type
        if self.version == 3:
            parts = [b"%%%d\r\n" % len(reply.items)]
        else:
            parts = [b"*%d\r\n" % (2 * len(reply.items))]
        for key, value in reply.items:
            parts.append(by_type[type(key)](key))
            parts.append(by_type[type(value)](value))
        return b"".join(parts)


RESP2 = Encoder(2)
RESP3 = Encoder(3)
ENCODERS = {2: RESP2, 3: RESP3}


def encode(reply: Reply, version: int = 2) -> bytes:
    """Encode ``reply`` for RESP ``version`` (2 or 3)."""
    return ENCODERS[version].encode(reply)


def encode_error(message: str) -> bytes:
    """Encode an error message (same in both protocols)."""
    return _error(message)
