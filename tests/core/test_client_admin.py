"""Core tests of CLIENT LIST KILL COUNT HELP NO-EVICT NO-TOUCH UNBLOCK: ``Server.execute`` with
clients whose connections are :class:`FakePeer` objects, no sockets."""

from __future__ import annotations

from twisted.internet import task
from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core import errors
from pyredisd.core.clients import Client
from pyredisd.core.replies import OK, ErrorReply, Reply, Status, Verbatim
from pyredisd.core.server import Server

START = 1_700_000_000.25
# CLIENT LIST's fields: Redis 7.4's, in its order, then Redis 8's and Valkey 8's tot-* counters.
FIELDS = (
    "id addr laddr fd name age idle flags db sub psub ssub multi watch qbuf qbuf-free "
    "argv-mem multi-mem rbs rbp obl oll omem tot-mem events cmd user redir resp "
    "lib-name lib-ver tot-net-in tot-net-out tot-cmds"
)


class FakePeer:
    """A connection that records what the core asked of it."""

    def __init__(self) -> None:
        self.closed = False
        self.aborted = False
        self.pushed: list[bytes] = []
        self.refreshed = 0

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def push(self, data: bytes) -> None:
        self.pushed.append(data)

    def refresh(self) -> None:
        self.refreshed += 1

    def drop(self, reason: str) -> None:
        self.aborted = True


class ClientAdminTestCase(SynchronousTestCase):
    """A server on a ``task.Clock`` and three connected clients with fake peers."""

    def setUp(self) -> None:
        self.clock = task.Clock()
        self.clock.advance(START)
        self.server = Server(clock=self.clock)
        self.peers = [FakePeer() for _ in range(3)]
        self.me, self.other, self.third = (
            self.server.new_client(peer, addr=f"127.0.0.1:{5000 + n}", laddr="127.0.0.1:6379")
            for n, peer in enumerate(self.peers)
        )

    def call(self, *args: str | int, client: Client | None = None) -> Reply:
        """Execute one command as ``client`` (default ``self.me``)."""
        argv = [str(arg).encode() for arg in args]
        return self.server.execute(client if client is not None else self.me, argv)

    def listed(self, *args: str | int) -> list[dict[str, str]]:
        """CLIENT LIST (with ``args``) parsed into one dict per line."""
        reply = self.call("CLIENT", "LIST", *args)
        assert isinstance(reply, Verbatim), reply
        text = reply.data.decode()
        self.assertTrue(text == "" or text.endswith("\n"))
        return [dict(f.split("=", 1) for f in line.split(" ")) for line in text.splitlines()]

    def connected(self) -> list[int]:
        """The ids still registered."""
        return [c.id for c in self.server.clients]


