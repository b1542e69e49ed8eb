"""Byte-for-byte comparison of the HyperLogLog commands with a real ``redis-server``.

pyredisd runs in this process on 127.0.0.1:0 with the HyperLogLog group bound into its table;
redis-server runs beside it (:mod:`tests.integration.realredis`). Every reply is compared, and
so is ``GET`` of every HLL key after each write: the values must be byte-identical (header,
cached cardinality, sparse opcodes, dense registers), as must INFO's count of changes.

Debian's redis-server is 7.0.15 and pyredisd follows 7.4. The HLL format and algorithms are
the same; COMMAND DOCS differs (PFMERGE's sourcekey became optional in 7.2) and is overridden
below. Corrupt values are limited to those 7.0 already rejects like 7.4 (7.4 added overflow
checks for runs past 16384 registers). Without redis-server the tests skip, unless
``PYREDISD_REQUIRE_REDIS=1``.
"""

from __future__ import annotations

import random
from typing import Any

from twisted.internet import threads
from twisted.internet.defer import inlineCallbacks
from twisted.trial.unittest import TestCase

from pyredisd.core import hll
from pyredisd.core.commands import hyperloglog
from tests.helpers import config_with, start_service
from tests.integration.realredis import ServerProcess, require_redis_server
from tests.integration.test_command_docs import _hints
from tests.integration.test_compare_lists_hashes import Args, Pair, Scenario, _Connectable, scenario

_HEADER_INVALID = b"HYLL\x01" + bytes(10) + b"\x80"
CORRUPT = _HEADER_INVALID + b"\x7f\xfe"  # opcodes cover 16383 registers
CORRUPT_VALID_CACHE = b"HYLL\x01" + bytes(11) + b"\x7f\xfe"
SATURATED = bytes(hll.dense_from_registers(_HEADER_INVALID, [51] * hll.REGISTERS))
RAISED = bytes(hll.dense_from_registers(_HEADER_INVALID, [60] * hll.REGISTERS))
# PFADD h a, set with SET so that the key gets a TTL with SET's (shared) change counting.
H_A = b"HYLL\x01" + bytes(10) + b"\x80" + bytes.fromhex("71a6844e57")


def _elements(prefix: str, count: int) -> list[bytes]:
    return [f"{prefix}{i}".encode() for i in range(count)]


def _adds_with_gets(key: str, batches: list[list[bytes]]) -> list[Args]:
    """PFADD each batch, then GET and PFCOUNT (which fills the cache) and GET again."""
    out: list[Args] = []
    for batch in batches:
        out += [("PFADD", key, *batch), ("GET", key), ("PFCOUNT", key), ("GET", key)]
    return out


_RNG = random.Random(20240601)


def _random_batches(sizes: list[int]) -> list[list[bytes]]:
    return [[b"%d" % _RNG.randrange(1 << 40) for _ in range(n)] for n in sizes]


