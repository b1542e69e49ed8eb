"""Core tests of the implemented commands: ``Server.execute`` with a fake client, no sockets."""

from __future__ import annotations

import os
import shutil
import tempfile

from twisted.internet import task
from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core import errors
from pyredisd.core.clients import Client
from pyredisd.core.config import Config
from pyredisd.core.replies import OK, PONG, ErrorReply, Map, Reply, SetReply, Status, Verbatim
from pyredisd.core.server import Server
from pyredisd.core.version import REDIS_VERSION

START = 1_700_000_000.25


def err(message: str) -> ErrorReply:
    """The error reply carrying ``message``."""
    return ErrorReply(message)


class CommandTestCase(SynchronousTestCase):
    """A server on a ``task.Clock`` with one connected client."""

    def setUp(self) -> None:
        self.clock = task.Clock()
        self.clock.advance(START)
        self.config = Config.defaults()
        self.server = Server(self.config, clock=self.clock)
        self.client = self.server.new_client()

    def call(self, *args: bytes | str | int, client: Client | None = None) -> Reply:
        """Execute one command; ``str`` and ``int`` arguments are encoded as Redis would see."""
        argv = [arg if isinstance(arg, bytes) else str(arg).encode() for arg in args]
        return self.server.execute(client if client is not None else self.client, argv)

    def check(self, cases: list[tuple[tuple[bytes | str | int, ...], Reply]]) -> None:
        """Run ``(argv, expected reply)`` rows in order, each as a subtest."""
        for argv, expected in cases:
            with self.subTest(argv=argv):
                self.assertEqual(self.call(*argv), expected)

    def info(self, *sections: str) -> str:
        """The INFO text for ``sections``."""
        reply = self.call("INFO", *sections)
        assert isinstance(reply, Verbatim)
        return reply.data.decode()


class DispatchTests(CommandTestCase):
    """The dispatcher's own errors: unknown command, arity, authentication."""

    def test_unknown_command(self) -> None:
        """An unknown command names itself and its first arguments, like Redis."""
        self.assertEqual(
            self.call("foo", "a", "b"),
            err("ERR unknown command 'foo', with args beginning with: 'a' 'b' "),
        )
        self.assertEqual(self.call("foo"), err(errors.unknown_command([b"foo"])))

    def test_wrong_arity(self) -> None:
        """Too few or too many arguments give the arity error with the command's full name."""
        self.check(
            [
                (("GET",), err(errors.wrong_arity("get"))),
                (("GET", "a", "b"), err(errors.wrong_arity("get"))),
                (("SET", "k"), err(errors.wrong_arity("set"))),
                (("PING", "a", "b"), err(errors.wrong_arity("ping"))),
                (("CLIENT",), err(errors.wrong_arity("client"))),
                (("CLIENT", "ID", "x"), err(errors.wrong_arity("client|id"))),
                (("CONFIG", "GET"), err(errors.wrong_arity("config|get"))),
                (("CONFIG", "SET", "hz"), err(errors.wrong_arity("config|set"))),
            ]
        )

    def test_unknown_subcommand(self) -> None:
        """An unknown subcommand of a container is reported with the container's HELP."""
        self.assertEqual(
            self.call("client", "Bogus"), err("ERR unknown subcommand 'Bogus'. Try CLIENT HELP.")
        )

    def test_commands_are_case_insensitive(self) -> None:
        """Command and subcommand names match in any case."""
        self.assertEqual(self.call("pInG"), PONG)
        self.assertEqual(self.call("client", "iD"), self.client.id)

    def test_statistics(self) -> None:
        """Calls, failures and rejections are counted per command and in errorstats."""
        self.call("GET", "k")
        self.call("SET", "k", "v", "XX", "NX")
        self.call("GET")
        self.call("nosuch")
        get = self.server.commands.get(b"get")
        set_ = self.server.commands.get(b"set")
        assert get is not None and set_ is not None
        self.assertEqual((get.calls, get.failed_calls, get.rejected_calls), (1, 0, 1))
        self.assertEqual((set_.calls, set_.failed_calls), (1, 1))
        self.assertEqual(self.server.total_commands(), 2)
        self.assertEqual(self.server.stats.error_replies, 3)
        self.assertEqual(self.server.stats.errors, {"ERR": 3})
        self.assertIn("errorstat_ERR:count=3", self.info("errorstats"))
        self.assertIn(
            "cmdstat_get:calls=1,usec=",
            self.info("commandstats"),
        )


