"""The CLIENT KILL / LIST / COUNT filter grammar and matching, without any command."""

from __future__ import annotations

from twisted.internet import task
from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core import errors
from pyredisd.core.client_filters import ClientFilter, parse_filters
from pyredisd.core.clients import Client
from pyredisd.core.errors import CommandError
from pyredisd.core.server import Server

START = 1_700_000_000.75


def parse(*args: str, kill: bool = False) -> ClientFilter:
    """Parse ``args`` as the filters after ``CLIENT LIST`` (or ``CLIENT KILL``)."""
    return parse_filters([arg.encode() for arg in args], 0, kill=kill, databases=16)


class FilterTestCase(SynchronousTestCase):
    """Four clients on a ``task.Clock`` server: TCP IPv4, TCP IPv6, Unix, and the caller."""

    def setUp(self) -> None:
        self.clock = task.Clock()
        self.clock.advance(START)
        self.server = Server(clock=self.clock)
        self.v4 = self.server.new_client(addr="10.0.0.1:5000", laddr="10.0.0.9:6379")
        self.v6 = self.server.new_client(addr="[::1]:5001", laddr="[::1]:6379")
        self.unix = self.server.new_client(addr="/tmp/r.sock:0", laddr="/tmp/r.sock:0", unix=True)
        self.me = self.server.new_client(addr="10.0.0.2:5002", laddr="10.0.0.9:6379")

    def ids(self, selected: ClientFilter, caller: Client | None = None) -> list[int]:
        """The ids of the clients ``selected`` matches, the caller being ``self.me``."""
        me = self.me if caller is None else caller
        return [c.id for c in selected.select(self.server.clients, me, self.clock.seconds())]

    def all_ids(self, *clients: Client) -> list[int]:
        """The ids of ``clients``."""
        return [c.id for c in clients]


