"""Core tests of the list commands (:mod:`pyredisd.core.commands.lists`): ``Server.execute``
with a fake client on a ``task.Clock``, no sockets."""

from __future__ import annotations

from collections import deque

from twisted.internet import task
from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core import errors, resp
from pyredisd.core.clients import Client
from pyredisd.core.config import Config
from pyredisd.core.replies import NULL_ARRAY, OK, ErrorReply, Reply
from pyredisd.core.server import Server

START = 1_700_000_000.25


def err(message: str) -> ErrorReply:
    """The error reply carrying ``message``."""
    return ErrorReply(message)


WRONGTYPE = err(errors.WRONGTYPE)
SYNTAX = err(errors.SYNTAX)
NOT_INTEGER = err(errors.NOT_INTEGER)


class FamilyTestCase(SynchronousTestCase):
    """A server with the list and hash commands, on a ``task.Clock``, with one client."""

    def setUp(self) -> None:
        self.clock = task.Clock()
        self.clock.advance(START)
        self.server = Server(Config.defaults(), clock=self.clock)
        self.client = self.server.new_client()

    def call(self, *args: bytes | str | int, client: Client | None = None) -> Reply:
        """Execute one command; ``str`` and ``int`` arguments are encoded as Redis would see."""
        argv = [arg if isinstance(arg, bytes) else str(arg).encode() for arg in args]
        return self.server.execute(client if client is not None else self.client, argv)

    def check(self, cases: list[tuple[tuple[bytes | str | int, ...], Reply]]) -> None:
        """Run ``(argv, expected reply)`` rows in order, each as a subtest."""
        for argv, expected in cases:
            with self.subTest(argv=argv):
                self.assertEqual(self.call(*argv), expected)

    def wire(self, *args: bytes | str | int, version: int = 2) -> bytes:
        """The encoded reply to one command in RESP ``version`` (the client switches to it)."""
        self.client.resp = version
        return resp.encode(self.call(*args), version)

    def stored(self, key: bytes) -> object:
        """The raw value stored at ``key`` in database 0."""
        return self.server.dbs[0].data.get(key)


class PushTests(FamilyTestCase):
    """LPUSH RPUSH LPUSHX RPUSHX."""

    def test_push_orders_and_lengths(self) -> None:
        """LPUSH prepends one at a time (reversing its arguments), RPUSH appends."""
        self.check(
            [
                (("RPUSH", "l", "a", "b"), 2),
                (("LPUSH", "l", "x", "y"), 4),
                (("LRANGE", "l", 0, -1), [b"y", b"x", b"a", b"b"]),
            ]
        )
        self.assertIsInstance(self.stored(b"l"), deque)

    def test_pushx_needs_an_existing_list(self) -> None:
        """LPUSHX/RPUSHX do nothing (reply 0) on a missing key and push onto an existing one."""
        self.check(
            [
                (("LPUSHX", "l", "a"), 0),
                (("RPUSHX", "l", "a"), 0),
                (("EXISTS", "l"), 0),
                (("RPUSH", "l", "m"), 1),
                (("LPUSHX", "l", "a", "b"), 3),
                (("RPUSHX", "l", "z"), 4),
                (("LRANGE", "l", 0, -1), [b"b", b"a", b"m", b"z"]),
            ]
        )

    def test_wrong_type_and_arity(self) -> None:
        """Pushing onto a string is WRONGTYPE; a push needs at least one element."""
        self.call("SET", "s", "v")
        for name in ("LPUSH", "RPUSH", "LPUSHX", "RPUSHX"):
            with self.subTest(command=name):
                self.assertEqual(self.call(name, "s", "a"), WRONGTYPE)
                self.assertEqual(self.call(name, "l"), err(errors.wrong_arity(name.lower())))

    def test_push_keeps_the_ttl_and_counts_changes(self) -> None:
        """Pushing onto an existing list keeps its TTL; every element counts as a change."""
        self.call("RPUSH", "l", "a")
        self.call("EXPIRE", "l", 100)
        dirty = self.server.keyspace_stats.dirty
        self.assertEqual(self.call("RPUSH", "l", "b", "c"), 3)
        self.assertEqual(self.server.keyspace_stats.dirty, dirty + 2)
        self.assertEqual(self.call("TTL", "l"), 100)
        self.assertEqual(self.call("LPUSH", "new", "a", "b", "c"), 3)
        self.assertEqual(self.server.keyspace_stats.dirty, dirty + 5)

    def test_expired_list_is_gone(self) -> None:
        """A list past its TTL is missing for every command."""
        self.call("RPUSH", "l", "a")
        self.call("EXPIRE", "l", 1)
        self.clock.advance(2)
        self.check([(("LLEN", "l"), 0), (("LPUSHX", "l", "b"), 0), (("LPOP", "l"), None)])


