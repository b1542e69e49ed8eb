"""Pub/Sub over real sockets: redis-py's PubSub object in RESP2 and RESP3 (listen/get_message,
patterns, shard channels), CLIENT LIST/KILL of subscribers, clean-up on close, a slow subscriber
cut off by the ``pubsub`` output-buffer limit, and the raw replies compared with redis-server."""

from __future__ import annotations

import socket
from typing import Any

import redis

from twisted.internet import threads
from twisted.internet.defer import inlineCallbacks
from twisted.trial.unittest import SynchronousTestCase, TestCase

from pyredisd.core.server import Server
from pyredisd.net.service import RedisService
from tests.helpers import config_with, start_service, when_executed
from tests.integration.realredis import ServerProcess, command, require_redis_server
from tests.integration.test_limits import read_until


def _empty(server: Server) -> bool:
    pubsub = server.pubsub
    return not (pubsub.channels or pubsub.patterns or pubsub.shard_channels or pubsub.clients)


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
    def test_listen_channels_and_patterns(self) -> Any:
        """Confirmations, then message and pmessage in publish order; a channel that also
        matches a pattern is delivered twice; PUBLISH counts the deliveries."""
        publisher = self.client()
        listener = self.client()

        def scenario() -> tuple[list[Any], list[int], list[Any]]:
            pubsub = listener.pubsub()
            pubsub.subscribe("news", "sport")
            pubsub.psubscribe("n*")
            counts = [publisher.publish("news", f"m{i}") for i in range(3)]
            counts.append(publisher.publish("nothing", "x"))
            counts.append(publisher.publish("sport", "goal"))
            seen = []
            for message in pubsub.listen():
                seen.append(message)
                if message["data"] == "goal":
                    break
            intro = [
                publisher.pubsub_numsub("news", "sport", "none"),
                sorted(publisher.pubsub_channels()),
                sorted(publisher.pubsub_channels("s*")),
                publisher.pubsub_numpat(),
            ]
            pubsub.unsubscribe()
            pubsub.punsubscribe()
            for _ in range(3):
                seen.append(pubsub.get_message(timeout=5))
            pubsub.close()
            return seen, counts, intro

        seen, counts, intro = yield threads.deferToThread(scenario)
        self.assertEqual(counts, [2, 2, 2, 1, 1])
        kinds = [(m["type"], m["channel"], m["data"]) for m in seen]
        self.assertEqual(
            kinds[:3],
            [("subscribe", "news", 1), ("subscribe", "sport", 2), ("psubscribe", "n*", 3)],
        )
        expected = []
        for i in range(3):
            expected += [("message", "news", f"m{i}"), ("pmessage", "news", f"m{i}")]
        expected += [("pmessage", "nothing", "x"), ("message", "sport", "goal")]
        self.assertEqual(kinds[3:11], expected)
        self.assertEqual([m["pattern"] for m in seen[3:11] if m["type"] == "pmessage"], ["n*"] * 4)
        self.assertEqual(
            kinds[11:],
            [("unsubscribe", "news", 2), ("unsubscribe", "sport", 1), ("punsubscribe", "n*", 0)],
        )
        self.assertEqual(intro[0], [("news", 1), ("sport", 1), ("none", 0)])
        self.assertEqual(intro[1:], [["news", "sport"], ["sport"], 1])
        yield when_executed(self.service.server, lambda: _empty(self.service.server))
        self.assertTrue(_empty(self.service.server))

    @inlineCallbacks
    def test_shard_channels(self) -> Any:
        """SSUBSCRIBE and SPUBLISH; shard messages ignore patterns and plain channels."""
        publisher = self.client()
        listener = self.client()

        def scenario() -> tuple[list[Any], list[int], list[Any]]:
            pubsub = listener.pubsub()
            pubsub.ssubscribe("shard")
            pubsub.psubscribe("*")
            first = [pubsub.get_sharded_message(timeout=5), pubsub.get_message(timeout=5)]
            counts = [publisher.spublish("shard", "one"), publisher.spublish("other", "x")]
            message = pubsub.get_sharded_message(timeout=5)
            intro = [
                publisher.pubsub_shardnumsub("shard", "other"),
                publisher.pubsub_shardchannels(),
                publisher.pubsub_channels(),
            ]
            pubsub.close()
            return [*first, message], counts, intro

        detached = wait_for_detach_of(self.service.server, 1)
        seen, counts, intro = yield threads.deferToThread(scenario)
        self.assertEqual(counts, [1, 0])
        self.assertEqual(
            [(m["type"], m["channel"], m["data"]) for m in seen],
            [("ssubscribe", "shard", 1), ("psubscribe", "*", 1), ("smessage", "shard", "one")],
        )
        self.assertEqual(intro, [[("shard", 1), ("other", 0)], ["shard"], []])
        yield detached  # pubsub.close() dropped the subscribed connection
        self.assertTrue(_empty(self.service.server))

    @inlineCallbacks
    def test_client_list_and_kill_by_type(self) -> Any:
        """A subscriber shows flag P and its counts; CLIENT KILL TYPE pubsub removes it from
        every channel and nothing more is sent to it."""
        admin = self.client()
        sock = self.raw()

        def scenario() -> tuple[Any, int, int, list[Any], bytes]:
            sock.sendall(command("SUBSCRIBE", "a", "b") + command("PSUBSCRIBE", "x*"))
            sock.sendall(command("SSUBSCRIBE", "s"))
            read_until(sock, _sub_replies(self.protocol))
            listed = admin.client_list(_type="pubsub")
            killed = admin.client_kill_filter(_type="pubsub")
            rest = [admin.pubsub_channels(), admin.pubsub_numpat(), admin.pubsub_shardchannels()]
            sock.settimeout(5)
            try:
                tail = sock.recv(100)
            except ConnectionResetError:
                tail = b""
            return listed, killed, admin.publish("a", "late"), rest, tail

        listed, killed, receivers, rest, tail = yield threads.deferToThread(scenario)
        self.assertEqual(len(listed), 1)
        entry = listed[0]
        self.assertEqual([entry[k] for k in ("flags", "sub", "psub", "ssub")], ["P", "2", "1", "1"])
        self.assertEqual((killed, receivers, rest, tail), (1, 0, [[], 0, []], b""))
        self.assertTrue(_empty(self.service.server))

    @inlineCallbacks
    def test_quit_and_connection_loss_clean_up(self) -> Any:
        """QUIT ends a subscriber (RESP2 allows it), a dropped socket too: both leave no
        channel, pattern or subscriber behind."""
        server = self.service.server
        admin = self.client()
        quitter = self.raw()
        dropper = self.raw()

        def subscribe() -> None:
            quitter.sendall(command("SUBSCRIBE", "c"))
            dropper.sendall(command("PSUBSCRIBE", "c*"))
            read_until(quitter, b"*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n")
            read_until(dropper, b"*3\r\n$10\r\npsubscribe\r\n$2\r\nc*\r\n:1\r\n")

        yield threads.deferToThread(subscribe)
        self.assertEqual((yield threads.deferToThread(admin.publish, "c", "m")), 2)
        detached = wait_for_detach_of(server, 2)
        quitter.sendall(command("QUIT"))
        dropper.close()
        yield detached
        self.assertEqual((yield threads.deferToThread(admin.publish, "c", "m")), 0)
        self.assertTrue(_empty(server))
        self.assertEqual((yield threads.deferToThread(admin.info, "clients"))["pubsub_clients"], 0)

    @inlineCallbacks
    def test_slow_subscriber_cut_off_by_pubsub_limit(self) -> Any:
        """A subscriber that never reads is dropped at the ``pubsub`` class's hard limit (the
        ``normal`` class has none); it is forgotten by every channel."""
        admin = self.client()
        yield threads.deferToThread(
            admin.config_set, "client-output-buffer-limit", "normal 0 0 0 pubsub 256kb 0 0"
        )
        sock = self.raw()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        server = self.service.server

        def scenario() -> list[int]:
            sock.sendall(command("SUBSCRIBE", "flood"))
            read_until(sock, b"*3\r\n$9\r\nsubscribe\r\n$5\r\nflood\r\n:1\r\n")
            payload = "x" * 10_000
            counts = []
            for _ in range(100):  # up to 100 MB: far past socket buffers and 256kb
                pipe = admin.pipeline(transaction=False)
                for _ in range(100):
                    pipe.publish("flood", payload)
                counts.append(sum(pipe.execute()))
                if counts[-1] == 0:
                    break
            return counts

        counts = yield threads.deferToThread(scenario)
        self.assertEqual(counts[-1], 0)
        stats = yield threads.deferToThread(admin.info, "stats")
        self.assertEqual(stats["client_output_buffer_limit_disconnections"], 1)
        self.assertEqual(stats["pubsub_channels"], 0)
        self.assertTrue(_empty(server))


