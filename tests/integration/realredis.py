"""Subprocess servers for comparison tests: a real ``redis-server`` and pyredisd, side by side.

:class:`ServerProcess` starts either one on a free loopback port in its own temporary directory,
waits (bounded) until it answers PING, and stops it by PID. :class:`RespConnection` is a blocking
socket that sends raw bytes and reads exactly one complete RESP value at a time (a minimal RESP2/3
framer), or everything until the server closes, so a comparison never depends on timing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from collections.abc import Sequence
from pathlib import Path

from tests.helpers import free_port

REQUIRE_ENV = "PYREDISD_REQUIRE_REDIS"
START_TIMEOUT = 20.0
IO_TIMEOUT = 10.0
_REPO = Path(__file__).resolve().parents[2]


class RespError:
    """A parsed error reply (kept as a value, not raised)."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RespError) and other.message == self.message

    def __hash__(self) -> int:
        return hash(self.message)

    def __repr__(self) -> str:
        return f"RespError({self.message!r})"


def redis_server_path() -> str | None:
    """The ``redis-server`` executable on PATH, if any."""
    return shutil.which("redis-server")


def require_redis_server(test: unittest.TestCase) -> str:
    """Return redis-server's path; skip ``test`` without it, or fail if the env requires it."""
    path = redis_server_path()
    if path is None:
        if os.environ.get(REQUIRE_ENV) == "1":
            test.fail(
                f"redis-server is not installed and {REQUIRE_ENV}=1 (run `make redis-server`)"
            )
        raise unittest.SkipTest(
            f"redis-server is not installed (install it with `make redis-server`; "
            f"set {REQUIRE_ENV}=1 to make this a failure)"
        )
    return path


def command(*args: bytes | str | int) -> bytes:
    """Encode one request as a RESP multibulk."""
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


# -- RESP framing --------------------------------------------------------------------------------
_LINE_TYPES = b"+-:_,#("
_BULK_TYPES = b"$!="
_AGG_TYPES = b"*~>"
_PAIR_TYPES = b"%|"


def value_end(buf: bytes, pos: int = 0) -> int | None:
    """Index just past the complete RESP value starting at ``pos``, or None if incomplete.

    :raises ValueError: the bytes are not RESP.
    """
    if pos >= len(buf):
        return None
    newline = buf.find(b"\r\n", pos)
    if newline < 0:
        return None
    kind = buf[pos]
    after = newline + 2
    if kind in _LINE_TYPES:
        return after
    count = int(buf[pos + 1 : newline])
    if kind in _BULK_TYPES:
        if count < 0:
            return after
        end = after + count + 2
        return end if end <= len(buf) else None
    if kind in _AGG_TYPES or kind in _PAIR_TYPES:
        items = count * 2 if kind in _PAIR_TYPES else count
        for _ in range(max(items, 0)):
            next_pos = value_end(buf, after)
            if next_pos is None:
                return None
            after = next_pos
        if kind == ord("|"):  # an attribute is followed by the value it describes
            return value_end(buf, after)
        return after
    raise ValueError(f"not RESP at {pos}: {buf[pos : pos + 20]!r}")


def parse(raw: bytes) -> object:
    """Decode one complete RESP value (maps become dicts, sets lists, errors :class:`RespError`)."""
    value, end = _parse(raw, 0)
    if end != len(raw):
        raise ValueError(f"trailing bytes after RESP value: {raw[end:]!r}")
    return value


def _parse(buf: bytes, pos: int) -> tuple[object, int]:
    newline = buf.index(b"\r\n", pos)
    kind, text, after = buf[pos : pos + 1], buf[pos + 1 : newline], newline + 2
    if kind == b"+":
        return text.decode(), after
    if kind == b"-":
        return RespError(text.decode("utf-8", "replace")), after
    if kind in (b":", b"("):
        return int(text), after
    if kind == b"_":
        return None, after
    if kind == b",":
        return float(text), after
    if kind == b"#":
        return text == b"t", after
    if kind in (b"$", b"!", b"="):
        size = int(text)
        if size < 0:
            return None, after
        data = buf[after : after + size]
        return (data[4:] if kind == b"=" else data), after + size + 2
    count = int(text)
    if kind in (b"*", b"~", b">"):
        if count < 0:
            return None, after
        items: list[object] = []
        for _ in range(count):
            item, after = _parse(buf, after)
            items.append(item)
        return items, after
    if kind in (b"%", b"|"):
        pairs: dict[object, object] = {}
        for _ in range(count):
            key, after = _parse(buf, after)
            value, after = _parse(buf, after)
            pairs[key] = value
        if kind == b"|":
            return _parse(buf, after)
        return pairs, after
    raise ValueError(f"not RESP at {pos}: {buf[pos : pos + 20]!r}")


