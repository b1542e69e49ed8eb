"""Unit tests for :mod:`pyredisd.core.keyspace`: lazy and active expiry, stats, swap, flush."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core.errors import WRONGTYPE, CommandError
from pyredisd.core.keyspace import Database, KeyspaceStats


def database(index: int = 0, stats: KeyspaceStats | None = None) -> Database:
    """An empty database with its own stats unless ``stats`` is given."""
    return Database(index, stats if stats is not None else KeyspaceStats())


class LazyExpiryTests(SynchronousTestCase):
    """A key past its deadline is gone the first time it is looked up."""

    def test_key_lives_until_deadline(self) -> None:
        """A key is live before its deadline and deleted at it (deadline <= now)."""
        db = database()
        db.set(b"k", b"v")
        db.set_expire(b"k", 1000)
        self.assertEqual(db.lookup(b"k", 999), b"v")
        self.assertEqual(db.ttl_ms(b"k"), 1000)
        self.assertIsNone(db.lookup(b"k", 1000))
        self.assertNotIn(b"k", db.data)
        self.assertNotIn(b"k", db.expires)
        self.assertEqual(db.stats.expired_keys, 1)
        self.assertEqual(len(db), 0)

    def test_key_without_ttl_never_expires(self) -> None:
        """A key with no deadline survives any time."""
        db = database()
        db.set(b"k", b"v")
        self.assertEqual(db.lookup(b"k", 1 << 62), b"v")
        self.assertIsNone(db.ttl_ms(b"k"))

    def test_set_drops_ttl_unless_kept(self) -> None:
        """Overwriting a key drops its TTL unless ``keep_ttl`` is set."""
        db = database()
        db.set(b"a", b"1")
        db.set_expire(b"a", 50)
        db.set(b"a", b"2", keep_ttl=True)
        self.assertEqual(db.ttl_ms(b"a"), 50)
        db.set(b"a", b"3")
        self.assertIsNone(db.ttl_ms(b"a"))

    def test_persist_and_delete(self) -> None:
        """``persist`` removes only the TTL; ``delete`` removes key and TTL."""
        db = database()
        db.set(b"k", b"v")
        db.set_expire(b"k", 50)
        self.assertTrue(db.persist(b"k"))
        self.assertFalse(db.persist(b"k"))
        self.assertEqual(db.lookup(b"k", 100), b"v")
        db.set_expire(b"k", 500)
        self.assertTrue(db.delete(b"k"))
        self.assertFalse(db.delete(b"k"))
        self.assertEqual((db.data, db.expires), ({}, {}))

    def test_get_string_wrong_type(self) -> None:
        """``get_string`` raises WRONGTYPE for a value that is not a string."""
        db = database()
        db.set(b"l", [b"x"])
        with self.assertRaises(CommandError) as caught:
            db.get_string(b"l", 0)
        self.assertEqual(caught.exception.message, WRONGTYPE)


class StatsTests(SynchronousTestCase):
    """Keyspace hits, misses and expirations are counted as INFO reports them."""

    def test_hits_and_misses(self) -> None:
        """Read lookups count a hit or a miss; plain lookups count neither."""
        db = database()
        db.set(b"k", b"v")
        db.lookup_read(b"k", 0)
        db.lookup_read(b"k", 0)
        db.lookup_read(b"nope", 0)
        db.lookup(b"k", 0)
        db.lookup(b"nope", 0)
        self.assertEqual((db.stats.hits, db.stats.misses), (2, 1))

    def test_expired_read_is_a_miss(self) -> None:
        """Reading an expired key counts a miss and an expiration."""
        db = database()
        db.set(b"k", b"v")
        db.set_expire(b"k", 10)
        self.assertIsNone(db.get_string(b"k", 10))
        stats = db.stats
        self.assertEqual((stats.hits, stats.misses, stats.expired_keys), (0, 1, 1))

    def test_reset(self) -> None:
        """``reset`` zeroes every counter."""
        stats = KeyspaceStats()
        stats.hits, stats.misses, stats.expired_keys = 3, 2, 1
        stats.reset()
        self.assertEqual((stats.hits, stats.misses, stats.expired_keys), (0, 0, 0))

    def test_stats_are_shared_between_databases(self) -> None:
        """Databases built with one stats object count into it."""
        stats = KeyspaceStats()
        first, second = database(0, stats), database(1, stats)
        first.lookup_read(b"a", 0)
        second.lookup_read(b"b", 0)
        self.assertEqual(stats.misses, 2)


class ActiveExpiryTests(SynchronousTestCase):
    """``active_expire`` removes expired keys without anyone looking them up."""

    def test_removes_expired_keys(self) -> None:
        """Expired keys are deleted and counted; live and persistent keys stay."""
        db = database()
        for i in range(10):
            db.set(b"dead%d" % i, b"v")
            db.set_expire(b"dead%d" % i, 100)
        db.set(b"live", b"v")
        db.set_expire(b"live", 10_000)
        db.set(b"forever", b"v")
        self.assertEqual(db.active_expire(100), 10)
        self.assertEqual(sorted(db.data), [b"forever", b"live"])
        self.assertEqual(list(db.expires), [b"live"])
        self.assertEqual(db.stats.expired_keys, 10)

    def test_mostly_expired_sample_continues(self) -> None:
        """While more than a quarter of each sample expired, one call keeps sweeping."""
        db = database()
        for i in range(100):
            db.set(b"k%d" % i, b"v")
            db.set_expire(b"k%d" % i, 5)
        self.assertEqual(db.active_expire(5, samples=20), 100)
        self.assertEqual(len(db), 0)

    def test_visits_every_volatile_key_over_repeated_calls(self) -> None:
        """With few expired keys each call stops early, but repeated calls reach them all."""
        db = database()
        for i in range(200):
            db.set(b"k%d" % i, b"v")
            db.set_expire(b"k%d" % i, 5 if i % 50 == 49 else 10_000)
        removed = 0
        for _ in range(10):  # 200 keys / 20 samples: one pass of the snapshot
            removed += db.active_expire(5, samples=20)
        self.assertEqual(removed, 4)
        self.assertEqual(len(db), 196)
        self.assertEqual(len(db.expires), 196)

    def test_keys_deleted_meanwhile_are_skipped(self) -> None:
        """Keys deleted or persisted after the snapshot are not expired or counted."""
        db = database()
        for i in range(30):
            db.set(b"k%d" % i, b"v")
            db.set_expire(b"k%d" % i, 10_000)
        db.active_expire(0, samples=10)
        db.delete(b"k15")
        db.persist(b"k16")
        removed = sum(db.active_expire(20_000, samples=10) for _ in range(5))
        self.assertEqual(removed, 28)
        self.assertEqual(sorted(db.data), [b"k16"])
        self.assertEqual(db.stats.expired_keys, 28)

    def test_empty_database(self) -> None:
        """A database without volatile keys returns at once."""
        db = database()
        db.set(b"k", b"v")
        self.assertEqual(db.active_expire(1 << 40), 0)


class SwapAndFlushTests(SynchronousTestCase):
    """SWAPDB and FLUSHDB act on contents, not identity."""

    def test_swap_exchanges_contents_and_keeps_ids(self) -> None:
        """Data and deadlines move; the database ids stay."""
        stats = KeyspaceStats()
        first, second = database(0, stats), database(1, stats)
        first.set(b"a", b"1")
        first.set_expire(b"a", 100)
        second.set(b"b", b"2")
        first.swap(second)
        self.assertEqual((first.id, second.id), (0, 1))
        self.assertEqual(first.data, {b"b": b"2"})
        self.assertEqual(first.expires, {})
        self.assertEqual(second.data, {b"a": b"1"})
        self.assertEqual(second.expires, {b"a": 100})

    def test_flush(self) -> None:
        """FLUSHDB empties data and deadlines."""
        db = database()
        db.set(b"a", b"1")
        db.set_expire(b"a", 100)
        db.flush()
        self.assertEqual((len(db), db.data, db.expires), (0, {}, {}))
        self.assertIsNone(db.lookup(b"a", 0))


class AverageTTLTests(SynchronousTestCase):
    def test_active_expiry_estimates_average_ttl(self) -> None:
        """The sampled TTLs of live keys give INFO keyspace's avg_ttl estimate in ms."""
        db = Database(0, KeyspaceStats())
        for i in range(10):
            db.set(b"k%d" % i, b"v")
            db.set_expire(b"k%d" % i, 1000 + 10_000)
        db.active_expire(1000)
        self.assertEqual(db.avg_ttl, 10_000)
        db.flush()
        self.assertEqual(db.avg_ttl, 0)
