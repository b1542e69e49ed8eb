"""HyperLogLog commands (``hyperloglog.c``): PFADD, PFCOUNT, PFMERGE and PFDEBUG.

A HyperLogLog is an ordinary string (``bytes``) in Redis's own format, so GET, APPEND, DUMP and
friends see exactly what Redis would store; :mod:`pyredisd.core.hll` does the encoding work on
a ``bytearray`` copy that is stored back as ``bytes``. Rules, as in Redis:

* a key holding another type is WRONGTYPE; a string that is not an HLL is
  ``WRONGTYPE Key is not a valid HyperLogLog string value.``; a sparse HLL whose opcodes do not
  cover 16384 registers is ``INVALIDOBJ Corrupted HLL object detected``;
* a new key is stored with ``db.set``; an existing one is replaced keeping its TTL
  (``db.set(..., keep_ttl=True)``, one change) and further changes go to ``db.modified``, so
  ``dirty`` counts what Redis's does (PFADD: one per changed register, plus one for a new key;
  PFMERGE: one; PFCOUNT: one when it refreshes the cached cardinality);
* PFCOUNT and the sources of PFMERGE are read with ``lookup_read`` (hits/misses), written keys
  with ``lookup``.

PFSELFTEST (ten million additions in C) is not provided.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyredisd.core import errors, hll, notify
from pyredisd.core.commands.spec import Argv, CmdFlag, CommandGroup, KeyFlag, KeySpec
from pyredisd.core.errors import CommandError
from pyredisd.core.replies import OK, Reply, Status

if TYPE_CHECKING:
    from pyredisd.core.clients import Client

GROUP = CommandGroup("hyperloglog")
_F = CmdFlag

_KEY_INSERT = KeySpec(KeyFlag.RW | KeyFlag.INSERT)
# PFCOUNT is RW: it may refresh the cached cardinality (pfcount.json's note).
_KEY_COUNT = KeySpec(KeyFlag.RW | KeyFlag.ACCESS, lastkey=-1)
_KEYS_MERGE = (
    KeySpec(KeyFlag.RW | KeyFlag.ACCESS | KeyFlag.INSERT),
    KeySpec(KeyFlag.RO | KeyFlag.ACCESS, begin=2, lastkey=-1),
)
_KEY_DEBUG = KeySpec(KeyFlag.RW | KeyFlag.ACCESS, begin=2)


def _sparse_max_bytes(c: Client) -> int:
    """The ``hll-sparse-max-bytes`` directive (Redis's default, 3000)."""
    value = c.server.config["hll-sparse-max-bytes"]
    return int(value)


def _check(value: object) -> bytes:
    """``isHLLObjectOrReply``: the value as an HLL string, or the error Redis replies."""
    if type(value) is not bytes:
        raise CommandError(errors.WRONGTYPE)
    if not hll.is_hll(value):
        raise CommandError(errors.HLL_WRONGTYPE)
    return value


def _registers(value: bytes) -> list[int]:
    try:
        return hll.registers(value)
    except hll.CorruptHLLError:
        raise CommandError(errors.HLL_INVALID) from None


@GROUP.command(
    "pfadd",
    -2,
    _F.WRITE | _F.DENYOOM | _F.FAST,
    keys=(_KEY_INSERT,),
    since="2.8.9",
    complexity="O(1) to add every element.",
    summary="Adds elements to a HyperLogLog key. Creates the key if it doesn't exist.",
    usage="key [element ...]",
)
def cmd_pfadd(c: Client, argv: Argv) -> Reply:
    """Adds elements to a HyperLogLog key. Creates the key if it doesn't exist."""
    db, key = c.db, argv[1]
    old = db.lookup(key, c.server.now_ms)
    if old is None:
        buf = hll.new_sparse()
        updated = 1
    else:
        buf = bytearray(_check(old))
        updated = 0
    max_bytes = _sparse_max_bytes(c)
    for element in argv[2:]:
        result, buf = hll.add(buf, element, max_bytes)
        if result < 0:
            raise CommandError(errors.HLL_INVALID)
        updated += result
    if not updated:
        return 0
    hll.invalidate_cache(buf)
    db.set(key, bytes(buf), keep_ttl=old is not None)
    if updated > 1:
        db.modified(key, updated - 1)
    db.notify(notify.STRING, "pfadd", key)
    return 1


@GROUP.command(
    "pfcount",
    -2,
    _F.READONLY | _F.MAY_REPLICATE,
    keys=(_KEY_COUNT,),
    since="2.8.9",
    complexity=(
        "O(1) with a very small average constant time when called with a single key. O(N) "
        "with N being the number of keys, and much bigger constant times, when called with "
        "multiple keys."
    ),
    summary=(
        "Returns the approximated cardinality of the set(s) observed by the HyperLogLog key(s)."
    ),
    usage="key...",
)
def cmd_pfcount(c: Client, argv: Argv) -> Reply:
    """Returns the approximated cardinality of the set(s) observed by the HyperLogLog key(s)."""
    db, now_ms = c.db, c.server.now_ms
    if len(argv) > 2:
        # The union's cardinality, computed without storing anything.
        union = [0] * hll.REGISTERS
        for key in argv[1:]:
            value = db.lookup_read(key, now_ms)
            if value is None:
                continue
            union = list(map(max, union, _registers(_check(value))))
        return _as_long_long(hll.estimate(hll.histogram(union)))
    key = argv[1]
    value = db.lookup_read(key, now_ms)
    if value is None:
        return 0
    cached = hll.cached_card(_check(value))
    if cached is not None:
        return cached
    card = hll.estimate(hll.histogram(_registers(value)))
    buf = bytearray(value)
    hll.set_cached_card(buf, card)
    db.set(key, bytes(buf), keep_ttl=True)  # the cache is part of the value: one change
    return _as_long_long(card)


def _as_long_long(card: int) -> int:
    """The cardinality as ``addReplyLongLong`` sends it (2**63 only from crafted values)."""
    return card - (1 << 64) if card >= 1 << 63 else card


@GROUP.command(
    "pfmerge",
    -2,
    _F.WRITE | _F.DENYOOM,
    keys=_KEYS_MERGE,
    since="2.8.9",
    complexity="O(N) to merge N HyperLogLogs, but with high constant times.",
    summary="Merges one or more HyperLogLog values into a single key.",
    usage="destkey@key [sourcekey@key ...]",
)
def cmd_pfmerge(c: Client, argv: Argv) -> Reply:
    """Merges one or more HyperLogLog values into a single key."""
    db, now_ms, dest = c.db, c.server.now_ms, argv[1]
    union = [0] * hll.REGISTERS
    use_dense = False
    for key in argv[1:]:  # the destination is a source too
        value = db.lookup_read(key, now_ms)
        if value is None:
            continue
        if _check(value)[4] == hll.DENSE:
            use_dense = True
        union = list(map(max, union, _registers(value)))
    old = db.lookup(dest, now_ms)
    buf = hll.new_sparse() if old is None else bytearray(old)
    if use_dense and buf[4] != hll.DENSE:
        buf = hll.dense_from_registers(buf, _registers(bytes(buf)))
    if buf[4] == hll.DENSE:
        # hllDenseSet on every register: the packing is canonical, so set them all at once.
        buf = hll.dense_from_registers(buf, list(map(max, hll.dense_registers(buf), union)))
    else:
        max_bytes = _sparse_max_bytes(c)
        cursor = [hll.HDR_SIZE, 0, -1]
        for index, count in enumerate(union):
            if not count:
                continue
            if buf[4] == hll.DENSE:
                hll.dense_set(buf, index, count)
            else:
                _, buf = hll.sparse_set(buf, index, count, max_bytes, cursor)
    hll.invalidate_cache(buf)
    db.set(dest, bytes(buf), keep_ttl=old is not None)
    db.notify(notify.STRING, "pfadd", dest)
    return OK


@GROUP.command(
    "pfdebug",
    3,
    _F.WRITE | _F.DENYOOM | _F.ADMIN,
    keys=(_KEY_DEBUG,),
    since="2.8.9",
    complexity="N/A",
    summary="Internal commands for debugging HyperLogLog values.",
    usage="subcommand key",
)
def cmd_pfdebug(c: Client, argv: Argv) -> Reply:
    """Internal commands for debugging HyperLogLog values."""
    db, sub, key = c.db, argv[1], argv[2]
    value = db.lookup(key, c.server.now_ms)
    if value is None:
        raise CommandError(errors.PFDEBUG_NO_KEY)
    value = _check(value)
    name = sub.lower()
    if name == b"getreg":
        if value[4] != hll.DENSE:
            value = bytes(hll.dense_from_registers(value, _registers(value)))
            db.set(key, value, keep_ttl=True)  # the encoding change is propagated
        regs: list[Reply] = list(hll.dense_registers(value))
        return regs
    if name == b"decode":
        if value[4] != hll.SPARSE:
            raise CommandError(errors.PFDEBUG_NOT_SPARSE)
        return _decode(value)
    if name == b"encoding":
        return Status("dense" if value[4] == hll.DENSE else "sparse")
    if name == b"todense":
        if value[4] == hll.DENSE:
            return 0
        db.set(key, bytes(hll.dense_from_registers(value, _registers(value))), keep_ttl=True)
        return 1
    raise CommandError(errors.pfdebug_unknown(sub))


def _decode(value: bytes) -> bytes:
    """PFDEBUG DECODE: the sparse opcodes as ``z:len``, ``Z:len`` and ``v:value,len``."""
    parts: list[bytes] = []
    pos, end = hll.HDR_SIZE, len(value)
    while pos < end:
        op = value[pos]
        if op & 0x80:
            parts.append(b"v:%d,%d" % (((op >> 2) & 0x1F) + 1, (op & 3) + 1))
            pos += 1
        elif op & 0x40:
            low = value[pos + 1] if pos + 1 < end else 0
            parts.append(b"Z:%d" % ((((op & 0x3F) << 8) | low) + 1))
            pos += 2
        else:
            parts.append(b"z:%d" % ((op & 0x3F) + 1))
            pos += 1
    return b" ".join(parts)
