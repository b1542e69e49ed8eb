"""Core tests of the generic keyspace commands and the glob matcher (no sockets)."""

from __future__ import annotations

import random
from collections import deque

from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core import errors
from pyredisd.core.commands.generic import (
    ScanIndex,
    copy_value,
    object_encoding,
    scan_keys,
    type_name,
)
from pyredisd.core.commands.sort import strtod_score
from pyredisd.core.glob import stringmatch
from pyredisd.core.replies import OK, Reply, Status
from pyredisd.core.zset import ZSet
from tests.core.test_commands import START, CommandTestCase, err

START_MS = int(START * 1000)


class GlobTests(SynchronousTestCase):
    """:func:`stringmatch` follows Redis's ``stringmatchlen`` rule for rule."""

    CASES: tuple[tuple[bytes, bytes, bool], ...] = (
        (b"", b"", True),
        (b"", b"a", False),
        (b"*", b"", False),  # callers special-case a lone star, as Redis does
        (b"*", b"anything", True),
        (b"a*", b"a", True),
        (b"*a", b"ba", True),
        (b"**a", b"a", True),
        (b"*?", b"a", True),
        (b"a*b*c", b"aXbYc", True),
        (b"a*b*c", b"aXbYcZ", False),
        (b"h?llo", b"hello", True),
        (b"h?llo", b"hllo", False),
        (b"h[ae]llo", b"hallo", True),
        (b"h[ae]llo", b"hillo", False),
        (b"h[^e]llo", b"hello", False),
        (b"h[^e]llo", b"hallo", True),
        (b"h[a-b]llo", b"hbllo", True),
        (b"h[b-a]llo", b"hallo", True),  # reversed range ends are swapped
        (b"h\\*llo", b"h*llo", True),
        (b"h\\*llo", b"hello", False),
        (b"[\\]]", b"]", True),
        (b"[\\", b"\\", True),
        (b"\\", b"\\", True),  # a trailing backslash is literal
        (b"[", b"[", False),
        (b"[a", b"a", True),  # an unterminated set ends with the pattern
        (b"[^", b"x", True),
        (b"[a-", b"-", True),  # too short for a range: two literals
        (b"[\x80-\xff]", b"\x90", True),
        (b"[a-\xff]", b"b", False),  # signed char: 0xff is -1, so the range is -1..97
        (b"[a-\xff]", b"\x00", True),
        (b"H*", b"hello", False),
        (b"*a" * 1000 + b"*", b"a" * 1100, True),
        (b"*a" * 1001 + b"*", b"a" * 1100, False),  # deeper than Redis's nesting limit
    )

    def test_table(self) -> None:
        """Every (pattern, subject) pair matches exactly when Redis says it does."""
        for pattern, subject, expected in self.CASES:
            with self.subTest(pattern=pattern[:20], subject=subject[:20]):
                self.assertIs(stringmatch(pattern, subject), expected)

    def test_nocase(self) -> None:
        """The nocase variant folds ASCII letters in literals, sets and ranges only."""
        for pattern, subject, expected in (
            (b"HeLLo", b"hello", True),
            (b"h[A-Z]llo", b"hqllo", True),
            (b"[^E]", b"e", False),
            (b"\xc3\x89", b"\xc3\xa9", False),
        ):
            with self.subTest(pattern=pattern):
                self.assertIs(stringmatch(pattern, subject, nocase=True), expected)


