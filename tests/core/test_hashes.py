"""Core tests of the hash commands (:mod:`pyredisd.core.commands.hashes`): ``Server.execute``
with a fake client on a ``task.Clock``, no sockets."""

from __future__ import annotations

from fractions import Fraction

from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core import errors
from pyredisd.core.longdouble import format_human as format_long_double
from pyredisd.core.longdouble import parse as parse_long_double
from pyredisd.core.longdouble import round_to_long_double as round_long_double
from pyredisd.core.replies import OK, Map
from pyredisd.core.scan import scan_batch
from tests.core.test_lists import NOT_INTEGER, SYNTAX, WRONGTYPE, FamilyTestCase, err

_LONG_MAX = 2**63 - 1


class SetGetTests(FamilyTestCase):
    """HSET HMSET HSETNX HGET HMGET HDEL HLEN HSTRLEN HEXISTS."""

    def test_hset_counts_new_fields(self) -> None:
        """HSET replies with the number of fields created; repeats and updates do not count."""
        self.check(
            [
                (("HSET", "h", "a", "1", "b", "2", "a", "3"), 2),
                (("HSET", "h", "a", "4", "c", "5"), 1),
                (("HGET", "h", "a"), b"4"),
                (("HMSET", "h", "d", "6"), OK),
                (("HLEN", "h"), 4),
            ]
        )
        self.assertIsInstance(self.stored(b"h"), dict)

    def test_hset_pairs_arity(self) -> None:
        """An odd number of field/value arguments is an arity error naming the command."""
        self.check(
            [
                (("HSET", "h", "a"), err(errors.wrong_arity("hset"))),
                (("HSET", "h", "a", "1", "b"), err(errors.wrong_arity("hset"))),
                (("HMSET", "h", "a", "1", "b"), err(errors.wrong_arity("hmset"))),
                (("EXISTS", "h"), 0),
            ]
        )

    def test_hsetnx(self) -> None:
        """Sets only a missing field."""
        self.check(
            [
                (("HSETNX", "h", "a", "1"), 1),
                (("HSETNX", "h", "a", "2"), 0),
                (("HGET", "h", "a"), b"1"),
            ]
        )

    def test_reads(self) -> None:
        """Missing keys read as empty hashes."""
        self.call("HSET", "h", "a", "hello", "b", "")
        self.check(
            [
                (("HGET", "h", "zz"), None),
                (("HGET", "missing", "a"), None),
                (("HMGET", "h", "a", "zz", "b"), [b"hello", None, b""]),
                (("HMGET", "missing", "a", "b"), [None, None]),
                (("HLEN", "missing"), 0),
                (("HSTRLEN", "h", "a"), 5),
                (("HSTRLEN", "h", "zz"), 0),
                (("HSTRLEN", "missing", "a"), 0),
                (("HEXISTS", "h", "b"), 1),
                (("HEXISTS", "h", "zz"), 0),
                (("HEXISTS", "missing", "a"), 0),
            ]
        )

    def test_hdel_deletes_the_emptied_hash(self) -> None:
        """HDEL counts removed fields (repeats once) and deletes the hash when it empties."""
        self.call("HSET", "h", "a", "1", "b", "2", "c", "3")
        self.check(
            [
                (("HDEL", "h", "a", "zz", "a"), 1),
                (("HDEL", "missing", "a"), 0),
                (("HDEL", "h", "b", "c", "d"), 2),
                (("EXISTS", "h"), 0),
            ]
        )

    def test_wrong_type(self) -> None:
        """Every hash command refuses a string key."""
        self.call("SET", "s", "v")
        for argv in (
            ("HSET", "s", "a", "1"),
            ("HMSET", "s", "a", "1"),
            ("HSETNX", "s", "a", "1"),
            ("HGET", "s", "a"),
            ("HMGET", "s", "a"),
            ("HDEL", "s", "a"),
            ("HLEN", "s"),
            ("HSTRLEN", "s", "a"),
            ("HEXISTS", "s", "a"),
            ("HKEYS", "s"),
            ("HVALS", "s"),
            ("HGETALL", "s"),
            ("HINCRBY", "s", "a", 1),
            ("HINCRBYFLOAT", "s", "a", 1),
            ("HRANDFIELD", "s"),
            ("HRANDFIELD", "s", 0),
            ("HSCAN", "s", 0, "BAD"),
        ):
            with self.subTest(argv=argv):
                self.assertEqual(self.call(*argv), WRONGTYPE)

    def test_writes_keep_ttl_and_count_changes(self) -> None:
        """In-place writes keep the TTL; each field written counts as a change."""
        self.call("HSET", "h", "a", "1")
        self.call("EXPIRE", "h", 60)
        dirty = self.server.keyspace_stats.dirty
        self.call("HSET", "h", "b", "2", "c", "3")
        self.call("HINCRBY", "h", "a", 1)
        self.call("HINCRBYFLOAT", "h", "a", "0.5")
        self.call("HSETNX", "h", "d", "4")
        self.call("HDEL", "h", "d")
        self.assertEqual(self.server.keyspace_stats.dirty, dirty + 6)
        self.assertEqual(self.call("TTL", "h"), 60)