class RespConnection:
    """A blocking client socket that reads whole RESP values."""

    def __init__(self, port: int, timeout: float = IO_TIMEOUT) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buffer = b""

    def close(self) -> None:
        """Close the socket."""
        self.sock.close()

    def __enter__(self) -> RespConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, data: bytes) -> None:
        """Send raw bytes."""
        self.sock.sendall(data)

    def _fill(self) -> bool:
        """Read more bytes into the buffer; False at EOF (a reset counts as EOF)."""
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            return False
        if not chunk:
            return False
        self.buffer += chunk
        return True

    def read_reply(self) -> bytes:
        """The next complete RESP value, raw. Raises EOFError if the server closes first."""
        while True:
            end = value_end(self.buffer)
            if end is not None:
                reply, self.buffer = self.buffer[:end], self.buffer[end:]
                return reply
            if not self._fill():
                raise EOFError(f"connection closed; partial reply {self.buffer!r}")

    def read_replies(self, count: int) -> bytes:
        """The next ``count`` complete values, concatenated."""
        return b"".join(self.read_reply() for _ in range(count))

    def read_until_eof(self) -> bytes:
        """Everything the server sends until it closes the connection."""
        while self._fill():
            pass
        data, self.buffer = self.buffer, b""
        return data

    def call(self, *args: bytes | str | int) -> bytes:
        """Send one multibulk request and return its raw reply."""
        self.send(command(*args))
        return self.read_reply()


class ServerProcess:
    """A redis-server compatible process on a free loopback port, in a temporary directory."""

    def __init__(self, name: str, argv: list[str], port: int, workdir: str) -> None:
        self.name = name
        self.argv = argv
        self.port = port
        self.workdir = workdir
        self.log_path = os.path.join(workdir, "server.log")
        self.process: subprocess.Popen[bytes] | None = None

    @classmethod
    def redis(cls, executable: str) -> ServerProcess:
        """A real redis-server, configured like the pyredisd beside it."""
        port = free_port()
        workdir = tempfile.mkdtemp(prefix="realredis-")
        argv = [
            executable,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--enable-debug-command",
            "yes",
            "--daemonize",
            "no",
        ]
        return cls("redis-server", argv, port, workdir)

    @classmethod
    def pyredisd(cls) -> ServerProcess:
        """pyredisd run as ``python -m pyredisd`` with the same options."""
        port = free_port()
        workdir = tempfile.mkdtemp(prefix="pyredisd-")
        argv = [
            sys.executable,
            "-m",
            "pyredisd",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--enable-debug-command",
            "yes",
        ]
        return cls("pyredisd", argv, port, workdir)

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start the process and wait until it answers PING (at most ``timeout`` seconds)."""
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_REPO), env.get("PYTHONPATH")]))
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                self.argv,
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"{self.name} exited at start-up: {self.log_tail()}")
            try:
                with RespConnection(self.port, timeout=2.0) as conn:
                    if conn.call("PING") == b"+PONG\r\n":
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not answer PING in {timeout}s")
            time.sleep(0.02)  # waiting for another process to bind, not for time to pass

    def log_tail(self) -> str:
        """The end of the server's log, for failure messages."""
        try:
            with open(self.log_path, "rb") as log:
                return log.read()[-2000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL) by its PID and remove the directory."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def connect(self) -> RespConnection:
        """A new client connection."""
        return RespConnection(self.port)

    def exchange(self, payload: bytes, replies: int | None, setup: Sequence[bytes] = ()) -> bytes:
        """On a fresh connection run ``setup`` requests, send ``payload`` and return what comes
        back: ``replies`` complete values, or everything until the server closes (None)."""
        with self.connect() as conn:
            for request in setup:
                conn.send(request)
                conn.read_reply()
            conn.send(payload)
            return conn.read_until_eof() if replies is None else conn.read_replies(replies)
