"""Unit tests for :mod:`pyredisd.core.request`: framing, inline commands, protocol errors."""

from __future__ import annotations

import contextlib
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core import errors
from pyredisd.core.errors import ProtocolError
from pyredisd.core.request import (
    INLINE_MAX_SIZE,
    NEED_DATA,
    UNAUTH_MAX_BULK,
    UNAUTH_MAX_MBULK,
    RequestParser,
    split_args,
    string2ll,
)


def multibulk(*args: bytes) -> bytes:
    """Encode ``args`` as a RESP multibulk request."""
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


def drain(parser: RequestParser) -> list[list[bytes]]:
    """Every complete request the parser holds, in order."""
    out: list[list[bytes]] = []
    while True:
        request = parser.next_request()
        if not isinstance(request, list):
            return out
        out.append(request)


def parse_chunks(chunks: list[bytes], **kwargs: int | bool) -> list[list[bytes]]:
    """Feed ``chunks`` one at a time, draining after each, and return all requests."""
    parser = RequestParser(**kwargs)  # type: ignore[arg-type]
    out: list[list[bytes]] = []
    for chunk in chunks:
        parser.feed(chunk)
        out.extend(drain(parser))
    return out


def split_every(data: bytes, size: int) -> list[bytes]:
    """``data`` cut into pieces of ``size`` bytes."""
    return [data[i : i + size] for i in range(0, len(data), size)]


PIPELINE: list[tuple[bytes, list[bytes]]] = [
    (multibulk(b"SET", b"key", b"value"), [b"SET", b"key", b"value"]),
    (b"PING\r\n", [b"PING"]),
    (multibulk(b"ECHO", b"with\r\ncrlf inside"), [b"ECHO", b"with\r\ncrlf inside"]),
    (b"SET \"a b\" 'c'\n", [b"SET", b"a b", b"c"]),
    (multibulk(b"GET", b""), [b"GET", b""]),
    (b"\r\n", []),  # an empty inline line is skipped
    (b"*0\r\n", []),
    (multibulk(b"DEL", b"k" * 300), [b"DEL", b"k" * 300]),
    (b"  ECHO   x  \r\n", [b"ECHO", b"x"]),
    (multibulk(b"PING"), [b"PING"]),
]
PIPELINE_BYTES = b"".join(data for data, _ in PIPELINE)
PIPELINE_REQUESTS = [request for _, request in PIPELINE if request]


class SplitArgsTests(SynchronousTestCase):
    """``split_args`` follows Redis's ``sdssplitargs``."""

    def test_inline_quoting_and_escapes(self) -> None:
        """Quotes group words, double quotes honour escapes, single quotes only ``\\'``."""
        cases: list[tuple[bytes, list[bytes] | None]] = [
            (b"", []),
            (b"   ", []),
            (b"SET k v", [b"SET", b"k", b"v"]),
            (b"\tSET \t k\tv ", [b"SET", b"k", b"v"]),
            (b'"\\x41\\x42"', [b"AB"]),
            (b'"\\x4g"', [b"x4g"]),
            (b'"\\x4"', [b"x4"]),
            (b'"a\\nb\\r\\t\\b\\a"', [b"a\nb\r\t\b\a"]),
            (b'"\\"q\\\\"', [b'"q\\']),
            (b'"\\z"', [b"z"]),
            (b"'a\\'b'", [b"a'b"]),
            (b"'a\\nb'", [b"a\\nb"]),
            (b"'a\"b'", [b'a"b']),
            (b'"" x', [b"", b"x"]),
            (b"'' ''", [b"", b""]),
            (b'a"b c"d', None),
            (b'a"b c" d', [b"ab c", b"d"]),
            (b"a\x0bb \x0cc\x0cd", [b"a\x0bb", b"c\x0cd"]),
            (b'"a"\x0bb', [b"a", b"b"]),
            (b"a\x00b c", [b"a\x00b", b"c"]),
            (b'"a"b', None),
            (b"'a'b", None),
            (b'"abc', None),
            (b"'abc", None),
            (b'"abc\\"', None),
        ]
        for line, expected in cases:
            with self.subTest(line=line):
                self.assertEqual(split_args(line), expected)

    def test_string2ll_is_canonical(self) -> None:
        """Only canonical signed 64-bit decimals parse."""
        cases: list[tuple[bytes, int | None]] = [
            (b"0", 0),
            (b"-1", -1),
            (b"9223372036854775807", (1 << 63) - 1),
            (b"-9223372036854775808", -(1 << 63)),
            (b"9223372036854775808", None),
            (b"-0", None),
            (b"01", None),
            (b"+1", None),
            (b" 1", None),
            (b"1 ", None),
            (b"", None),
            (b"1e3", None),
        ]
        for text, expected in cases:
            with self.subTest(text=text):
                self.assertEqual(string2ll(text), expected)


