"""Connection commands: PING ECHO QUIT RESET SELECT SWAPDB AUTH HELLO, and CLIENT's identity part
(ID SETNAME GETNAME SETINFO INFO)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyredisd.core import errors
from pyredisd.core.commands.args import is_valid_name, to_int, to_int32
from pyredisd.core.commands.spec import Argv, CmdFlag, CommandGroup
from pyredisd.core.errors import CommandError
from pyredisd.core.replies import OK, PONG, Map, Reply, Status, Verbatim
from pyredisd.core.version import REDIS_VERSION

if TYPE_CHECKING:
    from pyredisd.core.clients import Client

GROUP = CommandGroup("connection")
_F = CmdFlag
_CONN = _F.NOSCRIPT | _F.LOADING | _F.STALE
RESET = Status("RESET")


@GROUP.command("ping", -1, _F.FAST | _F.SENTINEL, since="1.0.0", usage="[message]")
def cmd_ping(c: Client, argv: Argv) -> Reply:
    """Returns the server's liveliness response."""
    if len(argv) > 2:
        raise CommandError(errors.wrong_arity("ping"))
    return PONG if len(argv) == 1 else argv[1]


@GROUP.command("echo", 2, _F.FAST, since="1.0.0", usage="message")
def cmd_echo(c: Client, argv: Argv) -> Reply:
    """Returns the given string."""
    return argv[1]


@GROUP.command("quit", -1, _F.ALLOW_BUSY | _F.NO_AUTH | _CONN | _F.FAST, since="1.0.0")
def cmd_quit(c: Client, argv: Argv) -> Reply:
    """Closes the connection."""
    c.close_after_reply = True
    return OK


@GROUP.command("reset", 1, _CONN | _F.NO_AUTH | _F.FAST | _F.SENTINEL, since="6.2.0")
def cmd_reset(c: Client, argv: Argv) -> Reply:
    """Resets the connection."""
    c.select(0)
    c.resp = 2
    c.name = b""
    # cf. clearClientConnectionState: the modes go too; lib-name and lib-ver stay.
    c.no_evict = False
    c.server.set_no_touch(c, False)
    c.server.discard_transaction(c)  # MULTI queue and WATCHes
    c.server.tracking.disable(c)  # client-side caching off
    if c.monitor:
        c.server.remove_monitor(c)
    if c.reply_mode != "on":
        c.reply_mode = "on"
        if c.peer is not None:
            c.peer.refresh()
    if c.server.config["requirepass"]:
        c.authenticated = False
        c.strict_changed = True
    return RESET


@GROUP.command("select", 2, _F.LOADING | _F.STALE | _F.FAST, since="1.0.0", usage="index")
def cmd_select(c: Client, argv: Argv) -> Reply:
    """Changes the selected database."""
    index = to_int32(argv[1])
    if not 0 <= index < len(c.server.dbs):
        raise CommandError(errors.DB_OUT_OF_RANGE)
    c.select(index)
    return OK


@GROUP.command("swapdb", 3, _F.WRITE | _F.FAST, since="4.0.0", usage="index1 index2")
def cmd_swapdb(c: Client, argv: Argv) -> Reply:
    """Swaps two Redis databases."""
    first = to_int32(argv[1], errors.INVALID_FIRST_DB)
    second = to_int32(argv[2], errors.INVALID_SECOND_DB)
    count = len(c.server.dbs)
    if not (0 <= first < count and 0 <= second < count):
        raise CommandError(errors.DB_OUT_OF_RANGE)
    if first != second:
        c.server.dbs[first].swap(c.server.dbs[second])
    return OK


def _check_password(c: Client, user: bytes, password: bytes) -> bool:
    required = c.server.config["requirepass"]
    if user != b"default":
        return False
    return not required or password == required.encode("utf-8", "surrogateescape")


def _authenticate(c: Client, user: bytes, password: bytes) -> None:
    if not _check_password(c, user, password):
        raise CommandError(errors.WRONGPASS)
    if not c.authenticated:
        c.authenticated = True
        c.strict_changed = True


