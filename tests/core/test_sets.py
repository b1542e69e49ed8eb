"""Core tests of the set commands through ``Server.execute``: replies are checked as the bytes
they encode to, in RESP2 and RESP3, so reply types (sets, arrays, nulls) are pinned down."""

from __future__ import annotations

from twisted.internet import task
from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core import errors
from pyredisd.core.config import Config
from pyredisd.core.replies import Reply, SetReply
from pyredisd.core.resp import encode
from pyredisd.core.server import Server

Arg = bytes | str | int | float


def bulk(value: bytes | str) -> bytes:
    """A RESP bulk string."""
    data = value.encode() if isinstance(value, str) else value
    return b"$%d\r\n%s\r\n" % (len(data), data)


def arr(*items: bytes, kind: bytes = b"*") -> bytes:
    """A RESP aggregate of already-encoded ``items``."""
    return kind + b"%d\r\n" % len(items) + b"".join(items)


def bulks(*values: bytes | str, kind: bytes = b"*") -> bytes:
    """An aggregate of bulk strings."""
    return arr(*(bulk(v) for v in values), kind=kind)


def num(value: int) -> bytes:
    """A RESP integer."""
    return b":%d\r\n" % value


def err(message: str) -> bytes:
    """A RESP error."""
    return b"-" + message.encode() + b"\r\n"


NIL = b"$-1\r\n"
NULL3 = b"_\r\n"
EMPTY = b"*0\r\n"


class FamilyTestCase(SynchronousTestCase):
    """A server on a ``task.Clock`` with one client; ``call`` returns encoded bytes."""

    def setUp(self) -> None:
        self.clock = task.Clock()
        self.clock.advance(1_700_000_000)
        self.server = Server(Config.defaults(), clock=self.clock)
        self.client = self.server.new_client()

    def execute(self, *args: Arg, resp: int = 2) -> Reply:
        """Run one command and return its reply value."""
        self.client.resp = resp
        argv = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        return self.server.execute(self.client, argv)

    def call(self, *args: Arg, resp: int = 2) -> bytes:
        """Run one command and return its reply encoded for ``resp``."""
        return encode(self.execute(*args, resp=resp), resp)

    def check(self, rows: list[tuple[tuple[Arg, ...], bytes]], resp: int = 2) -> None:
        """Each ``(argv, expected bytes)`` row in order, as a subtest."""
        for argv, expected in rows:
            with self.subTest(argv=argv, resp=resp):
                self.assertEqual(self.call(*argv, resp=resp), expected)

    def scan(self, *args: Arg) -> tuple[bytes, list[bytes]]:
        """A SCAN-style reply as ``(cursor, items)``."""
        reply = self.execute(*args)
        assert isinstance(reply, list)
        cursor, batch = reply
        assert isinstance(cursor, bytes) and isinstance(batch, list)
        return cursor, [item for item in batch if isinstance(item, bytes)]

    def sorted_members(self, *args: Arg) -> list[bytes]:
        """The reply of an unordered command (a set or array of bulks), sorted."""
        reply = self.execute(*args)
        items = reply.items if isinstance(reply, SetReply) else reply
        assert isinstance(items, list)
        out: list[bytes] = []
        for item in items:
            assert isinstance(item, bytes)
            out.append(item)
        return sorted(out)


