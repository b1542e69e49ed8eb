"""Blocking commands end to end with redis-py (RESP2 and RESP3) against a real pyredisd
listener. A test waits for a client to be blocked by watching the server's state after each
command (``when_executed``), never for time to pass."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import redis
from redis.exceptions import ResponseError

from twisted.internet import threads
from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.trial.unittest import TestCase

from pyredisd.net.service import RedisService
from tests.helpers import config_with, start_service, when_executed

T = TypeVar("T")


class RedisPyBlockingRESP2(TestCase):
    """redis-py's blocking list and sorted-set calls; the RESP3 class runs the same."""

    protocol = 2
    service: RedisService

    @inlineCallbacks
    def setUp(self) -> Any:  # type: ignore[override]  # trial waits for a Deferred setUp
        self.service = yield start_service(self, config_with(port=0))
        self.port = self.service.server.ports[0]

    def client(self) -> redis.Redis:
        client = redis.Redis(
            host="127.0.0.1", port=self.port, protocol=self.protocol, decode_responses=True
        )
        self.addCleanup(client.close)
        return client

    def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> Deferred[T]:
        """Run a blocking redis-py call in the reactor's thread pool."""
        return threads.deferToThread(function, *args, **kwargs)

    def blocked(self, count: int) -> Deferred[None]:
        """Fires once ``count`` clients are blocked on keys."""
        server = self.service.server
        return when_executed(server, lambda: len(server.blocking.clients) == count)

    @inlineCallbacks
    def test_blpop_served_by_a_push(self) -> Any:
        """BLPOP waits until another client pushes, then returns ``(key, value)``."""
        waiter, pusher = self.client(), self.client()
        yield self.call(waiter.ping)
        ready = self.blocked(1)
        pending = self.call(waiter.blpop, ["a", "b"], 0)
        yield ready
        self.assertFalse(pending.called)
        info = yield self.call(pusher.info, "clients")
        self.assertEqual((info["blocked_clients"], info["total_blocking_keys"]), (1, 2))
        self.assertEqual((yield self.call(pusher.rpush, "b", "x", "y")), 2)
        self.assertEqual(list((yield pending)), ["b", "x"])
        self.assertEqual((yield self.call(pusher.lrange, "b", 0, -1)), ["y"])

    @inlineCallbacks
    def test_bzpopmin_and_bzmpop(self) -> Any:
        """BZPOPMIN gives ``(key, member, score)`` with a float score; BZMPOP its nested form."""
        waiter, pusher = self.client(), self.client()
        yield self.call(waiter.ping)
        ready = self.blocked(1)
        pending = self.call(waiter.bzpopmin, "z", 0)
        yield ready
        yield self.call(pusher.zadd, "z", {"a": 1.5, "b": 2})
        self.assertEqual(list((yield pending)), ["z", "a", 1.5])
        popped = yield self.call(waiter.bzmpop, 0, 1, ["z"], max=True, count=5)
        self.assertEqual(popped[0], "z")
        # redis-py leaves RESP2's score text as it is; RESP3 sends a double.
        self.assertEqual([(m, float(score)) for m, score in popped[1]], [("b", 2.0)])

    @inlineCallbacks
    def test_blmove_timeout_and_served(self) -> Any:
        """A short timeout answers None; a served BLMOVE returns the element it moved."""
        waiter, pusher = self.client(), self.client()
        self.assertIsNone((yield self.call(waiter.blmove, "src", "dst", 0.05)))
        ready = self.blocked(1)
        pending = self.call(waiter.blmove, "src", "dst", 0, "RIGHT", "LEFT")
        yield ready
        yield self.call(pusher.rpush, "src", "v")
        self.assertEqual((yield pending), "v")
        self.assertEqual((yield self.call(pusher.lrange, "dst", 0, -1)), ["v"])

    @inlineCallbacks
    def test_client_unblock(self) -> Any:
        """CLIENT UNBLOCK: the waiter gets None (TIMEOUT) or the -UNBLOCKED error (ERROR)."""
        waiter, admin = self.client(), self.client()
        waiter_id = yield self.call(waiter.client_id)
        ready = self.blocked(1)
        pending = self.call(waiter.brpop, ["q"], 0)
        yield ready
        self.assertTrue((yield self.call(admin.client_unblock, waiter_id)))
        self.assertIsNone((yield pending))
        ready = self.blocked(1)
        popping = self.call(waiter.blmpop, 0, 1, "q", direction="LEFT")
        yield ready
        self.assertTrue((yield self.call(admin.client_unblock, waiter_id, error=True)))
        failure = yield self.assertFailure(popping, ResponseError)
        self.assertIn("UNBLOCKED client unblocked via CLIENT UNBLOCK", str(failure))
        self.assertFalse((yield self.call(admin.client_unblock, waiter_id)))


class RedisPyBlockingRESP3(RedisPyBlockingRESP2):
    protocol = 3
