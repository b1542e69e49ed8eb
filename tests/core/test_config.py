"""Unit tests for :mod:`pyredisd.core.config`: units, redis.conf text, CONFIG GET/SET/REWRITE."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core.config import Config, args_to_conf, format_memory, parse_memory, quote
from pyredisd.core.errors import ConfigError

_MB = 1024 * 1024


def loaded(text: str) -> Config:
    """A default configuration with ``text`` applied."""
    config = Config.defaults()
    config.load_text(text)
    return config


class MemoryUnitTests(SynchronousTestCase):
    """Memory values use Redis's ``memtoull`` units."""

    def test_parse_memory_units(self) -> None:
        """``k``/``m``/``g`` are powers of 1000 and ``kb``/``mb``/``gb`` powers of 1024."""
        cases = [
            ("0", 0),
            ("100", 100),
            ("5b", 5),
            ("1k", 1000),
            ("1kb", 1024),
            ("1K", 1000),
            ("1Kb", 1024),
            ("2m", 2_000_000),
            ("2mb", 2 * _MB),
            ("1g", 1000**3),
            ("1gb", 1024**3),
            ("3GB", 3 * 1024**3),
        ]
        for text, value in cases:
            with self.subTest(text=text):
                self.assertEqual(parse_memory(text), value)

    def test_parse_memory_rejects_bad_input(self) -> None:
        """Anything but digits and a known unit raises ValueError."""
        for text in ("", "k", "1x", "1.5k", "1 k", " 1k", "-1", "+1", "1kbb", "1tb", "1e3"):
            with self.subTest(text=text), self.assertRaises(ValueError):
                parse_memory(text)

    def test_format_memory(self) -> None:
        """CONFIG REWRITE uses the largest exact binary unit."""
        cases = [(0, "0"), (1000, "1000"), (1024, "1kb"), (3 * _MB, "3mb"), (1024**3, "1gb")]
        for value, text in cases:
            with self.subTest(value=value):
                self.assertEqual(format_memory(value), text)


