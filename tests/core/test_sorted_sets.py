"""Core tests of the sorted-set commands through ``Server.execute``: replies as encoded bytes in
RESP2 (scores as bulk strings) and RESP3 (doubles, ``[member, score]`` pairs)."""

from __future__ import annotations

from pyredisd.core import errors
from pyredisd.core.commands.sorted_sets_range import parse_score_range, strtod, to_score
from pyredisd.core.errors import CommandError
from pyredisd.core.replies import OK
from tests.core.test_sets import (
    EMPTY,
    NIL,
    NULL3,
    FamilyTestCase,
    arr,
    bulk,
    bulks,
    err,
    num,
)


def dbl(text: str) -> bytes:
    """A RESP3 double."""
    return b"," + text.encode() + b"\r\n"


def pairs3(*items: tuple[str, str]) -> bytes:
    """RESP3 ``[member, score]`` pairs."""
    return arr(*(arr(bulk(m), dbl(s)) for m, s in items))


def flat2(*items: tuple[str, str]) -> bytes:
    """RESP2 flat ``member, score`` array."""
    return bulks(*(x for pair in items for x in pair))


class ScoreParsingTests(FamilyTestCase):
    """strtod's grammar, as Redis parses scores and ranges."""

    def test_strtod(self) -> None:
        """Decimal, hex, inf and nan spellings; anything else is refused."""
        self.assertEqual(strtod(b"1.5"), (1.5, False))
        self.assertEqual(strtod(b"0x10"), (16.0, False))
        self.assertEqual(strtod(b"-inf"), (float("-inf"), False))
        self.assertEqual(strtod(b"+Infinity"), (float("inf"), False))
        self.assertEqual(strtod(b"1e999"), (float("inf"), True))
        self.assertEqual(strtod(b"1e-400"), (0.0, True))
        for bad in (b"", b"1_0", b"1 ", b" 1", b"1e", b"abc", b"0x"):
            with self.subTest(bad=bad):
                self.assertIsNone(strtod(bad))

    def test_to_score(self) -> None:
        """ZADD scores refuse NaN, overflow, underflow to zero and spaces."""
        self.assertEqual(to_score(b"-0"), 0.0)
        for bad in (b"nan", b"1e999", b"1e-400", b" 1", b"x"):
            with self.subTest(bad=bad), self.assertRaises(CommandError):
                to_score(bad)

    def test_range_items(self) -> None:
        """Range items allow ``(``, leading spaces, overflow and the empty string."""
        spec = parse_score_range(b"( 1", b"1e999")
        self.assertEqual((spec.low, spec.low_ex, spec.high), (1.0, True, float("inf")))
        self.assertEqual(parse_score_range(b"(", b"").low, 0.0)
        for bad in (b"1 ", b"(nan", b"x"):
            with self.subTest(bad=bad), self.assertRaises(CommandError):
                parse_score_range(bad, b"1")