class ConnectionCommandTests(CommandTestCase):
    """PING ECHO SELECT SWAPDB."""

    def test_ping_and_echo(self) -> None:
        """PING answers PONG or echoes its argument; ECHO returns its argument."""
        self.check(
            [
                (("PING",), PONG),
                (("PING", "hi"), b"hi"),
                (("ECHO", "x y"), b"x y"),
                (("ECHO", ""), b""),
                (("ECHO",), err(errors.wrong_arity("echo"))),
            ]
        )

    def test_select(self) -> None:
        """SELECT switches database and refuses bad indices."""
        self.check(
            [
                (("SELECT", "1"), OK),
                (("SET", "k", "v"), OK),
                (("SELECT", "16"), err(errors.DB_OUT_OF_RANGE)),
                (("SELECT", "-1"), err(errors.DB_OUT_OF_RANGE)),
                (("SELECT", "x"), err(errors.NOT_INTEGER)),
                (("SELECT", "4294967296"), err(errors.out_of_range(-(1 << 31), (1 << 31) - 1))),
            ]
        )
        self.assertEqual(self.client.db.id, 1)
        self.assertEqual(len(self.server.dbs[1]), 1)
        self.assertEqual(len(self.server.dbs[0]), 0)

    def test_swapdb(self) -> None:
        """SWAPDB exchanges two databases' contents, visible to a client on either."""
        self.call("SET", "k", "zero")
        self.check(
            [
                (("SWAPDB", "0", "1"), OK),
                (("GET", "k"), None),
                (("SELECT", "1"), OK),
                (("GET", "k"), b"zero"),
                (("SWAPDB", "1", "1"), OK),
                (("SWAPDB", "x", "1"), err(errors.INVALID_FIRST_DB)),
                (("SWAPDB", "0", "x"), err(errors.INVALID_SECOND_DB)),
                (("SWAPDB", "0", "99"), err(errors.DB_OUT_OF_RANGE)),
                (("SWAPDB", "-1", "0"), err(errors.DB_OUT_OF_RANGE)),
                (("SWAPDB", "4294967296", "0"), err(errors.INVALID_FIRST_DB)),
            ]
        )


class AuthTests(CommandTestCase):
    """AUTH and HELLO AUTH against ``requirepass``."""

    def setUp(self) -> None:
        super().setUp()
        self.config.values["requirepass"] = "secret"
        self.client = self.server.new_client()

    def test_noauth_until_authenticated(self) -> None:
        """Commands are refused with NOAUTH until AUTH succeeds."""
        self.check(
            [
                (("GET", "k"), err(errors.NOAUTH)),
                (("PING",), err(errors.NOAUTH)),
                (("AUTH", "wrong"), err(errors.WRONGPASS)),
                (("GET", "k"), err(errors.NOAUTH)),
                (("AUTH", "secret"), OK),
                (("GET", "k"), None),
            ]
        )
        self.assertTrue(self.client.authenticated)
        self.assertTrue(self.client.strict_changed)

    def test_auth_with_user(self) -> None:
        """AUTH default <password> works; other users and extra arguments fail."""
        self.check(
            [
                (("AUTH", "other", "secret"), err(errors.WRONGPASS)),
                (("AUTH", "a", "b", "c"), err(errors.SYNTAX)),
                (("AUTH", "default", "secret"), OK),
            ]
        )

    def test_auth_without_requirepass(self) -> None:
        """AUTH <password> with no password configured is an error."""
        self.config.values["requirepass"] = ""
        client = self.server.new_client()
        self.assertEqual(self.call("AUTH", "x", client=client), err(errors.AUTH_NOT_CONFIGURED))
        self.assertEqual(self.call("AUTH", "default", "x", client=client), OK)

    def test_hello_requires_auth(self) -> None:
        """HELLO without AUTH is refused; with AUTH it authenticates and switches protocol."""
        self.assertEqual(self.call("HELLO", "3"), err(errors.HELLO_NOAUTH))
        self.assertEqual(self.call("HELLO", "3", "AUTH", "default", "bad"), err(errors.WRONGPASS))
        self.assertEqual(self.client.resp, 2)
        reply = self.call("HELLO", "3", "AUTH", "default", "secret")
        self.assertIsInstance(reply, Map)
        self.assertEqual((self.client.resp, self.client.authenticated), (3, True))


