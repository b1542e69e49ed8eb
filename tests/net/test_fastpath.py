"""Tests for pyredisd.net.fastpath: write-through and lean epoll dispatch, and their fallbacks."""

from __future__ import annotations

import socket
from typing import Any

from twisted.internet import epollreactor, tcp
from twisted.internet.error import ConnectionDone
from twisted.internet.protocol import Protocol
from twisted.internet.testing import MemoryReactor, StringTransport
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from pyredisd.net.fastpath import close_now, install_lean_dispatch, make_writer, supported


def _connection(test: SynchronousTestCase) -> tuple[tcp.Connection, socket.socket]:
    """A Twisted TCP connection over one end of a socketpair, with a MemoryReactor."""
    ours, theirs = socket.socketpair()
    ours.setblocking(False)
    theirs.settimeout(5)
    test.addCleanup(ours.close)
    test.addCleanup(theirs.close)
    connection = tcp.Connection(ours, Protocol(), MemoryReactor())
    connection.connected = 1
    return connection, theirs


class WriterTests(SynchronousTestCase):
    def test_non_tcp_transport_falls_back_to_its_write(self) -> None:
        """A transport that is not a Twisted TCP connection is written through its write()."""
        transport = StringTransport()
        write = make_writer(transport)
        write(b"+OK\r\n")
        self.assertEqual(transport.value(), b"+OK\r\n")

    def test_empty_buffer_sends_immediately(self) -> None:
        """With nothing queued, the bytes reach the peer without a reactor turn."""
        connection, peer = _connection(self)
        make_writer(connection)(b"+PONG\r\n")
        self.assertEqual(peer.recv(100), b"+PONG\r\n")
        self.assertEqual(connection._tempDataBuffer, [])

    def test_queued_data_keeps_order(self) -> None:
        """When Twisted already holds bytes, new bytes queue behind them instead of overtaking."""
        connection, _peer = _connection(self)
        connection.write(b"first ")
        make_writer(connection)(b"second")
        self.assertEqual(connection._tempDataBuffer, [b"first ", b"second"])

    def test_unsent_remainder_is_handed_to_twisted(self) -> None:
        """What the kernel does not take is queued with Twisted, which pauses producers."""
        connection, peer = _connection(self)
        peer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        big = b"x" * (8 * 1024 * 1024)
        make_writer(connection)(big)
        queued = b"".join(connection._tempDataBuffer)
        self.assertTrue(0 < len(queued) < len(big))
        self.assertTrue(big.endswith(queued))

    def test_closing_connection_uses_stock_write(self) -> None:
        """A connection that is disconnecting is left to Twisted's own write."""
        connection, _peer = _connection(self)
        connection.disconnecting = True
        make_writer(connection)(b"late")
        self.assertEqual(connection._tempDataBuffer, [b"late"])


class LeanDispatchTests(SynchronousTestCase):
    def test_unsupported_reactor_is_left_alone(self) -> None:
        """A reactor that is not epoll-based is not changed."""
        reactor = MemoryReactor()
        self.assertFalse(supported(reactor))
        self.assertFalse(install_lean_dispatch(reactor))

    def test_epoll_reactor_dispatches_reads(self) -> None:
        """The lean doPoll still delivers a readable socket's data to its protocol."""
        reactor = epollreactor.EPollReactor()
        self.addCleanup(reactor._poller.close)
        self.assertTrue(install_lean_dispatch(reactor))
        self.assertEqual(reactor.doIteration, reactor.doPoll)
        ours, theirs = socket.socketpair()
        self.addCleanup(theirs.close)
        received: list[bytes] = []

        class Recorder(Protocol):
            def dataReceived(self, data: bytes) -> None:
                received.append(data)

        ours.setblocking(False)
        connection = tcp.Connection(ours, Recorder(), reactor)
        connection.connected = 1
        self.addCleanup(connection.socket.close)
        connection.startReading()
        theirs.sendall(b"PING\r\n")
        reactor.doIteration(1)
        self.assertEqual(received, [b"PING\r\n"])
        connection.stopReading()


class LeanReadTests(SynchronousTestCase):
    """The lean doPoll's direct read of a plain read event on an accepted connection."""

    def _server_connection(self, protocol: Protocol) -> tuple[Any, tcp.Server, socket.socket]:
        reactor = epollreactor.EPollReactor()
        self.addCleanup(reactor._poller.close)
        install_lean_dispatch(reactor)
        ours, theirs = socket.socketpair()
        ours.setblocking(False)
        self.addCleanup(theirs.close)
        port: Any = _FakePort()
        connection = tcp.Server(ours, protocol, ("127.0.0.1", 1), port, 1, reactor)
        self.addCleanup(connection.socket.close)
        connection.startReading()
        return reactor, connection, theirs

    def test_data_goes_straight_to_the_protocol(self) -> None:
        """A read event delivers the bytes to dataReceived in the same reactor iteration."""
        received: list[bytes] = []

        class Recorder(Protocol):
            def dataReceived(self, data: bytes) -> None:
                received.append(data)

        reactor, connection, peer = self._server_connection(Recorder())
        peer.sendall(b"*1\r\n$4\r\nPING\r\n")
        reactor.doIteration(1)
        self.assertEqual(received, [b"*1\r\n$4\r\nPING\r\n"])
        connection.stopReading()

    def test_end_of_stream_takes_twisteds_path(self) -> None:
        """When the peer closes, Twisted's own path runs and the protocol loses the connection."""
        lost: list[object] = []

        class Recorder(Protocol):
            def connectionLost(self, reason: Failure = Failure(ConnectionDone())) -> None:  # noqa: B008
                lost.append(reason)

        reactor, connection, peer = self._server_connection(Recorder())
        peer.close()
        reactor.doIteration(1)
        self.assertEqual(len(lost), 1)
        self.assertTrue(connection.disconnected)


class _FakePort:
    """What tcp.Server asks of its listening port."""

    _realPortNumber = 6379  # noqa: N815 (Twisted's attribute name)

    def getHost(self) -> object:
        return None


class CloseNowTests(SynchronousTestCase):
    """close_now: at once, unsent data dropped, and an orderly close (no reset)."""

    def test_peer_sees_end_of_stream_not_reset(self) -> None:
        """Even with unsent bytes queued, the peer reads a clean end of stream."""
        lost: list[Failure] = []

        class Recorder(Protocol):
            def connectionLost(self, reason: Failure = Failure(ConnectionDone())) -> None:  # noqa: B008
                lost.append(reason)

        reactor = epollreactor.EPollReactor()
        self.addCleanup(reactor._poller.close)
        ours, theirs = socket.socketpair()
        ours.setblocking(False)
        theirs.settimeout(5)
        self.addCleanup(theirs.close)
        port: Any = _FakePort()
        connection = tcp.Server(ours, Recorder(), ("127.0.0.1", 1), port, 1, reactor)
        connection.write(b"never sent")
        close_now(connection)
        reactor.runUntilCurrent()
        self.assertEqual(len(lost), 1)
        self.assertTrue(lost[0].check(ConnectionDone))
        self.assertEqual(theirs.recv(100), b"")

    def test_other_transports_are_aborted(self) -> None:
        """A transport that is not a Twisted TCP connection gets abortConnection."""
        transport = StringTransport()
        close_now(transport)
        self.assertTrue(transport.disconnecting)
