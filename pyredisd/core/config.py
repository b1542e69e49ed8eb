"""Configuration: the option table, redis.conf parsing, and CONFIG GET/SET/REWRITE.

The table mirrors ``config.c``'s ``static_configs[]``: each option knows its type, default, range
and whether CONFIG SET may change it. Values are validated by the same code whether they come from
the config file, the command line or CONFIG SET, so the error texts agree (Redis 7.4 strings).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pyredisd.core import notify
from pyredisd.core.errors import ConfigError
from pyredisd.core.request import split_args

_MEMORY = re.compile(r"([0-9]+)(k|kb|m|mb|g|gb|b)?", re.IGNORECASE)
_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1024,
    "m": 1000**2,
    "mb": 1024**2,
    "g": 1000**3,
    "gb": 1024**3,
}
LONG_MAX = (1 << 63) - 1
INT_MAX = (1 << 31) - 1
UINT_MAX = (1 << 32) - 1
COB_CLASSES = ("normal", "slave", "pubsub")
_COB_ALIASES = {"normal": "normal", "slave": "slave", "replica": "slave", "pubsub": "pubsub"}


def parse_memory(text: str) -> int:
    """``memtoull``: ``1k`` = 1000, ``1kb`` = 1024, up to ``gb``; raises ValueError (also for a
    sign or spaces, which memtoull refuses)."""
    match = _MEMORY.fullmatch(text)
    if match is None:
        raise ValueError(text)
    return int(match.group(1)) * _UNITS[(match.group(2) or "").lower()]


def format_memory(value: int) -> str:
    """Render bytes as CONFIG REWRITE does (largest exact ``gb``/``mb``/``kb`` unit)."""
    for unit, size in (("gb", 1024**3), ("mb", 1024**2), ("kb", 1024)):
        if value and value % size == 0:
            return f"{value // size}{unit}"
    return str(value)


def quote(value: str) -> str:
    """Quote a string value the way ``sdscatrepr`` would when it needs quoting."""
    if value and all(33 <= ord(ch) < 127 and ch not in "\"'\\" for ch in value):
        return value
    out = ['"']
    for byte in value.encode("utf-8", "surrogateescape"):  # escape bytes, as the file holds
        ch = chr(byte)
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif 32 <= byte < 127:
            out.append(ch)
        else:
            out.append(f"\\x{byte:02x}")
    out.append('"')
    return "".join(out)


@dataclass(frozen=True)
class Option:
    """One configuration directive.

    ``kind`` is one of ``bool int memory enum string notify bind save cob``; ``parse`` turns the
    directive's arguments into a value (raising ``ValueError`` with Redis's reason), ``render``
    turns the value back into CONFIG GET text.
    """

    name: str
    kind: str
    default: Any
    mutable: bool = True
    minimum: int = 0
    maximum: int = LONG_MAX
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    doc: str = ""
    multi_arg: bool = False
    clamp: tuple[int, int] | None = None  # accepted values are capped to this range

    def parse(self, args: list[str]) -> Any:
        """Validate CONFIG SET / config-file arguments and return the value."""
        if self.kind in ("bind", "save", "cob"):
            return _SPECIAL_PARSERS[self.kind](args)
        if len(args) != 1:
            raise ValueError("wrong number of arguments")
        text = args[0]
        if self.kind == "bool":
            if text.lower() not in ("yes", "no"):
                raise ValueError("argument must be 'yes' or 'no'")
            return text.lower() == "yes"
        if self.kind == "enum":
            if text.lower() not in self.choices:
                raise ValueError(
                    "argument(s) must be one of the following: " + ", ".join(self.choices)
                )
            return text.lower()
        if self.kind == "string":
            return text
        if self.kind == "notify":
            return notify.flags_from_string(text)
        if self.kind == "octal":
            try:
                value = int(text, 8)
            except ValueError:
                raise ValueError("argument couldn't be parsed into an integer") from None
        elif self.kind == "memory":
            try:
                value = parse_memory(text)
            except ValueError:
                raise ValueError("argument must be a memory value") from None
        else:
            try:
                value = int(text)
            except ValueError:
                raise ValueError("argument couldn't be parsed into an integer") from None
        if not self.minimum <= value <= self.maximum:
            raise ValueError(
                f"argument must be between {self.minimum} and {self.maximum} inclusive"
            )
        if self.clamp is not None:
            return min(max(value, self.clamp[0]), self.clamp[1])
        return value

    def render(self, value: Any) -> str:
        """The value as CONFIG GET shows it."""
        if self.kind == "bool":
            return "yes" if value else "no"
        if self.kind == "bind":
            return " ".join(value)
        if self.kind == "save":
            return " ".join(f"{s} {c}" for s, c in value)
        if self.kind == "cob":
            return " ".join(f"{cls} {h} {s} {t}" for cls, (h, s, t) in value.items())
        if self.kind == "octal":
            return f"{value:o}"
        if self.kind == "notify":
            return notify.flags_to_string(value)
        return str(value)

    def rewrite_lines(self, value: Any) -> list[str]:
        """The lines CONFIG REWRITE writes for ``value`` (cf. ``rewriteConfig*Option``)."""
        if self.kind == "save":
            if not value:
                return [f'{self.name} ""']
            return [f"{self.name} {s} {c}" for s, c in value]
        if self.kind == "cob":
            return [
                f"{self.name} {cls} {format_memory(h)} {format_memory(s)} {t}"
                for cls, (h, s, t) in value.items()
                if (h, s, t) != self.default[cls]
            ]
        if self.kind == "bind":
            return [f"{self.name} {' '.join(value)}"]
        if self.kind == "memory":
            return [f"{self.name} {format_memory(value)}"]
        if self.kind == "string":
            return [f"{self.name} {quote(value)}"]
        if self.kind == "notify":  # always quoted (sdscatrepr), "" included
            return [f'{self.name} "{notify.flags_to_string(value)}"']
        return [f"{self.name} {self.render(value)}"]


def _parse_bind(args: list[str]) -> list[str]:
    if not args or len(args) > 16:
        raise ValueError("Too many bind addresses specified.")
    return list(args)


def _parse_save(args: list[str]) -> list[tuple[int, int]]:
    words = " ".join(args).split()
    if len(words) % 2:
        raise ValueError("Invalid save parameters")
    points = []
    for i in range(0, len(words), 2):
        try:
            seconds, changes = int(words[i]), int(words[i + 1])
        except ValueError:
            raise ValueError("Invalid save parameters") from None
        if seconds < 1 or changes < 0:
            raise ValueError("Invalid save parameters")
        points.append((seconds, changes))
    return points


def _parse_cob(args: list[str]) -> dict[str, tuple[int, int, int]]:
    words = " ".join(args).split()
    if not words or len(words) % 4:
        raise ValueError("Wrong number of arguments in buffer limit configuration.")
    limits: dict[str, tuple[int, int, int]] = {}
    for i in range(0, len(words), 4):
        cls = _COB_ALIASES.get(words[i].lower())
        if cls is None:
            raise ValueError("Invalid client class specified in buffer limit configuration.")
        try:
            hard, soft = parse_memory(words[i + 1]), parse_memory(words[i + 2])
            seconds = int(words[i + 3])
        except ValueError:
            raise ValueError(
                "Error in hard, soft or soft_seconds setting in buffer limit configuration."
            ) from None
        if hard < 0 or soft < 0 or seconds < 0:
            raise ValueError(
                "Error in hard, soft or soft_seconds setting in buffer limit configuration."
            )
        limits[cls] = (hard, soft, seconds)
    return limits


_SPECIAL_PARSERS: dict[str, Callable[[list[str]], Any]] = {
    "bind": _parse_bind,
    "save": _parse_save,
    "cob": _parse_cob,
}
_MB = 1024 * 1024
_COB_DEFAULT = {
    "normal": (0, 0, 0),
    "slave": (256 * _MB, 64 * _MB, 60),
    "pubsub": (32 * _MB, 8 * _MB, 60),
}
_LOGLEVELS = ("debug", "verbose", "notice", "warning", "nothing")
_POLICIES = (
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "noeviction",
)

OPTIONS: tuple[Option, ...] = (
    Option(
        "bind",
        "bind",
        ["127.0.0.1", "-::1"],
        multi_arg=True,
        doc="Addresses to listen on; a leading '-' means skip it if unavailable.",
    ),
    Option("port", "int", 6379, maximum=65535, doc="TCP port; 0 disables TCP."),
    Option("unixsocket", "string", "", mutable=False, doc="Path of a Unix socket to listen on."),
    Option(
        "unixsocketperm",
        "octal",
        0,
        mutable=False,
        maximum=0o777,
        doc="Permissions of the Unix socket (octal).",
    ),
    Option("tcp-backlog", "int", 511, mutable=False, maximum=INT_MAX, doc="listen() backlog."),
    Option("timeout", "int", 0, maximum=INT_MAX, doc="Close idle clients after N seconds."),
    Option("tcp-keepalive", "int", 300, maximum=INT_MAX, doc="SO_KEEPALIVE interval, seconds."),
    Option(
        "databases",
        "int",
        16,
        mutable=False,
        minimum=1,
        maximum=INT_MAX,
        doc="Number of databases.",
    ),
    Option(
        "maxclients", "int", 10000, minimum=1, maximum=UINT_MAX, doc="Maximum simultaneous clients."
    ),
    Option(
        "hz",
        "int",
        10,
        maximum=INT_MAX,
        clamp=(1, 500),
        doc="Background task frequency (capped to 1..500, as updateHZ does).",
    ),
    Option("requirepass", "string", "", doc="Password of the default user."),
    Option(
        "proto-max-bulk-len",
        "memory",
        512 * _MB,
        minimum=_MB,
        doc="Largest bulk string a request may carry.",
    ),
    Option(
        "client-query-buffer-limit",
        "memory",
        1024 * _MB,
        minimum=_MB,
        doc="Largest unparsed input a client may hold.",
    ),
    Option(
        "client-output-buffer-limit",
        "cob",
        _COB_DEFAULT,
        multi_arg=True,
        doc="Per class: <class> <hard> <soft> <soft-seconds>.",
    ),
    Option("loglevel", "enum", "notice", choices=_LOGLEVELS, doc="Log verbosity."),
    Option("logfile", "string", "", mutable=False, doc="Log file; empty logs to stdout."),
    Option("pidfile", "string", "", mutable=False, doc="Write the pid here at start-up."),
    Option(
        "daemonize",
        "bool",
        False,
        mutable=False,
        doc="Must be 'no'; daemonize with twistd instead.",
    ),
    Option("dir", "string", ".", doc="Working directory (accepted; no persistence)."),
    Option("dbfilename", "string", "dump.rdb", doc="Accepted; pyredisd does not persist."),
    Option(
        "save",
        "save",
        [(3600, 1), (300, 100), (60, 10000)],
        multi_arg=True,
        doc="Accepted; pyredisd does not persist.",
    ),
    Option("appendonly", "bool", False, doc="Accepted; pyredisd does not persist."),
    Option("protected-mode", "bool", True, doc="Accepted; bind to loopback instead."),
    Option(
        "enable-debug-command",
        "enum",
        "no",
        mutable=False,
        choices=("no", "yes", "local"),
        doc="Allow DEBUG: no, yes, or local (loopback and Unix-socket clients).",
    ),
    Option("maxmemory", "memory", 0, doc="Memory limit of the dataset estimate; 0: none."),
    Option(
        "maxmemory-policy",
        "enum",
        "noeviction",
        choices=_POLICIES,
        doc="What to evict over maxmemory.",
    ),
    Option("maxmemory-samples", "int", 5, minimum=1, maximum=64,
           doc="Keys sampled per database to pick an eviction candidate."),
    Option("maxmemory-eviction-tenacity", "int", 10, maximum=100,
           doc="Time budget of one eviction run: 0..10 = 0..500us, then +15% a step; 100 none."),
    Option("lfu-log-factor", "int", 10, maximum=INT_MAX,
           doc="LFU: how slowly the access counter grows."),
    Option("lfu-decay-time", "int", 1, maximum=INT_MAX,
           doc="LFU: minutes for the counter to decay by one; 0 never."),
    # Compact-encoding thresholds: OBJECT ENCODING follows them (cf. redis.conf ADVANCED CONFIG).
    Option("busy-reply-threshold", "int", 5000, aliases=("lua-time-limit",),
           doc="Accepted (ms); a script runs to its end before others are served: no BUSY."),
    Option("hash-max-listpack-entries", "int", 512, aliases=("hash-max-ziplist-entries",),
           doc="Largest hash reported as listpack."),
    Option("hash-max-listpack-value", "int", 64, aliases=("hash-max-ziplist-value",),
           doc="Longest hash field or value in a listpack hash."),
    Option("list-max-listpack-size", "int", -2, minimum=-(1 << 31), maximum=INT_MAX,
           aliases=("list-max-ziplist-size",),
           doc="Listpack node size: entries if positive, -1..-5 for 4kb..64kb."),
    Option("set-max-intset-entries", "int", 512, doc="Largest all-integer set as intset."),
    Option("set-max-listpack-entries", "int", 128, doc="Largest set reported as listpack."),
    Option("set-max-listpack-value", "int", 64, doc="Longest member in a listpack set."),
    Option("zset-max-listpack-entries", "int", 128, aliases=("zset-max-ziplist-entries",),
           doc="Largest sorted set reported as listpack."),
    Option("zset-max-listpack-value", "int", 64, aliases=("zset-max-ziplist-value",),
           doc="Longest member in a listpack sorted set."),
    Option("hll-sparse-max-bytes", "memory", 3000,
           doc="Largest sparse HyperLogLog before it turns dense."),
    Option("notify-keyspace-events", "notify", 0,
           doc="Keyspace notification classes: K E g $ l s h z x e t m d n A (as Redis)."),
)  # fmt: skip


@dataclass
class Config:
    """Current configuration values, keyed by canonical option name."""

    values: dict[str, Any] = field(default_factory=dict)
    path: str | None = None
    table: dict[str, Option] = field(default_factory=dict)

    @classmethod
    def defaults(cls) -> Config:
        """A configuration holding every option's default."""
        table: dict[str, Option] = {}
        for option in OPTIONS:
            table[option.name] = option
            for alias in option.aliases:
                table[alias] = option
        values = {o.name: _copy(o.default) for o in OPTIONS}
        return cls(values=values, table=table)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def lookup(self, name: str) -> Option | None:
        """The option called ``name`` (case-insensitive, aliases allowed)."""
        return self.table.get(name.lower())

    # -- loading -------------------------------------------------------------------------------
    def load_text(self, text: str, first_line: int = 1) -> None:
        """Apply redis.conf text; raises ConfigError(line number, line, reason)."""
        seen_multi: set[str] = set()
        for number, raw in enumerate(text.split("\n"), start=first_line):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            words = split_args(line.encode("utf-8", "surrogateescape"))
            if words is None:
                raise ConfigError(number, raw, "Unbalanced quotes in configuration line")
            if not words:
                continue
            args = [w.decode("utf-8", "surrogateescape") for w in words]
            option = self.lookup(args[0])
            if option is None or len(args) < 2 or (len(args) > 2 and not option.multi_arg):
                raise ConfigError(number, raw, "Bad directive or wrong number of arguments")
            try:
                value = option.parse(args[1:])
            except ValueError as exc:
                raise ConfigError(number, raw, str(exc)) from None
            if option.kind == "save" and args[1:] == [""]:
                value = []  # save "" resets, even after earlier save lines (cf. config.c)
            elif option.kind == "save" and option.name in seen_multi:
                value = self.values[option.name] + value
            elif option.kind == "cob":
                value = {**self.values[option.name], **value}
            if option.name == "daemonize" and value:
                raise ConfigError(
                    number,
                    raw,
                    "daemonize yes is not supported: run under twistd "
                    "(twistd --pidfile P --logfile L pyredisd) to daemonize",
                )
            seen_multi.add(option.name)
            self.values[option.name] = value

    # -- CONFIG GET / SET ----------------------------------------------------------------------
    def get(self, patterns: Iterable[str]) -> list[tuple[str, str]]:
        """Name/value pairs matching any glob in ``patterns``, each option once. An exact name
        is replied as the caller spelled it, the first spelling winning (configGetCommand)."""
        found: dict[str, tuple[str, str]] = {}
        for pattern in patterns:
            lowered = pattern.lower()
            option = self.table.get(lowered)
            if option is not None and not any(ch in lowered for ch in "*?["):
                found.setdefault(lowered, (pattern, option.render(self.values[option.name])))
                continue
            for name, option in self.table.items():
                if fnmatch.fnmatchcase(name, lowered):
                    found.setdefault(name, (name, option.render(self.values[option.name])))
        return list(found.values())

    def prepare_set(self, pairs: list[tuple[str, str]]) -> dict[str, Any]:
        """Validate CONFIG SET pairs without applying them; raises ValueError(name, reason)."""
        updates: dict[str, Any] = {}
        for name, text in pairs:
            option = self.lookup(name)
            if option is None:
                raise LookupError(name)
            if option.name in updates:
                raise ValueError(name, "duplicate parameter")
            if not option.mutable:
                raise ValueError(name, "can't set immutable config")
            args = [text] if option.kind not in ("bind", "save", "cob") else text.split()
            try:
                value = option.parse(args)
            except ValueError as exc:
                raise ValueError(name, str(exc)) from None
            if option.kind == "cob":
                value = {**self.values[option.name], **value}
            updates[option.name] = value
        return updates

    # -- CONFIG REWRITE ------------------------------------------------------------------------
    def rewrite_text(self, old: str) -> str:
        """New file text: changed options rewritten in place, new ones appended, comments kept."""
        marker = "# Generated by CONFIG REWRITE"
        lines = old.split("\n")
        has_marker = any(line.strip() == marker for line in lines)
        if lines and lines[-1] == "":
            lines.pop()
        positions: dict[str, list[int]] = {}
        for index, line in enumerate(lines):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            option = self.lookup(stripped.split()[0])
            if option is not None:
                positions.setdefault(option.name, []).append(index)
        output: list[str | None] = list(lines)
        appended: list[str] = []
        for option in OPTIONS:
            value = self.values[option.name]
            present = positions.get(option.name, [])
            if value == option.default and not present:
                continue
            new_lines = option.rewrite_lines(value)
            for slot, index in enumerate(present):
                output[index] = new_lines[slot] if slot < len(new_lines) else None
            appended.extend(new_lines[len(present) :])
        result = [line for line in output if line is not None]
        if appended:
            if not has_marker:  # cf. rewriteConfigRewriteLine: one signature, new lines at the end
                result.append(marker)
            result.extend(appended)
        return "\n".join(result) + "\n"


def _copy(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return type(value)(value)
    return value


def args_to_conf(argv: list[str]) -> str:
    """Turn ``redis-server``-style ``--name value ...`` arguments into config text (cf. main()).

    Values are always quoted (``sdscatrepr``); an argument right after a bare option name is its
    value even if it starts with ``--``, except that ``--save`` with no value means ``save ""``.
    """
    lines: list[str] = []
    need_value = False
    for index, arg in enumerate(argv):
        if not need_value and arg.startswith("--") and len(arg) > 2:
            lines.append(arg[2:])
            need_value = len(arg[2:].split()) == 1
            last = index == len(argv) - 1
            if need_value and arg[2:].lower() == "save" and (last or argv[index + 1][:2] == "--"):
                lines[-1] += ' ""'
                need_value = False
        elif not lines:
            raise ConfigError(0, arg, "Invalid argument: options must be given as --name value")
        else:
            lines[-1] += " " + quote(arg)
            need_value = False
    return "\n".join(lines)
