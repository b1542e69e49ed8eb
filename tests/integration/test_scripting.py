"""Scripting end to end: redis-py's ``Lock`` and ``register_script`` (RESP2 and RESP3) against a
real pyredisd listener, and a corpus of scripts compared byte for byte with a real
``redis-server`` in both protocols.

7.0-vs-7.4 differences in this area (we follow 7.4): ``redis.REDIS_VERSION`` reports the
version each server claims (7.4.0 here), so the corpus does not return it; Redis 7.4 evicts
EVAL-loaded scripts beyond 500 (least recently used), 7.0 keeps them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import redis
from redis.exceptions import NoScriptError, ResponseError

from twisted.internet import threads
from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.trial.unittest import TestCase

from pyredisd.net.service import RedisService
from tests.helpers import config_with, start_service
from tests.integration.test_compare import CompareTestCase, seq

T = TypeVar("T")

SCRIPT_7_0_VS_7_4 = {
    "redis.REDIS_VERSION": ("7.0.15", "7.4.0"),
    "EVAL scripts kept": ("all", "the 500 most recently used"),
}


class RedisPyScriptingRESP2(TestCase):
    """redis-py's Lock (Lua through register_script: EVALSHA, falling back to EVAL)."""

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
    def test_lock_acquire_extend_release(self) -> Any:
        r = self.client()

        def scenario() -> list[Any]:
            lock = r.lock("resource", timeout=10)
            acquired = lock.acquire(blocking=False)
            owned = lock.owned()
            other = r.lock("resource", timeout=10).acquire(blocking=False)
            lock.extend(5)
            ttl = r.pttl("resource")
            lock.reacquire()
            ttl_after = r.pttl("resource")
            lock.release()
            return [acquired, owned, other, ttl > 10000, ttl_after <= 10000, r.exists("resource")]

        self.assertEqual((yield self.call(scenario)), [True, True, False, True, True, 0])

    @inlineCallbacks
    def test_lock_release_by_other_token_fails(self) -> Any:
        r = self.client()

        def scenario() -> str:
            lock = r.lock("resource", timeout=10)
            lock.acquire()
            r.set("resource", "someone-else")
            try:
                lock.release()
            except redis.exceptions.LockNotOwnedError as exc:
                return type(exc).__name__
            return "released"

        self.assertEqual((yield self.call(scenario)), "LockNotOwnedError")

    @inlineCallbacks
    def test_blocking_acquire_with_second_client(self) -> Any:
        first, second = self.client(), self.client()

        def scenario() -> list[bool]:
            lock = first.lock("shared", timeout=10)
            lock.acquire()
            waiting = second.lock("shared", timeout=10, blocking_timeout=0.2, sleep=0.05)
            refused = waiting.acquire()
            lock.release()
            got = waiting.acquire()
            waiting.release()
            return [refused, got]

        self.assertEqual((yield self.call(scenario)), [False, True])

    @inlineCallbacks
    def test_register_script_falls_back_to_eval(self) -> Any:
        r = self.client()

        def scenario() -> list[Any]:
            script = r.register_script("return {KEYS[1], ARGV[1], redis.call('incr', KEYS[1])}")
            first = script(keys=["n"], args=["x"])
            r.script_flush()
            again = script(keys=["n"], args=["y"])  # NOSCRIPT, then SCRIPT LOAD + EVALSHA
            try:
                r.evalsha("f" * 40, 0)
            except NoScriptError:
                missing = True
            return [first, again, missing, r.script_exists(script.sha)]

        self.assertEqual((yield self.call(scenario)), [["n", "x", 1], ["n", "y", 2], True, [True]])

    @inlineCallbacks
    def test_script_error_reaches_the_client(self) -> Any:
        r = self.client()

        def scenario() -> str:
            r.set("s", "text")
            try:
                r.eval("return redis.call('incr', KEYS[1])", 1, "s")
            except ResponseError as exc:
                return str(exc)
            return ""

        message = yield self.call(scenario)
        self.assertTrue(message.startswith("value is not an integer or out of range script: "))
        self.assertTrue(message.endswith(", on @user_script:1."))


