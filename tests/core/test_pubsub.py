"""Core tests of Pub/Sub: ``Server.execute`` with clients whose connections are fake peers that
record pushes, no sockets; and the registries of :mod:`pyredisd.core.pubsub` on their own."""

from __future__ import annotations

from twisted.internet import task
from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core import errors
from pyredisd.core.clients import Client
from pyredisd.core.info import info_text
from pyredisd.core.pubsub import PubSub
from pyredisd.core.replies import ErrorReply, Raw, Reply, Verbatim
from pyredisd.core.resp import encode
from pyredisd.core.server import Server
from tests.core.test_client_admin import FakePeer
from tests.helpers import config_with, wire
from tests.integration.realredis import command


def push2(*items: bytes | int | None) -> bytes:
    """One RESP2 confirmation or message (an array)."""
    return encode(list(items), 2)


def push3(*items: bytes | int | None) -> bytes:
    """The same as a RESP3 push frame."""
    return b">" + encode(list(items), 3)[1:]


class PubSubTestCase(SynchronousTestCase):
    """A server on a ``task.Clock`` and three clients with fake peers."""

    def setUp(self) -> None:
        self.clock = task.Clock()
        self.server = Server(clock=self.clock)
        self.peers = [FakePeer() for _ in range(3)]
        self.a, self.b, self.c = (
            self.server.new_client(peer, addr=f"127.0.0.1:{5000 + n}")
            for n, peer in enumerate(self.peers)
        )

    def call(self, client: Client, *args: str | bytes | int) -> Reply:
        argv = [arg if isinstance(arg, bytes) else str(arg).encode() for arg in args]
        return self.server.execute(client, argv)

    def wire(self, client: Client, *args: str | bytes | int) -> bytes:
        """The command's reply as the client would receive it."""
        return encode(self.call(client, *args), client.resp)

    def pushed(self, client: Client) -> list[bytes]:
        """What was pushed to ``client`` so far (and forget it)."""
        peer = client.peer
        assert isinstance(peer, FakePeer)
        out, peer.pushed = peer.pushed, []
        return out

    def assert_clean(self) -> None:
        pubsub = self.server.pubsub
        self.assertEqual(
            (pubsub.channels, pubsub.patterns, pubsub.shard_channels, pubsub.clients),
            ({}, {}, {}, {}),
        )
        self.assertFalse(any(client.pubsub for client in self.server.clients))
        self.assertFalse(self.server._hooked)