class WholeHashTests(FamilyTestCase):
    """HKEYS HVALS HGETALL: insertion order, the Map reply."""

    def test_insertion_order(self) -> None:
        """Fields come back in insertion order; an update keeps a field's place."""
        self.call("HSET", "h", "b", "1", "a", "2", "c", "3")
        self.call("HSET", "h", "b", "9")
        self.call("HDEL", "h", "a")
        self.call("HSET", "h", "a", "7")
        self.check(
            [
                (("HKEYS", "h"), [b"b", b"c", b"a"]),
                (("HVALS", "h"), [b"9", b"3", b"7"]),
                (("HKEYS", "missing"), []),
                (("HVALS", "missing"), []),
            ]
        )
        reply = self.call("HGETALL", "h")
        assert isinstance(reply, Map)
        self.assertEqual(reply.items, [(b"b", b"9"), (b"c", b"3"), (b"a", b"7")])

    def test_hgetall_wire(self) -> None:
        """HGETALL is a flat array in RESP2 and a map in RESP3, empty for a missing key."""
        self.call("HSET", "h", "f", "v")
        self.assertEqual(self.wire("HGETALL", "h"), b"*2\r\n$1\r\nf\r\n$1\r\nv\r\n")
        self.assertEqual(self.wire("HGETALL", "h", version=3), b"%1\r\n$1\r\nf\r\n$1\r\nv\r\n")
        self.assertEqual(self.wire("HGETALL", "missing"), b"*0\r\n")
        self.assertEqual(self.wire("HGETALL", "missing", version=3), b"%0\r\n")