class LoadTextTests(SynchronousTestCase):
    """``load_text`` applies redis.conf syntax with Redis's error reasons."""

    def test_comments_blank_lines_and_quotes(self) -> None:
        """Comments and blank lines are skipped; quoted values keep spaces and escapes."""
        config = loaded(
            "# a comment\n\n   # indented comment\nport 6380\n"
            "requirepass \"a b\\x41\"\nlogfile 'x y'\nMaxMemory 1mb\n"
        )
        self.assertEqual(config["port"], 6380)
        self.assertEqual(config["requirepass"], "a bA")
        self.assertEqual(config["logfile"], "x y")
        self.assertEqual(config["maxmemory"], _MB)

    def test_repeated_directive_last_wins(self) -> None:
        """A scalar directive given twice takes its last value."""
        self.assertEqual(loaded("hz 20\nhz 30\n")["hz"], 30)

    def test_save_lines_accumulate(self) -> None:
        """The first ``save`` line replaces the defaults and later ones append."""
        self.assertEqual(
            loaded("save 900 1\nsave 300 10 60 100\n")["save"], [(900, 1), (300, 10), (60, 100)]
        )

    def test_save_empty_resets(self) -> None:
        """``save ""`` disables snapshots even after earlier save lines, and later lines add."""
        self.assertEqual(loaded('save ""\n')["save"], [])
        self.assertEqual(loaded('save 900 1\nsave ""\n')["save"], [])
        self.assertEqual(loaded('save ""\nsave 10 1\n')["save"], [(10, 1)])

    def test_defaults_kept_without_save(self) -> None:
        """Without a ``save`` line the default snapshot points stay."""
        self.assertEqual(loaded("port 1\n")["save"], [(3600, 1), (300, 100), (60, 10000)])

    def test_client_output_buffer_limit_accumulates_per_class(self) -> None:
        """Each ``client-output-buffer-limit`` line sets one class and keeps the others."""
        config = loaded(
            "client-output-buffer-limit pubsub 64mb 16mb 90\n"
            "client-output-buffer-limit replica 1gb 512mb 120\n"
        )
        self.assertEqual(
            config["client-output-buffer-limit"],
            {
                "normal": (0, 0, 0),
                "slave": (1024**3, 512 * _MB, 120),
                "pubsub": (64 * _MB, 16 * _MB, 90),
            },
        )

    def test_bad_directive_reports_line_number(self) -> None:
        """An unknown directive or wrong argument count raises ConfigError with its line."""
        cases = [
            ("port 1\nnosuchthing 1\n", 2, "nosuchthing 1"),
            ("# c\n\nport\n", 3, "port"),
            ("port 1 2\n", 1, "port 1 2"),
        ]
        for text, number, line in cases:
            with self.subTest(text=text):
                with self.assertRaises(ConfigError) as caught:
                    loaded(text)
                self.assertEqual(
                    caught.exception.args,
                    (number, line, "Bad directive or wrong number of arguments"),
                )

    def test_first_line_offset(self) -> None:
        """``first_line`` shifts the reported line numbers (command-line overrides)."""
        with self.assertRaises(ConfigError) as caught:
            Config.defaults().load_text("bogus 1", first_line=10)
        self.assertEqual(caught.exception.args[0], 10)

    def test_bad_values_give_redis_reasons(self) -> None:
        """Invalid values are rejected with Redis 7.4's reason strings."""
        cases = [
            ("appendonly maybe", "argument must be 'yes' or 'no'"),
            ("hz abc", "argument couldn't be parsed into an integer"),
            ("hz -1", "argument must be between 0 and 2147483647 inclusive"),
            ("port 65536", "argument must be between 0 and 65535 inclusive"),
            ("maxmemory lots", "argument must be a memory value"),
            ("maxmemory -1", "argument must be a memory value"),
            (
                "loglevel loud",
                "argument(s) must be one of the following: "
                "debug, verbose, notice, warning, nothing",
            ),
            ("save 900", "Invalid save parameters"),
            ("save 0 1", "Invalid save parameters"),
            ("save x 1", "Invalid save parameters"),
            (
                "client-output-buffer-limit nobody 1 1 1",
                "Invalid client class specified in buffer limit configuration.",
            ),
            (
                "client-output-buffer-limit normal 1 1",
                "Wrong number of arguments in buffer limit configuration.",
            ),
            (
                "client-output-buffer-limit normal x 1 1",
                "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
            ),
            ('requirepass "open', "Unbalanced quotes in configuration line"),
        ]
        for line, reason in cases:
            with self.subTest(line=line):
                with self.assertRaises(ConfigError) as caught:
                    loaded("port 1\n" + line + "\n")
                self.assertEqual(caught.exception.args, (2, line, reason))

    def test_quote_round_trips_through_load(self) -> None:
        """Any string value written with ``quote`` reads back unchanged, including non-ASCII."""
        for value in (
            "plain",
            "",
            "a b",
            "it's",
            'say "hi"',
            "back\\slash",
            "tab\tnl\n",
            "pässwörd",
        ):
            with self.subTest(value=value):
                self.assertEqual(loaded("requirepass " + quote(value))["requirepass"], value)


class ConfigGetTests(SynchronousTestCase):
    """CONFIG GET matches globs case-insensitively and lists each option once."""

    def test_exact_name(self) -> None:
        """A plain name returns that option under the caller's spelling, first one winning."""
        config = Config.defaults()
        self.assertEqual(config.get(["PORT"]), [("PORT", "6379")])
        self.assertEqual(config.get(["MaxClients", "maxclients"]), [("MaxClients", "10000")])
        self.assertEqual(config.get(["save"]), [("save", "3600 1 300 100 60 10000")])
        self.assertEqual(config.get(["bind"]), [("bind", "127.0.0.1 -::1")])
        self.assertEqual(config.get(["appendonly"]), [("appendonly", "no")])

    def test_globs_and_multiple_patterns(self) -> None:
        """Globs match option names and several patterns are merged without duplicates."""
        config = Config.defaults()
        self.assertEqual(
            sorted(config.get(["maxmemory*"])),
            [
                ("maxmemory", "0"),
                ("maxmemory-eviction-tenacity", "10"),
                ("maxmemory-policy", "noeviction"),
                ("maxmemory-samples", "5"),
            ],
        )
        self.assertEqual(config.get(["hz", "port", "hz", "h?"]), [("hz", "10"), ("port", "6379")])
        self.assertEqual(config.get(["nosuch*"]), [])
        names = [name for name, _ in config.get(["*"])]
        self.assertEqual(len(names), len(set(names)))
        self.assertIn("client-output-buffer-limit", names)

    def test_render_cob(self) -> None:
        """The output buffer limits render as class, hard, soft and seconds, in class order."""
        self.assertEqual(
            Config.defaults().get(["client-output-buffer-limit"]),
            [
                (
                    "client-output-buffer-limit",
                    "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
                )
            ],
        )