class SubscribeTests(PubSubTestCase):
    def test_confirmations(self) -> None:
        """One confirmation per name, counting channels plus patterns; again is harmless."""
        self.assertEqual(
            self.wire(self.a, "SUBSCRIBE", "x", "y", "x"),
            push2(b"subscribe", b"x", 1) + push2(b"subscribe", b"y", 2)
            + push2(b"subscribe", b"x", 2),
        )  # fmt: skip
        self.assertEqual(self.wire(self.a, "PSUBSCRIBE", "p*"), push2(b"psubscribe", b"p*", 3))
        self.assertEqual(self.wire(self.a, "SSUBSCRIBE", "s"), push2(b"ssubscribe", b"s", 1))
        self.assertTrue(self.a.pubsub)
        self.assertEqual(self.a.kind(), "pubsub")
        self.assertEqual(self.a.flags(), "P")
        line = self.a.info_line(self.clock.seconds())
        self.assertIn(" flags=P db=0 sub=2 psub=1 ssub=1 multi=-1 ", line)

    def test_resp3_confirmations_are_pushes(self) -> None:
        self.a.resp = 3
        reply = self.call(self.a, "SUBSCRIBE", "x")
        assert isinstance(reply, Raw)
        self.assertEqual(reply.data, push3(b"subscribe", b"x", 1))
        self.assertEqual(self.wire(self.a, "UNSUBSCRIBE"), push3(b"unsubscribe", b"x", 0))
        self.assertEqual(self.wire(self.a, "UNSUBSCRIBE"), push3(b"unsubscribe", None, 0))

    def test_unsubscribe(self) -> None:
        """Named channels (subscribed or not) are confirmed; no names means all, or one
        confirmation with a null name when there are none."""
        self.assertEqual(self.wire(self.a, "UNSUBSCRIBE"), push2(b"unsubscribe", None, 0))
        self.assertEqual(self.wire(self.a, "PUNSUBSCRIBE"), push2(b"punsubscribe", None, 0))
        self.assertEqual(self.wire(self.a, "SUNSUBSCRIBE"), push2(b"sunsubscribe", None, 0))
        self.assertFalse(self.a.pubsub)
        self.call(self.a, "SUBSCRIBE", "x", "y")
        self.call(self.a, "PSUBSCRIBE", "p")
        self.assertEqual(
            self.wire(self.a, "UNSUBSCRIBE", "nope", "x"),
            push2(b"unsubscribe", b"nope", 3) + push2(b"unsubscribe", b"x", 2),
        )
        self.assertEqual(self.wire(self.a, "UNSUBSCRIBE"), push2(b"unsubscribe", b"y", 1))
        self.assertTrue(self.a.pubsub)  # still has the pattern
        self.assertEqual(self.wire(self.a, "PUNSUBSCRIBE"), push2(b"punsubscribe", b"p", 0))
        self.assert_clean()

    def test_shard_counts_are_separate(self) -> None:
        self.call(self.a, "SUBSCRIBE", "x")
        self.assertEqual(self.wire(self.a, "SSUBSCRIBE", "s", "t"),
                         push2(b"ssubscribe", b"s", 1) + push2(b"ssubscribe", b"t", 2))  # fmt: skip
        self.assertEqual(
            self.wire(self.a, "SUNSUBSCRIBE"),
            push2(b"sunsubscribe", b"s", 1) + push2(b"sunsubscribe", b"t", 0),
        )
        self.assertTrue(self.a.pubsub)
        self.call(self.a, "UNSUBSCRIBE")
        self.assert_clean()


class PublishTests(PubSubTestCase):
    def test_channel_and_pattern_delivery(self) -> None:
        """Subscribers get ``message``, pattern subscribers ``pmessage``, a client with both
        gets both; the reply counts deliveries; encoding follows each subscriber's protocol."""
        self.b.resp = 3
        self.call(self.a, "SUBSCRIBE", "news.tech")
        self.call(self.a, "PSUBSCRIBE", "news.*")
        self.call(self.b, "PSUBSCRIBE", "news.[st]*", "other")
        self.assertEqual(self.call(self.c, "PUBLISH", "news.tech", "hi"), 3)
        self.assertEqual(
            self.pushed(self.a),
            [
                push2(b"message", b"news.tech", b"hi"),
                push2(b"pmessage", b"news.*", b"news.tech", b"hi"),
            ],
        )
        self.assertEqual(
            self.pushed(self.b), [push3(b"pmessage", b"news.[st]*", b"news.tech", b"hi")]
        )
        self.assertEqual(self.call(self.c, "PUBLISH", "nobody", "x"), 0)
        self.assertEqual(self.pushed(self.a), [])

    def test_order_is_publish_order(self) -> None:
        self.call(self.a, "SUBSCRIBE", "c")
        self.call(self.b, "SUBSCRIBE", "c")
        for n in range(5):
            self.call(self.c, "PUBLISH", "c", str(n))
        expected = [push2(b"message", b"c", str(n).encode()) for n in range(5)]
        self.assertEqual(self.pushed(self.a), expected)
        self.assertEqual(self.pushed(self.b), expected)

    def test_spublish_ignores_patterns_and_channels(self) -> None:
        self.call(self.a, "SSUBSCRIBE", "s")
        self.call(self.b, "PSUBSCRIBE", "*")
        self.call(self.b, "SUBSCRIBE", "s")
        self.assertEqual(self.call(self.c, "SPUBLISH", "s", "m"), 1)
        self.assertEqual(self.pushed(self.a), [push2(b"smessage", b"s", b"m")])
        self.assertEqual(self.pushed(self.b), [])
        self.assertEqual(self.call(self.c, "PUBLISH", "s", "m"), 2)  # b's channel and pattern
        self.assertEqual(self.pushed(self.a), [])

    def test_redis_glob(self) -> None:
        """Patterns follow Redis's stringmatch (escapes, sets, ranges)."""
        self.call(self.a, "PSUBSCRIBE", "a\\*b", "h[^e]llo", "x?[0-9]")
        self.assertEqual(self.call(self.c, "PUBLISH", "a*b", "1"), 1)
        self.assertEqual(self.call(self.c, "PUBLISH", "axb", "1"), 0)
        self.assertEqual(self.call(self.c, "PUBLISH", "hallo", "1"), 1)
        self.assertEqual(self.call(self.c, "PUBLISH", "hello", "1"), 0)
        self.assertEqual(self.call(self.c, "PUBLISH", "xy7", "1"), 1)


