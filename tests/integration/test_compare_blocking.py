"""Blocking commands compared with a real ``redis-server``: the same scenario of raw connections
blocking, pushing and unblocking is played against both servers, and every reply each connection
receives is compared byte for byte, in order.

A scenario never waits for time: after a connection sends a blocking command, the driver polls
``INFO clients`` until ``blocked_clients`` says it is blocked, so the order in which clients
blocked is the order of the script. Where Debian's Redis 7.0.15 differs from Redis 7.4 (what
pyredisd follows), the difference tables below say so and the tests check both sides.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from tests.integration.realredis import RespConnection, ServerProcess, command
from tests.integration.test_compare import CompareTestCase

POLL_TIMEOUT = 10.0

# Timeouts Redis 7.0 rejects as "negative" (its seconds-to-ms conversion overflows) where 7.4
# checks the range first (``getTimeoutFromObjectOrReply``'s ``ftval > LLONG_MAX``).
TIMEOUT_NEWER_THAN_7_0 = {
    b"inf": (b"-ERR timeout is negative\r\n", b"-ERR timeout is out of range\r\n"),
    b"1e20": (b"-ERR timeout is negative\r\n", b"-ERR timeout is out of range\r\n"),
    b"9223372036854775807": (
        b"-ERR timeout is negative\r\n",
        b"-ERR timeout is out of range\r\n",
    ),
}


class Script:
    """Connections to one server, driven step by step; every reply read is recorded."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.conns: dict[str, RespConnection] = {}
        self.seen: list[tuple[str, bytes]] = []
        self.admin = self.conn("admin")
        self.call("admin", "FLUSHALL")

    def conn(self, name: str) -> RespConnection:
        if name not in self.conns:
            self.conns[name] = self.server.connect()
        return self.conns[name]

    def close(self) -> None:
        for conn in self.conns.values():
            conn.close()

    def call(self, name: str, *args: bytes | str | int) -> bytes:
        """Send one request on ``name`` and record its reply."""
        self.conn(name).send(command(*args))
        return self.read(name)

    def read(self, name: str, count: int = 1) -> bytes:
        """Record the next ``count`` replies on ``name``."""
        reply = self.conn(name).read_replies(count)
        self.seen.append((name, reply))
        return reply

    def blocked(self) -> int:
        info = self.admin.call("INFO", "clients").decode()
        line = next(x for x in info.split("\r\n") if x.startswith("blocked_clients:"))
        return int(line.split(":")[1])

    def block(self, name: str, *args: bytes | str | int, raw: bytes = b"") -> None:
        """Send a blocking request on ``name`` (plus ``raw`` bytes pipelined after it) and wait
        until the server counts one more blocked client."""
        before = self.blocked()
        self.conn(name).send(command(*args) + raw)
        self.wait_blocked(before + 1)

    def wait_blocked(self, count: int) -> None:
        deadline = time.monotonic() + POLL_TIMEOUT
        while self.blocked() != count:
            if time.monotonic() > deadline:
                raise AssertionError(f"blocked_clients never reached {count}")

    def note(self, label: str, value: object) -> None:
        self.seen.append((label, repr(value).encode()))


Scenario = Callable[[Script], None]


def fifo(s: Script) -> None:
    for name in ("c1", "c2", "c3"):
        s.block(name, "BLPOP", "q", "0")
    s.call("admin", "RPUSH", "q", "a", "b")
    s.read("c1")
    s.read("c2")
    s.note("still blocked", s.blocked())
    s.call("admin", "RPUSH", "q", "c")
    s.read("c3")


def several_keys(s: Script) -> None:
    s.block("c1", "BLPOP", "k1", "k2", "0")
    s.block("c2", "BRPOP", "k2", "0")
    s.call("admin", "RPUSH", "k2", "x", "y")
    s.read("c1")
    s.read("c2")


def blmove_chain(s: Script) -> None:
    s.block("c1", "BLMOVE", "src", "mid", "RIGHT", "LEFT", "0")
    s.block("c2", "BLPOP", "mid", "0")
    s.block("c3", "BRPOPLPUSH", "mid", "end", "0")
    s.call("admin", "RPUSH", "src", "v")
    s.read("c1")
    s.read("c2")
    s.note("still blocked", s.blocked())
    s.call("admin", "EXISTS", "src", "mid", "end")
    s.call("admin", "RPUSH", "mid", "w")
    s.read("c3")
    s.call("admin", "LRANGE", "end", "0", "-1")