@GROUP.command(
    "auth",
    -2,
    _CONN | _F.NO_AUTH | _F.FAST | _F.SENTINEL,
    since="1.0.0",
    usage="[username] password",
)
def cmd_auth(c: Client, argv: Argv) -> Reply:
    """Authenticates the connection."""
    if len(argv) > 3:
        raise CommandError(errors.SYNTAX)
    if len(argv) == 2:
        if not c.server.config["requirepass"]:
            raise CommandError(errors.AUTH_NOT_CONFIGURED)
        _authenticate(c, b"default", argv[1])
    else:
        _authenticate(c, argv[1], argv[2])
    return OK


def _set_name(c: Client, name: bytes) -> None:
    if not is_valid_name(name):
        raise CommandError(errors.CLIENT_NAME_CHARS)
    c.name = name


@GROUP.command(
    "hello",
    -1,
    _CONN | _F.NO_AUTH | _F.FAST | _F.SENTINEL,
    since="6.0.0",
    usage="[protover [AUTH username password] [SETNAME clientname]]",
)
def cmd_hello(c: Client, argv: Argv) -> Reply:
    """Handshakes with the Redis server."""
    version = 0
    index = 1
    if len(argv) >= 2:
        version = to_int(argv[1], errors.PROTO_NOT_INTEGER)
        index = 2
        if version < 2 or version > 3:
            raise CommandError(errors.NOPROTO)
    credentials: tuple[bytes, bytes] | None = None
    name: bytes | None = None
    while index < len(argv):
        option = argv[index].lower()
        more = len(argv) - 1 - index
        if option == b"auth" and more >= 2:
            credentials = (argv[index + 1], argv[index + 2])
            index += 3
        elif option == b"setname" and more >= 1:
            name = argv[index + 1]
            index += 2
        else:
            raise CommandError(errors.hello_syntax(argv[index]))
    if credentials is not None:
        _authenticate(c, *credentials)
    if not c.authenticated:
        raise CommandError(errors.HELLO_NOAUTH)
    if name is not None:
        _set_name(c, name)
    if version:
        c.resp = version
    return Map(
        [
            (b"server", b"redis"),
            (b"version", REDIS_VERSION.encode()),
            (b"proto", c.resp),
            (b"id", c.id),
            (b"mode", b"standalone"),
            (b"role", b"master"),
            (b"modules", []),
        ]
    )


# -- CLIENT (identity subcommands; the management half lives in client_admin) -----------------
_CLIENT = _F.NOSCRIPT | _F.LOADING | _F.STALE | _F.SENTINEL


@GROUP.command("client", -2, _F.SENTINEL, since="2.4.0", complexity="Depends on subcommand.")
def cmd_client(c: Client, argv: Argv) -> Reply:
    """A container for client connection commands."""
    raise CommandError(errors.unknown_subcommand(argv[0], argv[1]))  # pragma: no cover


@GROUP.command("id", 2, _CLIENT, container="client", since="5.0.0")
def cmd_client_id(c: Client, argv: Argv) -> Reply:
    """Returns the unique client ID of the connection."""
    return c.id


@GROUP.command("setname", 3, _CLIENT, container="client", since="2.6.9", usage="connection-name")
def cmd_client_setname(c: Client, argv: Argv) -> Reply:
    """Sets the connection name."""
    _set_name(c, argv[2])
    return OK


@GROUP.command("getname", 2, _CLIENT, container="client", since="2.6.9")
def cmd_client_getname(c: Client, argv: Argv) -> Reply:
    """Returns the name of the connection."""
    return c.name or None


@GROUP.command(
    "setinfo",
    4,
    _CLIENT,
    container="client",
    since="7.2.0",
    usage="(LIB-NAME libname|LIB-VER libver)",
)
def cmd_client_setinfo(c: Client, argv: Argv) -> Reply:
    """Sets information specific to the client or connection."""
    attr = argv[2].lower()
    if attr not in (b"lib-name", b"lib-ver"):
        raise CommandError(errors.unknown_option(argv[2]))
    if not is_valid_name(argv[3]):
        raise CommandError(errors.setinfo_chars(argv[2]))
    if attr == b"lib-name":
        c.lib_name = argv[3]
    else:
        c.lib_ver = argv[3]
    return OK


@GROUP.command("info", 2, _CLIENT, container="client", since="6.2.0")
def cmd_client_info(c: Client, argv: Argv) -> Reply:
    """Returns information about the connection."""
    return Verbatim((c.info_line(c.server.now, argv) + "\n").encode())