class IncrementTests(FamilyTestCase):
    """HINCRBY and HINCRBYFLOAT."""

    def test_hincrby(self) -> None:
        """Adds to an integer field (0 when missing), with overflow and parse errors."""
        self.call("HSET", "h", "s", "abc", "sp", " 1", "big", str(_LONG_MAX))
        overflow = err(errors.OVERFLOW)
        self.check(
            [
                (("HINCRBY", "h", "n", 5), 5),
                (("HINCRBY", "h", "n", -7), -2),
                (("HGET", "h", "n"), b"-2"),
                (("HINCRBY", "new", "n", 3), 3),
                (("HINCRBY", "h", "s", 1), err(errors.HASH_NOT_INTEGER)),
                (("HINCRBY", "h", "sp", 1), err(errors.HASH_NOT_INTEGER)),
                (("HINCRBY", "h", "big", 1), overflow),
                (("HINCRBY", "h", "big", 0), _LONG_MAX),
                (("HINCRBY", "h", "n", -(2**63)), overflow),
                (("HINCRBY", "h", "n", "x"), NOT_INTEGER),
                (("HINCRBY", "h", "n", "1.5"), NOT_INTEGER),
            ]
        )
        self.call("SET", "str", "v")
        self.assertEqual(self.call("HINCRBY", "str", "n", "x"), NOT_INTEGER)

    def test_hincrbyfloat_formatting(self) -> None:
        """Results are ``%.17Lf`` of a long double with trailing zeros trimmed, as Redis's
        replies show (values taken from redis-server)."""
        self.call("HSET", "h", "f", "10.5")
        self.check(
            [
                (("HINCRBYFLOAT", "h", "f", "0"), b"10.5"),
                (("HINCRBYFLOAT", "h", "g", "3.0e3"), b"3000"),
                (("HINCRBYFLOAT", "h", "x", "1e30"), b"1000000000000000000024696061952"),
                (("HINCRBYFLOAT", "h", "y", "0.1"), b"0.1"),
                (("HINCRBYFLOAT", "h", "y", "0.2"), b"0.3"),
                (("HINCRBYFLOAT", "h", "w", "1e-20"), b"0"),
                (("HINCRBYFLOAT", "h", "t", "-0.0"), b"0"),
                (("HINCRBYFLOAT", "h", "s", "1.23456789012345678901"), b"1.23456789012345679"),
                (("HINCRBYFLOAT", "h", "r", "1e18"), b"1000000000000000000"),
                (("HINCRBYFLOAT", "h", "r", "1"), b"1000000000000000001"),
                (("HINCRBYFLOAT", "h", "v", "0x10"), b"16"),
                (("HINCRBYFLOAT", "h", "v", "-20.25"), b"-4.25"),
                (("HGET", "h", "v"), b"-4.25"),
            ]
        )
        big = self.call("HINCRBYFLOAT", "h", "z", "1e400")
        assert isinstance(big, bytes)
        self.assertEqual(len(big), 401)
        self.assertTrue(big.startswith(b"1000000000000000000028188068394758651"))
        huge = self.call("HINCRBYFLOAT", "h", "huge", "1.1e4932")
        assert isinstance(huge, bytes)
        self.assertEqual((len(huge), huge[:6]), (4933, b"109999"))
        self.assertEqual(self.call("HINCRBYFLOAT", "h", "huge", "-1"), huge)
        self.assertEqual(
            self.call("HINCRBYFLOAT", "h", "huge", "1e4932"), err(errors.INCR_NAN_OR_INFINITY)
        )

    def test_hincrbyfloat_errors(self) -> None:
        """The increment is parsed and checked for infinity before the key's type."""
        self.call("HSET", "h", "s", "abc", "inf", "inf", "n", "5")
        self.call("SET", "str", "v")
        not_float = err(errors.NOT_FLOAT)
        self.check(
            [
                (("HINCRBYFLOAT", "h", "n", "x"), not_float),
                (("HINCRBYFLOAT", "h", "n", "nan"), not_float),
                (("HINCRBYFLOAT", "h", "n", " 1"), not_float),
                (("HINCRBYFLOAT", "h", "n", "1e5000"), not_float),
                (("HINCRBYFLOAT", "h", "n", "1e-5000"), not_float),
                (("HINCRBYFLOAT", "h", "n", ""), not_float),
                (("HINCRBYFLOAT", "h", "n", "inf"), err(errors.NAN_OR_INFINITY)),
                (("HINCRBYFLOAT", "str", "n", "-Infinity"), err(errors.NAN_OR_INFINITY)),
                (("HINCRBYFLOAT", "str", "n", "x"), not_float),
                (("HINCRBYFLOAT", "str", "n", "1"), WRONGTYPE),
                (("HINCRBYFLOAT", "h", "s", "1"), err(errors.HASH_NOT_FLOAT)),
                (("HINCRBYFLOAT", "h", "inf", "1"), err(errors.INCR_NAN_OR_INFINITY)),
                (("HINCRBYFLOAT", "h", "n", "1.2e4932"), not_float),
                (("HGET", "h", "n"), b"5"),
            ]
        )


