"""Transactions end to end: redis-py (RESP2 and RESP3) against a real pyredisd listener, and the
raw replies of MULTI/EXEC/DISCARD/WATCH compared byte for byte with a real ``redis-server``.

redis-py's ``Lock`` is not tested here: its acquire and release are Lua scripts (EVAL/EVALSHA),
which pyredisd does not have.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import redis
from redis.exceptions import ExecAbortError, ResponseError, WatchError

from twisted.internet import threads
from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.trial.unittest import TestCase

from pyredisd.core import errors
from pyredisd.net.service import RedisService
from tests.helpers import config_with, start_service
from tests.integration import test_compare
from tests.integration.realredis import command
from tests.integration.test_compare import Case, seq

T = TypeVar("T")


class RedisPyTransactionsRESP2(TestCase):
    """redis-py pipelines with ``transaction=True``, WATCH and optimistic locking."""

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

    @inlineCallbacks
    def test_pipeline_transaction(self) -> Any:
        r = self.client()

        def scenario() -> list[Any]:
            with r.pipeline(transaction=True) as pipe:
                pipe.set("k", "1")
                pipe.incr("k")
                pipe.get("k")
                pipe.lpush("l", "a", "b")
                return pipe.execute()

        self.assertEqual((yield self.call(scenario)), [True, 2, "2", 2])

    @inlineCallbacks
    def test_runtime_error_inside_exec(self) -> Any:
        r = self.client()

        def scenario() -> list[Any]:
            r.set("s", "x")
            with r.pipeline(transaction=True) as pipe:
                pipe.incr("s")
                pipe.set("a", "1")
                return pipe.execute(raise_on_error=False)

        result = yield self.call(scenario)
        self.assertIsInstance(result[0], ResponseError)
        self.assertEqual(result[1], True)

    @inlineCallbacks
    def test_queuing_error_aborts(self) -> Any:
        r = self.client()

        def scenario() -> None:
            with r.pipeline(transaction=True) as pipe:
                pipe.set("k", "1")
                pipe.execute_command("NOSUCHCOMMAND")
                pipe.execute()

        yield self.assertFailure(self.call(scenario), ExecAbortError, ResponseError)
        self.assertIsNone((yield self.call(self.client().get, "k")))

    @inlineCallbacks
    def test_watch_conflict(self) -> Any:
        r = self.client()
        other = self.client()

        def scenario() -> list[Any]:
            r.set("counter", "1")
            outcomes: list[Any] = []
            with r.pipeline() as pipe:
                pipe.watch("counter")
                value = int(pipe.get("counter") or 0)
                other.set("counter", "100")  # a concurrent change
                pipe.multi()
                pipe.set("counter", value + 1)
                try:
                    pipe.execute()
                    outcomes.append("committed")
                except WatchError:
                    outcomes.append("conflict")
            # The retry succeeds.
            with r.pipeline() as pipe:
                pipe.watch("counter")
                value = int(pipe.get("counter") or 0)
                pipe.multi()
                pipe.set("counter", value + 1)
                outcomes.append(pipe.execute())
            outcomes.append(r.get("counter"))
            return outcomes

        self.assertEqual((yield self.call(scenario)), ["conflict", [True], "101"])

    @inlineCallbacks
    def test_transaction_helper(self) -> Any:
        r = self.client()
        other = self.client()
        attempts: list[int] = []

        def scenario() -> Any:
            r.set("k", "5")

            def work(pipe: Any) -> None:
                attempts.append(1)
                value = int(pipe.get("k"))
                if len(attempts) == 1:
                    other.incr("k")
                pipe.multi()
                pipe.set("k", value * 2)

            r.transaction(work, "k")
            return r.get("k")

        self.assertEqual((yield self.call(scenario)), "12")
        self.assertEqual(len(attempts), 2)
        server = self.service.server
        self.assertEqual([db.watched for db in server.dbs], [{}] * len(server.dbs))

    @inlineCallbacks
    def test_discard_via_reset(self) -> Any:
        r = self.client()

        def scenario() -> Any:
            with r.pipeline() as pipe:
                pipe.watch("k")
                pipe.multi()
                pipe.set("k", "1")
                pipe.reset()  # UNWATCH (redis-py sends it on reset)
            return r.get("k")

        self.assertIsNone((yield self.call(scenario)))

    @inlineCallbacks
    def test_errors_are_redis_errors(self) -> Any:
        r = self.client()
        yield self.assertFailure(self.call(r.execute_command, "EXEC"), ResponseError)
        failure = yield self.assertFailure(self.call(r.execute_command, "DISCARD"), ResponseError)
        self.assertEqual(str(failure), errors.DISCARD_WITHOUT_MULTI.removeprefix("ERR "))


class RedisPyTransactionsRESP3(RedisPyTransactionsRESP2):
    protocol = 3


def _exec_cases() -> list[Case]:
    return [
        seq(
            "queue and exec",
            ["MULTI"],
            ["SET", "k", "1"],
            ["INCR", "k"],
            ["GET", "k"],
            ["EXEC"],
            flush=True,
        ),
        seq("empty", ["MULTI"], ["EXEC"]),
        seq("outside", ["EXEC"], ["DISCARD"], ["UNWATCH"]),
        seq("nested", ["MULTI"], ["MULTI"], ["SET", "a", "1"], ["EXEC"], flush=True),
        seq("watch inside", ["MULTI"], ["WATCH", "a"], ["EXEC"]),
        seq(
            "unknown",
            ["MULTI"],
            ["NOPE", "x"],
            ["SET", "a", "1"],
            ["EXEC"],
            ["GET", "a"],
            flush=True,
        ),
        seq("arity", ["MULTI"], ["GET"], ["EXEC"]),
        seq("no multi", ["MULTI"], ["SHUTDOWN"], ["EXEC"]),
        seq("exec arity", ["MULTI"], ["EXEC", "x"], ["EXEC"]),
        seq("discard arity", ["MULTI"], ["DISCARD", "x"], ["EXEC"]),
        seq("multi arity", ["MULTI", "x"], ["EXEC"]),
        seq("watch arity", ["WATCH"], ["UNWATCH", "x"]),
        seq(
            "runtime",
            ["SET", "s", "x"],
            ["MULTI"],
            ["INCR", "s"],
            ["SET", "a", "1"],
            ["LPUSH", "s", "1"],
            ["EXEC"],
            flush=True,
        ),
        seq("discard", ["MULTI"], ["SET", "a", "1"], ["DISCARD"], ["GET", "a"], flush=True),
        seq(
            "self watch",
            ["WATCH", "a"],
            ["SET", "a", "1"],
            ["MULTI"],
            ["GET", "a"],
            ["EXEC"],
            flush=True,
        ),
        seq(
            "unwatch clears",
            ["WATCH", "a"],
            ["SET", "a", "1"],
            ["UNWATCH"],
            ["MULTI"],
            ["EXEC"],
            flush=True,
        ),
        seq("unwatch queued", ["MULTI"], ["UNWATCH"], ["EXEC"]),
        seq("monitor inside", ["MULTI"], ["MONITOR"], ["EXEC"]),
        seq("subscribe inside", ["MULTI"], ["SUBSCRIBE", "c1"], ["EXEC"]),
        seq("reset inside", ["MULTI"], ["SET", "a", "1"], ["RESET"], ["EXEC"]),
        seq("flush absent", ["WATCH", "zz"], ["FLUSHALL"], ["MULTI"], ["EXEC"]),
        seq("flush present", ["SET", "a", "1"], ["WATCH", "a"], ["FLUSHALL"], ["MULTI"], ["EXEC"]),
        seq("del absent", ["WATCH", "zz"], ["DEL", "zz"], ["MULTI"], ["EXEC"]),
        seq(
            "expire", ["SET", "a", "1"], ["WATCH", "a"], ["EXPIRE", "a", "100"], ["MULTI"], ["EXEC"]
        ),
        seq(
            "persist no ttl",
            ["SET", "a", "1"],
            ["WATCH", "a"],
            ["PERSIST", "a"],
            ["MULTI"],
            ["EXEC"],
        ),
        seq(
            "rename",
            ["SET", "a", "1"],
            ["WATCH", "b"],
            ["RENAME", "a", "b"],
            ["MULTI"],
            ["EXEC"],
            flush=True,
        ),
        seq(
            "swapdb",
            ["SELECT", "1"],
            ["SET", "a", "1"],
            ["SELECT", "0"],
            ["WATCH", "a"],
            ["SWAPDB", "0", "1"],
            ["MULTI"],
            ["EXEC"],
            flush=True,
        ),
        seq(
            "setnx no change",
            ["SET", "a", "1"],
            ["WATCH", "a"],
            ["SETNX", "a", "2"],
            ["MULTI"],
            ["EXEC"],
            flush=True,
        ),
        seq(
            "resp3 null",
            ["HELLO", "3"],
            ["WATCH", "a"],
            ["SET", "a", "1"],
            ["MULTI"],
            ["EXEC"],
            flush=True,
        ),
    ]


class CompareTransactions(test_compare.CompareTestCase):
    """The replies of both servers, byte for byte (the HELLO map is left out: versions differ)."""

    def test_exec_cases(self) -> None:
        for case in _exec_cases():
            with self.subTest(case=case.name):
                expected, actual = self.both(case)
                if case.name == "resp3 null":
                    # Skip HELLO's map (the version differs); compare the rest.
                    expected, actual = (
                        expected[expected.index(b"+OK") :],
                        actual[actual.index(b"+OK") :],
                    )
                self.assertEqual(actual, expected, case.name)

    def test_concurrent_watch(self) -> None:
        """Two connections: the second touches what the first watches."""
        for server in (self.redis, self.pyredisd):
            with server.connect() as first, server.connect() as second:
                first.call("FLUSHALL")
                self.assertEqual(first.call("WATCH", "k"), b"+OK\r\n")
                self.assertEqual(second.call("SET", "k", "1"), b"+OK\r\n")
                first.send(command("MULTI") + command("GET", "k") + command("EXEC"))
                self.assertEqual(first.read_replies(3), b"+OK\r\n+QUEUED\r\n*-1\r\n")
                self.assertEqual(first.call("QUIT"), b"+OK\r\n")
