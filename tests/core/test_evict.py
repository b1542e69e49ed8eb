"""Core tests of LRU/LFU bookkeeping and eviction (``pyredisd.core.evict``) through
``Server.execute`` on a ``task.Clock``, with the server's random generator seeded."""

from __future__ import annotations

import random

from twisted.internet import task
from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core import errors, evict, notify
from pyredisd.core.clients import Client
from pyredisd.core.events import KeyEvents
from pyredisd.core.keyspace import Database
from pyredisd.core.replies import NULL_ARRAY, OK, QUEUED, ErrorReply, Reply
from pyredisd.core.server import Server
from tests.core.test_client_admin import FakePeer

OOM = ErrorReply(errors.OOM)
START = 1_700_000_000


class EvictTestCase(SynchronousTestCase):
    """A server on a ``task.Clock`` with a seeded generator, and two clients."""

    def setUp(self) -> None:
        self.clock = task.Clock()
        self.clock.advance(START)
        self.server = Server(clock=self.clock)
        self.seed(1)
        self.a = self.server.new_client(FakePeer(), addr="127.0.0.1:5000")
        self.b = self.server.new_client(FakePeer(), addr="127.0.0.1:5001")

    def seed(self, value: int) -> None:
        rng = random.Random(value)
        self.server.memory.clock.random = rng.random
        self.server.memory.evictor.random = rng

    def call(self, *args: str | bytes | int, client: Client | None = None) -> Reply:
        argv = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        return self.server.execute(client or self.a, argv)

    def advance(self, seconds: float) -> None:
        """Let time pass and run the cron (which refreshes the LRU clock, as serverCron)."""
        self.clock.advance(seconds)
        self.server.cron()

    def limit_to_now(self, slack: int = 0) -> None:
        """Set maxmemory to the current estimate (plus ``slack``)."""
        self.call("CONFIG", "SET", "maxmemory", self.server.memory.used() + slack)

    def keys(self) -> set[str]:
        return {key.decode() for key in self.server.dbs[0].data}


class ClockMathTests(SynchronousTestCase):
    """The pure LRU/LFU functions, against the formulas of evict.c."""

    def test_lru_clock_wraps_at_24_bits(self) -> None:
        self.assertEqual(evict.lru_clock(START + 0.999), START & evict.LRU_CLOCK_MAX)
        self.assertEqual(evict.idle_ms(100, 110), 10_000)
        # A stamp "after" the clock is from before the wrap: idle = clock + (max - stamp).
        self.assertEqual(evict.idle_ms(evict.LRU_CLOCK_MAX - 5, 4), 9_000)

    def test_log_increment_probability(self) -> None:
        """p = 1 / ((counter - 5) * factor + 1); at or below LFU_INIT_VAL always."""
        self.assertEqual(evict.lfu_incremented(0, 10, 0.999), 1)
        self.assertEqual(evict.lfu_incremented(5, 10, 0.999), 6)
        self.assertEqual(evict.lfu_incremented(6, 10, 0.09), 7)  # p = 1/11 = 0.0909
        self.assertEqual(evict.lfu_incremented(6, 10, 0.091), 6)
        self.assertEqual(evict.lfu_incremented(15, 1, 0.0908), 16)  # p = 1/11
        self.assertEqual(evict.lfu_incremented(15, 0, 0.999), 16)  # factor 0: always
        self.assertEqual(evict.lfu_incremented(255, 0, 0.0), 255)

    def test_log_increment_matches_redis_table(self) -> None:
        """redis.conf's table for lfu-log-factor 10: 100 hits -> 10, 1K -> 18 (sampled)."""
        rng = random.Random(3)
        counter = evict.LFU_INIT_VAL
        hits = 0
        seen = {}
        for target in (100, 1000, 10_000):
            while hits < target:
                counter = evict.lfu_incremented(counter, 10, rng.random())
                hits += 1
            seen[target] = counter
        self.assertTrue(8 <= seen[100] <= 12, seen)
        self.assertTrue(15 <= seen[1000] <= 21, seen)
        self.assertTrue(42 <= seen[10_000] <= 56, seen)  # the table says 49 (from 0)

    def test_decay(self) -> None:
        """One period of lfu-decay-time minutes takes one off the counter (LFUDecrAndReturn)."""
        stamp = 1000 << 8 | 10
        self.assertEqual(evict.lfu_decayed(stamp, 1000, 1), 10)
        self.assertEqual(evict.lfu_decayed(stamp, 1003, 1), 7)
        self.assertEqual(evict.lfu_decayed(stamp, 1003, 2), 9)
        self.assertEqual(evict.lfu_decayed(stamp, 1003, 0), 10)  # 0: never decays
        self.assertEqual(evict.lfu_decayed(stamp, 1100, 1), 0)
        # The 16-bit minute clock wraps: 65534 -> 1 is two minutes (65535 - ldt + now).
        self.assertEqual(evict.lfu_decayed(65534 << 8 | 10, 1, 1), 8)

    def test_time_limit(self) -> None:
        """evictionTimeLimitUs: 50 µs a step to 10, then +15% a step, unlimited at 100."""
        self.assertEqual(evict.time_limit_us(0), 0)
        self.assertEqual(evict.time_limit_us(10), 500)
        self.assertAlmostEqual(evict.time_limit_us(11), 575)
        self.assertEqual(evict.time_limit_us(100), float("inf"))


