"""Core tests of MULTI/EXEC/DISCARD/WATCH/UNWATCH through ``Server.execute`` (sans-IO clients on a
``task.Clock``), and protocol-level checks that a closed connection leaves no transaction or
watch state behind."""

from __future__ import annotations

from twisted.internet import task
from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core import errors
from pyredisd.core.clients import Client
from pyredisd.core.info import info_text
from pyredisd.core.keyspace import Database, HookedDatabase
from pyredisd.core.replies import NULL_ARRAY, OK, PONG, QUEUED, ErrorReply, Reply, Verbatim
from pyredisd.core.resp import encode
from pyredisd.core.server import Server
from tests.core.test_client_admin import FakePeer
from tests.helpers import config_with, wire
from tests.integration.realredis import command


class TxTestCase(SynchronousTestCase):
    """A server on a ``task.Clock`` and two clients."""

    def setUp(self) -> None:
        self.clock = task.Clock()
        self.clock.advance(1_700_000_000)
        self.server = Server(clock=self.clock)
        self.a = self.server.new_client(FakePeer(), addr="127.0.0.1:5000")
        self.b = self.server.new_client(FakePeer(), addr="127.0.0.1:5001")

    def call(self, client: Client, *args: str | bytes | int) -> Reply:
        argv = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        return self.server.execute(client, argv)

    def info_field(self, client: Client, name: str) -> str:
        reply = self.call(client, "CLIENT", "INFO")
        assert isinstance(reply, Verbatim)
        for field in reply.data.decode().split():
            key, _, value = field.partition("=")
            if key == name:
                return value
        raise AssertionError(name)

    def assert_clean(self) -> None:
        """No transaction or watch state anywhere on the server."""
        self.assertEqual(self.server.in_multi, {})
        for db in self.server.dbs:
            self.assertEqual(db.watched, {})
            self.assertIs(type(db), Database)  # writes pay nothing for WATCH again
        for client in self.server.clients:
            self.assertIsNone(client.multi)
            self.assertEqual(client.watched, {})
            self.assertFalse(client.dirty_cas or client.dirty_exec)
        self.assertFalse(self.server._hooked)

    def exec_aborted_by(self, *touch: str | int, watcher_setup: tuple[str, ...] = ()) -> Reply:
        """WATCH k on client a, let client b run ``touch``, then MULTI/PING/EXEC on a."""
        for request in watcher_setup:
            self.call(self.a, *request.split())
        self.assertEqual(self.call(self.a, "WATCH", "k"), OK)
        self.call(self.b, *touch)
        self.assertEqual(self.call(self.a, "MULTI"), OK)
        self.assertEqual(self.call(self.a, "PING"), QUEUED)
        return self.call(self.a, "EXEC")