class ModeTests(PubSubTestCase):
    def test_resp2_context(self) -> None:
        """A subscribed RESP2 client may only run the Pub/Sub context's commands; PING
        answers ``["pong", msg]``; the rejection is counted as an error."""
        self.call(self.a, "SUBSCRIBE", "x")
        for args in (("GET", "k"), ("PUBLISH", "x", "y"), ("CLIENT", "ID"), ("HELLO", "3")):
            with self.subTest(args=args):
                name = args[0].lower() + ("|id" if args[0] == "CLIENT" else "")
                self.assertEqual(self.call(self.a, *args), ErrorReply(errors.pubsub_context(name)))
        self.assertEqual(self.wire(self.a, "PING"), push2(b"pong", b""))
        self.assertEqual(self.wire(self.a, "PING", "m"), push2(b"pong", b"m"))
        self.assertIsInstance(self.call(self.a, "PING", "a", "b"), ErrorReply)
        # Unknown commands and wrong arity are reported first, as in processCommand.
        self.assertEqual(self.call(self.a, "NOPE"), ErrorReply(errors.unknown_command([b"NOPE"])))
        self.assertEqual(self.server.stats.errors["ERR"], 6)
        self.assertEqual(self.server.commands.get(b"get").rejected_calls, 1)  # type: ignore[union-attr]
        # Other clients are unaffected.
        self.assertEqual(self.call(self.b, "PING"), self.call(self.b, "PING"))
        self.assertEqual(self.wire(self.b, "PING"), b"+PONG\r\n")
        self.call(self.a, "UNSUBSCRIBE")
        self.assertEqual(self.call(self.a, "GET", "k"), None)

    def test_resp3_allows_everything(self) -> None:
        self.a.resp = 3
        self.call(self.a, "SUBSCRIBE", "x")
        self.assertEqual(self.wire(self.a, "PING"), b"+PONG\r\n")
        self.assertEqual(self.call(self.a, "GET", "k"), None)
        self.assertEqual(self.call(self.a, "PUBLISH", "x", "self"), 1)
        self.assertEqual(self.pushed(self.a), [push3(b"message", b"x", b"self")])
        # HELLO 2 makes it a RESP2 subscriber, with RESP2's restrictions.
        self.call(self.a, "HELLO", "2")
        self.assertIsInstance(self.call(self.a, "GET", "k"), ErrorReply)

    def test_reset_unsubscribes_everything_silently(self) -> None:
        self.call(self.a, "SUBSCRIBE", "x")
        self.call(self.a, "PSUBSCRIBE", "p*")
        self.call(self.a, "SSUBSCRIBE", "s")
        self.assertEqual(self.wire(self.a, "RESET"), b"+RESET\r\n")
        self.assertEqual(self.pushed(self.a), [])
        self.assert_clean()
        self.assertEqual(self.call(self.b, "PUBLISH", "x", "m"), 0)

    def test_quit_is_allowed(self) -> None:
        self.call(self.a, "SUBSCRIBE", "x")
        self.assertEqual(self.wire(self.a, "QUIT"), b"+OK\r\n")
        self.assertTrue(self.a.close_after_reply)

    def test_detach_forgets_everything(self) -> None:
        """Connection loss, CLIENT KILL, output-limit overrun all end in ``detach``: nothing is
        left, nothing more is sent, and ``detach`` may run twice."""
        self.call(self.a, "SUBSCRIBE", "x", "y")
        self.call(self.a, "PSUBSCRIBE", "*")
        self.call(self.b, "SUBSCRIBE", "x")
        self.call(self.b, "SSUBSCRIBE", "s")
        self.server.detach(self.a)
        self.assertEqual(self.call(self.c, "PUBSUB", "CHANNELS"), [b"x"])
        self.assertEqual(self.call(self.c, "PUBSUB", "NUMPAT"), 0)
        self.assertEqual(self.call(self.c, "PUBLISH", "x", "m"), 1)
        self.assertEqual(self.pushed(self.a), [])
        self.assertEqual(self.call(self.c, "CLIENT", "KILL", "TYPE", "pubsub"), 1)
        self.assertTrue(self.peers[1].aborted)
        self.server.detach(self.b)
        self.server.detach(self.a)
        self.assert_clean()
        self.assertEqual(self.call(self.c, "PUBSUB", "SHARDCHANNELS"), [])

    def test_timeout_exemption(self) -> None:
        """Subscribers are not closed by ``timeout`` (limits.idle_expired)."""
        self.server.config.values["timeout"] = 1
        self.call(self.a, "SUBSCRIBE", "x")
        self.clock.advance(10)
        self.server.cron()
        self.assertFalse(self.peers[0].aborted)
        self.assertTrue(self.peers[1].aborted)