class HelloTests(CommandTestCase):
    """HELLO negotiates the protocol and reports the server."""

    def test_hello_reply(self) -> None:
        """HELLO returns the server map and leaves the protocol as it was."""
        reply = self.call("HELLO")
        assert isinstance(reply, Map)
        self.assertEqual(
            reply.items,
            [
                (b"server", b"redis"),
                (b"version", REDIS_VERSION.encode()),
                (b"proto", 2),
                (b"id", self.client.id),
                (b"mode", b"standalone"),
                (b"role", b"master"),
                (b"modules", []),
            ],
        )

    def test_hello_switches_protocol_and_sets_name(self) -> None:
        """HELLO 3 SETNAME switches to RESP3 and names the connection."""
        reply = self.call("HELLO", "3", "SETNAME", "app")
        assert isinstance(reply, Map)
        self.assertIn((b"proto", 3), reply.items)
        self.assertEqual((self.client.resp, self.client.name), (3, b"app"))
        self.call("HELLO", "2")
        self.assertEqual(self.client.resp, 2)

    def test_hello_errors(self) -> None:
        """Bad versions and options give Redis's errors and change nothing."""
        self.check(
            [
                (("HELLO", "4"), err(errors.NOPROTO)),
                (("HELLO", "1"), err(errors.NOPROTO)),
                (("HELLO", "x"), err(errors.PROTO_NOT_INTEGER)),
                (("HELLO", "3", "bogus"), err(errors.hello_syntax(b"bogus"))),
                (("HELLO", "3", "AUTH", "default"), err(errors.hello_syntax(b"AUTH"))),
                (("HELLO", "3", "SETNAME", "a b"), err(errors.CLIENT_NAME_CHARS)),
            ]
        )
        self.assertEqual(self.client.resp, 2)


class ClientCommandTests(CommandTestCase):
    """CLIENT ID SETNAME GETNAME SETINFO INFO."""

    def test_id_is_unique(self) -> None:
        """CLIENT ID returns this connection's id; ids are never reused."""
        other = self.server.new_client()
        self.assertEqual(self.call("CLIENT", "ID"), self.client.id)
        self.assertEqual(self.call("CLIENT", "ID", client=other), self.client.id + 1)

    def test_setname_getname(self) -> None:
        """A name can be set, read and cleared; spaces and control characters are refused."""
        self.check(
            [
                (("CLIENT", "GETNAME"), None),
                (("CLIENT", "SETNAME", "worker-1"), OK),
                (("CLIENT", "GETNAME"), b"worker-1"),
                (("CLIENT", "SETNAME", "a b"), err(errors.CLIENT_NAME_CHARS)),
                (("CLIENT", "SETNAME", "a\nb"), err(errors.CLIENT_NAME_CHARS)),
                (("CLIENT", "GETNAME"), b"worker-1"),
                (("CLIENT", "SETNAME", ""), OK),
                (("CLIENT", "GETNAME"), None),
            ]
        )

    def test_setinfo(self) -> None:
        """CLIENT SETINFO records the library name and version."""
        self.check(
            [
                (("CLIENT", "SETINFO", "LIB-NAME", "redis-py"), OK),
                (("CLIENT", "SETINFO", "lib-ver", "5.0.1"), OK),
                (("CLIENT", "SETINFO", "lib-foo", "x"), err(errors.unknown_option(b"lib-foo"))),
                (
                    ("CLIENT", "SETINFO", "lib-name", "a b"),
                    err(errors.setinfo_chars(b"lib-name")),
                ),
            ]
        )
        self.assertEqual((self.client.lib_name, self.client.lib_ver), (b"redis-py", b"5.0.1"))

    def test_client_info(self) -> None:
        """CLIENT INFO is a verbatim line describing this connection, ending in a newline."""
        self.call("CLIENT", "SETNAME", "me")
        self.call("SELECT", "2")
        reply = self.call("CLIENT", "INFO")
        assert isinstance(reply, Verbatim)
        line = reply.data.decode()
        self.assertTrue(line.startswith(f"id={self.client.id} addr="))
        self.assertTrue(line.endswith("\n"))
        fields = dict(field.split("=", 1) for field in line.split())
        self.assertEqual(fields["name"], "me")
        self.assertEqual(fields["db"], "2")
        self.assertEqual(fields["cmd"], "client|info")
        self.assertEqual(fields["resp"], "2")


