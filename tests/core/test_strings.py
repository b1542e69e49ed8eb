"""Core tests of the string commands beyond GET/SET/INCR, and of the long double arithmetic."""

from __future__ import annotations

from fractions import Fraction

from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core import errors, longdouble
from pyredisd.core.replies import OK, Map
from pyredisd.core.resp import encode
from tests.core.test_commands import START, CommandTestCase, err

START_MS = int(START * 1000)


class GetexTests(CommandTestCase):
    """GETEX."""

    def test_options(self) -> None:
        """Each option sets or clears the deadline and returns the value."""
        self.call("SET", "k", "v")
        self.check(
            [
                (("GETEX", "nokey"), None),
                (("GETEX", "k"), b"v"),
                (("PTTL", "k"), -1),
                (("GETEX", "k", "EX", "10"), b"v"),
                (("PTTL", "k"), 10000),
                (("GETEX", "k", "PX", "500"), b"v"),
                (("PTTL", "k"), 500),
                (("GETEX", "k", "EXAT", "2000000000"), b"v"),
                (("PEXPIRETIME", "k"), 2_000_000_000_000),
                (("GETEX", "k", "PXAT", "2000000000001"), b"v"),
                (("PEXPIRETIME", "k"), 2_000_000_000_001),
                (("GETEX", "k", "EX", "1", "EX", "2"), b"v"),
                (("PTTL", "k"), 2000),
                (("GETEX", "k", "PERSIST"), b"v"),
                (("PTTL", "k"), -1),
                (("GETEX", "k", "PXAT", "1"), b"v"),
                (("EXISTS", "k"), 0),
            ]
        )

    def test_errors(self) -> None:
        """Syntax errors come first, a missing key next, then the expire value."""
        self.call("SET", "k", "v")
        self.client.db.set(b"h", {b"f": b"v"})
        self.check(
            [
                (("GETEX", "k", "bogus"), err(errors.SYNTAX)),
                (("GETEX", "k", "EX"), err(errors.SYNTAX)),
                (("GETEX", "k", "PERSIST", "EX", "1"), err(errors.SYNTAX)),
                (("GETEX", "k", "EX", "1", "PX", "1"), err(errors.SYNTAX)),
                (("GETEX", "k", "KEEPTTL"), err(errors.SYNTAX)),
                (("GETEX", "k", "EX", "0"), err(errors.INVALID_EXPIRE.format("getex"))),
                (("GETEX", "k", "EX", "x"), err(errors.NOT_INTEGER)),
                (("GETEX", "nokey", "EX", "0"), None),
                (("GETEX", "h"), err(errors.WRONGTYPE)),
            ]
        )


class GetdelGetsetMultiTests(CommandTestCase):
    """GETDEL GETSET MGET MSET MSETNX SETNX."""

    def test_getdel_getset(self) -> None:
        """GETDEL returns and removes; GETSET returns the old value and drops the TTL."""
        self.call("SET", "k", "v", "EX", "10")
        self.check(
            [
                (("GETSET", "k", "w"), b"v"),
                (("TTL", "k"), -1),
                (("GETDEL", "k"), b"w"),
                (("GETDEL", "k"), None),
                (("GETSET", "k", "x"), None),
                (("GET", "k"), b"x"),
            ]
        )

    def test_wrong_type(self) -> None:
        """Write-path string commands refuse other types; MGET replies null for them."""
        self.client.db.set(b"h", {b"f": b"v"})
        self.check(
            [
                (("GETDEL", "h"), err(errors.WRONGTYPE)),
                (("GETSET", "h", "v"), err(errors.WRONGTYPE)),
                (("APPEND", "h", "v"), err(errors.WRONGTYPE)),
                (("STRLEN", "h"), err(errors.WRONGTYPE)),
                (("GETRANGE", "h", "0", "1"), err(errors.WRONGTYPE)),
                (("SETRANGE", "h", "0", "v"), err(errors.WRONGTYPE)),
                (("INCRBYFLOAT", "h", "1"), err(errors.WRONGTYPE)),
                (("DECRBY", "h", "1"), err(errors.WRONGTYPE)),
                (("MGET", "h", "nokey"), [None, None]),
            ]
        )

    def test_mset_msetnx_setnx(self) -> None:
        """MSET sets all and drops TTLs; MSETNX and SETNX set only when no key exists."""
        self.call("SET", "a", "old", "EX", "10")
        self.check(
            [
                (("MSET", "a", "1", "b", "2"), OK),
                (("TTL", "a"), -1),
                (("MSET", "a", "1", "b"), err(errors.wrong_arity("mset"))),
                (("MSETNX", "a", "9", "c", "3"), 0),
                (("MSETNX", "c", "3", "d", "4"), 1),
                (("MSETNX", "c", "3", "d"), err(errors.wrong_arity("msetnx"))),
                (("MGET", "a", "b", "c", "d", "e"), [b"1", b"2", b"3", b"4", None]),
                (("SETNX", "e", "5"), 1),
                (("SETNX", "e", "6"), 0),
                (("GET", "e"), b"5"),
            ]
        )