class IntrospectionTests(PubSubTestCase):
    def test_pubsub_subcommands(self) -> None:
        self.call(self.a, "SUBSCRIBE", "news", "sport")
        self.call(self.b, "SUBSCRIBE", "news")
        self.call(self.b, "PSUBSCRIBE", "n*", "s*")
        self.call(self.a, "PSUBSCRIBE", "n*")
        self.call(self.a, "SSUBSCRIBE", "sh1", "sh2")
        self.assertEqual(self.call(self.c, "PUBSUB", "CHANNELS"), [b"news", b"sport"])
        self.assertEqual(self.call(self.c, "PUBSUB", "CHANNELS", "s*"), [b"sport"])
        self.assertEqual(
            self.call(self.c, "PUBSUB", "NUMSUB", "news", "sport", "x"),
            [b"news", 2, b"sport", 1, b"x", 0],
        )
        self.assertEqual(self.call(self.c, "PUBSUB", "NUMSUB"), [])
        self.assertEqual(self.call(self.c, "PUBSUB", "NUMPAT"), 2)
        self.assertEqual(self.call(self.c, "PUBSUB", "SHARDCHANNELS", "*2"), [b"sh2"])
        self.assertEqual(self.call(self.c, "PUBSUB", "SHARDNUMSUB", "sh1"), [b"sh1", 1])
        self.assertEqual(
            self.call(self.c, "PUBSUB", "CHANNELS", "a", "b"),
            ErrorReply(errors.subcommand_syntax(b"CHANNELS", "PUBSUB")),
        )
        info = info_text(self.server, ["all"])
        for field in (
            "pubsub_channels:2",
            "pubsub_patterns:2",
            "pubsubshard_channels:2",
            "pubsub_clients:2",
        ):
            self.assertIn(field + "\r\n", info)
        reply = self.call(self.c, "CLIENT", "LIST", "TYPE", "pubsub")
        assert isinstance(reply, Verbatim)
        self.assertEqual(len(reply.data.splitlines()), 2)