class SetBasicsTests(FamilyTestCase):
    """SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS SMOVE."""

    def test_add_remove_and_count(self) -> None:
        """Counts of added and removed members; the key goes away when empty."""
        self.check(
            [
                (("SADD", "s", "a", "b", "a"), num(2)),
                (("SADD", "s", "b", "c"), num(1)),
                (("SCARD", "s"), num(3)),
                (("SCARD", "nokey"), num(0)),
                (("SISMEMBER", "s", "a"), num(1)),
                (("SISMEMBER", "s", "x"), num(0)),
                (("SISMEMBER", "nokey", "x"), num(0)),
                (("SMISMEMBER", "s", "a", "x", "c"), arr(num(1), num(0), num(1))),
                (("SMISMEMBER", "nokey", "a"), arr(num(0))),
                (("SREM", "s", "a", "x"), num(1)),
                (("SREM", "nokey", "a"), num(0)),
                (("SREM", "s", "b", "c"), num(1 + 1)),
                (("EXISTS", "s"), num(0)),
            ]
        )

    def test_smembers_is_a_set_reply(self) -> None:
        """SMEMBERS is ``~`` in RESP3 and an array in RESP2; a missing key is empty."""
        self.call("SADD", "s", "a")
        self.assertEqual(self.call("SMEMBERS", "s", resp=3), bulks("a", kind=b"~"))
        self.assertEqual(self.call("SMEMBERS", "s"), bulks("a"))
        self.assertEqual(self.call("SMEMBERS", "nokey", resp=3), b"~0\r\n")
        self.call("SADD", "s", "b", "c")
        self.assertEqual(self.sorted_members("SMEMBERS", "s"), [b"a", b"b", b"c"])

    def test_wrong_type(self) -> None:
        """Every set command refuses a string key."""
        self.call("SET", "str", "x")
        for argv in [
            ("SADD", "str", "a"),
            ("SREM", "str", "a"),
            ("SCARD", "str"),
            ("SISMEMBER", "str", "a"),
            ("SMISMEMBER", "str", "a"),
            ("SMEMBERS", "str"),
            ("SRANDMEMBER", "str"),
            ("SPOP", "str"),
            ("SINTER", "nokey", "str"),
            ("SUNION", "str"),
            ("SDIFF", "nokey", "str"),
            ("SINTERCARD", "2", "nokey", "str"),
            ("SSCAN", "str", "0"),
            ("SINTERSTORE", "d", "str"),
        ]:
            with self.subTest(argv=argv):
                self.assertEqual(self.call(*argv), err(errors.WRONGTYPE))

    def test_smove(self) -> None:
        """SMOVE moves one member, creates the destination and deletes an emptied source."""
        self.call("SADD", "src", "a", "b")
        self.call("SET", "str", "x")
        self.check(
            [
                (("SMOVE", "src", "dst", "a"), num(1)),
                (("SMOVE", "src", "dst", "zz"), num(0)),
                (("SMOVE", "src", "src", "b"), num(1)),
                (("SMOVE", "src", "src", "zz"), num(0)),
                (("SMOVE", "nokey", "str", "a"), num(0)),
                (("SMOVE", "src", "str", "b"), err(errors.WRONGTYPE)),
                (("SMOVE", "src", "dst", "b"), num(1)),
                (("EXISTS", "src"), num(0)),
                (("SCARD", "dst"), num(2)),
            ]
        )

    def test_in_place_write_keeps_ttl(self) -> None:
        """Adding to an existing set keeps its TTL (``modified``, not ``set``)."""
        self.call("SADD", "s", "a")
        self.call("EXPIRE", "s", "100")
        self.call("SADD", "s", "b")
        self.call("SREM", "s", "a")
        self.assertEqual(self.call("TTL", "s"), num(100))

    def test_arity(self) -> None:
        """Arity errors name the command."""
        self.assertEqual(self.call("SADD", "s"), err(errors.wrong_arity("sadd")))
        self.assertEqual(self.call("SMOVE", "a", "b"), err(errors.wrong_arity("smove")))


class SetRandomTests(FamilyTestCase):
    """SRANDMEMBER and SPOP: counts, signs and reply types."""

    def setUp(self) -> None:
        super().setUp()
        self.call("SADD", "s", "a", "b", "c", "d")

    def test_srandmember(self) -> None:
        """Positive counts are distinct (capped at the size), negative counts may repeat."""
        self.assertIn(self.execute("SRANDMEMBER", "s"), [b"a", b"b", b"c", b"d"])
        self.assertEqual(self.call("SRANDMEMBER", "nokey"), NIL)
        self.assertEqual(self.call("SRANDMEMBER", "nokey", resp=3), NULL3)
        self.assertEqual(self.call("SRANDMEMBER", "nokey", "3"), EMPTY)
        self.assertEqual(self.call("SRANDMEMBER", "s", "0"), EMPTY)
        two = self.sorted_members("SRANDMEMBER", "s", "2")
        self.assertEqual(len(set(two)), 2)
        self.assertEqual(self.sorted_members("SRANDMEMBER", "s", "10"), [b"a", b"b", b"c", b"d"])
        many = self.execute("SRANDMEMBER", "s", "-10")
        assert isinstance(many, list)
        self.assertEqual(len(many), 10)
        self.assertTrue(self.call("SRANDMEMBER", "s", "-3", resp=3).startswith(b"*3\r\n"))
        self.assertEqual(self.call("SCARD", "s"), num(4))

    def test_srandmember_errors(self) -> None:
        """Count parsing and extra arguments."""
        self.check(
            [
                (("SRANDMEMBER", "s", "x"), err(errors.NOT_INTEGER)),
                (
                    ("SRANDMEMBER", "s", "-9223372036854775808"),
                    err(errors.out_of_range(-(2**63) + 1, 2**63 - 1)),
                ),
                (("SRANDMEMBER", "s", "1", "2"), err(errors.SYNTAX)),
            ]
        )

    def test_spop(self) -> None:
        """SPOP removes what it returns; with a count the reply is a set."""
        popped = self.execute("SPOP", "s")
        self.assertIn(popped, [b"a", b"b", b"c", b"d"])
        self.assertEqual(self.call("SCARD", "s"), num(3))
        self.assertTrue(self.call("SPOP", "s", "2", resp=3).startswith(b"~2\r\n"))
        self.assertEqual(self.call("SPOP", "s", "0", resp=3), b"~0\r\n")
        self.assertEqual(len(self.sorted_members("SPOP", "s", "5")), 1)
        self.assertEqual(self.call("EXISTS", "s"), num(0))
        self.check(
            [
                (("SPOP", "s"), NIL),
                (("SPOP", "s", "3"), EMPTY),
                (("SPOP", "s", "-1"), err(errors.MUST_BE_POSITIVE)),
                (("SPOP", "s", "x"), err(errors.MUST_BE_POSITIVE)),
                (("SPOP", "s", "1", "2"), err(errors.SYNTAX)),
            ]
        )


