"""Command-line glue: twistd's ``pyredisd`` options and ``python -m pyredisd``."""

from __future__ import annotations

import io
import os
from contextlib import redirect_stderr, redirect_stdout

from twisted.python import usage
from twisted.trial.unittest import SynchronousTestCase

from pyredisd import __main__ as main_module
from pyredisd import tap
from pyredisd.core.version import REDIS_VERSION
from pyredisd.net.service import RedisService
from tests.helpers import temp_dir


def fatal(number: int, line: str, reason: str) -> str:
    """Redis's FATAL CONFIG FILE ERROR block for a bad line."""
    return (
        f"\n*** FATAL CONFIG FILE ERROR (Redis {REDIS_VERSION}) ***\n"
        f"Reading the configuration file, at line {number}\n>>> '{line}'\n{reason}"
    )


BAD_DIRECTIVE = "Bad directive or wrong number of arguments"


class OptionsTests(SynchronousTestCase):
    """``twistd pyredisd`` options."""

    def write_config(self, text: str) -> str:
        """Write ``text`` to a temporary redis.conf and return its path."""
        path = os.path.join(temp_dir(self), "redis.conf")
        with open(path, "w") as handle:
            handle.write(text)
        return path

    def parse(self, *argv: str) -> tap.Options:
        """Parse ``argv`` with a fresh Options."""
        options = tap.Options()
        options.parseOptions(list(argv))
        return options

    def test_defaults(self) -> None:
        """With no options the config holds Redis's defaults."""
        conf = self.parse()["conf"]
        self.assertEqual(conf["port"], 6379)
        self.assertIsNone(conf.path)

    def test_port_bind_unixsocket(self) -> None:
        """--port, repeated --bind and --unixsocket reach the config."""
        conf = self.parse(
            "--port", "7000", "--bind", "127.0.0.1", "--bind", "::1", "--unixsocket", "/tmp/x.s"
        )["conf"]
        self.assertEqual(conf["port"], 7000)
        self.assertEqual(conf["bind"], ["127.0.0.1", "::1"])
        self.assertEqual(conf["unixsocket"], "/tmp/x.s")

    def test_short_options(self) -> None:
        """-p and -s are --port and --unixsocket."""
        conf = self.parse("-p", "7001", "-s", "/tmp/y.s")["conf"]
        self.assertEqual(conf["port"], 7001)
        self.assertEqual(conf["unixsocket"], "/tmp/y.s")

    def test_set_overrides_any_directive(self) -> None:
        """--set NAME=VALUE applies any directive, after the file."""
        path = self.write_config("maxclients 10\nhz 20\n")
        conf = self.parse("--config", path, "--set", "maxclients=5", "--set", "requirepass=s3")[
            "conf"
        ]
        self.assertEqual(conf["maxclients"], 5)
        self.assertEqual(conf["hz"], 20)
        self.assertEqual(conf["requirepass"], "s3")
        self.assertEqual(conf.path, path)

    def test_options_override_the_file(self) -> None:
        """--port wins over the file's port."""
        path = self.write_config("port 7002\n")
        self.assertEqual(self.parse("--config", path, "--port", "7003")["conf"]["port"], 7003)

    def test_bad_directive_in_file(self) -> None:
        """A bad file line raises UsageError with Redis's FATAL block naming the line."""
        path = self.write_config("port 7000\n# comment\n  foo bar  \n")
        with self.assertRaises(usage.UsageError) as caught:
            self.parse("--config", path)
        self.assertEqual(str(caught.exception), fatal(3, "foo bar", BAD_DIRECTIVE))

    def test_bad_value_in_file(self) -> None:
        """An out-of-range value gives the option's own reason."""
        path = self.write_config("hz 10\nmaxclients 0\n")
        with self.assertRaises(usage.UsageError) as caught:
            self.parse("--config", path)
        expected = fatal(2, "maxclients 0", "argument must be between 1 and ")
        self.assertTrue(str(caught.exception).startswith(expected), caught.exception)

    def test_bad_override_is_numbered_after_the_file(self) -> None:
        """Overrides are numbered after the file's lines and one separating newline."""
        path = self.write_config("port 7000\nhz 10\n")
        with self.assertRaises(usage.UsageError) as caught:
            self.parse("--config", path, "--set", "foo=bar")
        self.assertEqual(str(caught.exception), fatal(4, "foo bar", BAD_DIRECTIVE))

    def test_missing_config_file(self) -> None:
        """A config file that cannot be opened is a usage error naming it."""
        path = os.path.join(temp_dir(self), "missing.conf")
        with self.assertRaises(usage.UsageError) as caught:
            self.parse("--config", path)
        self.assertIn(f"can't open config file '{path}'", str(caught.exception))

    def test_make_service_builds_unstarted_service(self) -> None:
        """makeService returns a RedisService for the parsed config, not yet running."""
        options = self.parse("--port", "0", "--set", "hz=50")
        service = tap.makeService(options)
        self.assertIsInstance(service, RedisService)
        self.assertIs(service.server.config, options["conf"])
        self.assertFalse(service.running)
        self.assertEqual(service.cron.step, 1.0 / 50)


class MainTests(SynchronousTestCase):
    """``python -m pyredisd`` argument handling (the paths that do not start a reactor)."""

    def run_main(self, *argv: str) -> tuple[int, str, str]:
        """Run main() capturing stdout and stderr."""
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main_module.main(list(argv))
        return code, out.getvalue(), err.getvalue()

    def write_config(self, text: str) -> str:
        """Write ``text`` to a temporary redis.conf and return its path."""
        path = os.path.join(temp_dir(self), "redis.conf")
        with open(path, "w") as handle:
            handle.write(text)
        return path

    def test_unknown_directive_on_command_line(self) -> None:
        """``--port 6380 --foo bar`` exits 1 with the FATAL block at line 3, as redis-server."""
        code, out, err = self.run_main("--port", "6380", "--foo", "bar")
        self.assertEqual(code, 1)
        self.assertEqual(out, "")
        self.assertEqual(err, fatal(3, "foo bar", BAD_DIRECTIVE) + "\n")

    def test_config_file_then_overrides_numbering(self) -> None:
        """Lines of the file come first, then a newline, then the overrides."""
        cases = [
            ("port 7000\nhz 10\n", 4),
            ("port 7000\nhz 10", 3),
        ]
        for text, number in cases:
            with self.subTest(text=text):
                path = self.write_config(text)
                code, _, err = self.run_main(path, "--port", "7001", "--foo", "bar")
                self.assertEqual(code, 1)
                self.assertEqual(err, fatal(number + 1, "foo bar", BAD_DIRECTIVE) + "\n")

    def test_bad_line_in_config_file(self) -> None:
        """A bad line in the file is reported with its file line number."""
        path = self.write_config("port 7000\nnope\n")
        code, _, err = self.run_main(path, "--port", "7001")
        self.assertEqual(code, 1)
        self.assertEqual(err, fatal(2, "nope", BAD_DIRECTIVE) + "\n")

    def test_version(self) -> None:
        """-v prints the version and exits 0."""
        code, out, _ = self.run_main("-v")
        self.assertEqual(code, 0)
        self.assertIn(f"Redis {REDIS_VERSION} compatible", out)

    def test_help(self) -> None:
        """--help prints the usage line and exits 0."""
        code, out, _ = self.run_main("--help")
        self.assertEqual(code, 0)
        self.assertTrue(out.startswith("Usage: python -m pyredisd"))
