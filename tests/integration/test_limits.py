"""Connection management over real sockets: MONITOR with redis-py's ``monitor()`` (RESP2 and
RESP3), CLIENT PAUSE/UNPAUSE, CLIENT REPLY on a raw socket, and the output-buffer limit of a
MONITOR client that never reads."""

from __future__ import annotations

import socket
import time
from typing import Any

import redis

from twisted.internet import threads
from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.trial.unittest import TestCase

from pyredisd.net.service import RedisService
from tests.helpers import config_with, start_service, when_executed
from tests.net.test_protocol import command


def read_until(sock: socket.socket, expected: bytes, timeout: float = 10.0) -> bytes:
    """Read from ``sock`` until ``expected`` bytes arrived (or the timeout)."""
    sock.settimeout(timeout)
    data = b""
    while len(data) < len(expected):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


class RESP2Tests(TestCase):
    """redis-py with protocol=2; RESP3Tests runs the same with protocol=3."""

    protocol = 2
    service: RedisService
    port: int

    @inlineCallbacks
    def setUp(self) -> Any:  # type: ignore[override]  # trial waits for a Deferred setUp
        """Start a server on a free port."""
        self.service = yield start_service(self, config_with(port=0))
        self.port = self.service.server.ports[0]

    def client(self, **kwargs: Any) -> redis.Redis:
        """A redis-py client, closed at cleanup."""
        client = redis.Redis(
            host="127.0.0.1",
            port=self.port,
            protocol=self.protocol,
            decode_responses=True,
            **kwargs,
        )
        self.addCleanup(client.close)
        return client

    def raw(self) -> socket.socket:
        """A plain socket to the server, closed at cleanup."""
        sock = socket.create_connection(("127.0.0.1", self.port))
        self.addCleanup(sock.close)
        return sock

    @inlineCallbacks
    def test_monitor(self) -> Any:
        """redis-py's monitor() parses the lines: commands, db, client address, escaping."""
        watcher = self.client()
        actor = self.client()

        def scenario() -> list[dict[str, Any]]:
            actor.ping()  # connect (and say HELLO / CLIENT SETINFO) before monitoring
            with watcher.monitor() as monitor:
                actor.set("key", 'a "quoted" value')
                actor.execute_command("SELECT", 2)
                actor.get("key")
                return [monitor.next_command() for _ in range(3)]

        seen = yield threads.deferToThread(scenario)
        commands = [entry["command"] for entry in seen]
        self.assertEqual(commands[0], 'SET key a "quoted" value')
        self.assertEqual(commands[1:], ["SELECT 2", "GET key"])
        self.assertEqual([entry["db"] for entry in seen], [0, 2, 2])
        self.assertEqual({entry["client_address"] for entry in seen}, {"127.0.0.1"})
        self.assertTrue(all(abs(entry["time"] - time.time()) < 60 for entry in seen))

    @inlineCallbacks
    def test_pause_and_unpause(self) -> Any:
        """A write waits during CLIENT PAUSE WRITE while reads answer; UNPAUSE releases it."""
        admin = self.client()
        writer = self.client()
        reader = self.client()
        yield threads.deferToThread(admin.client_pause, 10_000, False)
        started = time.monotonic()
        server = self.service.server
        postponed = when_executed(server, lambda: len(server.postponed) == 1)
        pending: Deferred[Any] = threads.deferToThread(writer.set, "k", "v")
        yield postponed
        self.assertIsNone((yield threads.deferToThread(reader.get, "k")))
        self.assertFalse(pending.called)
        info = yield threads.deferToThread(reader.info, "clients")
        self.assertEqual(info["blocked_clients"], 1)
        yield threads.deferToThread(admin.client_unpause)
        self.assertTrue((yield pending))
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual((yield threads.deferToThread(reader.get, "k")), "v")

    @inlineCallbacks
    def test_pause_ends_by_itself(self) -> Any:
        """A short pause ends on its own (the cron runs at ``hz``)."""
        admin = self.client()
        yield threads.deferToThread(admin.client_pause, 200)
        started = time.monotonic()
        self.assertTrue((yield threads.deferToThread(self.client().ping)))
        self.assertGreaterEqual(time.monotonic() - started, 0.15)

    @inlineCallbacks
    def test_client_reply_on_a_raw_socket(self) -> Any:
        """OFF silences replies, SKIP the next one, ON answers +OK."""
        sock = self.raw()
        requests = (
            command(b"CLIENT", b"REPLY", b"OFF")
            + command(b"SET", b"a", b"1")
            + command(b"CLIENT", b"REPLY", b"ON")
            + command(b"CLIENT", b"REPLY", b"SKIP")
            + command(b"GET", b"a")
            + command(b"GET", b"a")
        )
        expected = b"+OK\r\n$1\r\n1\r\n"

        def scenario() -> bytes:
            sock.sendall(requests)
            return read_until(sock, expected)

        self.assertEqual((yield threads.deferToThread(scenario)), expected)

    @inlineCallbacks
    def test_monitor_that_never_reads_hits_the_hard_limit(self) -> Any:
        """A MONITOR client that stops reading is dropped at the normal class's hard limit."""
        admin = self.client()
        yield threads.deferToThread(
            admin.config_set, "client-output-buffer-limit", "normal 1mb 0 0"
        )
        sock = self.raw()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)

        def scenario() -> int:
            sock.sendall(command(b"MONITOR"))
            read_until(sock, b"+OK\r\n")
            value = "x" * 10_000
            actor = self.client()
            for _ in range(40):  # 40 MB of MONITOR lines: far past socket buffers and 1mb
                pipe = actor.pipeline(transaction=False)
                for _ in range(100):
                    pipe.echo(value)
                pipe.execute()
            return int(admin.info("stats")["client_output_buffer_limit_disconnections"])

        self.assertEqual((yield threads.deferToThread(scenario)), 1)
        self.assertEqual(len(self.service.server.monitors), 0)
        self.assertEqual(self.service.server.stats.obuf_disconnections, 1)

    @inlineCallbacks
    def test_tcp_keepalive(self) -> Any:
        """Accepted sockets get SO_KEEPALIVE with ``tcp-keepalive`` as the idle time."""
        r = self.client()
        yield threads.deferToThread(r.ping)
        [client] = list(self.service.server.clients)
        handle = client.peer.transport.getHandle()  # type: ignore[union-attr]
        self.assertEqual(handle.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE), 1)
        if hasattr(socket, "TCP_KEEPIDLE"):
            self.assertEqual(handle.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE), 300)

    @inlineCallbacks
    def test_maxclients(self) -> Any:
        """Past ``maxclients`` a connection gets Redis's error, is closed and counted."""
        admin = self.client()
        yield threads.deferToThread(admin.config_set, "maxclients", 1)
        refused = self.raw()
        expected = b"-ERR max number of clients reached\r\n"
        self.assertEqual((yield threads.deferToThread(read_until, refused, expected)), expected)
        self.assertEqual((yield threads.deferToThread(refused.recv, 10)), b"")
        yield threads.deferToThread(admin.config_set, "maxclients", 10000)
        stats = yield threads.deferToThread(admin.info, "stats")
        self.assertEqual(stats["rejected_connections"], 1)

    @inlineCallbacks
    def test_idle_timeout(self) -> Any:
        """With ``timeout 1`` an idle connection is closed by the cron; a MONITOR stays."""
        admin = self.client()
        idle = self.raw()
        watcher = self.raw()
        watcher.sendall(command(b"MONITOR"))
        self.assertEqual((yield threads.deferToThread(read_until, watcher, b"+OK\r\n")), b"+OK\r\n")
        yield threads.deferToThread(admin.config_set, "timeout", 1)

        def wait_closed() -> bytes:
            idle.settimeout(10)
            try:
                return idle.recv(10)
            except ConnectionResetError:  # dropped with abortConnection: RST, not FIN
                return b""

        self.assertEqual((yield threads.deferToThread(wait_closed)), b"")
        self.assertEqual(len(self.service.server.monitors), 1)


class RESP3Tests(RESP2Tests):
    """The same with protocol=3."""

    protocol = 3