class MatchingTests(FilterTestCase):
    """Each filter, its negation, and how filters combine."""

    def test_no_filters_match_everyone_for_list(self) -> None:
        """With no filters LIST matches every client, the caller included (SKIPME no)."""
        self.assertEqual(self.ids(parse()), self.all_ids(self.v4, self.v6, self.unix, self.me))

    def test_kill_skips_the_caller_by_default(self) -> None:
        """KILL's SKIPME defaults to yes; SKIPME no includes the caller, SKIPME yes in LIST
        excludes it."""
        everyone = self.all_ids(self.v4, self.v6, self.unix, self.me)
        self.assertEqual(self.ids(parse(kill=True)), everyone[:-1])
        self.assertEqual(self.ids(parse("SKIPME", "no", kill=True)), everyone)
        self.assertEqual(self.ids(parse("skipme", "YES")), everyone[:-1])

    def test_id(self) -> None:
        """ID takes one or more ids, repeated ID filters accumulate, NOT-ID excludes them."""
        self.assertEqual(self.ids(parse("ID", str(self.v6.id))), [self.v6.id])
        self.assertEqual(
            self.ids(parse("ID", str(self.v4.id), str(self.unix.id), "999")),
            self.all_ids(self.v4, self.unix),
        )
        self.assertEqual(
            self.ids(parse("ID", str(self.v4.id), "ID", str(self.v6.id))),
            self.all_ids(self.v4, self.v6),
        )
        self.assertEqual(
            self.ids(parse("NOT-ID", str(self.v4.id), str(self.me.id))),
            self.all_ids(self.v6, self.unix),
        )
        self.assertEqual(self.ids(parse("ID", "0", "-5")), [])

    def test_type(self) -> None:
        """TYPE selects by :meth:`Client.kind`; MONITOR clients are normal; ``slave`` and
        ``primary`` are aliases; NOT-TYPE inverts it."""
        self.v4.pubsub = True
        self.v6.monitor = True
        self.unix.master_link = True
        self.me.replica = True
        cases = [
            ("normal", [self.v6]),
            ("NORMAL", [self.v6]),
            ("pubsub", [self.v4]),
            ("master", [self.unix]),
            ("primary", [self.unix]),
            ("replica", [self.me]),
            ("slave", [self.me]),
        ]
        for name, expected in cases:
            with self.subTest(type=name):
                self.assertEqual(self.ids(parse("TYPE", name)), self.all_ids(*expected))
        self.assertEqual(
            self.ids(parse("NOT-TYPE", "normal")), self.all_ids(self.v4, self.unix, self.me)
        )

    def test_addresses(self) -> None:
        """ADDR and LADDR compare the whole address; the NOT- forms exclude it."""
        self.assertEqual(self.ids(parse("ADDR", "[::1]:5001")), [self.v6.id])
        self.assertEqual(self.ids(parse("ADDR", "/tmp/r.sock:0")), [self.unix.id])
        self.assertEqual(self.ids(parse("ADDR", "10.0.0.1")), [])
        self.assertEqual(self.ids(parse("LADDR", "10.0.0.9:6379")), self.all_ids(self.v4, self.me))
        self.assertEqual(
            self.ids(parse("NOT-ADDR", "10.0.0.1:5000")), self.all_ids(self.v6, self.unix, self.me)
        )
        self.assertEqual(
            self.ids(parse("NOT-LADDR", "10.0.0.9:6379")), self.all_ids(self.v6, self.unix)
        )

    def test_ip(self) -> None:
        """IP compares the address without its port (IPv6 without brackets); Unix clients
        never match."""
        self.assertEqual(self.ids(parse("IP", "10.0.0.1")), [self.v4.id])
        self.assertEqual(self.ids(parse("IP", "::1")), [self.v6.id])
        self.assertEqual(self.ids(parse("IP", "[::1]")), [])
        self.assertEqual(self.ids(parse("IP", "/tmp/r.sock")), [])
        self.assertEqual(self.ids(parse("IP", "10.0.0")), [])
        self.assertEqual(
            self.ids(parse("NOT-IP", "10.0.0.1")), self.all_ids(self.v6, self.unix, self.me)
        )

    def test_user(self) -> None:
        """USER matches the authenticated user's name; NOT-USER excludes it."""
        self.v4.user = "other"
        self.assertEqual(
            self.ids(parse("USER", "default")), self.all_ids(self.v6, self.unix, self.me)
        )
        self.assertEqual(self.ids(parse("NOT-USER", "default")), [self.v4.id])

    def test_maxage_and_idle(self) -> None:
        """MAXAGE and IDLE match clients at least that many whole seconds old or idle."""
        self.clock.advance(10)
        late = self.server.new_client(addr="10.0.0.3:1")
        self.v4.last_interaction = self.clock.seconds() - 2
        self.assertEqual(
            self.ids(parse("MAXAGE", "10")), self.all_ids(self.v4, self.v6, self.unix, self.me)
        )
        self.assertEqual(self.ids(parse("MAXAGE", "1")), self.ids(parse("MAXAGE", "10")))
        self.assertEqual(self.ids(parse("MAXAGE", "11")), [])
        self.assertEqual(self.ids(parse("IDLE", "3")), self.all_ids(self.v6, self.unix, self.me))
        self.assertEqual(
            self.ids(parse("IDLE", "2")), self.all_ids(self.v4, self.v6, self.unix, self.me)
        )
        self.assertIn(late.id, self.ids(parse()))

    def test_name_and_library(self) -> None:
        """NAME, LIB-NAME and LIB-VER compare exactly; unset values never match, so their
        NOT- forms keep unset clients."""
        self.v4.name = b"worker"
        self.v4.lib_name = b"redis-py"
        self.v6.lib_name = b"redis-py"
        self.v6.lib_ver = b"5.0.1"
        self.assertEqual(self.ids(parse("NAME", "worker")), [self.v4.id])
        self.assertEqual(self.ids(parse("NAME", "")), [])
        self.assertEqual(
            self.ids(parse("NOT-NAME", "worker")), self.all_ids(self.v6, self.unix, self.me)
        )
        self.assertEqual(self.ids(parse("LIB-NAME", "redis-py")), self.all_ids(self.v4, self.v6))
        self.assertEqual(self.ids(parse("LIB-VER", "5.0.1")), [self.v6.id])
        self.assertEqual(self.ids(parse("LIB-VER", "")), [])
        self.assertEqual(
            self.ids(parse("NOT-LIB-NAME", "redis-py")), self.all_ids(self.unix, self.me)
        )
        self.assertEqual(
            self.ids(parse("NOT-LIB-VER", "5.0.1")), self.all_ids(self.v4, self.unix, self.me)
        )

    def test_db(self) -> None:
        """DB matches the selected database; NOT-DB excludes it."""
        self.v6.select(3)
        self.assertEqual(self.ids(parse("DB", "3")), [self.v6.id])
        self.assertEqual(self.ids(parse("NOT-DB", "0")), [self.v6.id])

    def test_flags(self) -> None:
        """FLAGS needs every letter set; N means no flags; S also matches MONITOR clients
        (replicas internally, as in Redis); NOT-FLAGS inverts the whole test."""
        self.v4.no_evict = True
        self.v4.no_touch = True
        self.v6.monitor = True
        self.assertEqual(self.ids(parse("FLAGS", "e")), [self.v4.id])
        self.assertEqual(self.ids(parse("FLAGS", "Te")), [self.v4.id])
        self.assertEqual(self.ids(parse("FLAGS", "eU")), [])
        self.assertEqual(self.ids(parse("FLAGS", "U")), [self.unix.id])
        self.assertEqual(self.ids(parse("FLAGS", "O")), [self.v6.id])
        self.assertEqual(self.ids(parse("FLAGS", "S")), [self.v6.id])
        self.assertEqual(self.ids(parse("FLAGS", "N")), [self.me.id])
        self.assertEqual(self.ids(parse("FLAGS", "")), self.ids(parse()))
        self.assertEqual(
            self.ids(parse("NOT-FLAGS", "N")), self.all_ids(self.v4, self.v6, self.unix)
        )
        self.assertEqual(
            self.ids(parse("NOT-FLAGS", "eT")), self.all_ids(self.v6, self.unix, self.me)
        )

    def test_filters_combine_with_and(self) -> None:
        """Every filter given must match."""
        self.v4.name = b"w"
        self.v6.name = b"w"
        both = parse("NAME", "w", "LADDR", "10.0.0.9:6379")
        self.assertEqual(self.ids(both), [self.v4.id])
        self.assertEqual(self.ids(parse("NAME", "w", "NOT-ID", str(self.v4.id))), [self.v6.id])

    def test_repeated_filter_keeps_the_last_value(self) -> None:
        """A filter given twice keeps its last value, as in Redis."""
        self.assertEqual(
            self.ids(parse("ADDR", "10.0.0.1:5000", "addr", "[::1]:5001")), [self.v6.id]
        )
        self.assertEqual(self.ids(parse("SKIPME", "yes", "SKIPME", "no")), self.ids(parse()))

    def test_filter_names_are_case_insensitive(self) -> None:
        """Filter names and TYPE/SKIPME values ignore case."""
        self.assertEqual(
            self.ids(parse("not-Id", str(self.me.id), "Type", "Normal")),
            self.all_ids(self.v4, self.v6, self.unix),
        )