class ListTests(ClientAdminTestCase):
    """CLIENT LIST and CLIENT COUNT."""

    def test_list_fields_in_redis_order(self) -> None:
        """Each line has Redis 7.4's fields in order, then tot-net-in/out and tot-cmds."""
        reply = self.call("CLIENT", "LIST")
        assert isinstance(reply, Verbatim)
        self.assertEqual(reply.fmt, "txt")
        first = reply.data.decode().splitlines()[0]
        keys = [field.split("=", 1)[0] for field in first.split(" ")]
        self.assertEqual(keys, FIELDS.split())

    def test_list_values(self) -> None:
        """Values reflect each client: the caller's last command, others' NULL, ages."""
        self.clock.advance(5)
        self.call("CLIENT", "SETNAME", "me")
        lines = self.listed()
        self.assertEqual([line["id"] for line in lines], [str(c) for c in self.connected()])
        mine, other = lines[0], lines[1]
        self.assertEqual(mine["name"], "me")
        self.assertEqual(mine["cmd"], "client|list")
        self.assertEqual((mine["age"], mine["idle"]), ("5", "0"))
        self.assertEqual(other["cmd"], "NULL")
        self.assertEqual((other["age"], other["idle"]), ("5", "5"))
        self.assertEqual(other["flags"], "N")
        self.assertEqual(other["events"], "r")
        self.assertEqual(other["tot-cmds"], "0")

    def test_list_measurements_come_from_the_connection(self) -> None:
        """qbuf, obl, oll, omem and events are what the connection's callables report, and
        tot-mem sums the buffers."""
        self.other.qbuf = lambda: 10
        self.other.obl = lambda: 20
        self.other.oll = lambda: 2
        self.other.omem = lambda: 300
        self.other.events = lambda: "rw"
        self.other.argv_mem = 4
        line = self.listed("ID", self.other.id)[0]
        self.assertEqual(
            [line[k] for k in ("qbuf", "argv-mem", "obl", "oll", "omem", "tot-mem", "events")],
            ["10", "4", "20", "2", "300", "334", "rw"],
        )

    def test_flags_letters(self) -> None:
        """Mode flags appear as Redis's letters in Redis's order."""
        self.other.monitor = True
        self.other.pubsub = True
        self.other.blocked = True
        self.other.no_evict = True
        self.other.no_touch = True
        self.other.unix = True
        self.other.close_after_reply = True
        self.assertEqual(self.other.flags(), "OPbcUeT")
        self.third.replica = True
        self.third.master_link = True
        self.assertEqual(self.third.flags(), "SM")

    def test_list_filters(self) -> None:
        """Redis's TYPE and ID forms and the extension filters select lines."""
        self.other.pubsub = True
        self.assertEqual([x["id"] for x in self.listed("TYPE", "pubsub")], [str(self.other.id)])
        self.assertEqual(
            [x["id"] for x in self.listed("ID", self.third.id, self.me.id, 12345)],
            [str(self.me.id), str(self.third.id)],
        )
        self.assertEqual(
            [x["id"] for x in self.listed("SKIPME", "yes", "NOT-TYPE", "pubsub")],
            [str(self.third.id)],
        )
        self.assertEqual(self.listed("ID", 12345), [])

    def test_list_errors(self) -> None:
        """LIST's errors are Redis's."""
        cases: list[tuple[tuple[str | int, ...], str]] = [
            (("foo",), errors.SYNTAX),
            (("ID",), errors.SYNTAX),
            (("TYPE", "normal", "x"), errors.SYNTAX),
            (("TYPE", "foo"), "ERR Unknown client type 'foo'"),
            (("ID", 1, "x"), "ERR Invalid client ID"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                self.assertEqual(self.call("CLIENT", "LIST", *args), ErrorReply(message))

    def test_count(self) -> None:
        """CLIENT COUNT counts all clients, or those matching the LIST filters."""
        self.other.name = b"x"
        self.assertEqual(self.call("CLIENT", "COUNT"), 3)
        self.assertEqual(self.call("CLIENT", "COUNT", "NAME", "x"), 1)
        self.assertEqual(self.call("CLIENT", "COUNT", "SKIPME", "yes"), 2)
        self.assertEqual(
            self.call("CLIENT", "COUNT", "TYPE", "bad"),
            ErrorReply("ERR Unknown client type 'bad'"),
        )


class KillTests(ClientAdminTestCase):
    """CLIENT KILL, old and new form."""

    def test_kill_by_id_aborts_the_other_client_at_once(self) -> None:
        """Another matching client is aborted (output discarded) and forgotten before the
        reply; the caller stays open."""
        self.assertEqual(self.call("CLIENT", "KILL", "ID", self.other.id), 1)
        self.assertEqual(
            [(p.aborted, p.closed) for p in self.peers],
            [(False, False), (True, False), (False, False)],
        )
        self.assertEqual(self.connected(), [self.me.id, self.third.id])
        self.assertFalse(self.me.close_after_reply)
        self.assertEqual(self.call("CLIENT", "COUNT"), 2)

    def test_kill_several_ids_counts_them(self) -> None:
        """KILL ID takes several ids (an extension) and replies with the number killed."""
        reply = self.call("CLIENT", "KILL", "ID", self.other.id, self.third.id, 999)
        self.assertEqual(reply, 2)
        self.assertEqual(self.connected(), [self.me.id])

    def test_kill_skips_the_caller_unless_skipme_no(self) -> None:
        """The new form skips the caller by default; with SKIPME no the caller is counted,
        gets its reply, and is closed after it rather than aborted."""
        self.assertEqual(self.call("CLIENT", "KILL", "ID", self.me.id), 0)
        self.assertFalse(self.me.close_after_reply)
        reply = self.call("CLIENT", "KILL", "LADDR", "127.0.0.1:6379", "SKIPME", "no")
        self.assertEqual(reply, 3)
        self.assertTrue(self.me.close_after_reply)
        self.assertFalse(self.peers[0].aborted)
        self.assertEqual([p.aborted for p in self.peers[1:]], [True, True])
        self.assertEqual(self.connected(), [self.me.id])
        self.assertIn("c", self.me.flags())

    def test_old_form(self) -> None:
        """``CLIENT KILL addr`` answers OK, may kill the caller, and errors when no client has
        that address (any single argument is an address)."""
        self.assertEqual(self.call("CLIENT", "KILL", "127.0.0.1:5001"), OK)
        self.assertTrue(self.peers[1].aborted)
        self.assertEqual(
            self.call("CLIENT", "KILL", "127.0.0.1:5001"), ErrorReply("ERR No such client")
        )
        self.assertEqual(self.call("CLIENT", "KILL", "ID"), ErrorReply("ERR No such client"))
        self.assertEqual(self.call("CLIENT", "KILL", "127.0.0.1:5000"), OK)
        self.assertTrue(self.me.close_after_reply)
        self.assertFalse(self.peers[0].aborted)

    def test_parse_errors_kill_nothing(self) -> None:
        """A bad filter anywhere fails the whole command before anything is killed."""
        cases: list[tuple[tuple[str | int, ...], str]] = [
            (("ID", self.other.id, "TYPE", "bogus"), "ERR Unknown client type 'bogus'"),
            (("ID", self.other.id, "SKIPME"), errors.SYNTAX),
            (("ID", "x"), "ERR client-id should be greater than 0"),
            (("ID", self.other.id, "MAXAGE", 0), "ERR maxage should be greater than 0"),
            (("USER", "nobody"), "ERR No such user 'nobody'"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                self.assertEqual(self.call("CLIENT", "KILL", *args), ErrorReply(message))
        self.assertEqual(len(self.server.clients), 3)
        self.assertFalse(any(p.aborted for p in self.peers))
        self.assertEqual(self.call("CLIENT", "KILL"), ErrorReply(errors.wrong_arity("client|kill")))

    def test_kill_client_without_connection(self) -> None:
        """A client with no peer (a test double) is simply detached."""
        ghost = self.server.new_client()
        self.assertEqual(self.call("CLIENT", "KILL", "ID", ghost.id), 1)
        self.assertNotIn(ghost.id, self.connected())

    def test_kill_by_maxage(self) -> None:
        """MAXAGE kills only clients connected at least that long."""
        self.clock.advance(30)
        young = self.server.new_client(FakePeer())
        self.assertEqual(self.call("CLIENT", "KILL", "MAXAGE", 30), 2)
        self.assertEqual(self.connected(), [self.me.id, young.id])


class ModeTests(ClientAdminTestCase):
    """HELP, NO-EVICT, NO-TOUCH and UNBLOCK."""

    def test_help(self) -> None:
        """HELP is an array of status lines starting with Redis's header and ending with
        HELP's own entry."""
        reply = self.call("CLIENT", "HELP")
        assert isinstance(reply, tuple)
        self.assertTrue(all(isinstance(line, Status) for line in reply))
        texts = [line.text for line in reply if isinstance(line, Status)]
        self.assertEqual(
            texts[0], "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
        )
        self.assertEqual(texts[-2:], ["HELP", "    Print this help."])
        self.assertIn("COUNT [options ...]", texts)

    def test_no_evict_and_no_touch(self) -> None:
        """ON/OFF in any case set the e and T flags; anything else is a syntax error."""
        self.assertEqual(self.call("CLIENT", "NO-EVICT", "on"), OK)
        self.assertEqual(self.call("CLIENT", "NO-TOUCH", "ON"), OK)
        self.assertEqual(self.me.flags(), "eT")
        self.assertEqual(self.call("CLIENT", "NO-EVICT", "Off"), OK)
        self.assertEqual(self.me.flags(), "T")
        self.assertEqual(self.call("CLIENT", "NO-TOUCH", "yes"), ErrorReply(errors.SYNTAX))
        self.assertEqual(self.call("CLIENT", "NO-EVICT", "1"), ErrorReply(errors.SYNTAX))
        self.assertEqual(
            self.call("CLIENT", "NO-EVICT", "on", "x"),
            ErrorReply(errors.wrong_arity("client|no-evict")),
        )
        self.assertTrue(self.me.no_touch)

    def test_reset_clears_the_modes(self) -> None:
        """RESET turns NO-EVICT, NO-TOUCH and CLIENT REPLY modes off, as Redis does."""
        self.call("CLIENT", "NO-EVICT", "on")
        self.call("CLIENT", "NO-TOUCH", "on")
        self.me.reply_mode = "off"
        self.assertEqual(self.call("RESET"), Status("RESET"))
        self.assertEqual((self.me.flags(), self.me.reply_mode), ("N", "on"))
        self.assertEqual(self.peers[0].refreshed, 1)

    def test_unblock(self) -> None:
        """UNBLOCK calls a blocked client's hook with the reason and answers 1; otherwise 0."""
        reasons: list[str] = []
        self.assertEqual(self.call("CLIENT", "UNBLOCK", self.other.id), 0)
        self.other.blocked = True
        self.other.unblock = reasons.append
        self.assertEqual(self.call("CLIENT", "UNBLOCK", self.other.id), 1)
        self.assertEqual(self.call("CLIENT", "UNBLOCK", self.other.id, "ERROR"), 1)
        self.assertEqual(self.call("CLIENT", "UNBLOCK", self.other.id, "timeout"), 1)
        self.assertEqual(reasons, ["timeout", "error", "timeout"])
        self.assertEqual(self.call("CLIENT", "UNBLOCK", 999), 0)
        self.assertEqual(self.call("CLIENT", "UNBLOCK", self.third.id), 0)

    def test_unblock_errors(self) -> None:
        """The reason is checked before the id; extra arguments are Redis's subcommand
        syntax error."""
        self.assertEqual(
            self.call("CLIENT", "UNBLOCK", "abc", "foo"), ErrorReply(errors.UNBLOCK_REASON)
        )
        self.assertEqual(self.call("CLIENT", "UNBLOCK", "abc"), ErrorReply(errors.NOT_INTEGER))
        self.assertEqual(
            self.call("client", "unblock", 1, "timeout", "x"),
            ErrorReply(
                "ERR unknown subcommand or wrong number of arguments for 'unblock'. "
                "Try CLIENT HELP."
            ),
        )

    def test_command_metadata(self) -> None:
        """The new subcommands are in COMMAND INFO with Redis's flags."""
        reply = self.call("COMMAND", "INFO", "client|kill", "client|no-touch", "client|count")
        assert isinstance(reply, list)
        names = [entry[0] for entry in reply if isinstance(entry, list)]
        self.assertEqual(names, [b"client|kill", b"client|no-touch", b"client|count"])
        kill = self.server.commands.resolve([b"client", b"kill"])
        assert kill is not None
        self.assertEqual(
            sorted(kill.flags.names()), ["admin", "loading", "noscript", "sentinel", "stale"]
        )


class ArgvMemTests(SynchronousTestCase):
    def test_caller_counts_its_running_command(self) -> None:
        """argv-mem of the caller is its running command's argument bytes (Redis: 10 for
        ``CLIENT INFO``); other idle clients show 0."""
        server = Server(clock=task.Clock())
        caller, other = server.new_client(), server.new_client()
        info = server.execute(caller, [b"CLIENT", b"INFO"])
        assert isinstance(info, Verbatim)
        self.assertIn(b" argv-mem=10 ", info.data)
        listing = server.execute(caller, [b"CLIENT", b"LIST"])
        assert isinstance(listing, Verbatim)
        lines = listing.data.decode().splitlines()
        self.assertIn(" argv-mem=10 ", next(line for line in lines if f"id={caller.id} " in line))
        self.assertIn(" argv-mem=0 ", next(line for line in lines if f"id={other.id} " in line))
