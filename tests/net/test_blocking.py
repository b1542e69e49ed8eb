"""Blocking commands through the protocol, over StringTransport with a task.Clock: what each
connection receives and when (expected bytes checked against redis-server 7.0 where 7.0 and 7.4
agree)."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core import errors
from pyredisd.core.keyspace import Database
from tests.helpers import Wired, wire
from tests.net.test_protocol import command, error

START = 1_700_000_000.5
NULL_ARRAY = b"*-1\r\n"


def kv(key: bytes, value: bytes) -> bytes:
    """The RESP2 two-element array ``[key, value]``."""
    return b"*2\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(key), key, len(value), value)


class BlockingProtocolTestCase(SynchronousTestCase):
    """An admin connection and helpers for more connections to the same server."""

    def setUp(self) -> None:
        self.admin = wire()
        self.admin.clock.advance(START)
        self.server = self.admin.server
        self.clock = self.admin.clock

    def connect(self) -> Wired:
        conn = wire(server=self.server)
        conn.clock = self.clock
        return conn

    def blocked(self) -> int:
        """INFO's blocked_clients, as a client sees it."""
        info = self.admin.feed(command(b"INFO", b"clients")).decode()
        line = next(x for x in info.split("\r\n") if x.startswith("blocked_clients:"))
        return int(line.split(":")[1])

    def assertNothingLeft(self) -> None:
        blocking = self.server.blocking
        self.assertEqual(blocking.clients, {})
        self.assertTrue(all(not keys for keys in blocking.waiting))
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.assertTrue(all(type(db) is Database for db in self.server.dbs))


