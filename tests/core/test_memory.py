"""Core tests of the memory estimate (``pyredisd.core.memory``, ``memsize``): what writes add
and deletes give back, that it agrees with what the interpreter allocates, INFO memory, and
the MEMORY command."""

from __future__ import annotations

import gc
import sys
import tracemalloc
from collections import deque

from twisted.internet import task
from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core import errors, memsize
from pyredisd.core.clients import Client
from pyredisd.core.info import info_text
from pyredisd.core.replies import OK, ErrorReply, Map, Reply, Status
from pyredisd.core.server import Server
from pyredisd.core.zset import ZSet
from tests.core.test_client_admin import FakePeer


class MemoryTestCase(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = task.Clock()
        self.clock.advance(1_700_000_000)
        self.server = Server(clock=self.clock)
        self.client: Client = self.server.new_client(FakePeer(), addr="127.0.0.1:5000")
        self.db = self.server.dbs[0]

    def call(self, *args: str | bytes | int) -> Reply:
        argv = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        return self.server.execute(self.client, argv)

    def objects(self) -> int:
        """The objects part of the estimate (settled)."""
        self.db.settle()
        return self.db.mem

    def info(self) -> dict[str, str]:
        text = info_text(self.server, ["memory", "stats"])
        return dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)


class SizeTests(SynchronousTestCase):
    def test_bytes_round_up_to_pymalloc_blocks(self) -> None:
        self.assertEqual(memsize.bytes_size(b""), 48)  # 33 bytes in a 48-byte block
        self.assertEqual(memsize.bytes_size(b"x" * 15), 48)
        self.assertEqual(memsize.bytes_size(b"x" * 16), 64)

    def test_containers(self) -> None:
        fields = {b"f%d" % i: b"v%d" % i for i in range(5)}
        each = sum(memsize.bytes_size(f) + memsize.bytes_size(v) for f, v in fields.items())
        self.assertEqual(memsize.value_size(fields), sys.getsizeof(fields) + each)
        members = deque([b"a", b"bb"])
        self.assertEqual(memsize.value_size(members), sys.getsizeof(members) + 96)

    def test_big_containers_are_sampled(self) -> None:
        """Past EXACT_UP_TO elements the first ``samples`` are measured and scaled: exact
        here, since the members have one size."""
        members = {b"member:%06d" % i for i in range(10_000)}
        exact = memsize.value_size(members, samples=0)
        self.assertEqual(memsize.value_size(members), exact)
        self.assertEqual(exact, sys.getsizeof(members) + 10_000 * 48)

    def test_estimate_agrees_with_the_allocator(self) -> None:
        """For each type, the estimate is within 15% of what tracemalloc sees allocated to
        build the value (tracemalloc counts requested sizes, the estimate whole blocks)."""
        builders = {
            "string": lambda: bytes(1000),
            "hash": lambda: {b"field:%d" % i: b"value:%d" % i for i in range(1000)},
            "set": lambda: {b"member:%d" % i for i in range(1000)},
            "list": lambda: deque(b"item:%d" % i for i in range(1000)),
            "zset": lambda: _zset(1000),
        }
        for name, build in builders.items():
            with self.subTest(type=name):
                gc.collect()
                tracemalloc.start()
                try:
                    before = tracemalloc.get_traced_memory()[0]
                    value = build()
                    allocated = tracemalloc.get_traced_memory()[0] - before
                finally:
                    tracemalloc.stop()
                estimate = memsize.value_size(value, samples=0)
                self.assertLess(abs(estimate - allocated), allocated * 0.15, (estimate, allocated))


def _zset(count: int) -> ZSet:
    zset = ZSet()
    for i in range(count):
        zset.add(b"member:%d" % i, float(i))
    return zset


class RunningEstimateTests(MemoryTestCase):
    def test_strings(self) -> None:
        """A new key adds its key and value objects; an overwrite the difference; DEL gives
        back what SET took; a TTL adds its deadline."""
        start = self.objects()
        self.call("SET", "key", "v" * 100)
        one = memsize.bytes_size(b"key") + memsize.bytes_size(b"v" * 100)
        self.assertEqual(self.objects() - start, one)
        self.call("SET", "key", "v" * 10)
        self.assertEqual(self.objects() - start, memsize.bytes_size(b"key") + 48)
        self.call("EXPIRE", "key", 100)
        self.assertEqual(self.objects() - start, memsize.bytes_size(b"key") + 48 + 32)
        self.call("PERSIST", "key")
        self.call("APPEND", "key", "w" * 90)
        self.assertEqual(self.objects() - start, one)
        self.call("SET", "key", "x", "EX", 10)
        self.call("DEL", "key")
        self.assertEqual(self.objects(), start)

    def test_containers_are_measured_when_read(self) -> None:
        """An in-place write marks the key; the estimate measures it when next read."""
        self.call("HSET", "h", "a", "1")
        self.assertIn(b"h", self.db.unsized)
        size = memsize.bytes_size(b"h") + memsize.value_size(
            self.db.data[b"h"], shared=self.db.names.table
        )
        self.assertEqual(self.objects(), size)
        self.assertEqual(self.db.unsized, set())
        self.call("HSET", "h", "b", "2", "c", "3")
        self.assertEqual(
            self.objects(),
            memsize.bytes_size(b"h")
            + memsize.value_size(self.db.data[b"h"], shared=self.db.names.table),
        )
        self.call("RPUSH", "l", "a", "b")
        self.call("SADD", "s", "a")
        self.call("ZADD", "z", 1, "a")
        self.call("SET", "h", "now a string")
        self.call("LPOP", "l", 2)  # the list goes away
        expected = sum(
            memsize.bytes_size(key) + memsize.value_size(value, shared=self.db.names.table)
            for key, value in self.db.data.items()
        )
        self.assertEqual(self.objects(), expected)

    def test_expiry_flush_and_swap(self) -> None:
        self.call("SET", "a", "1", "PX", 10)
        self.clock.advance(1)
        self.assertIsNone(self.call("GET", "a"))
        self.assertEqual(self.objects(), 0)
        self.call("SET", "b", "1")
        self.call("SWAPDB", 0, 1)
        self.assertEqual(self.objects(), 0)
        self.assertEqual(self.server.dbs[1].mem, memsize.bytes_size(b"b") + 48)
        self.call("FLUSHALL")
        self.assertEqual(self.server.dbs[1].mem, 0)

    def test_used_memory_is_startup_plus_databases(self) -> None:
        memory = self.server.memory
        self.call("SET", "k", "v")
        self.assertEqual(
            memory.used(),
            memory.startup
            + self.server.field_names.size()  # hash field names, counted once
            + sum(db.used_memory() for db in self.server.dbs),
        )
        self.assertEqual(memory.used() - memory.overhead(), self.objects())