class DeleteTouchTypeTests(CommandTestCase):
    """UNLINK, TOUCH and TYPE."""

    def test_unlink_counts_existing_keys(self) -> None:
        """UNLINK removes keys like DEL and counts only those that existed."""
        self.call("MSET", "a", "1", "b", "2")
        self.check(
            [
                (("UNLINK", "a", "nokey", "a"), 1),
                (("EXISTS", "a", "b"), 1),
                (("UNLINK",), err(errors.wrong_arity("unlink"))),
            ]
        )

    def test_touch_counts_and_hits(self) -> None:
        """TOUCH counts existing keys (repeats included) and records keyspace hits."""
        self.call("SET", "a", "1")
        self.assertEqual(self.call("TOUCH", "a", "nokey", "a"), 2)
        self.assertIn("keyspace_hits:2", self.info("stats"))

    def test_type_names(self) -> None:
        """TYPE replies a status naming the type, ``none`` for a missing key."""
        self.call("SET", "s", "v")
        db = self.client.db
        db.set(b"l", deque([b"x"]))
        db.set(b"h", {b"f": b"v"})
        db.set(b"z", set())
        self.check(
            [
                (("TYPE", "s"), Status("string")),
                (("TYPE", "l"), Status("list")),
                (("TYPE", "h"), Status("hash")),
                (("TYPE", "z"), Status("set")),
                (("TYPE", "nokey"), Status("none")),
            ]
        )

    def test_type_name_by_class_name(self) -> None:
        """A sorted set is recognised by its class name (its module may not exist yet)."""
        zset_class = type("ZSet", (), {})
        self.assertEqual(type_name(zset_class()), "zset")

    def test_expired_key_has_type_none(self) -> None:
        """A key past its deadline is gone for TYPE."""
        self.call("SET", "k", "v", "PX", "10")
        self.clock.advance(0.011)
        self.assertEqual(self.call("TYPE", "k"), Status("none"))


class RenameTests(CommandTestCase):
    """RENAME and RENAMENX."""

    def test_rename_moves_value_and_ttl(self) -> None:
        """The value and its deadline move; the destination is overwritten and loses its TTL."""
        self.call("SET", "a", "1", "EX", "100")
        self.call("SET", "b", "2", "EX", "50")
        self.check(
            [
                (("RENAME", "a", "b"), OK),
                (("EXISTS", "a"), 0),
                (("GET", "b"), b"1"),
                (("TTL", "b"), 100),
                (("SET", "c", "3"), OK),
                (("RENAME", "c", "b"), OK),
                (("TTL", "b"), -1),
            ]
        )

    def test_rename_errors_and_same_key(self) -> None:
        """A missing source is an error even onto itself; an existing key onto itself is OK."""
        self.check(
            [
                (("RENAME", "nokey", "x"), err(errors.NO_SUCH_KEY)),
                (("RENAME", "nokey", "nokey"), err(errors.NO_SUCH_KEY)),
                (("RENAMENX", "nokey", "x"), err(errors.NO_SUCH_KEY)),
                (("SET", "a", "1"), OK),
                (("RENAME", "a", "a"), OK),
                (("RENAMENX", "a", "a"), 0),
            ]
        )

    def test_renamenx(self) -> None:
        """RENAMENX refuses an existing destination and renames otherwise."""
        self.call("MSET", "a", "1", "b", "2")
        self.check(
            [
                (("RENAMENX", "a", "b"), 0),
                (("RENAMENX", "a", "c"), 1),
                (("MGET", "a", "b", "c"), [None, b"2", b"1"]),
            ]
        )