class StringCommandTests(CommandTestCase):
    """GET SET INCR."""

    def test_get_set(self) -> None:
        """SET stores a value that GET returns; a missing key is null."""
        self.check(
            [
                (("GET", "k"), None),
                (("SET", "k", "v"), OK),
                (("GET", "k"), b"v"),
                (("SET", "k", b"\x00\xff"), OK),
                (("GET", "k"), b"\x00\xff"),
            ]
        )

    def test_set_nx_xx(self) -> None:
        """NX sets only a missing key and XX only an existing one; otherwise null."""
        self.check(
            [
                (("SET", "k", "1", "XX"), None),
                (("GET", "k"), None),
                (("SET", "k", "1", "NX"), OK),
                (("SET", "k", "2", "nx"), None),
                (("GET", "k"), b"1"),
                (("SET", "k", "3", "xx"), OK),
                (("GET", "k"), b"3"),
            ]
        )

    def test_set_get(self) -> None:
        """SET GET returns the old value (null if none), also with NX and XX."""
        self.check(
            [
                (("SET", "k", "1", "GET"), None),
                (("SET", "k", "2", "GET"), b"1"),
                (("SET", "k", "3", "NX", "GET"), b"2"),
                (("GET", "k"), b"2"),
                (("SET", "new", "x", "XX", "GET"), None),
                (("GET", "new"), None),
            ]
        )

    def test_set_get_wrong_type(self) -> None:
        """SET GET on a non-string key is WRONGTYPE and leaves the key alone."""
        self.client.db.set(b"list", [b"a"])
        self.assertEqual(self.call("SET", "list", "v", "GET"), err(errors.WRONGTYPE))
        self.assertEqual(self.client.db.data[b"list"], [b"a"])
        self.assertEqual(self.call("SET", "list", "v"), OK)

    def test_set_expiry_options(self) -> None:
        """EX, PX, EXAT and PXAT set deadlines; KEEPTTL keeps one; a plain SET drops it."""
        now_ms = int(START * 1000)
        self.check(
            [
                (("SET", "a", "v", "EX", "10"), OK),
                (("TTL", "a"), 10),
                (("SET", "a", "v", "PX", "1500"), OK),
                (("TTL", "a"), 2),
                (("SET", "a", "v", "EXAT", str(int(START) + 100)), OK),
                (("TTL", "a"), 100),
                (("SET", "a", "v", "PXAT", str(now_ms + 30_000)), OK),
                (("TTL", "a"), 30),
                (("SET", "a", "w", "KEEPTTL"), OK),
                (("TTL", "a"), 30),
                (("GET", "a"), b"w"),
                (("SET", "a", "v"), OK),
                (("TTL", "a"), -1),
            ]
        )
        self.assertEqual(self.client.db.ttl_ms(b"a"), None)

    def test_set_deadline_in_past_deletes(self) -> None:
        """An absolute deadline already passed stores nothing but still answers OK."""
        self.call("SET", "k", "old")
        self.assertEqual(self.call("SET", "k", "v", "EXAT", "1"), OK)
        self.assertEqual(self.call("GET", "k"), None)
        self.assertEqual(self.call("SET", "k", "v", "PXAT", "1", "GET"), None)

    def test_set_errors(self) -> None:
        """Conflicting or malformed options are syntax errors; bad times have their own."""
        invalid = err(errors.INVALID_EXPIRE.format("set"))
        self.check(
            [
                (("SET", "k", "v", "NX", "XX"), err(errors.SYNTAX)),
                (("SET", "k", "v", "EX"), err(errors.SYNTAX)),
                (("SET", "k", "v", "EX", "10", "PX", "10"), err(errors.SYNTAX)),
                (("SET", "k", "v", "KEEPTTL", "EX", "10"), err(errors.SYNTAX)),
                (("SET", "k", "v", "EX", "10", "KEEPTTL"), err(errors.SYNTAX)),
                (("SET", "k", "v", "BOGUS"), err(errors.SYNTAX)),
                (("SET", "k", "v", "EX", "abc"), err(errors.NOT_INTEGER)),
                (("SET", "k", "v", "EX", "1.5"), err(errors.NOT_INTEGER)),
                (("SET", "k", "v", "EX", "0"), invalid),
                (("SET", "k", "v", "PX", "-1"), invalid),
                (("SET", "k", "v", "EXAT", "0"), invalid),
                (("SET", "k", "v", "EX", "9223372036854775"), invalid),
                (("SET", "k", "v", "PX", "9223372036854775807"), invalid),
                (("GET", "k"), None),
            ]
        )

    def test_set_repeated_options(self) -> None:
        """Repeating NX, KEEPTTL or the same expiry unit is allowed, as in Redis; the last
        expiry wins."""
        self.check(
            [
                (("SET", "k", "v", "NX", "NX"), OK),
                (("SET", "k", "v", "KEEPTTL", "KEEPTTL"), OK),
                (("SET", "k", "v", "EX", "10", "EX", "20"), OK),
                (("TTL", "k"), 20),
                (("SET", "k", "w", "GET", "GET"), b"v"),
            ]
        )

    def test_set_ex_expires_with_clock(self) -> None:
        """A key set with EX is gone once the clock passes its deadline."""
        self.call("SET", "k", "v", "EX", "10")
        self.clock.advance(9.999)
        self.assertEqual(self.call("GET", "k"), b"v")
        self.clock.advance(0.001)
        self.assertEqual(self.call("GET", "k"), None)
        self.assertEqual(self.call("EXISTS", "k"), 0)
        self.assertEqual(self.server.keyspace_stats.expired_keys, 1)
        self.assertIn("expired_keys:1\r\n", self.info("stats"))

    def test_cron_expires_untouched_keys(self) -> None:
        """The cron's active expiry removes expired keys nobody reads."""
        for i in range(5):
            self.call("SET", f"k{i}", "v", "PX", "100")
        self.clock.advance(1)
        self.server.cron()
        self.assertEqual(self.call("DBSIZE"), 0)

    def test_incr(self) -> None:
        """INCR counts from zero, keeps the TTL, and refuses non-integers and overflow."""
        self.client.db.set(b"list", [b"a"])
        self.check(
            [
                (("INCR", "n"), 1),
                (("INCR", "n"), 2),
                (("SET", "t", "10", "EX", "100"), OK),
                (("INCR", "t"), 11),
                (("TTL", "t"), 100),
                (("GET", "t"), b"11"),
                (("SET", "s", "abc"), OK),
                (("INCR", "s"), err(errors.NOT_INTEGER)),
                (("SET", "s", " 1"), OK),
                (("INCR", "s"), err(errors.NOT_INTEGER)),
                (("SET", "m", "9223372036854775807"), OK),
                (("INCR", "m"), err(errors.OVERFLOW)),
                (("SET", "m", "-9223372036854775808"), OK),
                (("INCR", "m"), -9223372036854775807),
                (("INCR", "list"), err(errors.WRONGTYPE)),
            ]
        )


