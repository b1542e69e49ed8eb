"""Generic keyspace commands: deletion, existence, TTLs, renaming and copying, iteration
(KEYS, SCAN, RANDOMKEY), TYPE and OBJECT.

Values are the Python objects other families store; :func:`type_name` maps them to Redis's type
names. SCAN's cursor is a position in the 64-bit space of the keys' hashes (see :class:`ScanIndex`).
"""

from __future__ import annotations

import bisect
import copy
import random
import re
from collections import deque
from typing import TYPE_CHECKING, Any

from pyredisd.core import errors, notify
from pyredisd.core.commands.args import to_int, to_int32
from pyredisd.core.commands.spec import (
    KEY_RM_ALL,
    KEY_RO_ALL,
    Argv,
    CmdFlag,
    CommandGroup,
    KeyFlag,
    KeySpec,
)
from pyredisd.core.errors import CommandError
from pyredisd.core.evict import is_lfu
from pyredisd.core.glob import stringmatch
from pyredisd.core.keyspace import Database
from pyredisd.core.replies import OK, Reply, Status
from pyredisd.core.request import string2ll

if TYPE_CHECKING:
    from pyredisd.core.clients import Client

GROUP = CommandGroup("generic")
_F = CmdFlag
_INT64_MAX = (1 << 63) - 1
_INT64_MIN = -(1 << 63)


@GROUP.command(
    "del", -2, _F.WRITE, keys=(KEY_RM_ALL,), since="1.0.0", complexity="O(N)", usage="key..."
)
def cmd_del(c: Client, argv: Argv) -> Reply:
    """Deletes one or more keys."""
    db, now_ms = c.db, c.server.now_ms
    removed = 0
    for key in argv[1:]:
        if db.lookup(key, now_ms) is not None:
            db.delete(key)
            db.notify(notify.GENERIC, "del", key)
            removed += 1
    return removed


@GROUP.command(
    "exists",
    -2,
    _F.READONLY | _F.FAST,
    keys=(KEY_RO_ALL,),
    since="1.0.0",
    complexity="O(N)",
    usage="key...",
)
def cmd_exists(c: Client, argv: Argv) -> Reply:
    """Determines whether one or more keys exist."""
    db, now_ms = c.db, c.server.now_ms
    return sum(1 for key in argv[1:] if db.peek_read(key, now_ms) is not None)


_EXPIRE_OPTIONS = {b"nx", b"xx", b"gt", b"lt"}


def expire_generic(c: Client, argv: Argv, base_ms: int, unit_ms: int) -> int:
    """EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT with NX XX GT LT (cf. ``expireGenericCommand``)."""
    options: set[bytes] = set()
    for arg in argv[3:]:
        option = arg.lower()
        if option not in _EXPIRE_OPTIONS:
            raise CommandError(errors.unsupported_option(arg))
        options.add(option)
    if b"nx" in options and options & {b"xx", b"gt", b"lt"}:
        raise CommandError(errors.EXPIRE_NX_CONFLICT)
    if {b"gt", b"lt"} <= options:
        raise CommandError(errors.EXPIRE_GT_LT_CONFLICT)
    when = to_int(argv[2])
    name = c.last_cmd.fullname if c.last_cmd is not None else "expire"
    if unit_ms != 1:
        if when > _INT64_MAX // unit_ms or when < _INT64_MIN // unit_ms:
            raise CommandError(errors.INVALID_EXPIRE.format(name))
        when *= unit_ms
    if when > _INT64_MAX - base_ms:
        raise CommandError(errors.INVALID_EXPIRE.format(name))
    when += base_ms
    db, now_ms = c.db, c.server.now_ms
    key = argv[1]
    if db.lookup(key, now_ms) is None:
        return 0
    current = db.ttl_ms(key)
    if (b"nx" in options and current is not None) or (b"xx" in options and current is None):
        return 0
    if b"gt" in options and (current is None or when <= current):
        return 0
    if b"lt" in options and current is not None and when >= current:
        return 0
    if when <= now_ms:
        db.delete(key)
        db.notify(notify.GENERIC, "del", key)
    else:
        db.set_expire(key, when)
        db.modified(key)  # a new TTL is a change, as Redis counts it (server.dirty++)
        db.notify(notify.GENERIC, "expire", key)
    return 1


