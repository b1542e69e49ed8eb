"""CLIENT LIST / KILL / COUNT against a real pyredisd listener, with redis-py in RESP2 and RESP3
and with a raw socket where the exact bytes and the close matter."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any, TypeVar

import redis

from twisted.internet import task, threads
from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.trial.unittest import SynchronousTestCase, TestCase

from pyredisd.core.resp import ENCODERS
from pyredisd.core.server import Server
from pyredisd.net.service import RedisService
from tests.core.test_client_admin import FIELDS
from tests.helpers import config_with, start_service
from tests.integration.realredis import ServerProcess, require_redis_server

T = TypeVar("T")


def command(*args: bytes | str | int) -> bytes:
    """One request as a RESP multibulk."""
    parts = [arg if isinstance(arg, bytes) else str(arg).encode() for arg in args]
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (an aborted connection
    ends in a reset rather than an end of file)."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return data


class RESP2Tests(TestCase):
    """redis-py with protocol=2; the subclass runs the same tests in RESP3."""

    protocol = 2
    service: RedisService
    port: int

    @inlineCallbacks
    def setUp(self) -> Any:  # type: ignore[override]  # trial waits for a Deferred setUp
        """Start a server on a free 127.0.0.1 port with the CLIENT admin commands."""
        self.service = yield start_service(self, config_with(port=0))
        self.port = self.service.server.ports[0]

    def client(self, **kwargs: Any) -> redis.Redis:
        """A redis-py client for this server and protocol, closed at cleanup."""
        client = redis.Redis(
            host="127.0.0.1",
            port=self.port,
            protocol=self.protocol,
            decode_responses=True,
            **kwargs,
        )
        self.addCleanup(client.close)
        return client

    def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> Deferred[T]:
        """Run a blocking call in the reactor's thread pool."""
        return threads.deferToThread(function, *args, **kwargs)

    @inlineCallbacks
    def test_client_list_fields(self) -> Any:
        """client_list() parses every field of every line, and the values describe the
        connections: addresses, name, library, database, last command, protocol."""
        r = self.client(client_name="lister", db=2)
        other = self.client()

        def scenario() -> tuple[Any, ...]:
            other.ping()
            return r.client_id(), other.client_id(), r.client_list()

        my_id, other_id, lines = yield self.call(scenario)
        self.assertEqual(sorted(line["id"] for line in lines), sorted([str(my_id), str(other_id)]))
        for line in lines:
            self.assertEqual(list(line), FIELDS.split())
            self.assertEqual(line["laddr"], f"127.0.0.1:{self.port}")
            self.assertTrue(line["addr"].startswith("127.0.0.1:"))
            self.assertGreater(int(line["fd"]), 0)
            self.assertEqual(line["resp"], str(self.protocol))
            self.assertEqual(line["lib-name"], "redis-py")
            self.assertEqual(line["lib-ver"], redis.__version__)
            self.assertEqual(line["user"], "default")
            self.assertEqual(line["flags"], "N")
        mine, theirs = sorted(lines, key=lambda line: line["id"] != str(my_id))
        self.assertEqual((mine["name"], mine["db"], mine["cmd"]), ("lister", "2", "client|list"))
        self.assertEqual((theirs["name"], theirs["db"], theirs["cmd"]), ("", "0", "client|id"))
        self.assertGreater(int(mine["tot-net-in"]), 0)

    @inlineCallbacks
    def test_client_list_filters_and_count(self) -> Any:
        """TYPE and ID (Redis's forms) and the extension filters select clients; COUNT counts
        them."""
        r = self.client()
        named = self.client(client_name="worker")

        def scenario() -> tuple[Any, ...]:
            named_id = named.client_id()
            return (
                named_id,
                [c["id"] for c in r.client_list(_type="normal")],
                [c["id"] for c in r.client_list(client_id=[named_id])],
                r.execute_command("CLIENT", "LIST", "NAME", "worker"),
                r.execute_command("CLIENT", "COUNT"),
                r.execute_command("CLIENT", "COUNT", "NOT-NAME", "worker", "SKIPME", "yes"),
            )

        named_id, normal, by_id, by_name, count, others = yield self.call(scenario)
        self.assertEqual(len(normal), 2)
        self.assertEqual(by_id, [str(named_id)])
        self.assertEqual(by_name.split(" ", 1)[0], f"id={named_id}")
        self.assertEqual(by_name.count("\n"), 1)
        self.assertEqual((count, others), (2, 0))

    def victim(self) -> tuple[socket.socket, int, str]:
        """A raw connection (redis-py would silently reconnect), its client id and address."""
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        self.addCleanup(sock.close)
        sock.sendall(command("CLIENT", "ID"))
        client_id = int(sock.recv(100)[1:-2])
        host, port = sock.getsockname()[:2]
        return sock, client_id, f"{host}:{port}"

    @inlineCallbacks
    def test_kill_by_id(self) -> Any:
        """client_kill_filter(_id=...) answers 1, the victim's connection is closed, and it is
        gone from the list at once."""
        r = self.client()
        sock, victim_id, _ = yield self.call(self.victim)

        def scenario() -> tuple[Any, ...]:
            killed = r.client_kill_filter(_id=victim_id)
            listed = [c["id"] for c in r.client_list()]
            return killed, listed, read_until_closed(sock)

        killed, listed, rest = yield self.call(scenario)
        self.assertEqual(killed, 1)
        self.assertNotIn(str(victim_id), listed)
        self.assertEqual(rest, b"")

    @inlineCallbacks
    def test_kill_old_form(self) -> Any:
        """client_kill(addr) answers True and closes the victim; ``No such client`` for an
        unknown address."""
        r = self.client()
        sock, _, addr = yield self.call(self.victim)
        self.assertEqual((yield self.call(r.client_kill, addr)), True)
        self.assertEqual((yield self.call(read_until_closed, sock)), b"")
        failure = yield self.assertFailure(self.call(r.client_kill, addr), redis.ResponseError)
        self.assertEqual(str(failure), "No such client")

    @inlineCallbacks
    def test_kill_self_in_a_pipeline(self) -> Any:
        """Killing yourself mid-pipeline: the kill's reply arrives, then the connection
        closes, and the command pipelined after it never ran."""

        def scenario() -> bytes:
            with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
                sock.sendall(command("CLIENT", "ID"))
                my_id = int(sock.recv(100)[1:-2])
                sock.sendall(
                    command("CLIENT", "KILL", "ID", my_id, "SKIPME", "no")
                    + command("SET", "after-kill", "ran")
                )
                return read_until_closed(sock)

        self.assertEqual((yield self.call(scenario)), b":1\r\n")
        r = self.client()
        self.assertIsNone((yield self.call(r.get, "after-kill")))

    @inlineCallbacks
    def test_kill_self_old_form_in_a_pipeline(self) -> Any:
        """The old form may kill the caller too: ``+OK``, then the close."""

        def scenario() -> bytes:
            with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
                host, port = sock.getsockname()[:2]
                sock.sendall(command("CLIENT", "KILL", f"{host}:{port}") + command("SET", "k", "v"))
                return read_until_closed(sock)

        self.assertEqual((yield self.call(scenario)), b"+OK\r\n")
        self.assertIsNone((yield self.call(self.client().get, "k")))

    @inlineCallbacks
    def test_client_list_reply_type(self) -> Any:
        """CLIENT LIST is a bulk string in RESP2 and a ``txt`` verbatim string in RESP3."""

        def scenario() -> bytes:
            with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
                if self.protocol == 3:
                    sock.sendall(command("HELLO", "3"))
                    reply = b""
                    while b"modules" not in reply or not reply.endswith(b"*0\r\n"):
                        reply += sock.recv(4096)
                sock.sendall(command("CLIENT", "LIST", "SKIPME", "no") + command("QUIT"))
                return read_until_closed(sock)

        data = yield self.call(scenario)
        self.assertEqual(data[:1], b"=" if self.protocol == 3 else b"$")
        self.assertIn(b"\r\ntxt:id=" if self.protocol == 3 else b"\r\nid=", data)
        self.assertTrue(data.endswith(b"\n\r\n+OK\r\n"))