class MultiExecTests(TxTestCase):
    def test_queue_and_exec(self) -> None:
        self.assertEqual(self.call(self.a, "MULTI"), OK)
        self.assertTrue(self.server._hooked)
        self.assertEqual(self.call(self.a, "SET", "k", "v"), QUEUED)
        self.assertEqual(self.call(self.a, "GET", "k"), QUEUED)
        self.assertIsNone(self.call(self.b, "GET", "k"))  # not run yet
        reply = self.call(self.a, "EXEC")
        self.assertEqual(reply, [OK, b"v"])
        self.assert_clean()
        self.assertEqual(self.server.commands.get(b"set").calls, 1)  # type: ignore[union-attr]

    def test_empty_exec(self) -> None:
        self.call(self.a, "MULTI")
        self.assertEqual(self.call(self.a, "EXEC"), [])

    def test_errors_outside_multi(self) -> None:
        self.assertEqual(self.call(self.a, "EXEC"), ErrorReply(errors.EXEC_WITHOUT_MULTI))
        self.assertEqual(self.call(self.a, "DISCARD"), ErrorReply(errors.DISCARD_WITHOUT_MULTI))
        self.assertEqual(self.call(self.a, "UNWATCH"), OK)

    def test_nested_multi_and_watch_inside_do_not_doom(self) -> None:
        self.call(self.a, "MULTI")
        self.assertEqual(self.call(self.a, "MULTI"), ErrorReply(errors.MULTI_NESTED))
        self.assertEqual(self.call(self.a, "WATCH", "k"), ErrorReply(errors.WATCH_INSIDE_MULTI))
        self.call(self.a, "SET", "k", "1")
        self.assertEqual(self.call(self.a, "EXEC"), [OK])

    def test_rejections_while_queuing_abort(self) -> None:
        for bad in (("NOPE",), ("GET",), ("SHUTDOWN",), ("CLIENT", "NOSUCH")):
            self.call(self.a, "MULTI")
            self.assertEqual(self.call(self.a, "SET", "k", "1"), QUEUED)
            reply = self.call(self.a, *bad)
            self.assertIsInstance(reply, ErrorReply)
            self.assertEqual(self.call(self.a, "EXEC"), ErrorReply(errors.EXECABORT), bad)
            self.assertIsNone(self.call(self.a, "GET", "k"))
            self.assert_clean()
        self.assertEqual(self.server.stats.errors["EXECABORT"], 4)

    def test_no_multi_message(self) -> None:
        self.call(self.a, "MULTI")
        self.assertEqual(self.call(self.a, "SHUTDOWN"), ErrorReply(errors.NOT_IN_TRANSACTION))

    def test_noauth_while_queuing(self) -> None:
        server = Server(config_with(requirepass="pw"), clock=self.clock)
        client = server.new_client(FakePeer())
        server.execute(client, [b"AUTH", b"pw"])
        server.execute(client, [b"MULTI"])
        client.authenticated = False  # as if ACL changed under it
        self.assertEqual(server.execute(client, [b"GET", b"k"]), ErrorReply(errors.NOAUTH))
        client.authenticated = True
        self.assertEqual(server.execute(client, [b"EXEC"]), ErrorReply(errors.EXECABORT))

    def test_exec_wrong_arity_aborts_at_once(self) -> None:
        self.call(self.a, "MULTI")
        self.call(self.a, "SET", "k", "1")
        self.assertEqual(
            self.call(self.a, "EXEC", "x"),
            ErrorReply(
                "EXECABORT Transaction discarded because of: "
                "wrong number of arguments for 'exec' command"
            ),
        )
        self.assert_clean()
        self.assertEqual(self.call(self.a, "EXEC"), ErrorReply(errors.EXEC_WITHOUT_MULTI))

    def test_discard_wrong_arity_dooms(self) -> None:
        self.call(self.a, "MULTI")
        self.assertIsInstance(self.call(self.a, "DISCARD", "x"), ErrorReply)
        self.assertEqual(self.call(self.a, "EXEC"), ErrorReply(errors.EXECABORT))

    def test_runtime_errors_inside_exec(self) -> None:
        self.call(self.a, "SET", "s", "x")
        self.call(self.a, "MULTI")
        for request in (("INCR", "s"), ("SET", "a", "1"), ("LPUSH", "s", "1")):
            self.assertEqual(self.call(self.a, *request), QUEUED)
        self.assertEqual(
            self.call(self.a, "EXEC"),
            [ErrorReply(errors.NOT_INTEGER), OK, ErrorReply(errors.WRONGTYPE)],
        )
        self.assertEqual(self.call(self.a, "GET", "a"), b"1")
        incr = self.server.commands.get(b"incr")
        assert incr is not None
        self.assertEqual((incr.calls, incr.failed_calls), (1, 1))

    def test_discard(self) -> None:
        self.call(self.a, "WATCH", "k")
        self.call(self.a, "MULTI")
        self.call(self.a, "SET", "k", "1")
        self.assertEqual(self.call(self.a, "DISCARD"), OK)
        self.assertIsNone(self.call(self.a, "GET", "k"))
        self.assert_clean()

    def test_quit_and_reset_are_not_queued(self) -> None:
        self.call(self.a, "WATCH", "k")
        self.call(self.a, "MULTI")
        self.call(self.a, "SET", "k", "1")
        self.assertEqual(self.call(self.a, "RESET").text, "RESET")  # type: ignore[union-attr]
        self.assert_clean()
        self.call(self.a, "MULTI")
        self.assertEqual(self.call(self.a, "QUIT"), OK)
        self.assertTrue(self.a.close_after_reply)

    def test_unwatch_is_queued(self) -> None:
        self.call(self.a, "MULTI")
        self.assertEqual(self.call(self.a, "UNWATCH"), QUEUED)
        self.assertEqual(self.call(self.a, "EXEC"), [OK])

    def test_monitor_inside_exec(self) -> None:
        self.call(self.a, "MULTI")
        self.call(self.a, "MONITOR")
        self.assertEqual(self.call(self.a, "EXEC"), [ErrorReply(errors.MONITOR_DENY_BLOCKING)])
        self.assertFalse(self.a.monitor)

    def test_select_inside_exec(self) -> None:
        self.call(self.a, "MULTI")
        self.call(self.a, "SELECT", "1")
        self.call(self.a, "SET", "x", "1")
        self.call(self.a, "EXEC")
        self.assertEqual(self.a.db.id, 1)
        self.assertEqual(self.server.dbs[1].data, {b"x": b"1"})

    def test_client_info_fields(self) -> None:
        self.assertEqual(self.info_field(self.a, "multi"), "-1")
        self.call(self.a, "WATCH", "k", "k", "j")
        self.assertEqual(self.info_field(self.a, "watch"), "2")
        self.call(self.a, "MULTI")
        self.call(self.a, "SET", "k", "xyz")
        self.assertEqual(self.a.flags(), "x")
        self.assertEqual(self.a.multi_mem, 7)
        self.call(self.a, "CLIENT", "INFO")
        reply = self.call(self.a, "EXEC")
        assert isinstance(reply, list)
        line = reply[1]
        assert isinstance(line, Verbatim)
        self.assertIn(b" flags=x ", line.data)
        self.assertIn(b" multi=2 watch=0 ", line.data)  # EXEC unwatched before running
        self.assertIn(b" multi-mem=", line.data)
        self.assertEqual(self.info_field(self.a, "multi"), "-1")
        self.assertEqual(self.info_field(self.a, "multi-mem"), "0")

    def test_dirty_flag_and_info(self) -> None:
        self.call(self.a, "WATCH", "k", "j")
        self.call(self.b, "WATCH", "k")
        info = info_text(self.server, ["clients"])
        self.assertIn("watching_clients:2\r\n", info)
        self.assertIn("total_watched_keys:2\r\n", info)
        self.call(self.b, "SET", "k", "1")
        self.assertEqual(self.a.flags(), "d")
        self.assertEqual(self.info_field(self.a, "watch"), "0")  # dirty: nothing left to watch
        info = info_text(self.server, ["clients"])
        self.assertIn("watching_clients:0\r\n", info)
        self.assertIn("total_watched_keys:0\r\n", info)
        self.call(self.a, "WATCH", "other")  # pointless once dirty
        self.assertEqual(self.a.watched, {})
        self.call(self.a, "MULTI")
        self.assertEqual(self.a.flags(), "xd")
        self.assertIs(self.call(self.a, "EXEC"), NULL_ARRAY)
        self.assertTrue(self.b.dirty_cas)  # its own write
        self.call(self.b, "UNWATCH")
        self.assert_clean()

    def test_unwatch_clears_dirty(self) -> None:
        self.call(self.a, "WATCH", "k")
        self.call(self.a, "SET", "k", "1")
        self.assertEqual(self.call(self.a, "UNWATCH"), OK)
        self.call(self.a, "MULTI")
        self.assertEqual(self.call(self.a, "EXEC"), [])

    def test_null_array_wire_formats(self) -> None:
        self.assertEqual(encode(NULL_ARRAY, 2), b"*-1\r\n")
        self.assertEqual(encode(NULL_ARRAY, 3), b"_\r\n")

    def test_pause_write_postpones_queued_writes_and_exec(self) -> None:
        self.call(self.a, "MULTI")
        self.assertEqual(self.call(self.a, "GET", "k"), QUEUED)
        self.call(self.b, "CLIENT", "PAUSE", "100000", "WRITE")
        self.assertIsNot(self.call(self.a, "SET", "k", "v"), QUEUED)  # postponed
        self.assertTrue(self.a.paused)
        self.call(self.b, "CLIENT", "UNPAUSE")
        self.assertEqual(self.call(self.a, "SET", "k", "v"), QUEUED)
        self.call(self.b, "CLIENT", "PAUSE", "100000", "WRITE")
        self.assertIsNot(self.call(self.a, "EXEC"), QUEUED)
        self.assertTrue(self.a.paused)
        self.call(self.b, "CLIENT", "UNPAUSE")
        self.assertEqual(self.call(self.a, "EXEC"), [None, OK])

    def test_monitor_sees_commands_at_exec(self) -> None:
        monitor = self.b
        peer = monitor.peer
        assert isinstance(peer, FakePeer)
        self.call(monitor, "MONITOR")
        self.call(self.a, "MULTI")
        self.call(self.a, "SET", "k", "v")
        self.assertEqual(len(peer.pushed), 1)  # MULTI only; queuing is not shown
        self.call(self.a, "EXEC")
        self.assertEqual(
            [line.split(b"] ")[1] for line in peer.pushed[1:]],
            [
                b'"SET" "k" "v"\r\n',
                b'"EXEC"\r\n',
            ],
        )


