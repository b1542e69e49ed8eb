"""Generic, string and bitmap commands against a real ``redis-server``, byte for byte.

The reference is a redis-server subprocess (see :mod:`tests.integration.realredis`); pyredisd
runs in-process (a :class:`~pyredisd.core.server.Server` on the wall clock, with the bitmap group
bound even before the server registers it), its replies encoded by :mod:`pyredisd.core.resp`.
Each sequence starts from FLUSHALL on both sides. Time-dependent replies use absolute deadlines
(PEXPIREAT far in the future) or whole seconds, so the two sides cannot drift apart.

Places where Debian's Redis 7.0.15 differs from Redis 7.4 (pyredisd's specification) are left out
of the corpus and listed in :data:`REDIS_70_DIFFERENCES`; unit tests pin the 7.4 behaviour.

A bounded Hypothesis differential test (derandomized, so it is repeatable) runs random command
sequences over three keys through both servers.

Without redis-server the tests skip, unless ``PYREDISD_REQUIRE_REDIS=1``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core.resp import encode
from pyredisd.core.server import Server
from tests.integration.realredis import (
    RespConnection,
    ServerProcess,
    parse,
    require_redis_server,
)

if TYPE_CHECKING:
    pass

Request = Sequence[bytes | str | int]
_UNORDERED = {"KEYS"}

REDIS_70_DIFFERENCES = {
    "SCAN -1": "7.0 parses the cursor with strtoull (wraps); 7.4's string2ull rejects negatives",
    "SCAN ' 5'": "7.0 rejects a leading space; 7.4's string2ull falls back to strtoull",
    "BITCOUNT/BITPOS missing key, bad range": "7.0 replies 0 before parsing; 7.2+ checks first",
    "OBJECT ENCODING of small lists": "quicklist in 7.0, listpack from 7.2",
}


# Stand-ins for LPUSH and HSET, bound only while the server lacks them: the corpus needs a
# key of another type to check WRONGTYPE replies.
def _sorted_array(raw: bytes) -> object:
    """A reply whose order is the dict's (KEYS): parsed, with an array's items sorted."""
    value = parse(raw)
    return sorted(value) if isinstance(value, list) else value


def _argv(request: Request) -> list[bytes]:
    return [arg if isinstance(arg, bytes) else str(arg).encode() for arg in request]


class Pair:
    """A real redis-server connection and an in-process pyredisd client, side by side."""

    def __init__(self, redis: RespConnection) -> None:
        self.redis = redis
        self.server = Server()
        self.client = self.server.new_client()

    def replies(self, request: Request) -> tuple[bytes, bytes]:
        """(redis-server's raw reply, pyredisd's encoded reply) to one request."""
        argv = _argv(request)
        expected = self.redis.call(*argv)
        actual = encode(self.server.execute(self.client, argv), self.client.resp)
        return expected, actual

    def run(self, requests: Sequence[Request]) -> list[tuple[Request, bytes, bytes]]:
        """FLUSHALL both, then every request; the pairs of replies that differ."""
        self.replies(("FLUSHALL",))
        self.replies(("HELLO", "2"))
        differences = []
        for request in requests:
            expected, actual = self.replies(request)
            unordered = str(request[0]).upper() in _UNORDERED
            if unordered and _sorted_array(expected) == _sorted_array(actual):
                continue
            if expected != actual:
                differences.append((request, expected, actual))
        return differences


class CompareTestCase(SynchronousTestCase):
    """One redis-server per test, stopped by PID afterwards."""

    def setUp(self) -> None:
        path = require_redis_server(self)
        self.redis = ServerProcess.redis(path)
        self.redis.start()
        self.addCleanup(self.redis.stop)
        connection = self.redis.connect()
        self.addCleanup(connection.close)
        self.pair = Pair(connection)

    def assertSameReplies(self, sequences: dict[str, Sequence[Request]]) -> None:
        """Every named sequence gets byte-identical replies from both servers."""
        for name, requests in sequences.items():
            with self.subTest(case=name):
                self.assertEqual(self.pair.run(requests), [], name)


FAR = 4_000_000_000_000  # a PEXPIREAT deadline in 2096

GENERIC: dict[str, Sequence[Request]] = {
    "del unlink touch exists": [
        ("MSET", "a", "1", "b", "2", "c", "3"),
        ("TOUCH", "a", "nokey", "a"),
        ("UNLINK", "a", "nokey"),
        ("DEL", "b", "c", "b"),
        ("EXISTS", "a", "b", "c"),
        ("UNLINK",),
        ("TOUCH",),
    ],
    "type": [
        ("SET", "s", "v"),
        ("TYPE", "s"),
        ("TYPE", "nokey"),
        ("TYPE",),
    ],
    "rename": [
        ("RENAME", "nokey", "x"),
        ("RENAME", "nokey", "nokey"),
        ("SET", "a", "1"),
        ("PEXPIREAT", "a", FAR),
        ("RENAME", "a", "a"),
        ("RENAME", "a", "b"),
        ("EXISTS", "a"),
        ("PEXPIRETIME", "b"),
        ("SET", "c", "3"),
        ("RENAME", "c", "b"),
        ("PEXPIRETIME", "b"),
        ("GET", "b"),
        ("RENAMENX", "b", "b"),
        ("SET", "d", "4"),
        ("RENAMENX", "b", "d"),
        ("RENAMENX", "b", "e"),
        ("RENAMENX", "nokey", "e"),
        ("MGET", "b", "d", "e"),
    ],
    "copy": [
        ("SET", "a", "1"),
        ("PEXPIREAT", "a", FAR),
        ("COPY", "a", "b"),
        ("PEXPIRETIME", "b"),
        ("COPY", "a", "b"),
        ("SET", "a", "2"),
        ("COPY", "a", "b", "REPLACE"),
        ("GET", "b"),
        ("COPY", "a", "a"),
        ("COPY", "a", "a", "DB", "0"),
        ("COPY", "a", "a", "DB", "1"),
        ("COPY", "a", "b", "DB", "16"),
        ("COPY", "a", "b", "DB", "-1"),
        ("COPY", "a", "b", "DB", "x"),
        ("COPY", "a", "b", "DB", "99999999999"),
        ("COPY", "a", "b", "DB"),
        ("COPY", "a", "b", "bogus"),
        ("COPY", "nokey", "b"),
        ("COPY", "nokey", "nokey"),
        ("COPY", "a", "z", "db", "2", "replace"),
        ("SELECT", "2"),
        ("GET", "z"),
        ("SELECT", "0"),
    ],
    "move": [
        ("SET", "a", "1"),
        ("PEXPIREAT", "a", FAR),
        ("MOVE", "a", "0"),
        ("MOVE", "a", "16"),
        ("MOVE", "a", "x"),
        ("MOVE", "a", "99999999999"),
        ("MOVE", "nokey", "1"),
        ("MOVE", "a", "1"),
        ("EXISTS", "a"),
        ("SET", "a", "again"),
        ("SELECT", "1"),
        ("PEXPIRETIME", "a"),
        ("SELECT", "0"),
        ("MOVE", "a", "1"),
        ("GET", "a"),
    ],
    "keys": [
        ("MSET", "hello", "1", "hallo", "2", "hxllo", "3", "heeeello", "4", "h*llo", "5"),
        ("KEYS", "h?llo"),
        ("KEYS", "h*llo"),
        ("KEYS", "h[ae]llo"),
        ("KEYS", "h[^e]llo"),
        ("KEYS", "h[a-b]llo"),
        ("KEYS", "h\\*llo"),
        ("KEYS", "nomatch*"),
        ("KEYS", "["),
        ("KEYS", "h[a-"),
        ("KEYS", "H*"),
        ("MSET", b"\x90", "1", "b", "2", "\\", "3", "]", "4", "", "5"),
        ("KEYS", b"[\x80-\xff]"),
        ("KEYS", b"[a-\xff]"),
        ("KEYS", "\\"),
        ("KEYS", "[\\]]"),
        ("KEYS", "*"),
        ("KEYS", "**"),
        ("KEYS", "?*"),
    ],
    "keys nesting limit": [
        ("SET", "a" * 1100, "1"),
        ("KEYS", "*a" * 1000 + "*"),
        ("KEYS", "*a" * 1001 + "*"),
        ("KEYS", "*a" * 1001),
    ],
    "scan errors": [
        ("SET", "a", "1"),
        ("SCAN", "abc"),
        ("SCAN", "18446744073709551616"),
        ("SCAN", "0", "COUNT", "0"),
        ("SCAN", "0", "COUNT", "x"),
        ("SCAN", "0", "COUNT"),
        ("SCAN", "0", "MATCH"),
        ("SCAN", "0", "NOVALUES"),
        ("SCAN", "0", "bogus", "1"),
        ("SCAN", "0", "TYPE", "string"),
        ("SCAN", "0", "TYPE", "hash"),
        ("SCAN", "0", "TYPE", "nosuchtype"),
        ("SCAN", "0", "MATCH", "a"),
        ("SCAN", "0", "MATCH", "b*"),
    ],
    "randomkey": [
        ("RANDOMKEY",),
        ("SET", "only", "1"),
        ("RANDOMKEY",),
    ],
    "expire family": [
        ("SET", "a", "1"),
        ("PEXPIREAT", "a", FAR),
        ("EXPIRETIME", "a"),
        ("PEXPIRETIME", "a"),
        ("TTL", "a"),
        ("EXPIREAT", "a", FAR // 1000 + 1),
        ("PEXPIRETIME", "a"),
        ("PEXPIREAT", "a", FAR, "NX"),
        ("PEXPIREAT", "a", FAR, "GT"),
        ("PEXPIREAT", "a", FAR + 5000, "GT"),
        ("PEXPIRE", "a", "100000", "LT"),
        ("PEXPIRE", "a", "x"),
        ("PEXPIRE", "a", "9223372036854775807"),
        ("EXPIREAT", "a", "9223372036854775807"),
        ("PEXPIREAT", "a", "1", "bogus"),
        ("PERSIST", "a"),
        ("PERSIST", "a"),
        ("PERSIST", "nokey"),
        ("PTTL", "a"),
        ("PTTL", "nokey"),
        ("EXPIRETIME", "a"),
        ("EXPIRETIME", "nokey"),
        ("PEXPIRETIME", "nokey"),
        ("PEXPIREAT", "a", "1"),
        ("EXISTS", "a"),
        ("SET", "b", "1"),
        ("EXPIREAT", "b", "0"),
        ("GET", "b"),
        ("SET", "c", "1"),
        ("PEXPIRE", "c", "-5"),
        ("GET", "c"),
    ],
    "object": [
        ("SET", "int", "12345"),
        ("SET", "neg", "-1"),
        ("SET", "big", "12345678901234567890"),
        ("SET", "emb", "x" * 44),
        ("SET", "raw", "x" * 45),
        ("SET", "lead0", "012"),
        ("OBJECT", "ENCODING", "int"),
        ("OBJECT", "ENCODING", "neg"),
        ("OBJECT", "ENCODING", "big"),
        ("OBJECT", "ENCODING", "emb"),
        ("OBJECT", "ENCODING", "raw"),
        ("OBJECT", "ENCODING", "lead0"),
        ("OBJECT", "ENCODING", "nokey"),
        ("OBJECT", "REFCOUNT", "int"),
        ("OBJECT", "REFCOUNT", "neg"),
        ("OBJECT", "REFCOUNT", "emb"),
        ("OBJECT", "REFCOUNT", "nokey"),
        ("OBJECT", "FREQ", "int"),
        ("OBJECT", "FREQ", "nokey"),
        ("OBJECT", "IDLETIME", "nokey"),
        ("OBJECT", "HELP"),
        ("OBJECT", "bogus"),
        ("OBJECT",),
        ("OBJECT", "ENCODING"),
        ("OBJECT", "HELP", "extra"),
    ],
}

STRINGS: dict[str, Sequence[Request]] = {
    "getex": [
        ("GETEX", "nokey"),
        ("SET", "k", "v"),
        ("GETEX", "k"),
        ("GETEX", "k", "PXAT", FAR),
        ("PEXPIRETIME", "k"),
        ("GETEX", "k", "PERSIST"),
        ("PEXPIRETIME", "k"),
        ("GETEX", "k", "EX", "0"),
        ("GETEX", "k", "EX", "-1"),
        ("GETEX", "k", "EX", "x"),
        ("GETEX", "k", "EX"),
        ("GETEX", "k", "PERSIST", "EX", "1"),
        ("GETEX", "k", "EX", "1", "PX", "1"),
        ("GETEX", "k", "KEEPTTL"),
        ("GETEX", "k", "EX", "9223372036854775807"),
        ("GETEX", "k", "EXAT", FAR // 1000, "EXAT", FAR // 1000 + 1),
        ("EXPIRETIME", "k"),
        ("GETEX", "k", "PERSIST", "PERSIST"),
        ("GETEX", "k", "PXAT", "1"),
        ("EXISTS", "k"),
        ("GETEX", "nokey", "EX", "0"),
        ("HSET", "h", "f", "v"),
        ("GETEX", "h"),
    ],
    "getdel getset": [
        ("GETDEL", "k"),
        ("SET", "k", "v"),
        ("GETDEL", "k"),
        ("EXISTS", "k"),
        ("GETSET", "k", "1"),
        ("PEXPIREAT", "k", FAR),
        ("GETSET", "k", "2"),
        ("PEXPIRETIME", "k"),
        ("LPUSH", "l", "x"),
        ("GETSET", "l", "v"),
        ("GETDEL", "l"),
    ],
    "mget mset msetnx": [
        ("MSET", "a", "1", "b", "2"),
        ("MSET", "a"),
        ("MSET", "a", "1", "b"),
        ("LPUSH", "l", "x"),
        ("MGET", "a", "b", "l", "nokey"),
        ("MSETNX", "a", "9", "c", "3"),
        ("MSETNX", "c", "3", "d", "4"),
        ("MSETNX", "c", "3", "d"),
        ("MSETNX", "e", "1", "e", "2"),
        ("MGET", "c", "d", "e"),
    ],
    "setnx setex psetex": [
        ("SETNX", "k", "1"),
        ("SETNX", "k", "2"),
        ("GET", "k"),
        ("SETEX", "k", "0", "v"),
        ("SETEX", "k", "-1", "v"),
        ("SETEX", "k", "x", "v"),
        ("SETEX", "k", "9223372036854775807", "v"),
        ("PSETEX", "k", "0", "v"),
        ("PSETEX", "k", "9223372036854775807", "v"),
        ("SETEX", "k", "100", "v"),
        ("TTL", "k"),
        ("PSETEX", "k", "100000", "w"),
        ("TTL", "k"),
        ("GET", "k"),
    ],
    "append strlen": [
        ("APPEND", "k", "abc"),
        ("APPEND", "k", "def"),
        ("STRLEN", "k"),
        ("STRLEN", "nokey"),
        ("PEXPIREAT", "k", FAR),
        ("APPEND", "k", ""),
        ("PEXPIRETIME", "k"),
        ("SET", "n", "12"),
        ("APPEND", "n", "3"),
        ("GET", "n"),
        ("LPUSH", "l", "x"),
        ("APPEND", "l", "x"),
        ("STRLEN", "l"),
    ],
    "getrange substr": [
        ("SET", "k", "Hello World"),
        ("GETRANGE", "k", "0", "4"),
        ("GETRANGE", "k", "-5", "-1"),
        ("GETRANGE", "k", "-1", "-5"),
        ("GETRANGE", "k", "5", "3"),
        ("GETRANGE", "k", "0", "1000"),
        ("GETRANGE", "k", "-1000", "1"),
        ("GETRANGE", "k", "100", "200"),
        ("GETRANGE", "k", "x", "1"),
        ("GETRANGE", "nokey", "0", "-1"),
        ("SUBSTR", "k", "6", "-1"),
        ("SET", "e", ""),
        ("GETRANGE", "e", "0", "-1"),
        ("GETRANGE", "e", "-1", "0"),
        ("SET", "n", "12345"),
        ("GETRANGE", "n", "1", "2"),
        ("LPUSH", "l", "x"),
        ("GETRANGE", "l", "0", "1"),
    ],
    "setrange": [
        ("SETRANGE", "k", "5", "x"),
        ("GET", "k"),
        ("SETRANGE", "k", "0", "ab"),
        ("SETRANGE", "k", "0", ""),
        ("SETRANGE", "nokey", "0", ""),
        ("EXISTS", "nokey"),
        ("SETRANGE", "nokey", "-1", ""),
        ("SETRANGE", "k", "-1", "x"),
        ("SETRANGE", "k", "x", "x"),
        ("SETRANGE", "k", "536870911", "ab"),
        ("SETRANGE", "k", "536870912", ""),
        ("SETRANGE", "k", "2", "long replacement"),
        ("GET", "k"),
        ("PEXPIREAT", "k", FAR),
        ("SETRANGE", "k", "1", "Z"),
        ("PEXPIRETIME", "k"),
        ("LPUSH", "l", "x"),
        ("SETRANGE", "l", "0", "x"),
    ],
    "incr decr": [
        ("INCRBY", "k", "5"),
        ("DECR", "k"),
        ("DECRBY", "k", "10"),
        ("DECRBY", "k", "-9223372036854775808"),
        ("DECRBY", "k", "x"),
        ("INCRBY", "k", "9223372036854775807"),
        ("SET", "k", "9223372036854775807"),
        ("INCRBY", "k", "1"),
        ("SET", "k", "-9223372036854775808"),
        ("DECR", "k"),
        ("DECRBY", "k", "1"),
        ("SET", "k", "1.5"),
        ("INCRBY", "k", "1"),
        ("SET", "k", " 1"),
        ("DECR", "k"),
        ("LPUSH", "l", "x"),
        ("DECR", "l"),
    ],
    "incrbyfloat": [
        ("INCRBYFLOAT", "f", "0.1"),
        ("INCRBYFLOAT", "f", "0.1"),
        ("INCRBYFLOAT", "f", "0.1"),
        ("SET", "f", "10"),
        ("INCRBYFLOAT", "f", "0.5"),
        ("SET", "f", "1.1"),
        ("INCRBYFLOAT", "f", "2.2"),
        ("SET", "f", "3.0000000000000004"),
        ("INCRBYFLOAT", "f", "0"),
        ("SET", "f", "5.0e3"),
        ("INCRBYFLOAT", "f", "2.0e2"),
        ("SET", "f", "0x10"),
        ("INCRBYFLOAT", "f", "1.5e-10"),
        ("SET", "f", "1e300"),
        ("INCRBYFLOAT", "f", "1"),
        ("INCRBYFLOAT", "f", "-1e300"),
        ("INCRBYFLOAT", "f", "inf"),
        ("INCRBYFLOAT", "f", "-inf"),
        ("INCRBYFLOAT", "f", "nan"),
        ("INCRBYFLOAT", "f", "abc"),
        ("INCRBYFLOAT", "f", " 1"),
        ("INCRBYFLOAT", "f", "1 "),
        ("INCRBYFLOAT", "f", "+1"),
        ("INCRBYFLOAT", "f", "1e"),
        ("INCRBYFLOAT", "f", ".5"),
        ("INCRBYFLOAT", "f", "1."),
        ("INCRBYFLOAT", "f", "1e-5000"),
        ("INCRBYFLOAT", "f", "1e5000"),
        ("INCRBYFLOAT", "f", "1e4000"),
        ("SET", "f", "1e4000"),
        ("INCRBYFLOAT", "f", "1e4000"),
        ("SET", "f", "1"),
        ("INCRBYFLOAT", "f", "1e4932"),
        ("INCRBYFLOAT", "f", "1e4932"),
        ("SET", "f", "0"),
        ("INCRBYFLOAT", "f", "1" * 4000 + "." + "5" * 1000),
        ("INCRBYFLOAT", "f", "0." + "0" * 5200 + "1"),
        ("INCRBYFLOAT", "f", "1" * 5000),
        ("SET", "f", "-0.000000000000000001"),
        ("INCRBYFLOAT", "f", "0"),
        ("SET", "f", "abc"),
        ("INCRBYFLOAT", "f", "1"),
        ("SET", "f", "inf"),
        ("INCRBYFLOAT", "f", "1"),
        ("SET", "f", "1"),
        ("PEXPIREAT", "f", FAR),
        ("INCRBYFLOAT", "f", "1"),
        ("PEXPIRETIME", "f"),
        ("LPUSH", "l", "x"),
        ("INCRBYFLOAT", "l", "1"),
    ],
    "lcs": [
        ("MSET", "a", "ohmytext", "b", "mynewtext"),
        ("LCS", "a", "b"),
        ("LCS", "a", "b", "LEN"),
        ("LCS", "a", "b", "IDX"),
        ("LCS", "a", "b", "IDX", "MINMATCHLEN", "4"),
        ("LCS", "a", "b", "IDX", "MINMATCHLEN", "-4", "WITHMATCHLEN"),
        ("LCS", "a", "b", "LEN", "IDX"),
        ("LCS", "a", "b", "MINMATCHLEN", "x"),
        ("LCS", "a", "b", "MINMATCHLEN"),
        ("LCS", "a", "b", "bogus"),
        ("LCS", "a", "nokey"),
        ("LCS", "nokey", "nokey", "IDX"),
        ("LCS", "a", "a", "IDX", "WITHMATCHLEN"),
        ("MSET", "x", "ABCBDAB", "y", "BDCABA"),
        ("LCS", "x", "y", "IDX", "WITHMATCHLEN"),
        ("LCS", "y", "x"),
        ("LPUSH", "l", "x"),
        ("LCS", "a", "l"),
        ("LCS", "l", "bogus", "bogus"),
    ],
}

BITMAPS: dict[str, Sequence[Request]] = {
    "setbit getbit": [
        ("SETBIT", "b", "7", "1"),
        ("SETBIT", "b", "7", "1"),
        ("SETBIT", "b", "7", "0"),
        ("SETBIT", "b", "100", "1"),
        ("GET", "b"),
        ("GETBIT", "b", "100"),
        ("GETBIT", "b", "99999"),
        ("GETBIT", "nokey", "0"),
        ("SETBIT", "b", "4294967296", "1"),
        ("SETBIT", "b", "-1", "1"),
        ("SETBIT", "b", "x", "1"),
        ("SETBIT", "b", "1", "2"),
        ("SETBIT", "b", "1", "-1"),
        ("SETBIT", "b", "1", "x"),
        ("GETBIT", "b", "x"),
        ("GETBIT", "b", "-1"),
        ("PEXPIREAT", "b", FAR),
        ("SETBIT", "b", "1000", "1"),
        ("PEXPIRETIME", "b"),
        ("LPUSH", "l", "x"),
        ("SETBIT", "l", "0", "1"),
        ("GETBIT", "l", "0"),
    ],
    "bitcount": [
        ("SET", "k", "foobar"),
        ("BITCOUNT", "k"),
        ("BITCOUNT", "k", "0", "0"),
        ("BITCOUNT", "k", "1", "1"),
        ("BITCOUNT", "k", "1", "1", "BYTE"),
        ("BITCOUNT", "k", "5", "30", "BIT"),
        ("BITCOUNT", "k", "-3", "-1", "bit"),
        ("BITCOUNT", "k", "-1", "-3"),
        ("BITCOUNT", "k", "0", "-1000"),
        ("BITCOUNT", "k", "-1000", "1000"),
        ("BITCOUNT", "k", "0"),
        ("BITCOUNT", "k", "0", "1", "bogus"),
        ("BITCOUNT", "k", "x", "1"),
        ("BITCOUNT", "k", "0", "1", "BIT", "extra"),
        ("BITCOUNT", "nokey"),
        ("BITCOUNT", "nokey", "0", "1"),
        ("SET", "e", ""),
        ("BITCOUNT", "e", "0", "-1"),
        ("SET", "n", "123"),
        ("BITCOUNT", "n"),
        ("LPUSH", "l", "x"),
        ("BITCOUNT", "l"),
    ],
    "bitpos": [
        ("SET", "k", "\xff\xf0\x00"),
        ("BITPOS", "k", "0"),
        ("BITPOS", "k", "1"),
        ("BITPOS", "k", "0", "1"),
        ("BITPOS", "k", "0", "0", "0"),
        ("BITPOS", "k", "1", "2"),
        ("BITPOS", "k", "1", "2", "-1"),
        ("BITPOS", "k", "0", "2", "-1"),
        ("BITPOS", "k", "1", "7", "15", "BIT"),
        ("BITPOS", "k", "0", "3", "8", "BIT"),
        ("BITPOS", "k", "0", "0", "7", "BIT"),
        ("BITPOS", "k", "1", "-9", "-1", "BIT"),
        ("BITPOS", "k", "0", "-9", "-1", "BIT"),
        ("BITPOS", "k", "0", "5", "BIT"),
        ("BITPOS", "k", "1", "100"),
        ("BITPOS", "k", "1", "2", "1"),
        ("BITPOS", "k", "2"),
        ("BITPOS", "k", "x"),
        ("BITPOS", "k", "1", "x"),
        ("BITPOS", "k", "1", "0", "x"),
        ("BITPOS", "k", "1", "0", "1", "bogus"),
        ("BITPOS", "k", "1", "0", "1", "BIT", "extra"),
        ("SET", "ones", "\xff\xff"),
        ("BITPOS", "ones", "0"),
        ("BITPOS", "ones", "0", "0"),
        ("BITPOS", "ones", "0", "0", "-1"),
        ("BITPOS", "ones", "0", "0", "-1", "BIT"),
        ("BITPOS", "ones", "0", "3", "BIT"),
        ("BITPOS", "nokey", "0"),
        ("BITPOS", "nokey", "1"),
        ("SET", "e", ""),
        ("BITPOS", "e", "0"),
        ("BITPOS", "e", "1"),
        ("LPUSH", "l", "x"),
        ("BITPOS", "l", "1"),
    ],
    "bitop": [
        ("SET", "a", "\x0f\xf0"),
        ("SET", "b", "\xff"),
        ("BITOP", "AND", "d", "a", "b"),
        ("GET", "d"),
        ("BITOP", "or", "d", "a", "b", "nokey"),
        ("GET", "d"),
        ("BITOP", "XOR", "d", "a", "b"),
        ("GET", "d"),
        ("BITOP", "NOT", "d", "a"),
        ("GET", "d"),
        ("BITOP", "NOT", "d", "a", "b"),
        ("BITOP", "bogus", "d", "a"),
        ("PEXPIREAT", "d", FAR),
        ("BITOP", "AND", "d", "a"),
        ("PEXPIRETIME", "d"),
        ("BITOP", "AND", "d", "nokey", "nokey2"),
        ("EXISTS", "d"),
        ("LPUSH", "l", "x"),
        ("BITOP", "AND", "d", "a", "l"),
        ("BITOP", "AND", "l", "a"),
        ("TYPE", "l"),
    ],
    "bitfield": [
        ("BITFIELD", "b", "SET", "i8", "0", "100", "GET", "i8", "0"),
        ("BITFIELD", "b", "INCRBY", "i8", "0", "100"),
        ("BITFIELD", "b", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "100"),
        ("BITFIELD", "b", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "100", "GET", "i8", "0"),
        ("BITFIELD", "b", "OVERFLOW", "WRAP", "INCRBY", "u2", "#1", "5", "GET", "u8", "0"),
        ("BITFIELD", "b", "SET", "u8", "#3", "255", "GET", "u32", "0", "GET", "i32", "0"),
        ("BITFIELD", "b", "SET", "i64", "8", "-1", "GET", "i64", "8", "GET", "u63", "9"),
        ("BITFIELD", "b", "OVERFLOW", "SAT", "SET", "u4", "0", "-1", "SET", "i4", "0", "100"),
        ("BITFIELD", "b", "OVERFLOW", "SAT", "INCRBY", "u4", "0", "-100"),
        ("BITFIELD", "b", "OVERFLOW", "WRAP", "SET", "u4", "0", "-1", "GET", "u4", "0"),
        ("BITFIELD", "b", "INCRBY", "i64", "0", "9223372036854775807"),
        ("BITFIELD", "b", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "9223372036854775807"),
        ("BITFIELD", "b", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "-9223372036854775808"),
        ("BITFIELD", "b", "OVERFLOW", "FAIL", "SET", "u1", "0", "2", "GET", "u1", "0"),
        ("GET", "b"),
        ("BITFIELD", "b"),
        ("BITFIELD", "nokey", "GET", "u8", "0"),
        ("EXISTS", "nokey"),
        ("BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u2", "100", "10"),
        ("GET", "f"),
        ("BITFIELD", "b", "GET", "i65", "0"),
        ("BITFIELD", "b", "GET", "u64", "0"),
        ("BITFIELD", "b", "GET", "x8", "0"),
        ("BITFIELD", "b", "GET", "I8", "0"),
        ("BITFIELD", "b", "GET", "i0", "0"),
        ("BITFIELD", "b", "GET", "i8", "-1"),
        ("BITFIELD", "b", "GET", "i8", "#-1"),
        ("BITFIELD", "b", "GET", "i8", "x"),
        ("BITFIELD", "b", "GET", "i8", "4294967296"),
        ("BITFIELD", "b", "GET", "i8"),
        ("BITFIELD", "b", "SET", "i8", "0"),
        ("BITFIELD", "b", "SET", "i8", "0", "x"),
        ("BITFIELD", "b", "OVERFLOW", "bogus"),
        ("BITFIELD", "b", "OVERFLOW"),
        ("BITFIELD", "b", "bogus"),
        ("BITFIELD_RO", "b", "GET", "u8", "0", "GET", "u4", "#1"),
        ("BITFIELD_RO", "b", "SET", "u8", "0", "1"),
        ("BITFIELD_RO", "b", "INCRBY", "u8", "0", "1"),
        ("BITFIELD_RO", "b"),
        ("LPUSH", "l", "x"),
        ("BITFIELD", "l", "GET", "u8", "0"),
        ("BITFIELD", "l", "SET", "u8", "0", "1"),
    ],
}


SORT: dict[str, Sequence[Request]] = {
    "numeric and alpha": [
        ("RPUSH", "l", "3", "1", "2", "10", "-1.5", "1e1"),
        ("SORT", "l"),
        ("SORT", "l", "DESC"),
        ("SORT", "l", "ALPHA"),
        ("SORT", "l", "ALPHA", "DESC"),
        ("SORT", "l", "LIMIT", "1", "2"),
        ("SORT", "l", "LIMIT", "-5", "2"),
        ("SORT", "l", "LIMIT", "2", "-1"),
        ("SORT", "l", "LIMIT", "10", "5"),
        ("SORT", "l", "LIMIT", "0", "0"),
        ("SORT", "l", "LIMIT", "x", "1"),
        ("SORT", "l", "LIMIT", "1"),
        ("SORT", "l", "bogus"),
        ("SORT", "l", "STORE"),
        ("SORT_RO", "l", "STORE", "d"),
        ("SORT_RO", "l", "DESC", "LIMIT", "0", "3"),
        ("SORT", "nokey"),
        ("SORT", "nokey", "STORE", "d"),
        ("RPUSH", "words", "b", "a", "c"),
        ("SORT", "words"),
        ("SORT", "words", "ALPHA"),
        ("RPUSH", "odd", " 5", "0x10", "", "inf", "-inf"),
        ("SORT", "odd"),
        ("RPUSH", "bad", "5 "),
        ("SORT", "bad"),
        ("RPUSH", "nan", "nan"),
        ("SORT", "nan"),
        ("SET", "s", "v"),
        ("SORT", "s"),
    ],
    "by and get": [
        ("RPUSH", "l", "a", "b", "c", "d"),
        ("MSET", "w_a", "3", "w_b", "1", "w_c", "2", "v_a", "A", "v_b", "B"),
        ("HSET", "h_a", "f", "30", "g", "x"),
        ("HSET", "h_b", "f", "10"),
        ("HSET", "h_c", "f", "20"),
        ("SORT", "l", "BY", "w_*"),
        ("SORT", "l", "BY", "w_*", "DESC"),
        ("SORT", "l", "BY", "h_*->f"),
        ("SORT", "l", "BY", "h_*->f", "GET", "#", "GET", "v_*", "GET", "h_*->g"),
        ("SORT", "l", "BY", "nosort"),
        ("SORT", "l", "BY", "nosort", "DESC"),
        ("SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2"),
        ("SORT", "l", "BY", "w_*", "ALPHA"),
        ("SORT", "l", "BY", "v_*", "ALPHA", "DESC"),
        ("SORT", "l", "GET", "nostar"),
        ("SORT", "l", "GET", "h_*->"),
        ("SORT", "l", "BY", "v_*"),
        ("SORT", "l", "BY", "w_*", "GET", "v_*", "STORE", "dst"),
        ("SORT", "dst", "BY", "nosort"),
        ("TYPE", "dst"),
        ("SORT", "l", "LIMIT", "9", "9", "STORE", "dst"),
        ("EXISTS", "dst"),
    ],
    "sets and sorted sets": [
        ("SADD", "s", "3", "1", "2"),
        ("SORT", "s"),
        ("SORT", "s", "DESC", "LIMIT", "0", "2"),
        ("SADD", "sw", "c", "a", "b"),
        ("SORT", "sw", "BY", "nosort", "STORE", "dst"),
        ("SORT", "dst", "BY", "nosort"),
        ("ZADD", "z", "3", "x", "1", "y", "2", "z"),
        ("SORT", "z", "BY", "nosort"),
        ("SORT", "z", "BY", "nosort", "DESC"),
        ("SORT", "z", "ALPHA"),
        ("SORT", "z", "BY", "nosort", "LIMIT", "1", "1"),
    ],
}


class SortTests(CompareTestCase):
    """SORT and SORT_RO."""

    def test_sort_corpus(self) -> None:
        """Numeric and ALPHA order, LIMIT, BY, GET, STORE, on lists, sets and sorted sets."""
        self.assertSameReplies(SORT)


class GenericTests(CompareTestCase):
    """Generic keyspace commands."""

    def test_generic_corpus(self) -> None:
        """Deletion, TYPE, RENAME, COPY, MOVE, KEYS, SCAN errors, TTLs and OBJECT."""
        self.assertSameReplies(GENERIC)

    def test_full_scan_returns_every_key(self) -> None:
        """A complete SCAN iteration returns the same key set on both servers."""
        keys = [f"key:{i}" for i in range(300)]
        self.pair.run([("MSET", *[x for key in keys for x in (key, "v")])])
        for label, server_keys in (("redis", self._scan_redis()), ("pyredisd", self._scan_ours())):
            with self.subTest(server=label):
                self.assertEqual(sorted(set(server_keys)), sorted(k.encode() for k in keys))

    def _scan_redis(self) -> list[bytes]:
        cursor, found = b"0", []
        while True:
            reply = parse(self.pair.redis.call("SCAN", cursor, "COUNT", "17"))
            assert isinstance(reply, list)
            cursor, batch = reply
            found.extend(batch)
            if cursor == b"0":
                return found

    def _scan_ours(self) -> list[bytes]:
        cursor: bytes = b"0"
        found: list[bytes] = []
        while True:
            reply = self.pair.server.execute(self.pair.client, [b"SCAN", cursor, b"COUNT", b"17"])
            assert isinstance(reply, list)
            next_cursor, batch = reply
            assert isinstance(next_cursor, bytes) and isinstance(batch, list)
            cursor = next_cursor
            found.extend(key for key in batch if isinstance(key, bytes))
            if cursor == b"0":
                return found


class StringTests(CompareTestCase):
    """String commands."""

    def test_string_corpus(self) -> None:
        """GETEX GETDEL GETSET MGET MSET(NX) SETNX SETEX PSETEX APPEND STRLEN GETRANGE SETRANGE
        INCRBY DECR DECRBY INCRBYFLOAT LCS."""
        self.assertSameReplies(STRINGS)

    def test_lcs_resp3(self) -> None:
        """LCS IDX replies with a map under RESP3."""
        self.pair.replies(("FLUSHALL",))
        self.pair.replies(("HELLO", "3"))
        for request in (("MSET", "a", "ohmytext", "b", "mynewtext"), ("LCS", "a", "b", "IDX")):
            expected, actual = self.pair.replies(request)
            self.assertEqual(actual, expected)


class BitmapTests(CompareTestCase):
    """Bitmap commands."""

    def test_bitmap_corpus(self) -> None:
        """SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO."""
        self.assertSameReplies(BITMAPS)


# -- differential ------------------------------------------------------------------------------
_KEYS = st.sampled_from(["k1", "k2", "k3"])
_VALUES = st.sampled_from(["", "0", "1", "-7", "10", "3.5", "abc", "hello world", "\xff\x00"])
_INTS = st.sampled_from(["-3", "-1", "0", "1", "2", "5", "100", "x"])
# BITCOUNT/BITPOS ranges stay valid: 7.0 answers 0 for a missing key before parsing them.
_RANGE = st.sampled_from(["-3", "-1", "0", "1", "2", "5", "100"])
_FLOATS = st.sampled_from(["0.1", "-1.5", "1e3", "2", "x", "inf"])
_SMALL_OFFSETS = st.sampled_from(["0", "1", "7", "9", "31"])

_COMMANDS = st.one_of(
    st.tuples(st.sampled_from(["GET", "DEL", "EXISTS", "TYPE", "STRLEN", "GETDEL", "INCR"]), _KEYS),
    st.tuples(st.sampled_from(["DECR", "PERSIST", "BITCOUNT", "UNLINK", "TOUCH", "TTL"]), _KEYS),
    st.tuples(st.sampled_from(["SET", "GETSET", "APPEND", "SETNX"]), _KEYS, _VALUES),
    st.tuples(st.sampled_from(["INCRBY", "DECRBY"]), _KEYS, _INTS),
    st.tuples(st.just("INCRBYFLOAT"), _KEYS, _FLOATS),
    st.tuples(st.sampled_from(["RENAME", "RENAMENX", "COPY", "LCS"]), _KEYS, _KEYS),
    st.tuples(st.just("GETRANGE"), _KEYS, _INTS, _INTS),
    st.tuples(st.just("BITCOUNT"), _KEYS, _RANGE, _RANGE),
    st.tuples(st.just("SETRANGE"), _KEYS, _SMALL_OFFSETS, _VALUES),
    st.tuples(st.just("SETBIT"), _KEYS, _SMALL_OFFSETS, st.sampled_from(["0", "1"])),
    st.tuples(st.just("GETBIT"), _KEYS, _SMALL_OFFSETS),
    st.tuples(st.just("BITPOS"), _KEYS, st.sampled_from(["0", "1"]), _RANGE),
    st.tuples(st.just("BITOP"), st.sampled_from(["AND", "OR", "XOR"]), _KEYS, _KEYS, _KEYS),
    st.tuples(st.just("BITOP"), st.just("NOT"), _KEYS, _KEYS),
    st.tuples(st.just("MSET"), _KEYS, _VALUES, _KEYS, _VALUES),
    st.tuples(st.just("MSETNX"), _KEYS, _VALUES, _KEYS, _VALUES),
    st.tuples(st.just("MGET"), _KEYS, _KEYS, _KEYS),
    st.tuples(
        st.just("BITFIELD"),
        _KEYS,
        st.sampled_from(["INCRBY", "SET"]),
        st.sampled_from(["i4", "u4", "i8", "u7"]),
        _SMALL_OFFSETS,
        _INTS,
    ),
    st.tuples(st.just("EXPIRE"), _KEYS, st.sampled_from(["100", "1000"])),
    st.tuples(st.just("GETEX"), _KEYS, st.sampled_from(["PERSIST", "EX"]), st.just("100")),
    st.tuples(st.just("LPUSH"), _KEYS, _VALUES),
    st.tuples(st.just("SORT"), _KEYS, st.sampled_from(["ASC", "DESC", "ALPHA"])),
    st.tuples(st.just("SORT"), _KEYS, st.just("STORE"), _KEYS),
)


class DifferentialTests(CompareTestCase):
    """Random command sequences over three keys give byte-identical replies."""

    @settings(
        max_examples=400,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(_COMMANDS, min_size=1, max_size=25))
    def check_sequence(self, requests: list[tuple[str, ...]]) -> None:
        self.assertEqual(self.pair.run(requests), [])

    def test_random_sequences(self) -> None:
        """400 derandomized sequences of up to 25 commands each agree with redis-server."""
        self.check_sequence()
