"""Closing cleanly over real sockets: raw clients in several modes at once (Pub/Sub of every
kind, WATCH, MULTI, blocked in BLPOP/BZPOPMIN/BLMOVE, MONITOR, CLIENT TRACKING in default, BCAST
and REDIRECT mode, CLIENT NO-TOUCH) are dropped by closing their sockets or by CLIENT KILL,
and INFO then counts nothing of theirs. Waits watch the server's state, never the clock (the
net-level proof with every mode and every way of closing is tests/net/test_clean_close.py)."""

from __future__ import annotations

import socket
from typing import Any

import redis

from twisted.internet import threads
from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.trial.unittest import TestCase

from pyredisd.core.clients import Client
from pyredisd.core.keyspace import Database
from pyredisd.core.server import Server
from pyredisd.net.service import RedisService
from tests.helpers import config_with, start_service, when_executed
from tests.integration.realredis import command

# INFO fields that count what clients are in; all zero once only the admin client is left.
CLIENT_FIELDS = (
    "pubsub_clients",
    "watching_clients",
    "blocked_clients",
    "tracking_clients",
    "total_blocking_keys",
    "total_watched_keys",
)
STATS_FIELDS = ("pubsub_channels", "pubsub_patterns")


def wait_until_left(server: Server, count: int, timeout: float = 10.0) -> Deferred[None]:
    """A Deferred that fires once only ``count`` clients are left on ``server`` (checked
    after each detach: the state the reactor's ``connectionLost`` leaves)."""
    from twisted.internet import reactor

    done: Deferred[None] = Deferred()
    if len(server.clients) <= count:
        done.callback(None)
        return done
    original = server.detach

    def detach(client: Client) -> None:
        original(client)
        if len(server.clients) <= count and not done.called:
            server.detach = original  # type: ignore[method-assign]
            done.callback(None)

    server.detach = detach  # type: ignore[method-assign]
    done.addTimeout(timeout, reactor)
    return done