class RESP3Tests(RESP2Tests):
    """The same with protocol=3 (confirmations and messages are push frames)."""

    protocol = 3

    @inlineCallbacks
    def test_resp3_subscriber_may_run_anything(self) -> Any:
        """In RESP3 a subscriber runs ordinary commands, PING answers PONG, and messages
        arrive as ``>`` pushes between replies."""
        sock = self.raw()
        admin = self.client()

        def scenario() -> bytes:
            sock.sendall(command("HELLO", "3"))
            sock.settimeout(5)
            buf = b""
            while b"modules" not in buf or not buf.endswith(b"*0\r\n"):
                buf += sock.recv(65536)
            sock.sendall(command("SUBSCRIBE", "c") + command("PING") + command("GET", "k"))
            expected = b">3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n+PONG\r\n_\r\n"
            got = read_until(sock, expected)
            admin.publish("c", "hi")
            return got + read_until(sock, b">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$2\r\nhi\r\n")

        self.assertEqual(
            (yield threads.deferToThread(scenario)),
            b">3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n+PONG\r\n_\r\n"
            b">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$2\r\nhi\r\n",
        )


def _sub_replies(protocol: int) -> bytes:
    head = b"*3" if protocol == 2 else b">3"
    return (
        head + b"\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"
        + head + b"\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"
        + head + b"\r\n$10\r\npsubscribe\r\n$2\r\nx*\r\n:3\r\n"
        + head + b"\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n"
    )  # fmt: skip


