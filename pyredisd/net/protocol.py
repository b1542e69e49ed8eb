"""RedisProtocol: bytes in, requests to the core, replies out, with backpressure.

Rules:

1. One ``transport.write`` per read batch (flushed early only when the batch's replies grow past
   ``FLUSH_BYTES``, so a read full of GETs of large values cannot build an unbounded reply).
2. The protocol is its transport's streaming producer. When the transport pauses us (the client
   is not reading its replies) we stop reading its requests; when it resumes us we first run the
   requests already buffered. A client that pipelines forever and never reads keeps our memory
   flat (cf. ``twisted.web.http.HTTPChannel.pauseProducing``).
3. A client is never cut off in the middle of a command. ``close_after_reply`` (QUIT, protocol
   errors, killing yourself) writes the reply and then closes; no later request of that read runs.
4. ``dataReceived`` is not re-entrant: a write may call ``pauseProducing`` synchronously, and
   ``resumeProducing`` may run while we are inside the loop (cf. ``LineReceiver._busyReceiving``).
5. Pushes (data no request asked for: MONITOR lines, later Pub/Sub) go straight to the transport
   unless it has paused us; then they wait in our **outbox**, whose exact size is the client's
   ``omem`` (``oll`` = its entries; ``obl`` = 0, there is no fixed reply buffer), checked against
   ``client-output-buffer-limit`` after every append and by the server cron. A paused transport
   drains the outbox first when it resumes us, then the held requests run. Pushes caused by the
   client's own command (a MONITOR client's own line) follow that command's reply.
6. The per-command loop has one extra check, ``_special``: true while the client's replies are
   suppressed (CLIENT REPLY OFF/SKIP), its requests are postponed (CLIENT PAUSE), or its own
   pushes wait for the reply. The core sets the client's modes and calls ``refresh()``.
"""

from __future__ import annotations

import contextlib
import socket
from collections import deque
from typing import TYPE_CHECKING, Any

from twisted.internet import address
from twisted.internet.interfaces import IPushProducer
from twisted.internet.protocol import Protocol
from twisted.logger import Logger
from twisted.python.failure import Failure
from zope.interface import implementer

from pyredisd.core.blocking import BLOCKED
from pyredisd.core.commands.monitoring import POSTPONED
from pyredisd.core.errors import ProtocolError
from pyredisd.core.peer import DROP_IDLE
from pyredisd.core.replies import NoReply, Reply
from pyredisd.core.request import RequestParser
from pyredisd.core.resp import ENCODERS, encode_error
from pyredisd.net.fastpath import Writer, close_now, make_writer

if TYPE_CHECKING:
    from pyredisd.core.clients import Client
    from pyredisd.core.server import Server

FLUSH_BYTES = 64 * 1024
UNAUTH_QUERY_LIMIT = 1024 * 1024


def format_address(addr: object) -> tuple[str, bool]:
    """``ip:port`` (IPv6 as ``[ip]:port``), or ``path:0`` for Unix sockets, as Redis shows it."""
    if isinstance(addr, address.IPv4Address):
        return f"{addr.host}:{addr.port}", False
    if isinstance(addr, address.IPv6Address):
        return f"[{addr.host}]:{addr.port}", False
    if isinstance(addr, address.UNIXAddress):
        name = addr.name.decode() if isinstance(addr.name, bytes) else (addr.name or "")
        return f"{name}:0", True
    return str(addr), False


def set_keepalive(transport: object, interval: int) -> None:
    """``tcp-keepalive``: SO_KEEPALIVE with Redis's timings (cf. ``anetKeepAlive``)."""
    if interval <= 0 or not isinstance(
        getattr(transport, "getHost", lambda: None)(), (address.IPv4Address, address.IPv6Address)
    ):
        return
    try:
        transport.setTcpKeepAlive(1)  # type: ignore[attr-defined]
        sock = transport.getHandle()  # type: ignore[attr-defined]
        for option, value in (
            ("TCP_KEEPIDLE", interval),
            ("TCP_KEEPINTVL", max(interval // 3, 1)),
            ("TCP_KEEPCNT", 3),
        ):
            if hasattr(socket, option):
                sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, option), value)
    except (OSError, AttributeError):
        pass