def wrong_type(s: Script) -> None:
    s.block("c1", "BLPOP", "k", "0")
    s.call("admin", "ZADD", "k", "1", "m")
    s.note("still blocked", s.blocked())
    s.call("admin", "DEL", "k")
    s.call("admin", "RPUSH", "k", "x")
    s.read("c1")


def wrong_type_destination(s: Script) -> None:
    s.call("admin", "SET", "dst", "string")
    s.block("c1", "BLMOVE", "src", "dst", "LEFT", "LEFT", "0")
    s.call("admin", "RPUSH", "src", "v")
    s.read("c1")
    s.call("admin", "LRANGE", "src", "0", "-1")


def sorted_sets(s: Script) -> None:
    s.block("c1", "BZPOPMIN", "z", "0")
    s.block("c2", "BZPOPMAX", "z", "0")
    s.block("c3", "BZMPOP", "0", "2", "y", "z", "MIN", "COUNT", "5")
    s.call("admin", "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d")
    s.read("c1")
    s.read("c2")
    s.read("c3")
    s.call("admin", "EXISTS", "z")


def exec_as_a_whole(s: Script) -> None:
    s.block("c1", "BLPOP", "k", "0")
    for args in (("MULTI",), ("RPUSH", "k", "a"), ("RPUSH", "k", "b"), ("LPOP", "k"), ("EXEC",)):
        s.call("admin", *args)
    s.read("c1")
    s.call("admin", "EXISTS", "k")


def blmpop_count(s: Script) -> None:
    s.block("c1", "BLMPOP", "0", "2", "a", "b", "RIGHT", "COUNT", "3")
    s.call("admin", "RPUSH", "b", "1", "2", "3", "4")
    s.read("c1")
    s.call("admin", "LRANGE", "b", "0", "-1")


def pipelined_after_block(s: Script) -> None:
    s.block("c1", "BLPOP", "k", "0", raw=command("PING") + command("LLEN", "k"))
    s.call("admin", "RPUSH", "k", "x", "y")
    s.read("c1", 3)


def swapdb(s: Script) -> None:
    s.block("c1", "BLPOP", "k", "0")
    s.call("admin", "SELECT", "1")
    s.call("admin", "RPUSH", "k", "x")
    s.call("admin", "SWAPDB", "0", "1")
    s.read("c1")


def resp3(s: Script) -> None:
    s.call("c1", "HELLO", "3")
    s.seen.pop()  # the HELLO map carries versions and ids
    s.block("c1", "BZPOPMIN", "z", "0")
    s.call("admin", "ZADD", "z", "2.5", "m")
    s.read("c1")
    s.call("c1", "BLPOP", "k", "0.01")
    s.call("c1", "MULTI")
    s.call("c1", "BLMOVE", "a", "b", "LEFT", "LEFT", "0")
    s.call("c1", "BZPOPMAX", "z", "0")
    s.call("c1", "EXEC")


def timeouts_and_multi(s: Script) -> None:
    for args in (
        ("BLPOP", "k", "0.01"),
        ("BRPOPLPUSH", "a", "b", "0.01"),
        ("BLMPOP", "0.001", "1", "a", "LEFT"),
        ("BZMPOP", "0.01", "1", "z", "MAX"),
    ):
        s.call("c1", *args)
    s.call("c1", "MULTI")
    for queued in (
        ("BLPOP", "k", "0"),
        ("BRPOPLPUSH", "a", "b", "0"),
        ("BLMOVE", "a", "b", "LEFT", "LEFT", "0"),
        ("BLMPOP", "0", "1", "a", "LEFT"),
        ("BZPOPMIN", "z", "0"),
    ):
        s.call("c1", *queued)
    s.call("c1", "EXEC")


def client_unblock(s: Script) -> None:
    client_id = s.conn("c1").call("CLIENT", "ID")[1:-2]
    s.block("c1", "BLPOP", "k", "0")
    s.call("admin", "CLIENT", "UNBLOCK", client_id)
    s.read("c1")
    s.block("c1", "BZPOPMIN", "k", "0")
    s.call("admin", "CLIENT", "UNBLOCK", client_id, "ERROR")
    s.read("c1")
    s.call("admin", "CLIENT", "UNBLOCK", client_id)
    s.call("admin", "CLIENT", "UNBLOCK", client_id, "MAYBE")
    s.call("admin", "CLIENT", "UNBLOCK", "x")