class InfoMemoryTests(MemoryTestCase):
    def test_fields_agree(self) -> None:
        self.call("SET", "k", "v" * 1000)
        self.call("CONFIG", "SET", "maxmemory", "10mb", "maxmemory-policy", "allkeys-lru")
        info = self.info()
        used = int(info["used_memory"])
        self.assertEqual(used, self.server.memory.used())
        self.assertEqual(used, int(info["used_memory_overhead"]) + int(info["used_memory_dataset"]))
        self.assertEqual(int(info["used_memory_startup"]), self.server.memory.startup)
        self.assertGreaterEqual(int(info["used_memory_peak"]), used)
        self.assertEqual(info["maxmemory"], str(10 * 1024 * 1024))
        self.assertEqual(info["maxmemory_human"], "10.00M")
        self.assertEqual(info["maxmemory_policy"], "allkeys-lru")
        rss = int(info["used_memory_rss"])
        self.assertEqual(info["mem_fragmentation_ratio"], f"{rss / used:.2f}")
        self.assertEqual(info["evicted_keys"], "0")

    def test_used_memory_follows_writes(self) -> None:
        before = int(self.info()["used_memory"])
        for i in range(1000):
            self.call("SET", f"key:{i}", "v" * 100)
        grown = int(self.info()["used_memory"]) - before
        self.assertGreater(grown, 1000 * (48 + 144))
        self.call("FLUSHALL")
        self.assertLess(int(self.info()["used_memory"]), before + 1000)


class MemoryCommandTests(MemoryTestCase):
    def test_usage(self) -> None:
        self.call("SET", "foo", "bar")
        expected = memsize.bytes_size(b"foo") + 48 + 2 * memsize.TABLE_ENTRY
        self.assertEqual(self.call("MEMORY", "USAGE", "foo"), expected)
        self.call("EXPIRE", "foo", 100)
        self.assertEqual(
            self.call("MEMORY", "USAGE", "foo"),
            expected + memsize.TABLE_ENTRY + memsize.INT_SIZE,
        )
        self.assertIsNone(self.call("MEMORY", "USAGE", "missing"))

    def test_usage_samples(self) -> None:
        for i in range(1000):
            self.call("SADD", "s", "m" * (1 + i % 100))
        small = self.call("MEMORY", "USAGE", "s", "SAMPLES", 5)  # the first five members
        every = self.call("MEMORY", "USAGE", "s", "SAMPLES", 0)
        assert isinstance(small, int) and isinstance(every, int)
        self.assertNotEqual(small, every)
        value = self.db.data[b"s"]
        exact = memsize.value_size(value, samples=0)
        self.assertEqual(every, memsize.bytes_size(b"s") + exact + 2 * memsize.TABLE_ENTRY)

    def test_usage_errors(self) -> None:
        self.call("SET", "foo", "bar")
        self.assertEqual(
            self.call("MEMORY", "USAGE", "foo", "SAMPLES", "x"), ErrorReply(errors.NOT_INTEGER)
        )
        self.assertEqual(
            self.call("MEMORY", "USAGE", "foo", "SAMPLES", "-1"), ErrorReply(errors.SYNTAX)
        )
        self.assertEqual(self.call("MEMORY", "USAGE", "foo", "SAMPLES"), ErrorReply(errors.SYNTAX))
        self.assertEqual(self.call("MEMORY", "USAGE", "foo", "bad"), ErrorReply(errors.SYNTAX))

    def test_stats_doctor_and_the_rest(self) -> None:
        self.call("SET", "k", "v")
        stats = self.call("MEMORY", "STATS")
        assert isinstance(stats, Map)
        fields = dict(stats.items)
        self.assertIn(b"db.0", fields)
        numbers = {k: v for k, v in fields.items() if isinstance(k, bytes) and type(v) is int}
        self.assertEqual(numbers[b"total.allocated"], self.server.memory.used())
        self.assertEqual(numbers[b"keys.count"], 1)
        self.assertEqual(
            numbers[b"dataset.bytes"], numbers[b"total.allocated"] - numbers[b"overhead.total"]
        )
        doctor = self.call("MEMORY", "DOCTOR")
        assert isinstance(doctor, bytes)
        self.assertTrue(doctor.startswith(b"Hi Sam, this instance is empty"))
        self.assertEqual(self.call("MEMORY", "PURGE"), OK)
        help_reply = self.call("MEMORY", "HELP")
        assert isinstance(help_reply, list)
        first = help_reply[0]
        assert isinstance(first, Status)
        self.assertTrue(first.text.startswith("MEMORY <subcommand>"))
        self.assertEqual(
            self.call("MEMORY", "FOO"),
            ErrorReply("ERR unknown subcommand 'FOO'. Try MEMORY HELP."),
        )
