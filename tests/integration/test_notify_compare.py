"""Keyspace notifications compared with a real ``redis-server``: the same command sequences on
both servers, with ``notify-keyspace-events`` on, give the same stream of Pub/Sub messages to a
``PSUBSCRIBE __key*__:*`` subscriber, message by message (channel, payload and order).

The sequences are Hypothesis-generated (derandomized) over a small key space, reusing the
command generators of the other differential tests, for strings, bitmaps, generic commands,
SORT, lists, sets, sorted sets, HyperLogLog and geo (hashes belong to the hash family's own
tests). After each sequence a marker is published on a channel the pattern matches, so the
subscriber knows where the sequence's messages end without waiting for time.

For these families Debian's Redis 7.0.15 and Redis 7.4 (pyredisd's specification) call
``notifyKeyspaceEvent`` at the same points with the same names (the comparison finds no
difference, and the 7.4 sources read for this agree), so no 7.0-vs-7.4 difference table is
needed here; 7.4's new events are hash-field ones (``hexpire``,
``hexpired``, ...), the hash family's. Lazy and active expiry depend on wall-clock time in
redis-server (a deadline in the past may be reaped by its active cycle at any moment), so they
are covered by ``tests/core/test_notify.py`` on a ``task.Clock`` instead.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twisted.internet import threads
from twisted.internet.defer import inlineCallbacks
from twisted.trial.unittest import TestCase

from pyredisd.net.service import RedisService
from tests.helpers import config_with, start_service
from tests.integration.realredis import (
    RespConnection,
    ServerProcess,
    parse,
    require_redis_server,
)
from tests.integration.test_compare_generic_strings import _COMMANDS as _STRING_COMMANDS
from tests.integration.test_compare_lists_hashes import _list_requests
from tests.integration.test_compare_sets_zsets import _COMMANDS as _SET_COMMANDS

_MARKER_CHANNEL = "__keyspace@0__:~end-of-sequence~"
_KEYS = st.sampled_from(["k1", "k2", "k3"])
_ELEMENTS = st.sampled_from(["a", "b", "c", "1"])
_MEMBERS = st.sampled_from(["a", "b", "c", "d", "e", "1", "2"])


def _cmd(*parts: st.SearchStrategy[str] | str) -> st.SearchStrategy[tuple[str, ...]]:
    return st.tuples(*(st.just(p) if isinstance(p, str) else p for p in parts))


_COORDS = st.sampled_from([("13.36", "38.11"), ("15.08", "37.50"), ("13.58", "37.31")])
_HLL_AND_GEO = st.one_of(
    _cmd("PFADD", _KEYS, _ELEMENTS, _ELEMENTS),
    _cmd("PFADD", _KEYS),
    _cmd("PFCOUNT", _KEYS),
    _cmd("PFCOUNT", _KEYS, _KEYS),
    _cmd("PFMERGE", _KEYS, _KEYS, _KEYS),
    st.tuples(st.just("GEOADD"), _KEYS, _COORDS, _ELEMENTS).map(
        lambda t: (t[0], t[1], *t[2], t[3])
    ),
    st.tuples(
        st.just("GEOADD"), _KEYS, st.sampled_from(["NX", "XX", "CH"]), _COORDS, _ELEMENTS
    ).map(lambda t: (t[0], t[1], t[2], *t[3], t[4])),
    _cmd("GEOSEARCHSTORE", _KEYS, _KEYS, "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"),
    _cmd("GEOSEARCHSTORE", _KEYS, _KEYS, "FROMMEMBER", _ELEMENTS, "BYBOX", "400", "400", "km"),
    _cmd("GEORADIUS", _KEYS, "15", "37", "200", "km", "STORE", _KEYS),
    _cmd("GEORADIUSBYMEMBER", _KEYS, _ELEMENTS, "100", "km", "STOREDIST", _KEYS),
    _cmd("GEOPOS", _KEYS, _ELEMENTS),
    _cmd("ZREM", _KEYS, _ELEMENTS),
    _cmd("DEL", _KEYS),
)
_GENERIC = st.one_of(
    _cmd("MOVE", _KEYS, st.sampled_from(["1", "0"])),
    _cmd("COPY", _KEYS, _KEYS, st.sampled_from(["REPLACE", "DB", "DB"]), st.just("1")).map(
        lambda t: t if t[3] == "DB" else t[:4]
    ),
    _cmd("COPY", _KEYS, _KEYS),
    _cmd(st.sampled_from(["PEXPIREAT", "EXPIREAT"]), _KEYS, st.sampled_from(["1", "0"])),
    _cmd("PEXPIRE", _KEYS, st.sampled_from(["-1", "0", "100000"])),
    # GT and LT compare deadlines: seconds no other generator uses, so that the time between
    # two commands (which differs between the servers) never decides.
    _cmd(
        "EXPIRE", _KEYS, st.sampled_from(["7", "5000"]), st.sampled_from(["NX", "XX", "GT", "LT"])
    ),
    _cmd("PERSIST", _KEYS),
    _cmd(st.sampled_from(["TYPE", "EXISTS", "OBJECT ENCODING", "GET", "MGET"]), _KEYS),
    _cmd("SET", _KEYS, _ELEMENTS, st.sampled_from(["NX", "XX", "GET", "KEEPTTL"])),
    _cmd("SET", _KEYS, _ELEMENTS, st.sampled_from(["EX", "PX"]), "100"),
    _cmd(st.sampled_from(["SETEX", "PSETEX"]), _KEYS, "100", _ELEMENTS),
    _cmd("GETEX", _KEYS, st.sampled_from(["PERSIST", "EX", "PXAT"]), "100000"),
    _cmd("GETEX", _KEYS, "EXAT", "1"),
    _cmd("SETRANGE", _KEYS, st.sampled_from(["0", "3"]), st.sampled_from(["", "xy"])),
    _cmd("BITFIELD", _KEYS, "OVERFLOW", "FAIL", "INCRBY", "u2", "0", st.sampled_from(["1", "9"])),
    _cmd("BITFIELD", _KEYS, "GET", "u4", "0"),
    _cmd("SINTERCARD", "2", _KEYS, _KEYS),
    _cmd("SORT", _KEYS, "BY", "nosort", "GET", "#", "GET", "k*", "STORE", _KEYS),
    _cmd("SWAPDB", "0", "1"),
    _cmd("SELECT", st.sampled_from(["0", "1"])),
)
# What makes keys exist, so that the other commands of a family have something to work on.
_CREATE = st.one_of(
    _cmd(st.sampled_from(["SET", "APPEND"]), _KEYS, _ELEMENTS),
    _cmd(st.sampled_from(["RPUSH", "LPUSH"]), _KEYS, _ELEMENTS, _ELEMENTS, _ELEMENTS),
    _cmd("SADD", _KEYS, _ELEMENTS, _ELEMENTS, _ELEMENTS),
    _cmd("ZADD", _KEYS, "1", _ELEMENTS, "2", _ELEMENTS, "3", _ELEMENTS),
    _cmd(st.sampled_from(["RENAME", "RENAMENX"]), _KEYS, _KEYS),
)
# Every event of every family covered, at least once, in hand-written sequences.
CORPUS: tuple[str, ...] = (
    "SET k1 a; SET k1 b EX 100; SETNX k1 c; SETNX k2 c; SETEX k3 100 v; PSETEX k3 9 v",
    "MSET k1 a k2 b k1 c; MSETNX k3 a k1 b; MSETNX k3 a k3 b; GETSET k3 x; GETSET k9 y",
    "SET k1 1; INCR k1; DECRBY k1 3; INCRBYFLOAT k1 1.5; INCRBYFLOAT k2 1; INCR k3",
    "APPEND k1 ab; APPEND k1 cd; SETRANGE k1 1 zz; SETRANGE k2 3 ab; SETRANGE k3 0 ''",
    "SET k1 v; GETDEL k1; GETDEL k1; SET k1 v PX 100000; GETEX k1; GETEX k1 PERSIST",
    "SET k1 v; GETEX k1 EX 100; GETEX k1 PXAT 1; GET k1; STRLEN k1; GETRANGE k1 0 1",
    "SET k1 v GET; SET k1 w GET; SET k2 v NX GET; SET k1 x XX GET; LCS k1 k9",
    "SETBIT k1 3 1; SETBIT k1 3 1; SETBIT k1 3 0; SETBIT k1 100 0; GETBIT k9 1",
    "SET k1 ab; BITOP AND k2 k1 k9; BITOP OR k2 k9 k8; BITOP NOT k3 k1; BITCOUNT k9",
    ("BITFIELD k1 SET u8 0 1; BITFIELD k1 GET u8 0; BITFIELD k2 OVERFLOW FAIL INCRBY u2 0 9"),
    "SET k1 v; DEL k1 k2; SET k1 v; UNLINK k1; EXISTS k1; TYPE k1; TOUCH k1",
    "SET k1 v; EXPIRE k1 100; PEXPIRE k1 1000 GT; PEXPIRE k1 1000000 GT; EXPIREAT k1 1",
    "EXPIRE k9 10",
    "SET k1 v; PEXPIREAT k1 99999999999999; PERSIST k1; PERSIST k1; TTL k1; TTL k9",
    "SET k1 v EX 100; RENAME k1 k2; SET k1 w; RENAME k2 k1; RENAMENX k1 k2; RENAME k2 k2",
    "SET k1 v; COPY k1 k2; COPY k1 k2; COPY k1 k2 REPLACE; COPY k1 k3 DB 1; COPY k9 k8",
    "SET k1 v; MOVE k1 1; SET k1 w; MOVE k1 1; SELECT 1; MOVE k1 0; OBJECT ENCODING k9",
    "SET k1 v; FLUSHDB; SET k1 v; SWAPDB 0 1; SET k1 w; SWAPDB 0 1; FLUSHALL",
    "RPUSH k1 a b c d e; LPUSH k1 z; LPUSHX k2 a; RPUSHX k1 f; LINSERT k1 BEFORE c x",
    "RPUSH k1 a b c; LSET k1 0 z; LINSERT k1 AFTER q x; LREM k1 0 z; LREM k1 0 q",
    "RPUSH k1 a b c; LPOP k1; RPOP k1 5; LPOP k1; RPUSH k1 a b c; LPOP k1 0; RPOP k9",
    "RPUSH k1 a b c d; LTRIM k1 1 -1; LTRIM k1 0 -1; LTRIM k1 5 9; LTRIM k9 0 1",
    "RPUSH k1 a b; LMOVE k1 k2 LEFT RIGHT; RPOPLPUSH k1 k2; LMOVE k2 k2 LEFT LEFT",
    ("RPUSH k1 a b c; LMPOP 2 k9 k1 RIGHT COUNT 2; LMPOP 2 k9 k1 LEFT COUNT 5; LRANGE k1 0 -1"),
    "SADD k1 a b c; SADD k1 a; SADD k1 d; SREM k1 a x; SREM k1 q; SREM k1 b c d",
    "SADD k1 a b c; SPOP k1; SPOP k1 0; SPOP k1 1; SADD k2 a b; SPOP k2 5; SPOP k9",
    "SADD k1 a b; SADD k2 b; SMOVE k1 k2 a; SMOVE k1 k2 b; SMOVE k2 k3 a; SMOVE k2 k2 b",
    "SADD k1 a b; SADD k2 b c; SINTERSTORE k3 k1 k2; SUNIONSTORE k3 k1 k2 k9",
    "SADD k1 a b; SDIFFSTORE k3 k1 k1; SADD k3 x; SINTERSTORE k3 k1 k9; SDIFFSTORE k3 k9",
    "ZADD k1 1 a 2 b; ZADD k1 1 a; ZADD k1 NX 5 a; ZADD k1 XX 5 c; ZADD k1 CH 7 a",
    "ZINCRBY k1 1 a; ZADD k1 INCR 2 a; ZADD k1 XX INCR 2 b; ZADD k1 GT 1 a; ZSCORE k9 a",
    "ZADD k1 1 a 2 b 3 c; ZREM k1 a x; ZREM k1 q; ZREM k1 b c; ZADD k2 1 a; ZREM k2 a",
    "ZADD k1 1 a 2 b 3 c 4 d; ZREMRANGEBYRANK k1 0 0; ZREMRANGEBYSCORE k1 3 3",
    (
        "ZADD k1 0 a 0 b 0 c; ZREMRANGEBYLEX k1 - [a; ZREMRANGEBYLEX k1 [x +;"
        " ZREMRANGEBYRANK k1 0 -1"
    ),
    "ZADD k1 1 a 2 b 3 c; ZPOPMIN k1; ZPOPMAX k1 5; ZPOPMIN k1; ZPOPMAX k1 0",
    "ZADD k1 1 a 2 b; ZMPOP 2 k9 k1 MIN COUNT 1; ZMPOP 1 k1 MAX COUNT 9; ZMPOP 1 k1 MIN",
    "ZADD k1 1 a 2 b; ZADD k2 2 b; ZUNIONSTORE k3 2 k1 k2; ZINTERSTORE k3 2 k1 k2",
    "ZADD k1 1 a; ZDIFFSTORE k3 2 k1 k1; ZADD k3 1 x; ZDIFFSTORE k3 1 k9; ZUNION 1 k9",
    "ZADD k1 1 a 2 b; ZRANGESTORE k2 k1 0 0; ZRANGESTORE k2 k1 5 9; ZRANGESTORE k2 k9 0 1",
    "PFADD k1 a b; PFADD k1 a; PFADD k2; PFADD k2; PFCOUNT k1; PFCOUNT k1 k9",
    "PFADD k1 a; PFMERGE k3 k1 k9; PFMERGE k3; PFMERGE k4 k9",
    ("GEOADD k1 13.36 38.11 a 15.08 37.50 b; GEOADD k1 13.36 38.11 a; GEOADD k1 XX CH 1 1 a"),
    ("GEOADD k1 13.36 38.11 a 15.08 37.50 b; GEOSEARCHSTORE k2 k1 FROMMEMBER a BYRADIUS 500 km"),
    ("GEOADD k1 13.36 38.11 a; GEORADIUS k1 15 37 500 km STORE k2; GEORADIUS k1 0 0 1 km STORE k2"),
    "GEOADD k1 13.36 38.11 a; SET k2 v; GEOSEARCHSTORE k2 k9 FROMLONLAT 0 0 BYRADIUS 1 km",
    "GEOADD k1 13.36 38.11 a; GEORADIUSBYMEMBER k1 a 5 km STOREDIST k3; GEODIST k1 a z",
    ("RPUSH k1 3 1 2; SORT k1 STORE k2; SORT k9 STORE k2; SORT k1 BY w* GET # GET w* STORE k3"),
)


def _requests(sequence: str) -> list[tuple[str, ...]]:
    """A corpus sequence's requests (``;``-separated words, ``''`` for an empty argument)."""
    return [
        tuple("" if word == "''" else word for word in line.split()) for line in sequence.split(";")
    ]