class PrepareSetTests(SynchronousTestCase):
    """CONFIG SET validates every pair before anything is applied."""

    def test_valid_pairs(self) -> None:
        """Valid pairs come back parsed, keyed by canonical name, without being applied."""
        config = Config.defaults()
        updates = config.prepare_set([("MAXMEMORY", "2mb"), ("hz", "20"), ("save", "10 1 20 2")])
        self.assertEqual(updates, {"maxmemory": 2 * _MB, "hz": 20, "save": [(10, 1), (20, 2)]})
        self.assertEqual(config["hz"], 10)

    def test_hz_is_capped(self) -> None:
        """hz outside 1..500 is accepted and capped, as Redis's updateHZ does."""
        config = Config.defaults()
        self.assertEqual(config.prepare_set([("hz", "0")]), {"hz": 1})
        self.assertEqual(config.prepare_set([("hz", "1000")]), {"hz": 500})
        self.assertEqual(loaded("hz 9999\n")["hz"], 500)

    def test_save_empty(self) -> None:
        """CONFIG SET save "" disables snapshots."""
        self.assertEqual(Config.defaults().prepare_set([("save", "")]), {"save": []})

    def test_one_bad_pair_applies_nothing(self) -> None:
        """A bad pair anywhere raises ValueError(name, reason) and leaves the config unchanged."""
        config = Config.defaults()
        before = dict(config.values)
        with self.assertRaises(ValueError) as caught:
            config.prepare_set([("hz", "20"), ("maxmemory", "1mb"), ("appendonly", "maybe")])
        self.assertEqual(caught.exception.args, ("appendonly", "argument must be 'yes' or 'no'"))
        self.assertEqual(config.values, before)

    def test_errors(self) -> None:
        """Immutable and duplicate options give Redis's reasons; unknown ones a LookupError."""
        config = Config.defaults()
        cases: list[tuple[list[tuple[str, str]], tuple[str, str]]] = [
            ([("databases", "3")], ("databases", "can't set immutable config")),
            ([("hz", "20"), ("HZ", "30")], ("HZ", "duplicate parameter")),
            ([("hz", "-1")], ("hz", "argument must be between 0 and 2147483647 inclusive")),
        ]
        for pairs, args in cases:
            with self.subTest(pairs=pairs):
                with self.assertRaises(ValueError) as caught:
                    config.prepare_set(pairs)
                self.assertEqual(caught.exception.args, args)
        with self.assertRaises(LookupError) as lookup:
            config.prepare_set([("hz", "20"), ("no-such-option", "1")])
        self.assertEqual(lookup.exception.args, ("no-such-option",))

    def test_cob_merges_classes(self) -> None:
        """Setting one output buffer class keeps the others."""
        updates = Config.defaults().prepare_set([("client-output-buffer-limit", "pubsub 1mb 0 0")])
        limits = updates["client-output-buffer-limit"]
        self.assertEqual(limits["pubsub"], (_MB, 0, 0))
        self.assertEqual(limits["slave"], (256 * _MB, 64 * _MB, 60))


