"""Incremental request parsing: bytes in, ``list[bytes]`` requests out.

Theory of operation
-------------------
Two parsers share the stream, and only ever switch at a request boundary.

* **Fast mode** feeds hiredis's C ``Reader``. It is used while the stream is well-formed RESP
  multibulk and every read ends on a request boundary, which is what request/response clients
  and pipelining benchmarks send. A request from hiredis is accepted only if it is a non-empty
  list of ``bytes`` (``bytes.__len__`` raises on anything else, at C speed).
* **Exact mode** is a port of Redis's ``processInlineBuffer``/``processMultibulkBuffer``
  (``networking.c``): inline commands, Redis's exact protocol errors, its checks on a partial
  request (a huge bulk length is refused before the data arrives), and the stricter limits for
  unauthenticated clients. Fast mode hands the stream over whenever hiredis raises, returns
  something that is not a request, a read ends inside a request, or a read holds what may be
  a huge aggregate header (hiredis would preallocate it). hiredis does not say where
  a request ended, so the hand-over re-reads the current chunk from its start (always a
  boundary in fast mode) and skips the requests hiredis already delivered. Exact mode hands
  back once its buffer is empty.

A read "ended where a request did" when the chunk ends with the encoding of the last delivered
request's last argument. That costs one ``endswith`` per read instead of sizing every request.
It can be fooled only by a bulk payload that ends, mid-request, with that same encoding; then
hiredis still parses correctly, and the only loss is that a later malformed request in that
read would be re-read from the wrong place (a different protocol error, still followed by a
close). The query buffer stays bounded by :attr:`buffered`.

Rule: requests come out in order, each exactly once, and after a :class:`ProtocolError` the
parser is dead (the connection closes after the error reply, as in Redis).
"""

from __future__ import annotations

import re
from typing import Final, cast

import hiredis

from pyredisd.core import errors
from pyredisd.core.errors import ProtocolError


class _NeedData:
    """Sentinel: no complete request buffered. A client cannot spoof it (see aesthetics §3)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA: Final = _NeedData()
INLINE_MAX_SIZE: Final = 64 * 1024  # PROTO_INLINE_MAX_SIZE
UNAUTH_MAX_MBULK: Final = 10
UNAUTH_MAX_BULK: Final = 16384
_INT64_MAX: Final = (1 << 63) - 1
_INT64_MIN: Final = -(1 << 63)
_INT_MAX: Final = (1 << 31) - 1
_SPACE = b" \t\n\r\v\f"  # isspace(): skipped between arguments, required after a quote
_SEPARATORS = b" \t\n\r"  # what ends an unquoted argument (\v and \f do not)
_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("a"): b"\a"}
_HEX = b"0123456789abcdefABCDEF"
# hiredis preallocates an aggregate's list when it reads the header, so "*2147483647" alone
# costs seconds of CPU; reads holding such a header (or a lookalike in a payload) go to exact
# mode, which grows argv as the arguments arrive. About 0.5 ns per byte read.
_BIG_ARRAY = re.compile(rb"\*[0-9]{8}")
_BIG_OTHER = re.compile(rb"[>~|][0-9]{8}")
_BIG_HEADER = re.compile(rb"[*>~|][0-9]{8}")


def string2ll(text: bytes) -> int | None:
    """Redis's ``string2ll``: a canonical signed 64-bit decimal, or ``None``.

    ``int()`` is lenient (spaces, ``+``, ``_``, leading zeros); requiring that the value
    renders back to the same bytes makes it exactly as strict as Redis, and cheaper than a regex.
    """
    if not 0 < len(text) <= 20:
        return None
    try:
        value = int(text)
    except ValueError:
        return None
    if b"%d" % value != text or not _INT64_MIN <= value <= _INT64_MAX:
        return None
    return value


def _holds_big_aggregate(chunk: bytes, data: bytes) -> bool:
    """Whether ``data``, read after ``chunk``, may hold a header hiredis would preallocate."""
    if _BIG_ARRAY.search(data) is not None:
        return True
    if (b">" in data or b"~" in data or b"|" in data) and _BIG_OTHER.search(data) is not None:
        return True
    return bool(chunk) and _BIG_HEADER.search(chunk[-9:] + data[:9]) is not None


def split_args(line: bytes) -> list[bytes] | None:
    """Redis's ``sdssplitargs``: split an inline command honouring quotes; None if unbalanced."""
    args: list[bytes] = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i] in _SPACE:
            i += 1
        if i >= n:
            return args
        current = bytearray()
        quote = 0  # 0: none, 34: inside "...", 39: inside '...'
        while True:
            if quote == 34:
                if i >= n:
                    return None
                ch = line[i]
                if (
                    ch == 92
                    and i + 3 < n + 0
                    and line[i + 1] == 120
                    and line[i + 2] in _HEX
                    and line[i + 3] in _HEX
                ):
                    current.append(int(line[i + 2 : i + 4], 16))
                    i += 3
                elif ch == 92 and i + 1 < n:
                    i += 1
                    current += _ESCAPES.get(line[i], bytes((line[i],)))
                elif ch == 34:
                    if i + 1 < n and line[i + 1] not in _SPACE:
                        return None
                    quote = 0
                    i += 1
                    break
                else:
                    current.append(ch)
            elif quote == 39:
                if i >= n:
                    return None
                ch = line[i]
                if ch == 92 and i + 1 < n and line[i + 1] == 39:
                    i += 1
                    current.append(39)
                elif ch == 39:
                    if i + 1 < n and line[i + 1] not in _SPACE:
                        return None
                    quote = 0
                    i += 1
                    break
                else:
                    current.append(ch)
            else:
                if i >= n:
                    break
                ch = line[i]
                if ch in _SEPARATORS:
                    break
                if ch == 34 or ch == 39:
                    quote = ch
                else:
                    current.append(ch)
            i += 1
        args.append(bytes(current))