class SetexTests(CommandTestCase):
    """SETEX and PSETEX."""

    def test_setex_psetex(self) -> None:
        """Both set value and deadline; bad expiries name the command."""
        self.check(
            [
                (("SETEX", "k", "10", "v"), OK),
                (("PTTL", "k"), 10000),
                (("PSETEX", "k", "1500", "w"), OK),
                (("PTTL", "k"), 1500),
                (("GET", "k"), b"w"),
                (("SETEX", "k", "0", "v"), err(errors.INVALID_EXPIRE.format("setex"))),
                (("PSETEX", "k", "-1", "v"), err(errors.INVALID_EXPIRE.format("psetex"))),
                (("SETEX", "k", "x", "v"), err(errors.NOT_INTEGER)),
                (
                    ("SETEX", "k", "9223372036854775807", "v"),
                    err(errors.INVALID_EXPIRE.format("setex")),
                ),
            ]
        )


class AppendRangeTests(CommandTestCase):
    """APPEND STRLEN GETRANGE SUBSTR SETRANGE."""

    def test_append_strlen(self) -> None:
        """APPEND creates or extends, keeping the TTL; STRLEN is 0 for a missing key."""
        self.check(
            [
                (("APPEND", "k", "abc"), 3),
                (("EXPIRE", "k", "10"), 1),
                (("APPEND", "k", "def"), 6),
                (("TTL", "k"), 10),
                (("STRLEN", "k"), 6),
                (("STRLEN", "nokey"), 0),
            ]
        )

    def test_length_limit(self) -> None:
        """APPEND and SETRANGE refuse results over proto-max-bulk-len."""
        self.call("CONFIG", "SET", "proto-max-bulk-len", "1mb")
        self.call("SET", "k", "x" * 1000)
        self.check(
            [
                (("SETRANGE", "k", str(1024 * 1024 - 1), "ab"), err(errors.STRING_TOO_LONG)),
                (("SETRANGE", "k", str(1024 * 1024 - 2), "ab"), 1024 * 1024),
                (("APPEND", "k", "y"), err(errors.STRING_TOO_LONG)),
            ]
        )

    def test_getrange(self) -> None:
        """Negative indexes count from the end; out-of-range parts are clipped."""
        self.call("SET", "k", "Hello World")
        self.call("SET", "e", "")
        self.check(
            [
                (("GETRANGE", "k", "0", "4"), b"Hello"),
                (("GETRANGE", "k", "-5", "-1"), b"World"),
                (("GETRANGE", "k", "-1", "-5"), b""),
                (("GETRANGE", "k", "5", "3"), b""),
                (("GETRANGE", "k", "0", "1000"), b"Hello World"),
                (("GETRANGE", "k", "-1000", "1"), b"He"),
                (("GETRANGE", "k", "100", "200"), b""),
                (("GETRANGE", "k", "x", "1"), err(errors.NOT_INTEGER)),
                (("GETRANGE", "nokey", "0", "-1"), b""),
                (("GETRANGE", "e", "0", "-1"), b""),
                (("SUBSTR", "k", "6", "-1"), b"World"),
            ]
        )

    def test_setrange(self) -> None:
        """SETRANGE pads with zero bytes, keeps the TTL and never creates an empty key."""
        self.check(
            [
                (("SETRANGE", "k", "3", "x"), 4),
                (("GET", "k"), b"\0\0\0x"),
                (("EXPIRE", "k", "10"), 1),
                (("SETRANGE", "k", "0", "ab"), 4),
                (("GET", "k"), b"ab\0x"),
                (("TTL", "k"), 10),
                (("SETRANGE", "k", "1", ""), 4),
                (("SETRANGE", "nokey", "0", ""), 0),
                (("EXISTS", "nokey"), 0),
                (("SETRANGE", "k", "-1", "x"), err(errors.OFFSET_OUT_OF_RANGE)),
                (("SETRANGE", "k", "x", "x"), err(errors.NOT_INTEGER)),
                (("SETRANGE", "k", "536870912", "x"), err(errors.STRING_TOO_LONG)),
            ]
        )