_KEY_EXPIRE = KeySpec(KeyFlag.RW | KeyFlag.UPDATE)


@GROUP.command(
    "expire",
    -3,
    _F.WRITE | _F.FAST,
    keys=(_KEY_EXPIRE,),
    since="1.0.0",
    usage="key seconds [NX|XX|GT|LT]",
)
def cmd_expire(c: Client, argv: Argv) -> Reply:
    """Sets the expiration time of a key in seconds."""
    return expire_generic(c, argv, c.server.now_ms, 1000)


@GROUP.command(
    "ttl",
    2,
    _F.READONLY | _F.FAST,
    keys=(KeySpec(KeyFlag.RO | KeyFlag.ACCESS),),
    since="1.0.0",
    usage="key",
)
def cmd_ttl(c: Client, argv: Argv) -> Reply:
    """Returns the expiration time in seconds of a key."""
    db, now_ms = c.db, c.server.now_ms
    if db.peek_read(argv[1], now_ms) is None:
        return -2
    deadline = db.ttl_ms(argv[1])
    if deadline is None:
        return -1
    return (deadline - now_ms + 500) // 1000


@GROUP.command(
    "unlink",
    -2,
    _F.WRITE | _F.FAST,
    keys=(KEY_RM_ALL,),
    since="4.0.0",
    complexity="O(N)",
    usage="key...",
)
def cmd_unlink(c: Client, argv: Argv) -> Reply:
    """Asynchronously deletes one or more keys."""
    return cmd_del(c, argv)


@GROUP.command(
    "touch",
    -2,
    _F.READONLY | _F.FAST,
    keys=(KEY_RO_ALL,),
    since="3.2.1",
    complexity="O(N)",
    usage="key...",
)
def cmd_touch(c: Client, argv: Argv) -> Reply:
    """Returns the number of existing keys out of those specified after updating the time they
    were last accessed."""
    db, now_ms = c.db, c.server.now_ms
    return sum(1 for key in argv[1:] if db.lookup_read(key, now_ms) is not None)


# -- types -------------------------------------------------------------------------------------
_TYPE_NAMES: dict[type, str] = {bytes: "string", deque: "list", dict: "hash", set: "set"}
# Families whose class lives in a module of their own are known by the class name.
_TYPE_NAMES_BY_CLASS = {"ZSet": "zset", "Stream": "stream", "HashEx": "hash"}


def type_name(value: Any) -> str:
    """Redis's name for the type of a stored value (TYPE, SCAN TYPE)."""
    kind = type(value)
    return _TYPE_NAMES.get(kind) or _TYPE_NAMES_BY_CLASS.get(kind.__name__, kind.__name__.lower())


@GROUP.command("type", 2, _F.READONLY | _F.FAST, keys=(KEY_RO_ALL,), since="1.0.0", usage="key")
def cmd_type(c: Client, argv: Argv) -> Reply:
    """Determines the type of value stored at a key."""
    value = c.db.peek_read(argv[1], c.server.now_ms)
    return Status("none" if value is None else type_name(value))


def copy_value(value: Any) -> Any:
    """An independent copy of a stored value (COPY): strings are immutable and shared,
    containers are copied one level deep (their elements are bytes), other types use their
    own ``copy()`` or a deep copy."""
    kind = type(value)
    if kind is bytes:
        return value
    if kind in (deque, dict, set):
        return kind(value)
    copier = getattr(value, "copy", None)
    return copier() if callable(copier) else copy.deepcopy(value)


# -- renaming, copying, moving -----------------------------------------------------------------
_KEY_RENAME_SRC = KeySpec(KeyFlag.RW | KeyFlag.ACCESS | KeyFlag.DELETE)
_KEY_RENAME_DST = KeySpec(KeyFlag.OW | KeyFlag.UPDATE, begin=2)
_KEY_COPY_SRC = KeySpec(KeyFlag.RO | KeyFlag.ACCESS)
_KEY_COPY_DST = KeySpec(KeyFlag.OW | KeyFlag.UPDATE, begin=2)