class WatchTests(TxTestCase):
    def test_unmodified(self) -> None:
        self.call(self.a, "SET", "k", "1")
        self.assertEqual(self.exec_aborted_by("GET", "k"), [PONG])
        self.assert_clean()

    def test_write_kinds_abort(self) -> None:
        touches: list[tuple[tuple[str | int, ...], tuple[str, ...]]] = [
            (("SET", "k", "2"), ()),
            (("SET", "k", "1"), ("SET k 1",)),  # same value still counts
            (("DEL", "k"), ("SET k 1",)),
            (("INCR", "k"), ()),
            (("LPUSH", "k", "x"), ("LPUSH k a",)),
            (("HSET", "k", "f", "v"), ("HSET k g w",)),
            (("EXPIRE", "k", "100"), ("SET k 1",)),
            (("PERSIST", "k"), ("SET k 1 EX 100",)),
            (("RENAME", "k", "other"), ("SET k 1",)),
            (("RENAME", "other", "k"), ("SET other 1",)),
            (("FLUSHDB",), ("SET k 1",)),
            (("FLUSHALL",), ("SET k 1",)),
            (("SWAPDB", 0, 1), ("SET k 1",)),
            (("MOVE", "k", 1), ("SET k 1",)),
            (("APPEND", "k", "x"), ()),
        ]
        for touch, setup in touches:
            with self.subTest(touch=touch):
                self.call(self.a, "FLUSHALL")
                self.call(self.a, "UNWATCH")
                self.assertIs(self.exec_aborted_by(*touch, watcher_setup=setup), NULL_ARRAY)
                self.assert_clean()

    def test_no_change_no_abort(self) -> None:
        touches: list[tuple[tuple[str | int, ...], tuple[str, ...]]] = [
            (("DEL", "k"), ()),
            (("SETNX", "k", "2"), ("SET k 1",)),
            (("PERSIST", "k"), ("SET k 1",)),
            (("FLUSHDB",), ()),
            (("SWAPDB", 0, 1), ()),
            (("SET", "k", "2"), ("SELECT 1",)),  # other db
        ]
        for touch, setup in touches:
            with self.subTest(touch=touch):
                self.call(self.a, "FLUSHALL")
                self.call(self.a, "SELECT", "0")
                self.assertEqual(self.exec_aborted_by(*touch, watcher_setup=setup), [PONG])
                self.assert_clean()

    def test_swapdb_brings_key(self) -> None:
        self.server.dbs[1].set(b"k", b"1")
        self.assertIs(self.exec_aborted_by("SWAPDB", 1, 0), NULL_ARRAY)

    def test_own_write_aborts(self) -> None:
        self.call(self.a, "WATCH", "k")
        self.call(self.a, "SET", "k", "1")
        self.call(self.a, "MULTI")
        self.call(self.a, "GET", "k")
        self.assertIs(self.call(self.a, "EXEC"), NULL_ARRAY)

    def test_exec_writes_do_not_abort_others_before(self) -> None:
        # b's transaction writes k: a, watching k, is dirty afterwards.
        self.call(self.a, "WATCH", "k")
        self.call(self.b, "MULTI")
        self.call(self.b, "SET", "k", "1")
        self.assertFalse(self.a.dirty_cas)
        self.call(self.b, "EXEC")
        self.assertTrue(self.a.dirty_cas)

    def test_expired_at_exec(self) -> None:
        self.call(self.b, "SET", "k", "1", "PX", "500")
        self.call(self.a, "WATCH", "k")
        self.call(self.a, "MULTI")
        self.call(self.a, "PING")
        self.clock.advance(1)  # nobody looked: the key is still stored, but expired
        self.assertIn(b"k", self.server.dbs[0].data)
        self.assertIs(self.call(self.a, "EXEC"), NULL_ARRAY)
        self.assert_clean()

    def test_lazy_expiry_touches(self) -> None:
        self.call(self.b, "SET", "k", "1", "PX", "500")
        self.call(self.a, "WATCH", "k")
        self.clock.advance(1)
        self.assertIsNone(self.call(self.b, "GET", "k"))  # deletes it
        self.assertTrue(self.a.dirty_cas)

    def test_active_expiry_touches(self) -> None:
        self.call(self.b, "SET", "k", "1", "PX", "500")
        self.call(self.a, "WATCH", "k")
        self.clock.advance(1)
        self.server.cron()
        self.assertNotIn(b"k", self.server.dbs[0].data)
        self.assertTrue(self.a.dirty_cas)

    def test_already_expired_when_watched(self) -> None:
        self.call(self.b, "SET", "k", "1", "PX", "500")
        self.clock.advance(1)
        self.server.now_ms = int(self.clock.seconds() * 1000)
        self.call(self.a, "WATCH", "k")  # logically absent
        self.call(self.b, "GET", "k")  # its deletion is no change
        self.assertFalse(self.a.dirty_cas)
        self.call(self.a, "MULTI")
        self.assertEqual(self.call(self.a, "EXEC"), [])
        # ... but giving it a value is.
        self.call(self.b, "SET", "k", "1", "PX", "500")
        self.clock.advance(1)
        self.server.now_ms = int(self.clock.seconds() * 1000)
        self.call(self.a, "WATCH", "k")
        self.call(self.b, "SET", "k", "2")
        self.assertTrue(self.a.dirty_cas)

    def test_already_expired_flushed_is_no_change(self) -> None:
        self.call(self.b, "SET", "k", "1", "PX", "500")
        self.clock.advance(1)
        self.call(self.a, "WATCH", "k")
        self.call(self.b, "FLUSHDB")
        self.call(self.a, "MULTI")
        self.assertEqual(self.call(self.a, "EXEC"), [])

    def test_watched_database_class(self) -> None:
        db = self.server.dbs[0]
        self.call(self.a, "WATCH", "k")
        self.call(self.b, "WATCH", "k", "j")
        self.assertIs(type(db), HookedDatabase)
        self.call(self.a, "UNWATCH")
        self.assertIs(type(db), HookedDatabase)
        self.call(self.b, "UNWATCH")
        self.assertIs(type(db), Database)
        self.assertIs(type(self.server.dbs[1]), Database)

    def test_watch_uses_selected_db(self) -> None:
        self.call(self.a, "SELECT", "2")
        self.call(self.a, "WATCH", "k")
        self.assertIn(b"k", self.server.dbs[2].watched)
        self.call(self.b, "SET", "k", "1")
        self.assertFalse(self.a.dirty_cas)
        self.call(self.b, "SELECT", "2")
        self.call(self.b, "SET", "k", "1")
        self.assertTrue(self.a.dirty_cas)


