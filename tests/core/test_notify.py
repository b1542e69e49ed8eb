"""Core tests of keyspace notifications: the ``notify-keyspace-events`` option, delivery through
Pub/Sub to a subscriber with a fake peer, the event names and order of every command family
(Redis 7.4's ``notifyKeyspaceEvent`` calls), ``new``, ``keymiss``, and ``expired`` from lazy and
active expiry driven by a ``task.Clock``. No sockets."""

from __future__ import annotations

import os

from twisted.internet import task
from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core import errors, notify
from pyredisd.core.clients import Client
from pyredisd.core.config import Config
from pyredisd.core.errors import ConfigError
from pyredisd.core.keyspace import Database, HookedDatabase
from pyredisd.core.replies import Reply
from pyredisd.core.resp import encode
from pyredisd.core.server import Server
from tests.core.test_client_admin import FakePeer
from tests.helpers import config_with, temp_dir
from tests.integration.realredis import RespError, parse

Event = tuple[str, str]  # (event, key), as seen on the keyevent channel


class ClassStringTests(SynchronousTestCase):
    """``keyspaceEventsStringToFlags`` and ``keyspaceEventsFlagsToString``."""

    def test_parse_every_letter(self) -> None:
        self.assertEqual(notify.flags_from_string(""), 0)
        self.assertEqual(
            notify.flags_from_string("KEg$lshzxetmdn"),
            notify.ALL | notify.KEYSPACE | notify.KEYEVENT | notify.KEY_MISS | notify.NEW,
        )
        self.assertEqual(notify.flags_from_string("A"), notify.ALL)
        self.assertNotEqual(notify.ALL & notify.KEY_MISS, notify.KEY_MISS)
        self.assertNotEqual(notify.ALL & notify.NEW, notify.NEW)

    def test_invalid_character(self) -> None:
        for text in ("KEQ", "a", " ", "KE A"):
            with self.assertRaises(ValueError) as caught:
                notify.flags_from_string(text)
            self.assertEqual(str(caught.exception), errors.NOTIFY_INVALID_CLASS)

    def test_canonical_form(self) -> None:
        """As redis-server 7.0 (same code in 7.4) shows them after CONFIG SET."""
        cases = {
            "KA": "AK",
            "gxmKnE$": "g$xnKEm",
            "AKEnmd": "AKEm",  # A hides n (keyspaceEventsFlagsToString's else branch)
            "": "",
            "g": "g",
            "Elz": "lzE",
            "g$lshzxetd": "A",
            "EK": "KE",
        }
        for text, shown in cases.items():
            self.assertEqual(notify.flags_to_string(notify.flags_from_string(text)), shown, text)


class NotifyTestCase(SynchronousTestCase):
    """A server on a ``task.Clock``, a client and a pattern subscriber (RESP2)."""

    classes = "KEA"

    def setUp(self) -> None:
        self.clock = task.Clock()
        self.clock.advance(1_000_000)
        self.server = Server(clock=self.clock)
        self.client = self.server.new_client(FakePeer())
        self.listener = self.server.new_client(FakePeer())
        self.call(self.listener, "PSUBSCRIBE", "__key*__:*")
        self.take()
        if self.classes:
            self.assertEqual(self.do("CONFIG SET notify-keyspace-events " + self.classes), "OK")

    def call(self, client: Client, *args: str | bytes) -> Reply:
        argv = [arg if isinstance(arg, bytes) else arg.encode() for arg in args]
        return self.server.execute(client, argv)

    def do(self, line: str) -> object:
        """One request of space-separated words by the client (``''`` is an empty word); its
        reply as the client reads it in RESP2, parsed."""
        reply = self.call(self.client, *("" if w == "''" else w for w in line.split()))
        return parse(encode(reply, 2))

    def take(self) -> list[list[bytes]]:
        """The messages pushed to the subscriber so far, each ``[channel, message]``."""
        peer = self.listener.peer
        assert isinstance(peer, FakePeer)
        pushed, peer.pushed = peer.pushed, []
        out = []
        for data in pushed:
            item = parse(data)
            assert isinstance(item, list)
            out.append(item[2:] if item[0] == b"pmessage" else item)
        return out

    def events(self, *lines: str) -> list[Event]:
        """Run ``lines``; the events they caused, read from the keyevent channel of db 0."""
        for line in lines:
            self.do(line)
        out: list[Event] = []
        for channel, message in self.take():
            if channel.startswith(b"__keyevent@"):
                out.append((channel.split(b":", 1)[1].decode(), message.decode()))
        return out

    def assertEvents(self, lines: list[str], expected: list[Event]) -> None:
        self.do("FLUSHALL")
        self.take()
        self.assertEqual(self.events(*lines), expected, lines)