class ServingTests(BlockingProtocolTestCase):
    """Who gets what, in which order."""

    def test_fifo_across_connections(self) -> None:
        """Three connections wait on one key; pushes serve them in the order they blocked."""
        conns = [self.connect() for _ in range(3)]
        for conn in conns:
            self.assertEqual(conn.feed(command(b"BLPOP", b"q", b"0")), b"")
        self.assertEqual(self.blocked(), 3)
        self.assertEqual(self.admin.feed(command(b"RPUSH", b"q", b"a", b"b")), b":2\r\n")
        self.assertEqual([c.take() for c in conns], [kv(b"q", b"a"), kv(b"q", b"b"), b""])
        self.admin.feed(command(b"RPUSH", b"q", b"c"))
        self.assertEqual(conns[2].take(), kv(b"q", b"c"))
        self.assertEqual(self.blocked(), 0)
        self.assertNothingLeft()

    def test_pipelined_requests_wait_for_the_reply(self) -> None:
        """Requests after a blocking one wait (counted in argv-mem), then run in order after
        its reply; requests arriving while blocked wait too."""
        conn = self.connect()
        out = conn.feed(
            command(b"SET", b"x", b"1") + command(b"BRPOP", b"q", b"0") + command(b"GET", b"x")
        )
        self.assertEqual(out, b"+OK\r\n")
        self.assertEqual(conn.feed(command(b"ECHO", b"later")), b"")
        client = conn.proto.client
        assert client is not None
        self.assertEqual(client.argv_mem, len(b"BRPOPq0GETx"))
        self.assertIn(b"flags=b ", self.admin.feed(command(b"CLIENT", b"LIST")))
        self.admin.feed(command(b"LPUSH", b"q", b"v"))
        self.assertEqual(conn.take(), kv(b"q", b"v"))  # the reply at once
        self.clock.advance(0)  # the held requests on the connection's next turn
        self.assertEqual(conn.take(), b"$1\r\n1\r\n$5\r\nlater\r\n")
        self.assertEqual(client.argv_mem, 0)
        self.assertFalse(conn.proto._special)

    def test_a_held_request_may_block_again(self) -> None:
        """Two blocking requests pipelined: the second blocks once the first is served."""
        conn = self.connect()
        conn.feed(command(b"BLPOP", b"q", b"0") + command(b"BLPOP", b"q", b"0"))
        self.admin.feed(command(b"RPUSH", b"q", b"1"))
        self.clock.advance(0)
        self.assertEqual(conn.take(), kv(b"q", b"1"))
        self.assertEqual(self.blocked(), 1)
        self.admin.feed(command(b"RPUSH", b"q", b"2"))
        self.assertEqual(conn.take(), kv(b"q", b"2"))

    def test_resp3_replies(self) -> None:
        """Served and timed-out replies follow the client's protocol: BZPOPMIN's score is a
        double, a timeout is ``_``."""
        conn = self.connect()
        conn.feed(command(b"HELLO", b"3"))
        conn.feed(command(b"BZPOPMIN", b"z", b"0"))
        self.admin.feed(command(b"ZADD", b"z", b"1.5", b"m"))
        self.assertEqual(conn.take(), b"*3\r\n$1\r\nz\r\n$1\r\nm\r\n,1.5\r\n")
        conn.feed(command(b"BLMOVE", b"a", b"b", b"LEFT", b"LEFT", b"0.01"))
        self.clock.advance(0.011)
        self.assertEqual(conn.take(), b"_\r\n")

    def test_blmove_chain_and_wrong_type(self) -> None:
        """A served BLMOVE feeds the next waiter in the same pass; a destination of the wrong
        type answers WRONGTYPE and leaves the element."""
        mover, popper = self.connect(), self.connect()
        mover.feed(command(b"BLMOVE", b"src", b"mid", b"RIGHT", b"LEFT", b"0"))
        popper.feed(command(b"BRPOP", b"mid", b"0"))
        self.admin.feed(command(b"RPUSH", b"src", b"v"))
        self.assertEqual((mover.take(), popper.take()), (b"$1\r\nv\r\n", kv(b"mid", b"v")))
        self.admin.feed(command(b"SET", b"s", b"x"))
        mover.feed(command(b"BRPOPLPUSH", b"src", b"s", b"0"))
        self.admin.feed(command(b"RPUSH", b"src", b"w"))
        self.assertEqual(mover.take(), error(errors.WRONGTYPE))
        self.assertEqual(self.admin.feed(command(b"LLEN", b"src")), b":1\r\n")

    def test_multi_does_not_block(self) -> None:
        """Inside MULTI the blocking commands answer at once (timeout 0 included)."""
        conn = self.connect()
        out = conn.feed(
            command(b"MULTI")
            + command(b"BLPOP", b"q", b"0")
            + command(b"BRPOPLPUSH", b"q", b"r", b"0")
            + command(b"EXEC")
            + command(b"PING")
        )
        self.assertEqual(out, b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n*-1\r\n$-1\r\n+PONG\r\n")
        self.assertNothingLeft()


class TimeoutTests(BlockingProtocolTestCase):
    """Deadlines on the task.Clock."""

    def test_fractional_timeout(self) -> None:
        """0.25 s: nothing at the deadline, a null array once it has passed, then the held
        request's reply."""
        conn = self.connect()
        conn.feed(command(b"BLPOP", b"q", b"0.25") + command(b"PING"))
        self.clock.advance(0.25)
        self.assertEqual(conn.take(), b"")
        self.clock.advance(0.0011)
        self.assertEqual(conn.take(), NULL_ARRAY + b"+PONG\r\n")
        self.assertNothingLeft()

    def test_zero_waits_forever_and_is_not_idle(self) -> None:
        """Timeout 0 never fires, and the ``timeout`` directive does not close a blocked
        client."""
        self.admin.feed(command(b"CONFIG", b"SET", b"timeout", b"1"))
        conn = self.connect()
        conn.feed(command(b"BZMPOP", b"0", b"1", b"z", b"MAX"))
        for _ in range(30):
            self.clock.advance(1)
            self.admin.feed(command(b"PING"))  # the admin is not idle
            self.server.cron()
        self.assertEqual(conn.take(), b"")
        self.assertFalse(conn.transport.disconnecting)
        self.assertEqual(self.blocked(), 1)

    def test_unblock_timeout_and_error(self) -> None:
        """CLIENT UNBLOCK: a null array (default and TIMEOUT) or the -UNBLOCKED error."""
        conn = self.connect()
        client = conn.proto.client
        assert client is not None
        cid = str(client.id).encode()
        for how, expected in (
            ((), NULL_ARRAY),
            ((b"TIMEOUT",), NULL_ARRAY),
            ((b"ERROR",), error(errors.UNBLOCKED)),
        ):
            conn.feed(command(b"BLPOP", b"q", b"0"))
            self.assertEqual(self.admin.feed(command(b"CLIENT", b"UNBLOCK", cid, *how)), b":1\r\n")
            self.assertEqual(conn.take(), expected)
        self.assertEqual(self.admin.feed(command(b"CLIENT", b"UNBLOCK", cid)), b":0\r\n")
        self.assertNothingLeft()

    def test_client_pause_ends_at_its_deadline(self) -> None:
        """A CLIENT PAUSE ends once its deadline has passed, without waiting for the cron."""
        conn = self.connect()
        self.admin.feed(command(b"CLIENT", b"PAUSE", b"1000", b"WRITE"))
        self.assertEqual(conn.feed(command(b"SET", b"k", b"v")), b"")
        self.assertIn(b"flags=b ", self.admin.feed(command(b"CLIENT", b"LIST")))
        self.clock.advance(1.0005)
        self.assertEqual(conn.take(), b"")
        self.clock.advance(0.0006)
        self.clock.advance(0)
        self.assertEqual(conn.take(), b"+OK\r\n")
        self.assertEqual(self.clock.getDelayedCalls(), [])


class GoneTests(BlockingProtocolTestCase):
    """Connections that end while blocked."""

    def test_disconnect_leaves_nothing(self) -> None:
        """A blocked connection that closes is forgotten at once: queues, timer, hooks; a
        later push stays in the list."""
        conn = self.connect()
        conn.feed(command(b"BLMPOP", b"5", b"2", b"a", b"b", b"LEFT") + command(b"PING"))
        conn.proto.connectionLost()
        self.assertNothingLeft()
        self.assertEqual(self.blocked(), 0)
        self.assertEqual(self.admin.feed(command(b"RPUSH", b"a", b"x")), b":1\r\n")
        self.assertEqual(self.admin.feed(command(b"LLEN", b"a")), b":1\r\n")
        info = self.admin.feed(command(b"INFO", b"clients"))
        self.assertIn(b"total_blocking_keys:0\r\n", info)
        self.assertIn(b"clients_in_timeout_table:0\r\n", info)

    def test_client_kill(self) -> None:
        """CLIENT KILL of a blocked client drops it; the next waiter is served instead."""
        victim, next_in_line = self.connect(), self.connect()
        victim.feed(command(b"BLPOP", b"q", b"0"))
        next_in_line.feed(command(b"BLPOP", b"q", b"0"))
        client = victim.proto.client
        assert client is not None
        reply = self.admin.feed(command(b"CLIENT", b"KILL", b"ID", str(client.id).encode()))
        self.assertEqual(reply, b":1\r\n")
        self.admin.feed(command(b"RPUSH", b"q", b"v"))
        self.assertEqual(next_in_line.take(), kv(b"q", b"v"))
        self.assertEqual(victim.take(), b"")
        self.assertNothingLeft()