class RequestParser:
    """Turns a client's byte stream into requests; see the module docstring.

    :param max_bulk_len: ``proto-max-bulk-len``.
    :param strict: start in exact mode and stay there (set while the client must authenticate,
        so the unauthenticated limits apply to every request).
    """

    __slots__ = (
        "_args",
        "_buf",
        "_bulk_len",
        "_chunk",
        "_dead",
        "_delivered",
        "_error",
        "_exact",
        "_last",
        "_mbulk_left",
        "_pos",
        "_reader",
        "max_bulk_len",
        "more",
        "strict",
    )

    def __init__(self, max_bulk_len: int = 512 * 1024 * 1024, strict: bool = False) -> None:
        self.max_bulk_len = max_bulk_len
        self.strict = strict
        self._reader = hiredis.Reader(notEnoughData=NEED_DATA)
        self._chunk = b""
        self._delivered = 0
        self._last: bytes | None = None
        self._exact = strict
        self._buf = bytearray()
        self._pos = 0
        self._mbulk_left = 0
        self._bulk_len = -1
        self._args: list[bytes] = []
        self._dead = False
        self._error: ProtocolError | None = None
        self.more = False

    # -- public API ----------------------------------------------------------------------------
    def feed(self, data: bytes) -> None:
        """Add bytes read from the client."""
        if not self._exact and (
            # At a boundary, a read that does not start a multibulk is inline: go straight to
            # exact mode, so hiredis never errors and its reader is kept for the next read.
            (data and not self._chunk and data[0] != 42)  # 42 is "*"
            or _holds_big_aggregate(self._chunk, data)
        ):
            self._to_exact()
        if self._exact:
            self._buf += data
        else:
            self._reader.feed(data)
            self._chunk = self._chunk + data if self._chunk else data

    def next_request(self) -> list[bytes] | _NeedData:
        """Return the next complete request, or :data:`NEED_DATA`.

        :raises ProtocolError: the stream is malformed; the parser must not be used again.
        """
        error = self._error
        if error is not None:
            self._error = None
            raise error
        if self._dead:
            return NEED_DATA
        if not self._exact:
            try:
                request: object = self._reader.gets()
            except hiredis.ProtocolError:
                request = None
            if request is NEED_DATA:
                if self._at_boundary():
                    return NEED_DATA
            elif isinstance(request, list) and request:
                limit = self.max_bulk_len
                # hiredis knows no proto-max-bulk-len; only a chunk that big can hold such a bulk.
                oversize = len(self._chunk) > limit
                for arg in request:
                    if arg.__class__ is not bytes or (oversize and len(arg) > limit):
                        break
                else:
                    self._delivered += 1
                    self._last = request[-1]
                    return cast("list[bytes]", request)
            self._to_exact()
        return self._next_exact()

    def take(self) -> list[list[bytes]]:
        """Every complete request buffered now, in order (one call per read: the hot path).

        A malformed request after good ones is reported by the next call, so the good ones run
        first, as in Redis.

        :raises ProtocolError: the next thing in the stream is malformed.
        """
        error = self._error
        if error is not None:
            self._error = None
            raise error
        out: list[list[bytes]] = []
        if not self._exact:
            append = out.append
            gets = self._reader.gets
            limit = self.max_bulk_len
            # hiredis knows no proto-max-bulk-len; only a chunk that big can hold such a bulk.
            oversize = len(self._chunk) > limit
            request: object = None
            try:
                while True:
                    request = gets()
                    if request.__class__ is not list or not request:
                        break
                    for arg in request:
                        if arg.__class__ is not bytes or (oversize and len(arg) > limit):
                            break
                    else:
                        append(request)
                        continue
                    break
            except hiredis.ProtocolError:
                request = None
            if out:
                self._delivered += len(out)
                self._last = out[-1][-1]
            if request is NEED_DATA and self._at_boundary():
                self.more = False
                return out
            self._to_exact()
        try:
            while True:
                request = self._next_exact()
                if request is NEED_DATA:
                    break
                out.append(request)  # type: ignore[arg-type]
                if self.strict:
                    # Unauthenticated: parse the next request only after this one (AUTH) ran.
                    break
        except ProtocolError as exc:
            if not out:
                raise
            self._error = exc
        # Another call may yield more without new data: the error found, or (strict) the
        # request after the one returned.
        self.more = self._error is not None or (self.strict and bool(out))
        return out

    def _at_boundary(self) -> bool:
        """After hiredis ran dry: True if the chunk ended on a request boundary (forgetting it)."""
        chunk = self._chunk
        if not chunk:
            return True
        last = self._last
        if last is not None and chunk.endswith(b"$%d\r\n%s\r\n" % (len(last), last)):
            # The read ended where the last request did (see the module docstring).
            self._chunk = b""
            self._delivered = 0
            self._last = None
            return True
        return False

    @property
    def buffered(self) -> int:
        """Bytes received but not yet returned as requests (the ``qbuf`` of CLIENT LIST)."""
        if self._exact:
            return len(self._buf) - self._pos
        if not self._delivered:
            return len(self._chunk)
        # Rarely asked mid-chunk (a paused client): size what hiredis delivered by re-reading.
        scratch = RequestParser(self.max_bulk_len)
        scratch._exact = True
        scratch._buf = bytearray(self._chunk)
        for _ in range(self._delivered):
            scratch._next_exact()
        return len(scratch._buf) - scratch._pos

    def set_strict(self, strict: bool) -> None:
        """Apply or lift the unauthenticated limits (takes effect at the next request)."""
        self.strict = strict
        if strict and not self._exact:
            self._to_exact()

    # -- mode switching ------------------------------------------------------------------------
    def _to_exact(self) -> None:
        """Re-read the fast-mode chunk from its start, skipping what hiredis already returned."""
        skip, chunk = self._delivered, self._chunk
        self._exact = True
        self._buf = bytearray(chunk)
        self._pos = 0
        self._chunk = b""
        self._delivered = 0
        self._last = None
        if chunk:  # hiredis holds parser state; a reader fed nothing since a boundary is clean
            self._reader = hiredis.Reader(notEnoughData=NEED_DATA)
        for _ in range(skip):
            if self._next_exact() is NEED_DATA:  # pragma: no cover - hiredis and we disagree
                break

    def _to_fast(self) -> None:
        self._exact = False
        self._buf = bytearray()
        self._pos = 0

    # -- exact mode (cf. networking.c) ---------------------------------------------------------
    def _fail(self, detail: str) -> ProtocolError:
        self._dead = True
        return ProtocolError(detail)

    def _next_exact(self) -> list[bytes] | _NeedData:
        while True:
            buf, pos = self._buf, self._pos
            if pos >= len(buf):
                if self._mbulk_left == 0:
                    if pos:
                        self._buf = bytearray()
                        self._pos = 0
                    if not self.strict:
                        self._to_fast()
                return NEED_DATA
            if self._mbulk_left == 0 and buf[pos] != 42:  # '*'
                request = self._inline()
            else:
                request = self._multibulk()
            if request is NEED_DATA:
                if self._pos > 65536 and self._pos * 2 > len(self._buf):
                    del self._buf[: self._pos]
                    self._pos = 0
                return NEED_DATA
            if request:
                return request

    def _inline(self) -> list[bytes] | _NeedData:
        buf, pos = self._buf, self._pos
        newline = buf.find(b"\n", pos)
        if newline < 0:
            if len(buf) - pos > INLINE_MAX_SIZE:
                raise self._fail(errors.PROTO_BIG_INLINE)
            return NEED_DATA
        end = newline - 1 if newline > pos and buf[newline - 1] == 13 else newline
        args = split_args(bytes(buf[pos:end]))
        if args is None:
            raise self._fail(errors.PROTO_UNBALANCED)
        self._pos = newline + 1
        return args

    def _multibulk(self) -> list[bytes] | _NeedData:
        buf = self._buf
        if self._mbulk_left == 0:
            pos = self._pos
            newline = buf.find(b"\r", pos)
            if newline < 0:
                if len(buf) - pos > INLINE_MAX_SIZE:
                    raise self._fail(errors.PROTO_BIG_MBULK)
                return NEED_DATA
            if newline + 2 > len(buf):
                return NEED_DATA
            count = string2ll(bytes(buf[pos + 1 : newline]))
            if count is None or count > _INT_MAX:
                raise self._fail(errors.PROTO_INVALID_MBULK)
            if count > UNAUTH_MAX_MBULK and self.strict:
                raise self._fail(errors.PROTO_UNAUTH_MBULK)
            self._pos = newline + 2
            if count <= 0:
                return []
            self._mbulk_left = count
            self._args = []
        while self._mbulk_left:
            pos = self._pos
            if self._bulk_len < 0:
                newline = buf.find(b"\r", pos)
                if newline < 0:
                    if len(buf) - pos > INLINE_MAX_SIZE:
                        raise self._fail(errors.PROTO_BIG_BULK)
                    return NEED_DATA
                if newline + 2 > len(buf):
                    return NEED_DATA
                if buf[pos] != 36:  # '$'
                    got = (
                        chr(buf[pos])
                        if 32 <= buf[pos] < 127
                        else bytes((buf[pos],)).decode("latin-1")
                    )
                    raise self._fail(errors.PROTO_EXPECTED_DOLLAR.format(got))
                size = string2ll(bytes(buf[pos + 1 : newline]))
                if size is None or size < 0 or size > self.max_bulk_len:
                    raise self._fail(errors.PROTO_INVALID_BULK)
                if size > UNAUTH_MAX_BULK and self.strict:
                    raise self._fail(errors.PROTO_UNAUTH_BULK)
                self._pos = pos = newline + 2
                self._bulk_len = size
            if len(buf) - pos < self._bulk_len + 2:
                return NEED_DATA
            end = pos + self._bulk_len
            self._args.append(bytes(buf[pos:end]))
            self._pos = end + 2
            self._bulk_len = -1
            self._mbulk_left -= 1
        return self._args