class CopyMoveTests(CommandTestCase):
    """COPY and MOVE."""

    def test_copy(self) -> None:
        """COPY duplicates value and TTL, honours REPLACE and DB, and reports errors."""
        self.call("SET", "a", "1", "EX", "100")
        self.check(
            [
                (("COPY", "a", "b"), 1),
                (("TTL", "b"), 100),
                (("COPY", "a", "b"), 0),
                (("SET", "a", "2"), OK),
                (("COPY", "a", "b", "REPLACE"), 1),
                (("GET", "b"), b"2"),
                (("COPY", "a", "a"), err(errors.SAME_OBJECT)),
                (("COPY", "a", "a", "DB", "0"), err(errors.SAME_OBJECT)),
                (("COPY", "a", "b", "DB", "16"), err(errors.DB_OUT_OF_RANGE)),
                (("COPY", "a", "b", "DB", "-1"), err(errors.DB_OUT_OF_RANGE)),
                (("COPY", "a", "b", "DB", "x"), err(errors.NOT_INTEGER)),
                (
                    ("COPY", "a", "b", "DB", "99999999999"),
                    err(errors.out_of_range(-(2**31), 2**31 - 1)),
                ),
                (("COPY", "a", "b", "DB"), err(errors.SYNTAX)),
                (("COPY", "a", "b", "bogus"), err(errors.SYNTAX)),
                (("COPY", "nokey", "b"), 0),
                (("COPY", "a", "a", "db", "3"), 1),
                (("SELECT", "3"), OK),
                (("GET", "a"), b"2"),
            ]
        )

    def test_copy_is_independent(self) -> None:
        """A copied container does not share state with the original."""
        db = self.client.db
        db.set(b"h", {b"f": b"v"})
        self.assertEqual(self.call("COPY", "h", "h2"), 1)
        db.data[b"h"][b"g"] = b"w"
        self.assertEqual(db.data[b"h2"], {b"f": b"v"})
        original = deque([b"a"])
        self.assertIsNot(copy_value(original), original)
        self.assertEqual(copy_value(original), original)

    def test_move(self) -> None:
        """MOVE transfers value and TTL to another DB unless the key exists there."""
        self.call("SET", "a", "1", "EX", "100")
        self.check(
            [
                (("MOVE", "a", "0"), err(errors.SAME_OBJECT)),
                (("MOVE", "a", "16"), err(errors.DB_OUT_OF_RANGE)),
                (("MOVE", "a", "x"), err(errors.NOT_INTEGER)),
                (("MOVE", "nokey", "1"), 0),
                (("MOVE", "a", "1"), 1),
                (("EXISTS", "a"), 0),
                (("SET", "a", "again"), OK),
                (("MOVE", "a", "1"), 0),
                (("SELECT", "1"), OK),
                (("GET", "a"), b"1"),
                (("TTL", "a"), 100),
            ]
        )