class CleanCloseTests(TestCase):
    """Dropped clients leave nothing behind in INFO or in the server."""

    service: RedisService

    @inlineCallbacks
    def setUp(self) -> Any:  # type: ignore[override]  # trial waits for a Deferred setUp
        self.service = yield start_service(self, config_with(port=0))
        self.port = self.service.server.ports[0]
        self.admin = redis.Redis(host="127.0.0.1", port=self.port, decode_responses=True)
        self.addCleanup(self.admin.close)
        self.admin_id = yield threads.deferToThread(self.admin.client_id)

    def raw(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port))
        self.addCleanup(sock.close)
        return sock

    def info(self) -> Deferred[dict[str, Any]]:
        def read() -> dict[str, Any]:
            info: dict[str, Any] = self.admin.info("clients")
            info.update(self.admin.info("stats"))
            return info

        return threads.deferToThread(read)

    @inlineCallbacks
    def enter_modes(self) -> Any:
        """Five raw clients, each in several modes; fires with their sockets once the server
        shows every mode taken (each client's requests go once the previous one's took)."""
        server = self.service.server

        def first_id() -> int:
            return next(iter(server.pubsub.shard_channels[b"s1"]))

        clients: list[tuple[list[tuple[Any, ...]], Any]] = [
            # Subscribed to all three kinds, watching, tracking a key, then blocked forever.
            (
                [
                    ("HELLO", 3),
                    ("SUBSCRIBE", "c1"),
                    ("PSUBSCRIBE", "p*"),
                    ("SSUBSCRIBE", "s1"),
                    ("WATCH", "w1"),
                    ("CLIENT", "TRACKING", "ON"),
                    ("GET", "t1"),
                    ("BLPOP", "bl1", 0),
                ],
                lambda: len(server.blocking.clients) == 1,
            ),
            # BCAST tracking, NO-TOUCH, watching, in MULTI with queued commands.
            (
                [
                    ("HELLO", 3),
                    ("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "b:"),
                    ("CLIENT", "NO-TOUCH", "ON"),
                    ("WATCH", "w2", "w3"),
                    ("MULTI",),
                    ("SET", "x", 1),
                    ("GET", "y"),
                ],
                lambda: any(len(c.multi or ()) == 2 for c in server.in_multi.values()),
            ),
            # A RESP2 MONITOR that was subscribed once.
            ([("SUBSCRIBE", "c2"), ("UNSUBSCRIBE",), ("MONITOR",)], lambda: bool(server.monitors)),
            # Subscribed in RESP3, blocked with a timeout.
            (
                [("HELLO", 3), ("SUBSCRIBE", "c3"), ("BZPOPMIN", "z", 1000)],
                lambda: len(server.blocking.clients) == 2,
            ),
            # Tracking with REDIRECT to the first, watching, blocked in BLMOVE.
            (
                [
                    ("CLIENT", "TRACKING", "ON", "REDIRECT", first_id),
                    ("GET", "r1"),
                    ("WATCH", "w4"),
                    ("BLMOVE", "src", "dst", "LEFT", "RIGHT", 0),
                ],
                lambda: len(server.blocking.clients) == 3,
            ),
        ]
        socks = []
        for requests, took in clients:
            sock = self.raw()
            socks.append(sock)
            data = b"".join(
                command(*(arg() if callable(arg) else arg for arg in args)) for args in requests
            )
            done = when_executed(server, took)
            yield threads.deferToThread(sock.sendall, data)
            yield done
        info = yield self.info()
        self.assertEqual(
            {name: info[name] for name in ("connected_clients", *CLIENT_FIELDS, *STATS_FIELDS)},
            {
                "connected_clients": 6,
                "pubsub_clients": 2,
                "watching_clients": 3,
                "blocked_clients": 3,
                "tracking_clients": 3,
                "total_blocking_keys": 3,
                "total_watched_keys": 4,
                "pubsub_channels": 2,
                "pubsub_patterns": 1,
            },
        )
        self.assertTrue(server._hooked)
        return socks

    @inlineCallbacks
    def assert_nothing_left(self) -> Any:
        server = self.service.server
        info = yield self.info()
        self.assertEqual(info["connected_clients"], 1)
        self.assertEqual(
            {name: info[name] for name in CLIENT_FIELDS + STATS_FIELDS},
            dict.fromkeys(CLIENT_FIELDS + STATS_FIELDS, 0),
        )

        def after() -> list[Any]:
            pipe = self.admin.pipeline(transaction=False)
            for args in (
                ("PUBLISH", "c1", "m"),
                ("PUBLISH", "p1", "m"),
                ("SPUBLISH", "s1", "m"),
                ("LPUSH", "bl1", "v"),
                ("ZADD", "z", 1, "m"),
                ("LPUSH", "src", "v"),
                ("LLEN", "bl1"),
                ("ZCARD", "z"),
                ("LLEN", "src"),
                ("EXISTS", "dst"),
                ("SET", "t1", "v"),
                ("SET", "r1", "v"),
                ("SET", "b:1", "v"),
                ("SET", "w1", "v"),
            ):
                pipe.execute_command(*args)
            return list(pipe.execute())

        replies = yield threads.deferToThread(after)
        self.assertEqual(replies[:10], [0, 0, 0, 1, 1, 1, 1, 1, 1, 0])
        self.assertEqual(server.tracking.table, {})
        self.assertFalse(server._hooked)
        self.assertEqual([type(db) for db in server.dbs], [Database] * len(server.dbs))

    @inlineCallbacks
    def test_socket_close(self) -> Any:
        """Every client closes its socket; the server ends with nothing of theirs."""
        socks = yield self.enter_modes()
        left = wait_until_left(self.service.server, 1)
        for sock in socks:
            sock.close()
        yield left
        yield self.assert_nothing_left()

    @inlineCallbacks
    def test_client_kill(self) -> Any:
        """CLIENT KILL by TYPE pubsub, then by USER (all but the admin)."""
        socks = yield self.enter_modes()
        self.assertEqual(
            (yield threads.deferToThread(self.admin.client_kill_filter, _type="pubsub")), 2
        )
        self.assertEqual(
            (yield threads.deferToThread(self.admin.client_kill_filter, user="default")), 3
        )
        yield self.assert_nothing_left()
        # The server closed every connection: each socket reads to its end.
        for sock in socks:
            sock.settimeout(10)
            yield threads.deferToThread(_read_to_end, sock)


def _read_to_end(sock: socket.socket) -> bytes:
    out = b""
    while chunk := sock.recv(65536):
        out += chunk
    return out
