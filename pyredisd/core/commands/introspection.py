"""COMMAND and its subcommands, answered from the command table's metadata."""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING

from pyredisd.core import errors
from pyredisd.core.commands import usage
from pyredisd.core.commands.spec import Argv, CmdFlag, CommandGroup, KeyFlag, KeySpec
from pyredisd.core.commands.table import Command
from pyredisd.core.errors import CommandError
from pyredisd.core.replies import Map, Reply, SetReply, Status

if TYPE_CHECKING:
    from pyredisd.core.clients import Client

GROUP = CommandGroup("server")
_F = CmdFlag
_INTRO = _F.LOADING | _F.STALE | _F.SENTINEL


# Redis lists a command's ACL categories in the order of its category table (acl.c).
ACL_ORDER = (
    "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
    "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous",
    "connection", "transaction", "scripting",
)  # fmt: skip
_GROUP_CATEGORY = {"generic": "keyspace", "sorted-set": "sortedset", "server": ""}


def acl_categories(command: Command) -> list[str]:
    """The command's ACL categories: its family's, those it declares, and the ones Redis
    derives from its flags (``setImplicitACLCategories``), in Redis's table order."""
    flags = command.flags
    group = command.spec.group
    cats = {_GROUP_CATEGORY.get(group, group), *command.spec.acl}
    if flags & _F.WRITE:
        cats.add("write")
    if flags & _F.READONLY:
        cats.add("read")
    if flags & _F.ADMIN:
        cats |= {"admin", "dangerous"}
    if flags & _F.PUBSUB:
        cats.add("pubsub")
    cats.add("fast" if flags & _F.FAST else "slow")
    if flags & _F.BLOCKING:
        cats.add("blocking")
    return ["@" + cat for cat in ACL_ORDER if cat in cats]


def _key_spec(ks: KeySpec) -> Map:
    if ks.keynum:
        find = Map(
            [
                (b"type", b"keynum"),
                (
                    b"spec",
                    Map([(b"keynumidx", ks.lastkey), (b"firstkey", 1), (b"keystep", ks.step)]),
                ),
            ]
        )
    else:
        find = Map(
            [
                (b"type", b"range"),
                (b"spec", Map([(b"lastkey", ks.lastkey), (b"keystep", ks.step), (b"limit", 0)])),
            ]
        )
    return Map(
        [
            (b"flags", SetReply(Status(name) for name in ks.flags.names())),
            (b"begin_search", Map([(b"type", b"index"), (b"spec", Map([(b"index", ks.begin)]))])),
            (b"find_keys", find),
        ]
    )


def command_info(command: Command) -> list[Reply]:
    """One COMMAND INFO entry (name, arity, flags, first, last, step, ACL, tips, keys, subs)."""
    first, last, step = command.spec.legacy_range()
    flags = command.flags.names()
    if command.flags & _F.MOVABLE_KEYS:
        flags.append("movablekeys")
    return [
        command.fullname.encode(),
        command.arity,
        SetReply(Status(name) for name in flags),
        first,
        last,
        step,
        SetReply(Status(cat) for cat in acl_categories(command)),
        SetReply([]),
        [_key_spec(ks) for ks in command.spec.key_specs],
        [command_info(sub) for sub in (command.subcommands or {}).values()],
    ]


def command_docs(command: Command) -> Map:
    """One COMMAND DOCS entry."""
    spec = command.spec
    items: list[tuple[Reply, Reply]] = [
        (b"summary", spec.summary.encode()),
        (b"since", spec.since.encode()),
        (b"group", spec.group.encode()),
        (b"complexity", spec.complexity.encode()),
    ]
    if spec.usage:
        items.append((b"arguments", usage.docs(usage.parse(spec.usage))))
    if command.subcommands:
        items.append(
            (
                b"subcommands",
                Map(
                    (sub.fullname.encode(), command_docs(sub))
                    for sub in command.subcommands.values()
                ),
            )
        )
    return Map(items)


