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
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

from twisted.internet import address
from twisted.internet.interfaces import IPushProducer
from twisted.internet.protocol import Protocol
from twisted.logger import Logger
from twisted.python.failure import Failure
from zope.interface import implementer

from pyredisd.core.errors import ProtocolError
from pyredisd.core.request import RequestParser
from pyredisd.core.resp import ENCODERS, encode_error
from pyredisd.net.fastpath import Writer, make_writer

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


@implementer(IPushProducer)
class RedisProtocol(Protocol):
    """One client connection."""

    def __init__(self, server: Server, log: Logger | None = None) -> None:
        self.server = server
        self.log = log if log is not None else Logger()
        self._send: Writer | None = None
        self.client: Client | None = None
        self._parser = RequestParser()
        self._paused = False
        self._closing = False
        self._busy = False
        self._pending: list[list[bytes]] | None = None

    # -- connection lifecycle ------------------------------------------------------------------
    def connectionMade(self) -> None:
        transport = self.transport
        assert transport is not None
        transport.registerProducer(self, True)  # type: ignore[attr-defined]
        self._send = make_writer(transport)
        set_keepalive(transport, self.server.config["tcp-keepalive"])
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

    def connectionLost(self, reason: Failure = Failure(ConnectionError())) -> None:  # noqa: B008
        self._closing = True
        if self.client is not None:
            self.server.detach(self.client)

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
        pending, self._pending = self._pending, None
        try:
            while not self._paused and not self._closing:
                taken = not pending
                if pending:
                    batch, pending = pending, None
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
                        # Requests already parsed wait here until resumeProducing.
                        self._pending = batch[done:]
                        break
                if taken and not parser.more:
                    break
            if not self._closing:
                self._check_query_buffer(client)
        finally:
            self._busy = False
        if out:
            self._write(b"".join(out))
        if self._closing:
            transport.loseConnection()

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
        """The client caught up: run what it already sent, then read again."""
        self._paused = False
        transport = self.transport
        if transport is None or self._closing:
            return
        transport.resumeProducing()  # type: ignore[attr-defined]
        if not self._busy:
            self._process()

    def stopProducing(self) -> None:
        self._closing = True

    # -- Peer (how the core acts on this connection) -------------------------------------------
    def close(self) -> None:
        self._closing = True
        if self.transport is not None:
            self.transport.loseConnection()

    def abort(self) -> None:
        self._closing = True
        if self.transport is not None:
            self.transport.abortConnection()  # type: ignore[attr-defined]

    def push(self, data: bytes) -> None:
        if not self._closing:
            self._write(data)
