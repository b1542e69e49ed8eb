"""RedisProtocol over a StringTransport with a task.Clock server clock: framing, batching,
closing, backpressure, limits and per-connection state."""

from __future__ import annotations

from twisted.internet import address
from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core import errors
from pyredisd.net.factory import RedisFactory
from pyredisd.net.protocol import RedisProtocol
from tests.helpers import CountingTransport, config_with, wire

PING = b"*1\r\n$4\r\nPING\r\n"


def command(*args: bytes) -> bytes:
    """Encode one request as a RESP multibulk."""
    out = b"*%d\r\n" % len(args)
    for arg in args:
        out += b"$%d\r\n%s\r\n" % (len(arg), arg)
    return out


def error(message: str) -> bytes:
    """The wire form of an error message."""
    return b"-" + message.encode() + b"\r\n"


class FramingTests(SynchronousTestCase):
    """Requests are framed the same however the bytes arrive."""

    def test_ping_split_at_every_offset_replies_once(self) -> None:
        """PING split into two reads at any offset writes exactly ``+PONG``."""
        for offset in range(1, len(PING)):
            with self.subTest(offset=offset):
                w = wire()
                self.assertEqual(w.feed(PING[:offset]), b"")
                self.assertEqual(w.feed(PING[offset:]), b"+PONG\r\n")

    def test_ping_byte_by_byte_replies_once(self) -> None:
        """PING fed one byte at a time writes exactly ``+PONG``."""
        w = wire()
        for i in range(len(PING)):
            w.proto.dataReceived(PING[i : i + 1])
        self.assertEqual(w.take(), b"+PONG\r\n")

    def test_pipeline_replies_in_order_in_one_write(self) -> None:
        """A read holding many requests is answered in order by a single transport write."""
        w = wire()
        requests = b"".join(command(b"SET", b"k%d" % i, b"%d" % i) for i in range(200))
        requests += b"".join(command(b"GET", b"k%d" % i) for i in range(200))
        w.proto.dataReceived(requests)
        self.assertEqual(len(w.transport.writes), 1)
        expected = b"+OK\r\n" * 200 + b"".join(
            b"$%d\r\n%d\r\n" % (len(b"%d" % i), i) for i in range(200)
        )
        self.assertEqual(w.transport.value(), expected)

    def test_inline_commands(self) -> None:
        """Inline commands (with quoting and bare LF) run like multibulk ones."""
        w = wire()
        self.assertEqual(
            w.feed(b'SET k "hello world"\r\nGET k\nPING\r\n'),
            b"+OK\r\n$11\r\nhello world\r\n+PONG\r\n",
        )

    def test_empty_inline_lines_are_ignored(self) -> None:
        """Blank lines between requests produce no reply."""
        w = wire()
        self.assertEqual(w.feed(b"\r\n\r\nPING\r\n"), b"+PONG\r\n")

    def test_protocol_errors_reply_then_close(self) -> None:
        """A framing error gets Redis's exact error, closes, and no later request runs."""
        cases = [
            (b"*abc\r\n", errors.PROTO_INVALID_MBULK),
            (b"*1\r\n+PING\r\n", errors.PROTO_EXPECTED_DOLLAR.format("+")),
            (b"*1\r\n$-3\r\n", errors.PROTO_INVALID_BULK),
            (b"*1\r\n$x\r\n", errors.PROTO_INVALID_BULK),
            (b'GET "unbalanced\r\n', errors.PROTO_UNBALANCED),
            (PING + b"*1\r\n$4\r\nPING\r\n*1\r\nfoo\r\n", errors.PROTO_EXPECTED_DOLLAR.format("f")),
        ]
        for request, detail in cases:
            with self.subTest(request=request):
                w = wire()
                w.proto.dataReceived(request + b"SET k v\r\n")
                pongs = w.transport.value().count(b"+PONG\r\n")
                self.assertEqual(
                    w.transport.value(),
                    b"+PONG\r\n" * pongs + error("ERR Protocol error: " + detail),
                )
                self.assertTrue(w.transport.disconnecting)
                self.assertNotIn(b"k", w.server.dbs[0].data)

    def test_nothing_runs_after_protocol_error(self) -> None:
        """Data arriving after a protocol error is ignored."""
        w = wire()
        w.feed(b"*x\r\n")
        self.assertEqual(w.feed(command(b"SET", b"k", b"v")), b"")
        self.assertNotIn(b"k", w.server.dbs[0].data)


class ClosingTests(SynchronousTestCase):
    """QUIT and connection loss."""

    def test_quit_replies_then_closes_without_running_the_rest(self) -> None:
        """``QUIT`` then ``SET k v`` in one read: ``+OK``, a close, and k is never set."""
        w = wire()
        self.assertEqual(w.feed(b"QUIT\r\nSET k v\r\n"), b"+OK\r\n")
        self.assertTrue(w.transport.disconnecting)
        self.assertNotIn(b"k", w.server.dbs[0].data)

    def test_connection_lost_forgets_the_client(self) -> None:
        """connectionLost removes the client from the server's registry."""
        w = wire()
        client = w.proto.client
        assert client is not None
        self.assertIs(w.server.clients.get(client.id), client)
        w.proto.connectionLost()
        self.assertIsNone(w.server.clients.get(client.id))
        self.assertEqual(len(w.server.clients), 0)


