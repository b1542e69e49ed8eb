"""Unit tests for the command table and specs (:mod:`pyredisd.core.commands`)."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core.commands.spec import (
    KEY_RO,
    Argv,
    CommandGroup,
    CommandSpec,
    KeyFlag,
    KeySpec,
)
from pyredisd.core.commands.table import Command, CommandTable
from pyredisd.core.replies import OK, Reply
from pyredisd.core.server import Server

_ACCESS_FLAGS = (KeyFlag.RO, KeyFlag.RW, KeyFlag.OW, KeyFlag.RM)


def all_specs() -> list[CommandSpec]:
    """Every spec bound into a default server's table."""
    return [command.spec for command in Server().commands.all_commands()]


def noop(c: object, argv: Argv) -> Reply:
    """A handler for test-only specs."""
    return OK


class CommandSpecInvariantTests(SynchronousTestCase):
    """Every declared command satisfies the table's invariants."""

    def test_every_spec_has_a_handler(self) -> None:
        """No command or subcommand is declared without a handler."""
        for spec in all_specs():
            with self.subTest(command=spec.fullname):
                self.assertTrue(callable(spec.handler))

    def test_names_are_unique_and_lower_case(self) -> None:
        """Full names are unique and lower case."""
        names = [spec.fullname for spec in all_specs()]
        self.assertEqual(len(names), len(set(names)))
        for name in names:
            with self.subTest(command=name):
                self.assertEqual(name, name.lower())

    def test_arity_is_never_zero(self) -> None:
        """Arity is an exact count or a minimum, never zero."""
        for spec in all_specs():
            with self.subTest(command=spec.fullname):
                self.assertNotEqual(spec.arity, 0)

    def test_key_specs_have_one_access_flag(self) -> None:
        """Every key spec has exactly one of RO, RW, OW and RM."""
        for spec in all_specs():
            for ks in spec.key_specs:
                with self.subTest(command=spec.fullname, key_spec=ks):
                    self.assertEqual(sum(1 for flag in _ACCESS_FLAGS if flag in ks.flags), 1)

    def test_subcommands_have_containers(self) -> None:
        """Each subcommand is bound under its container, which has a minimum arity."""
        table = Server().commands
        for command in table:
            for name, sub in (command.subcommands or {}).items():
                with self.subTest(command=sub.fullname):
                    self.assertEqual(sub.spec.container, command.spec.name)
                    self.assertEqual(sub.fullname, f"{command.spec.name}|{name.decode()}")
                    self.assertLess(command.arity, 0)
                    self.assertGreaterEqual(abs(sub.arity), 2)

    def test_summaries_present(self) -> None:
        """Every command has a summary for COMMAND DOCS."""
        for spec in all_specs():
            with self.subTest(command=spec.fullname):
                self.assertTrue(spec.summary)


class KeySpecTests(SynchronousTestCase):
    """Key positions derived from key specs match Redis's COMMAND INFO and GETKEYS."""

    def test_legacy_range(self) -> None:
        """First key, last key and step match Redis for the basic commands."""
        table = Server().commands
        cases = [
            (b"get", (1, 1, 1)),
            (b"set", (1, 1, 1)),
            (b"del", (1, -1, 1)),
            (b"exists", (1, -1, 1)),
            (b"ping", (0, 0, 0)),
        ]
        for name, expected in cases:
            with self.subTest(command=name):
                command = table.get(name)
                assert command is not None
                self.assertEqual(command.spec.legacy_range(), expected)

    def test_keys(self) -> None:
        """``keys`` gives the argument indices holding keys."""
        table = Server().commands
        cases: list[tuple[Argv, list[int]]] = [
            ([b"GET", b"k"], [1]),
            ([b"SET", b"k", b"v", b"EX", b"10"], [1]),
            ([b"DEL", b"a"], [1]),
            ([b"DEL", b"a", b"b", b"c"], [1, 2, 3]),
            ([b"EXISTS", b"a", b"b"], [1, 2]),
            ([b"PING"], []),
        ]
        for argv, expected in cases:
            with self.subTest(argv=argv):
                command = table.resolve(argv)
                assert command is not None
                self.assertEqual(command.spec.keys(argv), expected)

    def test_keynum_spec(self) -> None:
        """A keynum spec reads the key count from its argument and validates it."""
        spec = CommandSpec(
            "eval", -3, noop, key_specs=(KeySpec(KeyFlag.RO, begin=2, lastkey=0, keynum=True),)
        )
        self.assertEqual(spec.keys([b"EVAL", b"s", b"2", b"a", b"b", b"arg"]), [3, 4])
        self.assertEqual(spec.keys([b"EVAL", b"s", b"0"]), [])
        self.assertEqual(spec.legacy_range(), (0, 0, 0))
        for argv in ([b"EVAL", b"s", b"3", b"a"], [b"EVAL", b"s", b"x"], [b"EVAL", b"s", b"-1"]):
            with self.subTest(argv=argv), self.assertRaises(ValueError):
                spec.keys(argv)

    def test_step_and_bounded_range(self) -> None:
        """A step of two picks every other argument (MSET-style) up to the end."""
        spec = CommandSpec("mset", -3, noop, key_specs=(KeySpec(KeyFlag.OW, lastkey=-1, step=2),))
        self.assertEqual(spec.keys([b"MSET", b"a", b"1", b"b", b"2"]), [1, 3])
        self.assertEqual(spec.legacy_range(), (1, -1, 2))


