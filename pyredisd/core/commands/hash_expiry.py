"""Hash-field expiry commands (Redis 7.4): HEXPIRE, HPEXPIRE, HEXPIREAT, HPEXPIREAT, HTTL,
HPTTL, HEXPIRETIME, HPEXPIRETIME and HPERSIST (``t_hash.c``).

Each takes ``FIELDS numfields field...`` and replies one integer per field. The first
HEXPIRE on a hash turns its value into a :class:`~pyredisd.core.hashttl.HashEx` (Redis's
conversion to ``listpackex``), whatever the outcome for the fields; the deadlines then live in
the value, so RENAME, MOVE and COPY carry them. See :mod:`pyredisd.core.hashttl` for what an
expired field is to the other hash commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyredisd.core import errors, notify
from pyredisd.core.commands.args import to_int
from pyredisd.core.commands.hashes import is_compact, read_hash, write_hash
from pyredisd.core.commands.spec import KEY_RO, Argv, CmdFlag, CommandGroup, KeyFlag, KeySpec
from pyredisd.core.errors import CommandError
from pyredisd.core.hashttl import MAX_DEADLINE_MS, HashEx
from pyredisd.core.replies import Reply
from pyredisd.core.request import string2ll

if TYPE_CHECKING:
    from pyredisd.core.clients import Client

GROUP = CommandGroup("hash")
_F = CmdFlag
_KEY_UPDATE = KeySpec(KeyFlag.RW | KeyFlag.UPDATE)
_COMPLEXITY = "O(N) where N is the number of specified fields"
_FIELDS = "FIELDS numfields@integer field..."

# hashTypeSetEx results, per field
NO_FIELD, NOT_MET, SET, DELETED = -2, 0, 1, 2
_CONDITIONS = {b"nx", b"xx", b"gt", b"lt"}


def _fields(argv: Argv, at: int, message: str) -> list[bytes]:
    """``FIELDS numfields field...`` from ``argv[at - 1]``: the fields, after Redis's checks
    (``message`` when ``numfields`` is not a positive integer)."""
    if argv[at - 1].lower() != b"fields":
        raise CommandError(errors.HFE_FIELDS_MISSING)
    count = string2ll(argv[at])
    if count is None or count < 1:
        raise CommandError(message)
    if count != len(argv) - at - 1:
        raise CommandError(errors.HFE_NUMFIELDS_MISMATCH)
    return argv[at + 1 :]


# -- HEXPIRE and friends -------------------------------------------------------------------------
def _deadline(argv: Argv, name: str, base_ms: int, unit_ms: int) -> int:
    expire = to_int(argv[2])
    if expire < 0:
        raise CommandError(errors.HFE_NEGATIVE_EXPIRE)
    if unit_ms == 1000:
        if expire > MAX_DEADLINE_MS // 1000:
            raise CommandError(errors.INVALID_EXPIRE.format(name))
        expire *= 1000
    if expire > MAX_DEADLINE_MS - base_ms:
        raise CommandError(errors.INVALID_EXPIRE.format(name))
    return expire + base_ms


def hexpire_generic(c: Client, argv: Argv, name: str, base_ms: int, unit_ms: int) -> Reply:
    """``hexpireGenericCommand``: set each field's deadline under an optional NX/XX/GT/LT."""
    key = argv[1]
    value = write_hash(c, key)
    deadline = _deadline(argv, name, base_ms, unit_ms)
    condition = argv[3].lower()
    if condition not in _CONDITIONS:
        condition = b""
    fields = _fields(argv, 5 if condition else 4, errors.HFE_NUMFIELDS_ZERO)
    if value is None:
        return [NO_FIELD] * len(fields)
    db = c.db
    if type(value) is not HashEx:
        value = HashEx(value)
        db.data[key] = value  # same contents in the representation that keeps deadlines
    ordered = is_compact(c, value)
    now_ms, expiry = c.server.now_ms, c.server.field_expiry
    out: list[Reply] = []
    updated = deleted = 0
    for field in fields:
        if field not in value:
            out.append(NO_FIELD)
            continue
        current = value.ttls.get(field)
        if current is None:  # no TTL: LT holds (an infinite TTL is greater), GT and XX not
            met = condition not in (b"xx", b"gt")
        else:
            met = not (
                condition == b"nx"
                or (condition == b"gt" and current >= deadline)
                or (condition == b"lt" and current <= deadline)
            )
        if not met:
            out.append(NOT_MET)
        elif deadline <= now_ms:  # checkAlreadyExpired: the field goes now
            value.remove(field)
            expiry.expired += 1
            deleted += 1
            out.append(DELETED)
        else:
            value.set_deadline(field, deadline, ordered)
            updated += 1
            out.append(SET)
    if updated or deleted:
        if deleted and not value:
            db.delete(key)
            db.modified(key, updated + deleted - 1)
            db.notify(notify.HASH, "hdel", key)
            db.notify(notify.GENERIC, "del", key)
        else:
            db.modified(key, updated + deleted)
            db.notify(notify.HASH, "hdel" if deleted else "hexpire", key)
            expiry.schedule(db, key, value)
    return out