class PopTests(FamilyTestCase):
    """LPOP RPOP with and without a count, and LMPOP."""

    def setUp(self) -> None:
        super().setUp()
        self.call("RPUSH", "l", "a", "b", "c", "d")

    def test_pop_without_count(self) -> None:
        """A bulk string per pop; the emptied list is deleted; a missing key is a null."""
        self.check(
            [
                (("LPOP", "l"), b"a"),
                (("RPOP", "l"), b"d"),
                (("LPOP", "l"), b"b"),
                (("RPOP", "l"), b"c"),
                (("EXISTS", "l"), 0),
                (("LPOP", "l"), None),
                (("RPOP", "l"), None),
            ]
        )

    def test_pop_with_count(self) -> None:
        """An array in pop order (RPOP from the tail), bounded by the length."""
        self.check(
            [
                (("RPOP", "l", 3), [b"d", b"c", b"b"]),
                (("LPOP", "l", 0), []),
                (("LPOP", "l", 10), [b"a"]),
                (("EXISTS", "l"), 0),
            ]
        )

    def test_count_on_missing_key_is_a_null_array(self) -> None:
        """With a count, a missing key is the null array: ``*-1`` in RESP2, ``_`` in RESP3;
        count 0 on an existing list is an empty array."""
        self.assertIs(self.call("LPOP", "missing", 1), NULL_ARRAY)
        self.assertIs(self.call("RPOP", "missing", 0), NULL_ARRAY)
        self.assertEqual(self.wire("LPOP", "missing", 2), b"*-1\r\n")
        self.assertEqual(self.wire("LPOP", "missing", 2, version=3), b"_\r\n")
        self.assertEqual(self.wire("LPOP", "missing", version=3), b"_\r\n")
        self.assertEqual(self.wire("LPOP", "l", 0, version=3), b"*0\r\n")
        self.assertEqual(self.wire("LPOP", "l", 1, version=3), b"*1\r\n$1\r\na\r\n")

    def test_count_errors(self) -> None:
        """A count must be a non-negative integer; more than one is an arity error."""
        positive = err(errors.MUST_BE_POSITIVE)
        self.check(
            [
                (("LPOP", "l", -1), positive),
                (("RPOP", "l", "x"), positive),
                (("LPOP", "missing", -1), positive),
                (("LPOP", "l", 1, 2), err(errors.wrong_arity("lpop"))),
                (("RPOP", "l", 1, 2), err(errors.wrong_arity("rpop"))),
                (("LLEN", "l"), 4),
            ]
        )

    def test_pop_wrong_type(self) -> None:
        """Popping a string is WRONGTYPE, with or without a count."""
        self.call("SET", "s", "v")
        self.check([(("LPOP", "s"), WRONGTYPE), (("RPOP", "s", 1), WRONGTYPE)])

    def test_pop_keeps_ttl(self) -> None:
        """Popping part of a list keeps its TTL."""
        self.call("EXPIRE", "l", 50)
        self.call("LPOP", "l")
        self.assertEqual(self.call("TTL", "l"), 50)

    def test_lmpop(self) -> None:
        """The first non-empty list gives up to COUNT elements, as [key, elements]."""
        self.call("RPUSH", "m", "1", "2")
        self.check(
            [
                (("LMPOP", 2, "missing", "l", "LEFT"), [b"l", [b"a"]]),
                (("LMPOP", 2, "m", "l", "right", "COUNT", 5), [b"m", [b"2", b"1"]]),
                (("EXISTS", "m"), 0),
                (("LMPOP", 1, "l", "left", "count", 2), [b"l", [b"b", b"c"]]),
                (("LMPOP", 2, "missing", "m", "LEFT"), NULL_ARRAY),
            ]
        )
        self.assertEqual(self.wire("LMPOP", 1, "missing", "LEFT"), b"*-1\r\n")
        self.assertEqual(self.wire("LMPOP", 1, "missing", "LEFT", version=3), b"_\r\n")
        self.assertEqual(
            self.wire("LMPOP", 1, "l", "LEFT", version=3), b"*2\r\n$1\r\nl\r\n*1\r\n$1\r\nd\r\n"
        )

    def test_lmpop_errors(self) -> None:
        """numkeys and COUNT must be positive (their own messages for every failure);
        a missing or unknown direction, or anything extra, is a syntax error."""
        numkeys = err(errors.NUMKEYS_NOT_POSITIVE)
        count = err(errors.COUNT_NOT_POSITIVE)
        self.call("SET", "s", "v")
        self.check(
            [
                (("LMPOP", 0, "l", "LEFT"), numkeys),
                (("LMPOP", -1, "l", "LEFT"), numkeys),
                (("LMPOP", "x", "l", "LEFT"), numkeys),
                (("LMPOP", 2, "l", "LEFT"), SYNTAX),
                (("LMPOP", 1, "l", "MIDDLE"), SYNTAX),
                (("LMPOP", 1, "l", "LEFT", "COUNT", 0), count),
                (("LMPOP", 1, "l", "LEFT", "COUNT", "x"), count),
                (("LMPOP", 1, "l", "LEFT", "COUNT", 1, "COUNT", 1), SYNTAX),
                (("LMPOP", 1, "l", "LEFT", "COUNT"), SYNTAX),
                (("LMPOP", 1, "l", "LEFT", "extra"), SYNTAX),
                (("LMPOP", 1, "l"), err(errors.wrong_arity("lmpop"))),
                (("LMPOP", 2, "s", "l", "LEFT"), WRONGTYPE),
                (("LMPOP", 2, "l", "s", "LEFT"), [b"l", [b"a"]]),
            ]
        )


