"""Lua scripting (``eval.c``, ``script.c``, ``script_lua.c``): the script cache and the runs.

One :class:`Scripts` per server holds the Lua state (lupa's bundled Lua 5.1, created on first
use) and the cache of compiled scripts by SHA1. A run uses the server's script client: it takes
the caller's database and RESP2 (``redis.setresp`` changes it), and each ``redis.call`` goes
through :meth:`Scripts.call`: Redis's checks (unknown command, arity, ``noscript``, writes in a
read-only script, ``denyoom`` while over ``maxmemory``) and then the command itself through
``Server.call_from_script``. The command's reply is encoded for the script client's protocol
and parsed back into Lua values, so every conversion rule (nil bulk -> false, status ->
``{ok=...}``, RESP3 maps/sets/doubles) is exactly what the wire would carry.
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import lupa.lua51 as lua51  # type: ignore[import-untyped]

from pyredisd.core import errors, resp
from pyredisd.core.clients import Client
from pyredisd.core.commands.spec import CmdFlag
from pyredisd.core.errors import CommandError
from pyredisd.core.replies import Double, ErrorReply, Map, Raw, Reply, SetReply, Status, Verbatim
from pyredisd.core.scripting_lua import BOOTSTRAP
from pyredisd.core.version import REDIS_VERSION

if TYPE_CHECKING:
    from pyredisd.core.server import Server

# Shebang flags (eval.c evalExtractShebangFlags, script.h SCRIPT_FLAG_*).
NO_WRITES = "no-writes"
ALLOW_OOM = "allow-oom"
SHEBANG_FLAGS = frozenset(
    (NO_WRITES, ALLOW_OOM, "allow-stale", "no-cluster", "allow-cross-slot-keys")
)
# Redis 7.4 evicts EVAL-loaded scripts beyond this many, least recently used first
# (eval.c LRU_LIST_LENGTH); SCRIPT LOAD's are kept.
EVAL_SCRIPTS_MAX = 500
_LOG_LEVELS = ("debug", "verbose", "notice", "warning")


def sha1hex(data: bytes) -> bytes:
    """The script's name in the cache."""
    return hashlib.sha1(data).hexdigest().encode()


def _version_num() -> int:
    major, minor, patch = (int(part) for part in REDIS_VERSION.split(".")[:3])
    return (major << 16) | (minor << 8) | patch


class Script:
    """A compiled script: its body, its Lua function, its shebang flags (None: no shebang)."""

    __slots__ = ("body", "flags", "from_eval", "function")

    def __init__(self, body: bytes, function: Any, flags: frozenset[str] | None, from_eval: bool):
        self.body = body
        self.function = function
        self.flags = flags
        self.from_eval = from_eval


def parse_shebang(body: bytes) -> tuple[frozenset[str] | None, bytes]:
    """``#!lua flags=...`` on the first line: the flags, and the body Lua compiles (the
    shebang line emptied, so line numbers stay). Raises CommandError as Redis answers."""
    if not body.startswith(b"#!"):
        return None, body
    end = body.find(b"\n")
    line = body if end < 0 else body[:end]
    parts = line.decode("utf-8", "surrogateescape").split()
    engine = parts[0] if parts else ""
    if engine != "#!lua":
        raise CommandError(f"ERR Unexpected engine in script shebang: {engine}")
    flags: set[str] = set()
    for part in parts[1:]:
        if not part.startswith("flags="):
            raise CommandError(f"ERR Unknown lua shebang option: {part}")
        for flag in part[6:].split(","):
            if not flag:
                continue
            if flag not in SHEBANG_FLAGS:
                raise CommandError(f"ERR Unexpected flag in script shebang: {flag}")
            flags.add(flag)
    return frozenset(flags), (b"" if end < 0 else body[end:])


class Run:
    """What one running script knows: its caller, whether it may write, whether it wrote."""

    __slots__ = ("caller", "oom", "read_only", "sha", "wrote")

    def __init__(self, caller: Client, sha: bytes, read_only: bool, oom: bool) -> None:
        self.caller = caller
        self.sha = sha
        self.read_only = read_only
        self.oom = oom
        self.wrote = False


