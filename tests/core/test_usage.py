"""Usage lines: parsed into COMMAND DOCS arguments and rendered back as redis-cli hints."""

from __future__ import annotations

from twisted.internet import task
from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core.commands.usage import Arg, UsageError, docs, parse, render
from pyredisd.core.replies import Map, SetReply, Status
from pyredisd.core.server import Server


class ParseRenderTests(SynchronousTestCase):
    def test_round_trip_to_documentation_syntax(self) -> None:
        """A parsed usage line renders as the documentation's syntax, repeats spelled out."""
        cases = {
            "key...": "key [key ...]",
            "key seconds [NX|XX|GT|LT]": "key seconds [NX|XX|GT|LT]",
            "[GET pattern]...": "[GET pattern [GET pattern ...]]",
            "(parameter value)...": "parameter value [parameter value ...]",
            "numkeys key... [WEIGHTS weight...]": (
                "numkeys key [key ...] [WEIGHTS weight [weight ...]]"
            ),
            "[protover [AUTH username password] [SETNAME clientname]]": (
                "[protover [AUTH username password] [SETNAME clientname]]"
            ),
        }
        for usage, hint in cases.items():
            with self.subTest(usage=usage):
                self.assertEqual(render(parse(usage)), hint)

    def test_token_before_name_is_one_argument(self) -> None:
        """``EX seconds`` is the integer argument ``seconds`` introduced by the token EX."""
        (expire,) = parse("[EX seconds|KEEPTTL]")
        self.assertEqual(expire.type, "oneof")
        self.assertTrue(expire.optional)
        self.assertEqual(
            expire.args,
            (Arg("seconds", "integer", "EX"), Arg("keepttl", "pure-token", "KEEPTTL")),
        )

    def test_types_are_inferred_or_given(self) -> None:
        """Key, pattern, unix-time and integer names get their types; ``name@type`` overrides."""
        args = parse("key pattern unix-time-seconds count value ratio@double")
        self.assertEqual(
            [a.type for a in args], ["key", "pattern", "unix-time", "integer", "string", "double"]
        )

    def test_malformed_usage_is_refused(self) -> None:
        """Unbalanced brackets or a stray bar are declaration bugs and raise UsageError."""
        for usage in ("[key", "key]", "| key", "[NX|XX)"):
            with self.subTest(usage=usage):
                self.assertRaises(UsageError, parse, usage)

    def test_docs_use_redis_field_names(self) -> None:
        """Each argument becomes a map of name, type, key_spec_index, token, flags, arguments."""
        (key, cond) = docs(parse("key [NX|XX]"))
        assert isinstance(key, Map) and isinstance(cond, Map)
        self.assertEqual(
            [(k, v) for k, v in key.items],
            [(b"name", b"key"), (b"type", b"key"), (b"key_spec_index", 0)],
        )
        fields = dict(cond.items)
        self.assertEqual(fields[b"type"], b"oneof")
        flags = fields[b"flags"]
        assert isinstance(flags, SetReply)
        self.assertEqual(flags.items, [Status("optional")])


class DeclaredUsageTests(SynchronousTestCase):
    def test_every_declared_usage_parses(self) -> None:
        """Every command's usage line is well formed (COMMAND DOCS would fail otherwise)."""
        server = Server(clock=task.Clock())
        for command in server.commands.all_commands():
            with self.subTest(command=command.fullname):
                parse(command.spec.usage)

    def test_commands_with_arguments_declare_them(self) -> None:
        """A command that takes arguments declares its syntax, so COMMAND DOCS can show it."""
        server = Server(clock=task.Clock())
        undocumented = {"debug"}  # Redis documents DEBUG's subcommands nowhere in COMMAND DOCS
        for command in server.commands.all_commands():
            base = 2 if command.spec.container else 1
            takes_args = command.arity > base or command.arity < -base
            if takes_args and command.subcommands is None and command.fullname not in undocumented:
                with self.subTest(command=command.fullname):
                    self.assertTrue(command.spec.usage)
