"""Command metadata as data: what Redis's ``commands/*.json`` says, declared next to each handler.

A :class:`CommandGroup` collects one family's :class:`CommandSpec` objects through its
``command`` decorator; nothing is registered globally. :mod:`pyredisd.core.commands.table`
builds a server's table from an explicit list of groups.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyredisd.core.clients import Client
    from pyredisd.core.replies import Reply

Argv = list[bytes]
Handler = Callable[["Client", Argv], "Reply"]


class CmdFlag(enum.Flag):
    """Command flags, named as in COMMAND INFO (``server.h`` ``CMD_*``)."""

    NONE = 0
    WRITE = enum.auto()
    READONLY = enum.auto()
    DENYOOM = enum.auto()
    ADMIN = enum.auto()
    PUBSUB = enum.auto()
    NOSCRIPT = enum.auto()
    BLOCKING = enum.auto()
    LOADING = enum.auto()
    STALE = enum.auto()
    SKIP_MONITOR = enum.auto()
    SKIP_SLOWLOG = enum.auto()
    FAST = enum.auto()
    NO_AUTH = enum.auto()
    MAY_REPLICATE = enum.auto()
    SENTINEL = enum.auto()
    ONLY_SENTINEL = enum.auto()
    NO_MANDATORY_KEYS = enum.auto()
    PROTECTED = enum.auto()
    NO_ASYNC_LOADING = enum.auto()
    NO_MULTI = enum.auto()
    MOVABLE_KEYS = enum.auto()
    ALLOW_BUSY = enum.auto()

    def names(self) -> list[str]:
        """Lower-case names as COMMAND INFO lists them; MOVABLE_KEYS is not a command flag
        there (COMMAND INFO shows it as ``movablekeys``, added by introspection)."""
        return [
            f.name.lower()
            for f in CmdFlag
            if f.name and f.value and f in self and f is not CmdFlag.MOVABLE_KEYS
        ]


class KeyFlag(enum.Flag):
    """Key-spec flags (``CMD_KEY_*``): exactly one of RO/RW/OW/RM, plus access hints."""

    NONE = 0
    RO = enum.auto()
    RW = enum.auto()
    OW = enum.auto()
    RM = enum.auto()
    ACCESS = enum.auto()
    UPDATE = enum.auto()
    INSERT = enum.auto()
    DELETE = enum.auto()
    NOT_KEY = enum.auto()
    INCOMPLETE = enum.auto()
    VARIABLE_FLAGS = enum.auto()

    def names(self) -> list[str]:
        """Names as COMMAND INFO lists them: RO/RW/OW/RM upper case, the rest lower case."""
        upper = {KeyFlag.RO, KeyFlag.RW, KeyFlag.OW, KeyFlag.RM}
        return [
            f.name if f in upper else f.name.lower()
            for f in KeyFlag
            if f.name and f.value and f in self
        ]


@dataclass(frozen=True)
class KeySpec:
    """Where keys are: from argument ``begin`` take ``lastkey`` (negative counts from the end;
    for ``keynum`` specs, the index of the count relative to ``begin``), every ``step``."""

    flags: KeyFlag
    begin: int = 1
    lastkey: int = 0
    step: int = 1
    keynum: bool = False


@dataclass(frozen=True)
class CommandSpec:
    """Declarative data for one command or subcommand (cf. ``struct redisCommand``)."""

    name: str
    arity: int
    handler: Handler | None
    flags: CmdFlag = CmdFlag.NONE
    group: str = "generic"
    since: str = "1.0.0"
    complexity: str = "O(1)"
    summary: str = ""
    key_specs: tuple[KeySpec, ...] = ()
    acl: tuple[str, ...] = ()
    container: str | None = None
    subcommands: tuple[CommandSpec, ...] = field(default=())
    usage: str = ""  # the syntax after the name, in the notation of commands/usage.py

    @property
    def fullname(self) -> str:
        """``get``, or ``client|kill`` for a subcommand."""
        return f"{self.container}|{self.name}" if self.container else self.name

    def legacy_range(self) -> tuple[int, int, int]:
        """COMMAND INFO's first key, last key and step, derived from the key specs."""
        simple = [ks for ks in self.key_specs if not ks.keynum and not ks.flags & KeyFlag.NOT_KEY]
        if not simple:
            return (0, 0, 0)
        first = min(ks.begin for ks in simple)
        last_spec = max(simple, key=lambda ks: (ks.lastkey < 0, ks.begin + max(ks.lastkey, 0)))
        last = last_spec.lastkey if last_spec.lastkey < 0 else last_spec.begin + last_spec.lastkey
        return (first, last, min(ks.step for ks in simple))

    def keys(self, argv: Argv) -> list[int]:
        """Indices of the key arguments in ``argv`` (COMMAND GETKEYS)."""
        found: list[int] = []
        argc = len(argv)
        for ks in self.key_specs:
            if ks.flags & KeyFlag.NOT_KEY:
                continue
            if ks.keynum:
                count_at = ks.begin + ks.lastkey
                if count_at >= argc:
                    raise ValueError("numkeys")
                try:
                    count = int(argv[count_at])
                except ValueError:
                    raise ValueError("numkeys") from None
                if count < 0 or count_at + count > argc - 1:
                    raise ValueError("numkeys")
                found.extend(range(count_at + 1, count_at + 1 + count))
                continue
            if ks.begin >= argc:
                continue
            last = ks.lastkey if ks.lastkey >= 0 else argc + ks.lastkey - ks.begin
            found.extend(range(ks.begin, min(ks.begin + last, argc - 1) + 1, ks.step))
        return found


@dataclass
class CommandGroup:
    """One command family (Redis's ``group``): its specs, in declaration order."""

    name: str
    specs: list[CommandSpec] = field(default_factory=list)

    def command(
        self,
        name: str,
        arity: int,
        flags: CmdFlag = CmdFlag.NONE,
        *,
        since: str = "1.0.0",
        complexity: str = "O(1)",
        summary: str = "",
        keys: tuple[KeySpec, ...] = (),
        acl: tuple[str, ...] = (),
        container: str | None = None,
        usage: str = "",
    ) -> Callable[[Handler], Handler]:
        """Declare the decorated function as the handler of ``name``."""

        def register(handler: Handler) -> Handler:
            self.specs.append(
                CommandSpec(
                    name=name.lower(),
                    arity=arity,
                    handler=handler,
                    flags=flags,
                    group=self.name,
                    since=since,
                    complexity=complexity,
                    summary=summary or (handler.__doc__ or "").strip().split("\n")[0],
                    key_specs=keys,
                    acl=acl,
                    container=container.lower() if container else None,
                    usage=usage,
                )
            )
            return handler

        return register


# Common key specs, named for the shapes Redis's JSON uses most.
KEY_RO = KeySpec(KeyFlag.RO | KeyFlag.ACCESS)
KEY_RW = KeySpec(KeyFlag.RW | KeyFlag.ACCESS | KeyFlag.UPDATE)
KEY_OW = KeySpec(KeyFlag.OW | KeyFlag.UPDATE)
KEY_RM_ALL = KeySpec(KeyFlag.RM | KeyFlag.DELETE, lastkey=-1)
KEY_RO_ALL = KeySpec(KeyFlag.RO, lastkey=-1)