def wait_for_detach_of(server: Server, count: int, timeout: float = 10.0) -> Any:
    """A Deferred that fires once ``count`` more clients have been detached from ``server``."""
    from twisted.internet import reactor
    from twisted.internet.defer import Deferred

    done: Deferred[None] = Deferred()
    original = server.detach
    left = [count]

    def detach(client: Any) -> None:
        original(client)
        left[0] -= 1
        if left[0] <= 0 and not done.called:
            server.detach = original  # type: ignore[method-assign]
            done.callback(None)

    server.detach = detach  # type: ignore[method-assign]
    done.addTimeout(timeout, reactor)
    return done


# -- comparison with redis-server ----------------------------------------------------------------
def _scenario(server: ServerProcess, protocol: int) -> list[bytes]:
    """The raw replies of one subscriber and one publisher, in the order they were read."""
    out: list[bytes] = []
    with server.connect() as sub, server.connect() as pub:
        if protocol == 3:
            sub.call("HELLO", "3")
        out.append(sub.call("UNSUBSCRIBE"))
        out.append(sub.call("PUNSUBSCRIBE"))
        out.append(sub.call("SUNSUBSCRIBE"))
        sub.send(command("SUBSCRIBE", "a", "b", "a"))
        out.append(sub.read_replies(3))
        out.append(sub.call("PSUBSCRIBE", "a*"))
        out.append(sub.call("SSUBSCRIBE", "s"))
        out.append(sub.call("PING"))
        out.append(sub.call("PING", "hello"))
        out.append(sub.call("GET", "k"))
        out.append(sub.call("CLIENT", "ID") if protocol == 2 else b"")
        out.append(pub.call("PUBLISH", "a", "payload"))
        out.append(sub.read_replies(2))
        out.append(pub.call("SPUBLISH", "s", "shard"))
        out.append(sub.read_reply())
        out.append(pub.call("PUBLISH", "nobody", "x"))
        out.append(pub.call("PUBSUB", "NUMSUB", "a", "b", "zz"))
        out.append(pub.call("PUBSUB", "NUMPAT"))
        out.append(pub.call("PUBSUB", "CHANNELS", "b*"))
        out.append(pub.call("PUBSUB", "SHARDCHANNELS"))
        out.append(pub.call("PUBSUB", "SHARDNUMSUB", "s"))
        out.append(pub.call("PUBSUB", "CHANNELS", "a", "b"))
        out.append(pub.call("PUBSUB", "NUMPAT", "x"))
        out.append(pub.call("PUBSUB", "FOO"))
        # Redis 7.0 says "Prints this help.", 7.4 "Print this help."
        out.append(pub.call("PUBSUB", "HELP").replace(b"+    Prints this", b"+    Print this"))
        out.append(pub.call("SUBSCRIBE"))
        out.append(pub.call("PUBLISH", "a"))
        sub.send(command("UNSUBSCRIBE", "b", "zz"))
        out.append(sub.read_replies(2))
        out.append(sub.call("PUNSUBSCRIBE"))
        out.append(sub.call("SUNSUBSCRIBE", "s"))
        out.append(sub.call("UNSUBSCRIBE"))
        out.append(sub.call("GET", "k"))
        out.append(sub.call("SUBSCRIBE", "r"))
        out.append(sub.call("RESET"))
        out.append(pub.call("PUBLISH", "r", "x"))
        out.append(b"%d" % pub.call("INFO", "stats").count(b"pubsub_channels:0"))
    return out


class ComparisonTests(SynchronousTestCase):
    """The raw replies of both servers, byte for byte, in RESP2 and RESP3."""

    def test_same_replies_as_redis(self) -> None:
        """Subscribe, publish, introspection and errors match redis-server's bytes."""
        path = require_redis_server(self)
        servers = [ServerProcess.redis(path), ServerProcess.pyredisd()]
        for server in servers:
            server.start()
            self.addCleanup(server.stop)
        for protocol in (2, 3):
            theirs, ours = (_scenario(server, protocol) for server in servers)
            for step, (want, got) in enumerate(zip(theirs, ours, strict=True)):
                with self.subTest(protocol=protocol, step=step):
                    self.assertEqual(got, want)