class LRUTests(EvictTestCase):
    def test_idle_time_follows_the_clock(self) -> None:
        self.call("SET", "k", "v")
        self.advance(10)
        self.assertEqual(self.call("OBJECT", "IDLETIME", "k"), 10)
        self.assertEqual(self.call("GET", "k"), b"v")
        self.assertEqual(self.call("OBJECT", "IDLETIME", "k"), 0)
        self.assertIsNone(self.call("OBJECT", "IDLETIME", "missing"))

    def test_what_counts_as_an_access(self) -> None:
        """Reads and writes touch; OBJECT, EXISTS, TYPE, TTL do not (LOOKUP_NOTOUCH); TOUCH
        does."""
        self.call("SET", "k", "1")
        self.call("RPUSH", "l", "a")
        self.advance(5)
        for request in (
            ("OBJECT", "ENCODING", "k"),
            ("OBJECT", "FREQ", "k"),
            ("EXISTS", "k"),
            ("TYPE", "k"),
            ("TTL", "k"),
            ("PTTL", "k"),
            ("EXPIRETIME", "k"),
        ):
            self.call(*request)
        self.assertEqual(self.call("OBJECT", "IDLETIME", "k"), 5)
        writes: tuple[tuple[tuple[str | int, ...], str], ...] = (
            (("TOUCH", "k"), "k"),
            (("INCR", "k"), "k"),
            (("SET", "k", "2"), "k"),
            (("APPEND", "k", "x"), "k"),
            (("STRLEN", "k"), "k"),
            (("RPUSH", "l", "b"), "l"),
            (("LRANGE", "l", 0, -1), "l"),
        )
        for write, key in writes:
            with self.subTest(request=write):
                idle = self.call("OBJECT", "IDLETIME", key)
                assert isinstance(idle, int)
                self.advance(3)
                self.assertEqual(self.call("OBJECT", "IDLETIME", key), idle + 3)
                self.call(*write)
                self.assertEqual(self.call("OBJECT", "IDLETIME", key), 0)

    def test_rename_and_move_keep_the_stamp(self) -> None:
        """The object moves with its LRU (renameGenericCommand, moveCommand)."""
        self.call("SET", "a", "1")
        self.call("SET", "b", "1")
        self.advance(7)
        stamp = self.server.dbs[0].access[b"a"]
        self.call("RENAME", "a", "c")
        self.assertEqual(self.server.dbs[0].access[b"c"], stamp)
        self.call("MOVE", "b", 1)
        self.assertEqual(self.server.dbs[1].access[b"b"], stamp)
        self.assertNotIn(b"a", self.server.dbs[0].access)
        self.assertNotIn(b"b", self.server.dbs[0].access)

    def test_no_touch_client(self) -> None:
        """CLIENT NO-TOUCH: its commands leave existing keys' stamps alone, except TOUCH; keys
        it creates are stamped; the server is back on the fast path once no client has it."""
        self.call("SET", "k", "1")
        self.call("RPUSH", "l", "a")
        self.advance(4)
        self.assertEqual(self.call("CLIENT", "NO-TOUCH", "ON"), OK)
        self.assertTrue(self.server._hooked)
        for request in (("GET", "k"), ("INCR", "k"), ("RPUSH", "l", "b"), ("MGET", "k", "l")):
            self.call(*request)
        self.assertEqual(self.call("OBJECT", "IDLETIME", "k"), 4)
        self.assertEqual(self.call("OBJECT", "IDLETIME", "l"), 4)
        self.assertEqual(self.call("GET", "k"), b"2")  # the writes happened
        self.call("SET", "new", "v")
        self.assertIn(b"new", self.server.dbs[0].access)
        self.call("MULTI")
        self.call("GET", "k")
        self.call("EXEC")
        self.assertEqual(self.call("OBJECT", "IDLETIME", "k"), 4)
        self.call("TOUCH", "k")
        self.assertEqual(self.call("OBJECT", "IDLETIME", "k"), 0)
        # Another client's reads still touch.
        self.call("GET", "l", client=self.b)
        self.assertEqual(self.call("OBJECT", "IDLETIME", "l"), 0)
        self.call("RESET")
        self.assertFalse(self.server._hooked)

    def test_no_touch_is_forgotten_with_the_client(self) -> None:
        self.call("CLIENT", "NO-TOUCH", "ON")
        self.server.detach(self.a)
        self.assertEqual(self.server.no_touch, {})
        self.assertFalse(self.server._hooked)

    def test_object_freq_needs_an_lfu_policy(self) -> None:
        self.call("SET", "k", "v")
        self.assertEqual(self.call("OBJECT", "FREQ", "k"), ErrorReply(errors.OBJECT_FREQ_NOT_LFU))
        self.assertEqual(self.call("OBJECT", "FREQ", "missing"), None)