class RequestParserFramingTests(SynchronousTestCase):
    """Requests come out whole and in order however the stream is split."""

    def test_whole_pipeline_in_one_feed(self) -> None:
        """A pipeline of multibulk and inline requests in one read parses completely."""
        self.assertEqual(parse_chunks([PIPELINE_BYTES]), PIPELINE_REQUESTS)

    def test_one_byte_at_a_time(self) -> None:
        """Feeding one byte per read yields the same requests."""
        self.assertEqual(parse_chunks(split_every(PIPELINE_BYTES, 1)), PIPELINE_REQUESTS)

    def test_every_chunk_size(self) -> None:
        """Every fixed chunk size yields the same requests."""
        for size in range(1, len(PIPELINE_BYTES) + 1):
            with self.subTest(size=size):
                chunks = split_every(PIPELINE_BYTES, size)
                self.assertEqual(parse_chunks(chunks), PIPELINE_REQUESTS)

    def test_every_two_way_split(self) -> None:
        """Cutting the pipeline at any single offset yields the same requests."""
        for cut in range(len(PIPELINE_BYTES) + 1):
            with self.subTest(cut=cut):
                chunks = [PIPELINE_BYTES[:cut], PIPELINE_BYTES[cut:]]
                self.assertEqual(parse_chunks(chunks), PIPELINE_REQUESTS)

    def test_one_request_over_many_feeds_without_draining(self) -> None:
        """Bytes fed in several reads before asking for requests still parse."""
        parser = RequestParser()
        for chunk in split_every(PIPELINE_BYTES, 7):
            parser.feed(chunk)
        self.assertEqual(drain(parser), PIPELINE_REQUESTS)

    def test_partial_request_waits_for_data(self) -> None:
        """An incomplete request yields NEED_DATA until its last byte arrives."""
        parser = RequestParser()
        data = multibulk(b"SET", b"k", b"v")
        parser.feed(data[:-1])
        self.assertIs(parser.next_request(), NEED_DATA)
        parser.feed(data[-1:])
        self.assertEqual(parser.next_request(), [b"SET", b"k", b"v"])
        self.assertIs(parser.next_request(), NEED_DATA)

    def test_empty_and_negative_multibulk_are_skipped(self) -> None:
        """``*0``, ``*-1`` and ``*-5`` are skipped silently, in either mode."""
        for header in (b"*0\r\n", b"*-1\r\n", b"*-5\r\n"):
            for prefix in (b"", b"PING\r\n"):
                with self.subTest(header=header, prefix=prefix):
                    data = prefix + header + multibulk(b"ECHO", b"x")
                    expected = ([[b"PING"]] if prefix else []) + [[b"ECHO", b"x"]]
                    self.assertEqual(parse_chunks([data]), expected)

    def test_payload_terminator_is_not_checked(self) -> None:
        """Like Redis, the two bytes after a bulk payload are skipped unchecked."""
        self.assertEqual(parse_chunks([b"*1\r\n$3\r\nabcXYPING\r\n"]), [[b"abc"], [b"PING"]])

    def test_inline_line_ending(self) -> None:
        """An inline request may end with LF alone; a CR before it is dropped."""
        self.assertEqual(parse_chunks([b"ECHO a\nECHO b\r\n"]), [[b"ECHO", b"a"], [b"ECHO", b"b"]])

    def test_arguments_are_bytes(self) -> None:
        """Every argument comes out as ``bytes``, including binary payloads."""
        payload = bytes(range(256))
        (request,) = parse_chunks([multibulk(b"SET", b"k", payload)])
        self.assertEqual(request[2], payload)
        self.assertTrue(all(type(arg) is bytes for arg in request))

    @settings(max_examples=150, deadline=None, derandomize=True)
    @given(
        requests=st.lists(
            st.lists(st.binary(max_size=40), min_size=1, max_size=5), min_size=1, max_size=8
        ),
        inline=st.lists(st.booleans(), min_size=8, max_size=8),
        cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=10),
    )
    def test_random_pipelines_round_trip(
        self, requests: list[list[bytes]], inline: list[bool], cuts: list[int]
    ) -> None:
        """Random requests, encoded as RESP (or inline where safe) and split anywhere, parse
        back identically."""
        encoded = []
        for index, request in enumerate(requests):
            if inline[index] and all(arg.isalnum() for arg in request):
                encoded.append(b" ".join(request) + b"\r\n")
            else:
                encoded.append(multibulk(*request))
        data = b"".join(encoded)
        points = sorted({cut % (len(data) + 1) for cut in cuts} | {0, len(data)})
        chunks = [data[a:b] for a, b in itertools.pairwise(points)]
        self.assertEqual(parse_chunks(chunks), requests)


