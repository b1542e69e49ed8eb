"""HyperLogLog values in Redis's own byte format (``hyperloglog.c``), stored as plain strings.

A HyperLogLog is a string that starts with a 16-byte header::

    "HYLL" | encoding (0 dense, 1 sparse) | 3 unused bytes | cached cardinality (8 bytes, LE)

The most significant bit of the last cardinality byte marks the cache invalid. The dense
encoding follows with 16384 6-bit registers packed from the least significant bit of each byte
(12288 bytes); the sparse one with run-length opcodes:

* ZERO ``00xxxxxx``: 1..64 registers at 0;
* XZERO ``01xxxxxx yyyyyyyy``: 1..16384 registers at 0;
* VAL ``1vvvvvxx``: 1..4 registers at value 1..32.

Everything here works on ``bytearray`` buffers and mirrors Redis's algorithms step by step
(including :func:`sparse_set`'s in-place splitting and bounded merging of VAL opcodes), so that
the same commands leave byte-identical values. Hashing is MurmurHash64A with Redis's seed and
the estimate is Ertl's improved estimator (``hllCount`` since Redis 5).
"""

from __future__ import annotations

import math
import struct

P = 14
Q = 64 - P
REGISTERS = 1 << P
P_MASK = REGISTERS - 1
BITS = 6
REGISTER_MAX = (1 << BITS) - 1
HDR_SIZE = 16
DENSE_SIZE = HDR_SIZE + (REGISTERS * BITS + 7) // 8
DENSE = 0
SPARSE = 1
MAX_ENCODING = 1
SPARSE_VAL_MAX_VALUE = 32
SPARSE_VAL_MAX_LEN = 4
SPARSE_ZERO_MAX_LEN = 64
SPARSE_XZERO_MAX_LEN = 16384
ALPHA_INF = 0.721347520444481703680  # 0.5 / ln(2)
SEED = 0xADC83B19
DEFAULT_SPARSE_MAX_BYTES = 3000

_M = 0xC6A4A7935BD1E995
_MASK64 = (1 << 64) - 1
_MAGIC = b"HYLL"


class CorruptHLLError(Exception):
    """A sparse representation that does not describe exactly 16384 registers."""


# -- hashing -------------------------------------------------------------------------------------
def murmurhash64a(data: bytes, seed: int = SEED) -> int:
    """MurmurHash2, 64-bit version, endian-neutral as Redis's ``MurmurHash64A``."""
    length = len(data)
    h = (seed ^ (length * _M)) & _MASK64
    body = length & ~7
    if body:
        for (k,) in struct.iter_unpack("<Q", data[:body]):
            k = (k * _M) & _MASK64
            k ^= k >> 47
            k = (k * _M) & _MASK64
            h ^= k
            h = (h * _M) & _MASK64
    if length & 7:
        h ^= int.from_bytes(data[body:], "little")
        h = (h * _M) & _MASK64
    h ^= h >> 47
    h = (h * _M) & _MASK64
    h ^= h >> 47
    return h


def pat_len(element: bytes) -> tuple[int, int]:
    """``hllPatLen``: (register index, length of the 000..1 pattern) of ``element``'s hash."""
    h = murmurhash64a(element)
    index = h & P_MASK
    h = (h >> P) | (1 << Q)
    return index, (h & -h).bit_length()


# -- header --------------------------------------------------------------------------------------
def is_hll(value: bytes) -> bool:
    """``isHLLObjectOrReply``'s checks on a string value (magic, encoding, dense size)."""
    if len(value) < HDR_SIZE or value[:4] != _MAGIC:
        return False
    encoding = value[4]
    if encoding > MAX_ENCODING:
        return False
    return encoding != DENSE or len(value) == DENSE_SIZE


def new_sparse() -> bytearray:
    """``createHLLObject``: an empty sparse HLL (XZERO:16384), cached cardinality 0."""
    buf = bytearray(HDR_SIZE)
    buf[:4] = _MAGIC
    buf[4] = SPARSE
    left = REGISTERS
    while left:
        run = min(left, SPARSE_XZERO_MAX_LEN)
        buf += bytes(((run - 1) >> 8 | 0x40, (run - 1) & 0xFF))
        left -= run
    return buf


