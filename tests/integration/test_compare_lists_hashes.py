"""Byte-for-byte comparison of the list and hash commands with a real ``redis-server``.

pyredisd runs in this process on 127.0.0.1:0 with the list and hash groups bound into its table;
redis-server runs beside it (:mod:`tests.integration.realredis`). Blocking sockets talk to both
from the reactor's thread pool, so the in-process server keeps answering. Two suites: a corpus
of scenarios (every command and its errors, RESP2 and RESP3) and a small randomized
differential test (hypothesis, derandomized) over three keys.

Debian's redis-server is 7.0.15 and pyredisd follows 7.4; the corpus leaves out what changed in
between (LPOS RANK -2**63 is an error since 7.2, HSCAN NOVALUES arrived in 7.4) and what is
random (HRANDFIELD is compared only where its reply is determined). Those are unit-tested in
``tests/core``. Without redis-server the tests skip, unless ``PYREDISD_REQUIRE_REDIS=1``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twisted.internet import threads
from twisted.internet.defer import inlineCallbacks
from twisted.trial.unittest import TestCase

from pyredisd.core.commands import hashes, lists
from tests.helpers import config_with, start_service
from tests.integration.realredis import (
    RespConnection,
    ServerProcess,
    command,
    parse,
    require_redis_server,
)
from tests.integration.test_command_docs import _hints

Args = tuple[bytes | str | int, ...]


class Scenario(NamedTuple):
    """Requests run in order on one connection after FLUSHALL (and HELLO 3 when ``resp3``)."""

    name: str
    requests: Sequence[Args]
    resp3: bool = False


def scenario(name: str, *requests: Args, resp3: bool = False) -> Scenario:
    """A scenario from its requests."""
    return Scenario(name, requests, resp3)


LIST = ("RPUSH", "l", "a", "b", "c", "b", "a", "b")
HASH = ("HSET", "h", "a", "1", "b", "2", "c", "3")
STRING = ("SET", "s", "v")
LONG = 2**63 - 1

CORPUS: list[Scenario] = [
    # -- lists -----------------------------------------------------------------------------------
    scenario(
        "push",
        ("LPUSH", "l", "a", "b"),
        ("RPUSH", "l", "c"),
        ("LPUSHX", "l", "x", "y"),
        ("RPUSHX", "l", "z"),
        ("LPUSHX", "nol", "x"),
        ("RPUSHX", "nol", "x"),
        ("LRANGE", "l", 0, -1),
        ("LPUSH", "l"),
        ("RPUSHX", "l"),
        STRING,
        ("LPUSH", "s", "a"),
        ("RPUSH", "s", "a"),
        ("LPUSHX", "s", "a"),
        ("RPUSHX", "s", "a"),
    ),
    scenario(
        "pop",
        LIST,
        ("LPOP", "l"),
        ("RPOP", "l"),
        ("LPOP", "l", 0),
        ("LPOP", "l", 2),
        ("RPOP", "l", 10),
        ("EXISTS", "l"),
        ("LPOP", "l"),
        ("LPOP", "l", 0),
        ("RPOP", "l", 3),
        ("LPOP", "l", -1),
        ("LPOP", "l", "x"),
        ("RPOP", "l", "1.5"),
        ("LPOP", "l", 1, 2),
        ("RPOP", "l", 1, 2),
        ("LPOP",),
        STRING,
        ("LPOP", "s"),
        ("RPOP", "s", 1),
        ("RPOP", "s", -1),
    ),
    scenario(
        "lmpop",
        LIST,
        ("RPUSH", "m", "1", "2", "3"),
        STRING,
        ("LMPOP", 1, "l", "LEFT"),
        ("LMPOP", 2, "nol", "m", "RIGHT", "COUNT", 2),
        ("LMPOP", 2, "m", "l", "left", "count", 10),
        ("LMPOP", 2, "l", "m", "LEFT"),
        ("LMPOP", 3, "nol", "l", "s", "LEFT"),
        ("LMPOP", 2, "s", "l", "LEFT"),
        ("LMPOP", 0, "l", "LEFT"),
        ("LMPOP", -1, "l", "LEFT"),
        ("LMPOP", "x", "l", "LEFT"),
        ("LMPOP", 2, "l", "LEFT"),
        ("LMPOP", 1, "l", "UP"),
        ("LMPOP", 1, "l", "LEFT", "COUNT", 0),
        ("LMPOP", 1, "l", "LEFT", "COUNT", -3),
        ("LMPOP", 1, "l", "LEFT", "COUNT", "x"),
        ("LMPOP", 1, "l", "LEFT", "COUNT", 1, "COUNT", 2),
        ("LMPOP", 1, "l", "LEFT", "COUNT"),
        ("LMPOP", 1, "l", "LEFT", "junk"),
        ("LMPOP", 1, "l"),
    ),
    scenario(
        "read",
        LIST,
        STRING,
        ("LLEN", "l"),
        ("LLEN", "nol"),
        ("LLEN", "s"),
        ("LRANGE", "l", 0, 2),
        ("LRANGE", "l", -3, -1),
        ("LRANGE", "l", -100, 100),
        ("LRANGE", "l", 4, 2),
        ("LRANGE", "l", 6, 9),
        ("LRANGE", "l", 0, -7),
        ("LRANGE", "nol", 0, -1),
        ("LRANGE", "s", 0, -1),
        ("LRANGE", "s", "x", 1),
        ("LRANGE", "l", 0, "1.0"),
        ("LRANGE", "l", 0, 99999999999999999999),
        ("LINDEX", "l", 0),
        ("LINDEX", "l", -1),
        ("LINDEX", "l", -6),
        ("LINDEX", "l", 6),
        ("LINDEX", "l", -7),
        ("LINDEX", "l", "x"),
        ("LINDEX", "nol", "x"),
        ("LINDEX", "s", "x"),
        ("LINDEX", "s", 0),
    ),
    scenario(
        "lpos",
        LIST,
        STRING,
        ("LPOS", "l", "b"),
        ("LPOS", "l", "z"),
        ("LPOS", "l", "b", "RANK", 2),
        ("LPOS", "l", "b", "RANK", -1),
        ("LPOS", "l", "b", "RANK", -3),
        ("LPOS", "l", "b", "RANK", 9),
        ("LPOS", "l", "b", "COUNT", 0),
        ("LPOS", "l", "b", "COUNT", 2),
        ("LPOS", "l", "b", "count", 0, "rank", -1),
        ("LPOS", "l", "b", "COUNT", 0, "RANK", 2, "MAXLEN", 5),
        ("LPOS", "l", "a", "RANK", -1, "MAXLEN", 1),
        ("LPOS", "l", "b", "RANK", -1, "MAXLEN", 1),
        ("LPOS", "l", "b", "MAXLEN", 1),
        ("LPOS", "l", "z", "COUNT", 5),
        ("LPOS", "nol", "a"),
        ("LPOS", "nol", "a", "COUNT", 0),
        ("LPOS", "s", "a"),
        ("LPOS", "s", "a", "RANK", 0),
        ("LPOS", "l", "a", "RANK", 0),
        ("LPOS", "l", "a", "RANK", "x"),
        ("LPOS", "l", "a", "COUNT", -1),
        ("LPOS", "l", "a", "COUNT", "x"),
        ("LPOS", "l", "a", "MAXLEN", -1),
        ("LPOS", "l", "a", "MAXLEN", "x"),
        ("LPOS", "l", "a", "RANK"),
        ("LPOS", "l", "a", "BOGUS", 1),
        ("LPOS", "l"),
    ),
    scenario(
        "lset linsert",
        LIST,
        STRING,
        ("LSET", "l", 0, "A"),
        ("LSET", "l", -1, "Z"),
        ("LSET", "l", 6, "x"),
        ("LSET", "l", -7, "x"),
        ("LSET", "l", "x", "x"),
        ("LSET", "nol", 0, "x"),
        ("LSET", "nol", "x", "x"),
        ("LSET", "s", 0, "x"),
        ("LINSERT", "l", "BEFORE", "b", "x"),
        ("LINSERT", "l", "after", "b", "y"),
        ("LINSERT", "l", "BEFORE", "zz", "x"),
        ("LINSERT", "nol", "BEFORE", "a", "x"),
        ("LINSERT", "s", "AFTER", "a", "x"),
        ("LINSERT", "s", "MIDDLE", "a", "x"),
        ("LINSERT", "l", "MIDDLE", "a", "x"),
        ("LRANGE", "l", 0, -1),
        ("EXISTS", "nol"),
    ),
    scenario(
        "lrem ltrim",
        LIST,
        STRING,
        ("LREM", "l", 1, "b"),
        ("LREM", "l", -1, "a"),
        ("LRANGE", "l", 0, -1),
        ("LREM", "l", 0, "b"),
        ("LREM", "l", 0, "zz"),
        ("LREM", "nol", 0, "a"),
        ("LREM", "s", 0, "a"),
        ("LREM", "s", "x", "a"),
        ("LREM", "l", "x", "a"),
        ("RPUSH", "t", 1, 2, 3, 4, 5, 6),
        ("LTRIM", "t", 1, -2),
        ("LRANGE", "t", 0, -1),
        ("LTRIM", "t", -2, 100),
        ("LRANGE", "t", 0, -1),
        ("LTRIM", "t", 1, 0),
        ("EXISTS", "t"),
        ("LTRIM", "nol", 0, 1),
        ("LTRIM", "s", 0, 1),
        ("LTRIM", "s", 0, "x"),
        ("LREM", "l", 0, "a"),
        ("LREM", "l", 0, "c"),
        ("EXISTS", "l"),
    ),
    scenario(
        "lmove rpoplpush",
        ("RPUSH", "src", "a", "b", "c"),
        STRING,
        ("LMOVE", "src", "dst", "LEFT", "RIGHT"),
        ("LMOVE", "src", "dst", "right", "left"),
        ("LRANGE", "dst", 0, -1),
        ("LMOVE", "src", "dst", "LEFT", "LEFT"),
        ("EXISTS", "src"),
        ("LMOVE", "dst", "dst", "RIGHT", "RIGHT"),
        ("LMOVE", "dst", "dst", "LEFT", "RIGHT"),
        ("LRANGE", "dst", 0, -1),
        ("LMOVE", "nol", "dst", "LEFT", "LEFT"),
        ("LMOVE", "nol", "s", "LEFT", "LEFT"),
        ("LMOVE", "dst", "s", "LEFT", "LEFT"),
        ("LMOVE", "s", "dst", "LEFT", "LEFT"),
        ("LMOVE", "dst", "x", "UP", "LEFT"),
        ("LMOVE", "dst", "x", "LEFT", "DOWN"),
        ("LMOVE", "dst", "x", "LEFT"),
        ("RPOPLPUSH", "dst", "other"),
        ("RPOPLPUSH", "dst", "dst"),
        ("RPOPLPUSH", "nol", "dst"),
        ("RPOPLPUSH", "dst", "s"),
        ("RPOPLPUSH", "s", "dst"),
        ("LRANGE", "dst", 0, -1),
        ("LRANGE", "other", 0, -1),
        ("RPUSH", "one", "x"),
        ("LMOVE", "one", "one", "LEFT", "RIGHT"),
        ("LRANGE", "one", 0, -1),
    ),
    scenario(
        "lists in RESP3",
        LIST,
        ("LPOP", "nol", 2),
        ("LPOP", "nol"),
        ("LPOP", "l", 0),
        ("RPOP", "l", 2),
        ("LMPOP", 1, "nol", "LEFT"),
        ("LMPOP", 1, "l", "RIGHT", "COUNT", 2),
        ("LPOS", "l", "b", "COUNT", 0),
        ("LPOS", "l", "zz"),
        ("LINDEX", "l", 99),
        ("LRANGE", "l", 0, -1),
        ("LMOVE", "nol", "l", "LEFT", "LEFT"),
        resp3=True,
    ),
    # -- hashes ----------------------------------------------------------------------------------
    scenario(
        "hset hget",
        ("HSET", "h", "a", "1", "b", "2", "a", "3"),
        ("HSET", "h", "a", "4", "c", "5"),
        ("HMSET", "h", "d", "6", "e", ""),
        ("HSETNX", "h", "a", "9"),
        ("HSETNX", "h", "f", "9"),
        ("HSETNX", "new", "f", "9"),
        ("HGET", "h", "a"),
        ("HGET", "h", "zz"),
        ("HGET", "noh", "a"),
        ("HMGET", "h", "a", "zz", "e"),
        ("HMGET", "noh", "a", "b"),
        ("HLEN", "h"),
        ("HLEN", "noh"),
        ("HSTRLEN", "h", "a"),
        ("HSTRLEN", "h", "e"),
        ("HSTRLEN", "h", "zz"),
        ("HSTRLEN", "noh", "a"),
        ("HEXISTS", "h", "a"),
        ("HEXISTS", "h", "zz"),
        ("HEXISTS", "noh", "a"),
        ("HSET", "h"),
        ("HSET", "h", "a"),
        ("HSET", "h", "a", "1", "b"),
        ("HMSET", "h", "a", "1", "b"),
        ("HSETNX", "h", "a"),
        ("HGET", "h"),
        ("HMGET", "h"),
    ),
    scenario(
        "hdel and whole-hash reads",
        ("HSET", "h", "b", "1", "a", "2", "c", "3"),
        ("HSET", "h", "b", "9"),
        ("HDEL", "h", "a", "zz", "a"),
        ("HSET", "h", "a", "7"),
        ("HKEYS", "h"),
        ("HVALS", "h"),
        ("HGETALL", "h"),
        ("HKEYS", "noh"),
        ("HVALS", "noh"),
        ("HGETALL", "noh"),
        ("HDEL", "noh", "a"),
        ("HDEL", "h", "a", "b", "c", "d"),
        ("EXISTS", "h"),
        ("HDEL", "h"),
    ),
    scenario(
        "hash wrong type",
        STRING,
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
        ("HINCRBY", "s", "a", "x"),
        ("HINCRBYFLOAT", "s", "a", 1),
        ("HINCRBYFLOAT", "s", "a", "inf"),
        ("HINCRBYFLOAT", "s", "a", "x"),
        ("HRANDFIELD", "s"),
        ("HRANDFIELD", "s", 0),
        ("HRANDFIELD", "s", "x"),
        ("HSCAN", "s", 0),
        ("HSCAN", "s", 0, "BAD"),
        ("HSCAN", "s", "x"),
        LIST,
        ("HGET", "l", "a"),
        ("LLEN", "h"),
        HASH,
        ("LPUSH", "h", "x"),
        ("LRANGE", "h", 0, -1),
    ),
    scenario(
        "hincrby",
        ("HSET", "h", "s", "abc", "sp", " 1", "big", LONG, "neg", -(2**63), "z", "007"),
        ("HINCRBY", "h", "n", 5),
        ("HINCRBY", "h", "n", -7),
        ("HGET", "h", "n"),
        ("HINCRBY", "new", "n", 3),
        ("HINCRBY", "h", "s", 1),
        ("HINCRBY", "h", "sp", 1),
        ("HINCRBY", "h", "z", 1),
        ("HINCRBY", "h", "big", 1),
        ("HINCRBY", "h", "big", 0),
        ("HINCRBY", "h", "neg", -1),
        ("HINCRBY", "h", "neg", LONG),
        ("HINCRBY", "h", "n", "x"),
        ("HINCRBY", "h", "n", "1.5"),
        ("HINCRBY", "h", "n", 2**63),
        ("HINCRBY", "h", "n"),
    ),
    scenario(
        "hincrbyfloat",
        ("HSET", "h", "f", "10.5", "s", "abc", "i", "inf", "n", "5", "e", "1e3", "x", "0x10"),
        ("HINCRBYFLOAT", "h", "f", "0"),
        ("HINCRBYFLOAT", "h", "g", "3.0e3"),
        ("HINCRBYFLOAT", "h", "e", "1"),
        ("HINCRBYFLOAT", "h", "x", "1"),
        ("HINCRBYFLOAT", "h", "big", "1e30"),
        ("HINCRBYFLOAT", "h", "y", "0.1"),
        ("HINCRBYFLOAT", "h", "y", "0.2"),
        ("HINCRBYFLOAT", "h", "y", "-0.3"),
        ("HINCRBYFLOAT", "h", "tiny", "1e-20"),
        ("HINCRBYFLOAT", "h", "neg", "-0.0"),
        ("HINCRBYFLOAT", "h", "neg", "-5e-18"),
        ("HINCRBYFLOAT", "h", "neg", "-6e-18"),
        ("HINCRBYFLOAT", "h", "p", "1.23456789012345678901"),
        ("HINCRBYFLOAT", "h", "r", "1e18"),
        ("HINCRBYFLOAT", "h", "r", "1"),
        ("HINCRBYFLOAT", "h", "r", "0.5"),
        ("HINCRBYFLOAT", "h", "q", "1e400"),
        ("HINCRBYFLOAT", "h", "q2", "1.1e4932"),
        ("HINCRBYFLOAT", "h", "q2", "1e4932"),
        ("HINCRBYFLOAT", "h", "w", "1e-300"),
        ("HINCRBYFLOAT", "h", "w", "0x1p-16445"),
        ("HINCRBYFLOAT", "h", "w", "0x1p-16446"),
        ("HINCRBYFLOAT", "h", "w", "1e-5000"),
        ("HINCRBYFLOAT", "h", "w", "1e5000"),
        ("HINCRBYFLOAT", "h", "w", "1.2e4932"),
        ("HINCRBYFLOAT", "h", "w", ".5"),
        ("HINCRBYFLOAT", "h", "w", "5."),
        ("HINCRBYFLOAT", "h", "w", "+1E2"),
        ("HINCRBYFLOAT", "h", "w", "-0x1.8p1"),
        ("HINCRBYFLOAT", "h", "w", "inf"),
        ("HINCRBYFLOAT", "h", "w", "-Infinity"),
        ("HINCRBYFLOAT", "h", "w", "nan"),
        ("HINCRBYFLOAT", "h", "w", " 1"),
        ("HINCRBYFLOAT", "h", "w", "1 "),
        ("HINCRBYFLOAT", "h", "w", ""),
        ("HINCRBYFLOAT", "h", "w", "1e"),
        ("HINCRBYFLOAT", "h", "w", "0x"),
        ("HINCRBYFLOAT", "h", "w", "1_0"),
        ("HINCRBYFLOAT", "h", "s", "1"),
        ("HINCRBYFLOAT", "h", "i", "1"),
        ("HINCRBYFLOAT", "h", "n", "2.5"),
        ("HINCRBYFLOAT", "h", "n"),
        # Not HGETALL: the 401-byte value made Redis convert the hash to a hashtable (any order).
        ("HMGET", "h", "f", "g", "e", "x", "big", "y", "tiny", "neg", "p", "r", "n", "q2"),
    ),
    scenario(
        "hrandfield (deterministic cases)",
        HASH,
        ("HSET", "one", "f", "v"),
        ("HRANDFIELD", "one"),
        ("HRANDFIELD", "one", 1),
        ("HRANDFIELD", "one", -3),
        ("HRANDFIELD", "one", -3, "WITHVALUES"),
        ("HRANDFIELD", "one", 1, "withvalues"),
        ("HRANDFIELD", "h", 3),
        ("HRANDFIELD", "h", 100),
        ("HRANDFIELD", "h", 100, "WITHVALUES"),
        ("HRANDFIELD", "h", 0),
        ("HRANDFIELD", "h", 0, "WITHVALUES"),
        ("HRANDFIELD", "noh"),
        ("HRANDFIELD", "noh", 5),
        ("HRANDFIELD", "noh", -5, "WITHVALUES"),
        ("HRANDFIELD", "h", "x"),
        ("HRANDFIELD", "h", -(2**63)),
        ("HRANDFIELD", "h", 1, "FOO"),
        ("HRANDFIELD", "h", 1, "WITHVALUES", "x"),
        ("HRANDFIELD", "h", 2**62, "WITHVALUES"),
        ("HRANDFIELD", "h", -(2**62), "WITHVALUES"),
        ("HRANDFIELD", "h", 2**62 - 1, "WITHVALUES"),
    ),
    scenario(
        "hscan (small hashes)",
        ("HSET", "h", "a", "1", "b", "2", "ab", "3", "n", 12345),
        ("HSCAN", "h", 0),
        ("HSCAN", "h", 0, "COUNT", 1),
        ("HSCAN", "h", 5),
        ("HSCAN", "h", "007"),
        ("HSCAN", "h", 0, "MATCH", "a*"),
        ("HSCAN", "h", 0, "match", "[ab]", "count", 100),
        ("HSCAN", "h", 0, "MATCH", "x*"),
        ("HSCAN", "h", 0, "MATCH", "*", "MATCH", "b"),
        ("HSCAN", "noh", 0),
        ("HSCAN", "noh", 0, "BAD"),
        ("HSCAN", "h", "x"),
        ("HSCAN", "noh", "x"),
        ("HSCAN", "h", "18446744073709551616"),
        ("HSCAN", "h", 0, "COUNT", 0),
        ("HSCAN", "h", 0, "COUNT", "x"),
        ("HSCAN", "h", 0, "COUNT"),
        ("HSCAN", "h", 0, "TYPE", "hash"),
        ("HSCAN", "h", 0, "BAD"),
        ("HSCAN", "h"),
    ),
    scenario(
        "hashes in RESP3",
        HASH,
        ("HSET", "one", "f", "v"),
        ("HGETALL", "h"),
        ("HGETALL", "noh"),
        ("HKEYS", "h"),
        ("HMGET", "h", "a", "zz"),
        ("HGET", "h", "zz"),
        ("HRANDFIELD", "h", 10, "WITHVALUES"),
        ("HRANDFIELD", "one", -2, "WITHVALUES"),
        ("HRANDFIELD", "one", 1, "WITHVALUES"),
        ("HRANDFIELD", "noh"),
        ("HRANDFIELD", "noh", 2, "WITHVALUES"),
        ("HSCAN", "h", 0),
        ("HINCRBYFLOAT", "h", "a", "0.5"),
        ("HEXISTS", "h", "a"),
        resp3=True,
    ),
]


def _exchange(conn: RespConnection, args: Args) -> bytes:
    conn.send(command(*args))
    return conn.read_reply()


def _reset(conn: RespConnection, resp3: bool) -> None:
    """FLUSHALL and choose the protocol; the replies are not compared (HELLO's differ)."""
    _exchange(conn, ("HELLO", 3 if resp3 else 2))
    _exchange(conn, ("FLUSHALL",))


class Pair:
    """One connection to each server, used from a worker thread."""

    def __init__(self, redis_port: int, our_port: int) -> None:
        self.redis = RespConnection(redis_port)
        self.ours = RespConnection(our_port)
        self.ours_port = our_port
        self.resp3: bool | None = None

    def close(self) -> None:
        """Close both connections."""
        self.redis.close()
        self.ours.close()

    def reset(self, resp3: bool = False) -> None:
        """Empty both servers and select the protocol."""
        _reset(self.redis, resp3)
        _reset(self.ours, resp3)

    def both(self, args: Args) -> tuple[bytes, bytes]:
        """The raw replies of (redis-server, pyredisd) to one request."""
        return _exchange(self.redis, args), _exchange(self.ours, args)

    def changes(self) -> tuple[int, int]:
        """INFO's rdb_changes_since_last_save on (redis-server, pyredisd)."""
        out = []
        for conn in (self.redis, self.ours):
            text = parse(_exchange(conn, ("INFO", "persistence")))
            assert isinstance(text, bytes)
            out.append(int(text.split(b"rdb_changes_since_last_save:")[1].split(b"\r\n")[0]))
        return out[0], out[1]

    def run(self, scenarios: Sequence[Scenario]) -> list[str]:
        """Every scenario; a description of each differing reply, and of each scenario whose
        writes counted a different number of changes (Redis's ``dirty``)."""
        mismatches: list[str] = []
        for case in scenarios:
            self.reset(case.resp3)
            before = self.changes()
            for args in case.requests:
                expected, actual = self.both(args)
                if expected != actual:
                    mismatches.append(
                        f"{case.name}: {args!r}\n  redis:    {expected[:300]!r}\n"
                        f"  pyredisd: {actual[:300]!r}"
                    )
            after = self.changes()
            if after[0] - before[0] != after[1] - before[1]:
                mismatches.append(
                    f"{case.name}: changes counted: redis {after[0] - before[0]}, "
                    f"pyredisd {after[1] - before[1]}"
                )
        return mismatches


class CompareTestCase(TestCase):
    """A redis-server subprocess and an in-process pyredisd with the list and hash commands."""

    @inlineCallbacks
    def setUp(self) -> Any:  # type: ignore[override]  # trial waits for a Deferred setUp
        path = require_redis_server(self)
        self.redis = ServerProcess.redis(path)
        self.redis.start()
        self.addCleanup(self.redis.stop)
        service = yield start_service(self, config_with(port=0))
        self.pair = Pair(self.redis.port, service.server.ports[0])
        self.addCleanup(self.pair.close)


class CorpusTests(CompareTestCase):
    """Every list and hash command, with its errors, in RESP2 and RESP3."""

    @inlineCallbacks
    def test_corpus(self) -> Any:
        """Each request of each scenario gets byte-identical replies."""
        mismatches = yield threads.deferToThread(self.pair.run, CORPUS)
        self.assertEqual(mismatches, [], "\n" + "\n".join(mismatches))

    @inlineCallbacks
    def test_large_hash_scan_covers_every_field(self) -> Any:
        """Past the listpack limits both servers iterate with a cursor; cursors differ, but a
        full iteration returns every field on both."""
        fields = [b"f%d" % i for i in range(300)]

        def scan(conn: RespConnection) -> set[bytes]:
            _reset(conn, False)
            _exchange(conn, ("HSET", "big", *[p for f in fields for p in (f, b"v")]))
            seen: set[bytes] = set()
            cursor = b"0"
            for _ in range(10_000):
                conn.send(command("HSCAN", "big", cursor, "COUNT", 25))
                reply = parse(conn.read_reply())
                assert isinstance(reply, list)
                cursor, items = reply
                seen.update(items[::2])
                if cursor == b"0":
                    break
            return seen

        def run() -> tuple[set[bytes], set[bytes]]:
            return scan(self.pair.redis), scan(self.pair.ours)

        theirs, ours = yield threads.deferToThread(run)
        self.assertEqual(theirs, set(fields))
        self.assertEqual(ours, set(fields))


class DocsTests(CompareTestCase):
    """COMMAND DOCS arguments, as redis-cli renders them into typing hints."""

    @inlineCallbacks
    def test_hints_match_redis(self) -> Any:
        """Every list and hash command renders to Redis's hint (HSCAN gains NOVALUES in 7.4)."""
        names = [spec.name for spec in lists.GROUP.specs + hashes.GROUP.specs]
        ours = _Connectable(self.pair.ours_port)
        theirs = _Connectable(self.redis.port)
        expected, actual = yield threads.deferToThread(
            lambda: (_hints(theirs, names), _hints(ours, names))  # type: ignore[arg-type]
        )
        expected["hscan"] = "key cursor [MATCH pattern] [COUNT count] [NOVALUES]"
        self.assertEqual(actual, expected)


class _Connectable:
    """What ``_hints`` needs of a server: a way to connect."""

    def __init__(self, port: int) -> None:
        self.port = port

    def connect(self) -> RespConnection:
        """A new connection."""
        return RespConnection(self.port)


# -- randomized differential test ----------------------------------------------------------------
_KEYS = st.sampled_from(["k1", "k2", "k3"])
_ELEMENTS = st.sampled_from(["a", "b", "c", "1", "-2", ""])
_FIELDS = st.sampled_from(["f", "g", "h"])
_INDEXES = st.integers(-5, 5)
_FLOATS = st.sampled_from(["1.5", "-0.25", "1e3", "0.1", "-3", "abc", "inf"])


def _pushes() -> st.SearchStrategy[Args]:
    """One random push (weighted up in sequences so that lists grow)."""
    return st.one_of(
        st.tuples(
            st.sampled_from(["LPUSH", "RPUSH", "LPUSHX", "RPUSHX"]),
            _KEYS,
            _ELEMENTS,
            _ELEMENTS,
            _ELEMENTS,
        ),
        st.tuples(st.sampled_from(["LPUSH", "RPUSH"]), _KEYS, _ELEMENTS, _ELEMENTS),
    )


def _list_requests() -> st.SearchStrategy[Args]:
    """One random list command."""
    side = st.sampled_from(["LEFT", "RIGHT"])
    count = st.integers(0, 4)
    return st.one_of(
        _pushes(),
        st.tuples(st.sampled_from(["LPOP", "RPOP"]), _KEYS),
        st.tuples(st.sampled_from(["LPOP", "RPOP"]), _KEYS, count),
        st.tuples(st.just("LLEN"), _KEYS),
        st.tuples(st.just("LRANGE"), _KEYS, _INDEXES, _INDEXES),
        st.tuples(st.just("LINDEX"), _KEYS, _INDEXES),
        st.tuples(st.just("LSET"), _KEYS, _INDEXES, _ELEMENTS),
        st.tuples(
            st.just("LINSERT"), _KEYS, st.sampled_from(["BEFORE", "AFTER"]), _ELEMENTS, _ELEMENTS
        ),
        st.tuples(st.just("LREM"), _KEYS, st.integers(-2, 2), _ELEMENTS),
        st.tuples(st.just("LTRIM"), _KEYS, st.integers(-2, 2), st.integers(-8, 8)),
        st.tuples(st.just("LPOS"), _KEYS, _ELEMENTS),
        st.tuples(
            st.just("LPOS"),
            _KEYS,
            _ELEMENTS,
            st.just("RANK"),
            st.sampled_from([-2, -1, 1, 2]),
            st.just("COUNT"),
            count,
            st.just("MAXLEN"),
            count,
        ),
        st.tuples(st.just("LMOVE"), _KEYS, _KEYS, side, side),
        st.tuples(st.just("RPOPLPUSH"), _KEYS, _KEYS),
        st.tuples(st.just("LMPOP"), st.just(2), _KEYS, _KEYS, side, st.just("COUNT"), count),
    )


def _hash_requests() -> st.SearchStrategy[Args]:
    """One random hash command (HRANDFIELD only where its reply is determined)."""
    return st.one_of(
        st.tuples(st.just("HSET"), _KEYS, _FIELDS, _ELEMENTS),
        st.tuples(st.just("HSET"), _KEYS, _FIELDS, _ELEMENTS, _FIELDS, _ELEMENTS),
        st.tuples(st.just("HMSET"), _KEYS, _FIELDS, _ELEMENTS),
        st.tuples(st.just("HSETNX"), _KEYS, _FIELDS, _ELEMENTS),
        st.tuples(st.sampled_from(["HGET", "HSTRLEN", "HEXISTS"]), _KEYS, _FIELDS),
        st.tuples(st.sampled_from(["HMGET", "HDEL"]), _KEYS, _FIELDS, _FIELDS),
        st.tuples(st.sampled_from(["HLEN", "HKEYS", "HVALS", "HGETALL"]), _KEYS),
        st.tuples(st.just("HINCRBY"), _KEYS, _FIELDS, st.integers(-3, 3)),
        st.tuples(st.just("HINCRBYFLOAT"), _KEYS, _FIELDS, _FLOATS),
        st.tuples(st.just("HRANDFIELD"), _KEYS, st.just(10), st.just("WITHVALUES")),
        st.tuples(st.just("HSCAN"), _KEYS, st.just(0)),
    )


def _other_requests() -> st.SearchStrategy[Args]:
    """Generic commands that change a key's type or existence."""
    return st.one_of(
        st.tuples(st.just("SET"), _KEYS, _ELEMENTS),
        st.tuples(st.sampled_from(["DEL", "EXISTS"]), _KEYS),
    )


def _sequences() -> st.SearchStrategy[list[Args]]:
    """Mostly one family at a time (so lists and hashes grow), sometimes both mixed."""
    lists, hashes, other = _list_requests(), _hash_requests(), _other_requests()
    pushes = _pushes()
    return st.one_of(
        st.lists(st.one_of(pushes, lists, pushes, lists, other), min_size=10, max_size=40),
        st.lists(st.one_of(hashes, hashes, hashes, other), min_size=10, max_size=40),
        st.lists(st.one_of(lists, hashes, other), min_size=10, max_size=40),
    )


class DifferentialTests(CompareTestCase):
    """Random sequences of list and hash commands over three keys."""

    @inlineCallbacks
    def test_random_sequences(self) -> Any:
        """Every reply of every random sequence is byte-identical on both servers."""
        pair = self.pair

        @settings(
            derandomize=True,
            max_examples=300,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(_sequences(), st.booleans())
        def check(requests: list[Args], resp3: bool) -> None:
            pair.reset(resp3)
            for args in requests:
                expected, actual = pair.both(args)
                assert actual == expected, f"{args!r}: redis {expected!r} != ours {actual!r}"

        yield threads.deferToThread(check)
