"""Core tests of the bitmap commands (the group is bound into the test server's table)."""

from __future__ import annotations

from pyredisd.core import errors
from pyredisd.core.replies import OK
from tests.core.test_commands import CommandTestCase, err


class BitmapTestCase(CommandTestCase):
    """A test server whose table also holds the bitmap group."""

    def setUp(self) -> None:
        super().setUp()
        self.client.db.set(b"h", {b"f": b"v"})


class SetbitGetbitTests(BitmapTestCase):
    """SETBIT and GETBIT."""

    def test_set_and_get(self) -> None:
        """SETBIT returns the old bit, grows the string with zeros and keeps the TTL."""
        self.check(
            [
                (("SETBIT", "b", "7", "1"), 0),
                (("SETBIT", "b", "7", "1"), 1),
                (("GET", "b"), b"\x01"),
                (("EXPIRE", "b", "10"), 1),
                (("SETBIT", "b", "17", "1"), 0),
                (("GET", "b"), b"\x01\x00\x40"),
                (("TTL", "b"), 10),
                (("SETBIT", "b", "7", "0"), 1),
                (("GETBIT", "b", "17"), 1),
                (("GETBIT", "b", "7"), 0),
                (("GETBIT", "b", "1000"), 0),
                (("GETBIT", "nokey", "0"), 0),
            ]
        )

    def test_errors(self) -> None:
        """Offsets and bit values are checked before the key's type."""
        self.check(
            [
                (("SETBIT", "b", "4294967296", "1"), err(errors.BIT_OFFSET)),
                (("SETBIT", "b", "-1", "1"), err(errors.BIT_OFFSET)),
                (("SETBIT", "b", "x", "1"), err(errors.BIT_OFFSET)),
                (("SETBIT", "b", "0", "2"), err(errors.BIT_VALUE)),
                (("SETBIT", "b", "0", "x"), err(errors.BIT_VALUE)),
                (("GETBIT", "b", "-1"), err(errors.BIT_OFFSET)),
                (("SETBIT", "h", "0", "1"), err(errors.WRONGTYPE)),
                (("GETBIT", "h", "0"), err(errors.WRONGTYPE)),
            ]
        )

    def test_offset_limit_follows_proto_max_bulk_len(self) -> None:
        """The largest offset is proto-max-bulk-len * 8 - 1."""
        self.call("CONFIG", "SET", "proto-max-bulk-len", "1mb")
        self.check(
            [
                (("SETBIT", "b", str(8 * 1024 * 1024), "1"), err(errors.BIT_OFFSET)),
                (("SETBIT", "b", str(8 * 1024 * 1024 - 1), "1"), 0),
                (("STRLEN", "b"), 1024 * 1024),
            ]
        )


class BitcountTests(BitmapTestCase):
    """BITCOUNT."""

    def test_ranges(self) -> None:
        """Byte and bit ranges with negative indexes, as Redis clamps them."""
        self.call("SET", "k", "foobar")
        self.check(
            [
                (("BITCOUNT", "k"), 26),
                (("BITCOUNT", "k", "0", "0"), 4),
                (("BITCOUNT", "k", "1", "1", "BYTE"), 6),
                (("BITCOUNT", "k", "5", "30", "BIT"), 17),
                (("BITCOUNT", "k", "-3", "-1", "bit"), 1),
                (("BITCOUNT", "k", "-1", "-3"), 0),
                (("BITCOUNT", "k", "-1000", "1000"), 26),
                (("BITCOUNT", "nokey"), 0),
                (("BITCOUNT", "nokey", "0", "1"), 0),
            ]
        )

    def test_errors(self) -> None:
        """Redis 7.4 checks the arguments even for a missing key."""
        self.check(
            [
                (("BITCOUNT", "nokey", "0"), err(errors.SYNTAX)),
                (("BITCOUNT", "nokey", "0", "1", "bogus"), err(errors.SYNTAX)),
                (("BITCOUNT", "nokey", "x", "1"), err(errors.NOT_INTEGER)),
                (("BITCOUNT", "nokey", "0", "1", "BIT", "x"), err(errors.SYNTAX)),
                (("BITCOUNT", "h"), err(errors.WRONGTYPE)),
            ]
        )


