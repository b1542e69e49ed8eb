"""String commands: GET/SET and their variants, ranges, counters (integer and long double), LCS.

GET, SET and INCR are on the benchmarked hot path; the rest reuse their helpers but never add
work to them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyredisd.core import errors, longdouble, notify
from pyredisd.core.commands.args import to_int
from pyredisd.core.commands.spec import (
    KEY_RO,
    KEY_RW,
    Argv,
    CmdFlag,
    CommandGroup,
    KeyFlag,
    KeySpec,
)
from pyredisd.core.errors import CommandError
from pyredisd.core.replies import OK, Map, Reply
from pyredisd.core.request import string2ll

if TYPE_CHECKING:
    from pyredisd.core.clients import Client

GROUP = CommandGroup("string")
_F = CmdFlag
_INT64_MAX = (1 << 63) - 1
_INT64_MIN = -(1 << 63)


@GROUP.command("get", 2, _F.READONLY | _F.FAST, keys=(KEY_RO,), since="1.0.0", usage="key")
def cmd_get(c: Client, argv: Argv) -> Reply:
    """Returns the string value of a key."""
    return c.db.get_string(argv[1], c.server.now_ms)


_SET_FLAGS = {
    b"nx": "nx",
    b"xx": "xx",
    b"get": "get",
    b"keepttl": "keepttl",
    b"ex": "ex",
    b"px": "px",
    b"exat": "exat",
    b"pxat": "pxat",
}
# parseExtendedStringArgumentsOrReply: the options each one may not be combined with. An option
# may repeat (``NX NX``, ``EX 1 EX 2``: the last expire wins); only these conflicts are errors.
_SET_CONFLICTS = {
    "nx": {"xx"},
    "xx": {"nx"},
    "get": set(),
    "keepttl": {"ex", "px", "exat", "pxat"},
    "ex": {"keepttl", "px", "exat", "pxat"},
    "px": {"keepttl", "ex", "exat", "pxat"},
    "exat": {"keepttl", "ex", "px", "pxat"},
    "pxat": {"keepttl", "ex", "px", "exat"},
}


def parse_expire_option(c: Client, unit: str, arg: bytes, command: str) -> int:
    """Absolute deadline in ms of an EX/PX/EXAT/PXAT argument (getExpireMillisecondsOrReply)."""
    value = to_int(arg)
    if value <= 0:
        raise CommandError(errors.INVALID_EXPIRE.format(command))
    if unit in ("ex", "exat"):
        if value > _INT64_MAX // 1000:
            raise CommandError(errors.INVALID_EXPIRE.format(command))
        value *= 1000
    if unit in ("ex", "px"):
        if value > _INT64_MAX - c.server.now_ms:
            raise CommandError(errors.INVALID_EXPIRE.format(command))
        value += c.server.now_ms
    return value


@GROUP.command(
    "set",
    -3,
    _F.WRITE | _F.DENYOOM,
    keys=(KEY_RW,),
    since="1.0.0",
    usage=(
        "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds"
        "|PXAT unix-time-milliseconds|KEEPTTL]"
    ),
)
def cmd_set(c: Client, argv: Argv) -> Reply:
    """Sets the string value of a key, ignoring its type. The key is created if it doesn't exist."""
    key, value = argv[1], argv[2]
    if len(argv) == 3:
        c.db.set_string(key, value)  # with its ``set`` event, at no cost when not hooked
        return OK
    seen: set[str] = set()
    expire_unit = ""
    expire_arg = b""
    index = 3
    while index < len(argv):
        option = _SET_FLAGS.get(argv[index].lower())
        if option is None or seen & _SET_CONFLICTS[option]:
            raise CommandError(errors.SYNTAX)
        if option in ("ex", "px", "exat", "pxat"):
            if index + 1 >= len(argv):
                raise CommandError(errors.SYNTAX)
            expire_unit = option
            index += 1
            expire_arg = argv[index]
        seen.add(option)
        index += 1
    deadline = parse_expire_option(c, expire_unit, expire_arg, "set") if expire_unit else None
    db, now_ms = c.db, c.server.now_ms
    # GET reads the key as GET does (a hit or a miss, and ``keymiss``) before the write lookup.
    old = db.lookup_read(key, now_ms) if "get" in seen else db.lookup(key, now_ms)
    if "get" in seen and old is not None and type(old) is not bytes:
        raise CommandError(errors.WRONGTYPE)
    if ("nx" in seen and old is not None) or ("xx" in seen and old is None):
        return old if "get" in seen else None
    db.set(key, value, keep_ttl="keepttl" in seen)
    db.notify(notify.STRING, "set", key)
    if deadline is not None:
        # A deadline already past is set all the same: the key expires on its next lookup or
        # in the expiry cycle, with an ``expired`` event (setGenericCommand).
        db.set_expire(key, deadline)
        db.notify(notify.GENERIC, "expire", key)
    return old if "get" in seen else OK