class RedisPyScriptingRESP3(RedisPyScriptingRESP2):
    protocol = 3


# -- comparison with redis-server ------------------------------------------------------------
_CORPUS: list[tuple[str, tuple[str, ...]]] = [
    ("integer", ("eval", "return 42", "0")),
    ("truncated", ("eval", "return 3.99", "0")),
    ("negative", ("eval", "return -3.99", "0")),
    ("string", ("eval", "return 'hello'", "0")),
    ("nil", ("eval", "return nil", "0")),
    ("booleans", ("eval", "return {true, false}", "0")),
    ("array stops at nil", ("eval", "return {1, 2, nil, 3}", "0")),
    ("nested", ("eval", "return {1, {2, {'x'}}, 'y'}", "0")),
    ("keys and argv", ("eval", "return {KEYS[1], KEYS[2], ARGV[1]}", "2", "a", "b", "c")),
    ("status", ("eval", "return {ok='FINE'}", "0")),
    ("status reply", ("eval", "return redis.status_reply('FINE')", "0")),
    ("error table", ("eval", "return {err='My Error'}", "0")),
    ("error reply", ("eval", "return redis.error_reply('My Error')", "0")),
    ("error reply code", ("eval", "return redis.error_reply('-CODE detail')", "0")),
    ("error reply bad", ("eval", "return redis.error_reply(1)", "0")),
    ("double", ("eval", "return {double=3.5}", "0")),
    ("map", ("eval", "return {map={a=1}}", "0")),
    ("set", ("eval", "return {set={a=true}}", "0")),
    ("sha1hex", ("eval", "return redis.sha1hex('abc')", "0")),
    ("sha1hex arity", ("eval", "return redis.sha1hex()", "0")),
    (
        "set and get",
        (
            "eval",
            "redis.call('set', KEYS[1], ARGV[1]); return redis.call('get', KEYS[1])",
            "1",
            "k",
            "v",
        ),
    ),
    ("nil bulk is false", ("eval", "return type(redis.call('get', 'missing'))", "0")),
    ("status is table", ("eval", "return redis.call('set', 'k', 'v')", "0")),
    ("call error", ("eval", "return redis.call('incr', 'k')", "0")),
    ("pcall error", ("eval", "return redis.pcall('incr', 'k')", "0")),
    ("pcall table", ("eval", "local e = redis.pcall('incr', 'k'); return e.err", "0")),
    (
        "lua pcall",
        ("eval", "local ok, e = pcall(redis.call, 'incr', 'k'); return {tostring(ok), e}", "0"),
    ),
    ("unknown command", ("eval", "return redis.call('nosuch')", "0")),
    ("wrong arity", ("eval", "return redis.call('get')", "0")),
    ("noscript command", ("eval", "return redis.call('multi')", "0")),
    ("no arguments", ("eval", "return redis.call()", "0")),
    ("bad argument", ("eval", "return redis.call('get', {})", "0")),
    (
        "number argument",
        ("eval", "redis.call('set', 'n', 1.5); return redis.call('get', 'n')", "0"),
    ),
    ("runtime error", ("eval", "error('boom')", "0")),
    ("error with table", ("eval", "error({err='X y'})", "0")),
    ("error on line 3", ("eval", "local a = 1\nlocal b = 2\nreturn redis.call('nosuch')", "0")),
    ("compile error", ("eval", "return 1 +", "0")),
    ("global read", ("eval", "return undefined_thing", "0")),
    ("global write", ("eval", "x = 1", "0")),
    ("os removed", ("eval", "return os", "0")),
    ("loadfile removed", ("eval", "return loadfile", "0")),
    ("redis table readonly", ("eval", "redis.call = nil", "0")),
    ("numkeys negative", ("eval", "return 1", "-1")),
    ("numkeys too big", ("eval", "return 1", "3", "a")),
    ("numkeys not integer", ("eval", "return 1", "x")),
    ("evalsha missing", ("evalsha", "ffffffffffffffffffffffffffffffffffffffff", "0")),
    ("evalsha short", ("evalsha", "abc", "0")),
    ("eval_ro write", ("eval_ro", "return redis.call('set', 'a', 'b')", "0")),
    ("eval_ro read", ("eval_ro", "return redis.call('get', 'k')", "0")),
    (
        "shebang no-writes",
        ("eval", "#!lua flags=no-writes\nreturn redis.call('set', 'a', 'b')", "0"),
    ),
    ("shebang bad flag", ("eval", "#!lua flags=nope\nreturn 1", "0")),
    ("shebang bad engine", ("eval", "#!python\nreturn 1", "0")),
    ("shebang ro", ("eval_ro", "#!lua\nreturn 1", "0")),
    ("setresp bad", ("eval", "redis.setresp(4)", "0")),
    (
        "setresp3 map",
        (
            "eval",
            "redis.setresp(3); redis.call('hset', 'h', 'f', 'v');"
            " return redis.call('hgetall', 'h')",
            "0",
        ),
    ),
    ("setresp3 bool", ("eval", "redis.setresp(3); return redis.call('exists', 'h') == 1", "0")),
    (
        "setresp3 double",
        (
            "eval",
            "redis.setresp(3); redis.call('zadd', 'z', 1.5, 'm');"
            " return redis.call('zscore', 'z', 'm')",
            "0",
        ),
    ),
    ("log arity", ("eval", "redis.log(redis.LOG_WARNING)", "0")),
    ("log level", ("eval", "redis.log(9, 'x')", "0")),
    ("log ok", ("eval", "redis.log(redis.LOG_DEBUG, 'hello'); return redis.LOG_WARNING", "0")),
    (
        "select only in script",
        ("eval", "redis.call('select', 1); redis.call('set', 'db1', 'x'); return 1", "0"),
    ),
    ("script load", ("script", "load", "return 'loaded'")),
    ("script exists", ("script", "exists", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "ff")),
    ("script flush bad", ("script", "flush", "nope")),
    ("script kill", ("script", "kill")),
]