class Scripts:
    """The server's script cache and Lua state."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.cache: OrderedDict[bytes, Script] = OrderedDict()
        self.running: Run | None = None
        self._lua: Any = None
        self._client: Client | None = None
        # Where redis.log goes: (level name, message); the host may set it.
        self.logger: Callable[[str, str], None] | None = None

    # -- the Lua state -------------------------------------------------------------------------
    def _state(self) -> Any:
        if self._lua is None:
            runtime = lua51.LuaRuntime(
                encoding=None,
                register_eval=False,
                register_builtins=False,
                unpack_returned_tuples=True,
            )
            bootstrap = runtime.execute(
                BOOTSTRAP,
                self._raising_call,
                self._pcall,
                _unwrap,
                self._log,
                self._setresp,
                self._sha1hex,
                REDIS_VERSION.encode(),
                _version_num(),
            )
            self._lua = (runtime, *bootstrap)
        return self._lua

    def client(self) -> Client:
        """The script client (Redis's ``lctx.lua_client``): not connected, not listed."""
        if self._client is None:
            client = Client(0, self.server, addr="lua")
            client.authenticated = True
            client.multi = []  # commands inside scripts never block (CLIENT_DENY_BLOCKING)
            self._client = client
        return self._client

    def memory(self) -> int:
        """``used_memory_lua``: the Lua heap in bytes."""
        if self._lua is None:
            return 0
        return int(self._lua[3]() * 1024)

    def cache_memory(self) -> int:
        """``used_memory_scripts``: the bodies and their names, roughly."""
        return sum(len(script.body) + 120 for script in self.cache.values())

    def flush(self) -> None:
        """SCRIPT FLUSH: an empty cache and a fresh Lua state."""
        self.cache.clear()
        self._lua = None

    # -- the cache -----------------------------------------------------------------------------
    def load(self, body: bytes, from_eval: bool) -> bytes:
        """Compile ``body`` into the cache (once); its SHA1."""
        sha = sha1hex(body)
        script = self.cache.get(sha)
        if script is not None:
            if from_eval:
                self.cache.move_to_end(sha)
            else:
                script.from_eval = False
            return sha
        flags, source = parse_shebang(body)
        _, compile_, _, _ = self._state()
        function, message = compile_(source)
        if function is None:
            text = message.decode("utf-8", "surrogateescape") if message else ""
            raise CommandError(f"ERR Error compiling script (new function): {text}")
        self.cache[sha] = Script(body, function, flags, from_eval)
        if from_eval:
            self._evict()
        return sha

    def _evict(self) -> None:
        evals = [sha for sha, script in self.cache.items() if script.from_eval]
        for sha in evals[: max(0, len(evals) - EVAL_SCRIPTS_MAX)]:
            del self.cache[sha]

    # -- a run ---------------------------------------------------------------------------------
    def run(
        self, caller: Client, sha: bytes, keys: list[bytes], args: list[bytes], ro: bool
    ) -> Reply:
        """Run the cached script ``sha`` for ``caller`` (``evalGenericCommand``)."""
        script = self.cache[sha]
        server = self.server
        memory = server.memory
        oom = bool(memory.maxmemory) and memory.used() > memory.maxmemory
        flags = script.flags
        if flags is not None:
            if ALLOW_OOM not in flags and oom:
                raise CommandError(errors.SCRIPT_OOM)
            if NO_WRITES not in flags and ro:
                raise CommandError(errors.SCRIPT_RO_WITH_WRITE)
        read_only = ro or (flags is not None and NO_WRITES in flags)
        if flags is not None and ALLOW_OOM in flags:
            oom = False
        client = self.client()
        client.db = caller.db
        client.resp = 2
        runtime, _, run, _ = self._state()
        self.running = Run(caller, sha, read_only, oom)
        try:
            result = run(script.function, runtime.table_from(keys), runtime.table_from(args))
        finally:
            self.running = None
        ok, value = result
        if ok:
            return self._to_reply(value, client.resp, caller.resp)
        return self._failure(value, sha)

    def _failure(self, error: Any, sha: bytes) -> Reply:
        """The script raised: ``-<err> script: <sha>, on @user_script:<line>.``"""
        if lua51.lua_type(error) != "table":
            text = error.decode("utf-8", "surrogateescape") if isinstance(error, bytes) else ""
            raise CommandError(f"ERR Error running script {sha.decode()}, {text[:100]}")
        message = _text(error[b"err"])
        source, line = error[b"source"], error[b"line"]
        if source is not None and line is not None:
            line_text = _text(line) if isinstance(line, bytes) else f"{int(line)}"
            message += f" script: {sha.decode()}, on {_text(source)}:{line_text}."
        if error[b"ignore_error_stats_update"]:
            return ErrorReply(message)
        raise CommandError(message)

    # -- redis.call ----------------------------------------------------------------------------
    def _raising_call(self, *args: Any) -> Any:
        """``redis.call``: the reply, or the error raised (as a Python exception)."""
        failed, value = self._call(*args)
        if failed:
            raise LuaRaiseError(value)
        return value

    def _pcall(self, *args: Any) -> Any:
        """``redis.pcall``: the reply or the error table."""
        return self._call(*args)[1]

    def _call(self, *args: Any) -> tuple[bool, Any]:
        """``luaRedisGenericCommand``: whether it failed, and the reply or error table
        (``redis.pcall`` returns the second)."""
        run = self.running
        runtime = self._state()[0]
        if run is None:
            return True, self._error_table("redis.call/pcall can only be called inside a script")
        if not args:
            return True, self._error_table(errors.SCRIPT_NO_ARGUMENTS)
        argv: list[bytes] = []
        for arg in args:
            if isinstance(arg, bytes):
                argv.append(arg)
            elif isinstance(arg, (int, float)) and not isinstance(arg, bool):
                argv.append(b"%.17g" % arg)
            else:
                return True, self._error_table(errors.SCRIPT_BAD_ARGUMENTS)
        problem = self._check(run, argv)
        if isinstance(problem, str):
            table = self._error_table(problem)
            table[b"ignore_error_stats_update"] = True
            return True, table
        server = self.server
        client = self.client()
        reply = server.call_from_script(run.caller, client, problem, argv)
        data = resp.encode(reply, client.resp)
        value, _ = _parse(runtime, data, 0)
        return lua51.lua_type(value) == "table" and value[b"err"] is not None, value

    def _check(self, run: Run, argv: list[bytes]) -> Any:
        """scriptCall's checks before running: the command, or the error message."""
        commands = self.server.commands.commands
        command = commands.get(argv[0].lower())
        if command is not None and command.subcommands is not None and len(argv) > 1:
            command = command.subcommands.get(argv[1].lower())
        if command is None:
            return errors.SCRIPT_UNKNOWN_COMMAND
        if not command.arity_ok(len(argv)):
            return errors.SCRIPT_WRONG_ARITY
        flags = command.flags
        if flags & CmdFlag.NOSCRIPT:
            return errors.SCRIPT_NOT_ALLOWED
        if flags & CmdFlag.WRITE and run.read_only:
            return errors.SCRIPT_WRITE_IN_RO
        if run.oom and not run.wrote and flags & CmdFlag.DENYOOM:
            return "-" + errors.OOM
        if flags & CmdFlag.WRITE:
            run.wrote = True
        return command

    def _error_table(self, message: str) -> Any:
        """luaPushError: ``{err = "CODE message"}``."""
        runtime = self._state()[0]
        if message.startswith("-"):
            code, _, rest = message[1:].partition(" ")
            text = f"{code} {rest}" if rest else f"ERR {code}"
        else:
            text = "ERR " + message
        return runtime.table_from({b"err": text.strip("\r\n").encode()})

    # -- redis.log, redis.setresp, redis.sha1hex (Python, so C functions to Lua) --------------
    def _raise(self, message: str) -> None:
        raise LuaRaiseError(self._error_table(message))

    def _sha1hex(self, *args: Any) -> bytes:
        if len(args) != 1:
            self._raise("wrong number of arguments")
        value = args[0]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = _lua_number(value)
        return sha1hex(value if isinstance(value, bytes) else b"")

    def _log(self, *args: Any) -> None:
        if len(args) < 2:
            self._raise("redis.log() requires two arguments or more.")
        number = _to_number(args[0])
        if number is None:
            self._raise("First argument must be a number (log level).")
        level = int(number or 0)
        if not 0 <= level <= 3:
            self._raise("Invalid debug level.")
        parts = []
        for index, value in enumerate(args[1:]):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = _lua_number(value)
            text = value if isinstance(value, bytes) else b""
            parts.append((b" " if index else b"") + text)
        if self.logger is not None:
            message = b"".join(parts).decode("utf-8", "surrogateescape")
            self.logger(_LOG_LEVELS[level], message)

    def _setresp(self, *args: Any) -> None:
        if len(args) != 1:
            self._raise("redis.setresp() requires one argument.")
        version = _to_number(args[0])
        if version is None or int(version) not in (2, 3):
            self._raise("RESP version must be 2 or 3.")
        self.client().resp = int(version or 0)

    # -- Lua -> reply --------------------------------------------------------------------------
    def _to_reply(self, value: Any, script_resp: int, caller_resp: int) -> Reply:
        """``luaReplyToRedisReply``."""
        if isinstance(value, bytes):
            return value
        if isinstance(value, bool):
            if script_resp == 2:
                return 1 if value else None
            return value
        if isinstance(value, (int, float)):
            return _truncate(value)
        if lua51.lua_type(value) != "table":
            return None
        err = value[b"err"]
        if isinstance(err, bytes):
            return ErrorReply(_text(err))
        ok = value[b"ok"]
        if isinstance(ok, bytes):
            return Status(_text(ok))
        double = value[b"double"]
        if isinstance(double, (int, float)) and not isinstance(double, bool):
            return Double(float(double))
        big = value[b"big_number"]
        if isinstance(big, bytes):
            big = big.replace(b"\r", b" ").replace(b"\n", b" ")
            return Raw(b"(" + big + b"\r\n") if caller_resp == 3 else big
        verbatim = value[b"verbatim_string"]
        if lua51.lua_type(verbatim) == "table":
            fmt, text = verbatim[b"format"], verbatim[b"string"]
            if isinstance(fmt, bytes) and isinstance(text, bytes):
                return Verbatim(text, fmt[:3].decode("latin-1"))
        mapping = value[b"map"]
        if lua51.lua_type(mapping) == "table":
            return Map(
                (
                    self._to_reply(key, script_resp, caller_resp),
                    self._to_reply(item, script_resp, caller_resp),
                )
                for key, item in mapping.items()
            )
        members = value[b"set"]
        if lua51.lua_type(members) == "table":
            return SetReply(self._to_reply(key, script_resp, caller_resp) for key in members)
        items: list[Reply] = []
        index = 1
        while True:
            item = value[index]
            if item is None:
                break
            items.append(self._to_reply(item, script_resp, caller_resp))
            index += 1
        return items


class LuaRaiseError(Exception):
    """Carries a Lua error table out of a Python function called from Lua."""

    def __init__(self, table: Any) -> None:
        super().__init__("script error")
        self.table = table


def _unwrap(error: Any) -> Any:
    """The Lua error value a Python exception stands for (the error handler asks)."""
    if isinstance(error, LuaRaiseError):
        return error.table
    return str(error).encode("utf-8", "surrogateescape")


def _to_number(value: Any) -> float | None:
    """``lua_tonumber``/``lua_isnumber``: a number, or a string that reads as one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, bytes):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _lua_number(value: float) -> bytes:
    """Lua 5.1's ``tostring`` of a number (``%.14g``)."""
    return b"%.14g" % value


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    return str(value)


def _truncate(value: float) -> int:
    """``(long long)`` of a Lua number (saturating where C is undefined)."""
    if isinstance(value, int):
        return value
    if math.isnan(value):
        return -(1 << 63)
    if math.isinf(value):
        return (1 << 63) - 1 if value > 0 else -(1 << 63)
    return max(-(1 << 63), min((1 << 63) - 1, int(value)))


# -- RESP -> Lua -----------------------------------------------------------------------------------
def _parse(runtime: Any, data: bytes, pos: int) -> tuple[Any, int]:
    """One RESP value at ``pos`` as the Lua value Redis makes of it (``redisProtocolToLuaType``);
    the position after it."""
    kind = data[pos : pos + 1]
    end = data.index(b"\r\n", pos)
    head = data[pos + 1 : end]
    pos = end + 2
    if kind == b"$" or kind == b"=":
        size = int(head)
        if size < 0:
            return False, pos
        body = data[pos : pos + size]
        pos += size + 2
        if kind == b"=":
            table = runtime.table_from({b"string": body[4:], b"format": body[:3]})
            return runtime.table_from({b"verbatim_string": table}), pos
        return body, pos
    if kind == b":":
        return int(head), pos
    if kind == b"+":
        return runtime.table_from({b"ok": head}), pos
    if kind == b"-":
        text = head.decode("utf-8", "surrogateescape")
        code, _, rest = text.partition(" ")
        message = f"{code} {rest}" if rest else f"ERR {code}"
        table = runtime.table_from({b"err": message.encode("utf-8", "surrogateescape")})
        table[b"ignore_error_stats_update"] = True
        return table, pos
    if kind in (b"*", b"~", b">"):
        count = int(head)
        if count < 0:
            return False, pos
        items = []
        for _ in range(count):
            item, pos = _parse(runtime, data, pos)
            items.append(item)
        if kind == b"~":
            return runtime.table_from({b"set": runtime.table_from(dict.fromkeys(items, True))}), pos
        table = runtime.table()
        for index, item in enumerate(items, 1):
            if item is not None:
                table[index] = item
        return table, pos
    if kind == b"%":
        mapping = runtime.table()
        for _ in range(int(head)):
            key, pos = _parse(runtime, data, pos)
            value, pos = _parse(runtime, data, pos)
            if key is not None and value is not None:
                mapping[key] = value
        return runtime.table_from({b"map": mapping}), pos
    if kind == b"_":
        return None, pos
    if kind == b"#":
        return head == b"t", pos
    if kind == b",":
        return runtime.table_from({b"double": float(head)}), pos
    if kind == b"(":
        return runtime.table_from({b"big_number": head}), pos
    raise ValueError(f"unexpected RESP type {kind!r}")