def incr_by(c: Client, key: bytes, delta: int) -> int:
    """Add ``delta`` to the integer at ``key`` (missing counts as 0), keeping its TTL."""
    db = c.db
    old = db.lookup(key, c.server.now_ms)
    if old is None:
        current = 0
    elif type(old) is not bytes:
        raise CommandError(errors.WRONGTYPE)
    else:
        parsed = string2ll(old)
        if parsed is None:
            raise CommandError(errors.NOT_INTEGER)
        current = parsed
    result = current + delta
    if not _INT64_MIN <= result <= _INT64_MAX:
        raise CommandError(errors.OVERFLOW)
    db.set(key, b"%d" % result, keep_ttl=True)
    db.notify(notify.STRING, "incrby", key)
    return result


@GROUP.command(
    "incr", 2, _F.WRITE | _F.DENYOOM | _F.FAST, keys=(KEY_RW,), since="1.0.0", usage="key"
)
def cmd_incr(c: Client, argv: Argv) -> Reply:
    """Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't
    exist."""
    return incr_by(c, argv[1], 1)


# -- plain gets and sets -----------------------------------------------------------------------
_KEY_RW_DELETE = KeySpec(KeyFlag.RW | KeyFlag.ACCESS | KeyFlag.DELETE)
_KEY_OW = KeySpec(KeyFlag.OW | KeyFlag.UPDATE)
_KEY_OW_PAIRS = KeySpec(KeyFlag.OW | KeyFlag.UPDATE, lastkey=-1, step=2)
_KEY_INSERT = KeySpec(KeyFlag.RW | KeyFlag.INSERT)
_KEY_UPDATE = KeySpec(KeyFlag.RW | KeyFlag.UPDATE)
KEY_RO_ALL_ACCESS = KeySpec(KeyFlag.RO | KeyFlag.ACCESS, lastkey=-1)


def get_string(c: Client, key: bytes) -> bytes | None:
    """The string at ``key`` for a write command: no hit/miss counted, WRONGTYPE otherwise."""
    value = c.db.lookup(key, c.server.now_ms)
    if value is not None and type(value) is not bytes:
        raise CommandError(errors.WRONGTYPE)
    return value


# GETEX's options (parseExtendedStringArgumentsOrReply with COMMAND_GET): as SET's, but only
# the expirations and PERSIST.
_GETEX_FLAGS = {b"ex": "ex", b"px": "px", b"exat": "exat", b"pxat": "pxat", b"persist": "persist"}
_GETEX_CONFLICTS = {
    "persist": {"ex", "px", "exat", "pxat"},
    "ex": {"persist", "px", "exat", "pxat"},
    "px": {"persist", "ex", "exat", "pxat"},
    "exat": {"persist", "ex", "px", "pxat"},
    "pxat": {"persist", "ex", "px", "exat"},
}


