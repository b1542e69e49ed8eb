"""CLIENT's management half: LIST KILL COUNT HELP NO-EVICT NO-TOUCH UNBLOCK.

Which clients a filter selects is decided in :mod:`pyredisd.core.client_filters`; this module
carries out the effect. Killing follows Redis (cf. ``clientKillCommand``): every other matching
client is dropped at once, its pending output discarded, and forgotten before the reply is
queued; a caller that matches itself gets its reply and is closed after it, so no later
pipelined command of it runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyredisd.core import errors
from pyredisd.core.client_filters import parse_filters
from pyredisd.core.commands.args import to_int
from pyredisd.core.commands.spec import Argv, CmdFlag, CommandGroup
from pyredisd.core.errors import CommandError
from pyredisd.core.replies import OK, Reply, Status, Verbatim
from pyredisd.core.version import REDIS_VERSION

if TYPE_CHECKING:
    from pyredisd.core.clients import Client

GROUP = CommandGroup("connection")
# The filters CLIENT LIST, COUNT and KILL share (NOT-<filter> forms omitted from the hint).
FILTER_USAGE = (
    "[ID client-id...] [TYPE (NORMAL|MASTER|SLAVE|REPLICA|PUBSUB|PRIMARY)] [USER username] "
    "[ADDR ip:port] [LADDR ip:port] [SKIPME (YES|NO)] [MAXAGE maxage] [NAME name] [IDLE idle] "
    "[FLAGS flags] [LIB-NAME lib-name] [LIB-VER lib-ver] [DB db] [IP ip]"
)
_F = CmdFlag
_CLIENT = _F.NOSCRIPT | _F.LOADING | _F.STALE | _F.SENTINEL
_ADMIN = _F.ADMIN | _CLIENT
_PER_CLIENT = "O(N) where N is the number of client connections"


def kill_clients(c: Client, victims: list[Client]) -> None:
    """Drop ``victims`` now, except the caller ``c``, which is closed after its reply.

    A victim's connection is aborted (its queued output is lost, as ``freeClient`` loses it)
    and the victim is detached at once, so a CLIENT LIST later in the same pipeline no longer
    shows it; the connection's own ``connectionLost`` detaches it again, harmlessly.
    """
    server = c.server
    for victim in victims:
        if victim is c:
            c.close_after_reply = True
            continue
        if victim.peer is not None:
            victim.peer.abort()
        server.detach(victim)


@GROUP.command(
    "list",
    -2,
    _ADMIN,
    container="client",
    since="2.4.0",
    complexity=_PER_CLIENT,
    usage=FILTER_USAGE,
)
def cmd_client_list(c: Client, argv: Argv) -> Reply:
    """Lists open connections."""
    server = c.server
    clients = list(server.clients)
    if len(argv) > 2:
        selected = parse_filters(argv, 2, kill=False, databases=len(server.dbs))
        clients = selected.select(clients, c, server.now)
    now = server.now
    lines = (client.info_line(now, argv if client is c else None) + "\n" for client in clients)
    return Verbatim("".join(lines).encode())


@GROUP.command(
    "count",
    -2,
    _ADMIN,
    container="client",
    since=REDIS_VERSION,
    complexity=_PER_CLIENT,
    usage=FILTER_USAGE,
)
def cmd_client_count(c: Client, argv: Argv) -> Reply:
    """Counts open connections, or those matching the filters (a pyredisd extension)."""
    server = c.server
    if len(argv) == 2:
        return len(server.clients)
    selected = parse_filters(argv, 2, kill=False, databases=len(server.dbs))
    return len(selected.select(server.clients, c, server.now))


@GROUP.command(
    "kill",
    -3,
    _ADMIN,
    container="client",
    since="2.4.0",
    complexity=_PER_CLIENT,
    usage=f"(ip:port|({FILTER_USAGE}))",
)
def cmd_client_kill(c: Client, argv: Argv) -> Reply:
    """Terminates open connections."""
    server = c.server
    if len(argv) == 3:
        # The old form: one address, and the caller may kill itself.
        addr = argv[2].decode("utf-8", "surrogateescape")
        victims = [client for client in server.clients if client.addr == addr]
        kill_clients(c, victims)
        if not victims:
            raise CommandError(errors.NO_SUCH_CLIENT)
        return OK
    selected = parse_filters(argv, 2, kill=True, databases=len(server.dbs))
    victims = selected.select(server.clients, c, server.now)
    kill_clients(c, victims)
    return len(victims)


HELP = (
    "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "COUNT [options ...]",
    "    Return the number of client connections, filtered by the options of LIST.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "    * ID <client-id>",
    "      Kill connections by client id.",
    "    * MAXAGE <maxage>",
    "      Kill connections older than the specified age.",
    "    * ID <client-id> [<client-id>...]",
    "      Kill connections by several client ids.",
    "    * NAME <client-name>",
    "      Kill connections with the specified name.",
    "    * IDLE <idle>",
    "      Kill connections with idle time greater than or equal to <idle> seconds.",
    "    * FLAGS <flags>",
    "      Kill connections that include the specified flags.",
    "    * LIB-NAME <library-name>",
    "      Kill connections with the specified library name.",
    "    * LIB-VER <library-version>",
    "      Kill connections with the specified library version.",
    "    * DB <db-id>",
    "      Kill connections currently operating on the specified database ID.",
    "    * IP <ip>",
    "      Kill connections made from the specified ip.",
    "    * NOT-<option> <value>",
    "      Kill connections that do not match the option; for ID, TYPE, ADDR, LADDR, USER,",
    "      FLAGS, NAME, LIB-NAME, LIB-VER, DB and IP.",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "    * ID <client-id> [<client-id>...]",
    "      Return clients with the specified IDs.",
    "    * Any option of KILL <option> <value> (SKIPME defaults to no)",
    "      Return the clients KILL would kill.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "SETINFO <option> <value>",
    "    Set client meta attr. Options are:",
    "    * LIB-NAME: the client lib name.",
    "    * LIB-VER: the client lib version.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
    "NO-TOUCH (ON|OFF)",
    "    Will not touch LRU/LFU stats when this mode is on.",
    "HELP",
    "    Print this help.",
)
_HELP_REPLY = tuple(Status(line) for line in HELP)


@GROUP.command("help", 2, _F.LOADING | _F.STALE | _F.SENTINEL, container="client", since="5.0.0")
def cmd_client_help(c: Client, argv: Argv) -> Reply:
    """Returns helpful text about the different subcommands."""
    return _HELP_REPLY


def _on_off(value: bytes) -> bool:
    lowered = value.lower()
    if lowered == b"on":
        return True
    if lowered == b"off":
        return False
    raise CommandError(errors.SYNTAX)


@GROUP.command("no-evict", 3, _ADMIN, container="client", since="7.0.0", usage="(ON|OFF)")
def cmd_client_no_evict(c: Client, argv: Argv) -> Reply:
    """Sets the client eviction mode of the connection."""
    c.no_evict = _on_off(argv[2])
    return OK


@GROUP.command(
    "no-touch",
    3,
    _F.NOSCRIPT | _F.LOADING | _F.STALE,
    container="client",
    since="7.2.0",
    usage="(ON|OFF)",
)
def cmd_client_no_touch(c: Client, argv: Argv) -> Reply:
    """Controls whether commands sent by the client affect the LRU/LFU of accessed keys."""
    c.server.set_no_touch(c, _on_off(argv[2]))
    return OK


@GROUP.command(
    "unblock",
    -3,
    _ADMIN,
    container="client",
    since="5.0.0",
    complexity="O(log N) where N is the number of client connections",
    usage="client-id [TIMEOUT|ERROR]",
)
def cmd_client_unblock(c: Client, argv: Argv) -> Reply:
    """Unblocks a client blocked by a blocking command from a different connection."""
    if len(argv) > 4:
        raise CommandError(errors.subcommand_syntax(argv[1], argv[0].decode("latin-1").upper()))
    reason = "timeout"
    if len(argv) == 4:
        reason = argv[3].lower().decode("latin-1")
        if reason not in ("timeout", "error"):
            raise CommandError(errors.UNBLOCK_REASON)
    target = c.server.clients.get(to_int(argv[2]))
    if target is None or not target.blocked or target.unblock is None:
        return 0
    target.unblock(reason)
    return 1