def rename_generic(c: Client, argv: Argv, nx: bool) -> bool:
    """RENAME and RENAMENX (cf. ``renameGenericCommand``): the value keeps its TTL; False when
    NX found the destination taken."""
    db, now_ms = c.db, c.server.now_ms
    source, target = argv[1], argv[2]
    value = db.lookup(source, now_ms)
    if value is None:
        raise CommandError(errors.NO_SUCH_KEY)
    if source == target:
        return not nx
    deadline = db.ttl_ms(source)
    if db.lookup(target, now_ms) is not None:
        if nx:
            return False
        db.delete(target)
    stamp = db.access.get(source)
    db.set(target, value)
    db.carry_stamp(target, stamp)  # the object moves with its LRU/LFU (renameGenericCommand)
    if deadline is not None:
        db.set_expire(target, deadline)
    db.delete(source)
    c.server.field_expiry.track(db, target, value)
    db.notify(notify.GENERIC, "rename_from", source)
    db.notify(notify.GENERIC, "rename_to", target)
    return True


@GROUP.command(
    "rename",
    3,
    _F.WRITE,
    keys=(_KEY_RENAME_SRC, _KEY_RENAME_DST),
    since="1.0.0",
    usage="key newkey",
)
def cmd_rename(c: Client, argv: Argv) -> Reply:
    """Renames a key and overwrites the destination."""
    rename_generic(c, argv, nx=False)
    return OK


@GROUP.command(
    "renamenx",
    3,
    _F.WRITE | _F.FAST,
    keys=(_KEY_RENAME_SRC, _KEY_RENAME_DST),
    since="1.0.0",
    usage="key newkey",
)
def cmd_renamenx(c: Client, argv: Argv) -> Reply:
    """Renames a key only when the target key name doesn't exist."""
    return int(rename_generic(c, argv, nx=True))


def target_db(c: Client, arg: bytes) -> Database:
    """The database numbered ``arg`` (``getIntFromObjectOrReply`` then ``selectDb``)."""
    index = to_int32(arg)
    if not 0 <= index < len(c.server.dbs):
        raise CommandError(errors.DB_OUT_OF_RANGE)
    return c.server.dbs[index]


@GROUP.command(
    "copy",
    -3,
    _F.WRITE | _F.DENYOOM,
    keys=(_KEY_COPY_SRC, _KEY_COPY_DST),
    since="6.2.0",
    complexity="O(N) worst case for collections, where N is the number of nested items.",
    usage="source destination [DB destination-db] [REPLACE]",
)
def cmd_copy(c: Client, argv: Argv) -> Reply:
    """Copies the value of a key to a new key."""
    source_db = target = c.db
    replace = False
    index = 3
    while index < len(argv):
        option = argv[index].lower()
        if option == b"replace":
            replace = True
        elif option == b"db" and index + 1 < len(argv):
            index += 1
            target = target_db(c, argv[index])
        else:
            raise CommandError(errors.SYNTAX)
        index += 1
    key, new_key = argv[1], argv[2]
    if target is source_db and key == new_key:
        raise CommandError(errors.SAME_OBJECT)
    now_ms = c.server.now_ms
    value = source_db.lookup_read(key, now_ms)
    if value is None:
        return 0
    deadline = source_db.ttl_ms(key)
    if target.lookup(new_key, now_ms) is not None:
        if not replace:
            return 0
        target.delete(new_key)
    duplicate = copy_value(value)
    target.set(new_key, duplicate)
    if deadline is not None:
        target.set_expire(new_key, deadline)
    c.server.field_expiry.track(target, new_key, duplicate)
    target.notify(notify.GENERIC, "copy_to", new_key)
    return 1


@GROUP.command(
    "move", 3, _F.WRITE | _F.FAST, keys=(_KEY_RENAME_SRC,), since="1.0.0", usage="key db"
)
def cmd_move(c: Client, argv: Argv) -> Reply:
    """Moves a key to another database."""
    source = c.db
    target = target_db(c, argv[2])
    if target is source:
        raise CommandError(errors.SAME_OBJECT)
    key, now_ms = argv[1], c.server.now_ms
    value = source.lookup(key, now_ms)
    if value is None:
        return 0
    deadline = source.ttl_ms(key)
    if target.lookup(key, now_ms) is not None:
        return 0
    target.set(key, value)
    target.carry_stamp(key, source.access.get(key))
    if deadline is not None:
        target.set_expire(key, deadline)
    source.delete(key)
    c.server.field_expiry.track(target, key, value)
    source.notify(notify.GENERIC, "move_from", key)
    target.notify(notify.GENERIC, "move_to", key)
    return 1