@GROUP.command(
    "getex",
    -2,
    _F.WRITE | _F.FAST,
    keys=(_KEY_UPDATE,),
    since="6.2.0",
    usage=(
        "key [EX seconds|PX milliseconds|EXAT unix-time-seconds"
        "|PXAT unix-time-milliseconds|PERSIST]"
    ),
)
def cmd_getex(c: Client, argv: Argv) -> Reply:
    """Returns the string value of a key after setting its expiration time."""
    seen: set[str] = set()
    unit, arg = "", b""
    index = 2
    while index < len(argv):
        option = _GETEX_FLAGS.get(argv[index].lower())
        if option is None or seen & _GETEX_CONFLICTS[option]:
            raise CommandError(errors.SYNTAX)
        if option != "persist":
            if index + 1 >= len(argv):
                raise CommandError(errors.SYNTAX)
            unit, arg = option, argv[index + 1]
            index += 1
        seen.add(option)
        index += 1
    db, key = c.db, argv[1]
    value = db.get_string(key, c.server.now_ms)
    if value is None:
        return None
    if unit:
        deadline = parse_expire_option(c, unit, arg, "getex")
        if unit in ("exat", "pxat") and deadline <= c.server.now_ms:
            db.delete(key)
            db.notify(notify.GENERIC, "del", key)
        else:
            db.set_expire(key, deadline)
            db.modified(key)
            db.notify(notify.GENERIC, "expire", key)
    elif "persist" in seen and db.persist(key):
        db.modified(key)
        db.notify(notify.GENERIC, "persist", key)
    return value


@GROUP.command("getdel", 2, _F.WRITE | _F.FAST, keys=(_KEY_RW_DELETE,), since="6.2.0", usage="key")
def cmd_getdel(c: Client, argv: Argv) -> Reply:
    """Returns the string value of a key after deleting the key."""
    value = c.db.get_string(argv[1], c.server.now_ms)
    if value is not None:
        c.db.delete(argv[1])
        c.db.notify(notify.GENERIC, "del", argv[1])
    return value


@GROUP.command(
    "getset", 3, _F.WRITE | _F.DENYOOM | _F.FAST, keys=(KEY_RW,), since="1.0.0", usage="key value"
)
def cmd_getset(c: Client, argv: Argv) -> Reply:
    """Returns the previous string value of a key after setting it to a new value."""
    old = c.db.get_string(argv[1], c.server.now_ms)
    c.db.set(argv[1], argv[2])
    c.db.notify(notify.STRING, "set", argv[1])
    return old


@GROUP.command(
    "mget",
    -2,
    _F.READONLY | _F.FAST,
    keys=(KEY_RO_ALL_ACCESS,),
    since="1.0.0",
    complexity="O(N)",
    usage="key...",
)
def cmd_mget(c: Client, argv: Argv) -> Reply:
    """Atomically returns the string values of one or more keys."""
    db, now_ms = c.db, c.server.now_ms
    values: list[Reply] = []
    for key in argv[1:]:
        value = db.lookup_read(key, now_ms)
        values.append(value if type(value) is bytes else None)
    return values


@GROUP.command(
    "mset",
    -3,
    _F.WRITE | _F.DENYOOM,
    keys=(_KEY_OW_PAIRS,),
    since="1.0.1",
    complexity="O(N)",
    usage="(key value)...",
)
def cmd_mset(c: Client, argv: Argv) -> Reply:
    """Atomically creates or modifies the string values of one or more keys."""
    if len(argv) % 2 == 0:
        raise CommandError(errors.wrong_arity("mset"))
    db = c.db
    for index in range(1, len(argv), 2):
        db.set(argv[index], argv[index + 1])
        db.notify(notify.STRING, "set", argv[index])
    return OK