def invalidate_cache(buf: bytearray) -> None:
    """``HLL_INVALIDATE_CACHE``."""
    buf[15] |= 0x80


def cached_card(value: bytes) -> int | None:
    """The cached cardinality, or None when the cache is marked invalid."""
    if value[15] & 0x80:
        return None
    return int.from_bytes(value[8:16], "little")


def set_cached_card(buf: bytearray, card: int) -> None:
    """Store ``card`` as the cached cardinality (which marks the cache valid)."""
    buf[8:16] = card.to_bytes(8, "little")


# -- dense ---------------------------------------------------------------------------------------
def dense_get(buf: bytearray | bytes, index: int) -> int:
    """``HLL_DENSE_GET_REGISTER`` on a whole value (header included)."""
    pos = HDR_SIZE + index * BITS // 8
    fb = index * BITS & 7
    b1 = buf[pos + 1] if pos + 1 < len(buf) else 0  # Redis reads the sds NUL terminator
    return ((buf[pos] >> fb) | (b1 << (8 - fb))) & REGISTER_MAX


def dense_set(buf: bytearray, index: int, count: int) -> bool:
    """``hllDenseSet``: raise register ``index`` to ``count``; True if it changed."""
    pos = HDR_SIZE + index * BITS // 8
    fb = index * BITS & 7
    fb8 = 8 - fb
    b1 = buf[pos + 1] if pos + 1 < len(buf) else 0
    if count <= ((buf[pos] >> fb) | (b1 << fb8)) & REGISTER_MAX:
        return False
    buf[pos] = (buf[pos] & ~(REGISTER_MAX << fb) & 0xFF) | ((count << fb) & 0xFF)
    if pos + 1 < len(buf):
        buf[pos + 1] = (buf[pos + 1] & ~(REGISTER_MAX >> fb8) & 0xFF) | (count >> fb8)
    return True


def dense_registers(value: bytes | bytearray) -> list[int]:
    """All 16384 registers of a dense value, in order."""
    data = bytes(value[HDR_SIZE:DENSE_SIZE])
    out: list[int] = []
    append = out.append
    for b0, b1, b2 in zip(data[0::3], data[1::3], data[2::3], strict=True):
        append(b0 & 63)
        append((b0 >> 6 | b1 << 2) & 63)
        append((b1 >> 4 | b2 << 4) & 63)
        append(b2 >> 2)
    return out


def dense_from_registers(header: bytes | bytearray, registers: list[int]) -> bytearray:
    """A dense value with ``header`` (encoding set to dense) and ``registers`` packed."""
    buf = bytearray(header[:HDR_SIZE])
    buf[4] = DENSE
    it = iter(registers)
    packed = bytearray()
    for r0, r1, r2, r3 in zip(it, it, it, it, strict=True):
        packed.append((r0 | r1 << 6) & 0xFF)
        packed.append((r1 >> 2 | r2 << 4) & 0xFF)
        packed.append((r2 >> 4 | r3 << 2) & 0xFF)
    return buf + packed


# -- sparse --------------------------------------------------------------------------------------
def sparse_registers(value: bytes | bytearray) -> list[int]:
    """All 16384 registers of a sparse value; raises :class:`CorruptHLLError` if the opcodes do not
    cover exactly 16384 registers (``hllSparseToDense``/``hllMerge`` validation)."""
    out: list[int] = []
    extend = out.extend
    pos, end = HDR_SIZE, len(value)
    while pos < end:
        op = value[pos]
        if op & 0x80:
            run = (op & 3) + 1
            if len(out) + run > REGISTERS:
                raise CorruptHLLError
            extend([((op >> 2) & 0x1F) + 1] * run)
            pos += 1
        elif op & 0x40:
            if pos + 1 >= end:
                # Redis reads the NUL terminator as the low byte of a truncated XZERO.
                run = ((op & 0x3F) << 8) + 1
            else:
                run = (((op & 0x3F) << 8) | value[pos + 1]) + 1
            if len(out) + run > REGISTERS:
                raise CorruptHLLError
            extend([0] * run)
            pos += 2
        else:
            run = (op & 0x3F) + 1
            if len(out) + run > REGISTERS:
                raise CorruptHLLError
            extend([0] * run)
            pos += 1
    if len(out) != REGISTERS:
        raise CorruptHLLError
    return out


