"""Core tests of the blocking commands and their mechanism (:mod:`pyredisd.core.blocking`):
``Server.execute`` with clients whose peer records what it is handed, on a ``task.Clock``."""

from __future__ import annotations

from twisted.internet import task
from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core import errors
from pyredisd.core.blocking import BLOCKED, parse_timeout
from pyredisd.core.clients import Client
from pyredisd.core.config import Config
from pyredisd.core.errors import CommandError
from pyredisd.core.keyspace import Database, HookedDatabase
from pyredisd.core.replies import NULL_ARRAY, ErrorReply, Reply
from pyredisd.core.resp import encode
from pyredisd.core.server import Server

START = 1_700_000_000.5
NOW_MS = 1_700_000_000_500
LLONG_MAX = (1 << 63) - 1


class RecordingPeer:
    """A Peer that keeps the replies of unblocked commands."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []

    def close(self) -> None:
        return None

    def abort(self) -> None:
        return None

    def push(self, data: bytes) -> None:
        return None

    def refresh(self) -> None:
        return None

    def unblocked(self, reply: Reply) -> None:
        self.replies.append(reply)

    def drop(self, reason: str) -> None:
        return None


class ParseTimeoutTests(SynchronousTestCase):
    """``getTimeoutFromObjectOrReply`` in seconds, as Redis 7.4."""

    def test_deadlines(self) -> None:
        """Seconds become an absolute deadline in ms, rounded up; 0 (however written) waits
        forever, as does a negative value that rounds up to 0 ms."""
        cases = [
            (b"0", 0),
            (b"-0", 0),
            (b"0.0", 0),
            (b"-0.0001", 0),
            (b"-0.001", 0),  # -0.99999... ms in long double, rounded up
            (b"1", NOW_MS + 1000),
            (b"0.1", NOW_MS + 100),
            (b"0.0001", NOW_MS + 1),
            (b"1.0001", NOW_MS + 1001),
            (b"1e-400", NOW_MS + 1),
            (b"0x10", NOW_MS + 16000),
            (b"2.5e1", NOW_MS + 25000),
        ]
        for arg, deadline in cases:
            with self.subTest(arg=arg):
                self.assertEqual(parse_timeout(arg, NOW_MS), deadline)

    def test_errors(self) -> None:
        """Not a float; negative (-inf too); out of range (inf, past LLONG_MAX ms, or a deadline
        that would overflow)."""
        cases = [
            (b"x", errors.TIMEOUT_NOT_FLOAT),
            (b"", errors.TIMEOUT_NOT_FLOAT),
            (b" 1", errors.TIMEOUT_NOT_FLOAT),
            (b"1 ", errors.TIMEOUT_NOT_FLOAT),
            (b"nan", errors.TIMEOUT_NOT_FLOAT),
            (b"1e99999", errors.TIMEOUT_NOT_FLOAT),
            (b"-1", errors.TIMEOUT_NEGATIVE),
            (b"-0.5", errors.TIMEOUT_NEGATIVE),
            (b"-inf", errors.TIMEOUT_NEGATIVE),
            (b"-1e4000", errors.TIMEOUT_NEGATIVE),
            (b"inf", errors.TIMEOUT_OUT_OF_RANGE),
            (b"1e20", errors.TIMEOUT_OUT_OF_RANGE),
            (b"1e4000", errors.TIMEOUT_OUT_OF_RANGE),
            (b"9223372036854775807", errors.TIMEOUT_OUT_OF_RANGE),
            (b"9223372036854775.807", errors.TIMEOUT_OUT_OF_RANGE),
        ]
        for arg, message in cases:
            with self.subTest(arg=arg):
                with self.assertRaises(CommandError) as caught:
                    parse_timeout(arg, NOW_MS)
                self.assertEqual(caught.exception.message, message)

    def test_overflow_depends_on_now(self) -> None:
        """The largest timeout allowed is LLONG_MAX - now ms."""
        self.assertEqual(parse_timeout(b"9223372036854775.807", 0), LLONG_MAX)
        with self.assertRaises(CommandError):
            parse_timeout(b"9223372036854775.807", 1)


class BlockingTestCase(SynchronousTestCase):
    """A server on a ``task.Clock`` and clients with recording peers."""

    def setUp(self) -> None:
        self.clock = task.Clock()
        self.clock.advance(START)
        self.server = Server(Config.defaults(), clock=self.clock)
        self.admin = self.server.new_client()

    def client(self) -> tuple[Client, RecordingPeer]:
        peer = RecordingPeer()
        return self.server.new_client(peer), peer

    def call(self, client: Client, *args: bytes | str | int) -> Reply:
        argv = [arg if isinstance(arg, bytes) else str(arg).encode() for arg in args]
        return self.server.execute(client, argv)

    def assertNothingBlocked(self) -> None:
        """No trace of any wait: queues, clients, timers, hooks, flags."""
        blocking = self.server.blocking
        self.assertEqual(blocking.clients, {})
        self.assertTrue(all(not keys for keys in blocking.waiting))
        self.assertEqual((blocking.ready, blocking.pending), ([], set()))
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.assertTrue(all(type(db) is Database for db in self.server.dbs))
        self.assertTrue(all(not c.blocked and c.unblock is None for c in self.server.clients))


class ImmediateTests(BlockingTestCase):
    """With something to pop, each command answers at once like its non-blocking form."""

    def test_lists(self) -> None:
        """The first non-empty key in argument order; replies as LPOP/RPOP/LMOVE/LMPOP."""
        c = self.admin
        self.call(c, "RPUSH", "b", "1", "2", "3", "4")
        self.assertEqual(self.call(c, "BLPOP", "a", "b", "0"), [b"b", b"1"])
        self.assertEqual(self.call(c, "BRPOP", "a", "b", "0"), [b"b", b"4"])
        self.assertEqual(self.call(c, "BLMOVE", "b", "d", "LEFT", "RIGHT", "0"), b"2")
        self.assertEqual(self.call(c, "BRPOPLPUSH", "b", "d", "0"), b"3")
        self.assertEqual(self.call(c, "LRANGE", "d", "0", "-1"), [b"3", b"2"])
        self.assertEqual(self.call(c, "EXISTS", "b"), 0)
        self.assertEqual(
            self.call(c, "BLMPOP", "0", "2", "b", "d", "RIGHT", "COUNT", "5"), [b"d", [b"2", b"3"]]
        )
        self.assertNothingBlocked()

    def test_sorted_sets(self) -> None:
        """``[key, member, score]`` for BZPOPMIN/MAX, ZMPOP's shape for BZMPOP."""
        c = self.admin
        self.call(c, "ZADD", "z", "1", "a", "2", "b", "3", "c")
        self.assertEqual(
            encode(self.call(c, "BZPOPMIN", "y", "z", "0"), 3),
            b"*3\r\n$1\r\nz\r\n$1\r\na\r\n,1\r\n",
        )
        self.assertEqual(
            encode(self.call(c, "BZPOPMAX", "z", "0"), 2), encode([b"z", b"c", b"3"], 2)
        )
        self.assertEqual(
            encode(self.call(c, "BZMPOP", "0", "1", "z", "MIN", "COUNT", "9"), 2),
            encode([b"z", [[b"b", b"2"]]], 2),
        )
        self.assertNothingBlocked()

    def test_wrong_type(self) -> None:
        """A key of another type before any non-empty one is WRONGTYPE; after one, unseen."""
        c = self.admin
        self.call(c, "SET", "s", "x")
        self.call(c, "RPUSH", "l", "1", "2")
        self.call(c, "ZADD", "z", "1", "m")
        wrong = ErrorReply(errors.WRONGTYPE)
        self.assertEqual(self.call(c, "BLPOP", "s", "l", "0"), wrong)
        self.assertEqual(self.call(c, "BLPOP", "l", "s", "0"), [b"l", b"1"])
        self.assertEqual(self.call(c, "BZPOPMIN", "l", "0"), wrong)
        self.assertEqual(self.call(c, "BZMPOP", "0", "2", "l", "z", "MIN"), wrong)
        self.assertEqual(self.call(c, "BLMPOP", "0", "2", "z", "l", "LEFT"), wrong)
        self.assertEqual(self.call(c, "BLMOVE", "l", "s", "LEFT", "LEFT", "0"), wrong)
        self.assertEqual(self.call(c, "LRANGE", "l", "0", "-1"), [b"2"])

    def test_argument_errors_in_redis_order(self) -> None:
        """BLMOVE checks its sides before the timeout; BLMPOP/BZMPOP numkeys, side and COUNT
        before the timeout; the rest the timeout first."""
        c = self.admin
        self.call(c, "SET", "s", "x")
        cases: list[tuple[tuple[str, ...], str]] = [
            (("BLPOP", "s", "x"), errors.TIMEOUT_NOT_FLOAT),
            (("BZPOPMIN", "s", "-1"), errors.TIMEOUT_NEGATIVE),
            (("BLMOVE", "a", "b", "UP", "LEFT", "x"), errors.SYNTAX),
            (("BLMOVE", "a", "b", "LEFT", "LEFT", "x"), errors.TIMEOUT_NOT_FLOAT),
            (("BRPOPLPUSH", "a", "b", "inf"), errors.TIMEOUT_OUT_OF_RANGE),
            (("BLMPOP", "x", "0", "a", "LEFT"), errors.NUMKEYS_NOT_POSITIVE),
            (("BLMPOP", "x", "2", "a", "LEFT"), errors.SYNTAX),
            (("BLMPOP", "x", "1", "a", "UP"), errors.SYNTAX),
            (("BLMPOP", "x", "1", "a", "LEFT", "COUNT", "0"), errors.COUNT_NOT_POSITIVE),
            (("BLMPOP", "x", "1", "a", "LEFT", "COUNT", "1", "COUNT", "1"), errors.SYNTAX),
            (("BLMPOP", "x", "1", "a", "LEFT"), errors.TIMEOUT_NOT_FLOAT),
            (("BZMPOP", "x", "1", "a", "LEFT"), errors.SYNTAX),
            (("BZMPOP", "x", "1", "a", "MAX", "COUNT"), errors.SYNTAX),
            (("BZMPOP", "x", "1", "a", "MAX"), errors.TIMEOUT_NOT_FLOAT),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                self.assertEqual(self.call(c, *args), ErrorReply(message))
        self.assertNothingBlocked()

    def test_in_multi_nothing_blocks(self) -> None:
        """Inside MULTI/EXEC each answers as a timeout at once, even with timeout 0 (a null bulk
        string for BLMOVE and BRPOPLPUSH)."""
        c = self.admin
        self.call(c, "MULTI")
        for args in (
            ("BLPOP", "a", "0"),
            ("BRPOP", "a", "0"),
            ("BLMOVE", "a", "b", "LEFT", "LEFT", "0"),
            ("BRPOPLPUSH", "a", "b", "0"),
            ("BLMPOP", "0", "1", "a", "LEFT"),
            ("BZPOPMIN", "a", "0"),
            ("BZPOPMAX", "a", "0"),
            ("BZMPOP", "0", "1", "a", "MIN"),
        ):
            self.call(c, *args)
        null = NULL_ARRAY
        self.assertEqual(self.call(c, "EXEC"), [null, null, None, None, null, null, null, null])
        self.assertNothingBlocked()


class WaitTests(BlockingTestCase):
    """Blocking, serving, timing out, unblocking and forgetting."""

    def test_block_then_served_by_a_push(self) -> None:
        """The client waits (flag b, INFO counts) until a push; its command runs again then."""
        c, peer = self.client()
        self.assertIs(self.call(c, "BLPOP", "k", "k2", "k", "0"), BLOCKED)
        self.assertTrue(c.blocked)
        self.assertIn("flags=b ", c.info_line(START))
        self.assertIs(type(self.server.dbs[0]), HookedDatabase)
        self.assertEqual(self.server.blocking.blocking_keys(), 2)
        self.assertEqual(self.server.blocking.in_timeout_table(), 0)
        blpop = self.server.commands.commands[b"blpop"]
        self.assertEqual((blpop.calls, c.tot_cmds), (0, 0))
        self.assertEqual(self.call(self.admin, "RPUSH", "k2", "x", "y"), 2)
        self.assertEqual(peer.replies, [[b"k2", b"x"]])
        self.assertEqual((blpop.calls, c.tot_cmds), (1, 1))
        self.assertEqual(self.call(self.admin, "LRANGE", "k2", "0", "-1"), [b"y"])
        self.assertNothingBlocked()

    def test_fifo_per_key(self) -> None:
        """Clients waiting on a key are served in the order they blocked."""
        waiters = [self.client() for _ in range(3)]
        for c, _ in waiters:
            self.call(c, "BRPOP", "k", "0")
        self.call(self.admin, "RPUSH", "k", "a", "b")
        self.assertEqual([p.replies for _, p in waiters], [[[b"k", b"b"]], [[b"k", b"a"]], []])
        self.call(self.admin, "LPUSH", "k", "c")
        self.assertEqual(waiters[2][1].replies, [[b"k", b"c"]])
        self.assertNothingBlocked()

    def test_timeout_fires_past_the_deadline(self) -> None:
        """A null array once the deadline in ms has passed, not before; counted once."""
        c, peer = self.client()
        self.call(c, "BZPOPMIN", "z", "0.25")
        self.assertEqual(self.server.blocking.in_timeout_table(), 1)
        self.clock.advance(0.25)
        self.assertEqual(peer.replies, [])
        self.clock.advance(0.0011)
        self.assertEqual(peer.replies, [NULL_ARRAY])
        self.assertEqual(self.server.commands.commands[b"bzpopmin"].calls, 1)
        self.assertNothingBlocked()

    def test_unblock_timeout_and_error(self) -> None:
        """CLIENT UNBLOCK answers 1 and sends a null array, or the -UNBLOCKED error (counted
        as a failed call and in errorstats); 0 for a client that is not blocked."""
        c, peer = self.client()
        self.call(c, "BLPOP", "k", "0")
        self.assertEqual(self.call(self.admin, "CLIENT", "UNBLOCK", c.id), 1)
        self.call(c, "BLMPOP", "0", "1", "k", "LEFT")
        self.assertEqual(self.call(self.admin, "CLIENT", "UNBLOCK", c.id, "ERROR"), 1)
        self.assertEqual(peer.replies, [NULL_ARRAY, ErrorReply(errors.UNBLOCKED)])
        self.assertEqual(self.call(self.admin, "CLIENT", "UNBLOCK", c.id), 0)
        blmpop = self.server.commands.commands[b"blmpop"]
        self.assertEqual((blmpop.calls, blmpop.failed_calls), (1, 1))
        self.assertEqual(self.server.stats.errors.get("UNBLOCKED"), 1)
        self.assertNothingBlocked()

    def test_detach_forgets_everything(self) -> None:
        """A blocked client that goes away leaves nothing behind; a later push is kept."""
        c, peer = self.client()
        self.call(c, "BLMOVE", "a", "b", "LEFT", "LEFT", "5")
        self.server.detach(c)
        self.assertNothingBlocked()
        self.call(self.admin, "RPUSH", "a", "x")
        self.assertEqual(self.call(self.admin, "LLEN", "a"), 1)
        self.assertEqual(peer.replies, [])

    def test_wrong_type_leaves_waiters_blocked(self) -> None:
        """A key created with another type serves nobody; once it is a list, the wait ends."""
        c, peer = self.client()
        self.call(c, "BLPOP", "k", "0")
        self.call(self.admin, "ZADD", "k", "1", "m")
        self.assertTrue(c.blocked)
        self.call(self.admin, "DEL", "k")
        self.call(self.admin, "RPUSH", "k", "v")
        self.assertEqual(peer.replies, [[b"k", b"v"]])

    def test_zset_and_list_waiters_on_one_key(self) -> None:
        """Only the waiters whose type matches are served; the others keep their place."""
        zc, zpeer = self.client()
        lc, lpeer = self.client()
        self.call(zc, "BZPOPMAX", "k", "0")
        self.call(lc, "BLPOP", "k", "0")
        self.call(self.admin, "RPUSH", "k", "v")
        self.assertEqual((zpeer.replies, lpeer.replies), ([], [[b"k", b"v"]]))
        self.call(self.admin, "ZADD", "k", "5", "m")
        self.assertEqual(encode(zpeer.replies, 2), encode([[b"k", b"m", b"5"]], 2))

    def test_served_client_rereads_its_keys_in_order(self) -> None:
        """Redis 7.4 runs the command again: after an EXEC that fills k2 then k1, a client
        waiting on ``k1 k2`` is served from k1 (Redis 7.0 served the key that became ready)."""
        c, peer = self.client()
        self.call(c, "BLPOP", "k1", "k2", "0")
        self.call(self.admin, "MULTI")
        self.call(self.admin, "RPUSH", "k2", "a")
        self.call(self.admin, "RPUSH", "k1", "b")
        self.assertEqual(peer.replies, [])  # nothing is served inside EXEC
        self.call(self.admin, "EXEC")
        self.assertEqual(peer.replies, [[b"k1", b"b"]])

    def test_served_after_exec_as_a_whole(self) -> None:
        """Pushes and pops inside one EXEC: the waiter sees the state after it."""
        c, peer = self.client()
        self.call(c, "BLPOP", "k", "0")
        self.call(self.admin, "MULTI")
        self.call(self.admin, "RPUSH", "k", "a", "b")
        self.call(self.admin, "LPOP", "k")
        self.call(self.admin, "EXEC")
        self.assertEqual(peer.replies, [[b"k", b"b"]])
        self.assertEqual(self.call(self.admin, "EXISTS", "k"), 0)

    def test_blmove_chain(self) -> None:
        """A served BLMOVE pushes into a key another client waits on: served in the same pass;
        a BLMOVE whose destination has the wrong type gets WRONGTYPE and the element stays."""
        mover, mover_peer = self.client()
        popper, popper_peer = self.client()
        self.call(mover, "BLMOVE", "src", "mid", "RIGHT", "LEFT", "0")
        self.call(popper, "BLPOP", "mid", "0")
        self.call(self.admin, "RPUSH", "src", "v")
        self.assertEqual(mover_peer.replies, [b"v"])
        self.assertEqual(popper_peer.replies, [[b"mid", b"v"]])
        self.assertEqual(self.call(self.admin, "EXISTS", "src", "mid"), 0)
        self.call(self.admin, "SET", "str", "x")
        self.call(mover, "BRPOPLPUSH", "src", "str", "0")
        self.call(self.admin, "RPUSH", "src", "w")
        self.assertEqual(mover_peer.replies[-1], ErrorReply(errors.WRONGTYPE))
        self.assertEqual(self.call(self.admin, "LRANGE", "src", "0", "-1"), [b"w"])
        self.assertNothingBlocked()

    def test_served_once_across_its_keys(self) -> None:
        """A client waiting on two keys is served once; it leaves both queues, so the next
        waiter on the other key is next in line there."""
        both, both_peer = self.client()
        other, other_peer = self.client()
        self.call(both, "BLMPOP", "1", "2", "a", "b", "LEFT", "COUNT", "2")
        self.call(other, "BLPOP", "b", "0")
        self.call(self.admin, "MULTI")
        self.call(self.admin, "RPUSH", "b", "x")
        self.call(self.admin, "RPUSH", "a", "y")
        self.call(self.admin, "EXEC")
        self.assertEqual(both_peer.replies, [[b"a", [b"y"]]])
        self.assertEqual(other_peer.replies, [[b"b", b"x"]])
        self.clock.advance(2)
        self.assertEqual(len(both_peer.replies), 1)  # its timer went with it
        self.assertNothingBlocked()

    def test_swapdb_makes_keys_ready(self) -> None:
        """SWAPDB bringing a list into a database where someone waits for it serves them."""
        c, peer = self.client()
        self.call(c, "BLPOP", "k", "0")
        self.call(self.admin, "SELECT", "1")
        self.call(self.admin, "RPUSH", "k", "v")
        self.call(self.admin, "SWAPDB", "0", "1")
        self.assertEqual(peer.replies, [[b"k", b"v"]])
        self.assertNothingBlocked()

    def test_expired_key_is_absent(self) -> None:
        """A list whose TTL has passed does not serve, and blocks the caller."""
        c, peer = self.client()
        self.call(self.admin, "RPUSH", "k", "v")
        self.call(self.admin, "PEXPIRE", "k", "10")
        self.clock.advance(0.011)
        self.assertIs(self.call(c, "BLPOP", "k", "0"), BLOCKED)
        self.call(self.admin, "RPUSH", "k", "w")
        self.assertEqual(peer.replies, [[b"k", b"w"]])