class ConfigTests(NotifyTestCase):
    """The option through CONFIG and the config file."""

    classes = ""

    def test_config_set_get(self) -> None:
        self.assertEqual(
            self.do("CONFIG GET notify-keyspace-events"), [b"notify-keyspace-events", b""]
        )
        self.do("CONFIG SET notify-keyspace-events KA")
        self.assertEqual(
            self.do("CONFIG GET notify-keyspace-events"), [b"notify-keyspace-events", b"AK"]
        )
        self.do("CONFIG SET notify-keyspace-events gxmKnE$")
        self.assertEqual(
            self.do("CONFIG GET notify-keyspace-events"), [b"notify-keyspace-events", b"g$xnKEm"]
        )

    def test_invalid_class_is_redis_error(self) -> None:
        reply = self.do("CONFIG SET notify-keyspace-events KEQ")
        self.assertEqual(
            reply,
            RespError(
                "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - "
                "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
            ),
        )
        self.assertEqual(self.server.events.notify_flags, 0)

    def test_config_file_and_rewrite(self) -> None:
        config = Config.defaults()
        with self.assertRaises(ConfigError) as caught:
            config.load_text('notify-keyspace-events "KQ"\n')
        self.assertIn(
            "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.", str(caught.exception)
        )
        config.load_text("notify-keyspace-events Elg\n")
        self.assertEqual(config["notify-keyspace-events"], notify.flags_from_string("Elg"))
        server = Server(config=config, clock=self.clock)
        self.assertTrue(all(type(db) is HookedDatabase for db in server.dbs))
        self.assertEqual(server.events.notify_flags, notify.flags_from_string("Elg"))
        path = os.path.join(temp_dir(self), "r.conf")
        with open(path, "w") as handle:
            handle.write("port 1\n")
        self.server.config.path = path
        self.do("CONFIG SET notify-keyspace-events KEA")
        self.assertEqual(self.do("CONFIG REWRITE"), "OK")
        with open(path) as handle:
            self.assertIn('notify-keyspace-events "AKE"\n', handle.read())
        self.do("CONFIG SET notify-keyspace-events ''")
        self.do("CONFIG REWRITE")
        with open(path) as handle:
            self.assertIn('notify-keyspace-events ""\n', handle.read())

    def test_hooks_follow_the_option(self) -> None:
        """Databases are plain (no cost per write) until notifications can be published."""
        self.assertTrue(all(type(db) is Database for db in self.server.dbs))
        self.do("CONFIG SET notify-keyspace-events A")  # classes but no channel: nothing to do
        self.assertTrue(all(type(db) is Database for db in self.server.dbs))
        self.do("CONFIG SET notify-keyspace-events Kg")
        self.assertTrue(all(type(db) is HookedDatabase for db in self.server.dbs))
        self.do("CONFIG SET notify-keyspace-events ''")
        self.assertTrue(all(type(db) is Database for db in self.server.dbs))
        self.do("SET k v")
        self.assertEqual(self.take(), [])

    def test_config_with_option(self) -> None:
        flags = notify.KEYSPACE | notify.KEYEVENT | notify.GENERIC
        server = Server(config=config_with(notify_keyspace_events=flags))
        self.assertTrue(all(type(db) is HookedDatabase for db in server.dbs))