class RequestParserErrorTests(SynchronousTestCase):
    """Malformed streams raise :class:`ProtocolError` with Redis's messages."""

    def assert_protocol_error(
        self, chunks: list[bytes], detail: str, **kwargs: int | bool
    ) -> list[list[bytes]]:
        """Feed ``chunks`` and check the error; return the requests that came out before it."""
        parser = RequestParser(**kwargs)  # type: ignore[arg-type]
        out: list[list[bytes]] = []
        with self.assertRaises(ProtocolError) as caught:
            for chunk in chunks:
                parser.feed(chunk)
                while isinstance(request := parser.next_request(), list):
                    out.append(request)
        self.assertEqual(str(caught.exception), detail)
        self.assertEqual(caught.exception.message, "ERR Protocol error: " + detail)
        return out

    def test_each_protocol_error(self) -> None:
        """Each framing error has Redis's text, in fast mode and byte by byte."""
        big_count = b"1" * (INLINE_MAX_SIZE + 1)
        cases: list[tuple[bytes, str]] = [
            (b"*x\r\n", errors.PROTO_INVALID_MBULK),
            (b"*01\r\n", errors.PROTO_INVALID_MBULK),
            (b"*2147483648\r\n", errors.PROTO_INVALID_MBULK),
            (b"*99999999999999999999999\r\n", errors.PROTO_INVALID_MBULK),
            (b"*1\r\n$-1\r\n", errors.PROTO_INVALID_BULK),
            (b"*1\r\n$-5\r\n", errors.PROTO_INVALID_BULK),
            (b"*1\r\n$x\r\n", errors.PROTO_INVALID_BULK),
            (b"*1\r\n$536870913\r\n", errors.PROTO_INVALID_BULK),
            (b"*1\r\nx3\r\n", errors.PROTO_EXPECTED_DOLLAR.format("x")),
            (b"*1\r\n:1\r\n", errors.PROTO_EXPECTED_DOLLAR.format(":")),
            (b"*1\r\n*1\r\n$1\r\na\r\n", errors.PROTO_EXPECTED_DOLLAR.format("*")),
            (b"a" * (INLINE_MAX_SIZE + 1), errors.PROTO_BIG_INLINE),
            (b"*" + big_count, errors.PROTO_BIG_MBULK),
            (b"*1\r\n$" + big_count, errors.PROTO_BIG_BULK),
            (b'ECHO "abc\r\n', errors.PROTO_UNBALANCED),
            (b"ECHO 'a'b\r\n", errors.PROTO_UNBALANCED),
        ]
        for data, detail in cases:
            with self.subTest(data=data[:40], split="whole"):
                self.assert_protocol_error([data], detail)
            if len(data) < 100:
                with self.subTest(data=data, split="bytes"):
                    self.assert_protocol_error(split_every(data, 1), detail)

    def test_inline_up_to_limit_is_accepted(self) -> None:
        """An inline request of exactly the limit without a newline still waits for more."""
        parser = RequestParser()
        parser.feed(b"a" * INLINE_MAX_SIZE)
        self.assertIs(parser.next_request(), NEED_DATA)

    def test_bulk_length_over_limit_is_refused_before_data(self) -> None:
        """A bulk length above proto-max-bulk-len is refused as soon as its header arrives."""
        self.assert_protocol_error(
            [b"*1\r\n$1048577\r\n"], errors.PROTO_INVALID_BULK, max_bulk_len=1 << 20
        )

    def test_bulk_length_at_limit_waits_for_data(self) -> None:
        """A bulk length equal to proto-max-bulk-len is accepted and waits for its data."""
        parser = RequestParser(max_bulk_len=1 << 20)
        parser.feed(b"*1\r\n$1048576\r\n")
        self.assertIs(parser.next_request(), NEED_DATA)

    def test_oversized_bulk_in_one_read_is_refused(self) -> None:
        """A complete request in one read with a bulk over the limit is still refused."""
        big = b"x" * ((1 << 20) + 1)
        out = self.assert_protocol_error(
            [multibulk(b"PING") + multibulk(big)],
            errors.PROTO_INVALID_BULK,
            max_bulk_len=1 << 20,
        )
        self.assertEqual(out, [[b"PING"]])

    def test_valid_requests_before_error_come_out_first(self) -> None:
        """A malformed request after valid ones in the same read yields them, then the error."""
        data = (
            multibulk(b"SET", b"k", b"v") + b"PING\r\n" + multibulk(b"GET", b"k") + b"*1\r\n$x\r\n"
        )
        out = self.assert_protocol_error([data], errors.PROTO_INVALID_BULK)
        self.assertEqual(out, [[b"SET", b"k", b"v"], [b"PING"], [b"GET", b"k"]])

    def test_parser_is_dead_after_error(self) -> None:
        """After a ProtocolError the parser yields NEED_DATA forever, whatever is fed."""
        parser = RequestParser()
        parser.feed(b"*x\r\n")
        with self.assertRaises(ProtocolError):
            parser.next_request()
        for data in (b"", multibulk(b"PING"), b"PING\r\n"):
            parser.feed(data)
            self.assertIs(parser.next_request(), NEED_DATA)