class ReadTests(FamilyTestCase):
    """LLEN LRANGE LINDEX LPOS."""

    def setUp(self) -> None:
        super().setUp()
        self.call("RPUSH", "l", "a", "b", "c", "b", "a", "b")
        self.call("SET", "s", "v")

    def test_llen(self) -> None:
        """The length, 0 for a missing key, WRONGTYPE for a string."""
        self.check([(("LLEN", "l"), 6), (("LLEN", "missing"), 0), (("LLEN", "s"), WRONGTYPE)])

    def test_lrange(self) -> None:
        """Inclusive ranges with negative indexes, clamped to the list."""
        self.check(
            [
                (("LRANGE", "l", 0, 1), [b"a", b"b"]),
                (("LRANGE", "l", -2, -1), [b"a", b"b"]),
                (("LRANGE", "l", -100, 1), [b"a", b"b"]),
                (("LRANGE", "l", 4, 100), [b"a", b"b"]),
                (("LRANGE", "l", 3, 2), []),
                (("LRANGE", "l", 6, 10), []),
                (("LRANGE", "l", 0, -7), []),
                (("LRANGE", "missing", 0, -1), []),
                (("LRANGE", "s", 0, -1), WRONGTYPE),
                (("LRANGE", "s", "x", 1), NOT_INTEGER),
                (("LRANGE", "missing", 0, "x"), NOT_INTEGER),
            ]
        )

    def test_lindex(self) -> None:
        """An element by index (negative from the tail), null when out of range; the key is
        looked up before the index is parsed."""
        self.check(
            [
                (("LINDEX", "l", 0), b"a"),
                (("LINDEX", "l", 2), b"c"),
                (("LINDEX", "l", -1), b"b"),
                (("LINDEX", "l", -6), b"a"),
                (("LINDEX", "l", 6), None),
                (("LINDEX", "l", -7), None),
                (("LINDEX", "missing", "x"), None),
                (("LINDEX", "l", "x"), NOT_INTEGER),
                (("LINDEX", "s", "x"), WRONGTYPE),
            ]
        )

    def test_lpos(self) -> None:
        """RANK counts matches from the head (or the tail when negative), COUNT 0 means all,
        MAXLEN bounds the elements compared."""
        self.check(
            [
                (("LPOS", "l", "b"), 1),
                (("LPOS", "l", "z"), None),
                (("LPOS", "l", "b", "RANK", 2), 3),
                (("LPOS", "l", "b", "RANK", -1), 5),
                (("LPOS", "l", "b", "RANK", -2), 3),
                (("LPOS", "l", "b", "RANK", 4), None),
                (("LPOS", "l", "b", "COUNT", 0), [1, 3, 5]),
                (("LPOS", "l", "b", "COUNT", 2), [1, 3]),
                (("LPOS", "l", "b", "COUNT", 0, "RANK", -1), [5, 3, 1]),
                (("LPOS", "l", "b", "COUNT", 0, "RANK", 2), [3, 5]),
                (("LPOS", "l", "b", "COUNT", 0, "MAXLEN", 4), [1, 3]),
                (("LPOS", "l", "a", "RANK", -1, "MAXLEN", 1), None),
                (("LPOS", "l", "b", "RANK", -1, "MAXLEN", 1), 5),
                (("LPOS", "l", "z", "COUNT", 0), []),
                (("LPOS", "missing", "a"), None),
                (("LPOS", "missing", "a", "COUNT", 1), []),
                (("LPOS", "s", "a"), WRONGTYPE),
            ]
        )

    def test_lpos_errors(self) -> None:
        """Option errors are reported before the key is looked up."""
        self.check(
            [
                (("LPOS", "s", "a", "RANK", 0), err(errors.LPOS_RANK_ZERO)),
                (("LPOS", "l", "a", "RANK", "x"), NOT_INTEGER),
                (
                    ("LPOS", "l", "a", "RANK", -(2**63)),
                    err(errors.out_of_range(-(2**63) + 1, 2**63 - 1)),
                ),
                (("LPOS", "l", "a", "COUNT", -1), err(errors.LPOS_COUNT_NEGATIVE)),
                (("LPOS", "l", "a", "COUNT", "x"), err(errors.LPOS_COUNT_NEGATIVE)),
                (("LPOS", "l", "a", "MAXLEN", -1), err(errors.LPOS_MAXLEN_NEGATIVE)),
                (("LPOS", "l", "a", "RANK"), SYNTAX),
                (("LPOS", "l", "a", "FOO", 1), SYNTAX),
            ]
        )

    def test_reads_count_hits_and_misses(self) -> None:
        """Read commands count keyspace hits and misses."""
        stats = self.server.keyspace_stats
        hits, misses = stats.hits, stats.misses
        self.call("LLEN", "l")
        self.call("LRANGE", "missing", 0, 1)
        self.assertEqual((stats.hits, stats.misses), (hits + 1, misses + 1))