_STRINGS = st.one_of(_STRING_COMMANDS, _GENERIC, _CREATE)
_LISTS = st.one_of(_list_requests(), _list_requests(), _GENERIC, _CREATE)
_SET_CREATE = st.one_of(
    _cmd("SADD", st.sampled_from(["k1", "k2"]), _MEMBERS, _MEMBERS, _MEMBERS),
    _cmd("ZADD", st.sampled_from(["k1", "k2"]), "1", _MEMBERS, "2", _MEMBERS, "-1", _MEMBERS),
)
_SRC = st.sampled_from(["k1", "k2", "k3"])
_SET_WRITES = st.one_of(
    _cmd(st.sampled_from(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]), _SRC, _SRC, _SRC),
    _cmd("SMOVE", _SRC, _SRC, _MEMBERS),
    _cmd("SPOP", _SRC, st.sampled_from(["1", "2", "5"])),
    _cmd("SPOP", _SRC),
    _cmd("SREM", _SRC, _MEMBERS, _MEMBERS),
    _cmd("ZREM", _SRC, _MEMBERS, _MEMBERS),
    _cmd("ZREMRANGEBYRANK", _SRC, st.sampled_from(["0", "-1"]), st.sampled_from(["0", "1", "-1"])),
    _cmd("ZREMRANGEBYSCORE", _SRC, st.sampled_from(["-inf", "1"]), st.sampled_from(["1", "+inf"])),
    _cmd("ZREMRANGEBYLEX", _SRC, "-", st.sampled_from(["[b", "+"])),
    _cmd(st.sampled_from(["ZPOPMIN", "ZPOPMAX"]), _SRC),
    _cmd("ZMPOP", "2", _SRC, _SRC, st.sampled_from(["MIN", "MAX"]), "COUNT", "5"),
    _cmd(st.sampled_from(["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"]), _SRC, "2", _SRC, _SRC),
    _cmd("ZRANGESTORE", _SRC, _SRC, "0", st.sampled_from(["0", "-1"])),
    _cmd("ZINCRBY", _SRC, "1", _MEMBERS),
)
_SETS = st.one_of(_SET_CREATE, _SET_WRITES, _SET_CREATE, _SET_COMMANDS, _SET_WRITES, _GENERIC)
_HLL_GEO = st.one_of(_HLL_AND_GEO, _HLL_AND_GEO, _GENERIC, _CREATE)
_MIXED = st.one_of(_STRINGS, _LISTS, _SETS, _HLL_GEO)