class GenericCommandTests(CommandTestCase):
    """DEL EXISTS EXPIRE TTL."""

    def test_del_and_exists(self) -> None:
        """DEL counts keys removed; EXISTS counts every argument that exists, repeats included."""
        self.call("SET", "a", "1")
        self.call("SET", "b", "2")
        self.check(
            [
                (("EXISTS", "a", "a", "b", "c"), 3),
                (("DEL", "a", "a", "c"), 1),
                (("EXISTS", "a"), 0),
                (("DEL", "b"), 1),
                (("DEL", "b"), 0),
            ]
        )

    def test_expire_and_ttl(self) -> None:
        """EXPIRE sets a TTL on an existing key; TTL is -2 for a missing key, -1 with none."""
        self.call("SET", "k", "v")
        self.check(
            [
                (("TTL", "missing"), -2),
                (("TTL", "k"), -1),
                (("EXPIRE", "missing", "10"), 0),
                (("EXPIRE", "k", "10"), 1),
                (("TTL", "k"), 10),
            ]
        )
        self.clock.advance(10)
        self.assertEqual(self.call("TTL", "k"), -2)

    def test_expire_options(self) -> None:
        """NX, XX, GT and LT follow Redis (no TTL counts as infinite)."""
        self.call("SET", "k", "v")
        self.check(
            [
                (("EXPIRE", "k", "100", "XX"), 0),
                (("EXPIRE", "k", "100", "GT"), 0),
                (("EXPIRE", "k", "100", "LT"), 1),
                (("EXPIRE", "k", "200", "NX"), 0),
                (("EXPIRE", "k", "50", "gt"), 0),
                (("EXPIRE", "k", "200", "gt"), 1),
                (("EXPIRE", "k", "300", "LT"), 0),
                (("EXPIRE", "k", "60", "LT"), 1),
                (("EXPIRE", "k", "70", "XX"), 1),
                (("TTL", "k"), 70),
                (("EXPIRE", "k", "70", "XX", "GT"), 0),
            ]
        )

    def test_expire_in_past_deletes(self) -> None:
        """A zero or negative TTL deletes the key and answers 1."""
        self.call("SET", "k", "v")
        self.assertEqual(self.call("EXPIRE", "k", "-1"), 1)
        self.assertEqual(self.call("EXISTS", "k"), 0)
        self.call("SET", "k", "v")
        self.assertEqual(self.call("EXPIRE", "k", "0"), 1)
        self.assertEqual(self.call("EXISTS", "k"), 0)

    def test_expire_errors(self) -> None:
        """Option conflicts, unknown options and bad times give Redis's errors."""
        self.call("SET", "k", "v")
        self.check(
            [
                (("EXPIRE", "k", "10", "NX", "XX"), err(errors.EXPIRE_NX_CONFLICT)),
                (("EXPIRE", "k", "10", "NX", "GT"), err(errors.EXPIRE_NX_CONFLICT)),
                (("EXPIRE", "k", "10", "GT", "LT"), err(errors.EXPIRE_GT_LT_CONFLICT)),
                (("EXPIRE", "k", "10", "foo"), err(errors.unsupported_option(b"foo"))),
                (("EXPIRE", "k", "abc", "NX", "XX"), err(errors.EXPIRE_NX_CONFLICT)),
                (("EXPIRE", "k", "abc"), err(errors.NOT_INTEGER)),
                (
                    ("EXPIRE", "k", "9223372036854775807"),
                    err(errors.INVALID_EXPIRE.format("expire")),
                ),
                (
                    ("EXPIRE", "k", "9223372036854775"),
                    err(errors.INVALID_EXPIRE.format("expire")),
                ),
                (("TTL", "k"), -1),
            ]
        )