# -- expiry ------------------------------------------------------------------------------------
@GROUP.command(
    "pexpire",
    -3,
    _F.WRITE | _F.FAST,
    keys=(_KEY_EXPIRE,),
    since="2.6.0",
    usage="key milliseconds [NX|XX|GT|LT]",
)
def cmd_pexpire(c: Client, argv: Argv) -> Reply:
    """Sets the expiration time of a key in milliseconds."""
    return expire_generic(c, argv, c.server.now_ms, 1)


@GROUP.command(
    "expireat",
    -3,
    _F.WRITE | _F.FAST,
    keys=(_KEY_EXPIRE,),
    since="1.2.0",
    usage="key unix-time-seconds [NX|XX|GT|LT]",
)
def cmd_expireat(c: Client, argv: Argv) -> Reply:
    """Sets the expiration time of a key to a Unix timestamp."""
    return expire_generic(c, argv, 0, 1000)


@GROUP.command(
    "pexpireat",
    -3,
    _F.WRITE | _F.FAST,
    keys=(_KEY_EXPIRE,),
    since="2.6.0",
    usage="key unix-time-milliseconds [NX|XX|GT|LT]",
)
def cmd_pexpireat(c: Client, argv: Argv) -> Reply:
    """Sets the expiration time of a key to a Unix milliseconds timestamp."""
    return expire_generic(c, argv, 0, 1)


def ttl_generic(c: Client, key: bytes, output_ms: bool, absolute: bool) -> int:
    """TTL PTTL EXPIRETIME PEXPIRETIME (cf. ``ttlGenericCommand``): -2 for a missing key, -1
    for one without a TTL, seconds rounded to the nearest."""
    db, now_ms = c.db, c.server.now_ms
    if db.peek_read(key, now_ms) is None:
        return -2
    deadline = db.ttl_ms(key)
    if deadline is None:
        return -1
    ttl = max(deadline if absolute else deadline - now_ms, 0)
    return ttl if output_ms else (ttl + 500) // 1000


_KEY_TTL = KeySpec(KeyFlag.RO | KeyFlag.ACCESS)


@GROUP.command("pttl", 2, _F.READONLY | _F.FAST, keys=(_KEY_TTL,), since="2.6.0", usage="key")
def cmd_pttl(c: Client, argv: Argv) -> Reply:
    """Returns the expiration time in milliseconds of a key."""
    return ttl_generic(c, argv[1], output_ms=True, absolute=False)


@GROUP.command("expiretime", 2, _F.READONLY | _F.FAST, keys=(_KEY_TTL,), since="7.0.0", usage="key")
def cmd_expiretime(c: Client, argv: Argv) -> Reply:
    """Returns the expiration time of a key as a Unix timestamp."""
    return ttl_generic(c, argv[1], output_ms=False, absolute=True)


@GROUP.command(
    "pexpiretime", 2, _F.READONLY | _F.FAST, keys=(_KEY_TTL,), since="7.0.0", usage="key"
)
def cmd_pexpiretime(c: Client, argv: Argv) -> Reply:
    """Returns the expiration time of a key as a Unix milliseconds timestamp."""
    return ttl_generic(c, argv[1], output_ms=True, absolute=True)


@GROUP.command("persist", 2, _F.WRITE | _F.FAST, keys=(_KEY_EXPIRE,), since="2.2.0", usage="key")
def cmd_persist(c: Client, argv: Argv) -> Reply:
    """Removes the expiration time of a key."""
    db = c.db
    if db.lookup(argv[1], c.server.now_ms) is None or not db.persist(argv[1]):
        return 0
    db.modified(argv[1])
    db.notify(notify.GENERIC, "persist", argv[1])
    return 1


# -- iteration ---------------------------------------------------------------------------------
def live_keys(db: Database, now_ms: int) -> list[bytes]:
    """Every key not past its deadline, in the dictionary's order (expired ones are skipped,
    not deleted, as ``keysCommand`` does)."""
    expires = db.expires
    if not expires:
        return list(db.data)
    return [key for key in db.data if expires.get(key, now_ms + 1) > now_ms]