def _argv(request: tuple[Any, ...]) -> list[str]:
    """A request as arguments (``OBJECT ENCODING`` is one generator item but two words)."""
    out: list[str] = []
    for part in request:
        out.extend(str(part).split(" ") if part == "OBJECT ENCODING" else [str(part)])
    return out


class NotificationStream:
    """One server's command connection and pattern subscriber."""

    def __init__(self, port: int, classes: str) -> None:
        self.commands = RespConnection(port)
        self.subscriber = RespConnection(port)
        self.commands.call("CONFIG", "SET", "notify-keyspace-events", classes)
        self.subscriber.call("PSUBSCRIBE", "__key*__:*")

    def close(self) -> None:
        """Close both connections."""
        self.commands.close()
        self.subscriber.close()

    def run(self, requests: list[tuple[Any, ...]]) -> list[object]:
        """Run ``requests`` from an empty keyspace in db 0; the messages they caused, each
        ``[channel, message]``."""
        self.commands.call("SELECT", "0")
        self.commands.call("FLUSHALL")  # no events, as in Redis
        for request in requests:
            self.commands.call(*_argv(request))
        self.commands.call("PUBLISH", _MARKER_CHANNEL, "end")
        messages: list[object] = []
        while True:
            item = parse(self.subscriber.read_reply())
            assert isinstance(item, list) and item[0] == b"pmessage", item
            if item[2] == _MARKER_CHANNEL.encode():
                return messages
            messages.append(item[2:])


