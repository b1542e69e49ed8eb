"""redis-py against a real pyredisd listener (TCP and Unix socket), in RESP2 and RESP3."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from twisted.internet import threads
from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.trial.unittest import TestCase

from pyredisd.core import errors
from pyredisd.core.version import REDIS_VERSION
from pyredisd.net.service import RedisService
from tests.helpers import config_with, start_service, temp_dir

T = TypeVar("T")


def without_code(message: str) -> str:
    """The text redis-py keeps of an ``ERR`` error (it strips that code)."""
    return message.removeprefix("ERR ")


class RESP2Tests(TestCase):
    """redis-py with protocol=2; the subclasses run the same tests in RESP3 and with AUTH."""

    protocol = 2
    config_values: dict[str, object] = {}
    service: RedisService
    port: int
    unixsocket: str

    @inlineCallbacks
    def setUp(self) -> Any:  # type: ignore[override]  # trial waits for a Deferred setUp
        """Start a server with a TCP listener and a Unix socket in a fresh directory."""
        directory = temp_dir(self)
        self.unixsocket = os.path.join(directory, "redis.sock")
        config = config_with(port=0, unixsocket=self.unixsocket, **self.config_values)
        self.service = yield start_service(self, config)
        self.port = self.service.server.ports[0]

    def client(self, **kwargs: Any) -> redis.Redis:
        """A redis-py client for this server and protocol, closed at cleanup."""
        if "unix_socket_path" not in kwargs:
            kwargs.setdefault("host", "127.0.0.1")
            kwargs.setdefault("port", self.port)
        kwargs.setdefault("decode_responses", True)
        client = redis.Redis(protocol=self.protocol, **kwargs)
        self.addCleanup(client.close)
        return client

    def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> Deferred[T]:
        """Run a blocking redis-py call in the reactor's thread pool."""
        return threads.deferToThread(function, *args, **kwargs)

    @inlineCallbacks
    def test_ping(self) -> Any:
        """PING answers True."""
        self.assertEqual((yield self.call(self.client().ping)), True)

    @inlineCallbacks
    def test_strings_and_expiry(self) -> Any:
        """SET/GET/INCR/EXPIRE/TTL/DELETE/EXISTS behave as in Redis."""
        r = self.client()

        def scenario() -> list[object]:
            return [
                r.set("k", "v"),
                r.get("k"),
                r.execute_command("INCR", "n"),
                r.execute_command("INCR", "n"),
                r.expire("k", 100),
                r.ttl("k"),
                r.ttl("n"),
                r.exists("k", "n", "missing"),
                r.delete("k", "missing"),
                r.get("k"),
                r.ttl("k"),
            ]

        self.assertEqual(
            (yield self.call(scenario)), [True, "v", 1, 2, True, 100, -1, 2, 1, None, -2]
        )

    @inlineCallbacks
    def test_pipeline_of_1000_commands(self) -> Any:
        """A non-transactional pipeline of 1000 commands gets 1000 replies in order."""
        r = self.client()

        def scenario() -> list[object]:
            pipe = r.pipeline(transaction=False)
            for i in range(500):
                pipe.set(f"k{i}", i)
            for i in range(500):
                pipe.get(f"k{i}")
            return pipe.execute()

        self.assertEqual((yield self.call(scenario)), [True] * 500 + [str(i) for i in range(500)])

    @inlineCallbacks
    def test_connection_commands(self) -> Any:
        """HELLO, CLIENT ID/SETNAME/GETNAME/INFO parse as redis-py expects."""
        r = self.client()

        def scenario() -> tuple[Any, ...]:
            hello = r.execute_command("HELLO")
            client_id = r.client_id()
            r.client_setname("worker-1")
            return hello, client_id, r.client_getname(), r.client_info()

        hello, client_id, name, info = yield self.call(scenario)
        if isinstance(hello, list):  # RESP2: a flat list of pairs
            hello = dict(zip(hello[::2], hello[1::2], strict=True))
        self.assertEqual(hello["server"], "redis")
        self.assertEqual(hello["version"], REDIS_VERSION)
        self.assertEqual(hello["proto"], self.protocol)
        self.assertEqual(hello["id"], client_id)
        self.assertEqual(name, "worker-1")
        # redis-py turns some CLIENT INFO fields into ints; compare as text.
        self.assertEqual(str(info["id"]), str(client_id))
        self.assertEqual(info["name"], "worker-1")
        self.assertEqual(info["laddr"], f"127.0.0.1:{self.port}")
        self.assertTrue(info["addr"].startswith("127.0.0.1:"))
        self.assertEqual(str(info["resp"]), str(self.protocol))
        self.assertEqual(info["cmd"], "client|info")
        self.assertEqual(str(info["db"]), "0")

    @inlineCallbacks
    def test_config_get_and_set(self) -> Any:
        """CONFIG SET changes what CONFIG GET reports."""
        r = self.client()

        def scenario() -> tuple[Any, ...]:
            return r.config_set("maxclients", 123), r.config_get("maxclient*")

        ok, values = yield self.call(scenario)
        self.assertEqual(ok, True)
        self.assertEqual(values, {"maxclients": "123"})
        self.assertEqual(self.service.server.config["maxclients"], 123)

    @inlineCallbacks
    def test_info(self) -> Any:
        """redis-py parses INFO into a dict with Redis's keys."""
        r = self.client()
        info = yield self.call(r.info)
        self.assertEqual(info["redis_version"], REDIS_VERSION)
        self.assertEqual(info["connected_clients"], 1)
        self.assertEqual(info["tcp_port"], self.port)
        clients = yield self.call(r.info, "clients")
        self.assertIn("connected_clients", clients)

    @inlineCallbacks
    def test_dbsize_flushdb_and_select(self) -> Any:
        """db=1 selects database 1; DBSIZE and FLUSHDB act on the selected database only."""
        r0 = self.client()
        r1 = self.client(db=1)

        def scenario() -> list[object]:
            r0.set("a", "1")
            r1.set("b", "1")
            r1.set("c", "2")
            return [
                r0.dbsize(),
                r1.dbsize(),
                r1.get("a"),
                str(r1.client_info()["db"]),
                r1.flushdb(),
                r1.dbsize(),
                r0.dbsize(),
            ]

        self.assertEqual((yield self.call(scenario)), [1, 2, None, "1", True, 0, 1])

    @inlineCallbacks
    def test_unix_socket(self) -> Any:
        """A Unix-socket client works and CLIENT INFO shows flag U and ``path:0`` addresses."""
        r = self.client(unix_socket_path=self.unixsocket)

        def scenario() -> tuple[Any, ...]:
            return r.set("u", "1"), r.client_info()

        ok, info = yield self.call(scenario)
        self.assertEqual(ok, True)
        self.assertIn("U", info["flags"])
        self.assertTrue(info["addr"].endswith(":0"), info)
        self.assertEqual(info["laddr"], f"{self.unixsocket}:0")

    @inlineCallbacks
    def test_error_replies(self) -> Any:
        """Error replies raise ResponseError carrying Redis's text."""
        r = self.client()
        cases: list[tuple[tuple[Any, ...], str]] = [
            (("NOSUCH", "a"), without_code(errors.unknown_command([b"NOSUCH", b"a"]))),
            (("GET",), without_code(errors.wrong_arity("get"))),
            (("INCR", "s"), without_code(errors.NOT_INTEGER)),
        ]
        yield self.call(r.set, "s", "abc")
        for args, message in cases:
            failure = yield self.assertFailure(
                self.call(r.execute_command, *args), redis.ResponseError
            )
            self.assertEqual(str(failure), message)