class WriteTests(FamilyTestCase):
    """LSET LINSERT LREM LTRIM."""

    def setUp(self) -> None:
        super().setUp()
        self.call("RPUSH", "l", "a", "b", "c", "b", "a", "b")
        self.call("SET", "s", "v")

    def test_lset(self) -> None:
        """Replaces by index; errors for a missing key, a bad index, a string."""
        self.check(
            [
                (("LSET", "l", 0, "A"), OK),
                (("LSET", "l", -1, "Z"), OK),
                (("LRANGE", "l", 0, -1), [b"A", b"b", b"c", b"b", b"a", b"Z"]),
                (("LSET", "l", 6, "x"), err(errors.INDEX_OUT_OF_RANGE)),
                (("LSET", "l", -7, "x"), err(errors.INDEX_OUT_OF_RANGE)),
                (("LSET", "l", "x", "x"), NOT_INTEGER),
                (("LSET", "missing", 0, "x"), err(errors.NO_SUCH_KEY)),
                (("LSET", "missing", "x", "x"), err(errors.NO_SUCH_KEY)),
                (("LSET", "s", 0, "x"), WRONGTYPE),
            ]
        )

    def test_linsert(self) -> None:
        """Inserts around the first pivot: the new length, -1 without a pivot, 0 without a
        key; the direction is checked first."""
        self.check(
            [
                (("LINSERT", "l", "BEFORE", "b", "x"), 7),
                (("LINSERT", "l", "after", "b", "y"), 8),
                (("LRANGE", "l", 0, 3), [b"a", b"x", b"b", b"y"]),
                (("LINSERT", "l", "BEFORE", "zz", "x"), -1),
                (("LINSERT", "missing", "BEFORE", "a", "x"), 0),
                (("EXISTS", "missing"), 0),
                (("LINSERT", "s", "AFTER", "a", "x"), WRONGTYPE),
                (("LINSERT", "s", "MIDDLE", "a", "x"), SYNTAX),
            ]
        )

    def test_lrem(self) -> None:
        """Positive counts remove from the head, negative from the tail, zero all."""
        self.check(
            [
                (("LREM", "l", 1, "b"), 1),
                (("LRANGE", "l", 0, -1), [b"a", b"c", b"b", b"a", b"b"]),
                (("LREM", "l", -1, "a"), 1),
                (("LRANGE", "l", 0, -1), [b"a", b"c", b"b", b"b"]),
                (("LREM", "l", 0, "b"), 2),
                (("LREM", "l", 0, "zz"), 0),
                (("LRANGE", "l", 0, -1), [b"a", b"c"]),
                (("LREM", "l", 0, "a"), 1),
                (("LREM", "l", -5, "c"), 1),
                (("EXISTS", "l"), 0),
                (("LREM", "missing", 0, "a"), 0),
                (("LREM", "s", 0, "a"), WRONGTYPE),
                (("LREM", "s", "x", "a"), NOT_INTEGER),
            ]
        )

    def test_ltrim(self) -> None:
        """Keeps an inclusive range; an empty range deletes the list."""
        self.check(
            [
                (("LTRIM", "l", 1, -2), OK),
                (("LRANGE", "l", 0, -1), [b"b", b"c", b"b", b"a"]),
                (("LTRIM", "l", -3, 100), OK),
                (("LRANGE", "l", 0, -1), [b"c", b"b", b"a"]),
                (("LTRIM", "l", 2, 1), OK),
                (("EXISTS", "l"), 0),
                (("LTRIM", "missing", 0, 1), OK),
                (("LTRIM", "s", 0, 1), WRONGTYPE),
                (("LTRIM", "s", 0, "x"), NOT_INTEGER),
            ]
        )

    def test_in_place_writes_keep_ttl(self) -> None:
        """LSET, LINSERT, LREM and LTRIM change the list in place, keeping its TTL."""
        self.call("EXPIRE", "l", 77)
        self.call("LSET", "l", 0, "x")
        self.call("LINSERT", "l", "BEFORE", "x", "y")
        self.call("LREM", "l", 1, "c")
        self.call("LTRIM", "l", 0, 2)
        self.assertEqual(self.call("LRANGE", "l", 0, -1), [b"y", b"x", b"b"])
        self.assertEqual(self.call("TTL", "l"), 77)