CORPUS: list[Scenario] = [
    scenario(
        "pfadd basics",
        ("PFADD", "h", "a", "b", "c"),
        ("GET", "h"),
        ("PFADD", "h", "a", "b"),
        ("PFADD", "h"),
        ("PFCOUNT", "h"),
        ("GET", "h"),
        ("PFCOUNT", "h"),
        ("PFADD", "h", "d"),
        ("GET", "h"),
        ("TYPE", "h"),
        ("STRLEN", "h"),
        ("PFADD", "empty"),
        ("GET", "empty"),
        ("PFADD", "empty"),
        ("PFCOUNT", "empty"),
        ("PFCOUNT", "nokey"),
        ("PFADD", "bin", b"", b"\x00", b"\xff" * 7, b"x" * 8, b"y" * 9, b"z" * 100),
        ("GET", "bin"),
        ("PFCOUNT", "bin"),
    ),
    scenario(
        "pfadd resp3",
        ("PFADD", "h", "a", "b"),
        ("PFCOUNT", "h", "nokey"),
        ("GET", "h"),
        resp3=True,
    ),
    scenario(
        "sparse growth", *_adds_with_gets("g", [_elements("e", n) for n in (1, 10, 100, 500)])
    ),
    scenario(
        "sparse to dense by size",
        *_adds_with_gets("p", _random_batches([200, 300, 400, 500, 600, 1000, 5000])),
    ),
    scenario("dense 100k", *_adds_with_gets("big", [_elements("", 100_000)])),
    scenario(
        "dense 100k in batches",
        *_adds_with_gets("big", _random_batches([25_000, 25_000, 25_000, 25_000])),
    ),
    scenario(
        "pfcount of several keys",
        ("PFADD", "a", *_elements("a", 300)),
        ("PFADD", "b", *_elements("b", 50)),
        ("PFADD", "c", *_elements("a", 20_000)),
        ("PFCOUNT", "a", "b"),
        ("PFCOUNT", "a", "b", "c"),
        ("PFCOUNT", "a", "a"),
        ("PFCOUNT", "nokey", "nokey2"),
        ("PFCOUNT", "a", "nokey"),
        ("GET", "a"),
        ("GET", "b"),
    ),
    scenario(
        "pfmerge",
        ("PFADD", "a", *_elements("a", 300)),
        ("PFADD", "b", *_elements("b", 50)),
        ("PFADD", "c", *_elements("a", 20_000)),
        ("PFMERGE", "m1", "a", "b"),
        ("GET", "m1"),
        ("PFCOUNT", "m1"),
        ("PFMERGE", "m2", "a", "c"),
        ("GET", "m2"),
        ("PFCOUNT", "m2"),
        ("PFMERGE", "b", "a"),
        ("GET", "b"),
        ("PFMERGE", "a", "c", "nokey"),
        ("GET", "a"),
        ("PFMERGE", "m3"),
        ("GET", "m3"),
        ("PFMERGE", "m3", "m3"),
        ("GET", "m3"),
        ("PFMERGE", "m4", "nokey"),
        ("GET", "m4"),
        ("PFADD", "d", *_elements("d", 800)),
        ("PFADD", "e", *_elements("e", 800)),
        ("PFMERGE", "m5", "d", "e"),
        ("GET", "m5"),
        ("PFCOUNT", "m5"),
    ),
    scenario(
        "ttl kept",
        ("SET", "h", H_A, "EXAT", 4_000_000_000),
        ("PFADD", "h", "b"),
        ("PFCOUNT", "h"),
        ("PFMERGE", "h", "h"),
        ("EXPIRETIME", "h"),
        ("GET", "h"),
    ),
    scenario(
        "errors",
        ("SET", "s", "v"),
        ("SET", "n", "12345"),
        ("SET", "short", "HYLL"),
        ("SET", "dense-size", b"HYLL\x00" + bytes(200)),
        ("SET", "enc", b"HYLL\x02" + bytes(11) + b"\x7f\xff"),
        ("RPUSH", "l", "x"),
        ("PFADD", "h", "a"),
        ("PFADD", "s", "a"),
        ("PFADD", "n", "a"),
        ("PFADD", "short", "a"),
        ("PFADD", "dense-size", "a"),
        ("PFADD", "enc", "a"),
        ("PFADD", "l", "a"),
        ("PFCOUNT", "s"),
        ("PFCOUNT", "l"),
        ("PFCOUNT", "h", "s"),
        ("PFCOUNT", "s", "l"),
        ("PFMERGE", "h", "s"),
        ("PFMERGE", "s", "h"),
        ("PFMERGE", "l", "h"),
        ("PFMERGE", "new", "h", "l"),
        ("EXISTS", "new"),
        ("PFADD",),
        ("PFCOUNT",),
        ("PFMERGE",),
        ("GET", "h"),
    ),
    scenario(
        "corrupt and crafted values",
        ("SET", "bad", CORRUPT),
        ("SET", "cached", CORRUPT_VALID_CACHE),
        ("PFADD", "h", "a"),
        ("PFCOUNT", "bad"),
        ("PFCOUNT", "cached"),
        ("PFCOUNT", "h", "bad"),
        ("PFMERGE", "h", "bad"),
        ("PFMERGE", "bad", "h"),
        ("GET", "h"),
        ("SET", "sat", SATURATED),
        ("PFCOUNT", "sat"),
        ("GET", "sat"),
        ("PFCOUNT", "sat", "h"),
        ("SET", "raised", RAISED),
        ("PFCOUNT", "raised"),
        ("PFADD", "raised", "a"),
        ("PFMERGE", "m", "raised", "h"),
        ("GET", "m"),
        ("APPEND", "h", "x"),
        ("PFCOUNT", "h"),
    ),
    scenario(
        "pfdebug",
        ("PFADD", "h", "a", "b", "c"),
        ("PFDEBUG", "DECODE", "h"),
        ("PFDEBUG", "ENCODING", "h"),
        ("PFDEBUG", "GETREG", "h"),
        ("GET", "h"),
        ("PFDEBUG", "TODENSE", "h"),
        ("PFDEBUG", "encoding", "h"),
        ("PFDEBUG", "DECODE", "h"),
        ("PFADD", "i", "x"),
        ("PFDEBUG", "todense", "i"),
        ("PFDEBUG", "TODENSE", "i"),
        ("GET", "i"),
        ("PFDEBUG", "GETREG", "nokey"),
        ("SET", "s", "v"),
        ("PFDEBUG", "GETREG", "s"),
        ("PFDEBUG", "bogus", "h"),
        ("PFDEBUG", "GETREG"),
    ),
]