class LongDoubleTests(SynchronousTestCase):
    """The x87 long double emulation behind HINCRBYFLOAT."""

    def test_parse_accepts_what_strtold_reads_whole(self) -> None:
        """Decimal and hex forms, signs and infinities; no spaces, NaN or trailing bytes."""
        self.assertEqual(parse_long_double(b".5"), Fraction(1, 2))
        self.assertEqual(parse_long_double(b"5."), 5)
        self.assertEqual(parse_long_double(b"+1E2"), 100)
        self.assertEqual(parse_long_double(b"-0x1.8p1"), -3)
        self.assertEqual(parse_long_double(b"INF"), float("inf"))
        self.assertEqual(parse_long_double(b"-infinity"), float("-inf"))
        for bad in (b"", b".", b"1e", b"0x", b"1_0", b" 1", b"1 ", b"nan", b"1\x00", b"x" * 6000):
            with self.subTest(text=bad):
                self.assertIsNone(parse_long_double(bad))

    def test_rounding_to_64_bit_significand(self) -> None:
        """Sums round to 64 significant bits, ties to even; overflow is None."""
        self.assertEqual(round_long_double(Fraction(2**64 + 1)), 2**64)
        self.assertEqual(round_long_double(Fraction(2**64 + 2)), 2**64 + 2)
        self.assertEqual(round_long_double(Fraction(2**65 + 2)), 2**65)
        self.assertEqual(round_long_double(Fraction(2**65 + 6)), 2**65 + 8)
        self.assertIsNone(round_long_double(Fraction(2**16384)))
        tiny = Fraction(1, 2**16445)
        self.assertEqual(round_long_double(tiny), tiny)
        self.assertEqual(round_long_double(tiny / 2), 0)

    def test_format(self) -> None:
        """``%.17Lf`` with trailing zeros and point removed; ``-0`` is ``0``."""
        self.assertEqual(format_long_double(Fraction(0)), b"0")
        self.assertEqual(format_long_double(Fraction(-1, 10**20)), b"0")
        self.assertEqual(format_long_double(Fraction(-5, 2)), b"-2.5")
        self.assertEqual(format_long_double(Fraction(1, 2**18)), b"0.00000381469726562")


class RandomFieldTests(FamilyTestCase):
    """HRANDFIELD."""

    def setUp(self) -> None:
        super().setUp()
        self.call("HSET", "h", "a", "1", "b", "2", "c", "3")

    def test_without_count(self) -> None:
        """One field, null for a missing key."""
        self.assertIn(self.call("HRANDFIELD", "h"), (b"a", b"b", b"c"))
        self.assertIsNone(self.call("HRANDFIELD", "missing"))

    def test_positive_count_is_distinct(self) -> None:
        """A positive count gives distinct fields, the whole hash in order when it covers it."""
        for _ in range(20):
            reply = self.call("HRANDFIELD", "h", 2)
            assert isinstance(reply, list)
            self.assertEqual(len(set(reply)), 2)
            self.assertLessEqual(set(reply), {b"a", b"b", b"c"})
        self.assertEqual(self.call("HRANDFIELD", "h", 3), [b"a", b"b", b"c"])
        self.assertEqual(
            self.call("HRANDFIELD", "h", 10, "WITHVALUES"), [b"a", b"1", b"b", b"2", b"c", b"3"]
        )

    def test_negative_count_repeats(self) -> None:
        """A negative count gives exactly that many fields, repeats allowed."""
        reply = self.call("HRANDFIELD", "h", -50)
        assert isinstance(reply, list)
        self.assertEqual(len(reply), 50)
        self.assertLessEqual(set(reply), {b"a", b"b", b"c"})
        pairs = self.call("HRANDFIELD", "h", -5, "withvalues")
        assert isinstance(pairs, list)
        self.assertEqual(len(pairs), 10)
        for field, value in zip(pairs[::2], pairs[1::2], strict=True):
            self.assertEqual(self.call("HGET", "h", field), value)  # type: ignore[arg-type]

    def test_withvalues_shapes(self) -> None:
        """WITHVALUES is flat in RESP2 and an array of pairs in RESP3."""
        self.call("HSET", "one", "f", "v")
        self.assertEqual(
            self.wire("HRANDFIELD", "one", 1, "WITHVALUES"), b"*2\r\n$1\r\nf\r\n$1\r\nv\r\n"
        )
        self.assertEqual(
            self.wire("HRANDFIELD", "one", -2, "WITHVALUES", version=3),
            b"*2\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n",
        )
        self.assertEqual(
            self.wire("HRANDFIELD", "one", 5, "WITHVALUES", version=3),
            b"*1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n",
        )

    def test_count_edge_cases_and_errors(self) -> None:
        """Zero and missing keys give empty arrays; count and option errors come first."""
        self.check(
            [
                (("HRANDFIELD", "h", 0), []),
                (("HRANDFIELD", "missing", 5), []),
                (("HRANDFIELD", "missing", -5, "WITHVALUES"), []),
                (("HRANDFIELD", "h", "x"), NOT_INTEGER),
                (
                    ("HRANDFIELD", "h", -(2**63)),
                    err(errors.out_of_range(-_LONG_MAX, _LONG_MAX)),
                ),
                (("HRANDFIELD", "h", 1, "FOO"), SYNTAX),
                (("HRANDFIELD", "h", 1, "WITHVALUES", "x"), SYNTAX),
                (("HRANDFIELD", "h", 2**62, "WITHVALUES"), err(errors.RANDOM_COUNT_RANGE)),
                (("HRANDFIELD", "h", -(2**62), "WITHVALUES"), err(errors.RANDOM_COUNT_RANGE)),
                (
                    ("HRANDFIELD", "h", 2**62 - 1, "WITHVALUES"),
                    [b"a", b"1", b"b", b"2", b"c", b"3"],
                ),
                (("HRANDFIELD", "h", -(2**40)), err(errors.RANDOM_COUNT_RANGE)),
            ]
        )