@GROUP.command(
    "msetnx",
    -3,
    _F.WRITE | _F.DENYOOM,
    keys=(_KEY_OW_PAIRS,),
    since="1.0.1",
    complexity="O(N)",
    usage="(key value)...",
)
def cmd_msetnx(c: Client, argv: Argv) -> Reply:
    """Atomically modifies the string values of one or more keys only when all keys don't
    exist."""
    if len(argv) % 2 == 0:
        raise CommandError(errors.wrong_arity("msetnx"))
    db, now_ms = c.db, c.server.now_ms
    if any(db.lookup(argv[index], now_ms) is not None for index in range(1, len(argv), 2)):
        return 0
    for index in range(1, len(argv), 2):
        db.set(argv[index], argv[index + 1])
        db.notify(notify.STRING, "set", argv[index])
    return 1


@GROUP.command(
    "setnx", 3, _F.WRITE | _F.DENYOOM | _F.FAST, keys=(_KEY_OW,), since="1.0.0", usage="key value"
)
def cmd_setnx(c: Client, argv: Argv) -> Reply:
    """Set the string value of a key only when the key doesn't exist."""
    if c.db.lookup(argv[1], c.server.now_ms) is not None:
        return 0
    c.db.set(argv[1], argv[2])
    c.db.notify(notify.STRING, "set", argv[1])
    return 1


def set_with_expire(c: Client, argv: Argv, unit: str) -> Reply:
    """SETEX and PSETEX: key, a relative expire in ``unit``, value."""
    deadline = parse_expire_option(c, unit, argv[2], argv[0].decode("latin-1").lower())
    db, key = c.db, argv[1]
    db.set(key, argv[3])
    db.notify(notify.STRING, "set", key)
    db.set_expire(key, deadline)
    db.notify(notify.GENERIC, "expire", key)
    return OK


@GROUP.command(
    "setex", 4, _F.WRITE | _F.DENYOOM, keys=(_KEY_OW,), since="2.0.0", usage="key seconds value"
)
def cmd_setex(c: Client, argv: Argv) -> Reply:
    """Sets the string value and expiration time of a key. Creates the key if it doesn't
    exist."""
    return set_with_expire(c, argv, "ex")


@GROUP.command(
    "psetex",
    4,
    _F.WRITE | _F.DENYOOM,
    keys=(_KEY_OW,),
    since="2.6.0",
    usage="key milliseconds value",
)
def cmd_psetex(c: Client, argv: Argv) -> Reply:
    """Sets both string value and expiration time in milliseconds of a key. The key is created
    if it doesn't exist."""
    return set_with_expire(c, argv, "px")


# -- in-place edits ----------------------------------------------------------------------------
def check_string_length(c: Client, size: int, append: int) -> None:
    """``checkStringLength``: the result may not exceed proto-max-bulk-len."""
    if size + append > c.server.config["proto-max-bulk-len"]:
        raise CommandError(errors.STRING_TOO_LONG)


@GROUP.command(
    "append",
    3,
    _F.WRITE | _F.DENYOOM | _F.FAST,
    keys=(_KEY_INSERT,),
    since="2.0.0",
    usage="key value",
)
def cmd_append(c: Client, argv: Argv) -> Reply:
    """Appends a string to the value of a key. Creates the key if it doesn't exist."""
    key, suffix = argv[1], argv[2]
    old = get_string(c, key)
    if old is None:
        c.db.set(key, suffix)
    else:
        check_string_length(c, len(old), len(suffix))
        c.db.set(key, old + suffix, keep_ttl=True)
    c.db.notify(notify.STRING, "append", key)
    return len(old or b"") + len(suffix)


@GROUP.command("strlen", 2, _F.READONLY | _F.FAST, keys=(KEY_RO,), since="2.2.0", usage="key")
def cmd_strlen(c: Client, argv: Argv) -> Reply:
    """Returns the length of a string value."""
    value = c.db.get_string(argv[1], c.server.now_ms)
    return 0 if value is None else len(value)