class ExpireFamilyTests(CommandTestCase):
    """PEXPIRE EXPIREAT PEXPIREAT EXPIRETIME PEXPIRETIME PTTL PERSIST."""

    def test_relative_and_absolute(self) -> None:
        """Each form sets the deadline its unit and base say."""
        self.call("SET", "k", "v")
        self.check(
            [
                (("PEXPIRE", "k", "1500"), 1),
                (("PTTL", "k"), 1500),
                (("TTL", "k"), 2),
                (("PEXPIRETIME", "k"), START_MS + 1500),
                (("EXPIRETIME", "k"), (START_MS + 1500 + 500) // 1000),
                (("EXPIREAT", "k", "2000000000"), 1),
                (("PEXPIRETIME", "k"), 2_000_000_000_000),
                (("PEXPIREAT", "k", "2000000000123"), 1),
                (("EXPIRETIME", "k"), 2_000_000_000),
                (("PEXPIREAT", "k", "2000000000000", "GT"), 0),
                (("PEXPIREAT", "k", "2000000000000", "LT"), 1),
            ]
        )

    def test_missing_and_persistent(self) -> None:
        """-2 for a missing key, -1 for a key without a deadline."""
        self.call("SET", "k", "v")
        self.check(
            [
                (("PTTL", "nokey"), -2),
                (("EXPIRETIME", "nokey"), -2),
                (("PEXPIRETIME", "nokey"), -2),
                (("PTTL", "k"), -1),
                (("EXPIRETIME", "k"), -1),
                (("PEXPIRE", "nokey", "100"), 0),
            ]
        )

    def test_past_deadline_deletes(self) -> None:
        """A deadline in the past deletes the key at once."""
        self.call("MSET", "a", "1", "b", "2")
        self.check(
            [
                (("PEXPIREAT", "a", "1"), 1),
                (("EXPIREAT", "b", "0"), 1),
                (("EXISTS", "a", "b"), 0),
            ]
        )

    def test_errors(self) -> None:
        """Bad numbers, overflows and options get Redis's errors, naming the command."""
        self.call("SET", "k", "v")
        self.check(
            [
                (("PEXPIRE", "k", "x"), err(errors.NOT_INTEGER)),
                (
                    ("PEXPIRE", "k", "9223372036854775807"),
                    err(errors.INVALID_EXPIRE.format("pexpire")),
                ),
                (
                    ("EXPIREAT", "k", "9223372036854775807"),
                    err(errors.INVALID_EXPIRE.format("expireat")),
                ),
                (("PEXPIREAT", "k", "1", "bogus"), err(errors.unsupported_option(b"bogus"))),
            ]
        )

    def test_persist(self) -> None:
        """PERSIST removes a deadline once; 0 without one or without the key."""
        self.call("SET", "k", "v", "EX", "10")
        self.check(
            [
                (("PERSIST", "k"), 1),
                (("PERSIST", "k"), 0),
                (("PERSIST", "nokey"), 0),
                (("TTL", "k"), -1),
            ]
        )

    def test_expiry_follows_the_clock(self) -> None:
        """PTTL counts down with the injected clock and the key vanishes at its deadline."""
        self.call("SET", "k", "v", "PX", "1000")
        self.clock.advance(0.4)
        self.assertEqual(self.call("PTTL", "k"), 600)
        self.clock.advance(0.6)
        self.assertEqual(self.call("PTTL", "k"), -2)


class KeysTests(CommandTestCase):
    """KEYS."""

    def test_patterns(self) -> None:
        """KEYS filters with the glob matcher; ``*`` lists every key, the empty one too."""
        self.call("MSET", "hello", "1", "hallo", "2", "h*llo", "3", "", "4")
        cases: list[tuple[str, list[bytes]]] = [
            ("h?llo", [b"h*llo", b"hallo", b"hello"]),
            ("h\\*llo", [b"h*llo"]),
            ("h[^e]llo", [b"h*llo", b"hallo"]),
            ("*", [b"", b"h*llo", b"hallo", b"hello"]),
            ("nomatch", []),
        ]
        for pattern, expected in cases:
            with self.subTest(pattern=pattern):
                reply = self.call("KEYS", pattern)
                assert isinstance(reply, list)
                self.assertEqual(sorted(reply), expected)

    def test_skips_expired_keys(self) -> None:
        """Keys past their deadline are not listed."""
        self.call("SET", "gone", "1", "PX", "5")
        self.call("SET", "kept", "1")
        self.clock.advance(0.01)
        self.assertEqual(self.call("KEYS", "*"), [b"kept"])


def scan_all(test: CommandTestCase, *options: str) -> list[bytes]:
    """Every key a full SCAN iteration returns (with repeats)."""
    cursor: Reply = b"0"
    found: list[bytes] = []
    while True:
        reply = test.call("SCAN", cursor, *options)  # type: ignore[arg-type]
        assert isinstance(reply, list)
        cursor, batch = reply
        assert isinstance(batch, list)
        found.extend(key for key in batch if isinstance(key, bytes))
        if cursor == b"0":
            return found


class ScanTests(CommandTestCase):
    """SCAN: options, errors, and the guarantee."""

    def test_full_iteration(self) -> None:
        """A full iteration returns every key exactly once when nothing changes."""
        self.call("MSET", *[x for i in range(100) for x in (f"k{i}", "v")])
        found = scan_all(self, "COUNT", "7")
        self.assertEqual(sorted(found), sorted(f"k{i}".encode() for i in range(100)))

    def test_small_db_in_one_call(self) -> None:
        """Up to COUNT keys come back in one call with cursor 0."""
        self.call("MSET", "a", "1", "b", "2")
        reply = self.call("SCAN", "0")
        assert isinstance(reply, list)
        self.assertEqual(reply[0], b"0")
        self.assertEqual(sorted(reply[1]), [b"a", b"b"])  # type: ignore[arg-type]

    def test_match_and_type(self) -> None:
        """MATCH and TYPE filter the examined keys; an unknown type matches nothing."""
        self.call("MSET", "s1", "1", "s2", "2", "other", "3")
        self.client.db.set(b"h1", {b"f": b"v"})
        self.assertEqual(sorted(scan_all(self, "MATCH", "s*")), [b"s1", b"s2"])
        self.assertEqual(scan_all(self, "TYPE", "HASH"), [b"h1"])
        self.assertEqual(scan_all(self, "TYPE", "nosuchtype"), [])
        self.assertEqual(
            sorted(scan_all(self, "MATCH", "*", "COUNT", "1")), [b"h1", b"other", b"s1", b"s2"]
        )

    def test_errors(self) -> None:
        """Cursor and option errors follow Redis 7.4."""
        self.check(
            [
                (("SCAN", "abc"), err(errors.SCAN_INVALID_CURSOR)),
                (("SCAN", "-1"), err(errors.SCAN_INVALID_CURSOR)),
                (("SCAN", ""), err(errors.SCAN_INVALID_CURSOR)),
                (("SCAN", "18446744073709551616"), err(errors.SCAN_INVALID_CURSOR)),
                (("SCAN", "0", "COUNT", "0"), err(errors.SYNTAX)),
                (("SCAN", "0", "COUNT", "x"), err(errors.NOT_INTEGER)),
                (("SCAN", "0", "COUNT"), err(errors.SYNTAX)),
                (("SCAN", "0", "NOVALUES"), err(errors.SYNTAX)),
                (("SCAN", "0", "bogus", "1"), err(errors.SYNTAX)),
                (("SCAN", "18446744073709551615"), [b"0", []]),
                (("SCAN", " 007"), [b"0", []]),
            ]
        )

    def test_expired_keys_are_skipped(self) -> None:
        """A key past its deadline is not returned."""
        self.call("SET", "gone", "1", "PX", "5")
        self.clock.advance(0.01)
        self.assertEqual(scan_all(self), [])

    def test_guarantee_under_churn(self) -> None:
        """Keys present for the whole iteration are returned even while hundreds of others are
        added and removed between calls (the dict is resized many times over)."""
        rng = random.Random(1234)
        stable = {f"stable:{i}".encode() for i in range(200)}
        self.call("MSET", *[x for key in sorted(stable) for x in (key, b"v")])
        churn: list[bytes] = []
        cursor: Reply = b"0"
        found: set[bytes] = set()
        calls = 0
        while True:
            reply = self.call("SCAN", cursor, "COUNT", str(rng.randint(1, 20)))  # type: ignore[arg-type]
            assert isinstance(reply, list)
            cursor, batch = reply
            found.update(batch)  # type: ignore[arg-type]
            calls += 1
            for _ in range(rng.randint(0, 60)):
                key = f"churn:{rng.randrange(10**6)}".encode()
                self.client.db.set(key, b"x")
                churn.append(key)
            for _ in range(min(len(churn), rng.randint(0, 60))):
                self.client.db.delete(churn.pop(rng.randrange(len(churn))))
            if cursor == b"0":
                break
        self.assertGreater(calls, 5)
        self.assertEqual(stable - found, set())

    def test_new_iteration_sees_keys_added_since_the_last_snapshot(self) -> None:
        """Cursor 0 rebuilds the snapshot after writes, and reuses it when nothing changed."""
        self.call("SET", "a", "1")
        scan_all(self)
        db = self.client.db
        first = db.scan_index
        scan_all(self)
        self.assertIs(db.scan_index, first)
        self.call("SET", "b", "2")
        self.assertEqual(sorted(scan_all(self)), [b"a", b"b"])
        self.assertIsNot(db.scan_index, first)

    def test_step_is_bounded_after_mass_deletion(self) -> None:
        """A step visits at most ten times COUNT entries, returning what it found so far."""
        db = self.client.db
        for i in range(100):
            db.set(b"k%d" % i, b"v")
        index = ScanIndex(db)
        for i in range(100):
            db.delete(b"k%d" % i)
        cursor, batch = scan_keys(index, db.data, 0, 1)
        self.assertEqual(batch, [])
        self.assertNotEqual(cursor, 0)

    def test_scan_keys_steps_tile_the_hash_space(self) -> None:
        """Each step resumes just after the last position it returned."""
        db = self.client.db
        for i in range(50):
            db.set(b"k%d" % i, b"v")
        index = ScanIndex(db)
        cursor, seen, steps = 0, [], 0
        while True:
            cursor, batch = scan_keys(index, db.data, cursor, 5)
            seen.extend(batch)
            steps += 1
            if cursor == 0:
                break
        self.assertEqual(steps, 10)
        self.assertEqual(len(seen), 50)
        self.assertEqual(len(set(seen)), 50)


class RandomKeyTests(CommandTestCase):
    """RANDOMKEY."""

    def test_randomkey(self) -> None:
        """Null on an empty database, else one of the keys; expired keys are never returned."""
        self.assertIsNone(self.call("RANDOMKEY"))
        self.call("SET", "only", "1")
        self.assertEqual(self.call("RANDOMKEY"), b"only")
        self.call("SET", "gone", "1", "PX", "5")
        self.clock.advance(0.01)
        for _ in range(10):
            self.assertEqual(self.call("RANDOMKEY"), b"only")
        self.call("DEL", "only")
        self.assertIsNone(self.call("RANDOMKEY"))


class ObjectTests(CommandTestCase):
    """OBJECT ENCODING FREQ IDLETIME REFCOUNT HELP."""

    def test_string_encodings(self) -> None:
        """int, embstr up to 44 bytes, raw beyond; null for a missing key."""
        self.call("MSET", "int", "12345", "big", "12345678901234567890", "lead0", "012")
        self.call("MSET", "emb", "x" * 44, "raw", "x" * 45)
        self.check(
            [
                (("OBJECT", "ENCODING", "int"), b"int"),
                (("OBJECT", "ENCODING", "big"), b"embstr"),
                (("OBJECT", "ENCODING", "lead0"), b"embstr"),
                (("OBJECT", "ENCODING", "emb"), b"embstr"),
                (("OBJECT", "ENCODING", "raw"), b"raw"),
                (("OBJECT", "ENCODING", "nokey"), None),
            ]
        )

    def test_aggregate_encodings(self) -> None:
        """Aggregates are reported by Redis's default small-encoding thresholds."""
        c = self.client
        cases: list[tuple[object, bytes]] = [
            (deque([b"a"]), b"listpack"),
            (deque([b"x" * 100] * 100), b"quicklist"),
            ({b"f": b"v"}, b"listpack"),
            ({b"f": b"v" * 65}, b"hashtable"),
            # hash-max-listpack-entries is 512: one more field is a hashtable
            ({b"%d" % i: b"v" for i in range(513)}, b"hashtable"),
            ({b"1", b"2"}, b"intset"),
            ({b"%d" % i for i in range(513)}, b"hashtable"),
            ({b"a"}, b"listpack"),
            ({b"a%d" % i for i in range(129)}, b"hashtable"),
        ]
        for value, expected in cases:
            with self.subTest(expected=expected):
                self.assertEqual(object_encoding(c, value), expected)

    def test_refcount_freq_idletime(self) -> None:
        """Shared integers report INT_MAX; FREQ needs an LFU policy, IDLETIME refuses one."""
        self.call("MSET", "small", "42", "large", "10000", "text", "v")
        self.check(
            [
                (("OBJECT", "REFCOUNT", "small"), 2147483647),
                (("OBJECT", "REFCOUNT", "large"), 1),
                (("OBJECT", "REFCOUNT", "text"), 1),
                (("OBJECT", "REFCOUNT", "nokey"), None),
                (("OBJECT", "FREQ", "text"), err(errors.OBJECT_FREQ_NOT_LFU)),
                (("OBJECT", "FREQ", "nokey"), None),
                (("OBJECT", "IDLETIME", "text"), 0),
                (("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"), OK),
                (("OBJECT", "FREQ", "text"), 0),
                (("OBJECT", "IDLETIME", "text"), err(errors.OBJECT_IDLETIME_LFU)),
            ]
        )

    def test_help_and_dispatch_errors(self) -> None:
        """HELP lists the subcommands; unknown subcommands and arity are the dispatcher's."""
        reply = self.call("OBJECT", "HELP")
        assert isinstance(reply, list)
        self.assertEqual(
            reply[0], Status("OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
        )
        self.assertEqual(len(reply), 15)
        self.check(
            [
                (("OBJECT", "bogus"), err(errors.unknown_subcommand(b"OBJECT", b"bogus"))),
                (("OBJECT",), err(errors.wrong_arity("object"))),
                (("OBJECT", "ENCODING"), err(errors.wrong_arity("object|encoding"))),
            ]
        )


class SortTests(CommandTestCase):
    """SORT and SORT_RO (the sort group is bound into the test server's table)."""

    def setUp(self) -> None:
        super().setUp()
        db = self.client.db
        db.set(b"l", deque([b"3", b"1", b"2", b"10"]))
        db.set(b"words", deque([b"b", b"a", b"c"]))
        db.set(b"z", ZSet.from_scores({b"x": 3.0, b"y": 1.0, b"w": 2.0}))

    def test_numeric_alpha_limit(self) -> None:
        """Numeric by default, ALPHA for bytes, DESC, and LIMIT clamped like Redis."""
        self.check(
            [
                (("SORT", "l"), [b"1", b"2", b"3", b"10"]),
                (("SORT", "l", "DESC"), [b"10", b"3", b"2", b"1"]),
                (("SORT", "l", "ALPHA"), [b"1", b"10", b"2", b"3"]),
                (("SORT", "l", "LIMIT", "1", "2"), [b"2", b"3"]),
                (("SORT", "l", "LIMIT", "-5", "2"), [b"1", b"2"]),
                (("SORT", "l", "LIMIT", "10", "5"), []),
                (("SORT_RO", "words", "ALPHA", "DESC"), [b"c", b"b", b"a"]),
                (("SORT", "nokey"), []),
                (("SORT", "z", "BY", "nosort", "DESC"), [b"x", b"w", b"y"]),
            ]
        )

    def test_by_get_store(self) -> None:
        """BY weights (strings or hash fields), GET patterns and STORE into a list."""
        self.call("MSET", "w_b", "3", "w_a", "1", "v_a", "A")
        self.client.db.set(b"h_c", {b"f": b"0"})
        self.check(
            [
                (("SORT", "words", "BY", "w_*"), [b"c", b"a", b"b"]),
                (("SORT", "words", "BY", "h_*->f"), [b"a", b"b", b"c"]),
                (
                    ("SORT", "words", "BY", "w_*", "GET", "#", "GET", "v_*"),
                    [b"c", None, b"a", b"A", b"b", None],
                ),
                (("SORT", "words", "BY", "nosort", "STORE", "dst"), 3),
                (("TYPE", "dst"), Status("list")),
                (("SORT", "nokey", "STORE", "dst"), 0),
                (("EXISTS", "dst"), 0),
            ]
        )

    def test_errors(self) -> None:
        """Syntax, integer, type and conversion errors."""
        self.call("SET", "s", "v")
        self.client.db.set(b"bad", deque([b"5 "]))
        self.check(
            [
                (("SORT", "l", "bogus"), err(errors.SYNTAX)),
                (("SORT", "l", "LIMIT", "x", "1"), err(errors.NOT_INTEGER)),
                (("SORT_RO", "l", "STORE", "d"), err(errors.SYNTAX)),
                (("SORT", "s"), err(errors.WRONGTYPE)),
                (("SORT", "bad"), err(errors.SORT_NOT_DOUBLE)),
                (("SORT", "words"), err(errors.SORT_NOT_DOUBLE)),
            ]
        )

    def test_strtod(self) -> None:
        """Scores parse as strtod does: blanks first, hex, infinities; not NaN or garbage."""
        for text, expected in (
            (b" 5", 5.0),
            (b"0x10", 16.0),
            (b"", 0.0),
            (b"-inf", float("-inf")),
            (b"5 ", None),
            (b"nan", None),
            (b"1e400", None),
            (b"1e-400", None),
        ):
            with self.subTest(text=text):
                self.assertEqual(strtod_score(text), expected)
