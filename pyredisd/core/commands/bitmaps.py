"""Bitmap commands: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO (``bitops.c``).

A bitmap is a string; bit 0 is the most significant bit of byte 0. Reads past the end see zeros;
writes grow the string with zero bytes first (``lookupStringForBitCommand``), and offsets are
limited by proto-max-bulk-len. Strings are immutable ``bytes``: a write builds the new value and
stores it with its TTL kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyredisd.core import errors, notify
from pyredisd.core.commands.args import to_int
from pyredisd.core.commands.spec import (
    KEY_RO,
    Argv,
    CmdFlag,
    CommandGroup,
    KeyFlag,
    KeySpec,
)
from pyredisd.core.errors import CommandError
from pyredisd.core.replies import Reply
from pyredisd.core.request import string2ll

if TYPE_CHECKING:
    from pyredisd.core.clients import Client

GROUP = CommandGroup("bitmap")
_F = CmdFlag
_KEY_UPDATE = KeySpec(KeyFlag.RW | KeyFlag.ACCESS | KeyFlag.UPDATE)
_KEY_TARGET = KeySpec(KeyFlag.OW | KeyFlag.UPDATE, begin=2)
_KEY_SOURCES = KeySpec(KeyFlag.RO | KeyFlag.ACCESS, begin=3, lastkey=-1)


def _popcount(data: bytes) -> int:
    return int.from_bytes(data, "big").bit_count()


def bit_offset(c: Client, arg: bytes, hash_bits: int = 0) -> int:
    """``getBitOffsetFromArgument``: a bit offset below proto-max-bulk-len * 8; with
    ``hash_bits``, ``#n`` means ``n * hash_bits`` (BITFIELD)."""
    use_hash = hash_bits > 0 and arg[:1] == b"#"
    offset = string2ll(arg[1:] if use_hash else arg)
    if offset is None:
        raise CommandError(errors.BIT_OFFSET)
    if use_hash:
        offset *= hash_bits
    if offset < 0 or (offset >> 3) >= c.server.config["proto-max-bulk-len"]:
        raise CommandError(errors.BIT_OFFSET)
    return offset


def read_string(c: Client, key: bytes) -> bytes | None:
    """The string at ``key`` for a read (hit/miss counted), WRONGTYPE for other types."""
    return c.db.get_string(key, c.server.now_ms)


def grown_string(c: Client, key: bytes, max_bit: int) -> tuple[bytearray, bool]:
    """``lookupStringForBitCommand``: a mutable copy of the string at ``key`` (empty for a
    missing key), zero-padded to hold bit ``max_bit``, and whether it had to be created or
    grown (the caller stores it then even if no bit changes, as Redis grows it first)."""
    value = c.db.lookup(key, c.server.now_ms)
    if value is not None and type(value) is not bytes:
        raise CommandError(errors.WRONGTYPE)
    buffer = bytearray(value or b"")
    needed = (max_bit >> 3) + 1
    grown = value is None or len(buffer) < needed
    if len(buffer) < needed:
        buffer.extend(bytes(needed - len(buffer)))
    return buffer, grown


@GROUP.command(
    "setbit", 4, _F.WRITE | _F.DENYOOM, keys=(_KEY_UPDATE,), since="2.2.0", usage="key offset value"
)
def cmd_setbit(c: Client, argv: Argv) -> Reply:
    """Sets or clears the bit at offset of the string value. Creates the key if it doesn't
    exist."""
    offset = bit_offset(c, argv[2])
    on = to_int(argv[3], errors.BIT_VALUE)
    if on & ~1:
        raise CommandError(errors.BIT_VALUE)
    key = argv[1]
    buffer, grown = grown_string(c, key, offset)
    byte, shift = offset >> 3, 7 - (offset & 7)
    old = (buffer[byte] >> shift) & 1
    if grown or old != on:
        buffer[byte] = (buffer[byte] & ~(1 << shift)) | (on << shift)
        c.db.set(key, bytes(buffer), keep_ttl=True)
        c.db.notify(notify.STRING, "setbit", key)
    return old


@GROUP.command(
    "getbit", 3, _F.READONLY | _F.FAST, keys=(KEY_RO,), since="2.2.0", usage="key offset"
)
def cmd_getbit(c: Client, argv: Argv) -> Reply:
    """Returns a bit value by offset."""
    offset = bit_offset(c, argv[2])
    value = read_string(c, argv[1])
    byte = offset >> 3
    if value is None or byte >= len(value):
        return 0
    return (value[byte] >> (7 - (offset & 7))) & 1


def _unit(arg: bytes) -> bool:
    """BYTE or BIT (True)."""
    unit = arg.lower()
    if unit not in (b"bit", b"byte"):
        raise CommandError(errors.SYNTAX)
    return unit == b"bit"


def _clamp(start: int, end: int, total: int) -> tuple[int, int]:
    """Redis's negative-index conversion and clamping to ``[0, total - 1]``."""
    if start < 0:
        start = max(total + start, 0)
    if end < 0:
        end = max(total + end, 0)
    return start, min(end, total - 1)


