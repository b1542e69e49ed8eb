"""Server commands: INFO CONFIG DBSIZE FLUSHDB FLUSHALL TIME DEBUG SHUTDOWN."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pyredisd.core import errors
from pyredisd.core.commands.spec import Argv, CmdFlag, CommandGroup
from pyredisd.core.errors import CommandError
from pyredisd.core.info import info_text
from pyredisd.core.replies import NO_REPLY, OK, Map, Reply, Status, Verbatim
from pyredisd.core.request import string2ll

if TYPE_CHECKING:
    from pyredisd.core.clients import Client
    from pyredisd.core.config import Config

GROUP = CommandGroup("server")
_F = CmdFlag
_ADMIN = _F.ADMIN | _F.NOSCRIPT | _F.LOADING | _F.STALE


@GROUP.command(
    "info",
    -1,
    _F.LOADING | _F.STALE | _F.SENTINEL,
    since="1.0.0",
    complexity="O(1)",
    usage="[section...]",
)
def cmd_info(c: Client, argv: Argv) -> Reply:
    """Returns information and statistics about the server."""
    sections = [arg.decode("utf-8", "replace") for arg in argv[1:]]
    return Verbatim(info_text(c.server, sections).encode())


@GROUP.command("dbsize", 1, _F.READONLY | _F.FAST, since="1.0.0")
def cmd_dbsize(c: Client, argv: Argv) -> Reply:
    """Returns the number of keys in the database."""
    return len(c.db)


def _flush_mode(argv: Argv) -> None:
    if len(argv) > 2 or (len(argv) == 2 and argv[1].lower() not in (b"async", b"sync")):
        raise CommandError(errors.SYNTAX)


@GROUP.command("flushdb", -1, _F.WRITE, since="1.0.0", complexity="O(N)", usage="[ASYNC|SYNC]")
def cmd_flushdb(c: Client, argv: Argv) -> Reply:
    """Remove all keys from the current database."""
    _flush_mode(argv)
    c.db.flush()
    c.server.tracking.flushed()
    return OK


@GROUP.command("flushall", -1, _F.WRITE, since="1.0.0", complexity="O(N)", usage="[ASYNC|SYNC]")
def cmd_flushall(c: Client, argv: Argv) -> Reply:
    """Removes all keys from all databases."""
    _flush_mode(argv)
    for db in c.server.dbs:
        db.flush()
    c.server.tracking.flushed()
    return OK


@GROUP.command("time", 1, _F.LOADING | _F.STALE | _F.FAST, since="2.6.0")
def cmd_time(c: Client, argv: Argv) -> Reply:
    """Returns the server time."""
    micros = int(c.server.clock.seconds() * 1_000_000)
    return [b"%d" % (micros // 1_000_000), b"%d" % (micros % 1_000_000)]


def _debug_allowed(c: Client) -> bool:
    setting = c.server.config["enable-debug-command"]
    if setting == "yes":
        return True
    local = c.unix or c.addr.startswith(("127.", "[::1]"))
    return setting == "local" and local


@GROUP.command(
    "debug", -2, _ADMIN | _F.PROTECTED, since="1.0.0", complexity="Depends on subcommand."
)
def cmd_debug(c: Client, argv: Argv) -> Reply:
    """A container for debugging commands (SLEEP, ERROR, OBJECT)."""
    if not _debug_allowed(c):
        raise CommandError(errors.DEBUG_NOT_ALLOWED)
    sub = argv[1].lower()
    if sub == b"sleep" and len(argv) == 3:
        seconds = _strtod(argv[2])
        if seconds > 0:
            c.server.sleep(seconds)
        return OK
    if sub == b"error" and len(argv) == 3:
        raise CommandError(errors.debug_error(argv[2]))
    if sub == b"object" and len(argv) == 3:
        value = c.db.lookup(argv[2], c.server.now_ms)
        if value is None:
            raise CommandError(errors.NO_SUCH_KEY)
        stamp = c.db.access.get(argv[2], 0)  # the key's lru field, and its idle seconds
        return Status(_debug_object(value, stamp, c.server.memory.clock.idle_ms(stamp) // 1000))
    raise CommandError(errors.subcommand_syntax(argv[1], "DEBUG"))


_STRTOD = re.compile(rb"[ \t\n\v\f\r]*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _strtod(arg: bytes) -> float:
    """C ``strtod(arg, NULL)`` for finite decimals: the longest numeric prefix, else 0 (DEBUG
    SLEEP does no validation)."""
    match = _STRTOD.match(arg)
    if match is None:
        return 0.0
    try:
        return float(match.group())
    except ValueError:  # pragma: no cover - the pattern only matches floats
        return 0.0


def _debug_object(value: object, lru: int = 0, idle: int = 0) -> str:
    if isinstance(value, bytes):
        length = len(value)
        encoding = "int" if _is_int(value) else ("embstr" if length <= 44 else "raw")
        return (
            f"Value at:0x{id(value):x} refcount:1 encoding:{encoding} "
            f"serializedlength:{length} lru:{lru} lru_seconds_idle:{idle}"
        )
    return f"Value at:0x{id(value):x} refcount:1 encoding:unknown serializedlength:0"


def _is_int(value: bytes) -> bool:
    return len(value) <= 20 and string2ll(value) is not None


@GROUP.command(
    "shutdown",
    -1,
    _ADMIN | _F.NO_MULTI | _F.SENTINEL | _F.ALLOW_BUSY,
    since="1.0.0",
    complexity="O(N) when saving",
    usage="[NOSAVE|SAVE] [NOW] [FORCE] [ABORT]",
)
def cmd_shutdown(c: Client, argv: Argv) -> Reply:
    """Synchronously saves the database(s) to disk and shuts down the Redis server."""
    options = [arg.lower() for arg in argv[1:]]
    valid = {b"nosave", b"save", b"now", b"force", b"abort"}
    if any(option not in valid for option in options) or {b"save", b"nosave"} <= set(options):
        raise CommandError(errors.SYNTAX)
    if b"abort" in options:
        if len(options) > 1:
            raise CommandError(errors.SYNTAX)
        raise CommandError(errors.NO_SHUTDOWN_IN_PROGRESS)
    c.server.request_shutdown()
    c.close_after_reply = True
    return NO_REPLY


# -- CONFIG --------------------------------------------------------------------------------------
@GROUP.command("config", -2, _F.NONE, since="2.0.0", complexity="Depends on subcommand.")
def cmd_config(c: Client, argv: Argv) -> Reply:
    """A container for server configuration commands."""
    raise CommandError(errors.unknown_subcommand(argv[0], argv[1]))  # pragma: no cover


@GROUP.command(
    "get",
    -3,
    _ADMIN,
    container="config",
    since="2.0.0",
    complexity="O(N) when N is the number of configuration parameters provided",
    usage="parameter...",
)
def cmd_config_get(c: Client, argv: Argv) -> Reply:
    """Returns the effective values of configuration parameters."""
    pairs = c.server.config.get(arg.decode("utf-8", "replace") for arg in argv[2:])
    return Map((name.encode(), value.encode("utf-8", "surrogateescape")) for name, value in pairs)


@GROUP.command(
    "set",
    -4,
    _ADMIN | _F.PROTECTED,
    container="config",
    since="2.0.0",
    complexity="O(N) when N is the number of configuration parameters provided",
    usage="(parameter value)...",
)
def cmd_config_set(c: Client, argv: Argv) -> Reply:
    """Sets configuration parameters in-flight."""
    if len(argv) % 2:
        raise CommandError(errors.SYNTAX)
    pairs = [
        (argv[i].decode("utf-8", "replace"), argv[i + 1].decode("utf-8", "surrogateescape"))
        for i in range(2, len(argv), 2)
    ]
    config = c.server.config
    _check_config_names(config, [name for name, _ in pairs])
    try:
        updates = config.prepare_set(pairs)
    except LookupError as exc:
        raise CommandError(errors.config_unknown_option(str(exc.args[0]))) from None
    except ValueError as exc:
        name, reason = exc.args
        option = config.lookup(name)
        # A bad value names the option canonically; name errors quote the caller (config.c).
        raise CommandError(
            errors.config_set_failed(option.name if option else name, reason)
        ) from None
    previous = {name: config.values[name] for name in updates}
    config.values.update(updates)
    changed = {name for name in updates if updates[name] != previous[name]}
    try:
        if changed:
            c.server.config_changed(changed)
    except ValueError as exc:
        config.values.update(previous)
        raise CommandError(errors.config_set_failed(*exc.args)) from None
    return OK


def _check_config_names(config: Config, names: list[str]) -> None:
    """CONFIG SET's first pass over the names, before any value is parsed (configSetCommand):
    the first unknown, immutable or repeated name, in argument order, is the error."""
    seen: set[str] = set()
    for name in names:
        option = config.lookup(name)
        if option is None:
            raise CommandError(errors.config_unknown_option(name))
        if not option.mutable:
            raise CommandError(errors.config_set_failed(name, errors.CONFIG_IMMUTABLE))
        if option.name in seen:
            raise CommandError(errors.config_duplicate(name))
        seen.add(option.name)


@GROUP.command("resetstat", 2, _ADMIN, container="config", since="2.0.0")
def cmd_config_resetstat(c: Client, argv: Argv) -> Reply:
    """Resets the server's statistics."""
    c.server.reset_stats()
    return OK


@GROUP.command("rewrite", 2, _ADMIN, container="config", since="2.8.0")
def cmd_config_rewrite(c: Client, argv: Argv) -> Reply:
    """Persists the effective configuration to file."""
    config = c.server.config
    if not config.path:
        raise CommandError(errors.NO_CONFIG_FILE)
    try:
        with open(config.path, encoding="utf-8", errors="surrogateescape") as handle:
            old = handle.read()
    except FileNotFoundError:
        old = ""
    except OSError as exc:
        raise CommandError(errors.REWRITE_FAILED.format(exc.strerror)) from None
    try:
        with open(config.path, "w", encoding="utf-8", errors="surrogateescape") as handle:
            handle.write(config.rewrite_text(old))
    except OSError as exc:
        raise CommandError(errors.REWRITE_FAILED.format(exc.strerror)) from None
    return OK