class DeliveryTests(NotifyTestCase):
    """Channels, messages, their order, and the class filter."""

    def test_keyspace_then_keyevent(self) -> None:
        self.do("SET foo bar")
        self.assertEqual(
            self.take(),
            [[b"__keyspace@0__:foo", b"set"], [b"__keyevent@0__:set", b"foo"]],
        )

    def test_database_number_in_channel(self) -> None:
        self.do("SELECT 5")
        self.do("LPUSH k a")
        self.assertEqual(
            self.take(),
            [[b"__keyspace@5__:k", b"lpush"], [b"__keyevent@5__:lpush", b"k"]],
        )

    def test_only_keyspace_or_only_keyevent(self) -> None:
        self.do("CONFIG SET notify-keyspace-events K$")
        self.do("SET k v")
        self.assertEqual(self.take(), [[b"__keyspace@0__:k", b"set"]])
        self.do("CONFIG SET notify-keyspace-events E$")
        self.do("SET k v")
        self.assertEqual(self.take(), [[b"__keyevent@0__:set", b"k"]])

    def test_class_filter(self) -> None:
        self.do("CONFIG SET notify-keyspace-events El")
        self.assertEqual(
            self.events("SET k v", "DEL k", "RPUSH l a", "SADD s a", "LPOP l"),
            [("rpush", "l"), ("lpop", "l")],
        )

    def test_new_and_keymiss_are_not_in_A(self) -> None:
        self.assertEqual(self.events("GET nokey", "SET k v"), [("set", "k")])
        self.do("CONFIG SET notify-keyspace-events KEAnm")
        self.assertEqual(
            self.events("GET nokey", "SET j v", "SET j w"),
            [("keymiss", "nokey"), ("new", "j"), ("set", "j"), ("set", "j")],
        )

    def test_binary_key(self) -> None:
        self.call(self.client, "SET", b"\x00\xff k", "v")
        self.assertEqual(
            self.take(),
            [[b"__keyspace@0__:\x00\xff k", b"set"], [b"__keyevent@0__:set", b"\x00\xff k"]],
        )

    def test_resp3_subscriber_gets_push_frames(self) -> None:
        peer = FakePeer()
        client = self.server.new_client(peer)
        self.call(client, "HELLO", "3")
        self.call(client, "SUBSCRIBE", "__keyevent@0__:del")
        peer.pushed = []
        self.do("SET k v")
        self.do("DEL k")
        self.assertEqual(
            peer.pushed, [b">3\r\n$7\r\nmessage\r\n$18\r\n__keyevent@0__:del\r\n$1\r\nk\r\n"]
        )

    def test_no_subscriber_no_harm(self) -> None:
        self.call(self.listener, "PUNSUBSCRIBE")
        self.take()
        self.assertEqual(self.do("SET k v"), "OK")
        self.assertEqual(self.take(), [])

    def test_flush_and_swapdb_notify_nothing(self) -> None:
        self.assertEqual(
            self.events("SET k v", "SELECT 1", "SET k w", "SWAPDB 0 1", "FLUSHDB", "FLUSHALL"),
            [("set", "k"), ("set", "k")],
        )

    def test_transaction_notifies_at_exec(self) -> None:
        self.do("MULTI")
        self.do("SET k v")
        self.do("INCR n")
        self.assertEqual(self.take(), [])
        self.do("EXEC")
        self.assertEqual(self.events(), [("set", "k"), ("incrby", "n")])