def _random_scenarios(count: int) -> list[Scenario]:
    """Random PFADD/PFMERGE/PFCOUNT sequences over four keys, GET after every step."""
    rng = random.Random(7)
    keys = ["k1", "k2", "k3", "k4"]
    out: list[Scenario] = []
    for n in range(count):
        requests: list[Args] = []
        for _ in range(12):
            roll = rng.random()
            key = rng.choice(keys)
            if roll < 0.6:
                size = rng.choice([0, 1, 3, 20, 150, 700, 3000])
                elements = [b"%d" % rng.randrange(5000) for _ in range(size)]
                requests.append(("PFADD", key, *elements))
            elif roll < 0.8:
                sources = rng.sample(keys, rng.randint(0, 3))
                requests.append(("PFMERGE", key, *sources))
            else:
                requests.append(("PFCOUNT", *rng.sample(keys, rng.randint(1, 3))))
            requests.append(("GET", key))
        out.append(Scenario(f"random {n}", requests))
    return out


class CompareTestCase(TestCase):
    """A redis-server subprocess and an in-process pyredisd with the HyperLogLog commands."""

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
    """Every HyperLogLog command, with its errors; values compared with GET."""

    timeout = 600

    @inlineCallbacks
    def test_corpus(self) -> Any:
        """Each request of each scenario gets byte-identical replies."""
        mismatches = yield threads.deferToThread(self.pair.run, CORPUS)
        self.assertEqual(mismatches, [], "\n" + "\n".join(mismatches))

    @inlineCallbacks
    def test_random_sequences(self) -> Any:
        """Seeded random sequences of adds, merges and counts leave identical values."""
        mismatches = yield threads.deferToThread(self.pair.run, _random_scenarios(20))
        self.assertEqual(mismatches, [], "\n" + "\n".join(mismatches))


class DocsTests(CompareTestCase):
    """COMMAND DOCS arguments, as redis-cli renders them into typing hints."""

    @inlineCallbacks
    def test_hints_match_redis(self) -> Any:
        """Every HyperLogLog command renders to Redis's hint (PFMERGE's sources are optional
        since 7.2)."""
        names = [spec.name for spec in hyperloglog.GROUP.specs]
        ours = _Connectable(self.pair.ours_port)
        theirs = _Connectable(self.redis.port)
        expected, actual = yield threads.deferToThread(
            lambda: (_hints(theirs, names), _hints(ours, names))  # type: ignore[arg-type]
        )
        expected["pfmerge"] = "destkey [sourcekey [sourcekey ...]]"
        self.assertEqual(actual, expected)