@GROUP.command(
    "command",
    -1,
    _INTRO,
    since="2.8.13",
    complexity="O(N) where N is the total number of Redis commands",
)
def cmd_command(c: Client, argv: Argv) -> Reply:
    """Returns detailed information about all commands."""
    return [command_info(command) for command in c.server.commands.commands.values()]


@GROUP.command("count", 2, _INTRO, container="command", since="2.8.13")
def cmd_command_count(c: Client, argv: Argv) -> Reply:
    """Returns a count of commands."""
    return len(c.server.commands)


@GROUP.command(
    "info",
    -2,
    _INTRO,
    container="command",
    since="2.8.13",
    complexity="O(N) where N is the number of commands to look up",
    usage="[command-name...]",
)
def cmd_command_info(c: Client, argv: Argv) -> Reply:
    """Returns information about one, multiple or all commands."""
    table = c.server.commands
    if len(argv) == 2:
        return [command_info(command) for command in table.commands.values()]
    out: list[Reply] = []
    for name in argv[2:]:
        command = table.resolve(name.split(b"|", 1))
        out.append(command_info(command) if command is not None else None)
    return out


@GROUP.command(
    "docs",
    -2,
    _INTRO,
    container="command",
    since="7.0.0",
    complexity="O(N) where N is the number of commands to look up",
    usage="[command-name...]",
)
def cmd_command_docs(c: Client, argv: Argv) -> Reply:
    """Returns documentary information about one, multiple or all commands."""
    table = c.server.commands
    if len(argv) == 2:
        chosen = list(table.commands.values())
    else:
        chosen = [
            cmd for name in argv[2:] if (cmd := table.resolve(name.split(b"|", 1))) is not None
        ]
    return Map((cmd.fullname.encode(), command_docs(cmd)) for cmd in chosen)


@GROUP.command(
    "list",
    -2,
    _INTRO,
    container="command",
    since="7.0.0",
    complexity="O(N) where N is the total number of Redis commands",
    usage="[FILTERBY (MODULE module-name|ACLCAT category|PATTERN pattern)]",
)
def cmd_command_list(c: Client, argv: Argv) -> Reply:
    """Returns a list of command names."""
    commands = c.server.commands.all_commands()
    if len(argv) == 2:
        return [cmd.fullname.encode() for cmd in commands]
    if len(argv) != 5 or argv[2].lower() != b"filterby":
        raise CommandError(errors.SYNTAX)
    kind, value = argv[3].lower(), argv[4].decode("utf-8", "replace")
    if kind == b"pattern":
        return [
            cmd.fullname.encode()
            for cmd in commands
            if fnmatch.fnmatchcase(cmd.fullname, value.lower())
        ]
    if kind == b"aclcat":
        return [
            cmd.fullname.encode() for cmd in commands if "@" + value.lower() in acl_categories(cmd)
        ]
    if kind == b"module":
        return []
    raise CommandError(errors.SYNTAX)


@GROUP.command(
    "getkeys",
    -3,
    _INTRO,
    container="command",
    since="2.8.13",
    complexity="O(N) where N is the number of arguments to the command",
    usage="command [arg...]",
)
def cmd_command_getkeys(c: Client, argv: Argv) -> Reply:
    """Extracts the key names from an arbitrary command."""
    # Checks in Redis's order (getKeysSubcommandImpl): command, has keys at all, arity, keys.
    command = c.server.commands.resolve(argv[2:])
    if command is None:
        raise CommandError(errors.INVALID_COMMAND_SPECIFIED)
    if not any(not ks.flags & KeyFlag.NOT_KEY for ks in command.spec.key_specs):
        raise CommandError(errors.NO_KEY_ARGS)
    if not command.arity_ok(len(argv) - 2):
        raise CommandError(errors.INVALID_GETKEYS_ARGS)
    try:
        indices = command.spec.keys(argv[2:])
    except ValueError:
        indices = []
    if not indices:
        if command.flags & _F.NO_MANDATORY_KEYS:
            return []
        raise CommandError(errors.INVALID_ARGS_FOR_GETKEYS)
    return [argv[2 + i] for i in indices]
