"""Scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT LOAD / EXISTS / FLUSH / KILL / HELP.

The engine is :mod:`pyredisd.core.scripting`; these handlers parse the arguments in Redis's
order (``evalShaCommand`` checks the SHA's length first, ``evalGenericCommand`` then numkeys,
then the cache) and answer its errors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyredisd.core import errors
from pyredisd.core.commands.args import to_int
from pyredisd.core.commands.spec import Argv, CmdFlag, CommandGroup, KeyFlag, KeySpec
from pyredisd.core.errors import CommandError
from pyredisd.core.replies import OK, Reply, Status

if TYPE_CHECKING:
    from pyredisd.core.clients import Client

GROUP = CommandGroup("scripting")
_F = CmdFlag
_EVAL = _F.NOSCRIPT | _F.SKIP_MONITOR | _F.MAY_REPLICATE | _F.NO_MANDATORY_KEYS | _F.STALE
_EVAL_RO = _F.NOSCRIPT | _F.SKIP_MONITOR | _F.NO_MANDATORY_KEYS | _F.STALE | _F.READONLY
_KEYS_RW = KeySpec(KeyFlag.RW | KeyFlag.ACCESS | KeyFlag.UPDATE, begin=2, keynum=True)
_KEYS_RO = KeySpec(KeyFlag.RO | KeyFlag.ACCESS, begin=2, keynum=True)
_ACL = ("slow", "scripting")
_COMPLEXITY = "Depends on the script that is executed."


def _eval(c: Client, argv: Argv, by_sha: bool, ro: bool) -> Reply:
    """``evalGenericCommand``."""
    scripts = c.server.scripts
    if by_sha and len(argv[1]) != 40:
        raise CommandError(errors.NOSCRIPT)
    numkeys = to_int(argv[2])
    if numkeys > len(argv) - 3:
        raise CommandError(errors.NUMKEYS_TOO_BIG)
    if numkeys < 0:
        raise CommandError(errors.NUMKEYS_NEGATIVE)
    if by_sha:
        sha = argv[1].lower()
        if sha not in scripts.cache:
            raise CommandError(errors.NOSCRIPT)
    else:
        sha = scripts.load(argv[1], from_eval=True)
    server = c.server
    if server.monitors:
        server.feed_monitors_now(c, argv)  # scripts show before the commands they run
    return scripts.run(c, sha, argv[3 : 3 + numkeys], argv[3 + numkeys :], ro)


@GROUP.command(
    "eval", -3, _EVAL, since="2.6.0", complexity=_COMPLEXITY, keys=(_KEYS_RW,), acl=_ACL,
    usage="script numkeys [key...] [arg...]",
)  # fmt: skip
def cmd_eval(c: Client, argv: Argv) -> Reply:
    """Executes a server-side Lua script."""
    return _eval(c, argv, by_sha=False, ro=False)


@GROUP.command(
    "evalsha", -3, _EVAL, since="2.6.0", complexity=_COMPLEXITY, keys=(_KEYS_RW,), acl=_ACL,
    usage="sha1 numkeys [key...] [arg...]",
)  # fmt: skip
def cmd_evalsha(c: Client, argv: Argv) -> Reply:
    """Executes a server-side Lua script by SHA1 digest."""
    return _eval(c, argv, by_sha=True, ro=False)


@GROUP.command(
    "eval_ro", -3, _EVAL_RO, since="7.0.0", complexity=_COMPLEXITY, keys=(_KEYS_RO,), acl=_ACL,
    usage="script numkeys [key...] [arg...]",
)  # fmt: skip
def cmd_eval_ro(c: Client, argv: Argv) -> Reply:
    """Executes a read-only server-side Lua script."""
    return _eval(c, argv, by_sha=False, ro=True)


@GROUP.command(
    "evalsha_ro", -3, _EVAL_RO, since="7.0.0", complexity=_COMPLEXITY, keys=(_KEYS_RO,),
    acl=_ACL, usage="sha1 numkeys [key...] [arg...]",
)  # fmt: skip
def cmd_evalsha_ro(c: Client, argv: Argv) -> Reply:
    """Executes a read-only server-side Lua script by SHA1 digest."""
    return _eval(c, argv, by_sha=True, ro=True)


@GROUP.command("script", -2, since="2.6.0", complexity="Depends on subcommand.", acl=("slow",))
def cmd_script(c: Client, argv: Argv) -> Reply:
    """A container for Lua scripts management commands."""
    raise CommandError(errors.wrong_arity("script"))


@GROUP.command(
    "load", 3, _F.NOSCRIPT | _F.STALE, container="script", since="2.6.0", acl=_ACL,
    complexity="O(N) with N being the length in bytes of the script body.", usage="script",
)  # fmt: skip
def cmd_script_load(c: Client, argv: Argv) -> Reply:
    """Loads a server-side Lua script to the script cache."""
    return c.server.scripts.load(argv[2], from_eval=False)


@GROUP.command(
    "exists", -3, _F.NOSCRIPT, container="script", since="2.6.0", acl=_ACL,
    complexity="O(N) with N being the number of scripts to check (so checking a single "
    "script is an O(1) operation).", usage="sha1...",
)  # fmt: skip
def cmd_script_exists(c: Client, argv: Argv) -> Reply:
    """Determines whether server-side Lua scripts exist in the script cache."""
    cache = c.server.scripts.cache
    return [1 if sha.lower() in cache else 0 for sha in argv[2:]]


@GROUP.command(
    "flush", -2, _F.NOSCRIPT, container="script", since="2.6.0", acl=_ACL,
    complexity="O(N) with N being the number of scripts in cache", usage="[ASYNC|SYNC]",
)  # fmt: skip
def cmd_script_flush(c: Client, argv: Argv) -> Reply:
    """Removes all server-side Lua scripts from the script cache."""
    if len(argv) > 3 or (len(argv) == 3 and argv[2].lower() not in (b"sync", b"async")):
        raise CommandError(errors.SCRIPT_FLUSH_MODE)
    c.server.scripts.flush()
    return OK


@GROUP.command("kill", 2, _F.NOSCRIPT | _F.ALLOW_BUSY, container="script", since="2.6.0", acl=_ACL)
def cmd_script_kill(c: Client, argv: Argv) -> Reply:
    """Terminates a server-side Lua script during execution."""
    # A script runs to its end before any other command is read, so none is ever busy.
    raise CommandError(errors.NOTBUSY)


_HELP = (
    "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "EXISTS <sha1> [<sha1> ...]",
    "    Return information about the existence of the scripts in the script cache.",
    "FLUSH [ASYNC|SYNC]",
    "    Flush the Lua scripts cache. Very dangerous on replicas.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the scripts cache.",
    "    * SYNC: Synchronously flush the scripts cache.",
    "KILL",
    "    Kill the currently executing Lua script.",
    "LOAD <script>",
    "    Load a script into the scripts cache without executing it.",
    "HELP",
    "    Prints this help.",
)


@GROUP.command("help", 2, _F.LOADING | _F.STALE, container="script", since="5.0.0", acl=_ACL)
def cmd_script_help(c: Client, argv: Argv) -> Reply:
    """Returns helpful text about the different subcommands."""
    return [Status(line) for line in _HELP]