_HEXPIRE_FLAGS = _F.WRITE | _F.DENYOOM | _F.FAST


@GROUP.command(
    "hexpire",
    -6,
    _HEXPIRE_FLAGS,
    keys=(_KEY_UPDATE,),
    since="7.4.0",
    complexity=_COMPLEXITY,
    usage=f"key seconds [NX|XX|GT|LT] {_FIELDS}",
)
def cmd_hexpire(c: Client, argv: Argv) -> Reply:
    """Set expiry for hash field using relative time to expire (seconds)"""
    return hexpire_generic(c, argv, "hexpire", c.server.now_ms, 1000)


@GROUP.command(
    "hpexpire",
    -6,
    _HEXPIRE_FLAGS,
    keys=(_KEY_UPDATE,),
    since="7.4.0",
    complexity=_COMPLEXITY,
    usage=f"key milliseconds [NX|XX|GT|LT] {_FIELDS}",
)
def cmd_hpexpire(c: Client, argv: Argv) -> Reply:
    """Set expiry for hash field using relative time to expire (milliseconds)"""
    return hexpire_generic(c, argv, "hpexpire", c.server.now_ms, 1)


@GROUP.command(
    "hexpireat",
    -6,
    _HEXPIRE_FLAGS,
    keys=(_KEY_UPDATE,),
    since="7.4.0",
    complexity=_COMPLEXITY,
    usage=f"key unix-time-seconds [NX|XX|GT|LT] {_FIELDS}",
)
def cmd_hexpireat(c: Client, argv: Argv) -> Reply:
    """Set expiry for hash field using an absolute Unix timestamp (seconds)"""
    return hexpire_generic(c, argv, "hexpireat", 0, 1000)


@GROUP.command(
    "hpexpireat",
    -6,
    _HEXPIRE_FLAGS,
    keys=(_KEY_UPDATE,),
    since="7.4.0",
    complexity=_COMPLEXITY,
    usage=f"key unix-time-milliseconds [NX|XX|GT|LT] {_FIELDS}",
)
def cmd_hpexpireat(c: Client, argv: Argv) -> Reply:
    """Set expiry for hash field using an absolute Unix timestamp (milliseconds)"""
    return hexpire_generic(c, argv, "hpexpireat", 0, 1)