def _bits(value: bytes, start: int, end: int) -> tuple[int, int]:
    """Bits ``start..end`` (inclusive, big-endian bit order) as an integer, and their count."""
    first, last = start >> 3, end >> 3
    chunk = int.from_bytes(value[first : last + 1], "big")
    width = end - start + 1
    chunk >>= 7 - (end & 7)
    return chunk & ((1 << width) - 1), width


@GROUP.command(
    "bitcount",
    -2,
    _F.READONLY,
    keys=(KEY_RO,),
    since="2.6.0",
    complexity="O(N)",
    usage="key [start end [BYTE|BIT]]",
)
def cmd_bitcount(c: Client, argv: Argv) -> Reply:
    """Counts the number of set bits (population counting) in a string."""
    if len(argv) not in (2, 4, 5):
        raise CommandError(errors.SYNTAX)
    by_bit = False
    start = end = 0
    if len(argv) > 2:
        start, end = to_int(argv[2]), to_int(argv[3])
        if len(argv) == 5:
            by_bit = _unit(argv[4])
    value = read_string(c, argv[1])
    if value is None:
        return 0
    if len(argv) == 2:
        return _popcount(value)
    if start < 0 and end < 0 and start > end:
        return 0
    total = len(value) * 8 if by_bit else len(value)
    start, end = _clamp(start, end, total)
    if start > end:
        return 0
    if not by_bit:
        return _popcount(value[start : end + 1])
    return _bits(value, start, end)[0].bit_count()


@GROUP.command(
    "bitpos",
    -3,
    _F.READONLY,
    keys=(KEY_RO,),
    since="2.8.7",
    complexity="O(N)",
    usage="key bit [start [end [BYTE|BIT]]]",
)
def cmd_bitpos(c: Client, argv: Argv) -> Reply:
    """Finds the first set (1) or clear (0) bit in a string."""
    bit = to_int(argv[2])
    if bit not in (0, 1):
        raise CommandError(errors.BIT_ARGUMENT)
    if len(argv) > 6:
        raise CommandError(errors.SYNTAX)
    by_bit = end_given = False
    start = end = 0
    if len(argv) > 3:
        start = to_int(argv[3])
        if len(argv) == 6:
            by_bit = _unit(argv[5])
        if len(argv) >= 5:
            end = to_int(argv[4])
            end_given = True
    value = read_string(c, argv[1])
    if value is None:
        return -1 if bit else 0
    total = len(value) * 8 if by_bit else len(value)
    if len(argv) == 3:
        start, end = 0, total - 1
    else:
        if not end_given:
            end = total - 1
        start, end = _clamp(start, end, total)
    if start > end:
        return -1
    if not by_bit:
        start, end = start * 8, end * 8 + 7
    chunk, width = _bits(value, start, end)
    if bit:
        found = width - chunk.bit_length() if chunk else -1
    else:
        inverted = chunk ^ ((1 << width) - 1)
        found = width - inverted.bit_length() if inverted else -1
    if found >= 0:
        return start + found
    # No clear bit in range: past the end counts as zero, unless the caller gave the end.
    return end + 1 if bit == 0 and not end_given else -1


_BITOPS = (b"and", b"or", b"xor", b"not")


@GROUP.command(
    "bitop",
    -4,
    _F.WRITE | _F.DENYOOM,
    keys=(_KEY_TARGET, _KEY_SOURCES),
    since="2.6.0",
    complexity="O(N)",
    usage="operation destkey key...",
)
def cmd_bitop(c: Client, argv: Argv) -> Reply:
    """Performs bitwise operations on multiple strings, and stores the result."""
    op = argv[1].lower()
    if op not in _BITOPS:
        raise CommandError(errors.SYNTAX)
    if op == b"not" and len(argv) != 4:
        raise CommandError(errors.BITOP_NOT_ARITY)
    sources = [read_string(c, key) or b"" for key in argv[3:]]
    size = max(len(source) for source in sources)
    target = argv[2]
    if size == 0:
        if c.db.delete(target):
            c.db.notify(notify.GENERIC, "del", target)
        return 0
    numbers = [int.from_bytes(source.ljust(size, b"\0"), "big") for source in sources]
    result = numbers[0]
    if op == b"not":
        result ^= (1 << (8 * size)) - 1
    for number in numbers[1:]:
        if op == b"and":
            result &= number
        elif op == b"or":
            result |= number
        else:
            result ^= number
    c.db.set(target, result.to_bytes(size, "big"))
    c.db.notify(notify.STRING, "set", target)
    return size


# -- BITFIELD ----------------------------------------------------------------------------------
_WRAP, _SAT, _FAIL = "wrap", "sat", "fail"


def bitfield_type(arg: bytes) -> tuple[bool, int]:
    """``getBitfieldTypeFromArgument``: (signed, bits) from ``i1``..``i64`` or ``u1``..``u63``."""
    signed = arg[:1] == b"i"
    bits = string2ll(arg[1:]) if arg[:1] in (b"i", b"u") else None
    if bits is None or bits < 1 or bits > (64 if signed else 63):
        raise CommandError(errors.BITFIELD_TYPE)
    return signed, bits