class ExpiryTests(NotifyTestCase):
    """``expired`` from lazy and active expiry, and what follows it."""

    classes = "KEAnm"

    def test_lazy_expiry_then_keymiss(self) -> None:
        self.do("SET k v PX 100")
        self.take()
        self.clock.advance(1)
        self.assertEqual(
            self.events("GET k", "EXISTS k"),
            [("expired", "k"), ("keymiss", "k"), ("keymiss", "k")],
        )
        self.assertEqual(self.server.keyspace_stats.expired_keys, 1)

    def test_active_expiry(self) -> None:
        self.do("SET k v PX 100")
        self.do("RPUSH l a")
        self.do("PEXPIRE l 50")
        self.take()
        self.clock.advance(1)
        self.server.cron()
        self.assertEqual(sorted(self.events()), [("expired", "k"), ("expired", "l")])
        self.assertEqual(self.do("DBSIZE"), 0)

    def test_overwrite_of_expired_key(self) -> None:
        """The write's lookup expires the key first: ``expired``, then a new key."""
        for line in ("SET k w", "MSET k w", "RPUSH k a", "SETEX k 10 w", "SET k w GET"):
            self.do("FLUSHALL")
            self.do("SET k v PX 100")
            self.take()
            self.clock.advance(1)
            second = ("keymiss", "k") if "GET" in line else ("new", "k")
            self.assertEqual(self.events(line)[:2], [("expired", "k"), second], line)

    def test_deadline_in_the_past(self) -> None:
        """SET with a past deadline keeps the key until its next lookup (setGenericCommand);
        EXPIRE and GETEX with one delete it at once."""
        self.assertEqual(
            self.events("SET k v PXAT 1", "EXISTS k"),
            [("new", "k"), ("set", "k"), ("expire", "k"), ("expired", "k"), ("keymiss", "k")],
        )
        self.assertEqual(
            self.events("SET k v", "EXPIREAT k 1", "SET j v", "GETEX j EXAT 1"),
            [("new", "k"), ("set", "k"), ("del", "k"), ("new", "j"), ("set", "j"), ("del", "j")],
        )

    def test_del_of_expired_key_is_expired_only(self) -> None:
        self.do("SET k v PX 100")
        self.take()
        self.clock.advance(1)
        self.assertEqual(self.do("DEL k"), 0)
        self.assertEqual(self.events(), [("expired", "k")])