class ScanTests(FamilyTestCase):
    """HSCAN: small hashes in one step like Redis's listpack, large ones by cursor."""

    def test_small_hash_in_one_step(self) -> None:
        """A small hash comes back whole with cursor 0, in order, whatever COUNT or cursor."""
        self.call("HSET", "h", "a", "1", "b", "2", "ab", "3")
        self.check(
            [
                (("HSCAN", "h", 0), [b"0", [b"a", b"1", b"b", b"2", b"ab", b"3"]]),
                (("HSCAN", "h", 0, "COUNT", 1), [b"0", [b"a", b"1", b"b", b"2", b"ab", b"3"]]),
                (("HSCAN", "h", 77), [b"0", [b"a", b"1", b"b", b"2", b"ab", b"3"]]),
                (("HSCAN", "h", 0, "MATCH", "a*"), [b"0", [b"a", b"1", b"ab", b"3"]]),
                (("HSCAN", "h", 0, "NOVALUES"), [b"0", [b"a", b"b", b"ab"]]),
                (("HSCAN", "h", 0, "match", "*b", "novalues"), [b"0", [b"b", b"ab"]]),
                (("HSCAN", "missing", 0), [b"0", []]),
            ]
        )

    def test_errors(self) -> None:
        """The cursor is parsed first; options only once the key was found."""
        self.call("HSET", "h", "a", "1")
        self.check(
            [
                (("HSCAN", "h", "x"), err(errors.SCAN_INVALID_CURSOR)),
                (("HSCAN", "missing", "x"), err(errors.SCAN_INVALID_CURSOR)),
                (("HSCAN", "h", 0, "COUNT", 0), SYNTAX),
                (("HSCAN", "h", 0, "COUNT", "x"), NOT_INTEGER),
                (("HSCAN", "h", 0, "COUNT"), SYNTAX),
                (("HSCAN", "h", 0, "TYPE", "string"), SYNTAX),
                (("HSCAN", "h", 0, "FOO"), SYNTAX),
                (("HSCAN", "missing", 0, "FOO"), [b"0", []]),
            ]
        )

    def full_scan(self, key: str, count: int, during: object = None) -> list[bytes]:
        """The fields of a complete HSCAN iteration (``during(step)`` runs between steps)."""
        cursor = b"0"
        seen: list[bytes] = []
        steps = 0
        while True:
            reply = self.call("HSCAN", key, cursor, "COUNT", count)
            assert isinstance(reply, list)
            next_cursor, items = reply[0], reply[1]
            assert isinstance(next_cursor, bytes) and isinstance(items, list)
            cursor = next_cursor
            seen.extend(items[::2])  # type: ignore[arg-type]
            steps += 1
            if callable(during):
                during(steps)
            if cursor == b"0":
                return seen

    def test_large_hash_full_iteration(self) -> None:
        """A large hash is returned over several steps, every field exactly once."""
        fields = [f"field:{i}" for i in range(1000)]
        self.call("HSET", "big", *[part for f in fields for part in (f, "v")])
        seen = self.full_scan("big", 37)
        self.assertEqual(sorted(seen), sorted(f.encode() for f in fields))
        self.assertEqual(len(seen), len(set(seen)))

    def test_long_value_is_not_compact(self) -> None:
        """A value over 64 bytes makes even a small hash use the cursor."""
        self.call("HSET", "h", "a", "x" * 65, *[part for i in range(20) for part in (i, i)])
        reply = self.call("HSCAN", "h", 0, "COUNT", 5)
        assert isinstance(reply, list)
        self.assertNotEqual(reply[0], b"0")

    def test_guarantee_under_concurrent_changes(self) -> None:
        """Fields present for the whole iteration are returned even while others are added
        and deleted between steps (which reshuffles a dict, but not hash positions)."""
        stable = [f"keep:{i}".encode() for i in range(300)]
        churn = [f"churn:{i}".encode() for i in range(300)]
        self.call("HSET", "big", *[part for f in stable + churn for part in (f, b"v")])

        def mutate(step: int) -> None:
            self.call("HDEL", "big", *churn[step * 10 : step * 10 + 10])
            self.call("HSET", "big", *[part for i in range(20) for part in (f"new:{step}:{i}", 1)])

        seen = set(self.full_scan("big", 10, mutate))
        self.assertLessEqual(set(stable), seen)

    def test_scan_batch_step(self) -> None:
        """A step never splits a position and ends with cursor 0."""
        value = {str(i).encode(): b"" for i in range(50)}
        cursor, batch = scan_batch(value, 0, 10)
        self.assertEqual(len(batch), 10)
        rest = []
        while cursor:
            cursor, more = scan_batch(value, cursor, 10)
            rest.extend(more)
        self.assertEqual(sorted(batch + rest), sorted(value))


