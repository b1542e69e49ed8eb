"""Core tests of client-side caching: ``Server.execute`` with clients whose connections are
fake peers that record pushes (no sockets). Expected behaviour from Redis's tracking.c and
networking.c, checked against redis-server where the comparison tests say so."""

from __future__ import annotations

from twisted.internet import task
from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core import errors
from pyredisd.core.clients import Client
from pyredisd.core.info import info_text
from pyredisd.core.keyspace import Database, HookedDatabase
from pyredisd.core.replies import ErrorReply, Reply
from pyredisd.core.resp import encode
from pyredisd.core.server import Server
from tests.core.test_client_admin import FakePeer


def invalidate3(*keys: bytes) -> bytes:
    """A RESP3 invalidation push for ``keys``."""
    return b">2\r\n$10\r\ninvalidate\r\n" + encode(list(keys), 3)


def message2(value: bytes) -> bytes:
    """A RESP2 ``__redis__:invalidate`` message carrying ``value`` (already RESP)."""
    return b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n" + value


class TrackingTestCase(SynchronousTestCase):
    """A server on a ``task.Clock`` and three clients with fake peers; ``a`` speaks RESP3."""

    def setUp(self) -> None:
        self.clock = task.Clock()
        self.clock.advance(1_700_000_000)
        self.server = Server(clock=self.clock)
        self.peers = [FakePeer() for _ in range(3)]
        self.a, self.b, self.c = (self.server.new_client(peer) for peer in self.peers)
        self.a.resp = 3

    def call(self, client: Client, *args: str | bytes | int) -> Reply:
        argv = [arg if isinstance(arg, bytes) else str(arg).encode() for arg in args]
        return self.server.execute(client, argv)

    def ok(self, client: Client, *args: str | bytes | int) -> None:
        reply = self.call(client, *args)
        self.assertFalse(isinstance(reply, ErrorReply), reply)

    def fails(self, client: Client, message: str, *args: str | bytes | int) -> None:
        reply = self.call(client, *args)
        assert isinstance(reply, ErrorReply), reply
        self.assertEqual(reply.message, message)

    def pushed(self, client: Client) -> list[bytes]:
        """Take what ``client``'s peer received."""
        peer = self.peers[client.id - 1]
        out, peer.pushed = peer.pushed, []
        return out

    def info(self, field: str) -> str:
        for line in info_text(self.server, ["everything"]).split("\r\n"):
            if line.startswith(field + ":"):
                return line.split(":", 1)[1]
        raise AssertionError(field)


