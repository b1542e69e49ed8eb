"""Reply values: what command handlers return.

Native values cover the common cases: ``bytes`` is a bulk string, ``int`` an integer, ``bool`` a
RESP3 boolean (``:1``/``:0`` in RESP2), ``None`` a null bulk string, ``list``/``tuple`` an array.
The classes below carry the rest of RESP3's vocabulary; :mod:`pyredisd.core.resp` is the only code
that turns any of them into bytes, for the protocol version the client chose.
"""

from __future__ import annotations

from collections.abc import Iterable


class Status:
    """A simple string (``+OK``)."""

    __slots__ = ("text", "wire")

    def __init__(self, text: str) -> None:
        self.text = text
        # Encoded once: constant replies (OK, PONG, QUEUED) cost nothing to send.
        clean = text.replace("\r", " ").replace("\n", " ")
        self.wire = b"+" + clean.encode("utf-8", "surrogateescape") + b"\r\n"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Status) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"Status({self.text!r})"


class ErrorReply:
    """An error reply; ``message`` starts with the code (``ERR ...``)."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ErrorReply) and other.message == self.message

    def __hash__(self) -> int:
        return hash(self.message)

    def __repr__(self) -> str:
        return f"ErrorReply({self.message!r})"


class NullArray:
    """The null array (``*-1`` in RESP2, ``_`` in RESP3): EXEC aborted, BLPOP timed out."""

    __slots__ = ()


class Map:
    """A map reply: ``%`` in RESP3, a flat array of key/value pairs in RESP2."""

    __slots__ = ("items",)

    def __init__(self, items: Iterable[tuple[Reply, Reply]]) -> None:
        self.items = list(items)


class SetReply:
    """A set reply: ``~`` in RESP3, an array in RESP2."""

    __slots__ = ("items",)

    def __init__(self, items: Iterable[Reply]) -> None:
        self.items = list(items)


class Double:
    """A double: ``,`` in RESP3, a bulk string in RESP2 (Redis's ``%.17g`` formatting)."""

    __slots__ = ("value",)

    def __init__(self, value: float) -> None:
        self.value = value


class Verbatim:
    """A verbatim string (``=``) with a three-letter format such as ``txt``; bulk in RESP2."""

    __slots__ = ("data", "fmt")

    def __init__(self, data: bytes, fmt: str = "txt") -> None:
        self.data = data
        self.fmt = fmt


class Push:
    """Out-of-band data (``>`` in RESP3, an array in RESP2): Pub/Sub messages, invalidations."""

    __slots__ = ("items",)

    def __init__(self, items: Iterable[Reply]) -> None:
        self.items = list(items)


class NoReply:
    """The command sends nothing (CLIENT REPLY OFF, QUIT's close, SHUTDOWN)."""

    __slots__ = ()


class Raw:
    """Bytes already encoded as RESP, identical for both protocols (pre-encoded constants)."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


Reply = (
    bytes
    | int
    | float
    | None
    | list["Reply"]
    | tuple["Reply", ...]
    | Status
    | ErrorReply
    | NullArray
    | Map
    | SetReply
    | Double
    | Verbatim
    | Push
    | NoReply
    | Raw
)

OK = Status("OK")
PONG = Status("PONG")
QUEUED = Status("QUEUED")
NULL_ARRAY = NullArray()
NO_REPLY = NoReply()