class HashResp3Tests(FamilyTestCase):
    """Reply shapes in RESP3."""

    def test_shapes(self) -> None:
        """Nulls are ``_``; HKEYS, HMGET and HSCAN stay arrays (HSCAN's cursor a bulk)."""
        self.call("HSET", "h", "f", "v")
        cases: list[tuple[tuple[bytes | str | int, ...], bytes]] = [
            (("HGET", "h", "zz"), b"_\r\n"),
            (("HMGET", "h", "f", "zz"), b"*2\r\n$1\r\nv\r\n_\r\n"),
            (("HKEYS", "h"), b"*1\r\n$1\r\nf\r\n"),
            (("HVALS", "missing"), b"*0\r\n"),
            (("HRANDFIELD", "missing"), b"_\r\n"),
            (("HRANDFIELD", "missing", 3), b"*0\r\n"),
            (("HSCAN", "h", 0), b"*2\r\n$1\r\n0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"),
            (("HINCRBYFLOAT", "h", "n", "1.5"), b"$3\r\n1.5\r\n"),
            (("HEXISTS", "h", "f"), b":1\r\n"),
        ]
        for argv, expected in cases:
            with self.subTest(argv=argv):
                self.assertEqual(self.wire(*argv, version=3), expected)


class HashSpecTests(FamilyTestCase):
    """The hash commands' metadata."""

    def test_flags(self) -> None:
        """Flags match Redis's command JSON."""
        expected = {
            "hset": "write denyoom fast",
            "hsetnx": "write denyoom fast",
            "hget": "readonly fast",
            "hdel": "write fast",
            "hlen": "readonly fast",
            "hgetall": "readonly",
            "hincrbyfloat": "write denyoom fast",
            "hrandfield": "readonly",
            "hscan": "readonly",
        }
        for name, flags in expected.items():
            command = self.server.commands.get(name.encode())
            assert command is not None
            with self.subTest(command=name):
                self.assertEqual(" ".join(command.flags.names()), flags)
                self.assertEqual(command.spec.group, "hash")
                self.assertEqual(command.spec.legacy_range(), (1, 1, 1))
