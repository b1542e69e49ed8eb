"""Client state: one :class:`Client` per connection, and the server's :class:`ClientRegistry`.

A client is a state container (cf. ``struct client`` in ``server.h``): identity, addresses,
selected database, protocol version, authentication, the last command, counters. Command
handlers receive it as their context (``c``), which is how they reach the server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from pyredisd.core.peer import Peer

if TYPE_CHECKING:
    from pyredisd.core.commands.table import Command
    from pyredisd.core.keyspace import Database
    from pyredisd.core.server import Server


class Client:
    """One connected client (or a fake one in tests)."""

    __slots__ = (
        "addr",
        "argv_mem",
        "authenticated",
        "close_after_reply",
        "ctime",
        "db",
        "fd",
        "id",
        "laddr",
        "last_cmd",
        "last_interaction",
        "lib_name",
        "lib_ver",
        "name",
        "omem",
        "peer",
        "qbuf",
        "resp",
        "server",
        "strict_changed",
        "tot_cmds",
        "tot_net_in",
        "tot_net_out",
        "unix",
        "user",
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
        self.omem: Callable[[], int] = _zero

    def select(self, index: int) -> None:
        """Switch to database ``index`` (already range-checked)."""
        self.db = self.server.dbs[index]

    def flags(self) -> str:
        """The CLIENT LIST ``flags`` letters (``N`` when none apply)."""
        letters = ""
        if self.close_after_reply:
            letters += "c"
        if self.unix:
            letters += "U"
        return letters or "N"

    def info_line(self, now: float) -> str:
        """This client's CLIENT LIST / CLIENT INFO line, fields in Redis 7.4's order."""
        qbuf = self.qbuf()
        omem = self.omem()
        cmd = self.last_cmd.fullname if self.last_cmd is not None else "NULL"
        name = self.name.decode("utf-8", "replace")
        return (
            f"id={self.id} addr={self.addr} laddr={self.laddr} fd={self.fd} name={name} "
            f"age={int(now - self.ctime)} idle={int(now - self.last_interaction)} "
            f"flags={self.flags()} db={self.db.id} sub=0 psub=0 ssub=0 multi=-1 watch=0 "
            f"qbuf={qbuf} qbuf-free=0 argv-mem={self.argv_mem} multi-mem=0 rbs=0 rbp=0 "
            f"obl=0 oll=0 omem={omem} tot-mem={qbuf + omem + self.argv_mem} events=r "
            f"cmd={cmd} user={self.user} redir=-1 resp={self.resp} "
            f"lib-name={self.lib_name.decode('utf-8', 'replace')} "
            f"lib-ver={self.lib_ver.decode('utf-8', 'replace')} "
            f"tot-net-in={self.tot_net_in} tot-net-out={self.tot_net_out} "
            f"tot-cmds={self.tot_cmds}"
        )


def _zero() -> int:
    return 0


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
