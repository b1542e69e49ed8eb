"""Core tests of hash-field expiry (HEXPIRE family, :mod:`pyredisd.core.hashttl`) and of the
hash keyspace notifications: ``Server.execute`` on a ``task.Clock``, no sockets.

Redis 7.0 has none of these commands; the cases follow Redis 7.4's ``t_hash.c`` and
``tests/unit/type/hash-field-expire.tcl``.
"""

from __future__ import annotations

from pyredisd.core import errors, notify
from pyredisd.core.events import KeyEvents
from pyredisd.core.hashttl import MAX_DEADLINE_MS, HashEx
from pyredisd.core.keyspace import Database
from pyredisd.core.replies import NULL_ARRAY, OK, Map, Reply, Status, Verbatim
from tests.core.test_lists import START, WRONGTYPE, FamilyTestCase, err

NOW_MS = int(START * 1000)
H = notify.HASH
G = notify.GENERIC


class RecordingEvents(KeyEvents):
    """KeyEvents that records every notification a database reports."""

    def __init__(self) -> None:
        super().__init__()
        self.notify_flags = notify.ALL | notify.KEYSPACE  # hooked: something publishes
        self.seen: list[tuple[int, str, bytes]] = []

    def notify(self, db: Database, cls: int, event: str, key: bytes) -> None:
        if cls != notify.KEY_MISS:  # writes only: reads of missing keys are not the subject
            self.seen.append((cls, event, key))


class HashTTLTestCase(FamilyTestCase):
    """A server whose databases report their notifications to ``self.events``."""

    def setUp(self) -> None:
        super().setUp()
        self.events = RecordingEvents()
        for db in self.server.dbs:
            db.events = self.events
            db.refresh_hooks()

    def advance(self, ms: int) -> None:
        self.clock.advance(ms / 1000)

    def notified(self) -> list[tuple[int, str, bytes]]:
        """The notifications so far (and forget them)."""
        seen, self.events.seen = self.events.seen, []
        return seen

    def pairs(self, *args: bytes | str | int) -> list[tuple[Reply, Reply]]:
        """The field/value pairs of a map reply (HGETALL)."""
        reply = self.call(*args)
        assert isinstance(reply, Map)
        return reply.items

    def info_field(self, section: str, name: str) -> str:
        text = self.call("INFO", section)
        assert isinstance(text, Verbatim)
        for line in text.data.decode().split("\r\n"):
            if line.startswith(name + ":"):
                return line.partition(":")[2]
        raise AssertionError(f"{name} not in INFO {section}")