@GROUP.command("keys", 2, _F.READONLY, since="1.0.0", complexity="O(N)", usage="pattern")
def cmd_keys(c: Client, argv: Argv) -> Reply:
    """Returns all key names that match a pattern."""
    pattern = argv[1]
    keys: list[Reply] = []
    for key in live_keys(c.db, c.server.now_ms):
        if pattern == b"*" or stringmatch(pattern, key):
            keys.append(key)
    return keys


_UINT64_MAX = (1 << 64) - 1
_STRTOULL = re.compile(rb"[ \t\n\v\f\r]*([+-]?)([0-9]+)")


def parse_cursor(arg: bytes) -> int:
    """``parseScanCursorOrReply``: ``string2ull``, i.e. a non-negative ``string2ll`` or else
    whatever ``strtoull`` accepts whole (leading blanks, a sign, leading zeros; ``-n`` wraps)."""
    text = arg.split(b"\0", 1)[0]
    value = string2ll(text)
    if value is not None:
        if value < 0:
            raise CommandError(errors.SCAN_INVALID_CURSOR)
        return value
    match = _STRTOULL.fullmatch(text)
    if match is None or int(match[2]) > _UINT64_MAX:
        raise CommandError(errors.SCAN_INVALID_CURSOR)
    return -int(match[2]) & _UINT64_MAX if match[1] == b"-" else int(match[2])


class ScanIndex:
    """A snapshot of one database's keys sorted by position, for SCAN.

    Theory of operation: a key's position is its hash (``hash(key)`` as an unsigned 64-bit
    number), fixed for the life of the process whatever the dict does. Cursor ``c`` means
    "positions >= c are left": a step walks the snapshot from ``c``, returns the keys still in
    the database, finishes any run of equal positions, and replies the first position it did
    not visit as the next cursor (0 at the end). The steps' ranges tile the position space.

    The snapshot is rebuilt whenever an iteration starts (cursor 0) unless nothing was written
    since it was taken (the keyspace ``dirty`` counter and the dict's identity tell), and may be
    rebuilt at any other time (it is, when deletions left it much larger than the database).
    So the snapshot a step uses was taken after the start of every iteration in progress and
    holds every key present since then: a key present for a whole iteration is returned by the
    step whose range holds its position, however the dict was resized, with no per-client
    state. Keys added or removed meanwhile may or may not be returned, as in Redis. A step costs
    O(log N + COUNT); starting an iteration after writes costs one O(N log N) sort.
    """

    __slots__ = ("data", "dirty", "keys", "positions")

    def __init__(self, db: Database) -> None:
        self.data = db.data
        self.dirty = db.stats.dirty
        entries = sorted((hash(key) & _UINT64_MAX, key) for key in db.data)
        self.positions = [position for position, _ in entries]
        self.keys = [key for _, key in entries]

    def usable_for(self, db: Database, cursor: int) -> bool:
        """May a step at ``cursor`` use this snapshot (see the class docstring)?"""
        if self.data is not db.data or len(self.keys) > 2 * len(db.data) + 1024:
            return False
        return cursor != 0 or self.dirty == db.stats.dirty


def scan_index(c: Client, db: Database, cursor: int) -> ScanIndex:
    """The SCAN snapshot of ``db`` (kept on the database), rebuilt when needed."""
    index = db.scan_index
    if not isinstance(index, ScanIndex) or not index.usable_for(db, cursor):
        index = db.scan_index = ScanIndex(db)
    return index


def scan_keys(
    index: ScanIndex, data: dict[bytes, Any], cursor: int, count: int
) -> tuple[int, list[bytes]]:
    """One SCAN step over ``index``: the next cursor and the live keys examined (before the
    MATCH and TYPE filters). At most ``10 * count`` snapshot entries are visited, so a step
    stays short even after mass deletions (an empty batch with a non-zero cursor is allowed)."""
    positions, keys = index.positions, index.keys
    size = len(positions)
    at = bisect.bisect_left(positions, cursor)
    limit = at + 10 * count
    batch: list[bytes] = []
    while at < size and len(batch) < count and at < limit:
        if keys[at] in data:
            batch.append(keys[at])
        at += 1
    while 0 < at < size and positions[at] == positions[at - 1]:
        if keys[at] in data:
            batch.append(keys[at])
        at += 1
    return (positions[at] if at < size else 0), batch