@GROUP.command(
    "getrange",
    4,
    _F.READONLY,
    keys=(KEY_RO,),
    since="2.4.0",
    complexity="O(N)",
    usage="key start end",
)
def cmd_getrange(c: Client, argv: Argv) -> Reply:
    """Returns a substring of the string stored at a key."""
    start, end = to_int(argv[2]), to_int(argv[3])
    value = c.db.get_string(argv[1], c.server.now_ms)
    if value is None or (start < 0 and end < 0 and start > end):
        return b""
    size = len(value)
    if start < 0:
        start = max(size + start, 0)
    if end < 0:
        end = max(size + end, 0)
    end = min(end, size - 1)
    if start > end or size == 0:
        return b""
    return value[start : end + 1]


@GROUP.command(
    "substr",
    4,
    _F.READONLY,
    keys=(KEY_RO,),
    since="1.0.0",
    complexity="O(N)",
    usage="key start end",
)
def cmd_substr(c: Client, argv: Argv) -> Reply:
    """Returns a substring from a string value."""
    return cmd_getrange(c, argv)


@GROUP.command(
    "setrange",
    4,
    _F.WRITE | _F.DENYOOM,
    keys=(_KEY_UPDATE,),
    since="2.2.0",
    usage="key offset value",
)
def cmd_setrange(c: Client, argv: Argv) -> Reply:
    """Overwrites a part of a string value with another by an offset. Creates the key if it
    doesn't exist."""
    offset = to_int(argv[2])
    if offset < 0:
        raise CommandError(errors.OFFSET_OUT_OF_RANGE)
    key, patch = argv[1], argv[3]
    old = get_string(c, key)
    if not patch:
        return 0 if old is None else len(old)
    check_string_length(c, offset, len(patch))
    base = old or b""
    if len(base) < offset:
        base += bytes(offset - len(base))
    new = base[:offset] + patch + base[offset + len(patch) :]
    c.db.set(key, new, keep_ttl=True)
    c.db.notify(notify.STRING, "setrange", key)
    return len(new)


# -- counters ----------------------------------------------------------------------------------
@GROUP.command(
    "incrby",
    3,
    _F.WRITE | _F.DENYOOM | _F.FAST,
    keys=(KEY_RW,),
    since="1.0.0",
    usage="key increment",
)
def cmd_incrby(c: Client, argv: Argv) -> Reply:
    """Increments the integer value of a key by a number. Uses 0 as initial value if the key
    doesn't exist."""
    return incr_by(c, argv[1], to_int(argv[2]))


@GROUP.command(
    "decr", 2, _F.WRITE | _F.DENYOOM | _F.FAST, keys=(KEY_RW,), since="1.0.0", usage="key"
)
def cmd_decr(c: Client, argv: Argv) -> Reply:
    """Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't
    exist."""
    return incr_by(c, argv[1], -1)


@GROUP.command(
    "decrby",
    3,
    _F.WRITE | _F.DENYOOM | _F.FAST,
    keys=(KEY_RW,),
    since="1.0.0",
    usage="key decrement",
)
def cmd_decrby(c: Client, argv: Argv) -> Reply:
    """Decrements a number from the integer value of a key. Uses 0 as initial value if the key
    doesn't exist."""
    delta = to_int(argv[2])
    if delta == _INT64_MIN:
        raise CommandError(errors.DECREMENT_OVERFLOW)
    return incr_by(c, argv[1], -delta)