class HexpireTests(HashTTLTestCase):
    """HEXPIRE HPEXPIRE HEXPIREAT HPEXPIREAT: per-field replies, conditions, errors."""

    def test_replies_per_field(self) -> None:
        """-2 no such field, 1 set, 0 condition not met, 2 deleted (time in the past)."""
        self.call("HSET", "h", "f1", "v1", "f2", "v2", "f4", "v4")
        self.check(
            [
                (("HEXPIRE", "h", 1000, "NX", "FIELDS", 1, "f4"), [1]),
                (("HPEXPIREAT", "h", NOW_MS - 1000, "NX", "FIELDS", 4, "f1", "f2", "f3", "f4"),
                 [2, 2, -2, 0]),
                (("HEXISTS", "h", "f1"), 0),
                (("HLEN", "h"), 1),
                (("HEXPIRE", "nokey", 10, "FIELDS", 2, "a", "b"), [-2, -2]),
            ]
        )  # fmt: skip

    def test_zero_deletes_and_last_field_deletes_the_key(self) -> None:
        """A deadline not after now deletes the field; the last one deletes the hash."""
        self.call("HSET", "h", "a", "1")
        self.notified()
        self.assertEqual(self.call("HPEXPIRE", "h", 0, "FIELDS", 1, "a"), [2])
        self.assertEqual(self.call("EXISTS", "h"), 0)
        self.assertEqual(self.notified(), [(H, "hdel", b"h"), (G, "del", b"h")])
        self.assertEqual(self.info_field("stats", "expired_subkeys"), "1")

    def test_nx_xx(self) -> None:
        self.call("HSET", "h", "field1", "v", "field2", "v", "field3", "v")
        self.check(
            [
                (("HPEXPIRE", "h", 1000, "NX", "FIELDS", 1, "field1"), [1]),
                (("HPEXPIRE", "h", 1000, "NX", "FIELDS", 2, "field1", "field2"), [0, 1]),
                (("HPEXPIRE", "h", 1000, "XX", "FIELDS", 2, "field1", "field3"), [1, 0]),
            ]
        )

    def test_gt_lt(self) -> None:
        """GT needs a later deadline than a present one; a field without a TTL has an infinite
        one, so GT (and XX) fail on it and LT succeeds."""
        self.call("HSET", "h", "f1", "v", "f2", "v", "f3", "v")
        self.check(
            [
                (("HPEXPIRE", "h", 1000, "FIELDS", 1, "f1"), [1]),
                (("HPEXPIRE", "h", 2000, "FIELDS", 1, "f2"), [1]),
                (("HPEXPIRE", "h", 1500, "GT", "FIELDS", 3, "f1", "f2", "f3"), [1, 0, 0]),
                (("HPTTL", "h", "FIELDS", 2, "f1", "f2"), [1500, 2000]),
                (("HPEXPIRE", "h", 1800, "LT", "FIELDS", 3, "f1", "f2", "f3"), [0, 1, 1]),
                (("HPTTL", "h", "FIELDS", 3, "f1", "f2", "f3"), [1500, 1800, 1800]),
            ]
        )

    def test_absolute_and_relative_units(self) -> None:
        """Seconds and milliseconds, relative and absolute, give the same deadline."""
        self.call("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4")
        self.call("HEXPIRE", "h", 100, "FIELDS", 1, "a")
        self.call("HPEXPIRE", "h", 100_000, "FIELDS", 1, "b")
        self.call("HEXPIREAT", "h", NOW_MS // 1000 + 100, "FIELDS", 1, "c")
        self.call("HPEXPIREAT", "h", NOW_MS + 100_000, "FIELDS", 1, "d")
        self.assertEqual(
            self.call("HPEXPIRETIME", "h", "FIELDS", 4, "a", "b", "c", "d"),
            [NOW_MS + 100_000, NOW_MS + 100_000, (NOW_MS // 1000 + 100) * 1000, NOW_MS + 100_000],
        )

    def test_errors(self) -> None:
        """Redis's messages, in Redis's order (the type is checked before the arguments)."""
        self.call("HSET", "h", "f", "v")
        self.call("SET", "s", "x")
        too_far_s = MAX_DEADLINE_MS // 1000 + 1
        self.check(
            [
                (("HEXPIRE", "s", "x", "FIELDS", 1, "f"), WRONGTYPE),
                (("HEXPIRE", "h", "x", "FIELDS", 1, "f"), err(errors.NOT_INTEGER)),
                (("HEXPIRE", "h", -1, "FIELDS", 1, "f"), err(errors.HFE_NEGATIVE_EXPIRE)),
                (("HEXPIRE", "h", too_far_s, "FIELDS", 1, "f"),
                 err(errors.INVALID_EXPIRE.format("hexpire"))),
                (("HPEXPIRE", "h", MAX_DEADLINE_MS - NOW_MS + 1, "FIELDS", 1, "f"),
                 err(errors.INVALID_EXPIRE.format("hpexpire"))),
                (("HPEXPIREAT", "h", MAX_DEADLINE_MS + 1, "FIELDS", 1, "f"),
                 err(errors.INVALID_EXPIRE.format("hpexpireat"))),
                (("HPEXPIRE", "h", 1000, "NX", 0, "f1", "f2"), err(errors.HFE_FIELDS_MISSING)),
                (("HPEXPIRE", "h", 1000, "NX", "FIELDS", 0, "f1"), err(errors.HFE_NUMFIELDS_ZERO)),
                (("HPEXPIRE", "h", 1000, "FIELDS", "x", "f1"), err(errors.HFE_NUMFIELDS_ZERO)),
                (("HPEXPIRE", "h", 1000, "NX", "FIELDS", 4, "f1", "f2", "f3"),
                 err(errors.HFE_NUMFIELDS_MISMATCH)),
                (("HPEXPIRE", "h", 1000, "FIELDS", 1, "f1", "f2"),
                 err(errors.HFE_NUMFIELDS_MISMATCH)),
                (("HEXPIRE", "h", 10, "FIELDS", 1), err(errors.wrong_arity("hexpire"))),
                (("HTTL", "h", "FIELDS", 0, "f"), err(errors.HFE_NUMFIELDS_POSITIVE)),
                (("HTTL", "h", "FELDS", 1, "f"), err(errors.HFE_FIELDS_MISSING)),
                (("HPERSIST", "h", "FIELDS", 2, "f"), err(errors.HFE_NUMFIELDS_MISMATCH)),
                (("HPERSIST", "s", "FIELDS", 1, "f"), WRONGTYPE),
                (("HPTTL", "s", "FIELDS", 1, "f"), WRONGTYPE),
            ]
        )  # fmt: skip
        # the largest deadline is accepted
        self.assertEqual(self.call("HPEXPIREAT", "h", MAX_DEADLINE_MS, "FIELDS", 1, "f"), [1])


class TTLReadTests(HashTTLTestCase):
    """HTTL HPTTL HEXPIRETIME HPEXPIRETIME HPERSIST."""

    def test_ttl_replies(self) -> None:
        self.call("HSET", "h", "field1", "v", "field2", "v")
        self.call("HPEXPIRE", "h", 2500, "FIELDS", 1, "field1")
        self.check(
            [
                (("HTTL", "h", "FIELDS", 3, "field1", "field2", "nope"), [3, -1, -2]),
                (("HPTTL", "h", "FIELDS", 1, "field1"), [2500]),
                (("HEXPIRETIME", "h", "FIELDS", 1, "field1"), [(NOW_MS + 2500 + 999) // 1000]),
                (("HPEXPIRETIME", "h", "FIELDS", 1, "field1"), [NOW_MS + 2500]),
                (("HTTL", "nokey", "FIELDS", 1, "f"), [-2]),
            ]
        )
        self.advance(1000)
        self.assertEqual(self.call("HPTTL", "h", "FIELDS", 1, "field1"), [1500])
        self.advance(1501)
        self.assertEqual(self.call("HPTTL", "h", "FIELDS", 1, "field1"), [-2])
        self.assertEqual(self.call("HTTL", "h", "FIELDS", 1, "field1"), [-2])

    def test_plain_hash(self) -> None:
        """A hash never given a TTL: -1 for its fields, -2 for others; HPERSIST the same."""
        self.call("HSET", "h", "a", "1")
        self.assertEqual(self.call("HTTL", "h", "FIELDS", 2, "a", "b"), [-1, -2])
        self.assertEqual(self.call("HPERSIST", "h", "FIELDS", 2, "a", "b"), [-1, -2])
        self.assertIs(type(self.stored(b"h")), dict)

    def test_deadline_equal_to_now(self) -> None:
        """At its deadline a field is still readable, but HTTL of a listpackex says -2
        while a hashtable says 0 (``expire <= now`` against ``expire < now`` in Redis)."""
        self.call("HSET", "small", "f", "v")
        self.call("HPEXPIRE", "small", 1000, "FIELDS", 1, "f")
        self.call("CONFIG", "SET", "hash-max-listpack-entries", "0")
        self.call("HSET", "big", "f", "v")
        self.call("HPEXPIRE", "big", 1000, "FIELDS", 1, "f")
        self.call("CONFIG", "SET", "hash-max-listpack-entries", "128")
        self.advance(1000)
        self.assertEqual(self.call("HGET", "small", "f"), b"v")
        self.assertEqual(self.call("HPTTL", "small", "FIELDS", 1, "f"), [-2])
        self.call("CONFIG", "SET", "hash-max-listpack-entries", "0")
        self.assertEqual(self.call("HPTTL", "big", "FIELDS", 1, "f"), [0])

    def test_hpersist(self) -> None:
        self.call("HSET", "h", "a", "1", "b", "2", "c", "3")
        self.call("HPEXPIRE", "h", 1000, "FIELDS", 2, "a", "c")
        self.notified()
        reply = self.call("HPERSIST", "h", "FIELDS", 4, "a", "b", "x", "c")
        self.assertEqual(reply, [1, -1, -2, 1])
        self.assertEqual(self.notified(), [(H, "hpersist", b"h")])
        self.assertEqual(self.call("HTTL", "h", "FIELDS", 1, "a"), [-1])
        self.assertEqual(self.call("HPERSIST", "h", "FIELDS", 1, "a"), [-1])
        self.assertEqual(self.notified(), [])
        self.call("HPEXPIRE", "h", 10, "FIELDS", 1, "b")
        self.advance(11)
        self.assertEqual(self.call("HPERSIST", "h", "FIELDS", 1, "b"), [-2])  # expired
        self.advance(10_000)
        self.assertEqual(self.pairs("HGETALL", "h"), [(b"a", b"1"), (b"c", b"3")])


class ExpiredFieldTests(HashTTLTestCase):
    """What the other hash commands see of a field past its deadline (lazy expiry)."""

    def setUp(self) -> None:
        super().setUp()
        self.call("HSET", "h", "a", "1", "b", "2", "c", "3")
        self.call("HPEXPIRE", "h", 100, "FIELDS", 2, "a", "b")
        self.advance(101)
        self.notified()

    def test_walks_skip_but_do_not_delete(self) -> None:
        """HGETALL, HKEYS, HVALS, HSCAN skip expired fields; HLEN still counts them."""
        self.check(
            [
                (("HKEYS", "h"), [b"c"]),
                (("HVALS", "h"), [b"3"]),
                (("HSCAN", "h", 0), [b"0", [b"c", b"3"]]),
                (("HLEN", "h"), 3),
            ]
        )
        self.assertEqual(self.pairs("HGETALL", "h"), [(b"c", b"3")])
        self.assertEqual(self.notified(), [])

    def test_lookup_deletes(self) -> None:
        """HGET, HEXISTS, HSTRLEN delete the expired field they look up, with ``hexpired``."""
        self.check(
            [
                (("HGET", "h", "a"), None),
                (("HLEN", "h"), 2),
                (("HEXISTS", "h", "b"), 0),
                (("HLEN", "h"), 1),
                (("HSTRLEN", "h", "c"), 1),
            ]
        )
        self.assertEqual(self.notified(), [(H, "hexpired", b"h"), (H, "hexpired", b"h")])
        self.assertEqual(self.info_field("stats", "expired_subkeys"), "2")

    def test_hmget_announces_once(self) -> None:
        """HMGET deletes each expired field it asks for and announces ``hexpired`` once."""
        self.assertEqual(self.call("HMGET", "h", "a", "b", "c", "x"), [None, None, b"3", None])
        self.assertEqual(self.notified(), [(H, "hexpired", b"h")])
        self.assertEqual(self.call("HLEN", "h"), 1)

    def test_hmget_deleting_the_hash(self) -> None:
        self.call("HDEL", "h", "c")
        self.notified()
        self.assertEqual(self.call("HMGET", "h", "a", "b", "c"), [None, None, None])
        self.assertEqual(self.notified(), [(H, "hexpired", b"h"), (G, "del", b"h")])
        self.assertEqual(self.call("EXISTS", "h"), 0)

    def test_last_field_deletes_the_hash(self) -> None:
        self.call("HDEL", "h", "c")
        self.notified()
        self.assertEqual(self.call("HGET", "h", "a"), None)
        self.assertEqual(self.call("HGET", "h", "b"), None)
        self.assertEqual(self.call("EXISTS", "h"), 0)
        self.assertEqual(
            self.notified(),
            [(H, "hexpired", b"h"), (H, "hexpired", b"h"), (G, "del", b"h")],
        )

    def test_hset_revives_without_ttl(self) -> None:
        """HSET on an expired field overwrites it (an update: 0 new fields) and drops the
        TTL; HSETNX and HINCRBY see it as missing."""
        self.check(
            [
                (("HSET", "h", "a", "new"), 0),
                (("HTTL", "h", "FIELDS", 1, "a"), [-1]),
                (("HSETNX", "h", "b", "x"), 1),
                (("HTTL", "h", "FIELDS", 1, "b"), [-1]),
                (("HGET", "h", "b"), b"x"),
            ]
        )
        self.assertEqual(
            self.notified(), [(H, "hset", b"h"), (H, "hexpired", b"h"), (H, "hset", b"h")]
        )

    def test_hincrby_of_expired_field_starts_from_zero(self) -> None:
        self.call("HSET", "h", "a", "41")  # revive a with no TTL, then expire it again
        self.call("HPEXPIRE", "h", 1, "FIELDS", 1, "a")
        self.advance(2)
        self.assertEqual(self.call("HINCRBY", "h", "a", 5), 5)
        self.assertEqual(self.call("HTTL", "h", "FIELDS", 1, "a"), [-1])
        self.assertEqual(self.call("HINCRBYFLOAT", "h", "b", "1.5"), b"1.5")

    def test_hincrby_recreates_a_deleted_hash(self) -> None:
        self.call("HDEL", "h", "b", "c")
        self.assertEqual(self.call("HINCRBY", "h", "a", 2), 2)
        self.assertIs(type(self.stored(b"h")), dict)  # a new, ordinary hash
        self.assertEqual(self.pairs("HGETALL", "h"), [(b"a", b"2")])

    def test_hdel_counts_expired_fields(self) -> None:
        self.assertEqual(self.call("HDEL", "h", "a", "b"), 2)
        self.assertEqual(self.info_field("stats", "expired_subkeys"), "0")

    def test_hrandfield_deletes_every_expired_field(self) -> None:
        self.assertEqual(self.call("HRANDFIELD", "h", 5), [b"c"])
        self.assertEqual(self.call("HLEN", "h"), 1)
        self.assertEqual(self.info_field("stats", "expired_subkeys"), "2")
        self.call("HPEXPIRE", "h", 1, "FIELDS", 1, "c")
        self.advance(2)
        self.assertEqual(self.call("HRANDFIELD", "h"), None)
        self.assertEqual(self.call("KEYS", "*"), [])

    def test_sort_by_expired_field(self) -> None:
        """SORT ... GET key->field: an expired field is missing (and is deleted)."""
        self.call("RPUSH", "l", "7")
        self.call("HSET", "w_7", "n", "1", "m", "2")
        self.call("HPEXPIRE", "w_7", 1, "FIELDS", 1, "n")
        self.advance(2)
        self.assertEqual(self.call("SORT", "l", "GET", "w_*->n", "GET", "w_*->m"), [None, b"2"])
        self.assertEqual(self.call("HLEN", "w_7"), 1)


class OrderAndEncodingTests(HashTTLTestCase):
    """listpackex keeps fields with a TTL first, by deadline; OBJECT ENCODING, TYPE."""

    def test_order(self) -> None:
        self.call("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4")
        self.call("HEXPIRE", "h", 100, "FIELDS", 1, "c")
        self.assertEqual(self.call("HKEYS", "h"), [b"c", b"a", b"b", b"d"])
        self.call("HEXPIRE", "h", 50, "FIELDS", 1, "d")
        self.assertEqual(self.call("HKEYS", "h"), [b"d", b"c", b"a", b"b"])
        self.call("HEXPIRE", "h", 100, "FIELDS", 1, "a")  # before the equal deadline of c
        self.assertEqual(self.call("HKEYS", "h"), [b"d", b"a", b"c", b"b"])
        self.call("HPERSIST", "h", "FIELDS", 1, "d")  # no TTL: to the end
        self.assertEqual(self.call("HKEYS", "h"), [b"a", b"c", b"b", b"d"])
        self.call("HSET", "h", "c", "new", "e", "5")  # rewritten: loses its TTL, to the end
        self.assertEqual(self.call("HKEYS", "h"), [b"a", b"b", b"d", b"c", b"e"])
        self.call("HINCRBY", "h", "a", 1)  # in place, keeps its TTL
        self.assertEqual(self.call("HKEYS", "h"), [b"a", b"b", b"d", b"c", b"e"])
        self.assertEqual(self.call("HTTL", "h", "FIELDS", 1, "a"), [100])

    def test_encoding(self) -> None:
        """The first HEXPIRE converts even if it sets nothing; the encoding stays."""
        self.call("HSET", "h", "a", "1")
        self.assertEqual(self.call("OBJECT", "ENCODING", "h"), b"listpack")
        self.assertEqual(self.call("HEXPIRE", "h", 10, "FIELDS", 1, "nope"), [-2])
        self.assertEqual(self.call("OBJECT", "ENCODING", "h"), b"listpackex")
        self.assertEqual(self.call("TYPE", "h"), Status("hash"))
        self.assertIsInstance(self.stored(b"h"), HashEx)
        self.call("CONFIG", "SET", "hash-max-listpack-entries", "0")
        self.assertEqual(self.call("OBJECT", "ENCODING", "h"), b"hashtable")

    def test_ordinary_hashes_stay_plain(self) -> None:
        self.call("HSET", "h", "a", "1")
        self.call("HINCRBY", "h", "n", 1)
        self.call("HDEL", "h", "a")
        self.assertIs(type(self.stored(b"h")), dict)


class ActiveExpiryTests(HashTTLTestCase):
    """The cron deletes due fields of hashes nobody reads, and the hashes they empty."""

    def test_cron_expires_fields_and_hashes(self) -> None:
        self.call("HSET", "gone", "a", "1", "b", "2")
        self.call("HPEXPIRE", "gone", 100, "FIELDS", 2, "a", "b")
        self.call("HSET", "mix", "a", "1", "keep", "2")
        self.call("HPEXPIRE", "mix", 200, "FIELDS", 1, "a")
        self.notified()
        self.advance(150)
        self.server.cron()
        self.assertEqual(self.call("EXISTS", "gone"), 0)
        self.assertEqual(self.call("HLEN", "mix"), 2)
        self.assertEqual(self.notified(), [(H, "hexpired", b"gone"), (G, "del", b"gone")])
        self.advance(100)
        self.server.cron()
        self.assertEqual(self.call("HLEN", "mix"), 1)
        self.assertEqual(self.notified(), [(H, "hexpired", b"mix")])
        self.assertEqual(self.info_field("stats", "expired_subkeys"), "3")

    def test_bounded_work_per_cycle(self) -> None:
        """At most 10000/hz fields per database per cycle; the rest in the next cycles."""
        fields = [f"f{i}" for i in range(2500)]
        self.call("HSET", "h", *[x for f in fields for x in (f, "v")], "keep", "v")
        self.call("HPEXPIRE", "h", 10, "FIELDS", len(fields), *fields)
        self.advance(20)
        self.server.cron()
        self.assertEqual(self.call("HLEN", "h"), 1501)
        self.server.cron()
        self.assertEqual(self.call("HLEN", "h"), 501)
        self.server.cron()
        self.assertEqual(self.call("HLEN", "h"), 1)

    def test_not_before_the_deadline(self) -> None:
        self.call("HSET", "h", "a", "1")
        self.call("HPEXPIRE", "h", 100, "FIELDS", 1, "a")
        self.call("HPEXPIRE", "h", 300, "FIELDS", 1, "a")  # later: the early entry is stale
        self.advance(150)
        self.server.cron()
        self.assertEqual(self.call("HLEN", "h"), 1)
        self.advance(200)
        self.server.cron()
        self.assertEqual(self.call("EXISTS", "h"), 0)

    def test_persisted_fields_are_not_expired(self) -> None:
        self.call("HSET", "h", "a", "1")
        self.call("HPEXPIRE", "h", 100, "FIELDS", 1, "a")
        self.call("HPERSIST", "h", "FIELDS", 1, "a")
        self.advance(150)
        self.server.cron()
        self.assertEqual(self.call("HGET", "h", "a"), b"1")

    def test_rename_move_copy_keep_ttls(self) -> None:
        """The deadlines travel with the value, and the cron finds them at the new place."""
        for key in ("r", "m", "c"):
            self.call("HSET", key, "a", "1", "keep", "2")
            self.call("HPEXPIRE", key, 100, "FIELDS", 1, "a")
        self.assertEqual(self.call("RENAME", "r", "r2"), OK)
        self.assertEqual(self.call("MOVE", "m", 1), 1)
        self.assertEqual(self.call("COPY", "c", "c2"), 1)
        self.assertEqual(self.call("HPERSIST", "c2", "FIELDS", 1, "a"), [1])  # a copy
        self.assertEqual(self.call("HPTTL", "r2", "FIELDS", 1, "a"), [100])
        self.assertEqual(self.call("HPTTL", "c", "FIELDS", 1, "a"), [100])
        self.advance(150)
        self.server.cron()
        db0, db1 = self.server.dbs[0].data, self.server.dbs[1].data
        self.assertEqual(dict(db0[b"r2"]), {b"keep": b"2"})
        self.assertEqual(dict(db1[b"m"]), {b"keep": b"2"})
        self.assertEqual(dict(db0[b"c"]), {b"keep": b"2"})
        self.assertEqual(dict(db0[b"c2"]), {b"a": b"1", b"keep": b"2"})

    def test_swapdb_and_flushall(self) -> None:
        self.call("HSET", "h", "a", "1", "b", "2")
        self.call("HPEXPIRE", "h", 100, "FIELDS", 1, "a")
        self.call("SWAPDB", 0, 1)
        self.advance(150)
        self.server.cron()
        self.assertEqual(dict(self.server.dbs[1].data[b"h"]), {b"b": b"2"})
        self.call("SELECT", 1)
        self.call("HPEXPIRE", "h", 100, "FIELDS", 1, "b")
        self.call("FLUSHALL")
        self.advance(150)
        self.server.cron()
        self.assertEqual(self.call("DBSIZE"), 0)

    def test_info(self) -> None:
        """INFO keyspace ``subexpiry`` counts hashes with field TTLs; ``expired_subkeys``
        counts expired fields until CONFIG RESETSTAT."""
        self.call("HSET", "h1", "a", "1", "b", "1")
        self.call("HSET", "h2", "a", "1")
        self.call("HSET", "plain", "a", "1")
        self.call("HPEXPIRE", "h1", 100, "FIELDS", 1, "a")
        self.call("HPEXPIRE", "h2", 100, "FIELDS", 1, "a")
        self.assertEqual(
            self.info_field("keyspace", "db0"), "keys=3,expires=0,avg_ttl=0,subexpiry=2"
        )
        self.advance(150)
        self.server.cron()
        self.assertEqual(
            self.info_field("keyspace", "db0"), "keys=2,expires=0,avg_ttl=0,subexpiry=0"
        )
        self.assertEqual(self.info_field("stats", "expired_subkeys"), "2")
        self.call("CONFIG", "RESETSTAT")
        self.assertEqual(self.info_field("stats", "expired_subkeys"), "0")


class NotificationTests(HashTTLTestCase):
    """Every hash write reports Redis 7.4's event names."""

    def test_hash_writes(self) -> None:
        self.call("HSET", "h", "a", "1")
        self.call("HMSET", "h", "b", "2")
        self.call("HSETNX", "h", "a", "x")  # not set: no event
        self.call("HSETNX", "h", "c", "3")
        self.call("HINCRBY", "h", "n", 1)
        self.call("HINCRBYFLOAT", "h", "n", "0.5")
        self.call("HDEL", "h", "nope")  # nothing deleted: no event
        self.call("HDEL", "h", "a")
        self.call("HEXPIRE", "h", 100, "FIELDS", 1, "b")
        self.call("HEXPIRE", "h", 100, "NX", "FIELDS", 1, "b")  # not met: no event
        self.call("HPERSIST", "h", "FIELDS", 1, "b")
        self.call("HDEL", "h", "b", "c", "n")
        self.assertEqual(
            self.notified(),
            [
                (notify.NEW, "new", b"h"),
                (H, "hset", b"h"),
                (H, "hset", b"h"),
                (H, "hset", b"h"),
                (H, "hincrby", b"h"),
                (H, "hincrbyfloat", b"h"),
                (H, "hdel", b"h"),
                (H, "hexpire", b"h"),
                (H, "hpersist", b"h"),
                (H, "hdel", b"h"),
                (G, "del", b"h"),
            ],
        )

    def test_hexpire_in_the_past_reports_hdel(self) -> None:
        self.call("HSET", "h", "a", "1", "b", "2")
        self.notified()
        self.assertEqual(self.call("HPEXPIRE", "h", 0, "FIELDS", 1, "a"), [2])
        self.assertEqual(self.call("HPEXPIRE", "h", 10, "FIELDS", 1, "b"), [1])
        self.assertEqual(self.notified(), [(H, "hdel", b"h"), (H, "hexpire", b"h")])

    def test_watch_sees_field_ttl_changes(self) -> None:
        """HEXPIRE that changes something touches WATCH; one that changes nothing does not."""
        other = self.server.new_client()
        self.call("HSET", "h", "a", "1")
        self.call("WATCH", "h")
        self.call("HEXPIRE", "h", 10, "XX", "FIELDS", 1, "a", client=other)
        self.call("MULTI")
        self.assertEqual(self.call("EXEC"), [])
        self.call("WATCH", "h")
        self.call("HEXPIRE", "h", 10, "FIELDS", 1, "a", client=other)
        self.call("MULTI")
        self.assertIs(self.call("EXEC"), NULL_ARRAY)
