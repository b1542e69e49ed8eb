"""Generic keyspace commands: DEL EXISTS EXPIRE TTL so far (the keyspace issue adds the rest)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyredisd.core import errors
from pyredisd.core.commands.args import to_int
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
from pyredisd.core.replies import Reply

if TYPE_CHECKING:
    from pyredisd.core.clients import Client

GROUP = CommandGroup("generic")
_F = CmdFlag
_INT64_MAX = (1 << 63) - 1
_INT64_MIN = -(1 << 63)


@GROUP.command("del", -2, _F.WRITE, keys=(KEY_RM_ALL,), since="1.0.0", complexity="O(N)")
def cmd_del(c: Client, argv: Argv) -> Reply:
    """Deletes one or more keys."""
    db, now_ms = c.db, c.server.now_ms
    removed = 0
    for key in argv[1:]:
        if db.lookup(key, now_ms) is not None:
            db.delete(key)
            removed += 1
    return removed


@GROUP.command(
    "exists", -2, _F.READONLY | _F.FAST, keys=(KEY_RO_ALL,), since="1.0.0", complexity="O(N)"
)
def cmd_exists(c: Client, argv: Argv) -> Reply:
    """Determines whether one or more keys exist."""
    db, now_ms = c.db, c.server.now_ms
    return sum(1 for key in argv[1:] if db.lookup_read(key, now_ms) is not None)


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
    else:
        db.set_expire(key, when)
    return 1


_KEY_EXPIRE = KeySpec(KeyFlag.RW | KeyFlag.UPDATE)


@GROUP.command("expire", -3, _F.WRITE | _F.FAST, keys=(_KEY_EXPIRE,), since="1.0.0")
def cmd_expire(c: Client, argv: Argv) -> Reply:
    """Sets the expiration time of a key in seconds."""
    return expire_generic(c, argv, c.server.now_ms, 1000)


@GROUP.command(
    "ttl", 2, _F.READONLY | _F.FAST, keys=(KeySpec(KeyFlag.RO | KeyFlag.ACCESS),), since="1.0.0"
)
def cmd_ttl(c: Client, argv: Argv) -> Reply:
    """Returns the expiration time in seconds of a key."""
    db, now_ms = c.db, c.server.now_ms
    if db.lookup_read(argv[1], now_ms) is None:
        return -2
    deadline = db.ttl_ms(argv[1])
    if deadline is None:
        return -1
    return (deadline - now_ms + 500) // 1000
