"""RedisFactory: one RedisProtocol per connection, refusing past ``maxclients``."""

from __future__ import annotations

from twisted.internet.interfaces import IAddress
from twisted.internet.protocol import Protocol, ServerFactory

from pyredisd.core import errors
from pyredisd.core.resp import encode_error
from pyredisd.core.server import Server
from pyredisd.net.logs import make_logger
from pyredisd.net.protocol import RedisProtocol


class _Refuse(Protocol):
    """Says why and hangs up (cf. ``acceptCommonHandler``'s best-effort error write)."""

    def connectionMade(self) -> None:
        assert self.transport is not None
        self.transport.write(encode_error(errors.MAX_CLIENTS))
        self.transport.loseConnection()


class RedisFactory(ServerFactory):
    """Builds protocols bound to one :class:`Server`."""

    noisy = False

    def __init__(self, server: Server) -> None:
        self.server = server
        self.log = make_logger("pyredisd.net.protocol", server.config, source=self)

    def buildProtocol(self, addr: IAddress | None) -> Protocol:
        server = self.server
        if len(server.clients) >= server.config["maxclients"]:
            server.stats.rejected_connections += 1
            return _Refuse()
        protocol = RedisProtocol(server, self.log)
        protocol.factory = self
        return protocol