class CommandTableTests(SynchronousTestCase):
    """``CommandTable.build`` binds groups explicitly and refuses inconsistent ones."""

    def test_duplicate_command_refused(self) -> None:
        """The same name declared twice raises ValueError."""
        first, second = CommandGroup("a"), CommandGroup("b")
        first.command("x", 1)(noop)
        second.command("X", 1)(noop)
        with self.assertRaises(ValueError):
            CommandTable.build(first, second)

    def test_orphan_subcommand_refused(self) -> None:
        """A subcommand without its container raises ValueError."""
        group = CommandGroup("a")
        group.command("sub", 2, container="missing")(noop)
        with self.assertRaises(ValueError):
            CommandTable.build(group)

    def test_duplicate_subcommand_refused(self) -> None:
        """The same subcommand declared twice raises ValueError."""
        group = CommandGroup("a")
        group.command("box", -2)(noop)
        group.command("sub", 2, container="box")(noop)
        group.command("SUB", 2, container="BOX")(noop)
        with self.assertRaises(ValueError):
            CommandTable.build(group)

    def test_lookup_and_resolve(self) -> None:
        """Lookup ignores case and ``resolve`` finds subcommands."""
        group = CommandGroup("a")
        group.command("box", -2, keys=(KEY_RO,))(noop)
        group.command("sub", 2, container="box")(noop)
        table = CommandTable.build(group)
        box = table.get(b"BoX")
        assert box is not None
        self.assertEqual(box.fullname, "box")
        sub = table.resolve([b"BOX", b"Sub"])
        assert sub is not None
        self.assertEqual(sub.fullname, "box|sub")
        self.assertIs(table.resolve([b"box"]), box)
        self.assertIsNone(table.resolve([b"box", b"nope"]))
        self.assertIsNone(table.get(b"nope"))
        self.assertEqual(len(table), 1)
        self.assertEqual([c.fullname for c in table.all_commands()], ["box", "box|sub"])

    def test_arity_ok(self) -> None:
        """Positive arity is exact and negative arity a minimum, both counting the name."""
        exact = Command(CommandSpec("get", 2, noop), noop)
        minimum = Command(CommandSpec("del", -2, noop), noop)
        self.assertEqual([exact.arity_ok(n) for n in (1, 2, 3)], [False, True, False])
        self.assertEqual([minimum.arity_ok(n) for n in (1, 2, 5)], [False, True, True])

    def test_reset_stats_includes_subcommands(self) -> None:
        """Resetting a container's statistics resets its subcommands too."""
        table = Server().commands
        config = table.get(b"config")
        assert config is not None and config.subcommands is not None
        sub = config.subcommands[b"get"]
        config.calls = sub.calls = sub.failed_calls = sub.rejected_calls = sub.usec = 3
        config.reset_stats()
        self.assertEqual(
            (config.calls, sub.calls, sub.failed_calls, sub.rejected_calls, sub.usec),
            (0, 0, 0, 0, 0),
        )