class SetAlgebraTests(FamilyTestCase):
    """SINTER SUNION SDIFF, their STORE forms and SINTERCARD."""

    def setUp(self) -> None:
        super().setUp()
        self.call("SADD", "s1", "a", "b", "c", "d")
        self.call("SADD", "s2", "c", "d", "e")
        self.call("SADD", "s3", "d", "x")

    def test_reads(self) -> None:
        """The three operations, with missing keys as empty sets."""
        self.assertEqual(self.sorted_members("SINTER", "s1", "s2"), [b"c", b"d"])
        self.assertEqual(self.sorted_members("SINTER", "s1", "s2", "s3"), [b"d"])
        self.assertEqual(self.sorted_members("SINTER", "s1", "nokey"), [])
        self.assertEqual(
            self.sorted_members("SUNION", "s2", "s3", "nokey"), [b"c", b"d", b"e", b"x"]
        )
        self.assertEqual(self.sorted_members("SDIFF", "s1", "s2", "s3"), [b"a", b"b"])
        self.assertEqual(self.sorted_members("SDIFF", "nokey", "s1"), [])
        self.assertEqual(self.sorted_members("SDIFF", "s1", "s1"), [])
        self.assertEqual(self.call("SINTER", "s3", "s3", resp=3)[:4], b"~2\r\n")

    def test_stores(self) -> None:
        """STORE forms replace the destination, and delete it when the result is empty."""
        self.call("SET", "dst", "x")
        self.call("EXPIRE", "dst", "100")
        self.check(
            [
                (("SINTERSTORE", "dst", "s1", "s2"), num(2)),
                (("TTL", "dst"), num(-1)),
                (("SUNIONSTORE", "dst", "s1", "s2"), num(5)),
                (("SDIFFSTORE", "dst", "s1", "s2"), num(2)),
                (("SDIFFSTORE", "s1", "s1", "s3"), num(3)),
                (("SINTERSTORE", "dst", "s1", "nokey"), num(0)),
                (("EXISTS", "dst"), num(0)),
            ]
        )
        self.assertEqual(self.sorted_members("SMEMBERS", "s1"), [b"a", b"b", b"c"])

    def test_sintercard(self) -> None:
        """SINTERCARD counts, stops at LIMIT, and checks numkeys."""
        self.check(
            [
                (("SINTERCARD", "2", "s1", "s2"), num(2)),
                (("SINTERCARD", "2", "s1", "s2", "LIMIT", "1"), num(1)),
                (("SINTERCARD", "2", "s1", "s2", "LIMIT", "0"), num(2)),
                (("SINTERCARD", "2", "s1", "nokey"), num(0)),
                (("SINTERCARD", "0", "s1"), err(errors.NUMKEYS_NOT_POSITIVE)),
                (("SINTERCARD", "x", "s1"), err(errors.NUMKEYS_NOT_POSITIVE)),
                (("SINTERCARD", "3", "s1", "s2"), err(errors.NUMKEYS_OVER_ARGS)),
                (("SINTERCARD", "1", "s1", "LIMIT", "-1"), err(errors.LIMIT_NEGATIVE)),
                (("SINTERCARD", "1", "s1", "LIMIT", "x"), err(errors.LIMIT_NEGATIVE)),
                (("SINTERCARD", "1", "s1", "LIMIT"), err(errors.SYNTAX)),
                (("SINTERCARD", "1", "s1", "foo"), err(errors.SYNTAX)),
            ]
        )