class RESP3Tests(RESP2Tests):
    """redis-py with protocol=3."""

    protocol = 3


# Requests whose replies do not depend on ids, addresses or times, answered identically by Redis
# 7.0.15 (Debian's) and 7.4; MAXAGE, NO-TOUCH and the extension filters are newer than 7.0.
SAME_AS_REDIS = [
    "CLIENT LIST TYPE foo",
    "CLIENT LIST ID 1 x",
    "CLIENT LIST ID",
    "CLIENT LIST foo",
    "CLIENT LIST TYPE normal x",
    "CLIENT LIST ID -1",
    "CLIENT LIST ID 99999",
    "CLIENT KILL",
    "CLIENT KILL ID abc",
    "CLIENT KILL ID 0",
    "CLIENT KILL ID 9223372036854775808",
    "CLIENT KILL ID 5 foo",
    "CLIENT KILL TYPE foo",
    "CLIENT KILL TYPE master",
    "CLIENT KILL TYPE slave",
    "CLIENT KILL USER bob",
    "CLIENT KILL SKIPME maybe",
    "CLIENT KILL foo bar",
    "CLIENT KILL 1.2.3.4:5",
    "CLIENT KILL addr",
    "CLIENT KILL ID 1 TYPE pubsub LADDR 1.1.1.1:1",
    "CLIENT KILL ADDR 1.2.3.4:5 SKIPME no",
    "CLIENT NO-EVICT maybe",
    "CLIENT NO-EVICT on",
    "CLIENT NO-EVICT OFF",
    "CLIENT NO-EVICT on x",
    "CLIENT UNBLOCK abc",
    "CLIENT UNBLOCK 1 foo",
    "CLIENT UNBLOCK abc foo",
    "CLIENT UNBLOCK 1 timeout x",
    "CLIENT UNBLOCK 99999",
    "CLIENT UNBLOCK 99999 error",
    "CLIENT HELP x",
]


class CompareWithRedisTests(SynchronousTestCase):
    """The same requests sent to a real ``redis-server`` and to pyredisd's core get the same
    bytes back (skipped without redis-server)."""

    def test_replies_match_redis_byte_for_byte(self) -> None:
        """Errors and fixed replies of LIST, KILL, NO-EVICT, UNBLOCK and HELP match Redis."""
        redis_server = ServerProcess.redis(require_redis_server(self))
        redis_server.start()
        self.addCleanup(redis_server.stop)
        server = Server(clock=task.Clock())
        client = server.new_client(addr="127.0.0.1:1", laddr="127.0.0.1:2")
        encode = ENCODERS[2].by_type
        for request in SAME_AS_REDIS:
            with self.subTest(request=request):
                argv = [arg.encode() for arg in request.split()]
                reply = server.execute(client, argv)
                with redis_server.connect() as conn:
                    self.assertEqual(encode[type(reply)](reply), conn.call(*argv))