class NotifyCompareTests(TestCase):
    """A real redis-server and an in-process pyredisd, both with notifications on."""

    service: RedisService

    @inlineCallbacks
    def setUp(self) -> Any:  # type: ignore[override]  # trial waits for a Deferred setUp
        """Start both servers (redis-server is stopped by PID at cleanup)."""
        path = require_redis_server(self)
        self.redis = ServerProcess.redis(path)
        yield threads.deferToThread(self.redis.start)
        self.addCleanup(self.redis.stop)
        self.service = yield start_service(self, config_with(port=0))
        self.port = self.service.server.ports[0]

    @inlineCallbacks
    def differential(
        self, commands: st.SearchStrategy[tuple[Any, ...]], classes: str, examples: int
    ) -> Any:
        """Run ``examples`` random sequences of ``commands`` with ``classes`` enabled on both
        servers; the message streams must be equal."""

        @settings(
            derandomize=True,
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(st.lists(commands, min_size=8, max_size=30))
        def run(requests: list[tuple[Any, ...]]) -> None:
            redis, ours = streams
            expected, actual = redis.run(requests), ours.run(requests)
            assert expected == actual, (
                f"{requests!r}\n  redis:    {expected!r}\n  pyredisd: {actual!r}"
            )

        def connect_and_run() -> None:
            streams.append(NotificationStream(self.redis.port, classes))
            streams.append(NotificationStream(self.port, classes))
            try:
                run()
            finally:
                for stream in streams:
                    stream.close()

        streams: list[NotificationStream] = []
        yield threads.deferToThread(connect_and_run)

    def test_corpus(self) -> Any:
        """Each corpus sequence, with ``KEAnm``: every event name in Redis's order."""

        def run() -> None:
            redis = NotificationStream(self.redis.port, "KEAnm")
            ours = NotificationStream(self.port, "KEAnm")
            failures = []
            try:
                for sequence in CORPUS:
                    requests = _requests(sequence)
                    expected, actual = redis.run(requests), ours.run(requests)
                    if expected != actual:
                        failures.append(f"{sequence}\n  redis:    {expected}\n  ours:     {actual}")
            finally:
                redis.close()
                ours.close()
            assert not failures, "\n".join(failures)

        return threads.deferToThread(run)

    # ``KEAnm``: every class of ``A`` on both channel kinds, and the ``new`` and ``keymiss``
    # events ``A`` leaves out.
    def test_strings_bitmaps_generic(self) -> Any:
        """Strings, bitmaps, generic commands and SORT."""
        return self.differential(_STRINGS, "KEAnm", examples=150)

    def test_lists(self) -> Any:
        """Lists (pushes, pops, LMOVE, LMPOP, LREM, LTRIM, ...)."""
        return self.differential(_LISTS, "KEAnm", examples=150)

    def test_sets_and_sorted_sets(self) -> Any:
        """Sets and sorted sets, their STOREs and pops."""
        return self.differential(_SETS, "KEAnm", examples=150)

    def test_hyperloglog_and_geo(self) -> Any:
        """PFADD, PFMERGE, GEOADD and the geo STOREs."""
        return self.differential(_HLL_GEO, "KEAnm", examples=100)

    def test_all_classes_mixed(self) -> Any:
        """``KEA``: no ``new`` or ``keymiss`` events when only ``A`` is on; families mixed."""
        return self.differential(_MIXED, "KEA", examples=100)

    def test_keyevent_only_some_classes(self) -> Any:
        """``Elz``: keyevent channel only, two classes: the others stay silent."""
        return self.differential(_MIXED, "Elz", examples=40)