class MoveTests(FamilyTestCase):
    """LMOVE and RPOPLPUSH."""

    def setUp(self) -> None:
        super().setUp()
        self.call("RPUSH", "src", "a", "b", "c")

    def test_lmove_directions(self) -> None:
        """Each of the four direction pairs pops and pushes at the named ends."""
        self.check(
            [
                (("LMOVE", "src", "dst", "LEFT", "RIGHT"), b"a"),
                (("LMOVE", "src", "dst", "right", "left"), b"c"),
                (("LRANGE", "dst", 0, -1), [b"c", b"a"]),
                (("LMOVE", "src", "dst", "LEFT", "LEFT"), b"b"),
                (("EXISTS", "src"), 0),
                (("LMOVE", "dst", "dst", "RIGHT", "RIGHT"), b"a"),
                (("LMOVE", "dst", "dst", "LEFT", "RIGHT"), b"b"),
                (("LRANGE", "dst", 0, -1), [b"c", b"a", b"b"]),
                (("LMOVE", "missing", "dst", "LEFT", "LEFT"), None),
            ]
        )

    def test_rpoplpush(self) -> None:
        """Moves the tail of one list to the head of another, even the same list."""
        self.check(
            [
                (("RPOPLPUSH", "src", "dst"), b"c"),
                (("RPOPLPUSH", "src", "src"), b"b"),
                (("LRANGE", "src", 0, -1), [b"b", b"a"]),
                (("RPOPLPUSH", "missing", "dst"), None),
            ]
        )

    def test_single_element_rotation_keeps_the_key(self) -> None:
        """Moving the only element of a list onto itself leaves the list in place."""
        self.call("RPUSH", "one", "x")
        self.call("EXPIRE", "one", 30)
        self.assertEqual(self.call("LMOVE", "one", "one", "LEFT", "RIGHT"), b"x")
        self.assertEqual(self.call("LRANGE", "one", 0, -1), [b"x"])
        self.assertEqual(self.call("TTL", "one"), 30)

    def test_move_errors(self) -> None:
        """Directions are checked first, then the source type, then the destination's, before
        anything moves."""
        self.call("SET", "s", "v")
        self.check(
            [
                (("LMOVE", "src", "dst", "UP", "LEFT"), SYNTAX),
                (("LMOVE", "src", "dst", "LEFT", "DOWN"), SYNTAX),
                (("LMOVE", "s", "dst", "LEFT", "LEFT"), WRONGTYPE),
                (("LMOVE", "src", "s", "LEFT", "LEFT"), WRONGTYPE),
                (("RPOPLPUSH", "src", "s"), WRONGTYPE),
                (("LMOVE", "missing", "s", "LEFT", "LEFT"), None),
                (("LLEN", "src"), 3),
            ]
        )