# (setup and command lines, events of the command lines after the setup), with KEA.
E = list[Event]
EVENTS: list[tuple[list[str], E]] = [
    # strings
    (["SET k v", "SET k v EX 10", "SETEX k 10 v", "PSETEX k 10 v"],
     [("set", "k"), ("set", "k"), ("expire", "k"), ("set", "k"), ("expire", "k"), ("set", "k"),
      ("expire", "k")]),
    (["SET k v NX", "SET k v XX GET", "SETNX k v", "GETSET k w", "MSET a 1 b 2", "MSETNX a 1"],
     [("set", "k"), ("set", "k"), ("set", "k"), ("set", "a"), ("set", "b")]),
    (["INCR n", "DECR n", "INCRBY n 2", "DECRBY n 2", "INCRBYFLOAT n 1.5"],
     [("incrby", "n")] * 4 + [("incrbyfloat", "n")]),
    (["APPEND s ab", "SETRANGE s 0 x", "SETRANGE s 0 ''", "SETRANGE t 0 ''"],
     [("append", "s"), ("setrange", "s")]),
    (["SET k v", "GETDEL k", "GETDEL k", "SET k v", "GETEX k EX 5", "GETEX k PERSIST", "GETEX k"],
     [("set", "k"), ("del", "k"), ("set", "k"), ("expire", "k"), ("persist", "k")]),
    # bitmaps
    (["SETBIT b 1 1", "SETBIT b 1 1", "SETBIT b 1 0", "SETBIT b 20 0"],
     [("setbit", "b"), ("setbit", "b"), ("setbit", "b")]),
    (["SET a x", "BITOP NOT d a", "BITOP AND d x y", "BITOP AND d x y"],
     [("set", "a"), ("set", "d"), ("del", "d")]),
    (["BITFIELD f SET u8 0 1", "BITFIELD f GET u8 0", "BITFIELD g OVERFLOW FAIL INCRBY u2 0 9"],
     [("setbit", "f")]),
    # generic
    (["SET a 1", "SET b 2", "DEL a b c", "UNLINK a"],
     [("set", "a"), ("set", "b"), ("del", "a"), ("del", "b")]),
    (["SET a 1", "EXPIRE a 10", "PEXPIRE a 10 NX", "PEXPIREAT a 99999999999999", "PERSIST a",
      "PERSIST a", "EXPIRE a -1"],
     [("set", "a"), ("expire", "a"), ("expire", "a"), ("persist", "a"), ("del", "a")]),
    (["SET a 1", "RENAME a b", "RENAME b b", "RENAMENX b a"],
     [("set", "a"), ("rename_from", "a"), ("rename_to", "b"), ("rename_from", "b"),
      ("rename_to", "a")]),
    (["SET a 1", "COPY a b", "COPY a b", "COPY a b REPLACE"],
     [("set", "a"), ("copy_to", "b"), ("copy_to", "b")]),
    (["SET a 1", "MOVE a 1"], [("set", "a"), ("move_from", "a"), ("move_to", "a")]),
    # lists
    (["LPUSH l a b", "RPUSH l c", "LPUSHX m a", "RPUSHX l d", "LINSERT l BEFORE c x",
      "LINSERT l BEFORE q x", "LSET l 0 z"],
     [("lpush", "l"), ("rpush", "l"), ("rpush", "l"), ("linsert", "l"), ("lset", "l")]),
    (["RPUSH l a b c", "LPOP l", "RPOP l 5", "LPOP l"],
     [("rpush", "l"), ("lpop", "l"), ("rpop", "l"), ("del", "l")]),
    (["RPUSH l a b a", "LREM l 0 q", "LREM l 1 a", "LTRIM l 0 -1", "LTRIM l 5 9"],
     [("rpush", "l"), ("lrem", "l"), ("ltrim", "l"), ("ltrim", "l"), ("del", "l")]),
    (["RPUSH l a", "LMOVE l m LEFT RIGHT", "RPOPLPUSH m m", "LMPOP 2 x m LEFT COUNT 3"],
     [("rpush", "l"), ("rpush", "m"), ("lpop", "l"), ("del", "l"), ("lpush", "m"),
      ("rpop", "m"), ("lpop", "m"), ("del", "m")]),
    # sets
    (["SADD s a b", "SADD s a", "SREM s x", "SREM s a", "SREM s b"],
     [("sadd", "s"), ("srem", "s"), ("srem", "s"), ("del", "s")]),
    (["SADD s a b", "SPOP s", "SPOP s 0", "SPOP s 5"],
     [("sadd", "s"), ("spop", "s"), ("spop", "s"), ("del", "s")]),
    (["SADD s a", "SADD t a", "SMOVE s t a", "SADD s b", "SMOVE s u b"],
     [("sadd", "s"), ("sadd", "t"), ("srem", "s"), ("del", "s"), ("sadd", "s"), ("srem", "s"),
      ("del", "s"), ("sadd", "u")]),
    (["SADD s a", "SINTERSTORE d s s", "SUNIONSTORE d s", "SDIFFSTORE d s s", "SDIFFSTORE d s s"],
     [("sadd", "s"), ("sinterstore", "d"), ("sunionstore", "d"), ("del", "d")]),
    # sorted sets
    (["ZADD z 1 a", "ZADD z 1 a", "ZADD z CH 2 a", "ZINCRBY z 1 a", "ZADD z XX INCR 1 q"],
     [("zadd", "z"), ("zadd", "z"), ("zincr", "z")]),
    (["ZADD z 1 a 2 b 3 c", "ZREM z q", "ZREM z a", "ZPOPMIN z", "ZPOPMAX z 5"],
     [("zadd", "z"), ("zrem", "z"), ("zpopmin", "z"), ("zpopmax", "z"), ("del", "z")]),
    (["ZADD z 1 a 2 b 3 c", "ZREMRANGEBYRANK z 0 0", "ZREMRANGEBYSCORE z 9 9",
      "ZREMRANGEBYSCORE z 2 2", "ZREMRANGEBYLEX z - +"],
     [("zadd", "z"), ("zremrangebyrank", "z"), ("zremrangebyscore", "z"),
      ("zremrangebylex", "z"), ("del", "z")]),
    (["ZADD z 1 a", "ZUNIONSTORE d 1 z", "ZINTERSTORE d 1 z", "ZRANGESTORE d z 0 -1",
      "ZDIFFSTORE d 2 z z", "ZMPOP 1 z MAX"],
     [("zadd", "z"), ("zunionstore", "d"), ("zinterstore", "d"), ("zrangestore", "d"),
      ("del", "d"), ("zpopmax", "z"), ("del", "z")]),
    # HyperLogLog, geo, SORT
    (["PFADD h a", "PFADD h a", "PFCOUNT h", "PFMERGE h2 h"], [("pfadd", "h"), ("pfadd", "h2")]),
    (["GEOADD g 13.36 38.11 a", "GEOADD g 13.36 38.11 a",
      "GEOSEARCHSTORE d g FROMLONLAT 13 38 BYRADIUS 100 km", "GEORADIUS g 13 38 100 km STORE e",
      "GEOSEARCHSTORE d g FROMLONLAT 0 0 BYRADIUS 1 km"],
     [("zadd", "g"), ("geosearchstore", "d"), ("georadiusstore", "e"), ("del", "d")]),
    (["RPUSH l 2 1", "SORT l STORE d", "SORT nol STORE d"],
     [("rpush", "l"), ("sortstore", "d"), ("del", "d")]),
]  # fmt: skip


