"""Keyspace notifications as a redis-py user sees them, in RESP2 and RESP3: CONFIG SET
``notify-keyspace-events``, then ordinary Pub/Sub messages on ``__keyspace@<db>__:<key>`` and
``__keyevent@<db>__:<event>`` for a pattern subscriber; and a subscriber that never reads is
cut off by the ``pubsub`` output-buffer limit like any other subscriber."""

from __future__ import annotations

import socket
from typing import Any

import redis

from twisted.internet import threads
from twisted.internet.defer import inlineCallbacks
from twisted.trial.unittest import TestCase

from pyredisd.net.service import RedisService
from tests.helpers import config_with, start_service, when_executed
from tests.integration.realredis import command
from tests.integration.test_limits import read_until


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

    def client(self) -> redis.Redis:
        """A redis-py client, closed at cleanup."""
        client = redis.Redis(
            host="127.0.0.1", port=self.port, protocol=self.protocol, decode_responses=True
        )
        self.addCleanup(client.close)
        return client

    @inlineCallbacks
    def test_pattern_subscriber_sees_keyspace_and_keyevent(self) -> Any:
        """Each write gives its keyspace message then its keyevent message, in command order;
        reads give nothing with ``KEA``."""
        admin, listener = self.client(), self.client()

        def scenario() -> tuple[Any, list[tuple[str, str, str]]]:
            config = admin.config_set("notify-keyspace-events", "KEA")
            pubsub = listener.pubsub()
            pubsub.psubscribe("__key*__:*")
            pubsub.get_message(timeout=5)  # the confirmation
            admin.set("name", "ada")
            admin.get("name")
            admin.rpush("queue", "job")
            admin.lpop("queue")
            admin.expire("name", 100)
            admin.delete("name")
            seen: list[tuple[str, str, str]] = []
            while len(seen) < 12:
                message = pubsub.get_message(timeout=5)
                assert message is not None, seen
                seen.append((message["pattern"], message["channel"], message["data"]))
            pubsub.close()
            return config, seen

        config, seen = yield threads.deferToThread(scenario)
        self.assertTrue(config)
        expected = []
        for event, key in [
            ("set", "name"),
            ("rpush", "queue"),
            ("lpop", "queue"),
            ("del", "queue"),
            ("expire", "name"),
            ("del", "name"),
        ]:
            expected.append(("__key*__:*", f"__keyspace@0__:{key}", event))
            expected.append(("__key*__:*", f"__keyevent@0__:{event}", key))
        self.assertEqual(seen, expected)

    @inlineCallbacks
    def test_channel_subscriber_new_and_keymiss(self) -> Any:
        """A plain SUBSCRIBE to one keyevent channel; ``n`` and ``m`` add ``new`` and
        ``keymiss``; CONFIG GET shows the canonical class string."""
        admin, listener = self.client(), self.client()

        def scenario() -> tuple[Any, list[Any]]:
            admin.config_set("notify-keyspace-events", "nmE")
            shown = admin.config_get("notify-keyspace-events")
            pubsub = listener.pubsub()
            pubsub.subscribe("__keyevent@0__:new", "__keyevent@0__:keymiss")
            pubsub.get_message(timeout=5)
            pubsub.get_message(timeout=5)
            admin.get("missing")
            admin.set("fresh", "1")
            admin.set("fresh", "2")
            admin.incr("counter")
            seen = [pubsub.get_message(timeout=5) for _ in range(3)]
            pubsub.close()
            return shown, [(m["channel"], m["data"]) for m in seen if m]

        shown, seen = yield threads.deferToThread(scenario)
        self.assertEqual(shown, {"notify-keyspace-events": "nEm"})
        self.assertEqual(
            seen,
            [
                ("__keyevent@0__:keymiss", "missing"),
                ("__keyevent@0__:new", "fresh"),
                ("__keyevent@0__:new", "counter"),
            ],
        )

    @inlineCallbacks
    def test_invalid_class(self) -> Any:
        """CONFIG SET refuses a character outside the classes with Redis's message."""
        admin = self.client()

        def scenario() -> str:
            try:
                admin.config_set("notify-keyspace-events", "KEX")
            except redis.ResponseError as exc:
                return str(exc)
            return "accepted"

        message = yield threads.deferToThread(scenario)
        self.assertEqual(
            message,
            "CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - "
            "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
        )

    @inlineCallbacks
    def test_slow_subscriber_cut_off_by_pubsub_limit(self) -> Any:
        """A pattern subscriber that never reads is dropped at the ``pubsub`` hard limit while
        writes keep notifying; the writer is unaffected."""
        admin = self.client()
        server = self.service.server

        def scenario() -> list[int]:
            admin.config_set("client-output-buffer-limit", "normal 0 0 0 pubsub 256kb 0 0")
            admin.config_set("notify-keyspace-events", "KEA")
            sock = socket.create_connection(("127.0.0.1", self.port))
            self.addCleanup(sock.close)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(command("PSUBSCRIBE", "__key*__:*"))
            read_until(sock, b"*3\r\n$10\r\npsubscribe\r\n$10\r\n__key*__:*\r\n:1\r\n")
            subscribers = []
            key = "k" * 2000  # each SET sends two messages naming the key
            for _ in range(100):
                pipe = admin.pipeline(transaction=False)
                for _ in range(100):
                    pipe.set(key, "v")
                pipe.execute()
                subscribers.append(admin.pubsub_numpat())
                if subscribers[-1] == 0:
                    break
            return subscribers

        subscribers = yield threads.deferToThread(scenario)
        self.assertEqual(subscribers[-1], 0)
        yield when_executed(server, lambda: server.stats.obuf_disconnections == 1)
        self.assertEqual(server.stats.obuf_disconnections, 1)


class RESP3Tests(RESP2Tests):
    """The same through redis-py in RESP3 (messages arrive as push frames)."""

    protocol = 3