def set_nodelay(transport: object) -> None:
    """TCP_NODELAY, as Redis sets on every client (``connEnableTcpNoDelay``): a push nobody
    asked for (an invalidation, a Pub/Sub message) must not wait for the peer's delayed ACK
    of the previous reply (Nagle's algorithm held it back up to 40 ms)."""
    setter = getattr(transport, "setTcpNoDelay", None)
    if setter is None or not isinstance(
        getattr(transport, "getHost", lambda: None)(), (address.IPv4Address, address.IPv6Address)
    ):
        return
    with contextlib.suppress(OSError):
        setter(True)


@implementer(IPushProducer)
class RedisProtocol(Protocol):
    """One client connection."""

    def __init__(self, server: Server, log: Logger | None = None, reactor: Any = None) -> None:
        self.server = server
        self.log = log if log is not None else Logger()
        # For callLater: the server's clock is the reactor (or a task.Clock in tests).
        self._reactor = reactor if reactor is not None else _reactor_of(server)
        self._send: Writer | None = None
        self.client: Client | None = None
        self._parser = RequestParser()
        self._paused = False
        self._closing = False
        self._busy = False
        self._special = False
        self._pending: list[list[bytes]] | None = None
        self._outbox: deque[bytes] = deque()
        self._outbox_bytes = 0
        self._own_pushes: list[bytes] = []
        self._wake_call: Any = None

    # -- connection lifecycle ------------------------------------------------------------------
    def connectionMade(self) -> None:
        transport = self.transport
        assert transport is not None
        transport.registerProducer(self, True)  # type: ignore[attr-defined]
        self._send = make_writer(transport)
        set_keepalive(transport, self.server.config["tcp-keepalive"])
        set_nodelay(transport)
        addr, unix = format_address(transport.getPeer())
        laddr, _ = format_address(transport.getHost())
        if unix:
            addr = laddr
        fileno = getattr(transport, "fileno", None)
        fd = fileno() if callable(fileno) else -1
        client = self.server.new_client(self, addr=addr, laddr=laddr, fd=fd, unix=unix)
        self.client = client
        config = self.server.config
        self._parser = RequestParser(config["proto-max-bulk-len"], strict=not client.authenticated)
        client.qbuf = lambda: self._parser.buffered
        client.omem = lambda: self._outbox_bytes
        client.oll = lambda: len(self._outbox)
        client.events = self._events

    def connectionLost(self, reason: Failure = Failure(ConnectionError())) -> None:  # noqa: B008
        self._closing = True
        self._discard()
        if self.client is not None:
            self.server.detach(self.client)

    def _discard(self) -> None:
        """Forget everything held for the client: outbox, held requests, a scheduled wake."""
        self._outbox.clear()
        self._outbox_bytes = 0
        self._own_pushes.clear()
        self._pending = None
        if self._wake_call is not None and self._wake_call.active():
            self._wake_call.cancel()
        self._wake_call = None

    def _events(self) -> str:
        """CLIENT LIST ``events``: ``r`` while we read the client, ``w`` while output waits."""
        waiting = self._paused or bool(self._outbox)
        return ("" if self._paused else "r") + ("w" if waiting else "")

    # -- the request loop ----------------------------------------------------------------------
    def dataReceived(self, data: bytes) -> None:
        self._parser.feed(data)
        client = self.client
        if client is not None:
            client.tot_net_in += len(data)
        self.server.stats.net_input += len(data)
        if not self._busy:
            self._process()

    def _process(self) -> None:
        client = self.client
        transport = self.transport
        if client is None or transport is None:
            return
        self._busy = True
        parser, execute = self._parser, self.server.execute
        take = parser.take
        resp = client.resp
        by_type = ENCODERS[resp].by_type
        out: list[bytes] = []
        size = 0
        try:
            while (
                not self._paused and not self._closing and not client.paused and not client.blocked
            ):
                pending = self._pending
                taken = not pending
                if pending:
                    batch, self._pending = pending, None
                    client.argv_mem = 0
                else:
                    try:
                        batch = take()
                    except ProtocolError as exc:
                        self.log.info(
                            "Protocol error ({error}) from client: {client}",
                            error=exc.message,
                            client=client.info_line(self.server.now),
                        )
                        out.append(encode_error(exc.message))
                        self._closing = True
                        break
                    if not batch:
                        break
                for done, argv in enumerate(batch, 1):
                    reply = execute(client, argv)
                    if client.resp != resp:
                        # Encode after executing: HELLO 3 answers in the protocol it selects.
                        resp = client.resp
                        by_type = ENCODERS[resp].by_type
                    if self._special:
                        if reply is POSTPONED:
                            # CLIENT PAUSE: this request and the rest wait for refresh().
                            self._hold(batch[done - 1 :])
                            break
                        if reply is BLOCKED:
                            # A blocking command: its reply comes with unblocked(); the rest
                            # waits (Redis keeps the blocked command's argv: argv-mem).
                            self._hold(batch[done:])
                            client.argv_mem += sum(len(arg) for arg in argv)
                            break
                        data = self._special_reply(client, reply, by_type)
                    else:
                        data = by_type[type(reply)](reply)
                    out.append(data)
                    size += len(data)
                    if client.close_after_reply:
                        self._closing = True
                        break
                    if client.strict_changed:
                        client.strict_changed = False
                        parser.set_strict(not client.authenticated)
                    if size > FLUSH_BYTES:
                        self._write(b"".join(out))
                        out, size = [], 0
                        if self._paused:
                            # Only our own write pauses us: the rest waits for resumeProducing.
                            self._hold(batch[done:])
                            break
                if taken and not parser.more:
                    break
            if self.server.tracking.dirty:
                self._broadcast_invalidations(out)
            if not self._closing:
                self._check_query_buffer(client)
        finally:
            self._busy = False
        if out:
            self._write(b"".join(out))
        if self._closing:
            transport.loseConnection()

    def _broadcast_invalidations(self, out: list[bytes]) -> None:
        """Send the BCAST invalidations of the keys this read batch changed (Redis sends them
        in ``beforeSleep``); ours follow the batch's replies."""
        self.server.tracking.broadcast()
        if self._own_pushes:
            out.extend(self._own_pushes)
            self._own_pushes.clear()
            self._update_special()

    def _hold(self, requests: list[list[bytes]]) -> None:
        """Keep parsed requests for later; they count in the client's ``argv-mem``."""
        self._pending = requests
        assert self.client is not None
        self.client.argv_mem = sum(len(arg) for argv in requests for arg in argv)

    def _special_reply(self, client: Client, reply: Reply, by_type: Any) -> bytes:
        """The bytes for ``reply`` under CLIENT REPLY (cf. ``prepareClientToWrite`` and
        ``resetClient``): nothing while OFF, nothing once after SKIP; then the client's own
        pushes (a MONITOR client's line for this command follows its reply)."""
        mode = client.reply_mode
        if mode == "on" or type(reply) is NoReply:
            data: bytes = by_type[type(reply)](reply)
        else:
            data = b""
            if mode == "skip":
                client.reply_mode = "on"
        if self._own_pushes:
            data += b"".join(self._own_pushes)
            self._own_pushes.clear()
        self._update_special()
        return data

    def _update_special(self) -> None:
        client = self.client
        self._special = client is not None and (
            client.paused or client.blocked or client.reply_mode != "on" or bool(self._own_pushes)
        )

    def _write(self, data: bytes) -> None:
        assert self.transport is not None and self.client is not None
        self.client.tot_net_out += len(data)
        self.server.stats.net_output += len(data)
        assert self._send is not None
        self._send(data)

    def _check_query_buffer(self, client: Client) -> None:
        buffered = self._parser.buffered
        limit = self.server.config["client-query-buffer-limit"]
        if not client.authenticated:
            limit = min(limit, UNAUTH_QUERY_LIMIT)
        if buffered > limit:
            self.log.warn(
                "Closing client that reached max query buffer length: {client}",
                client=client.info_line(self.server.now),
            )
            self.server.stats.qbuf_disconnections += 1
            self._closing = True
            self.abort()

    # -- IPushProducer -------------------------------------------------------------------------
    def pauseProducing(self) -> None:
        """The client is not reading its replies: stop reading its requests."""
        self._paused = True
        if self.transport is not None:
            self.transport.pauseProducing()  # type: ignore[attr-defined]

    def resumeProducing(self) -> None:
        """The client caught up: send the outbox, run what it already sent, then read again."""
        self._paused = False
        transport = self.transport
        if transport is None or self._closing:
            return
        self._drain_outbox()
        if self._paused:
            return  # the outbox filled the transport again
        transport.resumeProducing()  # type: ignore[attr-defined]
        if not self._busy:
            self._process()

    def stopProducing(self) -> None:
        self._closing = True

    def _drain_outbox(self) -> None:
        """Write the outbox in chunks of up to ``FLUSH_BYTES`` until empty or paused again."""
        outbox = self._outbox
        while outbox and not self._paused and not self._closing:
            chunk = [outbox.popleft()]
            size = len(chunk[0])
            while outbox and size < FLUSH_BYTES:
                chunk.append(outbox.popleft())
                size += len(chunk[-1])
            self._outbox_bytes -= size
            self._write(b"".join(chunk))

    # -- Peer (how the core acts on this connection) -------------------------------------------
    def close(self) -> None:
        self._closing = True
        if self.transport is not None:
            if self._outbox:
                self._write(b"".join(self._outbox))  # the transport sends it before closing
            self._discard()
            self.transport.loseConnection()

    def abort(self) -> None:
        self._closing = True
        self._discard()
        if self.transport is not None:
            close_now(self.transport)

    def push(self, data: bytes) -> None:
        client = self.client
        if self._closing or client is None:
            return
        if self._busy:
            # Caused by the client's own command: goes out right after its reply.
            self._own_pushes.append(data)
            self._special = True
        elif self._paused or self._outbox:
            self._outbox.append(data)
            self._outbox_bytes += len(data)
            if self.server.output_limit_reached(client, self.server.clock.seconds()):
                self._over_limit(client, "scheduled to be closed ASAP")
        else:
            self._write(data)

    def refresh(self) -> None:
        self._update_special()
        client = self.client
        if client is None or client.paused or client.blocked or self._closing or self._busy:
            return
        if (self._pending or self._parser.more) and self._wake_call is None:
            self._wake_call = self._reactor.callLater(0, self._wake)

    def unblocked(self, reply: Reply) -> None:
        """The blocked command's ``reply`` (served, timed out or CLIENT UNBLOCK): send it after
        anything already waiting in the outbox, then run the held requests on the connection's
        next turn (cf. ``processUnblockedClients``)."""
        client = self.client
        if client is None or self._closing:
            return
        by_type = ENCODERS[client.resp].by_type
        data = self._special_reply(client, reply, by_type)
        if data:
            if self._paused or self._outbox:
                self._outbox.append(data)
                self._outbox_bytes += len(data)
            else:
                self._write(data)
        pending = self._pending
        client.argv_mem = sum(len(arg) for argv in pending for arg in argv) if pending else 0
        self.refresh()

    def _wake(self) -> None:
        """Run the requests held during a CLIENT PAUSE or a blocking command (cf.
        ``processUnblockedClients``)."""
        self._wake_call = None
        if not self._busy and not self._paused and not self._closing:
            self._process()

    def drop(self, reason: str) -> None:
        client = self.client
        if client is None or self._closing:
            return
        if reason == DROP_IDLE:
            self.log.debug("Closing idle client")
            self.abort()
        else:
            self._over_limit(client, "closed")

    def _over_limit(self, client: Client, what: str) -> None:
        """cf. ``closeClientOnOutputBufferLimitReached``: log, count, drop."""
        self.log.warn(
            "Client {client} {what} for overcoming of output buffer limits.",
            client=client.info_line(self.server.clock.seconds()),
            what=what,
        )
        self.server.stats.obuf_disconnections += 1
        self.abort()
        # Forgotten at once, as CLIENT KILL does: the reactor reports the connection lost only
        # on a later turn, and meanwhile a key the client blocked on (a blocked client still
        # gets pushes) must not be served to it, nor a PUBLISH count it.
        self.server.detach(client)


def _reactor_of(server: Server) -> Any:
    """The server's clock when it can schedule calls (the reactor, ``task.Clock``), else the
    global reactor."""
    if hasattr(server.clock, "callLater"):
        return server.clock
    from twisted.internet import reactor

    return reactor