class BackpressureTests(SynchronousTestCase):
    """The protocol is its transport's streaming producer."""

    def test_registers_as_streaming_producer(self) -> None:
        """connectionMade registers the protocol as a streaming producer."""
        w = wire()
        self.assertIs(w.transport.producer, w.proto)
        self.assertTrue(w.transport.streaming)

    def test_paused_requests_wait_for_resume(self) -> None:
        """While paused, requests are buffered; resume runs them in order."""
        w = wire()
        w.proto.pauseProducing()
        self.assertEqual(w.transport.producerState, "paused")
        w.proto.dataReceived(b"SET k 1\r\nINCR k\r\n")
        w.proto.dataReceived(command(b"INCR", b"k") + b"GET k\r\n")
        self.assertEqual(w.take(), b"")
        self.assertNotIn(b"k", w.server.dbs[0].data)
        w.proto.resumeProducing()
        self.assertEqual(w.transport.producerState, "producing")
        self.assertEqual(w.take(), b"+OK\r\n:2\r\n:3\r\n$1\r\n3\r\n")

    def test_pause_during_write_stops_the_loop(self) -> None:
        """A transport that pauses us while we write stops later requests until resumed."""

        class PausingTransport(CountingTransport):
            def write(self, data: bytes) -> None:
                super().write(data)
                if len(self.writes) == 1:
                    proto.pauseProducing()

        transport = PausingTransport()
        w = wire(transport=transport)
        proto = w.proto
        big = b"x" * (70 * 1024)
        w.proto.dataReceived(command(b"SET", b"a", big) + command(b"GET", b"a") * 3)
        # The batch flushed once it passed FLUSH_BYTES; that write paused us.
        self.assertEqual(transport.producerState, "paused")
        self.assertEqual(len(transport.writes), 1)
        proto.resumeProducing()
        self.assertEqual(transport.value(), b"+OK\r\n" + (b"$%d\r\n%s\r\n" % (len(big), big)) * 3)


