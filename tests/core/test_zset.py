"""Unit tests of the sorted-set value type: ranks, score and lex spans, updates, removal."""

from __future__ import annotations

import math
import random

from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core.zset import LexRange, ScoreRange, ZSet


def zset_of(*pairs: tuple[bytes, float]) -> ZSet:
    """A ZSet holding ``(member, score)`` pairs."""
    zset = ZSet()
    for member, score in pairs:
        zset.add(member, score)
    return zset


def members(zset: ZSet, span: tuple[int, int], reverse: bool = False) -> list[bytes]:
    """The members at positions ``span``."""
    return [member for _, member in zset.slice(span[0], span[1], reverse)]


class ZSetTests(SynchronousTestCase):
    """Order, ranks and updates keep ``scores`` and ``index`` in agreement."""

    def setUp(self) -> None:
        self.zset = zset_of((b"c", 3), (b"a", 1), (b"b", 2), (b"b2", 2), (b"d", 4))

    def test_order_is_by_score_then_member(self) -> None:
        """Iteration is ascending by score, equal scores by member bytes."""
        self.assertEqual([m for _, m in self.zset], [b"a", b"b", b"b2", b"c", b"d"])

    def test_add_reports_new_members_only(self) -> None:
        """``add`` is True for a new member and False for an update or a no-op."""
        self.assertTrue(self.zset.add(b"e", 0))
        self.assertFalse(self.zset.add(b"e", 10))
        self.assertFalse(self.zset.add(b"e", 10))
        self.assertEqual(self.zset.rank(b"e"), 5)
        self.assertEqual(len(self.zset.index), len(self.zset.scores))

    def test_rank_and_reverse_rank(self) -> None:
        """Ranks count from the lowest score, or from the highest when reversed."""
        self.assertEqual(self.zset.rank(b"a"), 0)
        self.assertEqual(self.zset.rank(b"b2"), 2)
        self.assertEqual(self.zset.rank(b"a", reverse=True), 4)
        self.assertIsNone(self.zset.rank(b"zz"))

    def test_remove_and_pop(self) -> None:
        """Removing and popping update both structures."""
        self.assertTrue(self.zset.remove(b"b"))
        self.assertFalse(self.zset.remove(b"b"))
        self.assertEqual(self.zset.pop(), (1, b"a"))
        self.assertEqual(self.zset.pop(highest=True), (4, b"d"))
        self.assertEqual(list(self.zset), [(2, b"b2"), (3, b"c")])
        self.assertEqual(self.zset.scores, {b"b2": 2, b"c": 3})

    def test_score_spans(self) -> None:
        """Inclusive and exclusive bounds, infinities and empty ranges."""
        zset = zset_of((b"a", 1), (b"b", 2), (b"c", 2), (b"d", 3), (b"i", math.inf))
        cases = [
            (ScoreRange(2, 2), [b"b", b"c"]),
            (ScoreRange(2, 2, low_ex=True), []),
            (ScoreRange(1, 3, low_ex=True, high_ex=True), [b"b", b"c"]),
            (ScoreRange(-math.inf, math.inf), [b"a", b"b", b"c", b"d", b"i"]),
            (ScoreRange(3, math.inf, low_ex=True), [b"i"]),
            (ScoreRange(3, math.inf, low_ex=True, high_ex=True), []),
            (ScoreRange(math.inf, math.inf, low_ex=True), []),
            (ScoreRange(5, 1), []),
        ]
        for spec, expected in cases:
            with self.subTest(low=spec.low, high=spec.high):
                self.assertEqual(members(zset, zset.score_span(spec)), expected)
                start, stop = zset.score_span(spec)
                self.assertEqual(stop - start, sum(1 for s, _ in zset if spec.contains(s)))

    def test_lex_spans_with_one_score(self) -> None:
        """With a single score, lex spans bisect the tuples."""
        zset = zset_of(*((bytes([c]), 0.0) for c in b"abcdefg"))
        cases = [
            (LexRange(None, None), b"abcdefg"),
            (LexRange(b"b", b"d"), b"bcd"),
            (LexRange(b"b", b"d", True, True), b"c"),
            (LexRange(b"", b"c"), b"abc"),
            (LexRange(b"d", None, True), b"efg"),
            (LexRange(b"x", None), b""),
            (LexRange(b"d", b"b"), b""),
        ]
        for spec, expected in cases:
            with self.subTest(low=spec.low, high=spec.high):
                got = members(zset, zset.lex_span(spec))
                self.assertEqual(got, [bytes([c]) for c in expected])

    def test_lex_spans_with_mixed_scores(self) -> None:
        """With several scores, lex spans still bisect by member (Redis's assumption)."""
        zset = zset_of((b"a", 1), (b"b", 2), (b"c", 3))
        self.assertEqual(members(zset, zset.lex_span(LexRange(b"b", None))), [b"b", b"c"])

    def test_delete_span(self) -> None:
        """Deleting positions removes the members from the dict too."""
        self.assertEqual(self.zset.delete_span(1, 3), 2)
        self.assertEqual(self.zset.scores, {b"a": 1, b"c": 3, b"d": 4})
        self.assertEqual(self.zset.delete_span(2, 2), 0)

    def test_reverse_slice(self) -> None:
        """Slices can run backwards."""
        self.assertEqual(members(self.zset, (0, 3), reverse=True), [b"b2", b"b", b"a"])

    def test_random_operations_agree_with_a_model(self) -> None:
        """Random adds/removes leave the index equal to the sorted dict items."""
        rng = random.Random(7)
        zset = ZSet()
        model: dict[bytes, float] = {}
        for _ in range(2000):
            member = b"m%d" % rng.randrange(50)
            if rng.random() < 0.7:
                score = float(rng.randrange(-5, 5))
                self.assertEqual(zset.add(member, score), member not in model)
                model[member] = score
            else:
                self.assertEqual(zset.remove(member), model.pop(member, None) is not None)
        expected = sorted((s, m) for m, s in model.items())
        self.assertEqual(list(zset), expected)
        for rank, (_, member) in enumerate(expected):
            self.assertEqual(zset.rank(member), rank)

    def test_from_scores(self) -> None:
        """``from_scores`` builds an ordered set in one go."""
        zset = ZSet.from_scores({b"x": 2.0, b"y": 1.0})
        self.assertEqual(list(zset), [(1.0, b"y"), (2.0, b"x")])
        self.assertIn(b"x", zset)

    def test_compact_follows_redis_encoding(self) -> None:
        """Compact until 129 members or a member over 64 bytes, then never again."""
        zset = zset_of(*((b"m%d" % i, float(i)) for i in range(128)))
        self.assertTrue(zset.compact)
        zset.add(b"one-more", 0)
        self.assertFalse(zset.compact)
        zset.delete_span(0, 100)
        self.assertFalse(zset.compact)
        self.assertFalse(zset_of((b"x" * 65, 1)).compact)
        self.assertTrue(ZSet.from_scores({b"a": 1.0}).compact)
        self.assertFalse(ZSet.from_scores({b"a": 1.0}, size_hint=129).compact)

    def test_negative_zero_is_zero_while_compact(self) -> None:
        """A compact set stores -0 as 0 (a listpack integer); a big one keeps the sign."""
        small = zset_of((b"a", -0.0))
        self.assertEqual(math.copysign(1, small.scores[b"a"]), 1)
        self.assertEqual(math.copysign(1, ZSet.from_scores({b"a": -0.0}).scores[b"a"]), 1)
        big = zset_of(*((b"m%d" % i, 1.0) for i in range(200)))
        big.add(b"z", -0.0)
        self.assertEqual(math.copysign(1, big.scores[b"z"]), -1)