def to_dense(buf: bytearray) -> bytearray:
    """``hllSparseToDense``: the dense form of ``buf`` (itself if already dense), keeping the
    header's cached cardinality. Raises :class:`CorruptHLLError`."""
    if buf[4] == DENSE:
        return buf
    return dense_from_registers(buf, sparse_registers(buf))


def registers(value: bytes | bytearray) -> list[int]:
    """All registers of a valid HLL value of either encoding (raises :class:`CorruptHLLError`)."""
    if value[4] == DENSE:
        return dense_registers(value)
    return sparse_registers(value)


# Registers covered by each one-byte opcode (ZERO, VAL); 0 marks the first byte of an XZERO.
_SPANS = [
    (op & 0x3F) + 1 if op & 0xC0 == 0 else (op & 3) + 1 if op & 0x80 else 0 for op in range(256)
]


def _xzero_or_zero(run: int) -> bytes:
    if run > SPARSE_ZERO_MAX_LEN:
        return bytes(((run - 1) >> 8 | 0x40, (run - 1) & 0xFF))
    return bytes((run - 1,))


def _val(value: int, run: int) -> int:
    return ((value - 1) << 2 | (run - 1)) | 0x80


def sparse_set(
    buf: bytearray, index: int, count: int, max_bytes: int, cursor: list[int] | None = None
) -> tuple[int, bytearray]:
    """``hllSparseSet``: raise register ``index`` of the sparse ``buf`` to ``count``.

    Returns (result, value): result is 1 if the register changed, 0 if not, -1 if the sparse
    representation is invalid; value is ``buf`` updated in place, or a new dense buffer when
    the update promoted it (a value over 32, or a size over ``max_bytes``).

    ``cursor`` serves a series of calls with increasing indexes (PFMERGE): ``[position,
    first register, previous opcode position]`` of an opcode no update has touched, where the
    search resumes instead of at the first opcode; each call moves it forward. The result is
    the same as without it: Redis always searches from the start.
    """
    if count > SPARSE_VAL_MAX_VALUE:
        return _promote(buf, index, count)
    # Step 1: find the opcode covering ``index``.
    end = len(buf)
    if cursor is None:
        p, first, prev = HDR_SIZE, 0, -1
    else:
        p, first, prev = cursor
    pprev, prev_first = -1, 0
    moved = False
    span = 0
    spans = _SPANS
    while p < end:
        oplen = 1
        span = spans[buf[p]]
        if not span:  # XZERO
            low = buf[p + 1] if p + 1 < end else 0
            span = (((buf[p] & 0x3F) << 8) | low) + 1
            oplen = 2
        if index < first + span:
            break
        pprev, prev, prev_first = prev, p, first
        moved = True
        p += oplen
        first += span
    if span == 0 or p >= end:
        return -1, buf
    if cursor is not None:
        # An update rewrites bytes from ``prev`` on (its merge window): resume there next
        # time, or from the start when ``prev`` is before where this search began.
        cursor[:] = [prev, prev_first, pprev] if moved else [HDR_SIZE, 0, -1]
    op = buf[p]
    is_xzero = op & 0xC0 == 0x40
    # Step 2: the cheap in-place cases.
    if op & 0x80:
        oldcount = ((op >> 2) & 0x1F) + 1
        if oldcount >= count:
            return 0, buf
        if span == 1:
            buf[p] = _val(count, 1)
            return 1, _merge_adjacent(buf, prev)
    elif op & 0xC0 == 0 and span == 1:
        buf[p] = _val(count, 1)
        return 1, _merge_adjacent(buf, prev)
    # General case: split the opcode into up to three.
    last = first + span - 1
    seq = bytearray()
    if not op & 0x80:
        if index != first:
            seq += _xzero_or_zero(index - first)
        seq.append(_val(count, 1))
        if index != last:
            seq += _xzero_or_zero(last - index)
    else:
        curval = ((op >> 2) & 0x1F) + 1
        if index != first:
            seq.append(_val(curval, index - first))
        seq.append(_val(count, 1))
        if index != last:
            seq.append(_val(curval, last - index))
    # Step 3: replace the old opcode, unless that makes the value too large.
    oldlen = 2 if is_xzero else 1
    deltalen = len(seq) - oldlen
    if deltalen > 0 and len(buf) + deltalen > max_bytes:
        return _promote(buf, index, count)
    buf[p : p + oldlen] = seq
    return 1, _merge_adjacent(buf, prev)