class EventNameTests(NotifyTestCase):
    """Every family's events, names and order."""

    def test_events_per_command(self) -> None:
        for lines, expected in EVENTS:
            self.assertEvents(lines, expected)

    def test_move_and_copy_to_another_db(self) -> None:
        self.do("SET a 1")
        self.do("COPY a b DB 2")
        self.do("MOVE a 3")
        self.assertEqual(
            self.take()[2:],
            [
                [b"__keyspace@2__:b", b"copy_to"],
                [b"__keyevent@2__:copy_to", b"b"],
                [b"__keyspace@0__:a", b"move_from"],
                [b"__keyevent@0__:move_from", b"a"],
                [b"__keyspace@3__:a", b"move_to"],
                [b"__keyevent@3__:move_to", b"a"],
            ],
        )

    def test_new_events(self) -> None:
        self.do("CONFIG SET notify-keyspace-events En")
        self.assertEvents(
            ["SET a 1", "SET a 2", "RPUSH l x", "RENAME a l", "COPY l c", "SADD s x", "INCR n"],
            [("new", "a"), ("new", "l"), ("new", "l"), ("new", "c"), ("new", "s"), ("new", "n")],
        )

    def test_keymiss_on_reads_only(self) -> None:
        self.do("CONFIG SET notify-keyspace-events Em")
        self.assertEvents(
            ["GET a", "MGET a b", "LRANGE l 0 1", "SMEMBERS s", "ZRANGE z 0 1", "PFCOUNT h",
             "DEL a", "INCR n", "LPOP l", "OBJECT ENCODING a", "SUNIONSTORE d s"],
            [("keymiss", "a"), ("keymiss", "a"), ("keymiss", "b"), ("keymiss", "l"),
             ("keymiss", "s"), ("keymiss", "z"), ("keymiss", "h"), ("keymiss", "s")],
        )  # fmt: skip

    def test_wrongtype_is_silent(self) -> None:
        self.assertEvents(["SET k v", "LPUSH k a", "SADD k a", "INCR k"], [("set", "k")])