class LFUTests(EvictTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")

    def test_counter_starts_at_five_and_grows(self) -> None:
        self.call("SET", "k", "v")
        self.assertEqual(self.call("OBJECT", "FREQ", "k"), evict.LFU_INIT_VAL)
        self.call("GET", "k")
        self.assertEqual(self.call("OBJECT", "FREQ", "k"), 6)  # p = 1 at the initial value
        for _ in range(200):
            self.call("GET", "k")
        freq = self.call("OBJECT", "FREQ", "k")
        assert isinstance(freq, int)
        self.assertTrue(9 <= freq <= 14, freq)
        self.assertEqual(
            self.call("OBJECT", "IDLETIME", "k"), ErrorReply(errors.OBJECT_IDLETIME_LFU)
        )

    def test_overwrite_and_log_factor(self) -> None:
        """SET over an existing key is one access (setKey), not a new key."""
        self.call("CONFIG", "SET", "lfu-log-factor", "0")  # every access counts
        self.call("SET", "k", "v")
        for _ in range(10):
            self.call("SET", "k", "w")
        self.assertEqual(self.call("OBJECT", "FREQ", "k"), 15)

    def test_decay_over_minutes(self) -> None:
        self.call("CONFIG", "SET", "lfu-log-factor", "0")
        self.call("SET", "k", "v")
        for _ in range(5):
            self.call("GET", "k")
        self.assertEqual(self.call("OBJECT", "FREQ", "k"), 10)
        self.advance(180)
        self.assertEqual(self.call("OBJECT", "FREQ", "k"), 7)
        self.call("CONFIG", "SET", "lfu-decay-time", "2")
        self.assertEqual(self.call("OBJECT", "FREQ", "k"), 9)
        self.call("CONFIG", "SET", "lfu-decay-time", "0")
        self.assertEqual(self.call("OBJECT", "FREQ", "k"), 10)
        # An access applies the decay first, then increments (updateLFU).
        self.call("CONFIG", "SET", "lfu-decay-time", "1")
        self.call("GET", "k")
        self.assertEqual(self.call("OBJECT", "FREQ", "k"), 8)

    def test_policy_change_reinterprets_the_stamps(self) -> None:
        """The 24-bit field is kept as it is; only its reading changes (Redis does the same)."""
        self.call("SET", "k", "v")
        stamp = self.server.dbs[0].access[b"k"]
        self.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
        self.assertEqual(self.server.dbs[0].access[b"k"], stamp)
        self.assertIs(type(self.server.dbs[0].access), dict)
        clock = self.server.memory.clock.lru
        self.assertEqual(self.call("OBJECT", "IDLETIME", "k"), evict.idle_ms(stamp, clock) // 1000)
        self.call("CONFIG", "SET", "maxmemory-policy", "volatile-lfu")
        self.assertIs(type(self.server.dbs[0].access), evict.LFUTable)
        self.assertEqual(self.call("OBJECT", "FREQ", "k"), evict.LFU_INIT_VAL)

    def test_flush_keeps_the_table_kind(self) -> None:
        self.call("SET", "k", "v")
        self.call("FLUSHALL")
        self.assertIs(type(self.server.dbs[0].access), evict.LFUTable)
        self.call("SET", "k", "v")
        self.assertEqual(self.call("OBJECT", "FREQ", "k"), evict.LFU_INIT_VAL)


class PolicyTests(EvictTestCase):
    """Which keys each policy evicts, when a write pushes the estimate over maxmemory."""

    def fill(self, count: int, prefix: str = "k", ttl: int | None = None) -> None:
        for i in range(count):
            self.call("SET", f"{prefix}{i}", "x" * 50)
            if ttl is not None:
                self.call("EXPIRE", f"{prefix}{i}", ttl + i)

    def evict_some(self, policy: str, new_keys: int = 10, samples: int = 64) -> set[str]:
        """Under ``policy``, set the limit to the current estimate and write ``new_keys``
        more keys; return the keys evicted."""
        before = self.keys()
        self.call("CONFIG", "SET", "maxmemory-policy", policy, "maxmemory-samples", samples)
        self.limit_to_now()
        for i in range(new_keys):
            self.assertEqual(self.call("SET", f"new{i}", "x" * 50), OK)
        return before - self.keys()

    def test_allkeys_lru_evicts_the_least_recently_used(self) -> None:
        self.fill(100)
        self.advance(100)
        for i in range(50, 100):  # the second half is recent
            self.call("GET", f"k{i}")
        self.advance(1)
        evicted = self.evict_some("allkeys-lru", new_keys=20)
        self.assertGreaterEqual(len(evicted), 20)
        old = {k for k in evicted if k.startswith("k") and int(k[1:]) < 50}
        self.assertGreaterEqual(len(old), len(evicted) * 0.9, evicted)

    def test_volatile_policies_only_evict_keys_with_a_ttl(self) -> None:
        for policy in ("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"):
            with self.subTest(policy=policy):
                self.call("FLUSHALL")
                self.call("CONFIG", "SET", "maxmemory", 0)
                self.fill(30, "p")
                self.fill(30, "v", ttl=1000)
                evicted = self.evict_some(policy)
                self.assertTrue(evicted)
                self.assertTrue(all(k.startswith("v") for k in evicted), evicted)

    def test_volatile_with_nothing_to_evict_is_out_of_memory(self) -> None:
        self.fill(20)
        self.call("CONFIG", "SET", "maxmemory-policy", "volatile-lru")
        self.limit_to_now(-1)
        self.assertEqual(self.call("SET", "new", "x" * 50), OOM)
        self.assertEqual(len(self.server.dbs[0]), 20)

    def test_volatile_ttl_evicts_the_nearest_deadline(self) -> None:
        self.fill(20, "v", ttl=1000)  # v0 expires first, v19 last
        evicted = self.evict_some("volatile-ttl", new_keys=3)
        nearest = sorted(evicted, key=lambda k: int(k[1:]))
        self.assertEqual(nearest, [f"v{i}" for i in range(len(evicted))])

    def test_allkeys_lfu_keeps_the_frequently_used(self) -> None:
        self.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
        self.fill(60)
        for _ in range(20):
            for i in range(30):
                self.call("GET", f"k{i}")  # the first half is hot
        evicted = self.evict_some("allkeys-lfu", new_keys=20)
        cold = {k for k in evicted if k.startswith("k") and int(k[1:]) >= 30}
        self.assertGreaterEqual(len(cold), len(evicted) * 0.9, evicted)

    def test_random_policies_spread_over_databases(self) -> None:
        self.fill(30)
        self.call("SELECT", 1)
        self.fill(30, "o")
        self.call("SELECT", 0)
        self.call("CONFIG", "SET", "maxmemory-policy", "allkeys-random")
        self.limit_to_now()
        for i in range(30):
            self.call("SET", f"new{i}", "x" * 50)
        self.assertLess(len(self.server.dbs[0]) + len(self.server.dbs[1]), 90)
        self.assertLess(len(self.server.dbs[1]), 30)  # db 1 lost keys to db 0's writes

    def test_noeviction_refuses_denyoom_commands_only(self) -> None:
        self.fill(10)
        self.limit_to_now(-1)
        self.assertEqual(self.call("SET", "new", "v"), OOM)
        self.assertEqual(self.call("RPUSH", "l", "v"), OOM)
        self.assertEqual(self.call("GET", "k1"), b"x" * 50)
        self.assertEqual(self.call("DEL", "k1"), 1)  # DEL frees memory: always allowed
        self.assertEqual(self.call("SET", "k1", "v"), OK)  # and now there is room
        self.assertEqual(self.server.keyspace_stats.evicted_keys, 0)

    def test_nothing_evicted_under_the_limit(self) -> None:
        self.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
        self.limit_to_now(1_000_000)
        for i in range(1000):
            self.call("SET", f"k{i}", "v" * 100)
        self.assertEqual(len(self.server.dbs[0]), 1000)
        self.assertEqual(self.server.keyspace_stats.evicted_keys, 0)

    def test_filling_keeps_the_estimate_near_the_limit(self) -> None:
        """Writing far past maxmemory under allkeys-lru: the check before each command brings
        the estimate back to the limit (a command may overshoot it by what it adds, as in
        Redis), and older keys go first. (With no time budget: a table resize may need more
        evictions than the default 500 µs allow, and the rest would wait for the cron.)"""
        self.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
        self.call("CONFIG", "SET", "maxmemory-eviction-tenacity", "100")
        self.fill(200)
        self.limit_to_now(20_000)
        memory = self.server.memory
        limit = memory.maxmemory
        db = self.server.dbs[0]
        for i in range(2000):
            if i % 200 == 0:
                self.advance(1)  # later keys are more recent
            self.call("SET", f"fill{i}", "y" * 100)
            self.call("PING")  # the check before it evicts
            self.assertLessEqual(memory.used(), limit)
            if i > 200:
                # Under it by less than a key, or than what the tables gave back when CPython
                # rebuilt it smaller (dicts resize on insertion, dropping deleted slots).
                self.assertLess(limit - memory.used(), db.overhead() + 500)
        stats = self.server.keyspace_stats
        self.assertGreater(stats.evicted_keys, 1500)
        survivors = self.keys()
        self.assertLess(len([k for k in survivors if k.startswith("k")]), 20)
        # About 150 keys fit; nearly all of them are from the last second's writes.
        last = {f"fill{i}" for i in range(1800, 2000)}
        self.assertGreater(len(survivors), 100)
        self.assertGreaterEqual(len(last & survivors), len(survivors) * 0.9)


class OutOfMemoryTests(EvictTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.call("SET", "k", "v")

    def test_zero_costs_nothing(self) -> None:
        """Without maxmemory the dispatcher stays on its fast path."""
        self.assertFalse(self.server._hooked)
        self.call("CONFIG", "SET", "maxmemory", "1")
        self.assertTrue(self.server._hooked)
        self.call("CONFIG", "SET", "maxmemory", "0")
        self.assertFalse(self.server._hooked)

    def test_queuing_in_multi_is_refused(self) -> None:
        """In MULTI everything but EXEC/DISCARD/QUIT/RESET is refused when over, and the
        transaction is doomed (processCommand's CLIENT_MULTI rule)."""
        self.call("CONFIG", "SET", "maxmemory", "1")
        self.assertEqual(self.call("MULTI"), OK)
        self.assertEqual(self.call("GET", "k"), OOM)
        self.assertEqual(self.call("EXEC"), ErrorReply(errors.EXECABORT))
        self.call("MULTI")
        self.assertEqual(self.call("DISCARD"), OK)

    def test_exec_with_a_denyoom_command(self) -> None:
        """EXEC holding a DENYOOM command is refused when over (execCommandAbort)."""
        self.assertEqual(self.call("MULTI"), OK)
        self.assertEqual(self.call("SET", "k", "w"), QUEUED)
        self.call("CONFIG", "SET", "maxmemory", "1", client=self.b)
        self.assertEqual(
            self.call("EXEC"),
            ErrorReply("EXECABORT Transaction discarded because of: " + errors.OOM),
        )
        self.assertIsNone(self.a.multi)
        self.assertEqual(self.call("GET", "k"), b"v")
        # A read-only transaction still runs.
        self.call("CONFIG", "SET", "maxmemory", "0")
        self.call("MULTI")
        self.call("GET", "k")
        self.call("CONFIG", "SET", "maxmemory", "1", client=self.b)
        self.assertEqual(self.call("EXEC"), [b"v"])

    def test_oom_is_counted_as_rejected(self) -> None:
        self.call("CONFIG", "SET", "maxmemory", "1")
        self.call("SET", "k", "w")
        set_command = self.server.commands.get(b"set")
        assert set_command is not None
        self.assertEqual(set_command.rejected_calls, 1)
        self.assertEqual(self.server.stats.errors.get("OOM"), 1)

    def test_no_eviction_while_paused(self) -> None:
        """isSafeToPerformEvictions: a CLIENT PAUSE keeps the dataset still, and writes that
        reach the server (here: none are paused, ALL postpones them) are not refused."""
        self.call("CLIENT", "PAUSE", 100_000, "WRITE", client=self.b)
        self.call("CONFIG", "SET", "maxmemory-policy", "allkeys-random", "maxmemory", "1")
        self.assertEqual(self.call("GET", "k", client=self.b), b"v")
        self.assertEqual(len(self.server.dbs[0]), 1)
        self.call("CLIENT", "UNPAUSE", client=self.b)
        self.call("GET", "k", client=self.b)
        self.assertEqual(len(self.server.dbs[0]), 0)


class EvictedKeyTests(EvictTestCase):
    def test_watch_sees_an_evicted_key(self) -> None:
        self.call("SET", "k", "v")
        self.call("WATCH", "k")
        self.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru", client=self.b)
        self.call("CONFIG", "SET", "maxmemory", "1", client=self.b)
        self.call("PING", client=self.b)  # the check before it evicts k
        self.assertEqual(self.server.keyspace_stats.evicted_keys, 1)
        self.call("CONFIG", "SET", "maxmemory", "0", client=self.b)
        self.call("MULTI")
        self.call("PING")
        self.assertEqual(self.call("EXEC"), NULL_ARRAY)

    def test_evicted_event_and_counters(self) -> None:
        """Eviction deletes through the keyspace (``changed``), then reports ``evicted``; it is
        not a change for rdb_changes_since_last_save; CONFIG RESETSTAT clears the counter."""
        seen: list[tuple[str, bytes]] = []

        class Recorder(KeyEvents):
            def wants(self, db: Database) -> bool:
                return True

            def notify(self, db: Database, cls: int, event: str, key: bytes) -> None:
                seen.append((event, key))
                self_cls = cls
                assert self_cls & notify.EVICTED or event != "evicted"

        db = self.server.dbs[0]
        self.call("SET", "k", "v")
        db.events = Recorder()
        db.refresh_hooks()
        dirty = self.server.keyspace_stats.dirty
        self.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru", "maxmemory", "1")
        self.call("PING")
        self.assertEqual(seen, [("evicted", b"k")])
        self.assertEqual(self.server.keyspace_stats.dirty, dirty)
        self.call("CONFIG", "RESETSTAT")
        self.assertEqual(self.server.keyspace_stats.evicted_keys, 0)


class TenacityTests(EvictTestCase):
    def test_time_budget_leaves_the_rest_to_the_cron(self) -> None:
        """Past the budget (checked every 16 keys) eviction stops and the command runs
        (EVICT_RUNNING is not a failure); the cron goes on (evictionTimeProc)."""
        for i in range(100):
            self.call("SET", f"k{i}", "x" * 50)
        ticks = iter(range(0, 10**12, 1_000_000))  # each reading 1 ms later
        self.server.timer = lambda: next(ticks)
        self.call("CONFIG", "SET", "maxmemory-policy", "allkeys-random")
        self.call("CONFIG", "SET", "maxmemory", self.server.memory.startup)
        self.assertEqual(self.call("SET", "new", "v"), OK)
        self.assertEqual(self.server.keyspace_stats.evicted_keys, 16)
        self.assertTrue(self.server.memory.running)
        self.call("CONFIG", "SET", "maxmemory-eviction-tenacity", "100")
        self.advance(0.1)
        self.assertEqual(len(self.server.dbs[0]), 0)
        self.assertFalse(self.server.memory.running)


class DebugObjectTests(EvictTestCase):
    def test_debug_object_shows_the_lru_field(self) -> None:
        self.server.config.values["enable-debug-command"] = "yes"
        self.call("SET", "k", "v")
        stamp = self.server.dbs[0].access[b"k"]
        self.advance(12)
        reply = self.call("DEBUG", "OBJECT", "k")
        self.assertIn(f"lru:{stamp} lru_seconds_idle:12", getattr(reply, "text", ""))
