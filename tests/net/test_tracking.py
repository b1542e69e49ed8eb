"""Client-side caching through the protocol (StringTransport + task.Clock): where invalidation
pushes fall relative to replies, per Redis 7.4 (pending keys and pending push messages are
flushed after the command, or after the whole EXEC; BCAST messages after the read batch)."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from tests.helpers import Wired, wire
from tests.net.test_protocol import command

HELLO3 = command(b"HELLO", b"3")


def inv(*keys: bytes) -> bytes:
    """A RESP3 invalidation push."""
    out = b">2\r\n$10\r\ninvalidate\r\n*%d\r\n" % len(keys)
    return out + b"".join(b"$%d\r\n%s\r\n" % (len(k), k) for k in keys)


def cmds(*requests: tuple[bytes, ...]) -> bytes:
    return b"".join(command(*request) for request in requests)


class OrderingTests(SynchronousTestCase):
    """Two connections of one server; ``a`` speaks RESP3."""

    def setUp(self) -> None:
        self.a = wire()
        self.b = wire(server=self.a.server)
        self.a.feed(HELLO3)

    def track(self, conn: Wired, *options: bytes) -> None:
        self.assertEqual(conn.feed(command(b"CLIENT", b"TRACKING", b"on", *options)), b"+OK\r\n")

    def test_other_clients_write_arrives_at_once(self) -> None:
        self.track(self.a)
        self.assertEqual(self.a.feed(command(b"GET", b"k")), b"_\r\n")
        self.assertEqual(self.b.feed(command(b"SET", b"k", b"1")), b"+OK\r\n")
        self.assertEqual(self.a.take(), inv(b"k"))

    def test_own_write_follows_its_reply(self) -> None:
        self.track(self.a)
        out = self.a.feed(cmds((b"GET", b"k"), (b"SET", b"k", b"1"), (b"GET", b"k")))
        self.assertEqual(out, b"_\r\n+OK\r\n" + inv(b"k") + b"$1\r\n1\r\n")

    def test_transaction_invalidations_follow_exec(self) -> None:
        self.track(self.a)
        self.a.feed(command(b"MGET", b"k1", b"k2"))
        out = self.a.feed(
            cmds((b"MULTI",), (b"SET", b"k1", b"1"), (b"SET", b"k2", b"2"), (b"EXEC",))
        )
        self.assertEqual(
            out, b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n+OK\r\n" + inv(b"k1") + inv(b"k2")
        )

    def test_redirected_to_the_writer_follows_its_reply(self) -> None:
        """7.4 holds every push to the running client until its reply is queued (7.0 sent
        a redirected invalidation before the reply)."""
        self.track(self.b, b"REDIRECT", b"1")
        self.b.feed(command(b"GET", b"k"))
        self.assertEqual(self.a.feed(command(b"SET", b"k", b"1")), b"+OK\r\n" + inv(b"k"))

    def test_flush_null_follows_reply(self) -> None:
        self.track(self.a)
        self.assertEqual(
            self.a.feed(command(b"FLUSHALL")), b"+OK\r\n>2\r\n$10\r\ninvalidate\r\n_\r\n"
        )

    def test_bcast_batched_per_read(self) -> None:
        self.track(self.a, b"BCAST", b"PREFIX", b"k")
        out = self.a.feed(
            cmds((b"SET", b"k2", b"1"), (b"SET", b"k1", b"1"), (b"SET", b"k2", b"2"), (b"PING",))
        )
        self.assertEqual(out, b"+OK\r\n+OK\r\n+OK\r\n+PONG\r\n" + inv(b"k1", b"k2"))
        self.b.feed(cmds((b"SET", b"k3", b"1"), (b"SET", b"x", b"1"), (b"DEL", b"k3")))
        self.assertEqual(self.a.take(), inv(b"k3"))

    def test_resp2_redirect_to_subscriber(self) -> None:
        c = wire(server=self.a.server)
        c.feed(command(b"SUBSCRIBE", b"__redis__:invalidate"))
        self.track(self.b, b"REDIRECT", b"3")
        self.b.feed(command(b"GET", b"k"))
        self.a.feed(command(b"SET", b"k", b"v"))
        self.assertEqual(
            c.take(), b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$1\r\nk\r\n"
        )
        # Closing the subscriber: the next invalidation finds the redirect broken.
        c.proto.connectionLost()
        self.b.feed(command(b"GET", b"k"))
        self.a.feed(command(b"SET", b"k", b"w"))
        self.assertIn(b" flags=tR ", self.b.feed(command(b"CLIENT", b"INFO")))