class ZAddTests(FamilyTestCase):
    """ZADD's options, conflicts and replies; ZINCRBY."""

    def test_options(self) -> None:
        """NX XX GT LT CH INCR as Redis applies them."""
        self.check(
            [
                (("ZADD", "z", "1", "a", "2", "b"), num(2)),
                (("ZADD", "z", "NX", "5", "a", "3", "c"), num(1)),
                (("ZADD", "z", "XX", "5", "a", "9", "new"), num(0)),
                (("ZADD", "z", "XX", "CH", "6", "a", "9", "new"), num(1)),
                (("ZADD", "z", "GT", "CH", "1", "a", "4", "b"), num(1)),
                (("ZADD", "z", "LT", "CH", "7", "a", "0", "b"), num(1)),
                (("ZADD", "z", "CH", "0", "b", "0", "b"), num(0)),
                (("ZADD", "z", "INCR", "1.5", "a"), bulk("7.5")),
                (("ZADD", "z", "NX", "INCR", "1", "a"), NIL),
                (("ZADD", "z", "GT", "INCR", "-1", "a"), NIL),
                (("ZADD", "z", "XX", "INCR", "1", "zz"), NIL),
                (("ZADD", "nokey", "XX", "1", "a"), num(0)),
                (("EXISTS", "nokey"), num(0)),
                (
                    ("ZRANGE", "z", "0", "-1", "WITHSCORES"),
                    flat2(("b", "0"), ("c", "3"), ("a", "7.5")),
                ),
            ]
        )
        self.assertEqual(self.call("ZADD", "z", "INCR", "1", "c", resp=3), dbl("4"))
        self.assertEqual(self.call("ZADD", "z", "NX", "INCR", "1", "c", resp=3), NULL3)

    def test_errors(self) -> None:
        """Every conflict and parse error, with the key untouched."""
        self.check(
            [
                (("ZADD", "z", "XX", "NX", "1", "a"), err(errors.ZADD_XX_NX)),
                (("ZADD", "z", "GT", "LT", "1", "a"), err(errors.ZADD_GT_LT_NX)),
                (("ZADD", "z", "GT", "NX", "1", "a"), err(errors.ZADD_GT_LT_NX)),
                (("ZADD", "z", "LT", "NX", "1", "a"), err(errors.ZADD_GT_LT_NX)),
                (("ZADD", "z", "INCR", "1", "a", "2", "b"), err(errors.ZADD_INCR_PAIRS)),
                (("ZADD", "z", "x", "a"), err(errors.NOT_FLOAT)),
                (("ZADD", "z", "nan", "a"), err(errors.NOT_FLOAT)),
                (("ZADD", "z", "1", "a", "2"), err(errors.SYNTAX)),
                (("ZADD", "z", "NX", "1"), err(errors.SYNTAX)),
                (("ZADD", "z", "1", "a", "x", "b"), err(errors.NOT_FLOAT)),
                (("ZADD", "z"), err(errors.wrong_arity("zadd"))),
                (("EXISTS", "z"), num(0)),
                (("ZADD", "z", "inf", "a"), num(1)),
                (("ZADD", "z", "INCR", "-inf", "a"), err(errors.SCORE_NAN)),
                (("ZINCRBY", "z", "-inf", "a"), err(errors.SCORE_NAN)),
                (("ZINCRBY", "z", "x", "a"), err(errors.NOT_FLOAT)),
                (("ZSCORE", "z", "a"), bulk("inf")),
            ]
        )

    def test_negative_zero(self) -> None:
        """INCR replies with -0 as computed; a small sorted set then stores it as 0."""
        self.check(
            [
                (("ZINCRBY", "z", "-0", "a"), bulk("-0")),
                (("ZADD", "z", "-0", "b"), num(1)),
                (("ZSCORE", "z", "a"), bulk("0")),
                (("ZRANGE", "z", "0", "-1", "WITHSCORES"), flat2(("a", "0"), ("b", "0"))),
                (
                    ("ZUNION", "1", "z", "WEIGHTS", "-1", "WITHSCORES"),
                    flat2(("a", "-0"), ("b", "-0")),
                ),
            ]
        )

    def test_zincrby(self) -> None:
        """ZINCRBY creates members and keys and returns the new score."""
        self.check(
            [
                (("ZINCRBY", "z", "2", "a"), bulk("2")),
                (("ZINCRBY", "z", "0.25", "a"), bulk("2.25")),
                (("ZINCRBY", "z", "-10", "b"), bulk("-10")),
            ]
        )
        self.assertEqual(self.call("ZINCRBY", "z", "1", "b", resp=3), dbl("-9"))

    def test_in_place_write_keeps_ttl(self) -> None:
        """Updating an existing sorted set keeps its TTL."""
        self.call("ZADD", "z", "1", "a")
        self.call("EXPIRE", "z", "100")
        self.call("ZADD", "z", "2", "a", "3", "b")
        self.call("ZREM", "z", "a")
        self.call("ZPOPMIN", "z", "0")
        self.assertEqual(self.call("TTL", "z"), num(100))

    def test_wrong_type(self) -> None:
        """Sorted-set commands refuse a string key; ZUNION refuses it among sets."""
        self.call("SET", "str", "x")
        for argv in [
            ("ZADD", "str", "1", "a"),
            ("ZINCRBY", "str", "1", "a"),
            ("ZCARD", "str"),
            ("ZSCORE", "str", "a"),
            ("ZMSCORE", "str", "a"),
            ("ZRANK", "str", "a"),
            ("ZRANGE", "str", "0", "-1"),
            ("ZRANGEBYSCORE", "str", "0", "1"),
            ("ZRANGEBYLEX", "str", "-", "+"),
            ("ZCOUNT", "str", "0", "1"),
            ("ZLEXCOUNT", "str", "-", "+"),
            ("ZREM", "str", "a"),
            ("ZREMRANGEBYRANK", "str", "0", "1"),
            ("ZPOPMIN", "str"),
            ("ZPOPMIN", "str", "0"),
            ("ZMPOP", "2", "nokey", "str", "MIN"),
            ("ZRANDMEMBER", "str"),
            ("ZSCAN", "str", "0"),
            ("ZUNION", "2", "nokey", "str", "WEIGHTS", "x"),
            ("ZINTERCARD", "1", "str"),
            ("ZRANGESTORE", "d", "str", "0", "-1"),
        ]:
            with self.subTest(argv=argv):
                self.assertEqual(self.call(*argv), err(errors.WRONGTYPE))