class ParseErrorTests(SynchronousTestCase):
    """Bad filters are reported with Redis's messages (Valkey's for its own filters)."""

    def check(self, cases: list[tuple[tuple[str, ...], str]], kill: bool) -> None:
        """Each ``args`` fails to parse with ``message``."""
        for args, message in cases:
            with self.subTest(args=args, kill=kill):
                with self.assertRaises(CommandError) as caught:
                    parse(*args, kill=kill)
                self.assertEqual(caught.exception.message, message)

    def test_errors_common_to_kill_and_list(self) -> None:
        """Syntax, TYPE, USER, SKIPME, MAXAGE, IDLE, FLAGS and DB errors."""
        cases = [
            (("foo", "bar"), errors.SYNTAX),
            (("TYPE",), errors.SYNTAX),
            (("ADDR", "a:1", "LADDR"), errors.SYNTAX),
            (("CAPA", "r"), errors.SYNTAX),
            (("NOT-SKIPME", "yes"), errors.SYNTAX),
            (("NOT-MAXAGE", "5"), errors.SYNTAX),
            (("TYPE", "foo"), "ERR Unknown client type 'foo'"),
            (("NOT-TYPE", "bar"), "ERR Unknown client type 'bar'"),
            (("USER", "bob"), "ERR No such user 'bob'"),
            (("NOT-USER", "bob"), "ERR No such user 'bob'"),
            (("SKIPME", "maybe"), errors.SYNTAX),
            (("MAXAGE", "x"), "ERR maxage is not an integer or out of range"),
            (("MAXAGE", "0"), "ERR maxage should be greater than 0"),
            (("IDLE", "1.5"), "ERR idle is not an integer or out of range"),
            (("IDLE", "-1"), "ERR idle should be greater than 0"),
            (("FLAGS", "NZ"), "ERR Unknown flags found in the provided filter: NZ"),
            (("NOT-FLAGS", "q"), "ERR Unknown flags found in the provided filter: q"),
            (("DB", "x"), "ERR DB is not an integer or out of range"),
            (("DB", "99999999999"), "ERR DB is not an integer or out of range"),
            (("DB", "16"), "ERR DB number should be between 0 and 15"),
            (("NOT-DB", "-1"), "ERR DB number should be between 0 and 15"),
            (("ID",), errors.SYNTAX),
        ]
        self.check(cases, kill=True)
        self.check(cases, kill=False)

    def test_kill_id_errors(self) -> None:
        """KILL: the first id must be an integer >= 1; a word after the ids is the next
        filter, so an unknown one is a syntax error (Redis: ``KILL ID 5 foo``)."""
        self.check(
            [
                (("ID", "abc"), "ERR client-id should be greater than 0"),
                (("ID", "0"), "ERR client-id should be greater than 0"),
                (("ID", "9223372036854775808"), "ERR client-id should be greater than 0"),
                (("ID", "5", "-1"), "ERR client-id should be greater than 0"),
                (("NOT-ID", "x"), "ERR client-id should be greater than 0"),
                (("ID", "5", "foo"), errors.SYNTAX),
            ],
            kill=True,
        )

    def test_list_id_errors(self) -> None:
        """LIST: a non-integer id is ``ERR Invalid client ID`` (Redis's ``LIST ID 1 x``)
        unless it names the next filter."""
        self.check(
            [
                (("ID", "x"), "ERR Invalid client ID"),
                (("ID", "1", "x"), "ERR Invalid client ID"),
                (("ID", "TYPE", "normal"), "ERR Invalid client ID"),
                (("NOT-ID", "1", "2", "y"), "ERR Invalid client ID"),
            ],
            kill=False,
        )
        parsed = parse("ID", "1", "TYPE", "normal")
        self.assertEqual(sorted(parsed.tests), [b"id", b"type"])