# -- HTTL and friends ----------------------------------------------------------------------------
def httl_generic(c: Client, argv: Argv, base_ms: int, unit_ms: int) -> Reply:
    """``httlGenericCommand``: each field's TTL or deadline, -1 without one, -2 if missing."""
    value = read_hash(c, argv[1])
    fields = _fields(argv, 3, errors.HFE_NUMFIELDS_POSITIVE)
    if value is None:
        return [NO_FIELD] * len(fields)
    if type(value) is not HashEx:
        return [-1 if field in value else NO_FIELD for field in fields]
    # A deadline equal to the command's time is gone for a listpackex, not for a hashtable.
    now_ms = c.server.now_ms + (1 if is_compact(c, value) else 0)
    out: list[Reply] = []
    for field in fields:
        deadline = value.ttls.get(field)
        if field not in value:
            out.append(NO_FIELD)
        elif deadline is None:
            out.append(-1)
        elif deadline < now_ms:
            out.append(NO_FIELD)
        elif unit_ms == 1000:
            out.append((deadline + 999 - base_ms) // 1000)
        else:
            out.append(deadline - base_ms)
    return out


_HTTL_FLAGS = _F.READONLY | _F.FAST
_HTTL_USAGE = f"key {_FIELDS}"


@GROUP.command(
    "httl",
    -5,
    _HTTL_FLAGS,
    keys=(KEY_RO,),
    since="7.4.0",
    complexity=_COMPLEXITY,
    usage=_HTTL_USAGE,
)
def cmd_httl(c: Client, argv: Argv) -> Reply:
    """Returns the TTL in seconds of a hash field."""
    return httl_generic(c, argv, c.server.now_ms, 1000)


@GROUP.command(
    "hpttl",
    -5,
    _HTTL_FLAGS,
    keys=(KEY_RO,),
    since="7.4.0",
    complexity=_COMPLEXITY,
    usage=_HTTL_USAGE,
)
def cmd_hpttl(c: Client, argv: Argv) -> Reply:
    """Returns the TTL in milliseconds of a hash field."""
    return httl_generic(c, argv, c.server.now_ms, 1)


@GROUP.command(
    "hexpiretime",
    -5,
    _HTTL_FLAGS,
    keys=(KEY_RO,),
    since="7.4.0",
    complexity=_COMPLEXITY,
    usage=_HTTL_USAGE,
)
def cmd_hexpiretime(c: Client, argv: Argv) -> Reply:
    """Returns the expiration time of a hash field as a Unix timestamp, in seconds."""
    return httl_generic(c, argv, 0, 1000)


@GROUP.command(
    "hpexpiretime",
    -5,
    _HTTL_FLAGS,
    keys=(KEY_RO,),
    since="7.4.0",
    complexity=_COMPLEXITY,
    usage=_HTTL_USAGE,
)
def cmd_hpexpiretime(c: Client, argv: Argv) -> Reply:
    """Returns the expiration time of a hash field as a Unix timestamp, in msec."""
    return httl_generic(c, argv, 0, 1)


@GROUP.command(
    "hpersist",
    -5,
    _F.WRITE | _F.FAST,
    keys=(_KEY_UPDATE,),
    since="7.4.0",
    complexity=_COMPLEXITY,
    usage=_HTTL_USAGE,
)
def cmd_hpersist(c: Client, argv: Argv) -> Reply:
    """Removes the expiration time for each specified field"""
    key = argv[1]
    value = write_hash(c, key)
    fields = _fields(argv, 3, errors.HFE_NUMFIELDS_POSITIVE)
    if value is None:
        return [NO_FIELD] * len(fields)
    if type(value) is not HashEx:
        return [-1 if field in value else NO_FIELD for field in fields]
    now_ms = c.server.now_ms
    out: list[Reply] = []
    for field in fields:
        deadline = value.ttls.get(field)
        if field not in value:
            out.append(NO_FIELD)
        elif deadline is None:
            out.append(-1)
        elif deadline < now_ms:  # expired, not yet deleted: as if missing
            out.append(NO_FIELD)
        else:
            value.persist(field)
            out.append(1)
    if 1 in out:
        c.db.notify(notify.HASH, "hpersist", key)
        c.db.modified(key, 1)
    return out