@GROUP.command(
    "scan",
    -2,
    _F.READONLY,
    since="2.8.0",
    complexity="O(1) per call, O(N) in all.",
    usage="cursor [MATCH pattern] [COUNT count] [TYPE type]",
)
def cmd_scan(c: Client, argv: Argv) -> Reply:
    """Iterates over the key names in the database."""
    cursor = parse_cursor(argv[1])
    count, pattern, kind = 10, None, None
    index = 2
    while index < len(argv):
        option = argv[index].lower()
        if index + 1 >= len(argv) or option not in (b"count", b"match", b"type"):
            raise CommandError(errors.SYNTAX)
        value = argv[index + 1]
        if option == b"count":
            count = to_int(value)
            if count < 1:
                raise CommandError(errors.SYNTAX)
        elif option == b"match":
            pattern = None if value == b"*" else value
        else:
            # An unknown type name matches nothing (Redis 7.4; the error comes in 8.0).
            kind = value.decode("latin-1").lower()
        index += 2
    db, now_ms = c.db, c.server.now_ms
    next_cursor, batch = scan_keys(scan_index(c, db, cursor), db.data, cursor, count)
    keys: list[Reply] = []
    for key in batch:
        if pattern is not None and not stringmatch(pattern, key):
            continue
        value = db.lookup(key, now_ms)
        if value is None or (kind is not None and type_name(value) != kind):
            continue
        keys.append(key)
    return [b"%d" % next_cursor, keys]


@GROUP.command("randomkey", 1, _F.READONLY, since="1.0.0")
def cmd_randomkey(c: Client, argv: Argv) -> Reply:
    """Returns a random key name from the database."""
    db, now_ms = c.db, c.server.now_ms
    keys = list(db.data)
    while keys:
        index = random.randrange(len(keys))
        key = keys[index]
        if db.lookup(key, now_ms) is not None:
            return key
        keys[index] = keys[-1]
        keys.pop()
    return None


# -- OBJECT ------------------------------------------------------------------------------------
_SHARED_INTEGERS = 10000
_SHARED_REFCOUNT = (1 << 31) - 1
_EMBSTR_LIMIT = 44
# Encoding thresholds: the config option when the server has it, else Redis's default.


def _limit(c: Client, name: str) -> int:
    return int(c.server.config[name])


def _small(items: Any, entries: int, size: int) -> bool:
    return len(items) <= entries and all(len(item) <= size for item in items)


def _list_fits_listpack(c: Client, value: deque[bytes]) -> bool:
    limit = _limit(c, "list-max-listpack-size")
    if limit >= 0:
        return len(value) <= limit
    budget = 4096 << min(-limit - 1, 4)  # -1 = 4kb ... -5 = 64kb
    return sum(len(item) + 11 for item in value) <= budget


def object_encoding(c: Client, value: Any) -> bytes:
    """Redis's encoding name for a value, derived from its current contents.

    Strings follow ``tryObjectEncoding``: ``int`` when the value is a canonical 64-bit integer
    of at most 20 characters, ``embstr`` up to 44 bytes, else ``raw`` (Redis also reports
    ``raw`` for a short string grown by APPEND or SETRANGE; we do not keep that history).
    Aggregates use the small-encoding thresholds; Redis never converts back to the small
    encoding once a value outgrew it, so a value that shrank may be reported smaller here.
    """
    kind = type_name(value)
    if kind == "string":
        if len(value) <= 20 and string2ll(value) is not None:
            return b"int"
        return b"embstr" if len(value) <= _EMBSTR_LIMIT else b"raw"
    if kind == "list":
        return b"listpack" if _list_fits_listpack(c, value) else b"quicklist"
    if kind == "hash":
        entries, size = _limit(c, "hash-max-listpack-entries"), _limit(c, "hash-max-listpack-value")
        fits = _small(value, entries, size) and all(len(v) <= size for v in value.values())
        if not fits:
            return b"hashtable"
        return b"listpack" if type(value) is dict else b"listpackex"  # HashEx: field TTLs
    if kind == "set":
        if len(value) <= _limit(c, "set-max-intset-entries") and all(
            string2ll(member) is not None for member in value
        ):
            return b"intset"
        fits = _small(
            value, _limit(c, "set-max-listpack-entries"), _limit(c, "set-max-listpack-value")
        )
        return b"listpack" if fits else b"hashtable"
    if kind == "zset":
        compact = getattr(value, "compact", None)  # pyredisd.core.zset.ZSet tracks it
        if compact is not None:
            return b"listpack" if compact else b"skiplist"
        members = getattr(value, "dict", None) or getattr(value, "scores", None) or ()
        entries, size = _limit(c, "zset-max-listpack-entries"), _limit(c, "zset-max-listpack-value")
        fits = len(value) <= entries and all(len(member) <= size for member in members)
        return b"listpack" if fits else b"skiplist"
    return b"stream" if kind == "stream" else b"raw"


