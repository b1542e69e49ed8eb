"""Redis's own tools against pyredisd: redis-cli and redis-benchmark, run as an operator would.

They come with redis-server (Debian's redis-tools, installed by ``make test``): without them
these tests skip, or fail when PYREDISD_REQUIRE_REDIS=1 (CI).
"""

from __future__ import annotations

import shutil
import subprocess

from twisted.trial.unittest import SynchronousTestCase

from tests.integration.realredis import ServerProcess, require_redis_server

TIMEOUT = 120


class RedisToolsTests(SynchronousTestCase):
    """Each tool run against redis-server and against pyredisd must print the same thing."""

    def setUp(self) -> None:
        path = require_redis_server(self)
        self.redis = ServerProcess.redis(path)
        self.redis.start()
        self.addCleanup(self.redis.stop)
        self.pyredisd = ServerProcess.pyredisd()
        self.pyredisd.start()
        self.addCleanup(self.pyredisd.stop)

    def run_tool(self, server: ServerProcess, name: str, *args: str, stdin: str = "") -> str:
        """Run ``name`` against ``server``; its standard output."""
        path = shutil.which(name)
        if path is None:
            self.fail(f"{name} is not installed (make redis-server installs redis-tools)")
        done = subprocess.run(
            [path, "-h", "127.0.0.1", "-p", str(server.port), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=True,
        )
        return done.stdout

    def same(self, name: str, *args: str, stdin: str = "") -> str:
        """Run the tool against both servers, assert identical output, return it."""
        theirs = self.run_tool(self.redis, name, *args, stdin=stdin)
        ours = self.run_tool(self.pyredisd, name, *args, stdin=stdin)
        self.assertEqual(ours, theirs, f"{name} {' '.join(args)}")
        return ours

    def test_redis_cli_commands(self) -> None:
        """redis-cli prints the same replies, errors included, in RESP2 and RESP3."""
        self.assertEqual(self.same("redis-cli", "PING"), "PONG\n")
        self.assertEqual(self.same("redis-cli", "SET", "greeting", "hello"), "OK\n")
        self.assertEqual(self.same("redis-cli", "GET", "greeting"), "hello\n")
        self.same("redis-cli", "RPUSH", "l", "a", "b")
        self.same("redis-cli", "LRANGE", "l", "0", "-1")
        self.assertIn("WRONGTYPE", self.same("redis-cli", "GET", "l"))
        self.same("redis-cli", "-3", "HSET", "h", "f", "v")
        self.same("redis-cli", "-3", "HGETALL", "h")
        self.same("redis-cli", "-3", "GET", "missing")
        self.same("redis-cli", "NOSUCHCOMMAND", "x")

    def test_redis_cli_pipe(self) -> None:
        """redis-cli --pipe mass-inserts raw protocol with no errors."""
        requests = "".join(f"SET key:{i} {i}\r\n" for i in range(1000))
        out = self.run_tool(self.pyredisd, "redis-cli", "--pipe", stdin=requests)
        self.assertIn("errors: 0, replies: 1000", out)
        self.assertEqual(self.run_tool(self.pyredisd, "redis-cli", "DBSIZE"), "1000\n")

    def test_redis_benchmark_runs_clean(self) -> None:
        """redis-benchmark completes every test, pipelined or not, and leaves the same data."""
        for pipeline in ("1", "16"):
            with self.subTest(pipeline=pipeline):
                out = self.run_tool(
                    self.pyredisd, "redis-benchmark", "-q", "-n", "2000", "-c", "10",
                    "-P", pipeline, "-t", "ping,set,get,incr,lpush,hset", "--csv",
                )  # fmt: skip
                tests = {line.split(",")[0].strip('"') for line in out.splitlines()[1:]}
                self.assertLessEqual(
                    {"PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "LPUSH", "HSET"}, tests
                )
        self.run_tool(self.redis, "redis-benchmark", "-q", "-n", "200", "-t", "set,incr")
        self.same("redis-cli", "GET", "key:__rand_int__")