class LimitTests(SynchronousTestCase):
    """Query buffer limits, unauthenticated limits and maxclients."""

    def test_query_buffer_limit_aborts(self) -> None:
        """An unterminated bulk past client-query-buffer-limit aborts the connection."""
        limit = 1024 * 1024
        w = wire(config_with(client_query_buffer_limit=limit))
        w.proto.dataReceived(b"*2\r\n$3\r\nGET\r\n$%d\r\n" % (limit * 4))
        chunk = b"x" * 65536
        for _ in range(limit // len(chunk) + 1):
            if w.transport.disconnected:
                break
            w.proto.dataReceived(chunk)
        self.assertTrue(w.transport.disconnected)
        self.assertEqual(w.server.stats.qbuf_disconnections, 1)
        self.assertEqual(w.transport.value(), b"")

    def test_unauthenticated_multibulk_limit(self) -> None:
        """Without AUTH, more than 10 arguments is a protocol error."""
        w = wire(config_with(requirepass="secret"))
        self.assertEqual(
            w.feed(b"*11\r\n"), error("ERR Protocol error: " + errors.PROTO_UNAUTH_MBULK)
        )
        self.assertTrue(w.transport.disconnecting)

    def test_unauthenticated_bulk_limit(self) -> None:
        """Without AUTH, a bulk longer than 16384 bytes is a protocol error."""
        w = wire(config_with(requirepass="secret"))
        self.assertEqual(
            w.feed(b"*1\r\n$16385\r\n"), error("ERR Protocol error: " + errors.PROTO_UNAUTH_BULK)
        )

    def test_auth_lifts_the_unauthenticated_limits(self) -> None:
        """After AUTH in the same read, large requests are accepted."""
        w = wire(config_with(requirepass="secret"))
        big = b"v" * 20000
        keys = [b"k%d" % i for i in range(12)]
        request = (
            command(b"AUTH", b"secret")
            + command(b"SET", b"big", big)
            + command(b"EXISTS", *keys)
            + command(b"GET", b"big")
        )
        self.assertEqual(w.feed(request), b"+OK\r\n+OK\r\n:0\r\n$20000\r\n" + big + b"\r\n")
        self.assertFalse(w.transport.disconnecting)

    def test_noauth_before_auth(self) -> None:
        """Commands other than AUTH/HELLO fail with NOAUTH until authenticated."""
        w = wire(config_with(requirepass="secret"))
        self.assertEqual(w.feed(b"GET k\r\n"), error(errors.NOAUTH))
        self.assertFalse(w.transport.disconnecting)

    def test_maxclients_refuses_with_error(self) -> None:
        """buildProtocol past maxclients writes the error, hangs up and counts the rejection."""
        w = wire(config_with(maxclients=1))
        factory = RedisFactory(w.server)
        peer = address.IPv4Address("TCP", "127.0.0.1", 40000)
        refused = factory.buildProtocol(peer)
        self.assertNotIsInstance(refused, RedisProtocol)
        transport = CountingTransport()
        refused.makeConnection(transport)
        self.assertEqual(transport.value(), b"-ERR max number of clients reached\r\n")
        self.assertTrue(transport.disconnecting)
        self.assertEqual(w.server.stats.rejected_connections, 1)
        self.assertEqual(len(w.server.clients), 1)

    def test_factory_builds_protocols_below_maxclients(self) -> None:
        """Below maxclients, buildProtocol returns a RedisProtocol bound to the server."""
        w = wire(config_with(maxclients=2))
        factory = RedisFactory(w.server)
        proto = factory.buildProtocol(address.IPv4Address("TCP", "127.0.0.1", 40000))
        self.assertIsInstance(proto, RedisProtocol)
        self.assertIs(proto.factory, factory)
        self.assertEqual(w.server.stats.rejected_connections, 0)


class ClientStateTests(SynchronousTestCase):
    """Per-connection state seen through commands."""

    def test_hello_3_switches_encoding_in_the_same_read(self) -> None:
        """HELLO 3 answers in RESP3 and so do the requests after it in the pipeline."""
        w = wire()
        out = w.feed(b"GET missing\r\nHELLO 3\r\nGET missing\r\nHELLO 2\r\nGET missing\r\n")
        self.assertTrue(out.startswith(b"$-1\r\n%7\r\n"), out)
        second = out.index(b"_\r\n*14\r\n")
        self.assertTrue(out[second:].endswith(b"$-1\r\n"), out)

    def test_client_info_shows_transport_addresses(self) -> None:
        """CLIENT INFO reports the transport's peer and host addresses and the query buffer."""
        transport = CountingTransport(
            host_address=address.IPv4Address("TCP", "127.0.0.1", 6379),
            peer_address=address.IPv4Address("TCP", "127.0.0.1", 51234),
        )
        w = wire(transport=transport)
        request = command(b"CLIENT", b"INFO")
        out = w.feed(request)
        self.assertTrue(out.startswith(b"$"), out)
        line = out.split(b"\r\n")[1].decode()
        fields = dict(item.split("=", 1) for item in line.split(" "))
        self.assertEqual(fields["addr"], "127.0.0.1:51234")
        self.assertEqual(fields["laddr"], "127.0.0.1:6379")
        self.assertEqual(fields["flags"], "N")
        self.assertEqual(fields["cmd"], "client|info")
        self.assertTrue(fields["qbuf"].isdigit(), fields)

    def test_unix_client_info(self) -> None:
        """A Unix-socket client shows the socket path as addr and laddr and the U flag."""
        transport = CountingTransport(
            host_address=address.UNIXAddress(b"/tmp/redis.sock"),
            peer_address=address.UNIXAddress(None),
        )
        w = wire(transport=transport)
        line = w.feed(b"CLIENT INFO\r\n").split(b"\r\n")[1].decode()
        fields = dict(item.split("=", 1) for item in line.split(" "))
        self.assertEqual(fields["addr"], "/tmp/redis.sock:0")
        self.assertEqual(fields["laddr"], "/tmp/redis.sock:0")
        self.assertEqual(fields["flags"], "U")

    def test_partial_request_counts_in_qbuf(self) -> None:
        """Bytes of an unfinished request are the client's qbuf."""
        w = wire()
        w.proto.dataReceived(PING + b"*1\r\n$4\r\nPI")
        client = w.proto.client
        assert client is not None
        # As in Redis, the parsed ``*1`` and ``$4`` header lines are already consumed.
        self.assertIn(" qbuf=2 ", client.info_line(w.server.now))
        w.proto.dataReceived(b"NG\r\n")
        self.assertIn(" qbuf=0 ", client.info_line(w.server.now))

    def test_network_counters(self) -> None:
        """Bytes in and out are counted per client and server-wide."""
        w = wire()
        w.feed(PING)
        client = w.proto.client
        assert client is not None
        self.assertEqual(client.tot_net_in, len(PING))
        self.assertEqual(client.tot_net_out, len(b"+PONG\r\n"))
        self.assertEqual(w.server.stats.net_input, len(PING))
        self.assertEqual(w.server.stats.net_output, len(b"+PONG\r\n"))

    def test_uses_the_injected_clock(self) -> None:
        """Idle time in CLIENT INFO follows the server's task.Clock."""
        w = wire()
        w.feed(PING)
        w.clock.advance(42)
        line = w.feed(b"CLIENT INFO\r\n").decode()
        self.assertIn(" age=42 ", line)