_KEY_OBJECT = KeySpec(KeyFlag.RO, begin=2)


@GROUP.command("object", -2, since="2.2.3", complexity="Depends on subcommand.")
def cmd_object(c: Client, argv: Argv) -> Reply:
    """A container for object introspection commands."""
    raise CommandError(errors.unknown_subcommand(argv[0], argv[1]))  # pragma: no cover


def _object_value(c: Client, key: bytes) -> Any:
    """The value OBJECT inspects (``objectCommandLookup``: a read, so hits are counted, but
    LOOKUP_NOTOUCH: the key's LRU/LFU stays as it was, and LOOKUP_NONOTIFY: a miss is no
    ``keymiss`` event, hence the unhooked lookup)."""
    return Database.peek_read(c.db, key, c.server.now_ms)


@GROUP.command(
    "encoding", 3, _F.READONLY, keys=(_KEY_OBJECT,), since="2.2.3", container="object", usage="key"
)
def cmd_object_encoding(c: Client, argv: Argv) -> Reply:
    """Returns the internal encoding of a Redis object."""
    value = _object_value(c, argv[2])
    return None if value is None else object_encoding(c, value)


def _lfu_policy(c: Client) -> bool:
    return is_lfu(c.server.memory.policy)


@GROUP.command(
    "freq", 3, _F.READONLY, keys=(_KEY_OBJECT,), since="4.0.0", container="object", usage="key"
)
def cmd_object_freq(c: Client, argv: Argv) -> Reply:
    """Returns the logarithmic access frequency counter of a Redis object."""
    value = _object_value(c, argv[2])
    if value is None:
        return None
    if not _lfu_policy(c):
        raise CommandError(errors.OBJECT_FREQ_NOT_LFU)
    return c.server.memory.clock.frequency(c.db.access.get(argv[2], 0))


@GROUP.command(
    "idletime", 3, _F.READONLY, keys=(_KEY_OBJECT,), since="2.2.3", container="object", usage="key"
)
def cmd_object_idletime(c: Client, argv: Argv) -> Reply:
    """Returns the time since the last access to a Redis object."""
    value = _object_value(c, argv[2])
    if value is None:
        return None
    if _lfu_policy(c):
        raise CommandError(errors.OBJECT_IDLETIME_LFU)
    return c.server.memory.clock.idle_ms(c.db.access.get(argv[2], 0)) // 1000


@GROUP.command(
    "refcount", 3, _F.READONLY, keys=(_KEY_OBJECT,), since="2.2.3", container="object", usage="key"
)
def cmd_object_refcount(c: Client, argv: Argv) -> Reply:
    """Returns the reference count of a value of a key."""
    value = _object_value(c, argv[2])
    if value is None:
        return None
    if type(value) is bytes and len(value) <= 20:
        number = string2ll(value)
        if number is not None and 0 <= number < _SHARED_INTEGERS:
            return _SHARED_REFCOUNT  # a shared integer object (OBJ_SHARED_REFCOUNT)
    return 1


_OBJECT_HELP = (
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
)


@GROUP.command("help", 2, _F.LOADING | _F.STALE, since="6.2.0", container="object")
def cmd_object_help(c: Client, argv: Argv) -> Reply:
    """Returns helpful text about the different subcommands."""
    return [Status(line) for line in _OBJECT_HELP]