class CompareScripting(CompareTestCase):
    """The corpus, in RESP2 then RESP3, byte for byte with redis-server."""

    def _corpus(self, hello: tuple[str, ...]) -> list[Any]:
        cases = []
        for name, args in _CORPUS:
            requests: list[tuple[str, ...]] = [hello, ("flushall",), args]
            cases.append(seq(f"{name} ({hello[1]})", *requests))
        return cases

    def test_corpus_resp2(self) -> None:
        self._compare(("hello", "2"))

    def test_corpus_resp3(self) -> None:
        self._compare(("hello", "3"))

    def _compare(self, hello: tuple[str, ...]) -> None:
        # HELLO's own reply differs (version, id): compare what follows it.
        for case in self._corpus(hello):
            with self.subTest(case=case.name):
                expected, actual = self.both(case)
                self.assertEqual(_after_hello(actual), _after_hello(expected), case.name)

    def test_select_inside_script_stays_inside(self) -> None:
        self.assertSameReplies(
            [
                seq(
                    "select",
                    ("flushall",),
                    ("eval", "redis.call('select', 1); return redis.call('set', 'k', 'v')", "0"),
                    ("exists", "k"),
                    ("select", "1"),
                    ("exists", "k"),
                )
            ]
        )

    def test_evalsha_after_load_and_flush(self) -> None:
        sha = "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"
        self.assertSameReplies(
            [
                seq(
                    "cache",
                    ("script", "flush"),
                    ("script", "load", "return 1"),
                    ("evalsha", sha, "0"),
                    ("evalsha", sha.upper(), "0"),
                    ("script", "exists", sha, sha.upper()),
                    ("script", "flush", "async"),
                    ("evalsha", sha, "0"),
                    ("eval", "return 1", "0"),
                    ("script", "exists", sha),
                )
            ]
        )


def _after_hello(raw: bytes) -> bytes:
    """The replies after HELLO's map (its first reply)."""
    from tests.integration.realredis import value_end

    end = value_end(raw, 0)
    assert end is not None
    return raw[end:]