class StrictModeTests(SynchronousTestCase):
    """Unauthenticated clients get Redis's tighter request limits."""

    def test_unauthenticated_limits(self) -> None:
        """More than 10 arguments or a bulk over 16384 bytes is refused in strict mode."""
        cases: list[tuple[bytes, str]] = [
            (b"*%d\r\n" % (UNAUTH_MAX_MBULK + 1), errors.PROTO_UNAUTH_MBULK),
            (b"*1\r\n$%d\r\n" % (UNAUTH_MAX_BULK + 1), errors.PROTO_UNAUTH_BULK),
        ]
        for data, detail in cases:
            with self.subTest(data=data):
                parser = RequestParser(strict=True)
                parser.feed(data)
                with self.assertRaises(ProtocolError) as caught:
                    parser.next_request()
                self.assertEqual(str(caught.exception), detail)

    def test_limits_themselves_are_allowed(self) -> None:
        """Exactly 10 arguments and a 16384-byte bulk pass in strict mode."""
        args = [b"ECHO"] + [b"a"] * (UNAUTH_MAX_MBULK - 2) + [b"b" * UNAUTH_MAX_BULK]
        self.assertEqual(parse_chunks([multibulk(*args)], strict=True), [args])

    def test_set_strict_false_lifts_limits(self) -> None:
        """After ``set_strict(False)`` large requests are accepted, and fast mode returns."""
        parser = RequestParser(strict=True)
        parser.feed(multibulk(b"AUTH", b"pw"))
        self.assertEqual(parser.next_request(), [b"AUTH", b"pw"])
        parser.set_strict(False)
        args = [b"MSET"] + [b"k"] * 20 + [b"v" * (UNAUTH_MAX_BULK + 1)]
        parser.feed(multibulk(*args))
        self.assertEqual(drain(parser), [args])
        self.assertFalse(parser._exact)

    def test_set_strict_true_applies_limits(self) -> None:
        """``set_strict(True)`` (RESET with requirepass) applies the limits to the next request."""
        parser = RequestParser()
        parser.feed(multibulk(b"RESET"))
        self.assertEqual(parser.next_request(), [b"RESET"])
        parser.set_strict(True)
        parser.feed(multibulk(*[b"a"] * 11))
        with self.assertRaises(ProtocolError):
            parser.next_request()