class BitposTests(BitmapTestCase):
    """BITPOS."""

    def test_positions(self) -> None:
        """First set or clear bit, with byte or bit ranges and the open-ended zero rule."""
        self.call("SET", "k", b"\xff\xf0\x00")
        self.call("SET", "ones", b"\xff\xff")
        self.check(
            [
                (("BITPOS", "k", "0"), 12),
                (("BITPOS", "k", "1"), 0),
                (("BITPOS", "k", "1", "2"), -1),
                (("BITPOS", "k", "0", "2", "-1"), 16),
                (("BITPOS", "k", "1", "7", "15", "BIT"), 7),
                (("BITPOS", "k", "0", "3", "8", "BIT"), -1),
                (("BITPOS", "k", "0", "-9", "-1", "BIT"), 15),
                (("BITPOS", "k", "1", "100"), -1),
                (("BITPOS", "ones", "0"), 16),
                (("BITPOS", "ones", "0", "0"), 16),
                (("BITPOS", "ones", "0", "0", "-1"), -1),
                (("BITPOS", "ones", "0", "3", "BIT"), err(errors.NOT_INTEGER)),
                (("BITPOS", "nokey", "0"), 0),
                (("BITPOS", "nokey", "1"), -1),
            ]
        )

    def test_errors(self) -> None:
        """The bit must be 0 or 1; bad ranges are errors even for a missing key."""
        self.check(
            [
                (("BITPOS", "k", "2"), err(errors.BIT_ARGUMENT)),
                (("BITPOS", "k", "x"), err(errors.NOT_INTEGER)),
                (("BITPOS", "nokey", "1", "x"), err(errors.NOT_INTEGER)),
                (("BITPOS", "nokey", "1", "0", "1", "bogus"), err(errors.SYNTAX)),
                (("BITPOS", "nokey", "1", "0", "1", "BIT", "x"), err(errors.SYNTAX)),
                (("BITPOS", "h", "1"), err(errors.WRONGTYPE)),
            ]
        )


class BitopTests(BitmapTestCase):
    """BITOP."""

    def test_operations(self) -> None:
        """Shorter inputs are zero-padded; an all-empty result deletes the target."""
        self.call("SET", "a", b"\x0f\xf0")
        self.call("SET", "b", b"\xff")
        self.check(
            [
                (("BITOP", "AND", "d", "a", "b"), 2),
                (("GET", "d"), b"\x0f\x00"),
                (("BITOP", "or", "d", "a", "b", "nokey"), 2),
                (("GET", "d"), b"\xff\xf0"),
                (("BITOP", "XOR", "d", "a", "b"), 2),
                (("GET", "d"), b"\xf0\xf0"),
                (("BITOP", "NOT", "d", "a"), 2),
                (("GET", "d"), b"\xf0\x0f"),
                (("EXPIRE", "d", "10"), 1),
                (("BITOP", "AND", "d", "a"), 2),
                (("TTL", "d"), -1),
                (("BITOP", "AND", "d", "nokey"), 0),
                (("EXISTS", "d"), 0),
            ]
        )

    def test_errors(self) -> None:
        """Unknown operations, NOT with several sources, and non-string sources."""
        self.check(
            [
                (("BITOP", "bogus", "d", "a"), err(errors.SYNTAX)),
                (("BITOP", "NOT", "d", "a", "b"), err(errors.BITOP_NOT_ARITY)),
                (("BITOP", "AND", "d", "h"), err(errors.WRONGTYPE)),
                (("BITOP", "AND", "d"), err(errors.wrong_arity("bitop"))),
            ]
        )


