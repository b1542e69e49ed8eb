"""Scripting in the core (no sockets): conversions, errors, the caller's context."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core import resp
from pyredisd.core.server import Server
from tests.helpers import config_with


class ScriptingCore(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = Server()
        self.client = self.server.new_client()

    def run_(self, *args: str | bytes) -> bytes:
        argv = [a if isinstance(a, bytes) else a.encode() for a in args]
        return resp.encode(self.server.execute(self.client, argv), self.client.resp)

    def test_conversions(self) -> None:
        self.assertEqual(
            self.run_("eval", "return {1, 'a', {ok='S'}, 2.9, false}", "0"),
            b"*5\r\n:1\r\n$1\r\na\r\n+S\r\n:2\r\n$-1\r\n",
        )

    def test_resp3_caller_gets_resp3_types(self) -> None:
        self.client.resp = 3
        self.assertEqual(
            self.run_("eval", "redis.setresp(3); return {true, {double=1.5}}", "0"),
            b"*2\r\n#t\r\n,1.5\r\n",
        )

    def test_select_inside_script_leaves_caller(self) -> None:
        self.run_("eval", "redis.call('select', 2); redis.call('set', 'k', 'v')", "0")
        self.assertEqual(self.client.db.id, 0)
        self.assertEqual(self.run_("exists", "k"), b":0\r\n")
        self.run_("select", "2")
        self.assertEqual(self.run_("exists", "k"), b":1\r\n")

    def test_write_wakes_watch(self) -> None:
        other = self.server.new_client()
        self.server.execute(other, [b"watch", b"k"])
        self.run_("eval", "redis.call('set', KEYS[1], 'v')", "1", "k")
        self.server.execute(other, [b"multi"])
        self.assertEqual(resp.encode(self.server.execute(other, [b"exec"])), b"*-1\r\n")

    def test_commands_count_in_commandstats(self) -> None:
        self.run_("eval", "redis.call('set', 'a', 1); redis.call('set', 'b', 2)", "0")
        self.assertEqual(self.server.commands.commands[b"set"].calls, 2)

    def test_script_flush_empties_cache(self) -> None:
        sha = self.run_("script", "load", "return 1")[5:45]
        self.assertEqual(self.run_("script", "exists", sha), b"*1\r\n:1\r\n")
        self.run_("script", "flush")
        self.assertEqual(self.run_("script", "exists", sha), b"*1\r\n:0\r\n")

    def test_oom_refuses_first_denyoom_command(self) -> None:
        self.server = Server(config_with(maxmemory=1))
        self.client = self.server.new_client()
        reply = self.run_("eval", "return redis.call('set', 'k', 'v')", "0")
        self.assertTrue(
            reply.startswith(b"-OOM command not allowed when used memory > 'maxmemory'. script: ")
        )
        self.assertEqual(self.run_("eval", "return redis.call('get', 'k')", "0"), b"$-1\r\n")