class CleanupTests(TxTestCase):
    def test_detach_drops_everything(self) -> None:
        self.call(self.a, "WATCH", "k", "j")
        self.call(self.b, "WATCH", "k")
        self.call(self.a, "MULTI")
        self.call(self.a, "SET", "k", "1")
        self.server.detach(self.a)
        self.server.detach(self.b)
        self.assert_clean()

    def test_reset_outside_multi_unwatches(self) -> None:
        self.call(self.a, "WATCH", "k")
        self.call(self.b, "SET", "k", "1")
        self.call(self.a, "RESET")
        self.assert_clean()


class ProtocolCleanupTests(SynchronousTestCase):
    def _wired_in_tx(self) -> tuple[Server, object]:
        w = wire()
        out = w.feed(command("WATCH", "k", "j") + command("MULTI") + command("SET", "k", "1"))
        self.assertEqual(out, b"+OK\r\n+OK\r\n+QUEUED\r\n")
        self.assertEqual(len(w.server.in_multi), 1)
        return w.server, w

    def assert_clean(self, server: Server) -> None:
        self.assertEqual(len(server.clients), 0)
        self.assertEqual(server.in_multi, {})
        self.assertEqual([db.watched for db in server.dbs], [{}] * len(server.dbs))
        self.assertFalse(server._hooked)

    def test_quit(self) -> None:
        server, w = self._wired_in_tx()
        self.assertEqual(w.feed(command("QUIT")), b"+OK\r\n")  # type: ignore[attr-defined]
        w.proto.connectionLost()  # type: ignore[attr-defined]
        self.assert_clean(server)

    def test_connection_lost(self) -> None:
        server, w = self._wired_in_tx()
        w.proto.connectionLost()  # type: ignore[attr-defined]
        self.assert_clean(server)

    def test_client_kill(self) -> None:
        server, w = self._wired_in_tx()
        other = wire(server=server)
        client = w.proto.client  # type: ignore[attr-defined]
        reply = other.feed(command("CLIENT", "KILL", "ID", client.id))
        self.assertEqual(reply, b":1\r\n")
        w.proto.connectionLost()  # type: ignore[attr-defined]
        other.proto.connectionLost()
        self.assert_clean(server)

    def test_resp3_null_and_queued_wire(self) -> None:
        w = wire()
        w.feed(command("HELLO", "3"))
        other = wire(server=w.server)
        out = w.feed(command("WATCH", "k") + command("MULTI") + command("GET", "k"))
        self.assertEqual(out, b"+OK\r\n+OK\r\n+QUEUED\r\n")
        other.feed(command("SET", "k", "1"))
        self.assertEqual(w.feed(command("EXEC")), b"_\r\n")
        out = w.feed(command("MULTI") + command("GET", "k") + command("EXEC"))
        self.assertEqual(out, b"+OK\r\n+QUEUED\r\n*1\r\n$1\r\n1\r\n")
