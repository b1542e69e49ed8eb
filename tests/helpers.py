"""Shared test helpers: a write-counting StringTransport and a protocol wired to a fresh server."""

from __future__ import annotations

import shutil
import socket
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

from twisted.internet import address, task
from twisted.internet.defer import Deferred, gatherResults
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase, TestCase

from pyredisd.core.clients import Client
from pyredisd.core.config import Config
from pyredisd.core.replies import Reply
from pyredisd.core.server import Server
from pyredisd.net.protocol import RedisProtocol
from pyredisd.net.service import RedisService, make_service


class CountingTransport(StringTransport):
    """A StringTransport that records each ``write`` call separately."""

    def __init__(
        self,
        host_address: address.IPv4Address | address.UNIXAddress | None = None,
        peer_address: address.IPv4Address | address.UNIXAddress | None = None,
    ) -> None:
        super().__init__(host_address, peer_address)
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(data)
        super().write(data)


@dataclass
class Wired:
    """A server, a protocol connected to it over a CountingTransport, and the server clock."""

    server: Server
    proto: RedisProtocol
    transport: CountingTransport
    clock: task.Clock

    def feed(self, data: bytes) -> bytes:
        """Deliver ``data`` and return (and forget) what the server wrote in reply."""
        self.proto.dataReceived(data)
        return self.take()

    def take(self) -> bytes:
        """Return and forget everything written so far."""
        out: bytes = self.transport.value()
        self.transport.clear()
        self.transport.writes.clear()
        return out


def wire(
    config: Config | None = None,
    server: Server | None = None,
    transport: CountingTransport | None = None,
) -> Wired:
    """Connect a new RedisProtocol to ``server`` (a fresh one on a ``task.Clock`` by default)."""
    clock = task.Clock()
    if server is None:
        server = Server(config if config is not None else Config.defaults(), clock=clock)
    proto = RedisProtocol(server)
    if transport is None:
        transport = CountingTransport()
    proto.makeConnection(transport)
    return Wired(server, proto, transport, clock)


def config_with(**values: object) -> Config:
    """Defaults with some values replaced (names use ``_`` for ``-``)."""
    config = Config.defaults()
    for name, value in values.items():
        config.values[name.replace("_", "-")] = value
    return config


def temp_dir(test: SynchronousTestCase) -> str:
    """A fresh absolute temporary directory, removed at cleanup (unlike ``mktemp``, it does
    not land in the repository when pytest runs the test)."""
    path = tempfile.mkdtemp(prefix="pyredisd-test-")
    test.addCleanup(shutil.rmtree, path, True)
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (for child processes)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_detach(server: Server, timeout: float = 10.0) -> Deferred[None]:
    """A Deferred that fires once ``server`` has no clients (bounded by ``timeout`` seconds)."""
    from twisted.internet import reactor

    done: Deferred[None] = Deferred()
    if not len(server.clients):
        done.callback(None)
        return done
    original = server.detach

    def detach(client: Client) -> None:
        original(client)
        if not len(server.clients) and not done.called:
            done.callback(None)

    server.detach = detach  # type: ignore[method-assign]
    done.addTimeout(timeout, reactor)
    return done


def when_executed(
    server: Server, predicate: Callable[[], bool], timeout: float = 10.0
) -> Deferred[None]:
    """A Deferred that fires once ``predicate()`` holds after some command ran on ``server``
    (at once if it already holds): wait for a server-side event, never for time."""
    from twisted.internet import reactor

    done: Deferred[None] = Deferred()
    if predicate():
        done.callback(None)
        return done
    original = server.execute

    def execute(client: Client, argv: list[bytes]) -> Reply:
        reply = original(client, argv)
        if not done.called and predicate():
            server.execute = original  # type: ignore[method-assign]
            done.callback(None)
        return reply

    server.execute = execute  # type: ignore[method-assign]
    done.addTimeout(timeout, reactor)
    return done


def start_service(test: TestCase, config: Config) -> Deferred[RedisService]:
    """Start a RedisService for ``config`` on the global reactor; stopped in ``test``'s cleanup.

    ``port 0`` means "no TCP" to Redis, so a listener on a free 127.0.0.1 port is added to the
    service's ports here (``service.ports[0]``), as if it had been configured.
    """
    from twisted.internet import reactor

    service = make_service(config)
    service.startService()
    port = reactor.listenTCP(0, service.factory, interface="127.0.0.1")
    service.ports.insert(0, port)
    host = port.getHost()
    assert isinstance(host, address.IPv4Address)
    service.server.ports.insert(0, host.port)

    def stop() -> Deferred[list[object]]:
        detached = wait_for_detach(service.server)
        return gatherResults([detached, service.stopService()])

    test.addCleanup(stop)
    return service.started.addCallback(lambda _: service)