class BitfieldTests(BitmapTestCase):
    """BITFIELD and BITFIELD_RO."""

    def test_get_set_incrby(self) -> None:
        """SET returns the old value, INCRBY the new one, GET reads zero past the end."""
        self.check(
            [
                (("BITFIELD", "b", "SET", "i8", "0", "100", "GET", "i8", "0"), [0, 100]),
                (("BITFIELD", "b", "INCRBY", "i8", "0", "100"), [-56]),
                (("BITFIELD", "b", "SET", "u8", "#1", "255", "GET", "u16", "0"), [0, 0xC8FF]),
                (("BITFIELD", "b", "GET", "i16", "0"), [0xC8FF - 0x10000]),
                (("BITFIELD", "b", "GET", "u4", "100"), [0]),
                (
                    ("BITFIELD", "b", "SET", "i64", "8", "-1", "GET", "u63", "9"),
                    [-(2**56), 2**63 - 1],
                ),
                (("BITFIELD", "nokey", "GET", "u8", "0"), [0]),
                (("EXISTS", "nokey"), 0),
                (("BITFIELD", "b"), []),
            ]
        )

    def test_overflow_modes(self) -> None:
        """WRAP (the default), SAT and FAIL, for signed and unsigned fields."""
        self.check(
            [
                (("BITFIELD", "s", "SET", "i8", "0", "120"), [0]),
                (("BITFIELD", "s", "INCRBY", "i8", "0", "10"), [-126]),
                (("BITFIELD", "s", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "-10"), [-128]),
                (("BITFIELD", "s", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "-1"), [None]),
                (("BITFIELD", "s", "GET", "i8", "0"), [-128]),
                (("BITFIELD", "u", "OVERFLOW", "SAT", "SET", "u4", "0", "-1"), [0]),
                (("BITFIELD", "u", "GET", "u4", "0"), [15]),
                (("BITFIELD", "u", "OVERFLOW", "WRAP", "INCRBY", "u4", "0", "3"), [2]),
                (("BITFIELD", "u", "OVERFLOW", "SAT", "INCRBY", "u4", "0", "-100"), [0]),
                (("BITFIELD", "w", "INCRBY", "i64", "0", "9223372036854775807"), [2**63 - 1]),
                (("BITFIELD", "w", "INCRBY", "i64", "0", "1"), [-(2**63)]),
            ]
        )

    def test_fail_still_grows_the_string(self) -> None:
        """The string is grown before the operations run, as Redis does, even if all FAIL."""
        self.check(
            [
                (("BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u2", "100", "10"), [None]),
                (("STRLEN", "f"), 13),
            ]
        )

    def test_errors(self) -> None:
        """Types, offsets, values, overflow names and BITFIELD_RO's GET-only rule."""
        bad_type = err(errors.BITFIELD_TYPE)
        self.check(
            [
                (("BITFIELD", "b", "GET", "i65", "0"), bad_type),
                (("BITFIELD", "b", "GET", "u64", "0"), bad_type),
                (("BITFIELD", "b", "GET", "I8", "0"), bad_type),
                (("BITFIELD", "b", "GET", "i0", "0"), bad_type),
                (("BITFIELD", "b", "GET", "i8", "-1"), err(errors.BIT_OFFSET)),
                (("BITFIELD", "b", "GET", "i8", "#-1"), err(errors.BIT_OFFSET)),
                (("BITFIELD", "b", "SET", "i8", "0", "x"), err(errors.NOT_INTEGER)),
                (("BITFIELD", "b", "GET", "i8"), err(errors.SYNTAX)),
                (("BITFIELD", "b", "OVERFLOW", "bogus"), err(errors.BITFIELD_OVERFLOW)),
                (("BITFIELD", "b", "bogus"), err(errors.SYNTAX)),
                (("BITFIELD", "h", "GET", "u8", "0"), err(errors.WRONGTYPE)),
                (("BITFIELD_RO", "b", "SET", "u8", "0", "1"), err(errors.BITFIELD_RO_GET_ONLY)),
                (("SET", "b", "A"), OK),
                (("BITFIELD_RO", "b", "GET", "u8", "0", "GET", "u4", "#1"), [65, 1]),
            ]
        )