class ModeSwitchTests(SynchronousTestCase):
    """The fast (hiredis) and exact parsers hand the stream over only at request boundaries."""

    def test_fast_mode_after_inline_at_boundary(self) -> None:
        """After an inline command the parser returns to fast mode once its buffer is empty."""
        parser = RequestParser()
        parser.feed(b"PING\r\n")
        self.assertEqual(parser.next_request(), [b"PING"])
        self.assertTrue(parser._exact)
        self.assertIs(parser.next_request(), NEED_DATA)
        self.assertFalse(parser._exact)
        parser.feed(multibulk(b"GET", b"k"))
        self.assertEqual(parser.next_request(), [b"GET", b"k"])

    def test_partial_request_hands_over_to_exact_mode(self) -> None:
        """A read ending inside a request continues in exact mode, then returns to fast mode."""
        data = multibulk(b"PING") + multibulk(b"SET", b"k", b"v")
        parser = RequestParser()
        parser.feed(data[:-3])
        self.assertEqual(drain(parser), [[b"PING"]])
        self.assertTrue(parser._exact)
        parser.feed(data[-3:])
        self.assertEqual(drain(parser), [[b"SET", b"k", b"v"]])
        self.assertFalse(parser._exact)

    def test_huge_aggregate_header_bypasses_hiredis(self) -> None:
        """A read holding a huge aggregate count goes to exact mode, because hiredis would
        preallocate the list (seconds of CPU for ``*2147483647``)."""
        cases: list[list[bytes]] = [
            [b"*2147483647\r\n"],
            [multibulk(b"PING") + b"*1\r\n*2147483647\r\n"],
            [multibulk(b"PING") + b"*1\r\n>99999999\r\n"],
            [multibulk(b"PING") + b"*99999", b"999\r\n"],
        ]
        for chunks in cases:
            with self.subTest(chunks=chunks):
                parser = RequestParser()
                for chunk in chunks:
                    parser.feed(chunk)
                self.assertTrue(parser._exact)
                with contextlib.suppress(ProtocolError):
                    drain(parser)

    def test_lookalike_in_payload_still_parses(self) -> None:
        """A payload that looks like a huge header is parsed exactly, then fast mode resumes."""
        data = multibulk(b"SET", b"k", b"*12345678 ~12345678") + multibulk(b"GET", b"k")
        parser = RequestParser()
        parser.feed(data)
        self.assertEqual(drain(parser), [[b"SET", b"k", b"*12345678 ~12345678"], [b"GET", b"k"]])
        self.assertFalse(parser._exact)

    def test_strict_parser_stays_exact(self) -> None:
        """A strict parser never hands over to hiredis, even at a boundary."""
        parser = RequestParser(strict=True)
        parser.feed(multibulk(b"PING"))
        self.assertEqual(drain(parser), [[b"PING"]])
        self.assertTrue(parser._exact)


class BufferedTests(SynchronousTestCase):
    """``buffered`` counts bytes received but not yet returned (CLIENT LIST ``qbuf``)."""

    def test_buffered_counts_unparsed_bytes(self) -> None:
        """Partial input counts; returned requests do not, in either mode."""
        first, second = multibulk(b"PING"), multibulk(b"ECHO", b"hello")
        cases: list[tuple[str, bytes]] = [("fast", first), ("exact", b"PING\r\n")]
        for mode, head in cases:
            with self.subTest(mode=mode):
                parser = RequestParser()
                self.assertEqual(parser.buffered, 0)
                parser.feed(head + second)
                self.assertEqual(parser.buffered, len(head) + len(second))
                parser.next_request()
                self.assertEqual(parser.buffered, len(second))
                parser.next_request()
                self.assertEqual(parser.buffered, 0)
                self.assertIs(parser.next_request(), NEED_DATA)
                self.assertEqual(parser.buffered, 0)

    def test_buffered_counts_partial_inline(self) -> None:
        """An inline request without its newline is all buffered."""
        parser = RequestParser()
        parser.feed(b"ECHO abc")
        self.assertIs(parser.next_request(), NEED_DATA)
        self.assertEqual(parser.buffered, 8)

    def test_buffered_counts_partial_bulk(self) -> None:
        """Once a bulk header is consumed only the payload received so far is buffered."""
        parser = RequestParser()
        parser.feed(b"*1\r\n$4\r\nPI")
        self.assertIs(parser.next_request(), NEED_DATA)
        self.assertEqual(parser.buffered, 2)