class CounterTests(CommandTestCase):
    """INCRBY DECR DECRBY INCRBYFLOAT."""

    def test_integer_counters(self) -> None:
        """The integer family shares INCR's parsing, overflow checks and TTL keeping."""
        self.check(
            [
                (("INCRBY", "k", "5"), 5),
                (("DECR", "k"), 4),
                (("DECRBY", "k", "10"), -6),
                (("DECRBY", "k", "-9223372036854775808"), err(errors.DECREMENT_OVERFLOW)),
                (("DECRBY", "k", "x"), err(errors.NOT_INTEGER)),
                (("SET", "k", "-9223372036854775808"), OK),
                (("DECR", "k"), err(errors.OVERFLOW)),
                (("SET", "k", "1.5"), OK),
                (("INCRBY", "k", "1"), err(errors.NOT_INTEGER)),
            ]
        )

    def test_incrbyfloat(self) -> None:
        """Long double sums printed as Redis prints them (``%.17Lf``, trimmed)."""
        self.check(
            [
                (("INCRBYFLOAT", "f", "0.1"), b"0.1"),
                (("INCRBYFLOAT", "f", "0.1"), b"0.2"),
                (("INCRBYFLOAT", "f", "0.1"), b"0.3"),
                (("SET", "f", "10"), OK),
                (("INCRBYFLOAT", "f", "0.5"), b"10.5"),
                (("SET", "f", "3.0000000000000004"), OK),
                (("INCRBYFLOAT", "f", "0"), b"3.0000000000000004"),
                (("SET", "f", "5.0e3"), OK),
                (("INCRBYFLOAT", "f", "2.0e2"), b"5200"),
                (("SET", "f", "0x10"), OK),
                (("INCRBYFLOAT", "f", "1.5e-10"), b"16.00000000015"),
                (("SET", "f", "-0.000000000000000001"), OK),
                (("INCRBYFLOAT", "f", "0"), b"0"),
                (("EXPIRE", "f", "10"), 1),
                (("INCRBYFLOAT", "f", "1"), b"1"),
                (("TTL", "f"), 10),
            ]
        )

    def test_incrbyfloat_errors(self) -> None:
        """Unparsable numbers and infinite results are refused."""
        self.call("SET", "f", "1")
        self.call("SET", "bad", "abc")
        self.call("SET", "nul", b"1\x000")
        self.check(
            [
                (("INCRBYFLOAT", "f", "inf"), err(errors.INCR_NAN_OR_INFINITY)),
                (("INCRBYFLOAT", "f", "1.2e4932"), err(errors.NOT_FLOAT)),
                (("INCRBYFLOAT", "f", "1e-5000"), err(errors.NOT_FLOAT)),
                (("INCRBYFLOAT", "f", "nan"), err(errors.NOT_FLOAT)),
                (("INCRBYFLOAT", "f", " 1"), err(errors.NOT_FLOAT)),
                (("INCRBYFLOAT", "f", "1 "), err(errors.NOT_FLOAT)),
                (("INCRBYFLOAT", "f", "1e"), err(errors.NOT_FLOAT)),
                (("INCRBYFLOAT", "f", ""), err(errors.NOT_FLOAT)),
                (("INCRBYFLOAT", "bad", "1"), err(errors.NOT_FLOAT)),
                (("INCRBYFLOAT", "nul", "1"), err(errors.NOT_FLOAT)),
                (("SET", "big", "1e4932"), OK),
                (("INCRBYFLOAT", "big", "1e4932"), err(errors.INCR_NAN_OR_INFINITY)),
                (("GET", "f"), b"1"),
            ]
        )