class ZReadTests(FamilyTestCase):
    """ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT."""

    def setUp(self) -> None:
        super().setUp()
        self.call("ZADD", "z", "1", "a", "2", "b", "2", "c", "3.5", "d")

    def test_scores_and_ranks(self) -> None:
        """Scores as bulk strings (RESP2), ranks from either end, WITHSCORE pairs."""
        self.check(
            [
                (("ZCARD", "z"), num(4)),
                (("ZCARD", "nokey"), num(0)),
                (("ZSCORE", "z", "d"), bulk("3.5")),
                (("ZSCORE", "z", "x"), NIL),
                (("ZMSCORE", "z", "a", "x"), arr(bulk("1"), NIL)),
                (("ZMSCORE", "nokey", "a"), arr(NIL)),
                (("ZRANK", "z", "c"), num(2)),
                (("ZREVRANK", "z", "c"), num(1)),
                (("ZRANK", "z", "x"), NIL),
                (("ZRANK", "z", "d", "WITHSCORE"), arr(num(3), bulk("3.5"))),
                (("ZREVRANK", "z", "d", "withscore"), arr(num(0), bulk("3.5"))),
                (("ZRANK", "z", "x", "WITHSCORE"), b"*-1\r\n"),
                (("ZRANK", "nokey", "x", "WITHSCORE"), b"*-1\r\n"),
                (("ZRANK", "z", "a", "foo"), err(errors.SYNTAX)),
                (("ZRANK", "z", "a", "WITHSCORE", "x"), err(errors.wrong_arity("zrank"))),
            ]
        )
        self.check(
            [
                (("ZSCORE", "z", "d"), dbl("3.5")),
                (("ZMSCORE", "z", "a", "x"), arr(dbl("1"), NULL3)),
                (("ZRANK", "z", "d", "WITHSCORE"), arr(num(3), dbl("3.5"))),
                (("ZRANK", "z", "x", "WITHSCORE"), NULL3),
            ],
            resp=3,
        )

    def test_counts(self) -> None:
        """ZCOUNT with exclusive and infinite bounds; ZLEXCOUNT; parse errors first."""
        self.check(
            [
                (("ZCOUNT", "z", "-inf", "+inf"), num(4)),
                (("ZCOUNT", "z", "(1", "2"), num(2)),
                (("ZCOUNT", "z", "(2", "(3.5"), num(0)),
                (("ZCOUNT", "z", "3", "1"), num(0)),
                (("ZCOUNT", "nokey", "0", "1"), num(0)),
                (("ZCOUNT", "z", "x", "1"), err(errors.MIN_MAX_NOT_FLOAT)),
                (("ZCOUNT", "nokey", "1", "(x"), err(errors.MIN_MAX_NOT_FLOAT)),
                (("ZLEXCOUNT", "z", "-", "+"), num(4)),
                (("ZLEXCOUNT", "z", "a", "+"), err(errors.MIN_MAX_NOT_LEX)),
                (("ZLEXCOUNT", "z", "+", "-"), num(0)),
            ]
        )
        self.call("ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d")
        self.check(
            [
                (("ZLEXCOUNT", "lex", "[b", "[c"), num(2)),
                (("ZLEXCOUNT", "lex", "(b", "+"), num(2)),
                (("ZLEXCOUNT", "lex", "-", "(a"), num(0)),
                (("ZLEXCOUNT", "lex", "[", "+"), num(4)),
            ]
        )


