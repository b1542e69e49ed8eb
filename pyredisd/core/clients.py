"""Client state: one :class:`Client` per connection, and the server's :class:`ClientRegistry`.

A client is a state container (cf. ``struct client`` in ``server.h``): identity, addresses,
selected database, protocol version, authentication, the last command, counters, and the mode
flags that CLIENT LIST shows. Command handlers receive it as their context (``c``), which is how
they reach the server.

The network layer measures what only it can see (query buffer, outbox, pending writes) and
plugs those measurements in as the callables ``qbuf``, ``obl``, ``oll``, ``omem`` and
``events``; a client without a connection (tests) reports zeros.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from pyredisd.core.peer import Peer

if TYPE_CHECKING:
    from pyredisd.core.commands.table import Command
    from pyredisd.core.keyspace import Database
    from pyredisd.core.server import Server
    from pyredisd.core.tracking import ClientTracking
    from pyredisd.core.watch import WatchedKey


class Client:
    """One connected client (or a fake one in tests)."""

    __slots__ = (
        "addr",
        "argv_mem",
        "authenticated",
        "blocked",
        "close_after_reply",
        "ctime",
        "db",
        "dirty_cas",
        "dirty_exec",
        "events",
        "fd",
        "id",
        "laddr",
        "last_cmd",
        "last_interaction",
        "lib_name",
        "lib_ver",
        "master_link",
        "monitor",
        "multi",
        "multi_mem",
        "multi_writes",
        "name",
        "no_evict",
        "no_touch",
        "obl",
        "oll",
        "omem",
        "paused",
        "peer",
        "pubsub",
        "qbuf",
        "replica",
        "reply_mode",
        "resp",
        "server",
        "strict_changed",
        "tot_cmds",
        "tot_net_in",
        "tot_net_out",
        "tracking",
        "unblock",
        "unix",
        "user",
        "watched",
    )

    def __init__(
        self,
        client_id: int,
        server: Server,
        peer: Peer | None = None,
        addr: str = "",
        laddr: str = "",
        fd: int = -1,
        unix: bool = False,
    ) -> None:
        self.id = client_id
        self.server = server
        self.db: Database = server.dbs[0]
        self.resp = 2
        self.authenticated = not server.config["requirepass"]
        self.name = b""
        self.lib_name = b""
        self.lib_ver = b""
        self.addr = addr
        self.laddr = laddr
        self.fd = fd
        self.unix = unix
        self.ctime = server.clock.seconds()
        self.last_interaction = self.ctime
        self.last_cmd: Command | None = None
        self.close_after_reply = False
        self.peer = peer
        self.tot_net_in = 0
        self.tot_net_out = 0
        self.tot_cmds = 0
        self.qbuf: Callable[[], int] = _zero
        self.user = "default"
        self.strict_changed = False
        self.argv_mem = 0
        # Output side, measured by the protocol: bytes and chunks waiting in the outbox.
        self.obl: Callable[[], int] = _zero
        self.oll: Callable[[], int] = _zero
        self.omem: Callable[[], int] = _zero
        self.events: Callable[[], str] = _readable
        # Modes (CLIENT NO-EVICT / NO-TOUCH / REPLY / PAUSE, MONITOR).
        self.no_evict = False
        self.no_touch = False
        self.monitor = False
        self.reply_mode = "on"
        self.paused = False
        # Set by the features that own them once they exist: blocking commands (with the
        # ``unblock(reason)`` hook CLIENT UNBLOCK calls, reason "timeout" or "error"),
        # Pub/Sub, and replication.
        self.blocked = False
        self.unblock: Callable[[str], None] | None = None
        self.pubsub = False
        self.replica = False
        self.master_link = False
        # MULTI/EXEC (commands.transactions): the queue while in MULTI (else None), the bytes
        # of its arguments (multi-mem), whether it holds a write (CLIENT PAUSE WRITE postpones
        # its EXEC), a command rejected while queuing (EXECABORT), a watched key touched
        # (flag d: EXEC answers a null array); the watched keys by (db id, key).
        self.multi: list[tuple[Command, list[bytes]]] | None = None
        self.multi_mem = 0
        self.multi_writes = False
        self.dirty_exec = False
        self.dirty_cas = False
        self.watched: dict[tuple[int, bytes], WatchedKey] = {}
        # CLIENT TRACKING's mode while tracking is on (pyredisd.core.tracking), else None.
        self.tracking: ClientTracking | None = None

    def select(self, index: int) -> None:
        """Switch to database ``index`` (already range-checked)."""
        self.db = self.server.dbs[index]

    def kind(self) -> str:
        """The client type CLIENT KILL/LIST TYPE selects (cf. ``getClientType``): a MONITOR
        client counts as ``normal``."""
        if self.master_link:
            return "master"
        if self.replica and not self.monitor:
            return "replica"
        if self.pubsub:
            return "pubsub"
        return "normal"

    def flags(self) -> str:
        """The CLIENT LIST ``flags`` letters in Redis's order (cf. ``catClientInfoString``),
        ``N`` when none apply."""
        letters = ""
        if self.monitor:
            letters += "O"
        elif self.replica:
            letters += "S"
        if self.master_link:
            letters += "M"
        if self.pubsub:
            letters += "P"
        if self.multi is not None:
            letters += "x"
        if self.blocked or self.paused:  # a postponed client is blocked too (BLOCKED_POSTPONE)
            letters += "b"
        tracking = self.tracking
        if tracking is not None:
            letters += "t" + ("R" if tracking.broken else "") + ("B" if tracking.bcast else "")
        if self.dirty_cas:
            letters += "d"
        if self.close_after_reply:
            letters += "c"
        if self.unix:
            letters += "U"
        if self.no_evict:
            letters += "e"
        if self.no_touch:
            letters += "T"
        return letters or "N"

    def age(self, now: float) -> int:
        """Whole seconds since the connection was made (Redis compares whole seconds)."""
        return int(now) - int(self.ctime)

    def idle(self, now: float) -> int:
        """Whole seconds since the last command."""
        return int(now) - int(self.last_interaction)

    def info_line(self, now: float, running: list[bytes] | None = None) -> str:
        """This client's CLIENT LIST / CLIENT INFO line: Redis 7.4's fields in its order, then
        ``tot-net-in tot-net-out tot-cmds`` (Redis 8 and Valkey 8 have those too).

        Fields pyredisd has no counterpart for are reported as what is true here: there is no
        preallocated query buffer (``qbuf-free=0``) and no fixed-size reply buffer (``rbs=0
        rbp=0``); replies wait in the outbox, which ``obl``/``oll``/``omem`` measure.
        ``tot-mem`` sums the buffers it knows of; the Python object itself is not counted.
        ``multi-mem`` is the size of the queued commands' arguments, like ``argv-mem``;
        ``argv-mem`` adds ``running``, the arguments of the command this client is running
        (CLIENT LIST/INFO pass their own), as Redis counts the parsed argv of the caller.
        """
        qbuf = self.qbuf()
        argv_mem = self.argv_mem + (sum(map(len, running)) if running else 0)
        obl = self.obl()
        omem = self.omem()
        cmd = self.last_cmd.fullname if self.last_cmd is not None else "NULL"
        name = self.name.decode("utf-8", "replace")
        sub, psub, ssub = self.server.pubsub.counts(self)
        multi = self.multi
        redir = -1 if self.tracking is None else self.tracking.redirect
        return (
            f"id={self.id} addr={self.addr} laddr={self.laddr} fd={self.fd} name={name} "
            f"age={self.age(now)} idle={self.idle(now)} "
            f"flags={self.flags()} db={self.db.id} sub={sub} psub={psub} ssub={ssub} "
            f"multi={-1 if multi is None else len(multi)} watch={len(self.watched)} "
            f"qbuf={qbuf} qbuf-free=0 argv-mem={argv_mem} multi-mem={self.multi_mem} "
            f"rbs=0 rbp=0 obl={obl} oll={self.oll()} omem={omem} "
            f"tot-mem={qbuf + argv_mem + self.multi_mem + obl + omem} "
            f"events={self.events()} cmd={cmd} user={self.user} redir={redir} resp={self.resp} "
            f"lib-name={self.lib_name.decode('utf-8', 'replace')} "
            f"lib-ver={self.lib_ver.decode('utf-8', 'replace')} "
            f"tot-net-in={self.tot_net_in} tot-net-out={self.tot_net_out} "
            f"tot-cmds={self.tot_cmds}"
        )


def _zero() -> int:
    return 0


def _readable() -> str:
    return "r"


class ClientRegistry:
    """Every connected client by id; ids are never reused (CLIENT ID)."""

    def __init__(self) -> None:
        self._clients: dict[int, Client] = {}
        self._next_id = 1

    def next_id(self) -> int:
        """Allocate the next client id."""
        client_id = self._next_id
        self._next_id += 1
        return client_id

    def add(self, client: Client) -> None:
        """Register a new client."""
        self._clients[client.id] = client

    def remove(self, client: Client) -> None:
        """Forget a client (idempotent)."""
        self._clients.pop(client.id, None)

    def get(self, client_id: int) -> Client | None:
        """The client with ``client_id``, if connected."""
        return self._clients.get(client_id)

    def __len__(self) -> int:
        return len(self._clients)

    def __iter__(self) -> Iterator[Client]:
        return iter(list(self._clients.values()))
