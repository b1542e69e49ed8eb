"""String commands (this issue: GET SET INCR; the keyspace issue completes the family)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyredisd.core import errors
from pyredisd.core.commands.args import to_int
from pyredisd.core.commands.spec import KEY_RO, KEY_RW, Argv, CmdFlag, CommandGroup
from pyredisd.core.errors import CommandError
from pyredisd.core.replies import OK, Reply
from pyredisd.core.request import string2ll

if TYPE_CHECKING:
    from pyredisd.core.clients import Client

GROUP = CommandGroup("string")
_F = CmdFlag
_INT64_MAX = (1 << 63) - 1
_INT64_MIN = -(1 << 63)


@GROUP.command("get", 2, _F.READONLY | _F.FAST, keys=(KEY_RO,), since="1.0.0")
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


@GROUP.command("set", -3, _F.WRITE | _F.DENYOOM, keys=(KEY_RW,), since="1.0.0")
def cmd_set(c: Client, argv: Argv) -> Reply:
    """Sets the string value of a key, ignoring its type. The key is created if it doesn't exist."""
    key, value = argv[1], argv[2]
    if len(argv) == 3:
        c.db.set(key, value)
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
    old = db.lookup(key, now_ms)
    if "get" in seen and old is not None and type(old) is not bytes:
        raise CommandError(errors.WRONGTYPE)
    if ("nx" in seen and old is not None) or ("xx" in seen and old is None):
        return old if "get" in seen else None
    db.set(key, value, keep_ttl="keepttl" in seen)
    if deadline is not None:
        if deadline <= now_ms:
            db.delete(key)
        else:
            db.set_expire(key, deadline)
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
    return result


@GROUP.command("incr", 2, _F.WRITE | _F.DENYOOM | _F.FAST, keys=(KEY_RW,), since="1.0.0")
def cmd_incr(c: Client, argv: Argv) -> Reply:
    """Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't
    exist."""
    return incr_by(c, argv[1], 1)