class ServerCommandTests(CommandTestCase):
    """DBSIZE FLUSHDB FLUSHALL TIME INFO."""

    def test_dbsize_flushdb_flushall(self) -> None:
        """FLUSHDB empties the selected database and FLUSHALL all of them."""
        self.call("SET", "a", "1")
        self.call("SET", "b", "2")
        self.call("SELECT", "1")
        self.call("SET", "c", "3")
        self.check(
            [
                (("DBSIZE",), 1),
                (("FLUSHDB", "bogus"), err(errors.SYNTAX)),
                (("FLUSHDB", "SYNC"), OK),
                (("DBSIZE",), 0),
                (("SELECT", "0"), OK),
                (("DBSIZE",), 2),
                (("FLUSHALL", "x"), err(errors.SYNTAX)),
                (("FLUSHALL", "ASYNC"), OK),
                (("DBSIZE",), 0),
                (("FLUSHALL",), OK),
                (("FLUSHDB",), OK),
            ]
        )

    def test_time(self) -> None:
        """TIME returns the clock's seconds and microseconds as strings."""
        self.assertEqual(self.call("TIME"), [b"1700000000", b"250000"])
        self.clock.advance(1.5)
        self.assertEqual(self.call("TIME"), [b"1700000001", b"750000"])

    def test_info_sections(self) -> None:
        """INFO gives the default sections; a name selects one; ``all`` adds commandstats."""
        default = self.info()
        for title in ("# Server", "# Clients", "# Stats", "# Keyspace", "# Errorstats"):
            with self.subTest(title=title):
                self.assertIn(title + "\r\n", default)
        self.assertNotIn("# Commandstats", default)
        server = self.info("server")
        self.assertTrue(server.startswith("# Server\r\n"))
        self.assertNotIn("# Clients", server)
        self.assertIn(f"redis_version:{REDIS_VERSION}\r\n", server)
        both = self.info("SERVER", "clients")
        self.assertIn("# Clients", both)
        self.assertIn("connected_clients:1\r\n", both)
        self.assertIn("# Commandstats", self.info("all"))
        self.assertEqual(self.info("nosuchsection"), "")

    def test_info_keyspace_and_stats(self) -> None:
        """INFO reports keys per database and keyspace hits and misses."""
        self.call("SET", "a", "1", "EX", "100")
        self.call("SET", "b", "1")
        self.call("GET", "a")
        self.call("GET", "zz")
        keyspace = self.info("keyspace")
        self.assertIn("db0:keys=2,expires=1,avg_ttl=", keyspace)
        stats = self.info("stats")
        self.assertIn("keyspace_hits:1\r\n", stats)
        self.assertIn("keyspace_misses:1\r\n", stats)


