"""redis-py's hash-field expiry methods (HEXPIRE family, Redis 7.4) against a real pyredisd
listener, in RESP2 and RESP3. Redis 7.0 has none of these commands, so there is no comparison
with redis-server here: the expected replies are Redis 7.4's (``t_hash.c``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis

from twisted.internet import threads
from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.trial.unittest import TestCase

from pyredisd.core import errors
from tests.helpers import config_with, start_service

T = TypeVar("T")


class HashExpiryRESP2Tests(TestCase):
    """redis-py with protocol=2; the subclass runs the same tests in RESP3."""

    protocol = 2

    @inlineCallbacks
    def setUp(self) -> Any:  # type: ignore[override]  # trial waits for a Deferred setUp
        service = yield start_service(self, config_with(port=0))
        self.port = service.server.ports[0]

    def client(self) -> redis.Redis:
        client = redis.Redis(
            host="127.0.0.1", port=self.port, protocol=self.protocol, decode_responses=True
        )
        self.addCleanup(client.close)
        return client

    def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> Deferred[T]:
        """Run a blocking redis-py call in the reactor's thread pool."""
        return threads.deferToThread(function, *args, **kwargs)

    @inlineCallbacks
    def test_set_read_and_persist(self) -> Any:
        """HEXPIRE replies per field; HTTL/HPTTL/HEXPIRETIME read the deadline back."""
        r = self.client()
        yield self.call(r.hset, "h", mapping={"a": "1", "b": "2", "c": "3"})
        self.assertEqual((yield self.call(r.hexpire, "h", 100, "a", "nope")), [1, -2])
        self.assertEqual((yield self.call(r.hpexpire, "h", 50_000, "b", nx=True)), [1])
        self.assertEqual((yield self.call(r.hpexpire, "h", 60_000, "b", nx=True)), [0])
        self.assertEqual((yield self.call(r.hexpire, "h", 200, "b", gt=True)), [1])
        self.assertEqual((yield self.call(r.hexpire, "h", 200, "c", gt=True)), [0])
        self.assertEqual((yield self.call(r.hexpire, "h", 200, "c", lt=True)), [1])
        ttls = yield self.call(r.httl, "h", "a", "b", "c", "nope")
        self.assertTrue(99 <= ttls[0] <= 100 and 199 <= ttls[1] <= 200, ttls)
        self.assertEqual(ttls[3], -2)
        (pttl,) = yield self.call(r.hpttl, "h", "a")
        self.assertTrue(98_000 <= pttl <= 100_000, pttl)
        (when,) = yield self.call(r.hexpiretime, "h", "a")
        self.assertTrue(abs(when - (time.time() + 100)) < 5, when)
        self.assertEqual((yield self.call(r.hpersist, "h", "a", "c", "nope")), [1, 1, -2])
        self.assertEqual((yield self.call(r.httl, "h", "a", "b")), [-1, ttls[1]])
        self.assertEqual((yield self.call(r.object, "encoding", "h")), "listpackex")
        # b (the one field with a TTL) comes first in a listpackex
        self.assertEqual((yield self.call(r.hgetall, "h")), {"b": "2", "a": "1", "c": "3"})
        self.assertEqual(list((yield self.call(r.hkeys, "h"))), ["b", "a", "c"])

    @inlineCallbacks
    def test_past_deadline_deletes(self) -> Any:
        """A deadline in the past deletes the field (2), and the hash with its last field."""
        r = self.client()
        yield self.call(r.hset, "h", mapping={"a": "1", "b": "2"})
        past_ms = int(time.time() * 1000) - 1000
        self.assertEqual((yield self.call(r.hpexpireat, "h", past_ms, "a")), [2])
        self.assertEqual((yield self.call(r.hgetall, "h")), {"b": "2"})
        self.assertEqual((yield self.call(r.hexpireat, "h", 1, "b")), [2])
        self.assertEqual((yield self.call(r.exists, "h")), 0)
        info = yield self.call(r.info, "stats")
        self.assertEqual(info["expired_subkeys"], 2)

    @inlineCallbacks
    def test_errors(self) -> Any:
        """Redis 7.4's error messages reach the client."""
        r = self.client()
        yield self.call(r.hset, "h", "a", "1")
        yield self.call(r.set, "s", "x")
        cases = [
            (("HEXPIRE", "h", "10", "FIELDS", "0", "a"), errors.HFE_NUMFIELDS_ZERO),
            (("HEXPIRE", "h", "10", "FIELDS", "2", "a"), errors.HFE_NUMFIELDS_MISMATCH),
            (("HEXPIRE", "h", "-1", "FIELDS", "1", "a"), errors.HFE_NEGATIVE_EXPIRE),
            (("HTTL", "h", "FIELDS", "0", "a"), errors.HFE_NUMFIELDS_POSITIVE),
            (("HPERSIST", "h", "1", "a", "b"), errors.HFE_FIELDS_MISSING),
            (("HTTL", "s", "FIELDS", "1", "a"), errors.WRONGTYPE),
        ]
        for argv, message in cases:
            with self.assertRaises(redis.ResponseError) as caught:
                yield self.call(r.execute_command, *argv)
            self.assertEqual(str(caught.exception), message.removeprefix("ERR "))

    @inlineCallbacks
    def test_info_keyspace_subexpiry(self) -> Any:
        r = self.client()
        yield self.call(r.hset, "h", "a", "1")
        yield self.call(r.hset, "plain", "a", "1")
        yield self.call(r.hexpire, "h", 100, "a")
        info = yield self.call(r.info, "keyspace")
        self.assertEqual(info["db0"]["subexpiry"], 1)

    @inlineCallbacks
    def test_command_docs(self) -> Any:
        """COMMAND INFO carries the flags and key specs of Redis 7.4's JSON files."""
        r = self.client()
        info = yield self.call(r.command)  # COMMAND, parsed by name
        self.assertEqual(info["hexpire"]["arity"], -6)
        self.assertEqual(set(info["hexpire"]["flags"]), {"write", "denyoom", "fast"})
        self.assertEqual(info["httl"]["arity"], -5)
        self.assertEqual(set(info["httl"]["flags"]), {"readonly", "fast"})
        self.assertEqual(set(info["hpersist"]["flags"]), {"write", "fast"})


class HashExpiryRESP3Tests(HashExpiryRESP2Tests):
    protocol = 3
