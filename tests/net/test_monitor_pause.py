"""MONITOR, CLIENT PAUSE/UNPAUSE and CLIENT REPLY through the protocol, over StringTransport
with a task.Clock (expected behaviour checked against redis-server 7.0)."""

from __future__ import annotations

from twisted.internet import address
from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core import errors
from pyredisd.core.commands.monitoring import monitor_line, quote_arg, redact
from tests.helpers import CountingTransport, Wired, config_with, wire
from tests.net.test_protocol import command, error

START = 1_700_000_000.5


def pair(**values: object) -> tuple[Wired, Wired]:
    """A MONITOR client and another client of the same server, the clock at ``START``."""
    monitor = wire(config_with(**values))
    monitor.clock.advance(START)
    assert monitor.feed(command(b"MONITOR")) == b"+OK\r\n"
    other = wire(server=monitor.server)
    other.clock = monitor.clock
    return monitor, other


class MonitorLineTests(SynchronousTestCase):
    """The line format of ``replicationFeedMonitors`` and ``sdscatrepr``."""

    def test_escaping(self) -> None:
        """Quotes, backslashes and control bytes are escaped as C does; UTF-8 bytes as \\xHH."""
        self.assertEqual(
            quote_arg(b'a"b\\c\n\r\t\x07\x08\x01\xff \xc3\xa9~'),
            b'"a\\"b\\\\c\\n\\r\\t\\a\\b\\x01\\xff \\xc3\\xa9~"',
        )
        self.assertEqual(quote_arg(b""), b'""')

    def test_line(self) -> None:
        """``+<seconds>.<6 digits> [<db> <addr>] "arg" ...`` with CRLF."""
        self.assertEqual(
            monitor_line(1700000000.000042, 3, "127.0.0.1:5000", [b"SET", b"k", b"1"]),
            b'+1700000000.000042 [3 127.0.0.1:5000] "SET" "k" "1"\r\n',
        )

    def test_redaction(self) -> None:
        """AUTH's arguments and HELLO AUTH's credentials are shown as ``(redacted)``."""
        self.assertEqual(redact([b"AUTH", b"pw"]), [b"AUTH", b"(redacted)"])
        self.assertEqual(
            redact([b"hello", b"3", b"AUTH", b"u", b"p", b"SETNAME", b"n"]),
            [b"hello", b"3", b"AUTH", b"(redacted)", b"(redacted)", b"SETNAME", b"n"],
        )


class MonitorTests(SynchronousTestCase):
    """What a MONITOR client receives."""

    def test_feed_for_a_set_of_commands(self) -> None:
        """Executed commands are fed after running (db after SELECT, failed ones too); admin,
        unknown and wrong-arity commands are not; credentials are redacted."""
        monitor, other = pair()
        other.feed(
            command(b"SET", b"k", b'a"b\n\xff')
            + command(b"SELECT", b"3")
            + command(b"GET", b"x")
            + command(b"AUTH", b"user", b"secret")
            + command(b"CLIENT", b"LIST")
            + command(b"CONFIG", b"GET", b"maxclients")
            + command(b"NOPE")
            + command(b"GET")
            + command(b"INCR", b"k")
            + command(b"PING")
        )
        addr = "192.168.1.1:54321"
        stamp = "+1700000000.500000"
        expected = [
            f'{stamp} [0 {addr}] "SET" "k" "a\\"b\\n\\xff"',
            f'{stamp} [3 {addr}] "SELECT" "3"',
            f'{stamp} [3 {addr}] "GET" "x"',
            f'{stamp} [3 {addr}] "AUTH" "(redacted)" "(redacted)"',
            f'{stamp} [3 {addr}] "INCR" "k"',
            f'{stamp} [3 {addr}] "PING"',
        ]
        self.assertEqual(monitor.take().decode().split("\r\n"), [*expected, ""])

    def test_unix_socket_clients(self) -> None:
        """A Unix socket client is shown as ``unix:<path>``."""
        monitor, _ = pair(unixsocket="/tmp/pyredisd.sock")
        sock = address.UNIXAddress(b"/tmp/pyredisd.sock")
        other = wire(server=monitor.server, transport=CountingTransport(sock, sock))
        other.feed(command(b"PING"))
        self.assertIn(b'[0 unix:/tmp/pyredisd.sock] "PING"', monitor.take())

    def test_monitor_cannot_touch_the_keyspace(self) -> None:
        """A MONITOR client's reads and writes fail; its other commands run and are fed to it
        after their reply."""
        monitor, _ = pair()
        self.assertEqual(monitor.feed(command(b"GET", b"k")), error(errors.REPLICA_KEYSPACE))
        self.assertEqual(
            monitor.feed(command(b"PING")),
            b'+PONG\r\n+1700000000.500000 [0 192.168.1.1:54321] "PING"\r\n',
        )

    def test_second_monitor_gets_no_reply(self) -> None:
        """MONITOR on a monitor is ignored without a reply."""
        monitor, _ = pair()
        self.assertEqual(monitor.feed(command(b"MONITOR")), b"")

    def test_flag_and_type(self) -> None:
        """A monitor shows flag O and is of type normal."""
        monitor, other = pair()
        listing = other.feed(command(b"CLIENT", b"LIST", b"TYPE", b"normal"))
        self.assertIn(b"flags=O ", listing)
        assert monitor.proto.client is not None
        self.assertEqual(monitor.proto.client.kind(), "normal")

    def test_every_monitor_gets_the_line(self) -> None:
        """Two monitors both receive each line; one closing leaves the other fed."""
        first, other = pair()
        second = wire(server=first.server)
        second.feed(command(b"MONITOR"))
        other.feed(command(b"ECHO", b"hi"))
        self.assertIn(b'"ECHO" "hi"', first.take())
        self.assertIn(b'"ECHO" "hi"', second.take())
        first.proto.connectionLost()
        other.feed(command(b"ECHO", b"again"))
        self.assertEqual(first.take(), b"")
        self.assertIn(b'"ECHO" "again"', second.take())