class ConfigCommandTests(CommandTestCase):
    """CONFIG GET SET RESETSTAT REWRITE."""

    def test_config_get(self) -> None:
        """CONFIG GET returns a map of matching names and values."""
        reply = self.call("CONFIG", "GET", "maxmemory", "hz")
        assert isinstance(reply, Map)
        self.assertEqual(reply.items, [(b"maxmemory", b"0"), (b"hz", b"10")])
        reply = self.call("CONFIG", "GET", "nosuch")
        assert isinstance(reply, Map)
        self.assertEqual(reply.items, [])

    def test_config_set(self) -> None:
        """CONFIG SET applies all pairs or none, with Redis's errors."""
        self.check(
            [
                (("CONFIG", "SET", "hz", "20", "maxmemory", "1mb"), OK),
                (
                    ("CONFIG", "SET", "hz", "30", "appendonly", "maybe"),
                    err(errors.config_set_failed("appendonly", "argument must be 'yes' or 'no'")),
                ),
                (
                    ("CONFIG", "SET", "databases", "3"),
                    err(errors.config_set_failed("databases", "can't set immutable config")),
                ),
                (
                    ("CONFIG", "SET", "hz", "1", "hz", "2"),
                    err(errors.config_duplicate("hz")),
                ),
                (
                    ("CONFIG", "SET", "nosuch", "1"),
                    err(errors.config_unknown_option("nosuch")),
                ),
            ]
        )
        self.assertEqual((self.config["hz"], self.config["maxmemory"]), (20, 1024 * 1024))

    def test_config_set_odd_arguments(self) -> None:
        """An odd number of CONFIG SET arguments is a syntax error, as in Redis 7."""
        reply = self.call("CONFIG", "SET", "hz", "10", "maxmemory")
        self.assertEqual(reply, err(errors.SYNTAX))

    def test_config_resetstat(self) -> None:
        """CONFIG RESETSTAT zeroes server, keyspace and command statistics."""
        self.call("GET", "k")
        self.call("GET")
        self.assertEqual(self.call("CONFIG", "RESETSTAT"), OK)
        get = self.server.commands.get(b"get")
        assert get is not None
        self.assertEqual((get.calls, get.rejected_calls), (0, 0))
        self.assertEqual(self.server.keyspace_stats.misses, 0)
        self.assertEqual(self.server.stats.errors, {})
        self.assertEqual(self.server.stats.error_replies, 0)

    def test_config_rewrite(self) -> None:
        """CONFIG REWRITE updates the config file in place, keeping comments."""
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        path = os.path.join(directory, "redis.conf")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("# my config\nhz 10\n")
        self.config.path = path
        self.call("CONFIG", "SET", "hz", "25", "maxmemory", "2mb")
        self.assertEqual(self.call("CONFIG", "REWRITE"), OK)
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        self.assertEqual(text, "# my config\nhz 25\n# Generated by CONFIG REWRITE\nmaxmemory 2mb\n")

    def test_config_rewrite_without_file(self) -> None:
        """CONFIG REWRITE without a config file is an error."""
        self.assertEqual(self.call("CONFIG", "REWRITE"), err(errors.NO_CONFIG_FILE))