class RESP3Tests(RESP2Tests):
    """redis-py with protocol=3."""

    protocol = 3


class RESP2AuthTests(RESP2Tests):
    """redis-py with protocol=2 and requirepass set."""

    config_values = {"requirepass": "s3cret"}

    # The base class's tests run here too, with a password; only these are auth-specific.
    def client(self, **kwargs: Any) -> redis.Redis:
        kwargs.setdefault("password", "s3cret")
        return super().client(**kwargs)

    @inlineCallbacks
    def test_password_kwarg_authenticates(self) -> Any:
        """password= makes redis-py authenticate and commands work."""
        r = self.client()
        self.assertEqual((yield self.call(r.set, "k", "v")), True)
        self.assertEqual((yield self.call(r.get, "k")), "v")

    @inlineCallbacks
    def test_no_password_is_noauth(self) -> Any:
        """Without a password, commands fail with AuthenticationError."""
        r = self.client(password=None, retry=Retry(NoBackoff(), 0))
        yield self.assertFailure(self.call(r.get, "k"), redis.AuthenticationError)

    @inlineCallbacks
    def test_wrong_password(self) -> Any:
        """A wrong password fails with AuthenticationError."""
        r = self.client(password="wrong", retry=Retry(NoBackoff(), 0))
        yield self.assertFailure(self.call(r.ping), redis.AuthenticationError)


class RESP3AuthTests(RESP2AuthTests):
    """redis-py with protocol=3 and requirepass set."""

    protocol = 3