def killed_and_closed(s: Script) -> None:
    client_id = s.conn("c1").call("CLIENT", "ID")[1:-2]
    s.block("c1", "BLPOP", "k", "0")
    s.block("c2", "BLPOP", "k", "0")
    s.call("admin", "CLIENT", "KILL", "ID", client_id)
    s.conn("c2").close()
    del s.conns["c2"]
    s.wait_blocked(0)
    s.call("admin", "RPUSH", "k", "v")
    s.call("admin", "LLEN", "k")


def argument_errors(s: Script) -> None:
    for args in (
        ("BLPOP", "k", "x"),
        ("BLPOP", "k", "-1"),
        ("BLPOP", "k", "nan"),
        ("BLPOP", "k", " 1"),
        ("BLMPOP", "x", "0", "a", "LEFT"),
        ("BLMPOP", "x", "1", "a", "UP"),
        ("BLMPOP", "x", "1", "a", "LEFT", "COUNT", "0"),
        ("BLMPOP", "x", "1", "a", "LEFT"),
        ("BZMPOP", "x", "1", "a", "LEFT"),
        ("BLMOVE", "a", "b", "UP", "LEFT", "x"),
        ("BLMOVE", "a", "b", "LEFT", "LEFT", "x"),
        ("BLPOP", "k"),
    ):
        s.call("c1", *args)
    s.call("admin", "SET", "s", "x")
    s.call("c1", "BLPOP", "s", "0")
    s.call("c1", "BZPOPMIN", "s", "0")


SCENARIOS: Sequence[Scenario] = (
    fifo,
    several_keys,
    blmove_chain,
    wrong_type,
    wrong_type_destination,
    sorted_sets,
    exec_as_a_whole,
    blmpop_count,
    pipelined_after_block,
    swapdb,
    resp3,
    timeouts_and_multi,
    client_unblock,
    killed_and_closed,
    argument_errors,
)


class CompareBlockingTests(CompareTestCase):
    """Scenarios played against a redis-server and a pyredisd."""

    def play(self, server: ServerProcess, scenario: Scenario) -> list[tuple[str, bytes]]:
        script = Script(server)
        try:
            scenario(script)
        finally:
            script.close()
        return script.seen

    def test_scenarios(self) -> None:
        """Each connection receives the same replies, in the same order, from both servers."""
        for scenario in SCENARIOS:
            with self.subTest(scenario=scenario.__name__):
                expected = self.play(self.redis, scenario)
                self.assertEqual(self.play(self.pyredisd, scenario), expected)

    def test_timeouts_newer_than_7_0(self) -> None:
        """Timeouts past LLONG_MAX ms: 7.0 says negative, 7.4 (and pyredisd) out of range."""
        for arg, (redis_7_0, redis_7_4) in TIMEOUT_NEWER_THAN_7_0.items():
            with self.subTest(timeout=arg):
                self.assertEqual(self.redis.exchange(command("BLPOP", "k", arg), 1), redis_7_0)
                self.assertEqual(self.pyredisd.exchange(command("BLPOP", "k", arg), 1), redis_7_4)

    def test_served_command_runs_again_newer_than_7_0(self) -> None:
        """Redis 7.4 runs a served command again, so it pops from its first non-empty key;
        7.0 served it from the key that became ready first."""

        def scenario(s: Script) -> None:
            s.block("c1", "BLPOP", "k1", "k2", "0")
            for args in (("MULTI",), ("RPUSH", "k2", "a"), ("RPUSH", "k1", "b"), ("EXEC",)):
                s.call("admin", *args)
            s.read("c1")

        served_7_0 = ("c1", b"*2\r\n$2\r\nk2\r\n$1\r\na\r\n")
        served_7_4 = ("c1", b"*2\r\n$2\r\nk1\r\n$1\r\nb\r\n")
        self.assertEqual(self.play(self.redis, scenario)[-1], served_7_0)
        self.assertEqual(self.play(self.pyredisd, scenario)[-1], served_7_4)