class CommandErrorsTests(TrackingTestCase):
    """CLIENT TRACKING and CLIENT CACHING refuse what Redis refuses, with its words."""

    def test_tracking_option_errors(self) -> None:
        a = self.a
        self.fails(a, errors.SYNTAX, "CLIENT", "TRACKING", "maybe")
        self.fails(a, errors.SYNTAX, "CLIENT", "TRACKING", "on", "bogus")
        self.fails(a, errors.SYNTAX, "CLIENT", "TRACKING", "on", "PREFIX")
        self.fails(a, errors.NOT_INTEGER, "CLIENT", "TRACKING", "on", "REDIRECT", "x")
        self.fails(a, errors.TRACKING_REDIRECT_MISSING, "CLIENT", "TRACKING", "on", "REDIRECT", 99)
        self.fails(a, errors.TRACKING_REDIRECT_MISSING, "CLIENT", "TRACKING", "on", "REDIRECT", 0)
        # Parsed (and checked) for OFF too.
        self.fails(a, errors.TRACKING_REDIRECT_MISSING, "CLIENT", "TRACKING", "off", "REDIRECT", 9)
        self.fails(
            a,
            errors.TRACKING_REDIRECT_TWICE,
            *("CLIENT", "TRACKING", "on", "REDIRECT", 2, "REDIRECT", 3),
        )
        self.fails(a, errors.TRACKING_PREFIX_NEEDS_BCAST, "CLIENT", "TRACKING", "on", "PREFIX", "a")
        self.fails(a, errors.TRACKING_BCAST_OPTIN, "CLIENT", "TRACKING", "on", "BCAST", "OPTIN")
        self.fails(
            a, errors.TRACKING_OPTIN_AND_OPTOUT, "CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"
        )
        self.fails(
            a,
            errors.prefix_overlaps_given(b"ab", b"a"),
            *("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "ab", "PREFIX", "a"),
        )
        self.assertIsNone(a.tracking)

    def test_mode_switches_while_on(self) -> None:
        a = self.a
        self.ok(a, "CLIENT", "TRACKING", "on", "OPTIN")
        self.fails(a, errors.TRACKING_OPT_SWITCH, "CLIENT", "TRACKING", "on", "OPTOUT")
        self.fails(a, errors.TRACKING_BCAST_SWITCH, "CLIENT", "TRACKING", "on", "BCAST")
        self.ok(a, "CLIENT", "TRACKING", "on")  # no mode given: the flags are replaced
        assert a.tracking is not None
        self.assertFalse(a.tracking.optin)
        b = self.b
        self.ok(b, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:")
        self.fails(b, errors.TRACKING_BCAST_SWITCH, "CLIENT", "TRACKING", "on")
        self.fails(
            b,
            errors.prefix_overlaps_existing(b"user:1", b"user:"),
            *("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:1"),
        )
        self.ok(b, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "obj:")
        self.assertEqual(
            encode(self.call(b, "CLIENT", "TRACKINGINFO"), 2),
            encode([b"flags", [b"on", b"bcast"], b"redirect", 0, b"prefixes", [b"obj:", b"user:"]]),
        )

    def test_caching_errors(self) -> None:
        a = self.a
        self.fails(a, errors.CACHING_WITHOUT_TRACKING, "CLIENT", "CACHING", "yes")
        self.ok(a, "CLIENT", "TRACKING", "on")
        self.fails(a, errors.CACHING_YES_WITHOUT_OPTIN, "CLIENT", "CACHING", "yes")
        self.fails(a, errors.CACHING_NO_WITHOUT_OPTOUT, "CLIENT", "CACHING", "no")
        self.fails(a, errors.SYNTAX, "CLIENT", "CACHING", "maybe")
        self.fails(a, errors.wrong_arity("client|caching"), "CLIENT", "CACHING")


class InfoTests(TrackingTestCase):
    """GETREDIR, TRACKINGINFO, CLIENT LIST and INFO."""

    def test_getredir_and_trackinginfo(self) -> None:
        a, b = self.a, self.b
        self.assertEqual(self.call(a, "CLIENT", "GETREDIR"), -1)
        self.assertEqual(
            encode(self.call(a, "CLIENT", "TRACKINGINFO"), 3),
            b"%3\r\n$5\r\nflags\r\n~1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n"
            b"$8\r\nprefixes\r\n*0\r\n",
        )
        self.ok(a, "CLIENT", "TRACKING", "on", "OPTOUT", "NOLOOP", "REDIRECT", b.id)
        self.ok(a, "CLIENT", "CACHING", "no")
        self.assertEqual(self.call(a, "CLIENT", "GETREDIR"), b.id)
        self.assertEqual(
            encode(self.call(a, "CLIENT", "TRACKINGINFO"), 3),
            b"%3\r\n$5\r\nflags\r\n~4\r\n$2\r\non\r\n$6\r\noptout\r\n$10\r\ncaching-no\r\n"
            b"$6\r\nnoloop\r\n$8\r\nredirect\r\n:2\r\n$8\r\nprefixes\r\n*0\r\n",
        )
        self.ok(a, "CLIENT", "TRACKING", "off")
        self.assertEqual(self.call(a, "CLIENT", "GETREDIR"), -1)

    def test_client_list_flags_and_info_fields(self) -> None:
        a, b, c = self.a, self.b, self.c
        self.ok(a, "CLIENT", "TRACKING", "on")
        self.ok(b, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "x", "PREFIX", "y")
        self.ok(c, "CLIENT", "TRACKING", "on", "REDIRECT", a.id)
        self.assertIn(" flags=t db=0 ", a.info_line(0))
        self.assertIn(" redir=0 ", a.info_line(0))
        self.assertIn(" flags=tB db=0 ", b.info_line(0))
        self.assertIn(" redir=1 ", c.info_line(0))
        self.ok(a, "MGET", "k1", "k2")
        self.ok(c, "GET", "k1")
        self.assertEqual(self.info("tracking_clients"), "3")
        self.assertEqual(self.info("tracking_total_keys"), "2")
        self.assertEqual(self.info("tracking_total_items"), "3")
        self.assertEqual(self.info("tracking_total_prefixes"), "2")
        self.server.detach(a)  # c's redirect target is gone
        self.ok(b, "SET", "k1", "v")
        self.assertIn(" flags=tR db=0 ", c.info_line(0))
        self.assertEqual(self.pushed(c), [])  # RESP2: nothing to say it with
        self.assertEqual(
            encode(self.call(c, "CLIENT", "TRACKINGINFO"), 2),
            b"*6\r\n$5\r\nflags\r\n*2\r\n$2\r\non\r\n$15\r\nbroken_redirect\r\n"
            b"$8\r\nredirect\r\n:1\r\n$8\r\nprefixes\r\n*0\r\n",
        )

    def test_closed_and_reset_clients_leave_nothing(self) -> None:
        a, b = self.a, self.b
        self.ok(a, "CLIENT", "TRACKING", "on")
        self.ok(b, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "p")
        self.ok(a, "MGET", "k1", "k2", "k3")
        self.assertIs(type(self.server.dbs[0]), HookedDatabase)
        self.server.detach(a)
        self.call(b, "RESET")
        self.assertIsNone(b.tracking)
        for field in ("clients", "total_keys", "total_items", "total_prefixes"):
            self.assertEqual(self.info("tracking_" + field), "0")
        self.assertIs(type(self.server.dbs[0]), Database)  # writes pay nothing again
        self.ok(self.c, "SET", "k1", "v")
        self.assertEqual(self.pushed(a) + self.pushed(b), [])

    def test_hello_keeps_tracking(self) -> None:
        """Redis's HELLO switches the protocol and leaves tracking as it is."""
        a, b = self.a, self.b
        self.ok(a, "CLIENT", "TRACKING", "on")
        self.ok(a, "GET", "k")
        self.ok(a, "HELLO", "2")
        self.assertIsNotNone(a.tracking)
        self.ok(a, "HELLO", "3")
        self.ok(b, "SET", "k", "1")
        self.assertEqual(self.pushed(a), [invalidate3(b"k")])


class DefaultModeTests(TrackingTestCase):
    """Keys read by read-only commands, invalidated once when changed."""

    def test_read_then_written_elsewhere(self) -> None:
        a, b = self.a, self.b
        self.ok(a, "CLIENT", "TRACKING", "on")
        self.ok(a, "GET", "k")  # a miss is remembered too
        self.ok(a, "SET", "w", "1")  # a write command's keys are not
        self.ok(b, "SET", "k", "1")
        self.ok(b, "SET", "w", "1")
        self.assertEqual(self.pushed(a), [invalidate3(b"k")])
        self.ok(b, "SET", "k", "2")  # forgotten until read again
        self.assertEqual(self.pushed(a), [])

    def test_keys_of_every_read_command_and_error(self) -> None:
        a, b = self.a, self.b
        self.ok(b, "LPUSH", "list", "x")
        self.ok(b, "MSET", "z1", "x", "z2", "x", "e", "x")
        self.ok(a, "CLIENT", "TRACKING", "on")
        self.call(a, "GET", "list")  # WRONGTYPE: still remembered (call() does not check)
        self.call(a, "ZUNION", 2, "z1", "z2")
        self.ok(a, "EXISTS", "e")
        self.ok(b, "DEL", "list", "z2", "e", "z1")
        self.assertEqual(
            self.pushed(a),
            [invalidate3(b"list"), invalidate3(b"z2"), invalidate3(b"e"), invalidate3(b"z1")],
        )

    def test_table_is_shared_by_databases(self) -> None:
        a, b = self.a, self.b
        self.ok(a, "CLIENT", "TRACKING", "on")
        self.ok(a, "GET", "k")
        self.ok(b, "SELECT", 5)
        self.ok(b, "SET", "k", "1")
        self.assertEqual(self.pushed(a), [invalidate3(b"k")])

    def test_resp2_without_redirect_gets_nothing(self) -> None:
        b, c = self.b, self.c
        self.ok(b, "CLIENT", "TRACKING", "on")
        self.ok(b, "GET", "k")
        self.ok(c, "SET", "k", "1")
        self.assertEqual(self.pushed(b), [])
        self.assertEqual(self.info("tracking_total_keys"), "0")

    def test_own_write_waits_for_the_command(self) -> None:
        a = self.a
        self.ok(a, "CLIENT", "TRACKING", "on")
        self.ok(a, "MGET", "k1", "k2")
        self.ok(a, "DEL", "k1", "k2")  # not existing: no change, no message
        self.assertEqual(self.pushed(a), [])
        self.ok(a, "MSET", "k1", "1", "k2", "2")
        self.assertEqual(self.pushed(a), [invalidate3(b"k1"), invalidate3(b"k2")])

    def test_noloop(self) -> None:
        a, b = self.a, self.b
        self.ok(a, "CLIENT", "TRACKING", "on", "NOLOOP")
        self.ok(a, "MGET", "k1", "k2")
        self.ok(a, "SET", "k1", "1")
        self.assertEqual(self.pushed(a), [])
        self.ok(b, "SET", "k1", "2")  # k1 was forgotten by a's own write
        self.ok(b, "SET", "k2", "2")
        self.assertEqual(self.pushed(a), [invalidate3(b"k2")])

    def test_optin_and_optout(self) -> None:
        a, c, b = self.a, self.c, self.b
        c.resp = 3
        self.ok(a, "CLIENT", "TRACKING", "on", "OPTIN")
        self.ok(c, "CLIENT", "TRACKING", "on", "OPTOUT")
        self.ok(a, "GET", "k1")
        self.ok(c, "GET", "k1")
        self.ok(a, "CLIENT", "CACHING", "yes")
        self.ok(c, "CLIENT", "CACHING", "no")
        self.ok(a, "CLIENT", "ID")  # a CLIENT command keeps the flag
        self.ok(c, "CLIENT", "ID")
        self.ok(a, "GET", "k2")
        self.ok(c, "GET", "k2")
        self.ok(a, "GET", "k3")  # the flag was for one command
        self.ok(c, "GET", "k3")
        self.ok(b, "MSET", "k1", "1", "k2", "2", "k3", "3")
        self.assertEqual(self.pushed(a), [invalidate3(b"k2")])
        self.assertEqual(self.pushed(c), [invalidate3(b"k1"), invalidate3(b"k3")])

    def test_caching_covers_a_whole_transaction(self) -> None:
        a, b = self.a, self.b
        self.ok(a, "CLIENT", "TRACKING", "on", "OPTIN")
        self.ok(a, "CLIENT", "CACHING", "yes")
        self.ok(a, "MULTI")
        self.ok(a, "GET", "k1")
        self.ok(a, "GET", "k2")
        self.ok(a, "EXEC")
        self.ok(a, "GET", "k3")
        self.ok(b, "MSET", "k1", "1", "k2", "2", "k3", "3")
        self.assertEqual(self.pushed(a), [invalidate3(b"k1"), invalidate3(b"k2")])

    def test_expiry_invalidates(self) -> None:
        a, b = self.a, self.b
        self.ok(b, "SET", "lazy", "1", "PX", 100)
        self.ok(b, "SET", "active", "1", "PX", 100)
        self.ok(a, "CLIENT", "TRACKING", "on")
        self.ok(a, "MGET", "lazy", "active")
        self.clock.advance(1)
        self.ok(b, "GET", "lazy")
        self.assertEqual(self.pushed(a), [invalidate3(b"lazy")])
        self.server.cron()
        self.assertEqual(self.pushed(a), [invalidate3(b"active")])

    def test_flush_sends_null_to_every_tracking_client(self) -> None:
        a, b, c = self.a, self.b, self.c
        c.resp = 3
        self.ok(a, "CLIENT", "TRACKING", "on")
        self.ok(c, "CLIENT", "TRACKING", "on", "BCAST")
        self.ok(b, "SUBSCRIBE", "__redis__:invalidate")
        self.ok(self.server.new_client(None), "CLIENT", "TRACKING", "on")  # no peer at all
        self.ok(a, "GET", "k")
        flusher = self.server.new_client(None)
        self.ok(flusher, "FLUSHALL")
        self.assertEqual(self.pushed(a), [b">2\r\n$10\r\ninvalidate\r\n_\r\n"])
        self.assertEqual(self.pushed(c), [b">2\r\n$10\r\ninvalidate\r\n_\r\n"])
        self.assertEqual(self.info("tracking_total_keys"), "0")
        # A RESP2 tracking client redirecting to a RESP2 subscriber: RESP2's null.
        self.ok(self.server.new_client(None), "CLIENT", "TRACKING", "on", "REDIRECT", b.id)
        self.pushed(b)
        self.ok(flusher, "FLUSHDB")
        self.assertEqual(self.pushed(b), [message2(b"$-1\r\n")])


class RedirectTests(TrackingTestCase):
    """Invalidations sent to another connection."""

    def test_resp2_subscriber_gets_messages(self) -> None:
        a, b, c = self.a, self.b, self.c
        self.ok(b, "SUBSCRIBE", "__redis__:invalidate")
        self.pushed(b)
        self.ok(c, "CLIENT", "TRACKING", "on", "REDIRECT", b.id)
        self.ok(c, "GET", "k")
        self.ok(a, "SET", "k", "1")
        self.assertEqual(self.pushed(b), [message2(b"*1\r\n$1\r\nk\r\n")])
        self.assertEqual(self.pushed(c), [])

    def test_resp3_target_gets_pushes(self) -> None:
        a, c = self.a, self.c
        self.ok(c, "CLIENT", "TRACKING", "on", "REDIRECT", a.id)
        self.ok(c, "GET", "k")
        self.ok(c, "SET", "k", "1")
        self.assertEqual(self.pushed(a), [invalidate3(b"k")])

    def test_broken_redirect_in_resp3(self) -> None:
        a, b, c = self.a, self.b, self.c
        self.ok(a, "CLIENT", "TRACKING", "on", "REDIRECT", c.id)
        self.ok(a, "GET", "k")
        self.server.detach(c)
        self.ok(b, "SET", "k", "1")
        self.assertEqual(self.pushed(a), [b">2\r\n$21\r\ntracking-redir-broken\r\n:3\r\n"])
        self.assertEqual(self.call(a, "CLIENT", "GETREDIR"), 3)


class BcastTests(TrackingTestCase):
    """Prefixes: keys collected per prefix and sent together by ``broadcast``."""

    def test_prefixes_sorted_keys_and_noloop(self) -> None:
        a, b, c = self.a, self.b, self.c
        c.resp = 3
        self.ok(a, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "u:", "PREFIX", "o:")
        self.ok(c, "CLIENT", "TRACKING", "on", "BCAST", "NOLOOP")
        self.ok(b, "MSET", "u:2", "x", "u:1", "x", "o:1", "x", "z", "x")
        self.ok(c, "SET", "u:3", "x")
        self.ok(b, "SET", "u:3", "y")  # the last writer counts for NOLOOP
        self.ok(c, "SET", "z2", "x")
        self.assertEqual(self.pushed(a), [])
        self.server.tracking.broadcast()
        self.assertEqual(self.pushed(a), [invalidate3(b"o:1"), invalidate3(b"u:1", b"u:2", b"u:3")])
        self.assertEqual(self.pushed(c), [invalidate3(b"o:1", b"u:1", b"u:2", b"u:3", b"z")])
        self.server.tracking.broadcast()
        self.assertEqual(self.pushed(a) + self.pushed(c), [])