class CommandCommandTests(CommandTestCase):
    """COMMAND COUNT INFO DOCS LIST GETKEYS."""

    def test_count(self) -> None:
        """COMMAND COUNT counts top-level commands; COMMAND lists each once."""
        count = self.call("COMMAND", "COUNT")
        self.assertEqual(count, len(self.server.commands))
        everything = self.call("COMMAND")
        assert isinstance(everything, list)
        self.assertEqual(len(everything), count)

    def test_info(self) -> None:
        """COMMAND INFO gives Redis's ten fields; unknown names are null."""
        reply = self.call("COMMAND", "INFO", "get", "nosuch", "client|id")
        assert isinstance(reply, list)
        get, missing, client_id = reply
        assert isinstance(get, list) and isinstance(client_id, list)
        self.assertIsNone(missing)
        self.assertEqual(get[:2], [b"get", 2])
        flags = get[2]
        assert isinstance(flags, SetReply)
        self.assertEqual(set(flags.items), {Status("readonly"), Status("fast")})
        self.assertEqual(get[3:6], [1, 1, 1])
        categories = get[6]
        assert isinstance(categories, SetReply)
        self.assertEqual(
            set(categories.items), {Status("@read"), Status("@string"), Status("@fast")}
        )
        self.assertEqual(len(get), 10)
        self.assertEqual(client_id[:2], [b"client|id", 2])

    def test_docs(self) -> None:
        """COMMAND DOCS maps names to summary, since, group and complexity."""
        reply = self.call("COMMAND", "DOCS", "get", "nosuch")
        assert isinstance(reply, Map)
        ((name, docs),) = reply.items
        self.assertEqual(name, b"get")
        assert isinstance(docs, Map)
        fields = dict(docs.items)
        self.assertEqual(fields[b"since"], b"1.0.0")
        self.assertEqual(fields[b"group"], b"string")
        self.assertEqual(fields[b"complexity"], b"O(1)")

    def test_list(self) -> None:
        """COMMAND LIST includes subcommands and filters by pattern and ACL category."""
        names = self.call("COMMAND", "LIST")
        assert isinstance(names, list)
        self.assertIn(b"get", names)
        self.assertIn(b"client|id", names)
        self.assertEqual(len(names), len(set(names)))
        matching = self.call("COMMAND", "LIST", "FILTERBY", "PATTERN", "ex*")
        assert isinstance(matching, list)
        self.assertTrue(all(isinstance(n, bytes) and n.startswith(b"ex") for n in matching))
        self.assertLessEqual({b"exists", b"expire", b"expireat"}, set(matching))
        self.assertNotIn(b"get", matching)
        string_cmds = self.call("COMMAND", "LIST", "FILTERBY", "ACLCAT", "string")
        assert isinstance(string_cmds, list)
        self.assertIn(b"get", string_cmds)
        self.assertNotIn(b"ping", string_cmds)
        self.assertEqual(self.call("COMMAND", "LIST", "FILTERBY", "MODULE", "x"), [])
        self.assertEqual(self.call("COMMAND", "LIST", "BOGUS"), err(errors.SYNTAX))

    def test_getkeys(self) -> None:
        """COMMAND GETKEYS extracts keys and reports Redis's errors."""
        self.check(
            [
                (("COMMAND", "GETKEYS", "SET", "k", "v", "EX", "1"), [b"k"]),
                (("COMMAND", "GETKEYS", "del", "a", "b"), [b"a", b"b"]),
                (("COMMAND", "GETKEYS", "nosuch", "a"), err(errors.INVALID_COMMAND_SPECIFIED)),
                (("COMMAND", "GETKEYS", "PING", "x"), err(errors.NO_KEY_ARGS)),
                (("COMMAND", "GETKEYS", "SET", "k"), err(errors.INVALID_GETKEYS_ARGS)),
            ]
        )