class ZRangeTests(FamilyTestCase):
    """ZRANGE in all its forms and the legacy range commands."""

    def setUp(self) -> None:
        super().setUp()
        self.call("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
        self.call("ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e")

    def test_by_rank(self) -> None:
        """Ranks with negative indexes, REV, WITHSCORES in both protocols."""
        self.check(
            [
                (("ZRANGE", "z", "0", "1"), bulks("a", "b")),
                (("ZRANGE", "z", "-2", "-1"), bulks("d", "e")),
                (("ZRANGE", "z", "-100", "100"), bulks("a", "b", "c", "d", "e")),
                (("ZRANGE", "z", "3", "1"), EMPTY),
                (("ZRANGE", "z", "5", "10"), EMPTY),
                (("ZRANGE", "z", "0", "1", "REV"), bulks("e", "d")),
                (("ZREVRANGE", "z", "0", "1", "WITHSCORES"), flat2(("e", "5"), ("d", "4"))),
                (("ZRANGE", "z", "0", "0", "WITHSCORES"), flat2(("a", "1"))),
                (("ZRANGE", "nokey", "0", "-1"), EMPTY),
                (("ZRANGE", "z", "0", "-1", "LIMIT", "0", "-1"), bulks("a", "b", "c", "d", "e")),
            ]
        )
        self.assertEqual(
            self.call("ZRANGE", "z", "0", "1", "WITHSCORES", resp=3),
            pairs3(("a", "1"), ("b", "2")),
        )

    def test_by_score(self) -> None:
        """BYSCORE with exclusive bounds, REV (max first), LIMIT with negative counts."""
        self.check(
            [
                (("ZRANGE", "z", "(1", "3", "BYSCORE"), bulks("b", "c")),
                (("ZRANGE", "z", "3", "(1", "BYSCORE", "REV"), bulks("c", "b")),
                (("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "2"), bulks("b", "c")),
                (
                    ("ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "1", "2"),
                    bulks("d", "c"),
                ),
                (("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "3", "-1"), bulks("d", "e")),
                (("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "-1", "1"), EMPTY),
                (("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "9", "1"), EMPTY),
                (("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "0", "0"), EMPTY),
                (("ZRANGEBYSCORE", "z", "2", "3", "WITHSCORES"), flat2(("b", "2"), ("c", "3"))),
                (("ZREVRANGEBYSCORE", "z", "(5", "4", "WITHSCORES"), flat2(("d", "4"))),
                (("ZRANGEBYSCORE", "z", "5", "1"), EMPTY),
            ]
        )
        self.assertEqual(
            self.call("ZRANGEBYSCORE", "z", "4", "inf", "WITHSCORES", resp=3),
            pairs3(("d", "4"), ("e", "5")),
        )

    def test_by_lex(self) -> None:
        """BYLEX with ``[``/``(`` items, ``-``/``+``, REV and LIMIT."""
        self.check(
            [
                (("ZRANGE", "lex", "[b", "(d", "BYLEX"), bulks("b", "c")),
                (("ZRANGE", "lex", "+", "[d", "BYLEX", "REV"), bulks("e", "d")),
                (("ZRANGEBYLEX", "lex", "-", "+", "LIMIT", "1", "2"), bulks("b", "c")),
                (("ZREVRANGEBYLEX", "lex", "+", "-", "LIMIT", "0", "1"), bulks("e")),
                (("ZRANGEBYLEX", "lex", "+", "+"), EMPTY),
                (("ZRANGEBYLEX", "lex", "(c", "(c"), EMPTY),
                (("ZRANGEBYLEX", "lex", "[c", "[c"), bulks("c")),
            ]
        )

    def test_syntax_errors(self) -> None:
        """Option conflicts and parse errors, in Redis's order."""
        self.check(
            [
                (("ZRANGE", "z", "0", "-1", "LIMIT", "0", "1"), err(errors.ZRANGE_LIMIT)),
                (
                    ("ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"),
                    err(errors.ZRANGE_BYLEX_WITHSCORES),
                ),
                (("ZRANGEBYLEX", "z", "-", "+", "WITHSCORES"), err(errors.ZRANGE_BYLEX_WITHSCORES)),
                (("ZRANGE", "z", "a", "b", "BYSCORE"), err(errors.MIN_MAX_NOT_FLOAT)),
                (("ZRANGE", "z", "a", "b", "BYLEX"), err(errors.MIN_MAX_NOT_LEX)),
                (("ZRANGE", "z", "x", "1"), err(errors.NOT_INTEGER)),
                (("ZRANGE", "z", "0", "1", "BYSCORE", "LIMIT", "0"), err(errors.SYNTAX)),
                (("ZRANGE", "z", "0", "1", "BYSCORE", "LIMIT", "x", "1"), err(errors.NOT_INTEGER)),
                (("ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX"), err(errors.SYNTAX)),
                (("ZRANGE", "z", "0", "1", "REV", "REV"), err(errors.SYNTAX)),
                (("ZRANGE", "z", "0", "1", "foo"), err(errors.SYNTAX)),
                (("ZRANGEBYSCORE", "z", "0", "1", "BYSCORE"), err(errors.SYNTAX)),
                (("ZRANGEBYSCORE", "z", "0", "1", "REV"), err(errors.SYNTAX)),
                (("ZREVRANGE", "z", "0", "1", "BYSCORE"), err(errors.SYNTAX)),
                (("ZRANGE", "nokey", "a", "b", "BYSCORE"), err(errors.MIN_MAX_NOT_FLOAT)),
                (("ZRANGESTORE", "d", "z", "0", "-1", "WITHSCORES"), err(errors.SYNTAX)),
            ]
        )

    def test_zrangestore(self) -> None:
        """ZRANGESTORE stores any range form; an empty result deletes the destination."""
        self.check(
            [
                (("ZRANGESTORE", "d", "z", "1", "2"), num(2)),
                (("ZRANGE", "d", "0", "-1", "WITHSCORES"), flat2(("b", "2"), ("c", "3"))),
                (("ZRANGESTORE", "d", "z", "5", "(3", "BYSCORE", "REV", "LIMIT", "0", "1"), num(1)),
                (("ZRANGE", "d", "0", "-1"), bulks("e")),
                (("ZRANGESTORE", "d", "lex", "[d", "+", "BYLEX"), num(2)),
                (("ZRANGESTORE", "z", "z", "0", "0"), num(1)),
                (("ZCARD", "z"), num(1)),
                (("ZRANGESTORE", "d", "nokey", "0", "-1"), num(0)),
                (("EXISTS", "d"), num(0)),
            ]
        )


class ZRemoveTests(FamilyTestCase):
    """ZREM and ZREMRANGEBY*; emptied keys are deleted."""

    def setUp(self) -> None:
        super().setUp()
        self.call("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")

    def test_removals(self) -> None:
        """Each form removes what its range selects."""
        self.check(
            [
                (("ZREM", "z", "a", "x"), num(1)),
                (("ZREM", "nokey", "a"), num(0)),
                (("ZREMRANGEBYRANK", "z", "-1", "-1"), num(1)),
                (("ZREMRANGEBYRANK", "z", "5", "9"), num(0)),
                (("ZREMRANGEBYSCORE", "z", "(2", "3"), num(1)),
                (("ZRANGE", "z", "0", "-1"), bulks("b", "d")),
                (("ZREMRANGEBYRANK", "z", "x", "1"), err(errors.NOT_INTEGER)),
                (("ZREMRANGEBYSCORE", "z", "x", "1"), err(errors.MIN_MAX_NOT_FLOAT)),
                (("ZREMRANGEBYLEX", "z", "x", "1"), err(errors.MIN_MAX_NOT_LEX)),
                (("ZREMRANGEBYSCORE", "z", "-inf", "+inf"), num(2)),
                (("EXISTS", "z"), num(0)),
            ]
        )
        self.call("ZADD", "lex", "0", "a", "0", "b", "0", "c")
        self.check(
            [
                (("ZREMRANGEBYLEX", "lex", "(a", "+"), num(2)),
                (("ZREMRANGEBYLEX", "lex", "-", "+"), num(1)),
                (("EXISTS", "lex"), num(0)),
            ]
        )


class ZPopTests(FamilyTestCase):
    """ZPOPMIN ZPOPMAX ZMPOP ZRANDMEMBER: counts and shapes in both protocols."""

    def setUp(self) -> None:
        super().setUp()
        self.call("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d")

    def test_zpop_resp2(self) -> None:
        """RESP2 pops are flat member/score arrays."""
        self.check(
            [
                (("ZPOPMIN", "z"), flat2(("a", "1"))),
                (("ZPOPMAX", "z", "2"), flat2(("d", "4"), ("c", "3"))),
                (("ZPOPMIN", "z", "0"), EMPTY),
                (("ZPOPMIN", "nokey"), EMPTY),
                (("ZPOPMIN", "z", "-1"), err(errors.MUST_BE_POSITIVE)),
                (("ZPOPMIN", "z", "1", "2"), err(errors.SYNTAX)),
                (("ZPOPMIN", "z", "10"), flat2(("b", "2"))),
                (("EXISTS", "z"), num(0)),
            ]
        )

    def test_zpop_resp3(self) -> None:
        """RESP3: flat without a count, pairs with one (even 1)."""
        self.check(
            [
                (("ZPOPMIN", "z"), arr(bulk("a"), dbl("1"))),
                (("ZPOPMIN", "z", "1"), pairs3(("b", "2"))),
                (("ZPOPMAX", "z", "5"), pairs3(("d", "4"), ("c", "3"))),
                (("ZPOPMAX", "nokey", "5"), EMPTY),
            ],
            resp=3,
        )

    def test_zmpop(self) -> None:
        """ZMPOP pops from the first non-empty key, nested in both protocols."""
        self.check(
            [
                (("ZMPOP", "2", "nokey", "z", "MIN"), arr(bulk("z"), arr(bulks("a", "1")))),
                (
                    ("ZMPOP", "1", "z", "MAX", "COUNT", "2"),
                    arr(bulk("z"), arr(bulks("d", "4"), bulks("c", "3"))),
                ),
                (("ZMPOP", "1", "nokey", "MIN"), b"*-1\r\n"),
                (("ZMPOP", "0", "z", "MIN"), err(errors.NUMKEYS_NOT_POSITIVE)),
                (("ZMPOP", "2", "z", "MIN"), err(errors.SYNTAX)),
                (("ZMPOP", "1", "z", "FOO"), err(errors.SYNTAX)),
                (("ZMPOP", "1", "z", "MIN", "COUNT", "0"), err(errors.COUNT_NOT_POSITIVE)),
                (("ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "1"), err(errors.SYNTAX)),
            ]
        )
        self.check(
            [
                (("ZMPOP", "1", "z", "MIN"), arr(bulk("z"), pairs3(("b", "2")))),
                (("ZMPOP", "1", "nokey", "MIN"), NULL3),
            ],
            resp=3,
        )

    def test_zrandmember(self) -> None:
        """Counts as SRANDMEMBER's; WITHSCORES flat in RESP2 and pairs in RESP3."""
        self.assertIn(self.execute("ZRANDMEMBER", "z"), [b"a", b"b", b"c", b"d"])
        self.check(
            [
                (("ZRANDMEMBER", "nokey"), NIL),
                (("ZRANDMEMBER", "nokey", "2"), EMPTY),
                (("ZRANDMEMBER", "z", "0"), EMPTY),
                (
                    ("ZRANDMEMBER", "z", "10", "WITHSCORES"),
                    flat2(("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")),
                ),
                (("ZRANDMEMBER", "z", "x"), err(errors.NOT_INTEGER)),
                (("ZRANDMEMBER", "z", "1", "foo"), err(errors.SYNTAX)),
                (
                    ("ZRANDMEMBER", "z", "4611686018427387904", "WITHSCORES"),
                    err(errors.RANDOM_COUNT_RANGE),
                ),
            ]
        )
        self.assertEqual(self.call("ZRANDMEMBER", "nokey", resp=3), NULL3)
        self.assertEqual(
            self.call("ZRANDMEMBER", "z", "4", "WITHSCORES", resp=3),
            pairs3(("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")),
        )
        repeated = self.execute("ZRANDMEMBER", "z", "-7", "WITHSCORES")
        assert isinstance(repeated, list)
        self.assertEqual(len(repeated), 14)
        distinct = self.execute("ZRANDMEMBER", "z", "3")
        assert isinstance(distinct, list)
        self.assertEqual(len({repr(item) for item in distinct}), 3)


class ZSetOperationTests(FamilyTestCase):
    """ZUNION ZINTER ZDIFF, their STORE forms and ZINTERCARD; sets are accepted as input."""

    def setUp(self) -> None:
        super().setUp()
        self.call("ZADD", "z1", "1", "a", "2", "b", "3", "c")
        self.call("ZADD", "z2", "10", "b", "20", "c", "30", "d")
        self.call("SADD", "s", "a", "d")

    def test_union_inter_diff(self) -> None:
        """Weights, aggregates and ordering by score then member."""
        self.check(
            [
                (
                    ("ZUNION", "2", "z1", "z2", "WITHSCORES"),
                    flat2(("a", "1"), ("b", "12"), ("c", "23"), ("d", "30")),
                ),
                (("ZINTER", "2", "z1", "z2"), bulks("b", "c")),
                (
                    ("ZINTER", "2", "z1", "z2", "AGGREGATE", "MIN", "WITHSCORES"),
                    flat2(("b", "2"), ("c", "3")),
                ),
                (
                    (
                        "ZUNION",
                        "2",
                        "z1",
                        "z2",
                        "WEIGHTS",
                        "2",
                        "0.5",
                        "AGGREGATE",
                        "MAX",
                        "WITHSCORES",
                    ),
                    flat2(("a", "2"), ("b", "5"), ("c", "10"), ("d", "15")),
                ),
                (("ZDIFF", "2", "z1", "z2", "WITHSCORES"), flat2(("a", "1"))),
                (("ZDIFF", "1", "nokey"), EMPTY),
                (
                    ("ZUNION", "2", "z1", "s", "WITHSCORES"),
                    flat2(("d", "1"), ("a", "2"), ("b", "2"), ("c", "3")),
                ),
                (("ZINTER", "2", "s", "z2", "WITHSCORES"), flat2(("d", "31"))),
                (("ZINTER", "2", "z1", "nokey"), EMPTY),
                (
                    ("ZINTER", "2", "z1", "z1", "WITHSCORES"),
                    flat2(("a", "2"), ("b", "4"), ("c", "6")),
                ),
                (("ZUNION", "1", "z1", "WEIGHTS", "inf"), bulks("a", "b", "c")),
            ]
        )
        self.assertEqual(
            self.call("ZDIFF", "2", "z1", "z2", "WITHSCORES", resp=3), pairs3(("a", "1"))
        )

    def test_inf_arithmetic_is_zero_not_nan(self) -> None:
        """inf + -inf and inf * 0 become 0, as in Redis."""
        self.call("ZADD", "i", "inf", "x")
        self.check(
            [
                (("ZUNION", "2", "i", "i", "WEIGHTS", "1", "-1", "WITHSCORES"), flat2(("x", "0"))),
                (("ZUNION", "1", "i", "WEIGHTS", "0", "WITHSCORES"), flat2(("x", "0"))),
            ]
        )

    def test_inter_nan_only_cleaned_for_the_smallest_input(self) -> None:
        """ZINTER fixes inf * 0 to 0 for its smallest input only; elsewhere the NaN makes SUM
        0 and leaves MIN/MAX alone (zunionInterDiffGenericCommand)."""
        self.call("ZADD", "small", "1", "x")
        self.call("ZADD", "big", "inf", "x", "1", "y")
        self.check(
            [
                (
                    ("ZINTER", "2", "big", "small", "WEIGHTS", "0", "1", "WITHSCORES"),
                    flat2(("x", "0")),
                ),
                (
                    (
                        "ZINTER",
                        "2",
                        "big",
                        "small",
                        "WEIGHTS",
                        "0",
                        "1",
                        "AGGREGATE",
                        "MIN",
                        "WITHSCORES",
                    ),
                    flat2(("x", "1")),
                ),
                (
                    (
                        "ZINTER",
                        "2",
                        "small",
                        "big",
                        "WEIGHTS",
                        "5",
                        "0",
                        "AGGREGATE",
                        "MAX",
                        "WITHSCORES",
                    ),
                    flat2(("x", "5")),
                ),
                (
                    (
                        "ZINTER",
                        "2",
                        "small",
                        "big",
                        "WEIGHTS",
                        "0",
                        "1",
                        "AGGREGATE",
                        "MAX",
                        "WITHSCORES",
                    ),
                    flat2(("x", "inf")),
                ),
            ]
        )

    def test_stores(self) -> None:
        """STORE forms write a sorted set, or delete the destination when empty."""
        self.check(
            [
                (("ZUNIONSTORE", "d", "2", "z1", "z2"), num(4)),
                (
                    ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
                    flat2(("a", "1"), ("b", "12"), ("c", "23"), ("d", "30")),
                ),
                (("ZINTERSTORE", "d", "2", "z1", "s"), num(1)),
                (("ZDIFFSTORE", "d", "2", "z1", "z1"), num(0)),
                (("EXISTS", "d"), num(0)),
                (("ZINTERSTORE", "z1", "2", "z1", "z2", "AGGREGATE", "SUM"), num(2)),
                (("ZRANGE", "z1", "0", "-1", "WITHSCORES"), flat2(("b", "12"), ("c", "23"))),
            ]
        )

    def test_errors(self) -> None:
        """numkeys first, then key types, then options."""
        self.check(
            [
                (("ZUNION", "0", "z1"), err(errors.zset_no_keys("zunion"))),
                (("ZINTERSTORE", "d", "0", "z1"), err(errors.zset_no_keys("zinterstore"))),
                (("ZINTERCARD", "0", "z1"), err(errors.zset_no_keys("zintercard"))),
                (("ZUNION", "-1", "z1"), err(errors.zset_no_keys("zunion"))),
                (("ZUNION", "x", "z1"), err(errors.NOT_INTEGER)),
                (("ZUNION", "2", "z1"), err(errors.SYNTAX)),
                (("ZUNION", "1", "z1", "WEIGHTS", "1", "2"), err(errors.SYNTAX)),
                (("ZUNION", "1", "z1", "WEIGHTS", "x"), err(errors.WEIGHT_NOT_FLOAT)),
                (("ZUNION", "1", "z1", "AGGREGATE", "foo"), err(errors.SYNTAX)),
                (("ZUNIONSTORE", "d", "1", "z1", "WITHSCORES"), err(errors.SYNTAX)),
                (("ZDIFF", "1", "z1", "WEIGHTS", "1"), err(errors.SYNTAX)),
                (("ZINTER", "1", "z1", "LIMIT", "1"), err(errors.SYNTAX)),
                (("ZINTERCARD", "1", "z1", "WITHSCORES"), err(errors.SYNTAX)),
                (("ZINTERCARD", "1", "z1", "LIMIT", "-1"), err(errors.LIMIT_NEGATIVE)),
            ]
        )

    def test_zintercard(self) -> None:
        """ZINTERCARD counts, with LIMIT (0 is no limit)."""
        self.check(
            [
                (("ZINTERCARD", "2", "z1", "z2"), num(2)),
                (("ZINTERCARD", "2", "z1", "z2", "LIMIT", "1"), num(1)),
                (("ZINTERCARD", "2", "z1", "z2", "LIMIT", "0"), num(2)),
                (("ZINTERCARD", "2", "z1", "s"), num(1)),
                (("ZINTERCARD", "2", "z1", "nokey"), num(0)),
            ]
        )


class ZScanTests(FamilyTestCase):
    """ZSCAN: member/score pairs as bulk strings, in both protocols."""

    def test_small(self) -> None:
        """A small sorted set comes back whole, in score order, with cursor 0."""
        self.call("ZADD", "z", "2", "b", "1.5", "a", "inf", "c")
        expected = arr(bulk("0"), bulks("a", "1.5", "b", "2", "c", "inf"))
        self.assertEqual(self.call("ZSCAN", "z", "0"), expected)
        self.assertEqual(self.call("ZSCAN", "z", "0", resp=3), expected)
        self.assertEqual(
            self.call("ZSCAN", "z", "0", "MATCH", "[ab]", "COUNT", "1"),
            arr(bulk("0"), bulks("a", "1.5", "b", "2")),
        )
        self.assertEqual(self.call("ZSCAN", "nokey", "0"), arr(bulk("0"), EMPTY))
        self.assertEqual(self.call("ZSCAN", "z", "x"), err(errors.SCAN_INVALID_CURSOR))

    def test_big(self) -> None:
        """A big sorted set is walked with a cursor; every member comes back with its score."""
        self.execute("ZADD", "z", *[x for i in range(300) for x in (str(i), b"m%d" % i)])
        found: dict[bytes, bytes] = {}
        cursor = b"0"
        while True:
            cursor, batch = self.scan("ZSCAN", "z", cursor)
            found.update(zip(batch[::2], batch[1::2], strict=True))
            if cursor == b"0":
                break
        self.assertEqual(found, {b"m%d" % i: b"%d" % i for i in range(300)})


class ZSetKeyLifetimeTests(FamilyTestCase):
    """Values are replaced by SET and expire like any other key."""

    def test_expiry_and_overwrite(self) -> None:
        """An expired sorted set reads as missing; SET replaces a set."""
        self.call("ZADD", "z", "1", "a")
        self.call("EXPIRE", "z", "10")
        self.clock.advance(11)
        self.assertEqual(self.call("ZCARD", "z"), num(0))
        self.call("SADD", "s", "a")
        self.call("SET", "s", "x")
        self.assertEqual(self.call("SCARD", "s"), err(errors.WRONGTYPE))


class ZSetEncodingConfigTests(FamilyTestCase):
    """zset-max-listpack-* decide the encoding as in Redis: at creation and at each insertion,
    never converting back; the STOREs start over and COPY keeps it (checked with redis-server
    7.0.15)."""

    def test_encoding_follows_the_settings(self) -> None:
        rows: list[tuple[tuple[str | int, ...], object]] = [
            (("CONFIG", "SET", "zset-max-listpack-entries", 2), OK),
            (("ZADD", "z", 1, "a", 2, "b", 3, "c"), 3),
            (("OBJECT", "ENCODING", "z"), b"skiplist"),
            (("ZADD", "y", 1, "a"), 1),
            (("OBJECT", "ENCODING", "y"), b"listpack"),
            (("CONFIG", "SET", "zset-max-ziplist-entries", 1), OK),
            (("ZADD", "y", 2, "b"), 1),
            (("OBJECT", "ENCODING", "y"), b"skiplist"),
            (("CONFIG", "SET", "zset-max-listpack-entries", 128), OK),
            (("ZUNIONSTORE", "u", 1, "y"), 2),
            (("OBJECT", "ENCODING", "u"), b"listpack"),
            (("COPY", "z", "zc"), 1),
            (("OBJECT", "ENCODING", "zc"), b"skiplist"),
            (("CONFIG", "SET", "zset-max-listpack-value", 1), OK),
            (("ZADD", "w", 1, "ab"), 1),
            (("OBJECT", "ENCODING", "w"), b"skiplist"),
        ]
        for argv, expected in rows:
            with self.subTest(argv=argv):
                self.assertEqual(self.execute(*argv), expected)