class _Op:
    """One parsed BITFIELD operation."""

    __slots__ = ("bits", "offset", "opcode", "overflow", "signed", "value")

    def __init__(
        self, opcode: str, signed: bool, bits: int, offset: int, value: int, overflow: str
    ) -> None:
        self.opcode = opcode
        self.signed = signed
        self.bits = bits
        self.offset = offset
        self.value = value
        self.overflow = overflow


def _get_field(data: bytes | bytearray, offset: int, bits: int, signed: bool) -> int:
    first = offset >> 3
    last = (offset + bits - 1) >> 3
    window = bytes(data[first : last + 1]).ljust(last - first + 1, b"\0")
    number = int.from_bytes(window, "big") >> (7 - ((offset + bits - 1) & 7))
    number &= (1 << bits) - 1
    if signed and number >> (bits - 1):
        number -= 1 << bits
    return number


def _set_field(data: bytearray, offset: int, bits: int, number: int) -> None:
    first = offset >> 3
    last = (offset + bits - 1) >> 3
    shift = 7 - ((offset + bits - 1) & 7)
    window = int.from_bytes(data[first : last + 1], "big")
    mask = ((1 << bits) - 1) << shift
    window = (window & ~mask) | ((number << shift) & mask)
    data[first : last + 1] = window.to_bytes(last - first + 1, "big")


def _fit(number: int, signed: bool, bits: int, overflow: str) -> int | None:
    """``number`` made to fit the field: itself, wrapped, saturated, or None (FAIL)."""
    low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    if low <= number <= high:
        return number
    if overflow == _FAIL:
        return None
    if overflow == _SAT:
        return high if number > high else low
    number &= (1 << bits) - 1
    if signed and number >> (bits - 1):
        number -= 1 << bits
    return number


def bitfield_generic(c: Client, argv: Argv, read_only: bool) -> Reply:
    """BITFIELD and BITFIELD_RO (cf. ``bitfieldGeneric``): parse every operation first, then
    run them in order against one copy of the string."""
    ops: list[_Op] = []
    overflow = _WRAP
    highest = -1
    index = 2
    while index < len(argv):
        name = argv[index].lower()
        left = len(argv) - index - 1
        if name == b"overflow" and left >= 1:
            mode = argv[index + 1].lower().decode("latin-1")
            if mode not in (_WRAP, _SAT, _FAIL):
                raise CommandError(errors.BITFIELD_OVERFLOW)
            overflow = mode
            index += 2
            continue
        if not ((name == b"get" and left >= 2) or (name in (b"set", b"incrby") and left >= 3)):
            raise CommandError(errors.SYNTAX)
        signed, bits = bitfield_type(argv[index + 1])
        offset = bit_offset(c, argv[index + 2], bits)
        value = 0
        if name != b"get":
            highest = max(highest, offset + bits - 1)
            value = to_int(argv[index + 3])
        ops.append(_Op(name.decode(), signed, bits, offset, value, overflow))
        index += 3 if name == b"get" else 4
    key = argv[1]
    if highest < 0:
        current = read_string(c, key) or b""
        return [_get_field(current, op.offset, op.bits, op.signed) for op in ops]
    if read_only:
        raise CommandError(errors.BITFIELD_RO_GET_ONLY)
    data, grown = grown_string(c, key, highest)
    changed = False
    replies: list[Reply] = []
    for op in ops:
        old = _get_field(data, op.offset, op.bits, op.signed)
        if op.opcode == "get":
            replies.append(old)
            continue
        if op.opcode == "incrby":
            new = _fit(old + op.value, op.signed, op.bits, op.overflow)
            reply: Reply = new
        else:
            number = op.value if op.signed else op.value & ((1 << 64) - 1)
            new = _fit(number, op.signed, op.bits, op.overflow)
            reply = old
        if new is None:
            replies.append(None)
            continue
        _set_field(data, op.offset, op.bits, new)
        replies.append(reply)
        changed = True
    if grown or changed:
        c.db.set(key, bytes(data), keep_ttl=True)
    if changed:
        c.db.notify(notify.STRING, "setbit", key)
    return replies


@GROUP.command(
    "bitfield",
    -2,
    _F.WRITE | _F.DENYOOM,
    keys=(_KEY_UPDATE,),
    since="3.2.0",
    complexity="O(1) for each subcommand specified",
    usage=(
        "key [GET encoding offset|[OVERFLOW WRAP|SAT|FAIL] "
        "(SET encoding offset value|INCRBY encoding offset increment)]..."
    ),
)
def cmd_bitfield(c: Client, argv: Argv) -> Reply:
    """Performs arbitrary bitfield integer operations on strings."""
    return bitfield_generic(c, argv, read_only=False)


@GROUP.command(
    "bitfield_ro",
    -2,
    _F.READONLY | _F.FAST,
    keys=(KEY_RO,),
    since="6.0.0",
    complexity="O(1) for each subcommand specified",
    usage="key [GET encoding offset]...",
)
def cmd_bitfield_ro(c: Client, argv: Argv) -> Reply:
    """Performs arbitrary read-only bitfield integer operations on strings."""
    return bitfield_generic(c, argv, read_only=True)