class RegistryTests(SynchronousTestCase):
    """:class:`PubSub` alone: empty names are removed, unsubscribe_all is idempotent."""

    def test_registry(self) -> None:
        server = Server(clock=task.Clock())
        client = server.new_client(FakePeer())
        pubsub = PubSub()
        self.assertEqual(pubsub.subscribe(client, b"a"), 1)
        self.assertEqual(pubsub.psubscribe(client, b"a*"), 2)
        self.assertEqual(pubsub.ssubscribe(client, b"s"), 1)
        self.assertEqual(pubsub.counts(client), (1, 1, 1))
        self.assertEqual(pubsub.unsubscribe(client, b"a"), 1)
        self.assertNotIn(b"a", pubsub.channels)
        pubsub.unsubscribe_all(client)
        pubsub.unsubscribe_all(client)
        self.assertEqual((pubsub.patterns, pubsub.shard_channels, pubsub.clients), ({}, {}, {}))
        self.assertEqual(pubsub.counts(client), (0, 0, 0))
        self.assertEqual(pubsub.unsubscribe(client, b"a"), 0)


class ConnectionTests(SynchronousTestCase):
    """Through a real :class:`RedisProtocol` on a StringTransport: QUIT and an output-limit
    overrun stop delivery at once, and the connection's loss leaves nothing behind."""

    def setUp(self) -> None:
        self.sub = wire(config_with(client_output_buffer_limit={"pubsub": (1000, 0, 0)}))
        self.pub = wire(server=self.sub.server)
        self.server = self.sub.server

    def test_quit_stops_delivery(self) -> None:
        self.sub.feed(command(b"SUBSCRIBE", b"c"))
        self.assertEqual(self.sub.feed(command(b"QUIT")), b"+OK\r\n")
        self.assertEqual(self.pub.feed(command(b"PUBLISH", b"c", b"m")), b":1\r\n")
        self.assertEqual(self.sub.take(), b"")  # closing: nothing more is sent
        self.sub.proto.connectionLost()
        self.assertEqual(self.pub.feed(command(b"PUBLISH", b"c", b"m")), b":0\r\n")
        self.assertEqual(self.server.pubsub.clients, {})

    def test_output_limit_overrun(self) -> None:
        """A paused subscriber's outbox grows with each message until the pubsub class's hard
        limit aborts it; the messages before that wait in order."""
        self.sub.feed(command(b"SUBSCRIBE", b"c"))
        self.sub.proto.pauseProducing()
        for n in range(3):
            self.pub.feed(command(b"PUBLISH", b"c", b"%d" % n))
        self.assertEqual(self.sub.take(), b"")
        self.assertEqual(self.sub.proto.client.omem(), 3 * len(push2(b"message", b"c", b"0")))  # type: ignore[union-attr]
        self.pub.feed(command(b"PUBLISH", b"c", b"x" * 1000))
        self.assertTrue(self.sub.transport.disconnecting)
        self.assertEqual(self.server.stats.obuf_disconnections, 1)
        self.sub.proto.connectionLost()
        self.assertEqual(self.pub.feed(command(b"PUBLISH", b"c", b"m")), b":0\r\n")
        self.assertEqual(self.server.pubsub.channels, {})

    def test_resumed_subscriber_gets_messages_in_order(self) -> None:
        self.sub.feed(command(b"SUBSCRIBE", b"c"))
        self.sub.proto.pauseProducing()
        for n in range(3):
            self.pub.feed(command(b"PUBLISH", b"c", b"%d" % n))
        self.sub.proto.resumeProducing()
        self.pub.feed(command(b"PUBLISH", b"c", b"3"))
        self.assertEqual(
            self.sub.take(), b"".join(push2(b"message", b"c", b"%d" % n) for n in range(4))
        )