class RewriteTests(SynchronousTestCase):
    """CONFIG REWRITE edits the old file text the way ``rewriteConfig`` does."""

    def test_rewrite_in_place_keeping_comments(self) -> None:
        """A changed option is rewritten on its own line and comments stay put."""
        config = loaded("# top\nhz 20\n# middle\nport 6380\n")
        config.values["hz"] = 30
        self.assertEqual(
            config.rewrite_text("# top\nhz 20\n# middle\nport 6380\n"),
            "# top\nhz 30\n# middle\nport 6380\n",
        )

    def test_new_options_appended_after_marker(self) -> None:
        """Options changed from their default and absent from the file are appended."""
        config = loaded("port 6380\n")
        config.values["maxmemory"] = 2 * _MB
        config.values["appendonly"] = True
        self.assertEqual(
            config.rewrite_text("port 6380\n"),
            "port 6380\n# Generated by CONFIG REWRITE\nappendonly yes\nmaxmemory 2mb\n",
        )

    def test_existing_marker_is_reused(self) -> None:
        """A second rewrite appends after the existing signature instead of adding another."""
        old = "port 6380\n# Generated by CONFIG REWRITE\nmaxmemory 2mb\n"
        config = loaded(old)
        config.values["hz"] = 20
        self.assertEqual(config.rewrite_text(old), old + "hz 20\n")

    def test_defaults_not_added(self) -> None:
        """A configuration equal to the defaults adds nothing to the file."""
        self.assertEqual(Config.defaults().rewrite_text("# only a comment\n"), "# only a comment\n")

    def test_option_in_file_at_default_is_kept(self) -> None:
        """An option present in the file is rewritten even when now at its default."""
        config = loaded("hz 20\n")
        config.values["hz"] = 10
        self.assertEqual(config.rewrite_text("hz 20\n"), "hz 10\n")

    def test_extra_duplicates_dropped(self) -> None:
        """Extra lines for one option are dropped, and multi-line options rewrite line by line."""
        old = "hz 20\nsave 900 1\n# keep\nhz 30\nsave 300 10\nsave 60 100\n"
        config = loaded(old)
        config.values["save"] = [(1, 1)]
        self.assertEqual(config.rewrite_text(old), "hz 30\nsave 1 1\n# keep\n")

    def test_rewrite_string_and_save_empty(self) -> None:
        """Strings are quoted when needed and an empty save list is written as ``save ""``."""
        config = Config.defaults()
        config.values["requirepass"] = "a b"
        config.values["save"] = []
        text = config.rewrite_text("")
        self.assertEqual(text, '# Generated by CONFIG REWRITE\nrequirepass "a b"\nsave ""\n')
        self.assertEqual(loaded(text)["requirepass"], "a b")
        self.assertEqual(loaded(text)["save"], [])


class ArgsToConfTests(SynchronousTestCase):
    """Command-line overrides become config text as in redis-server's ``main()``."""

    def test_args_to_conf(self) -> None:
        """``--name value`` pairs become lines and values are quoted."""
        cases: list[tuple[list[str], str]] = [
            (["--port", "6380", "--save", ""], 'port 6380\nsave ""'),
            (["--save", "900", "1", "--hz", "20"], "save 900 1\nhz 20"),
            (["--port 6380"], "port 6380"),
            (["--requirepass", 'a "b'], 'requirepass "a \\"b"'),
            (["--save"], 'save ""'),
            (["--save", "--port", "1"], 'save ""\nport 1'),
            (["--requirepass", "--secret"], "requirepass --secret"),
        ]
        for argv, text in cases:
            with self.subTest(argv=argv):
                self.assertEqual(args_to_conf(argv), text)

    def test_args_load(self) -> None:
        """The generated text loads into the intended values."""
        config = loaded(args_to_conf(["--port", "6380", "--save", "", "--requirepass", "it's"]))
        self.assertEqual(
            (config["port"], config["save"], config["requirepass"]), (6380, [], "it's")
        )

    def test_value_without_option(self) -> None:
        """A value before any ``--name`` is an error."""
        with self.assertRaises(ConfigError):
            args_to_conf(["6380"])


class ShippedConfigTests(SynchronousTestCase):
    def test_conf_file_loads_and_documents_every_directive(self) -> None:
        """conf/pyredisd.conf loads cleanly and names every directive pyredisd supports."""
        from pathlib import Path

        from pyredisd.core.config import OPTIONS

        path = Path(__file__).resolve().parents[2] / "conf" / "pyredisd.conf"
        text = path.read_text()
        config = Config.defaults()
        config.load_text(text)
        for option in OPTIONS:
            with self.subTest(option=option.name):
                self.assertIn(f"{option.name} ", text)

    def test_ziplist_aliases_set_the_listpack_option(self) -> None:
        """Redis's old *-ziplist-* names reach the same option."""
        config = Config.defaults()
        updates = config.prepare_set([("hash-max-ziplist-entries", "5")])
        self.assertEqual(updates, {"hash-max-listpack-entries": 5})