class Resp3Tests(FamilyTestCase):
    """Reply shapes in RESP3: nulls are ``_``, arrays stay arrays."""

    def test_shapes(self) -> None:
        """Each null and array reply of the family, encoded for a RESP3 client."""
        self.call("RPUSH", "l", "a", "b")
        cases: list[tuple[tuple[bytes | str | int, ...], bytes]] = [
            (("LINDEX", "l", 5), b"_\r\n"),
            (("LPOS", "l", "z"), b"_\r\n"),
            (("LPOS", "l", "b", "COUNT", 0), b"*1\r\n:1\r\n"),
            (("LPOS", "missing", "b", "COUNT", 0), b"*0\r\n"),
            (("LRANGE", "missing", 0, -1), b"*0\r\n"),
            (("LMOVE", "missing", "l", "LEFT", "LEFT"), b"_\r\n"),
            (("RPOPLPUSH", "missing", "l"), b"_\r\n"),
            (("RPOP", "l", 5), b"*2\r\n$1\r\nb\r\n$1\r\na\r\n"),
        ]
        for argv, expected in cases:
            with self.subTest(argv=argv):
                self.assertEqual(self.wire(*argv, version=3), expected)


class SpecTests(FamilyTestCase):
    """The list commands' metadata as COMMAND INFO shows it."""

    def test_flags_and_key_specs(self) -> None:
        """Flags and first/last/step match Redis's command JSON."""
        expected = {
            "lpush": (-3, "write denyoom fast", (1, 1, 1)),
            "rpushx": (-3, "write denyoom fast", (1, 1, 1)),
            "lpop": (-2, "write fast", (1, 1, 1)),
            "llen": (2, "readonly fast", (1, 1, 1)),
            "lrange": (4, "readonly", (1, 1, 1)),
            "lpos": (-3, "readonly", (1, 1, 1)),
            "lset": (4, "write denyoom", (1, 1, 1)),
            "lrem": (4, "write", (1, 1, 1)),
            "lmove": (5, "write denyoom", (1, 2, 1)),
            "rpoplpush": (3, "write denyoom", (1, 2, 1)),
            "lmpop": (-4, "write", (0, 0, 0)),  # MOVABLE_KEYS shows as "movablekeys"
        }
        for name, (arity, flags, legacy) in expected.items():
            command = self.server.commands.get(name.encode())
            assert command is not None
            with self.subTest(command=name):
                self.assertEqual(command.arity, arity)
                self.assertEqual(" ".join(command.flags.names()), flags)
                self.assertEqual(command.spec.legacy_range(), legacy)
                self.assertEqual(command.spec.group, "list")

    def test_lmpop_keys(self) -> None:
        """LMPOP's keys follow its numkeys argument."""
        command = self.server.commands.get(b"lmpop")
        assert command is not None
        self.assertEqual(command.spec.keys([b"lmpop", b"2", b"a", b"b", b"LEFT"]), [2, 3])
        self.assertEqual(
            self.call("COMMAND", "GETKEYS", "LMOVE", "a", "b", "LEFT", "RIGHT"), [b"a", b"b"]
        )
