"""maxmemory, eviction, OBJECT FREQ/IDLETIME and MEMORY through redis-py (RESP2 and RESP3)
against a real pyredisd listener, and byte-for-byte comparisons with a real redis-server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import redis

from twisted.internet import threads
from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.trial.unittest import TestCase

from pyredisd.core import errors
from pyredisd.net.service import RedisService
from tests.helpers import config_with, start_service
from tests.integration.test_compare import CompareTestCase, one, seq

T = TypeVar("T")

# Where Redis 7.4 answers differently from the Debian redis-server 7.0 these comparisons run
# against: 7.4 limits maxmemory-samples to 1..64 (redis/redis#13000), 7.0 to 1..INT_MAX.
_SAMPLES_RANGE = (
    b"-ERR CONFIG SET failed (possibly related to argument 'maxmemory-samples') - argument "
    b"must be between 1 and 64 inclusive\r\n"
)
MEMORY_NEWER_THAN_7_0 = {"samples 0": _SAMPLES_RANGE, "samples 65": _SAMPLES_RANGE}
MEMORY_OPTIONS = (
    "maxmemory-samples",
    "maxmemory-eviction-tenacity",
    "lfu-log-factor",
    "lfu-decay-time",
)


class RESP2MemoryTests(TestCase):
    """redis-py with protocol=2; the subclass runs the same tests in RESP3."""

    protocol = 2
    service: RedisService

    @inlineCallbacks
    def setUp(self) -> Any:  # type: ignore[override]  # trial waits for a Deferred setUp
        self.service = yield start_service(self, config_with(port=0))

    def client(self) -> redis.Redis:
        client = redis.Redis(
            host="127.0.0.1",
            port=self.service.server.ports[0],
            protocol=self.protocol,
            decode_responses=True,
        )
        self.addCleanup(client.close)
        return client

    def call(self, function: Callable[..., T], *args: Any) -> Deferred[T]:
        return threads.deferToThread(function, *args)

    @inlineCallbacks
    def test_lfu_fill_past_maxmemory(self) -> Any:
        """allkeys-lfu: writing past maxmemory keeps used_memory at the limit, counts evictions,
        and spares the keys that were read often."""
        r = self.client()

        def scenario() -> tuple[int, int, int, int, set[str]]:
            r.config_set("maxmemory-policy", "allkeys-lfu")
            for i in range(200):
                r.set(f"key:{i}", "x" * 100)
            for _ in range(10):
                r.mget([f"key:{i}" for i in range(100)])  # the first half is hot
            limit = int(r.info("memory")["used_memory"]) + 20_000
            r.config_set("maxmemory", limit)
            for i in range(1000):
                r.set(f"fill:{i}", "y" * 100)
            r.ping()  # evicts for the last write
            info = r.info()
            survivors = set(r.scan_iter("key:*", count=1000))
            return limit, info["used_memory"], info["evicted_keys"], info["maxmemory"], survivors

        limit, used, evicted, reported, survivors = yield self.call(scenario)
        self.assertEqual(reported, limit)
        self.assertLessEqual(used, limit)
        self.assertGreater(used, limit - 50_000)
        self.assertGreater(evicted, 900)
        hot = {key for key in survivors if int(key.split(":")[1]) < 100}
        self.assertGreaterEqual(len(hot), 95)
        self.assertLess(len(survivors - hot), 20)

    @inlineCallbacks
    def test_oom_and_object(self) -> Any:
        """noeviction over the limit: writes raise OutOfMemoryError, reads work; OBJECT FREQ
        and IDLETIME answer per policy."""
        r = self.client()

        def scenario() -> list[object]:
            out: list[object] = [r.set("k", "v"), r.object("idletime", "k")]
            try:
                r.object("freq", "k")
            except redis.ResponseError as exc:
                out.append(str(exc))
            r.config_set("maxmemory", 1)
            try:
                r.set("k2", "v")
            except redis.exceptions.OutOfMemoryError as exc:
                out.append(("oom", str(exc)))
            out.append(r.get("k"))
            pipe = r.pipeline(transaction=True)
            pipe.get("k")
            try:
                pipe.execute()
            except redis.ResponseError as exc:
                out.append(("tx", type(exc).__name__))
            r.config_set("maxmemory", 0)
            r.config_set("maxmemory-policy", "volatile-lfu")
            r.set("k3", "v")
            out.append(r.object("freq", "k3"))  # LFU_INIT_VAL
            out.append((r.memory_usage("k") or 0) > 0)
            out.append(r.memory_usage("missing"))
            stats = r.memory_stats()
            out.append(stats["keys.count"])
            return out

        out = yield self.call(scenario)
        self.assertEqual(out[0:2], [True, 0])
        self.assertEqual(out[2], errors.OBJECT_FREQ_NOT_LFU.removeprefix("ERR "))
        self.assertEqual(out[3], ("oom", errors.OOM.removeprefix("OOM ")))
        self.assertEqual(out[4], "v")
        self.assertEqual(out[5], ("tx", "OutOfMemoryError"))  # the queued GET was refused
        self.assertEqual(out[6:], [5, True, None, 2])


class RESP3MemoryTests(RESP2MemoryTests):
    protocol = 3


class MemoryComparisonTests(CompareTestCase):
    """The same requests to redis-server and pyredisd, byte for byte."""

    def test_object_freq_and_idletime_errors(self) -> None:
        self.assertSameReplies(
            [
                seq(
                    "LRU policy",
                    ("SET", "k", "v"),
                    ("OBJECT", "FREQ", "k"),
                    ("OBJECT", "IDLETIME", "k"),
                    ("OBJECT", "FREQ", "missing"),
                    flush=True,
                ),
                seq(
                    "LFU policy",
                    ("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"),
                    ("SET", "k", "v"),
                    ("OBJECT", "FREQ", "k"),
                    ("OBJECT", "IDLETIME", "k"),
                    ("OBJECT", "IDLETIME", "missing"),
                    ("CONFIG", "SET", "maxmemory-policy", "noeviction"),
                    flush=True,
                ),
            ]
        )

    def test_memory_options(self) -> None:
        """CONFIG GET/SET of the memory options: defaults, ranges, errors."""
        cases = [one("defaults", "CONFIG", "GET", name) for name in MEMORY_OPTIONS]
        cases += [
            one("policies", "CONFIG", "SET", "maxmemory-policy", "nope"),
            one("tenacity 101", "CONFIG", "SET", "maxmemory-eviction-tenacity", "101"),
            one("log factor -1", "CONFIG", "SET", "lfu-log-factor", "-1"),
            one("decay x", "CONFIG", "SET", "lfu-decay-time", "x"),
        ]
        for policy in ("volatile-ttl", "ALLKEYS-RANDOM", "noeviction"):
            cases.append(
                seq(
                    f"policy {policy}",
                    ("CONFIG", "SET", "maxmemory-policy", policy),
                    ("CONFIG", "GET", "maxmemory-policy"),
                )
            )
        cases.append(
            seq(
                "several",
                ("CONFIG", "SET", "maxmemory-samples", "10", "lfu-log-factor", "0"),
                ("CONFIG", "GET", "maxmemory-samples"),
                ("CONFIG", "GET", "lfu-log-factor"),
                ("CONFIG", "SET", "maxmemory-eviction-tenacity", "100", "lfu-decay-time", "0"),
                ("CONFIG", "GET", "maxmemory-eviction-tenacity"),
                ("CONFIG", "GET", "lfu-decay-time"),
            )
        )
        self.assertSameReplies(cases)
        for name, value in (("samples 0", "0"), ("samples 65", "65")):
            with self.subTest(case=name):
                _, actual = self.both(one(name, "CONFIG", "SET", "maxmemory-samples", value))
                self.assertEqual(actual, MEMORY_NEWER_THAN_7_0[name])

    def test_out_of_memory_under_noeviction(self) -> None:
        """maxmemory 1 on both: DENYOOM commands are refused, reads and DEL are not, MULTI
        refuses what it would queue, EXEC then aborts."""
        self.assertSameReplies(
            [
                seq("setup", ("SET", "k", "v"), ("CONFIG", "SET", "maxmemory", "1")),
                seq(
                    "refused and allowed",
                    ("SET", "k2", "v"),
                    ("RPUSH", "l", "a"),
                    ("INCR", "n"),
                    ("GET", "k"),
                    ("EXISTS", "k"),
                    ("PING",),
                ),
                seq("multi", ("MULTI",), ("SET", "x", "1"), ("GET", "k"), ("EXEC",)),
                seq("discard", ("MULTI",), ("DISCARD",)),
                seq("del", ("DEL", "k"), ("SET", "k", "v")),
                seq("lift", ("CONFIG", "SET", "maxmemory", "0"), ("SET", "k", "v")),
            ]
        )

    def test_exec_with_denyoom_after_the_limit_fell(self) -> None:
        """EXEC queuing a DENYOOM command, once over the limit: execCommandAbort's text."""
        replies = []
        for server in (self.redis, self.pyredisd):
            with server.connect() as a, server.connect() as b:
                a.call("MULTI")
                a.call("SET", "k", "v")
                b.call("CONFIG", "SET", "maxmemory", "1")
                replies.append(a.call("EXEC"))
                b.call("CONFIG", "SET", "maxmemory", "0")
        self.assertEqual(replies[1], replies[0])

    def test_memory_command(self) -> None:
        """MEMORY's errors, HELP, DOCTOR on an empty instance, PURGE."""
        self.assertSameReplies(
            [
                seq(
                    "usage errors",
                    ("SET", "foo", "bar"),
                    ("MEMORY", "USAGE", "foo", "SAMPLES", "x"),
                    ("MEMORY", "USAGE", "foo", "SAMPLES", "-1"),
                    ("MEMORY", "USAGE", "foo", "SAMPLES"),
                    ("MEMORY", "USAGE", "foo", "bad"),
                    ("MEMORY", "USAGE", "missing"),
                    ("MEMORY", "USAGE"),
                    ("MEMORY", "FOO"),
                    ("MEMORY", "STATS", "extra"),
                ),
                one("help", "MEMORY", "HELP"),
                seq("doctor", ("FLUSHALL",), ("MEMORY", "DOCTOR")),
                one("purge", "MEMORY", "PURGE"),
            ]
        )
