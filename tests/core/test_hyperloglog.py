"""Core tests of the HyperLogLog representation (:mod:`pyredisd.core.hll`) and the PF* commands.

Expected bytes and counts were taken from redis-server (``PFADD``/``GET``/``PFDEBUG``); the
comparison module ``tests/integration/test_compare_hyperloglog.py`` checks many more live.
"""

from __future__ import annotations

from collections import deque

from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core import errors, hll
from pyredisd.core.replies import OK, Status
from tests.core.test_commands import CommandTestCase, err

# PFADD h a b c on redis-server: registers 8436=1, 12711=2, 15780=1, cache invalid.
ABC = b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80`\xf3\x80P\xb1\x84K\xfb\x80BZ"
EMPTY = b"HYLL\x01" + bytes(11) + b"\x7f\xff"


def corrupt_sparse() -> bytes:
    """A sparse HLL whose opcodes cover 16383 registers only."""
    return b"HYLL\x01" + bytes(10) + b"\x80\x7f\xfe"


class HashTests(SynchronousTestCase):
    """MurmurHash64A and the register/pattern split."""

    def test_murmurhash64a(self) -> None:
        """Known values: the empty string hashes to the mixed seed; every tail length works."""
        self.assertEqual(hll.murmurhash64a(b"", 0), 0)
        values = {hll.murmurhash64a(b"x" * n) for n in range(20)}
        self.assertEqual(len(values), 20)
        self.assertTrue(all(0 <= v < 1 << 64 for v in values))

    def test_pat_len_matches_redis(self) -> None:
        """a, b and c land in the registers redis-server's PFDEBUG GETREG showed."""
        found = sorted(hll.pat_len(e) for e in (b"a", b"b", b"c"))
        self.assertEqual(found, [(8436, 1), (12711, 2), (15780, 1)])

    def test_pattern_bounds(self) -> None:
        """The pattern length is between 1 and Q+1."""
        for n in range(2000):
            index, count = hll.pat_len(b"%d" % n)
            self.assertTrue(0 <= index < hll.REGISTERS)
            self.assertTrue(1 <= count <= hll.Q + 1)


class DenseTests(SynchronousTestCase):
    """6-bit register packing."""

    def test_packing_layout(self) -> None:
        """Registers are packed from each byte's least significant bit: |11000000|22221111|."""
        buf = hll.dense_from_registers(hll.new_sparse(), [0] * hll.REGISTERS)
        self.assertEqual(len(buf), hll.DENSE_SIZE)
        self.assertEqual(buf[4], hll.DENSE)
        self.assertTrue(hll.dense_set(buf, 1, 63))
        self.assertEqual(buf[16:19], bytes([0b11000000, 0b00001111, 0]))
        self.assertTrue(hll.dense_set(buf, 0, 5))
        self.assertEqual(buf[16], 0b11000101)
        self.assertFalse(hll.dense_set(buf, 1, 10))
        self.assertEqual(hll.dense_get(buf, 1), 63)
        self.assertTrue(hll.dense_set(buf, hll.REGISTERS - 1, 63))
        self.assertEqual(buf[-1], 0b11111100)

    def test_round_trip(self) -> None:
        """dense_set/dense_get and the bulk pack/unpack agree, register by register."""
        regs = [(i * 7919) % 64 for i in range(hll.REGISTERS)]
        buf = hll.dense_from_registers(hll.new_sparse(), [0] * hll.REGISTERS)
        for i, value in enumerate(regs):
            if value:
                hll.dense_set(buf, i, value)
        self.assertEqual(hll.dense_registers(buf), regs)
        self.assertEqual(buf, hll.dense_from_registers(buf, regs))
        self.assertEqual([hll.dense_get(buf, i) for i in range(0, hll.REGISTERS, 97)], regs[::97])


class SparseTests(SynchronousTestCase):
    """The sparse opcodes, splitting, merging and promotion."""

    def test_new(self) -> None:
        """An empty HLL is one XZERO:16384 opcode."""
        self.assertEqual(bytes(hll.new_sparse()), EMPTY)
        self.assertEqual(hll.sparse_registers(EMPTY), [0] * hll.REGISTERS)
        self.assertEqual(hll.count(EMPTY), 0)

    def test_split_and_merge(self) -> None:
        """Setting a register splits XZERO into XZERO-VAL-XZERO; equal neighbours merge."""
        buf = hll.new_sparse()
        self.assertEqual(hll.sparse_set(buf, 1000, 2, 3000)[0], 1)
        # XZERO:1000 VAL:2,1 XZERO:15383
        self.assertEqual(buf[16:], bytes([0x43, 0xE7, 0x84, 0x7C, 0x16]))
        self.assertEqual(buf[15] & 0x80, 0x80)
        self.assertEqual(hll.sparse_set(buf, 1000, 2, 3000)[0], 0)
        self.assertEqual(hll.sparse_set(buf, 1001, 2, 3000)[0], 1)
        # XZERO:1000 VAL:2,2 XZERO:15382 (the two VALs merged)
        self.assertEqual(buf[16:], bytes([0x43, 0xE7, 0x85, 0x7C, 0x15]))
        hll.sparse_set(buf, 1003, 1, 3000)
        # ... VAL:2,2 ZERO:1 VAL:1,1 XZERO:15380
        self.assertEqual(buf[16:], bytes([0x43, 0xE7, 0x85, 0x00, 0x80, 0x7C, 0x13]))
        regs = hll.sparse_registers(buf)
        self.assertEqual([regs[i] for i in range(999, 1005)], [0, 2, 2, 0, 1, 0])

    def test_promotion_on_large_value(self) -> None:
        """A value over 32 cannot be a VAL opcode: the HLL becomes dense."""
        result, buf = hll.sparse_set(hll.new_sparse(), 5, 33, 3000)
        self.assertEqual(result, 1)
        self.assertEqual(len(buf), hll.DENSE_SIZE)
        self.assertEqual(hll.dense_get(buf, 5), 33)

    def test_promotion_on_size(self) -> None:
        """Growing past hll-sparse-max-bytes converts to dense, registers kept (18 bytes, then
        19, 21, 23, 25: the fifth split of the trailing XZERO would make 27)."""
        buf = hll.new_sparse()
        for i in range(0, 20, 4):
            self.assertEqual(buf[4], hll.SPARSE)
            result, buf = hll.sparse_set(buf, i, 1, 25)
            self.assertEqual(result, 1)
        self.assertEqual(buf[4], hll.DENSE)
        regs = hll.dense_registers(buf)
        self.assertEqual([i for i, v in enumerate(regs) if v], list(range(0, 20, 4)))

    def test_corrupt(self) -> None:
        """Opcodes that do not cover 16384 registers are detected."""
        with self.assertRaises(hll.CorruptHLLError):
            hll.sparse_registers(corrupt_sparse())
        with self.assertRaises(hll.CorruptHLLError):
            hll.sparse_registers(EMPTY + b"\x00")
        self.assertEqual(hll.sparse_set(bytearray(corrupt_sparse()), 16383, 1, 3000)[0], -1)

    def test_cursor_gives_same_bytes(self) -> None:
        """PFMERGE's resumable search leaves exactly the bytes a search from the start does."""
        plain, resumed = hll.new_sparse(), hll.new_sparse()
        cursor = [hll.HDR_SIZE, 0, -1]
        for i in range(0, 16384, 37):
            value = 1 + (i * 13) % 3
            _, plain = hll.sparse_set(plain, i, value, 3000)
            _, resumed = hll.sparse_set(resumed, i, value, 3000, cursor)
            _, plain = hll.sparse_set(plain, i + 1, value, 3000)
            _, resumed = hll.sparse_set(resumed, i + 1, value, 3000, cursor)
        self.assertEqual(plain, resumed)


class EstimatorTests(SynchronousTestCase):
    """hllCount's estimate."""

    def test_small_counts(self) -> None:
        """A handful of registers count exactly."""
        for n in range(1, 30):
            histo = [0] * 64
            histo[0] = hll.REGISTERS - n
            histo[1] = n
            self.assertEqual(hll.estimate(histo), n)

    def test_saturated(self) -> None:
        """All registers at Q+1 and none at zero still estimate (tau(0) = 0)."""
        histo = [0] * 64
        histo[hll.Q + 1] = hll.REGISTERS
        self.assertGreater(hll.estimate(histo), 0)


class CommandTests(CommandTestCase):
    """PFADD, PFCOUNT, PFMERGE and PFDEBUG."""

    def setUp(self) -> None:
        super().setUp()

    def dirty(self) -> int:
        return self.server.keyspace_stats.dirty

    def test_pfadd_bytes_and_count(self) -> None:
        """PFADD leaves Redis's bytes; PFCOUNT fills the cache in the value."""
        before = self.dirty()
        self.assertEqual(self.call("PFADD", "h", "a", "b", "c"), 1)
        self.assertEqual(self.dirty() - before, 4)  # the new key, then three registers
        self.assertEqual(self.call("GET", "h"), ABC)
        self.assertEqual(self.call("TYPE", "h"), Status("string"))
        self.assertEqual(self.call("PFADD", "h", "a", "b"), 0)
        self.assertEqual(self.dirty() - before, 4)
        self.assertEqual(self.call("PFCOUNT", "h"), 3)
        self.assertEqual(self.dirty() - before, 5)
        cached = ABC[:8] + b"\x03" + bytes(7) + ABC[16:]
        self.assertEqual(self.call("GET", "h"), cached)
        self.assertEqual(self.call("PFCOUNT", "h"), 3)
        self.assertEqual(self.dirty() - before, 5)  # served from the cache

    def test_pfadd_no_elements(self) -> None:
        """PFADD key alone creates an empty HLL (cache marked invalid), then does nothing."""
        self.assertEqual(self.call("PFADD", "x"), 1)
        self.assertEqual(self.call("GET", "x"), EMPTY[:15] + b"\x80" + EMPTY[16:])
        self.assertEqual(self.call("PFADD", "x"), 0)
        self.assertEqual(self.call("PFCOUNT", "x"), 0)
        self.assertEqual(self.call("PFCOUNT", "nokey"), 0)

    def test_large_counts(self) -> None:
        """Counts redis-server gave for the same inputs, sparse and dense."""
        self.call("PFADD", "e", *[b"e%d" % i for i in range(1000)])
        self.assertEqual(self.call("PFCOUNT", "e"), 1008)
        self.assertEqual(self.call("PFDEBUG", "ENCODING", "e"), Status("sparse"))
        self.call("PFADD", "big", *[b"%d" % i for i in range(100_000)])
        self.assertEqual(self.call("PFDEBUG", "ENCODING", "big"), Status("dense"))
        self.assertEqual(self.call("STRLEN", "big"), hll.DENSE_SIZE)
        self.assertEqual(self.call("PFCOUNT", "big"), 99565)
        self.call("PFADD", "h", "a", "b", "c")
        self.assertEqual(self.call("PFCOUNT", "e", "big", "h"), 100388)

    def test_multi_key_count_stores_nothing(self) -> None:
        """PFCOUNT of several keys merges on the fly; missing keys are empty."""
        self.call("PFADD", "a", "1", "2")
        self.call("PFADD", "b", "2", "3")
        value = self.call("GET", "a")
        before = self.dirty()
        self.assertEqual(self.call("PFCOUNT", "a", "b", "missing"), 3)
        self.assertEqual(self.dirty(), before)
        self.assertEqual(self.call("GET", "a"), value)
        self.assertEqual(self.call("EXISTS", "missing"), 0)

    def test_pfmerge(self) -> None:
        """PFMERGE unions into the destination (a source too), one change."""
        self.call("PFADD", "a", "1", "2")
        self.call("PFADD", "b", "2", "3")
        self.call("PFADD", "d", "4")
        before = self.dirty()
        self.assertEqual(self.call("PFMERGE", "d", "a", "b", "missing"), OK)
        self.assertEqual(self.dirty() - before, 1)
        self.assertEqual(self.call("PFCOUNT", "d"), 4)
        self.assertEqual(self.call("PFMERGE", "new"), OK)
        self.assertEqual(self.call("GET", "new"), EMPTY[:15] + b"\x80" + EMPTY[16:])
        self.call("PFADD", "big", *[b"%d" % i for i in range(5000)])
        self.assertEqual(self.call("PFMERGE", "d", "big"), OK)
        self.assertEqual(self.call("PFDEBUG", "ENCODING", "d"), Status("dense"))
        self.assertEqual(self.call("PFCOUNT", "d"), self.call("PFCOUNT", "big", "a", "b", "d"))

    def test_ttl_kept(self) -> None:
        """Updating an HLL keeps its TTL (Redis changes the string in place)."""
        self.call("PFADD", "h", "a")
        self.call("EXPIRE", "h", 100)
        self.call("PFADD", "h", "b")
        self.call("PFCOUNT", "h")
        self.call("PFMERGE", "h", "h")
        self.assertEqual(self.call("TTL", "h"), 100)

    def test_errors(self) -> None:
        """Other types, non-HLL strings and corrupt sparse values."""
        self.client.db.set(b"l", deque([b"x"]))
        self.client.db.set(b"bad", corrupt_sparse())
        self.call("SET", "s", "v")
        self.call("SET", "n", "12345")
        self.call("SET", "d", b"HYLL\x00" + bytes(100))  # dense but the wrong size
        self.call("SET", "e", b"HYLL\x02" + bytes(11) + b"\x7f\xff")  # unknown encoding
        self.call("PFADD", "h", "a")
        hll_wrongtype = err(errors.HLL_WRONGTYPE)
        invalid = err(errors.HLL_INVALID)
        self.check(
            [
                (("PFADD", "l", "a"), err(errors.WRONGTYPE)),
                (("PFADD", "s", "a"), hll_wrongtype),
                (("PFADD", "n", "a"), hll_wrongtype),
                (("PFADD", "d", "a"), hll_wrongtype),
                (("PFADD", "e", "a"), hll_wrongtype),
                (("PFCOUNT", "s"), hll_wrongtype),
                (("PFCOUNT", "l"), err(errors.WRONGTYPE)),
                (("PFCOUNT", "h", "s"), hll_wrongtype),
                (("PFCOUNT", "bad"), invalid),
                (("PFCOUNT", "bad", "s"), invalid),
                (("PFCOUNT", "s", "bad"), hll_wrongtype),
                (("PFMERGE", "h", "s"), hll_wrongtype),
                (("PFMERGE", "s", "h"), hll_wrongtype),
                (("PFMERGE", "h", "bad"), invalid),
                (("PFADD",), err(errors.wrong_arity("pfadd"))),
                (("PFCOUNT",), err(errors.wrong_arity("pfcount"))),
                (("PFMERGE",), err(errors.wrong_arity("pfmerge"))),
            ]
        )
        self.assertEqual(self.call("GET", "s"), b"v")

    def test_pfdebug(self) -> None:
        """GETREG (converting to dense), DECODE, ENCODING, TODENSE."""
        self.call("PFADD", "h", "a", "b", "c")
        self.call("SET", "s", "v")
        self.check(
            [
                (("PFDEBUG", "DECODE", "h"), b"Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603"),
                (("PFDEBUG", "encoding", "h"), Status("sparse")),
                (("PFDEBUG", "TODENSE", "h"), 1),
                (("PFDEBUG", "TODENSE", "h"), 0),
                (("PFDEBUG", "ENCODING", "h"), Status("dense")),
                (("PFDEBUG", "DECODE", "h"), err(errors.PFDEBUG_NOT_SPARSE)),
                (("PFDEBUG", "GETREG", "nokey"), err(errors.PFDEBUG_NO_KEY)),
                (("PFDEBUG", "GETREG", "s"), err(errors.HLL_WRONGTYPE)),
                (("PFDEBUG", "bogus", "h"), err(errors.pfdebug_unknown(b"bogus"))),
                (("PFCOUNT", "h"), 3),
            ]
        )
        regs = self.call("PFDEBUG", "GETREG", "h")
        assert isinstance(regs, list)
        self.assertEqual(
            [(i, v) for i, v in enumerate(regs) if v], [(8436, 1), (12711, 2), (15780, 1)]
        )

    def test_command_info(self) -> None:
        """Flags and key specs as Redis declares them."""
        info = self.call("COMMAND", "INFO", "pfadd", "pfcount", "pfmerge", "pfdebug")
        assert isinstance(info, list)
        self.assertEqual([entry[1] for entry in info], [-2, -2, -2, 3])  # type: ignore[index]
        self.assertEqual(
            self.call("COMMAND", "GETKEYS", "PFMERGE", "d", "a", "b"), [b"d", b"a", b"b"]
        )