class PauseTests(SynchronousTestCase):
    """CLIENT PAUSE postpones commands; UNPAUSE or the timeout resumes them in order."""

    def setUp(self) -> None:
        self.admin = wire()
        self.admin.clock.advance(START)
        self.other = wire(server=self.admin.server)
        self.other.clock = self.admin.clock
        self.server = self.admin.server

    def test_errors(self) -> None:
        """Redis's errors for a bad mode, timeout or arity."""
        cases = [
            ([b"x"], errors.TIMEOUT_NOT_INTEGER),
            ([b"1.5"], errors.TIMEOUT_NOT_INTEGER),
            ([b"-1"], errors.TIMEOUT_NEGATIVE),
            ([b"100", b"foo"], errors.PAUSE_MODE),
            ([b"x", b"foo"], errors.PAUSE_MODE),
            ([b"9223372036854775807"], errors.TIMEOUT_OUT_OF_RANGE),
            ([b"100", b"write", b"x"], errors.subcommand_syntax(b"PAUSE", "CLIENT")),
            ([], errors.wrong_arity("client|pause")),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                reply = self.admin.feed(command(b"CLIENT", b"PAUSE", *args))
                self.assertEqual(reply, error(message))
        self.assertIsNone(self.server.pause_mode)

    def test_write_pause_postpones_writes_only(self) -> None:
        """Under WRITE, reads run; a write and everything after it wait, then run in order."""
        self.assertEqual(
            self.admin.feed(command(b"CLIENT", b"PAUSE", b"10000", b"WRITE")), b"+OK\r\n"
        )
        reply = self.other.feed(
            command(b"GET", b"k") + command(b"SET", b"k", b"1") + command(b"GET", b"k")
        )
        self.assertEqual(reply, b"$-1\r\n")
        self.other.proto.dataReceived(command(b"ECHO", b"later"))
        self.assertEqual(self.other.take(), b"")
        client = self.other.proto.client
        assert client is not None
        self.assertTrue(client.paused)
        self.assertIn("cmd=set ", client.info_line(START))
        self.assertGreater(client.argv_mem, 0)
        self.assertIn(b"blocked_clients:1", self.admin.feed(command(b"INFO", b"clients")))
        self.assertEqual(self.admin.feed(command(b"CLIENT", b"UNPAUSE")), b"+OK\r\n")
        self.assertEqual(self.other.take(), b"")  # resumes on its next reactor turn
        self.admin.clock.advance(0)
        self.assertEqual(self.other.take(), b"+OK\r\n$1\r\n1\r\n$5\r\nlater\r\n")
        self.assertFalse(client.paused)
        self.assertEqual(client.argv_mem, 0)
        self.assertEqual(self.server.postponed, {})

    def test_may_replicate_commands_wait_under_write_pause(self) -> None:
        """A WRITE pause holds may_replicate commands even when readonly (PFCOUNT), as Redis."""
        self.admin.feed(command(b"CLIENT", b"PAUSE", b"1000", b"WRITE"))
        self.assertEqual(self.other.feed(command(b"PFCOUNT", b"h")), b"")
        self.assertEqual(self.other.feed(command(b"GET", b"h")), b"")  # queued behind it
        self.assertEqual(self.admin.feed(command(b"CLIENT", b"UNPAUSE")), b"+OK\r\n")
        self.admin.clock.advance(0)
        self.assertEqual(self.other.take(), b":0\r\n$-1\r\n")

    def test_all_pause_postpones_everything_including_the_pauser(self) -> None:
        """Under ALL, even the pausing client's own commands (UNPAUSE too) wait."""
        self.admin.feed(command(b"CLIENT", b"PAUSE", b"1000", b"ALL"))
        self.assertEqual(self.other.feed(command(b"PING")), b"")
        self.assertEqual(self.admin.feed(command(b"CLIENT", b"UNPAUSE")), b"")
        self.admin.clock.advance(1.0)
        self.server.cron()
        self.assertEqual(self.other.take(), b"")  # 1000 ms not yet *past*
        self.admin.clock.advance(0.001)
        self.server.cron()
        self.admin.clock.advance(0)
        self.assertEqual(self.other.take(), b"+PONG\r\n")
        self.assertEqual(self.admin.take(), b"+OK\r\n")

    def test_monitor_is_not_paused_and_can_unpause(self) -> None:
        """A MONITOR client is never paused, so it can run CLIENT UNPAUSE during ALL."""
        self.admin.feed(command(b"MONITOR"))
        pauser = wire(server=self.server)
        pauser.feed(command(b"CLIENT", b"PAUSE", b"100000"))
        self.other.feed(command(b"PING"))
        self.assertEqual(self.admin.feed(command(b"CLIENT", b"UNPAUSE")), b"+OK\r\n")
        self.admin.clock.advance(0)
        self.assertEqual(self.other.take(), b"+PONG\r\n")
        self.assertIn(b'"PING"', self.admin.take())

    def test_pauses_merge(self) -> None:
        """A second pause keeps the more restrictive mode and the later end."""
        self.admin.feed(command(b"CLIENT", b"PAUSE", b"5000", b"ALL"))
        self.server.unpause_clients()
        self.admin.feed(command(b"CLIENT", b"PAUSE", b"5000", b"ALL"))
        # Only a monitor could issue another pause now; drive the server directly.
        self.server.pause_clients(self.server.now_ms + 1000, "write")
        self.assertEqual(self.server.pause_mode, "all")
        self.assertEqual(self.server.pause_end_ms, int(START * 1000) + 5000)

    def test_paused_client_closing_is_forgotten(self) -> None:
        """A postponed client that disconnects leaves the postponed set."""
        self.admin.feed(command(b"CLIENT", b"PAUSE", b"10000", b"WRITE"))
        self.other.feed(command(b"SET", b"k", b"v"))
        self.other.proto.connectionLost()
        self.assertEqual(self.server.postponed, {})
        self.admin.feed(command(b"CLIENT", b"UNPAUSE"))
        self.admin.clock.advance(0)
        self.assertEqual(self.other.take(), b"")
        self.assertEqual(self.admin.feed(command(b"EXISTS", b"k")), b":0\r\n")


class ReplyTests(SynchronousTestCase):
    """CLIENT REPLY ON|OFF|SKIP."""

    def test_sequence_matches_redis(self) -> None:
        """The same pipeline as against redis-server 7.0 gives the same bytes."""
        w = wire()
        requests = [
            (b"CLIENT", b"REPLY", b"OFF"),
            (b"PING",),
            (b"GETX",),
            (b"CLIENT", b"REPLY", b"bad"),
            (b"CLIENT", b"REPLY", b"SKIP"),
            (b"PING", b"1"),
            (b"CLIENT", b"REPLY", b"ON"),
            (b"PING", b"2"),
            (b"CLIENT", b"REPLY", b"SKIP"),
            (b"PING", b"3"),
            (b"PING", b"4"),
            (b"CLIENT", b"REPLY", b"SKIP"),
            (b"CLIENT", b"REPLY", b"SKIP"),
            (b"PING", b"5"),
            (b"PING", b"6"),
            (b"CLIENT", b"REPLY", b"bad"),
            (b"CLIENT", b"REPLY", b"SKIP"),
            (b"CLIENT", b"REPLY", b"ON"),
            (b"PING", b"7"),
            (b"CLIENT", b"REPLY"),
        ]
        self.assertEqual(
            w.feed(b"".join(command(*r) for r in requests)),
            b"+OK\r\n$1\r\n2\r\n$1\r\n4\r\n$1\r\n6\r\n-ERR syntax error\r\n+OK\r\n$1\r\n7\r\n"
            b"-ERR wrong number of arguments for 'client|reply' command\r\n",
        )

    def test_off_across_reads(self) -> None:
        """OFF lasts across reads until ON; the commands still run."""
        w = wire()
        self.assertEqual(w.feed(command(b"CLIENT", b"REPLY", b"OFF")), b"")
        self.assertEqual(w.feed(command(b"SET", b"k", b"v")), b"")
        self.assertEqual(w.feed(command(b"CLIENT", b"REPLY", b"ON")), b"+OK\r\n")
        self.assertEqual(w.feed(command(b"GET", b"k")), b"$1\r\nv\r\n")
        self.assertFalse(w.proto._special)

    def test_quit_while_off_closes_silently(self) -> None:
        """QUIT under OFF closes without a reply."""
        w = wire()
        self.assertEqual(w.feed(command(b"CLIENT", b"REPLY", b"OFF") + command(b"QUIT")), b"")
        self.assertTrue(w.transport.disconnecting)


class PauseExpiryTests(SynchronousTestCase):
    """A pause stops active expiry (cf. ``PAUSE_ACTION_EXPIRE``)."""

    def test_cron_does_not_expire_while_paused(self) -> None:
        """Keys past their deadline stay until the pause ends."""
        w = wire()
        w.feed(command(b"SET", b"k", b"v", b"PX", b"10"))
        w.feed(command(b"CLIENT", b"PAUSE", b"100000", b"WRITE"))
        w.clock.advance(1)
        w.server.cron()
        self.assertEqual(len(w.server.dbs[0]), 1)
        w.server.unpause_clients()
        w.server.cron()
        self.assertEqual(len(w.server.dbs[0]), 0)
