"""Commands that change how a connection is served: MONITOR, CLIENT PAUSE / UNPAUSE / REPLY.

Their state lives on the client (``monitor``, ``paused``, ``reply_mode``) and on the server
(``monitors``, the pause, the postponed clients); the network layer acts on it after
``peer.refresh()`` (suppressing replies, holding a postponed client's requests).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pyredisd.core import errors
from pyredisd.core.commands.args import to_int
from pyredisd.core.commands.spec import Argv, CmdFlag, CommandGroup
from pyredisd.core.errors import CommandError
from pyredisd.core.replies import NO_REPLY, OK, NoReply, Reply

if TYPE_CHECKING:
    from pyredisd.core.clients import Client

GROUP = CommandGroup("server")
_F = CmdFlag
_ADMIN = _F.ADMIN | _F.NOSCRIPT | _F.LOADING | _F.STALE
LLONG_MAX = (1 << 63) - 1

# What ``Server.execute`` returns for a request it postponed (CLIENT PAUSE): the connection holds
# the request and runs it again when the pause ends. Encodes to nothing, should it ever escape.
POSTPONED = NoReply()


# -- the MONITOR feed ----------------------------------------------------------------------------
_ESCAPES = {
    ord("\\"): b"\\\\",
    ord('"'): b'\\"',
    ord("\n"): b"\\n",
    ord("\r"): b"\\r",
    ord("\t"): b"\\t",
    0x07: b"\\a",
    0x08: b"\\b",
}
_NEEDS_ESCAPE = re.compile(rb"[^\x20\x21\x23-\x5b\x5d-\x7e]")


def _escape(match: re.Match[bytes]) -> bytes:
    byte = match.group()[0]
    return _ESCAPES.get(byte) or b"\\x%02x" % byte


def quote_arg(arg: bytes) -> bytes:
    """``sdscatrepr``: the argument in double quotes, C escapes for ``\\ " \\n \\r \\t \\a \\b``,
    ``\\xHH`` for any other byte outside printable ASCII."""
    if _NEEDS_ESCAPE.search(arg) is None:
        return b'"' + arg + b'"'
    return b'"' + _NEEDS_ESCAPE.sub(_escape, arg) + b'"'


_REDACTED = b"(redacted)"


def redact(argv: Argv) -> Argv:
    """The arguments MONITOR may show: AUTH's and HELLO AUTH's credentials become ``(redacted)``
    (cf. ``redactClientCommandArgument`` in ``authCommand`` and ``helloCommand``)."""
    name = argv[0].lower()
    if name == b"auth":
        return [argv[0], *(_REDACTED for _ in argv[1:])]
    if name == b"hello":
        shown = list(argv)
        for index in range(2, len(argv) - 2):
            if argv[index].lower() == b"auth":
                shown[index + 1] = shown[index + 2] = _REDACTED
        return shown
    return argv


def monitor_line(now: float, db: int, source: str, argv: Argv) -> bytes:
    """One MONITOR line (cf. ``replicationFeedMonitors``):
    ``+1700000000.123456 [0 127.0.0.1:5000] "SET" "k" "v"``."""
    seconds, micros = divmod(round(now * 1_000_000), 1_000_000)
    head = b"+%d.%06d [%d %s] " % (seconds, micros, db, source.encode())
    return head + b" ".join([quote_arg(arg) for arg in redact(argv)]) + b"\r\n"


def monitor_source(c: Client) -> str:
    """How MONITOR names a client: its address, or ``unix:<socket path>``."""
    if c.unix:
        return "unix:" + str(c.server.config["unixsocket"])
    return c.addr


# -- commands ------------------------------------------------------------------------------------
@GROUP.command("monitor", 1, _ADMIN, since="1.0.0")
def cmd_monitor(c: Client, argv: Argv) -> Reply:
    """Listens for all requests received by the server in real-time."""
    if c.monitor:
        return NO_REPLY  # cf. monitorCommand: already a monitor, ignored without a reply
    c.server.add_monitor(c)
    return OK


_CLIENT_ADMIN = _ADMIN | _F.SENTINEL


@GROUP.command(
    "pause", -3, _CLIENT_ADMIN, container="client", since="3.0.0", usage="timeout [WRITE|ALL]"
)
def cmd_client_pause(c: Client, argv: Argv) -> Reply:
    """Suspends commands processing."""
    if len(argv) > 4:
        raise CommandError(errors.subcommand_syntax(argv[1], "CLIENT"))
    mode = "all"
    if len(argv) == 4:
        mode = argv[3].lower().decode("latin-1")
        if mode not in ("write", "all"):
            raise CommandError(errors.PAUSE_MODE)
    timeout = to_int(argv[2], errors.TIMEOUT_NOT_INTEGER)
    if timeout < 0:
        raise CommandError(errors.TIMEOUT_NEGATIVE)
    now_ms = c.server.now_ms
    if timeout > LLONG_MAX - now_ms:
        raise CommandError(errors.TIMEOUT_OUT_OF_RANGE)
    c.server.pause_clients(now_ms + timeout if timeout else 0, mode)
    return OK


@GROUP.command("unpause", 2, _CLIENT_ADMIN, container="client", since="6.2.0")
def cmd_client_unpause(c: Client, argv: Argv) -> Reply:
    """Resumes processing of clients that were paused."""
    c.server.unpause_clients()
    return OK


@GROUP.command(
    "reply",
    3,
    _F.NOSCRIPT | _F.LOADING | _F.STALE | _F.SENTINEL,
    container="client",
    since="3.2.0",
    usage="(ON|OFF|SKIP)",
)
def cmd_client_reply(c: Client, argv: Argv) -> Reply:
    """Instructs the server whether to reply to commands.

    ``reply_mode`` is ``on``, ``off``, or ``skip`` (suppress the next command's reply); OFF and
    SKIP themselves answer nothing, and SKIP is ignored while OFF (cf. ``clientCommand``).
    """
    mode = argv[2].lower()
    if mode == b"on":
        c.reply_mode = "on"
        reply: Reply = OK
    elif mode == b"off":
        c.reply_mode = "off"
        reply = NO_REPLY
    elif mode == b"skip":
        if c.reply_mode != "off":
            c.reply_mode = "skip"
        reply = NO_REPLY
    else:
        raise CommandError(errors.SYNTAX)
    if c.peer is not None:
        c.peer.refresh()
    return reply
