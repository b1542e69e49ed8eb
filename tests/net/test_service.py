"""RedisService: listeners follow CONFIG SET port/bind, all or nothing."""

from __future__ import annotations

import socket
from collections.abc import Generator
from typing import Any

from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.trial.unittest import TestCase

from pyredisd.core.config import Config
from pyredisd.core.replies import OK, ErrorReply, Verbatim
from pyredisd.net.service import RedisService, make_service
from tests.helpers import free_port


def _accepts(port: int) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class RebindTests(TestCase):
    def _start(self) -> RedisService:
        config = Config.defaults()
        config.values["bind"] = ["127.0.0.1"]
        config.values["port"] = free_port()
        service = make_service(config)
        service.startService()
        self.addCleanup(service.stopService)
        return service

    @inlineCallbacks
    def test_config_set_port_moves_the_listener(self) -> Generator[Deferred[Any], Any, None]:
        """CONFIG SET port opens the new port, closes the old one and INFO shows it."""
        service = self._start()
        yield service.started
        server = service.server
        old, new = server.ports[0], free_port()
        client = server.new_client()
        self.assertEqual(server.execute(client, [b"CONFIG", b"SET", b"port", b"%d" % new]), OK)
        self.assertEqual(server.ports, [new])
        self.assertTrue(_accepts(new))
        self.assertEqual(server.config["port"], new)
        info = server.execute(client, [b"INFO", b"server"])
        assert isinstance(info, Verbatim)
        self.assertIn(b"tcp_port:%d" % new, info.data)
        self.assertNotIn(("127.0.0.1", old), service.tcp_ports)

    @inlineCallbacks
    def test_port_in_use_is_refused_and_nothing_changes(
        self,
    ) -> Generator[Deferred[Any], Any, None]:
        """A port that cannot be bound gives Redis's error and keeps the old value and listener."""
        service = self._start()
        yield service.started
        server = service.server
        old = server.ports[0]
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen(1)
            taken = busy.getsockname()[1]
            client = server.new_client()
            reply = server.execute(
                client, [b"CONFIG", b"SET", b"hz", b"50", b"port", b"%d" % taken]
            )
        self.assertEqual(
            reply,
            ErrorReply(
                "ERR CONFIG SET failed (possibly related to argument 'port') - "
                "Unable to listen on this port"
            ),
        )
        self.assertEqual(server.config["port"], old)
        self.assertEqual(server.config["hz"], 10)
        self.assertEqual(server.ports, [old])
        self.assertTrue(_accepts(old))

    @inlineCallbacks
    def test_setting_the_same_port_is_a_no_op(self) -> Generator[Deferred[Any], Any, None]:
        """CONFIG SET port to the current port replies +OK and keeps the listener."""
        service = self._start()
        yield service.started
        server = service.server
        port = server.ports[0]
        listener = service.tcp_ports[("127.0.0.1", port)]
        client = server.new_client()
        self.assertEqual(server.execute(client, [b"CONFIG", b"SET", b"port", b"%d" % port]), OK)
        self.assertIs(service.tcp_ports[("127.0.0.1", port)], listener)


class ScriptLogTests(TestCase):
    def test_redis_log_reaches_the_service_log(self) -> None:
        """redis.log() in a script is logged at its level, as redis-server logs it."""
        from twisted.internet import reactor
        from twisted.logger import LogLevel

        from tests.net.test_backpressure import observe

        observer = observe(self)
        service = RedisService(Config.defaults(), reactor)
        client = service.server.new_client()
        script = b"redis.log(redis.LOG_WARNING, 'disk', 'almost', 'full') return 1"
        self.assertEqual(service.server.execute(client, [b"EVAL", script, b"0"]), 1)
        logged = [e for e in observer if e.get("text") == "disk almost full"]
        self.assertEqual([e["log_level"] for e in logged], [LogLevel.warn])
