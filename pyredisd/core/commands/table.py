"""The command table: built per server from an explicit list of command groups.

Lookup is one dict access on the lower-cased name; container commands (CLIENT, CONFIG, ...) hold
their subcommands. Runtime counters (calls, time, failures) live in :class:`Command`, one per
spec per server, like the "runtime populated data" half of Redis's ``struct redisCommand``.
"""

from __future__ import annotations

from collections.abc import Iterator

from pyredisd.core.commands.spec import CmdFlag, CommandGroup, CommandSpec, Handler


class Command:
    """A spec bound into one server's table, with its statistics."""

    __slots__ = (
        "arity",
        "calls",
        "failed_calls",
        "flags",
        "fullname",
        "handler",
        "is_write",
        "no_auth",
        "rejected_calls",
        "spec",
        "subcommands",
        "usec",
    )

    def __init__(self, spec: CommandSpec, handler: Handler | None) -> None:
        self.spec = spec
        self.handler = handler
        self.arity = spec.arity
        self.flags = spec.flags
        self.fullname = spec.fullname
        self.is_write = bool(spec.flags & CmdFlag.WRITE)
        self.no_auth = bool(spec.flags & CmdFlag.NO_AUTH)
        self.subcommands: dict[bytes, Command] | None = None
        self.calls = 0
        self.usec = 0
        self.rejected_calls = 0
        self.failed_calls = 0

    def arity_ok(self, argc: int) -> bool:
        """Redis's rule: positive arity is exact, negative is a minimum (both count the name)."""
        arity = self.arity
        return argc == arity if arity > 0 else argc >= -arity

    def reset_stats(self) -> None:
        """CONFIG RESETSTAT."""
        self.calls = self.usec = self.rejected_calls = self.failed_calls = 0
        for sub in (self.subcommands or {}).values():
            sub.reset_stats()


class CommandTable:
    """Name -> :class:`Command`, with container commands holding their subcommands."""

    def __init__(self, commands: dict[bytes, Command]) -> None:
        self.commands = commands

    @classmethod
    def build(cls, *groups: CommandGroup) -> CommandTable:
        """Bind every spec of ``groups``; raises ValueError on duplicates or orphans."""
        commands: dict[bytes, Command] = {}
        subs: list[CommandSpec] = []
        for group in groups:
            for spec in group.specs:
                if spec.container:
                    subs.append(spec)
                    continue
                key = spec.name.encode()
                if key in commands:
                    raise ValueError(f"command {spec.name} registered twice")
                commands[key] = Command(spec, spec.handler)
        for spec in subs:
            parent = commands.get(spec.container.encode() if spec.container else b"")
            if parent is None:
                raise ValueError(f"subcommand {spec.fullname} has no container")
            if parent.subcommands is None:
                parent.subcommands = {}
            key = spec.name.encode()
            if key in parent.subcommands:
                raise ValueError(f"command {spec.fullname} registered twice")
            parent.subcommands[key] = Command(spec, spec.handler)
        return cls(commands)

    def get(self, name: bytes) -> Command | None:
        """The command called ``name`` (any case), or None."""
        return self.commands.get(name.lower())

    def resolve(self, argv: list[bytes]) -> Command | None:
        """The command or subcommand ``argv`` names (COMMAND INFO / GETKEYS lookups)."""
        command = self.commands.get(argv[0].lower())
        if command is not None and command.subcommands is not None and len(argv) > 1:
            return command.subcommands.get(argv[1].lower())
        return command

    def __iter__(self) -> Iterator[Command]:
        return iter(self.commands.values())

    def __len__(self) -> int:
        return len(self.commands)

    def all_commands(self) -> list[Command]:
        """Every command and subcommand."""
        out: list[Command] = []
        for command in self.commands.values():
            out.append(command)
            out.extend((command.subcommands or {}).values())
        return out
