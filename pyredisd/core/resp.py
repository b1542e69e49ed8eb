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
_BULK_HEADERS = tuple(b"$%d\r\n" % i for i in range(1024))
NULL2 = b"$-1\r\n"
NULL_ARRAY2 = b"*-1\r\n"
NULL3 = b"_\r\n"
_LLONG_HALF = float(1 << 62)  # (double)(LLONG_MAX / 2), double2ll's safe range


def format_double(value: float) -> bytes:
    """Redis 7.2+ ``d2string``: ``-0``, integers up to 2**62 as integers, else the shortest
    round-trip digits laid out as ``fpconv_dtoa``'s ``emit_digits`` does (``1e+20``, ``1e-7``,
    ``0.00001``)."""
    if math.isinf(value):
        return b"inf" if value > 0 else b"-inf"
    if math.isnan(value):
        return b"nan"
    if value == 0:
        return b"-0" if math.copysign(1.0, value) < 0 else b"0"
    if -_LLONG_HALF <= value <= _LLONG_HALF and value == int(value):  # double2ll
        return b"%d" % int(value)
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    k = (int(exponent) if exponent else 0) - len(fraction)  # value = digits * 10**k
    stripped = digits.rstrip("0")
    k += len(digits) - len(stripped)
    digits, n = stripped, len(stripped)
    exp = abs(k + n - 1)
    if k >= 0 and exp < n + 7:
        text = digits + "0" * k
    elif k < 0 and (k > -7 or exp < 4):
        offset = n + k
        text = (
            "0." + "0" * -offset + digits if offset <= 0 else f"{digits[:offset]}.{digits[offset:]}"
        )
    else:
        text = digits[0] + ("." + digits[1:] if n > 1 else "")
        text += ("e-" if k + n - 1 < 0 else "e+") + str(exp)
    return (("-" if value < 0 else "") + text).encode()


def _bulk(value: bytes) -> bytes:
    return b"$%d\r\n%s\r\n" % (len(value), value)


def _error(message: str) -> bytes:
    text = message.replace("\r", " ").replace("\n", " ")
    return b"-" + text.encode("utf-8", "surrogateescape") + b"\r\n"


class Encoder:
    """Encodes replies for one protocol version; immutable, so the two instances are shared."""

    def __init__(self, version: int) -> None:
        self.version = version
        resp3 = version == 3
        self.null = NULL3 if resp3 else NULL2
        self.null_array = NULL3 if resp3 else NULL_ARRAY2
        self.by_type: dict[type, Callable[[Reply], bytes]] = {
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
        return self.by_type[type(reply)](reply)

    # -- scalar types --------------------------------------------------------------------------
    @staticmethod
    def _bytes(reply: Reply) -> bytes:
        # No isinstance assert here or in _int: these two run for most replies.
        size = len(reply)  # type: ignore[arg-type]
        if size < 1024:
            return _BULK_HEADERS[size] + reply + b"\r\n"  # type: ignore[operator]
        return b"$%d\r\n%s\r\n" % (size, reply)

    @staticmethod
    def _int(reply: Reply) -> bytes:
        if -1 <= reply < 1023:  # type: ignore[operator]
            return _INT_CACHE[reply + 1]  # type: ignore[operator, index]
        return b":%d\r\n" % reply  # type: ignore[str-format]

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
        return reply.wire  # type: ignore[union-attr]

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
        by_type = self.by_type
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
        by_type = self.by_type
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