class SetScanTests(FamilyTestCase):
    """SSCAN: small sets in one step, big ones walked by a real cursor."""

    def test_small_set_in_one_step(self) -> None:
        """A small set comes back whole with cursor 0; MATCH filters it."""
        self.call("SADD", "s", "a1", "a2", "b1")
        cursor, batch = self.scan("SSCAN", "s", "0")
        self.assertEqual((cursor, sorted(batch)), (b"0", [b"a1", b"a2", b"b1"]))
        cursor, batch = self.scan("SSCAN", "s", "0", "MATCH", "a*")
        self.assertEqual(sorted(batch), [b"a1", b"a2"])

    def test_integer_set_in_one_step(self) -> None:
        """Up to 512 integers are an intset in Redis: returned whole, with cursor 0."""
        self.execute("SADD", "s", *range(500))
        cursor, batch = self.scan("SSCAN", "s", "0", "COUNT", "5")
        self.assertEqual((cursor, len(batch)), (b"0", 500))
        self.execute("SADD", "s", *range(500, 600))
        cursor, batch = self.scan("SSCAN", "s", "0", "COUNT", "5")
        self.assertNotEqual(cursor, b"0")

    def test_compact_limits_follow_config(self) -> None:
        """What counts as small follows set-max-listpack-* and set-max-intset-entries (sets
        created under them, as Redis picks the encoding when it creates a set)."""
        self.call("CONFIG", "SET", "set-max-listpack-entries", "2")
        self.call("CONFIG", "SET", "set-max-intset-entries", "2")
        self.call("SADD", "s", "a", "b", "c")
        self.call("SADD", "n", "1", "2", "3")
        self.call("SADD", "small", "1", "2")
        self.assertNotEqual(self.scan("SSCAN", "s", "0", "COUNT", "1")[0], b"0")
        self.assertNotEqual(self.scan("SSCAN", "n", "0", "COUNT", "1")[0], b"0")
        self.assertEqual(self.scan("SSCAN", "small", "0", "COUNT", "1")[0], b"0")

    def test_big_set_full_iteration(self) -> None:
        """Iterating a big set returns every member, each step about COUNT of them."""
        members = [b"m%d" % i for i in range(1000)]
        self.execute("SADD", "s", *members)
        seen: list[bytes] = []
        cursor = b"0"
        steps = 0
        while True:
            cursor, batch = self.scan("SSCAN", "s", cursor, "COUNT", "50")
            seen.extend(batch)
            steps += 1
            if cursor == b"0":
                break
        self.assertEqual(sorted(set(seen)), sorted(members))
        self.assertGreaterEqual(steps, 20)

    def test_members_present_throughout_are_returned_despite_changes(self) -> None:
        """Members added or removed during a scan do not hide the others."""
        self.execute("SADD", "s", *[b"m%d" % i for i in range(500)])
        seen: set[bytes] = set()
        cursor = b"0"
        extra = 0
        while True:
            cursor, batch = self.scan("SSCAN", "s", cursor, "COUNT", "20")
            seen.update(batch)
            self.execute("SADD", "s", b"new%d" % extra)
            self.execute("SREM", "s", b"m%d" % (499 - extra))
            extra += 1
            if cursor == b"0":
                break
        kept = {b"m%d" % i for i in range(500 - extra)}
        self.assertLessEqual(kept, seen)

    def test_errors(self) -> None:
        """Cursor errors come first; options are parsed only for an existing key."""
        self.call("SADD", "s", "a")
        self.check(
            [
                (("SSCAN", "s", "x"), err(errors.SCAN_INVALID_CURSOR)),
                (("SSCAN", "nokey", "x"), err(errors.SCAN_INVALID_CURSOR)),
                (("SSCAN", "nokey", "0", "foo"), arr(bulk("0"), EMPTY)),
                (("SSCAN", "s", "0", "foo"), err(errors.SYNTAX)),
                (("SSCAN", "s", "0", "COUNT", "0"), err(errors.SYNTAX)),
                (("SSCAN", "s", "0", "COUNT", "x"), err(errors.NOT_INTEGER)),
                (("SSCAN", "s", "0", "MATCH"), err(errors.SYNTAX)),
            ]
        )