@GROUP.command(
    "incrbyfloat",
    3,
    _F.WRITE | _F.DENYOOM | _F.FAST,
    keys=(KEY_RW,),
    since="2.6.0",
    usage="key increment@double",
)
def cmd_incrbyfloat(c: Client, argv: Argv) -> Reply:
    """Increment the floating point value of a key by a number. Uses 0 as initial value if the
    key doesn't exist."""
    key = argv[1]
    old = get_string(c, key)
    current = longdouble.parse(old) if old is not None else 0
    delta = longdouble.parse(argv[2])
    if current is None or delta is None:
        raise CommandError(errors.NOT_FLOAT)
    result = longdouble.add(current, delta)
    if result is None:
        raise CommandError(errors.INCR_NAN_OR_INFINITY)
    text = longdouble.format_human(result)
    c.db.set(key, text, keep_ttl=True)
    c.db.notify(notify.STRING, "incrbyfloat", key)
    return text


# -- LCS ---------------------------------------------------------------------------------------
@GROUP.command(
    "lcs",
    -3,
    _F.READONLY,
    keys=(KeySpec(KeyFlag.RO | KeyFlag.ACCESS, lastkey=1),),
    since="7.0.0",
    complexity="O(N*M) where N and M are the lengths of s1 and s2, respectively",
    usage="key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]",
)
def cmd_lcs(c: Client, argv: Argv) -> Reply:
    """Finds the longest common substring."""
    db, now_ms = c.db, c.server.now_ms
    a, b = db.lookup_read(argv[1], now_ms), db.lookup_read(argv[2], now_ms)
    if (a is not None and type(a) is not bytes) or (b is not None and type(b) is not bytes):
        raise CommandError(errors.LCS_NOT_STRINGS)
    get_idx = get_len = with_match_len = False
    min_match_len = 0
    index = 3
    while index < len(argv):
        option = argv[index].lower()
        if option == b"idx":
            get_idx = True
        elif option == b"len":
            get_len = True
        elif option == b"withmatchlen":
            with_match_len = True
        elif option == b"minmatchlen" and index + 1 < len(argv):
            index += 1
            min_match_len = max(to_int(argv[index]), 0)
        else:
            raise CommandError(errors.SYNTAX)
        index += 1
    if get_idx and get_len:
        raise CommandError(errors.LCS_IDX_AND_LEN)
    return lcs_reply(a or b"", b or b"", get_idx, get_len, with_match_len, min_match_len)


def lcs_reply(
    a: bytes, b: bytes, get_idx: bool, get_len: bool, with_match_len: bool, min_match_len: int
) -> Reply:
    """The LCS table and its walk back from the end, as ``lcsCommand`` does them."""
    blen = len(b)
    table = [[0] * (blen + 1)]
    for i in range(1, len(a) + 1):
        above, row = table[-1], [0] * (blen + 1)
        char = a[i - 1]
        for j in range(1, blen + 1):
            if char == b[j - 1]:
                row[j] = above[j - 1] + 1
            else:
                row[j] = max(above[j], row[j - 1])
        table.append(row)
    total = table[len(a)][blen]
    if get_len:
        return total
    result = bytearray(total)
    matches: list[Reply] = []
    unset = len(a)
    a_start = a_end = b_start = b_end = 0
    a_start = unset
    i, j, idx = len(a), blen, total
    while i > 0 and j > 0:
        emit = False
        if a[i - 1] == b[j - 1]:
            result[idx - 1] = a[i - 1]
            if a_start == unset:
                a_start = a_end = i - 1
                b_start = b_end = j - 1
            elif a_start == i and b_start == j:
                a_start -= 1
                b_start -= 1
            else:
                emit = True
            if a_start == 0 or b_start == 0:
                emit = True
            idx, i, j = idx - 1, i - 1, j - 1
        else:
            if table[i - 1][j] > table[i][j - 1]:
                i -= 1
            else:
                j -= 1
            if a_start != unset:
                emit = True
        if emit:
            length = a_end - a_start + 1
            if get_idx and (min_match_len == 0 or length >= min_match_len):
                match: list[Reply] = [[a_start, a_end], [b_start, b_end]]
                if with_match_len:
                    match.append(length)
                matches.append(match)
            a_start = unset
    if get_idx:
        return Map([(b"matches", matches), (b"len", total)])
    return bytes(result)