class LongDoubleTests(SynchronousTestCase):
    """:mod:`pyredisd.core.longdouble` rounds like the x87 format."""

    def test_parse_rounds_to_64_bits(self) -> None:
        """0.1 becomes the nearest value with a 64-bit significand, not the double."""
        value = longdouble.parse(b"0.1")
        assert isinstance(value, Fraction)
        self.assertNotEqual(value, Fraction(0.1))
        self.assertLess(abs(value - Fraction(1, 10)), Fraction(1, 10) / 2**64)

    def test_parse_forms(self) -> None:
        """strtold's forms: sign, exponent, hex, bare dot; infinities are floats."""
        self.assertEqual(longdouble.parse(b"+1."), 1)
        self.assertEqual(longdouble.parse(b".5"), Fraction(1, 2))
        self.assertEqual(longdouble.parse(b"0x1p-2"), Fraction(1, 4))
        self.assertEqual(longdouble.parse(b"-Infinity"), float("-inf"))
        self.assertIsNone(longdouble.parse(b"0x"))
        self.assertIsNone(longdouble.parse(b"."))
        self.assertIsNone(longdouble.parse(b"1_000"))

    def test_format(self) -> None:
        """Seventeen decimals, trailing zeros trimmed."""
        self.assertEqual(longdouble.format_human(Fraction(21, 2)), b"10.5")
        self.assertEqual(longdouble.format_human(Fraction(-3)), b"-3")
        self.assertEqual(longdouble.format_human(Fraction(1, 10**18)), b"0")


class LcsTests(CommandTestCase):
    """LCS."""

    def test_string_len_idx(self) -> None:
        """The LCS itself, its length, and the matching ranges (RESP2 flat, RESP3 map)."""
        self.call("MSET", "a", "ohmytext", "b", "mynewtext")
        self.check(
            [
                (("LCS", "a", "b"), b"mytext"),
                (("LCS", "a", "b", "LEN"), 6),
                (("LCS", "a", "nokey"), b""),
            ]
        )
        reply = self.call("LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN")
        assert isinstance(reply, Map)
        self.assertEqual(reply.items, [(b"matches", [[[4, 7], [5, 8], 4]]), (b"len", 6)])
        full = self.call("LCS", "a", "b", "IDX")
        self.assertEqual(
            encode(full, 3),
            b"%2\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
            b"*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n",
        )
        self.assertTrue(encode(full, 2).startswith(b"*4\r\n$7\r\nmatches\r\n"))

    def test_errors(self) -> None:
        """Wrong types first, then options."""
        self.call("MSET", "a", "x", "b", "y")
        self.client.db.set(b"h", {b"f": b"v"})
        self.check(
            [
                (("LCS", "a", "h"), err(errors.LCS_NOT_STRINGS)),
                (("LCS", "h", "a", "bogus"), err(errors.LCS_NOT_STRINGS)),
                (("LCS", "a", "b", "LEN", "IDX"), err(errors.LCS_IDX_AND_LEN)),
                (("LCS", "a", "b", "MINMATCHLEN", "x"), err(errors.NOT_INTEGER)),
                (("LCS", "a", "b", "MINMATCHLEN"), err(errors.SYNTAX)),
                (("LCS", "a", "b", "bogus"), err(errors.SYNTAX)),
            ]
        )