def _merge_adjacent(buf: bytearray, prev: int) -> bytearray:
    """Step 4 of ``hllSparseSet``: merge equal adjacent VAL opcodes, scanning at most five
    opcodes from the one before the updated one. Also invalidates the cached cardinality."""
    p = prev if prev >= 0 else HDR_SIZE
    end = len(buf)
    scanlen = 5
    while p < end and scanlen:
        scanlen -= 1
        op = buf[p]
        if op & 0xC0 == 0x40:
            p += 2
            continue
        if op & 0xC0 == 0:
            p += 1
            continue
        if p + 1 < end and buf[p + 1] & 0x80:
            nxt = buf[p + 1]
            v1 = ((op >> 2) & 0x1F) + 1
            v2 = ((nxt >> 2) & 0x1F) + 1
            if v1 == v2:
                run = (op & 3) + 1 + (nxt & 3) + 1
                if run <= SPARSE_VAL_MAX_LEN:
                    buf[p : p + 2] = bytes((_val(v1, run),))
                    end -= 1
                    continue
        p += 1
    invalidate_cache(buf)
    return buf


def _promote(buf: bytearray, index: int, count: int) -> tuple[int, bytearray]:
    try:
        dense = to_dense(buf)
    except CorruptHLLError:
        return -1, buf
    dense_set(dense, index, count)
    return 1, dense


def add(buf: bytearray, element: bytes, max_bytes: int) -> tuple[int, bytearray]:
    """``hllAdd``: add ``element``; (1 changed / 0 not / -1 invalid, the updated buffer)."""
    index, count = pat_len(element)
    if buf[4] == DENSE:
        return int(dense_set(buf, index, count)), buf
    return sparse_set(buf, index, count, max_bytes)


# -- counting ------------------------------------------------------------------------------------
def _sigma(x: float) -> float:
    if x == 1.0:
        return math.inf
    y = 1.0
    z = x
    while True:
        x *= x
        z_prime = z
        z += x * y
        y += y
        if z_prime == z:
            return z


def _tau(x: float) -> float:
    if x == 0.0 or x == 1.0:
        return 0.0
    y = 1.0
    z = 1 - x
    while True:
        x = math.sqrt(x)
        z_prime = z
        y *= 0.5
        z -= math.pow(1 - x, 2) * y
        if z_prime == z:
            return z / 3


def estimate(histogram: list[int]) -> int:
    """``hllCount``'s estimate from a 64-slot histogram of register values (Ertl)."""
    m = float(REGISTERS)
    z = m * _tau((m - histogram[Q + 1]) / m)
    for j in range(Q, 0, -1):
        z += histogram[j]
        z *= 0.5
    z += m * _sigma(histogram[0] / m)
    e = ALPHA_INF * m * m / z if z else math.inf
    if not math.isfinite(e):
        # Only crafted dense values get here: llroundl(inf) is LLONG_MIN on x86-64, which
        # Redis casts to a uint64 cardinality of 2**63.
        return 1 << 63
    whole = math.floor(e)
    return int(whole + 1 if e - whole >= 0.5 else whole)  # llroundl: halves away from zero


def histogram(regs: list[int]) -> list[int]:
    """Counts of each register value (64 slots, as Redis's ``reghisto``)."""
    histo = [0] * 64
    for reg in regs:
        histo[reg] += 1
    return histo


def count(value: bytes | bytearray) -> int:
    """The estimated cardinality of a valid HLL value (raises :class:`CorruptHLLError`)."""
    return estimate(histogram(registers(value)))
