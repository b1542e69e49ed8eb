"""Unit tests for :mod:`pyredisd.core.resp`: every reply type, in RESP2 and RESP3, exact bytes."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core.replies import (
    NO_REPLY,
    NULL_ARRAY,
    OK,
    Double,
    ErrorReply,
    Map,
    Push,
    Raw,
    Reply,
    SetReply,
    Status,
    Verbatim,
)
from pyredisd.core.resp import RESP2, RESP3, encode, encode_error, format_double


class EncoderTests(SynchronousTestCase):
    """Each reply value encodes to Redis's exact bytes for each protocol version."""

    def assert_encodes(self, cases: list[tuple[Reply, bytes, bytes]]) -> None:
        """Check ``(reply, resp2, resp3)`` rows."""
        for reply, resp2, resp3 in cases:
            with self.subTest(reply=reply, version=2):
                self.assertEqual(encode(reply, 2), resp2)
            with self.subTest(reply=reply, version=3):
                self.assertEqual(encode(reply, 3), resp3)

    def test_bulk_strings(self) -> None:
        """Bytes (and bytearray) are bulk strings in both protocols."""
        self.assert_encodes(
            [
                (b"", b"$0\r\n\r\n", b"$0\r\n\r\n"),
                (b"abc", b"$3\r\nabc\r\n", b"$3\r\nabc\r\n"),
                (b"a\r\nb", b"$4\r\na\r\nb\r\n", b"$4\r\na\r\nb\r\n"),
                (bytearray(b"xy"), b"$2\r\nxy\r\n", b"$2\r\nxy\r\n"),  # type: ignore[list-item]
            ]
        )

    def test_integers_including_cache_edges(self) -> None:
        """Integers encode the same inside and outside the small-integer cache."""
        cases: list[tuple[Reply, bytes, bytes]] = []
        for value in (-2, -1, 0, 1, 1022, 1023, 1024, 1 << 62, -(1 << 63), (1 << 63) - 1):
            data = b":%d\r\n" % value
            cases.append((value, data, data))
        self.assert_encodes(cases)

    def test_booleans(self) -> None:
        """Booleans are ``#t``/``#f`` in RESP3 and ``:1``/``:0`` in RESP2."""
        self.assert_encodes([(True, b":1\r\n", b"#t\r\n"), (False, b":0\r\n", b"#f\r\n")])

    def test_nulls(self) -> None:
        """None is a null bulk string and NULL_ARRAY a null array; both are ``_`` in RESP3."""
        self.assert_encodes([(None, b"$-1\r\n", b"_\r\n"), (NULL_ARRAY, b"*-1\r\n", b"_\r\n")])

    def test_arrays_nest(self) -> None:
        """Lists and tuples are arrays and may nest any reply."""
        self.assert_encodes(
            [
                ([], b"*0\r\n", b"*0\r\n"),
                ((b"a", 1), b"*2\r\n$1\r\na\r\n:1\r\n", b"*2\r\n$1\r\na\r\n:1\r\n"),
                (
                    [b"a", [1, None, [True]], OK],
                    b"*3\r\n$1\r\na\r\n*3\r\n:1\r\n$-1\r\n*1\r\n:1\r\n+OK\r\n",
                    b"*3\r\n$1\r\na\r\n*3\r\n:1\r\n_\r\n*1\r\n#t\r\n+OK\r\n",
                ),
            ]
        )

    def test_status(self) -> None:
        """A Status is a simple string with CR and LF replaced by spaces."""
        self.assert_encodes(
            [
                (Status("OK"), b"+OK\r\n", b"+OK\r\n"),
                (Status("a\r\nb"), b"+a  b\r\n", b"+a  b\r\n"),
                (Status(""), b"+\r\n", b"+\r\n"),
            ]
        )

    def test_errors_are_scrubbed(self) -> None:
        """An error reply has CR and LF replaced by spaces so it cannot break framing."""
        self.assert_encodes(
            [
                (ErrorReply("ERR bad"), b"-ERR bad\r\n", b"-ERR bad\r\n"),
                (ErrorReply("ERR a\r\nb\nc\r"), b"-ERR a  b c \r\n", b"-ERR a  b c \r\n"),
            ]
        )
        self.assertEqual(encode_error("ERR x\ny"), b"-ERR x y\r\n")

    def test_maps(self) -> None:
        """A Map is ``%`` in RESP3 and a flat key/value array in RESP2."""
        self.assert_encodes(
            [
                (Map([]), b"*0\r\n", b"%0\r\n"),
                (
                    Map([(b"k", 1), (b"n", Map([(b"x", None)]))]),
                    b"*4\r\n$1\r\nk\r\n:1\r\n$1\r\nn\r\n*2\r\n$1\r\nx\r\n$-1\r\n",
                    b"%2\r\n$1\r\nk\r\n:1\r\n$1\r\nn\r\n%1\r\n$1\r\nx\r\n_\r\n",
                ),
            ]
        )

    def test_sets(self) -> None:
        """A SetReply is ``~`` in RESP3 and an array in RESP2."""
        self.assert_encodes(
            [
                (SetReply([]), b"*0\r\n", b"~0\r\n"),
                (SetReply([b"a", 2]), b"*2\r\n$1\r\na\r\n:2\r\n", b"~2\r\n$1\r\na\r\n:2\r\n"),
            ]
        )

    def test_doubles(self) -> None:
        """A Double is ``,`` in RESP3 and a bulk string in RESP2, integral values without a
        fraction."""
        cases: list[tuple[Reply, bytes]] = [
            (Double(1.5), b"1.5"),
            (Double(3.0), b"3"),
            (Double(-2.0), b"-2"),
            (Double(0.0), b"0"),
            (Double(0.1), b"0.1"),
            (Double(-0.25), b"-0.25"),
            (Double(float("inf")), b"inf"),
            (Double(float("-inf")), b"-inf"),
            (Double(1e20), b"1e+20"),
            (2.5, b"2.5"),
        ]
        self.assert_encodes(
            [
                (reply, b"$%d\r\n%s\r\n" % (len(text), text), b",%s\r\n" % text)
                for reply, text in cases
            ]
        )

    def test_format_double(self) -> None:
        """``format_double`` follows Redis 7.2+ ``d2string``: integers up to 2**62 print as
        integers, other values as ``fpconv_dtoa`` lays out the shortest round-trip digits."""
        cases = [
            (1.0, b"1"),
            (-0.0, b"-0"),
            (1e8, b"100000000"),
            (1e16, b"10000000000000000"),
            (1e17, b"100000000000000000"),
            (2.0**62, b"4611686018427387904"),
            (1.2345678901234567e19, b"12345678901234567000"),
            (1e20, b"1e+20"),
            (1e300, b"1e+300"),
            (123.45, b"123.45"),
            (3.3, b"3.3"),
            (0.0001, b"0.0001"),
            (1e-5, b"0.00001"),
            (0.000123, b"0.000123"),
            (1e-7, b"1e-7"),
            (-1.5e-7, b"-1.5e-7"),
            (5e-324, b"5e-324"),
            (1.7976931348623157e308, b"1.7976931348623157e+308"),
            (float("nan"), b"nan"),
        ]
        for value, text in cases:
            with self.subTest(value=value):
                self.assertEqual(format_double(value), text)

    def test_verbatim(self) -> None:
        """A Verbatim string is ``=`` with its format in RESP3 and a bulk string in RESP2."""
        self.assert_encodes(
            [
                (Verbatim(b"hello"), b"$5\r\nhello\r\n", b"=9\r\ntxt:hello\r\n"),
                (Verbatim(b"# x", "mkd"), b"$3\r\n# x\r\n", b"=7\r\nmkd:# x\r\n"),
            ]
        )

    def test_push(self) -> None:
        """A Push is ``>`` in RESP3 and an array in RESP2."""
        self.assert_encodes(
            [
                (
                    Push([b"message", b"ch", b"hi"]),
                    b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
                    b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
                ),
            ]
        )

    def test_no_reply_and_raw(self) -> None:
        """NoReply sends nothing and Raw sends its bytes unchanged."""
        self.assert_encodes(
            [(NO_REPLY, b"", b""), (Raw(b"+QUEUED\r\n"), b"+QUEUED\r\n", b"+QUEUED\r\n")]
        )

    def test_shared_encoders(self) -> None:
        """The module-level encoders carry their version and null encodings."""
        self.assertEqual((RESP2.version, RESP2.null, RESP2.null_array), (2, b"$-1\r\n", b"*-1\r\n"))
        self.assertEqual((RESP3.version, RESP3.null, RESP3.null_array), (3, b"_\r\n", b"_\r\n"))
