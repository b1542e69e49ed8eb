"""The server as a Twisted service: listeners for every bind address and Unix socket, the cron
at ``hz``, and the start-up and shutdown log lines operators and tools wait for."""

from __future__ import annotations

import os
from typing import Any

from twisted.application import internet, service
from twisted.internet.defer import Deferred, DeferredList, maybeDeferred
from twisted.internet.error import CannotListenError
from twisted.internet.interfaces import IListeningPort, IReactorCore, IReactorTime

from pyredisd import __version__
from pyredisd.core.config import Config
from pyredisd.core.server import Server
from pyredisd.core.version import REDIS_VERSION
from pyredisd.net.factory import RedisFactory
from pyredisd.net.logs import make_logger


def _interface(bind: str) -> tuple[str, bool]:
    """The address to listen on for a ``bind`` entry, and whether it is optional (``-addr``)."""
    optional = bind.startswith("-")
    host = bind.lstrip("-")
    return {"*": "0.0.0.0", "::*": "::"}.get(host, host), optional


class RedisService(service.MultiService):
    """Owns the :class:`Server`, its listening ports and its cron."""

    def __init__(self, config: Config, reactor: Any) -> None:
        super().__init__()
        self.reactor = reactor
        self.log = make_logger("pyredisd.net.service", config, source=self)
        self.server = Server(config, clock=reactor, hooks=self)
        self.server.scripts.logger = self._script_log  # redis.log() from scripts
        self.factory = RedisFactory(self.server)
        self.ports: list[IListeningPort] = []
        self.tcp_ports: dict[tuple[str, int], IListeningPort] = {}
        self.cron = internet.TimerService(1.0 / config["hz"], self.server.cron)
        self.cron.clock = reactor
        self.cron.setServiceParent(self)
        self.started: Deferred[None] = Deferred()

    def _script_log(self, level: str, message: str) -> None:
        """``redis.log(level, ...)``: logged at the matching level, filtered by loglevel."""
        emit = {"debug": self.log.debug, "verbose": self.log.debug, "notice": self.log.info}
        emit.get(level, self.log.warn)("{text}", text=message)

    # -- ServerHooks ---------------------------------------------------------------------------
    def shutdown(self) -> None:
        self.log.warn("User requested shutdown...")
        self.reactor.callLater(0, self.reactor.stop)

    def config_changed(self, names: set[str]) -> None:
        """Apply CONFIG SET; a ValueError(name, reason) rejects it (the caller rolls back)."""
        if names & {"port", "bind"}:
            self._rebind(names)
        if "hz" in names:
            self.cron.step = 1.0 / self.server.config["hz"]
            loop = getattr(self.cron, "_loop", None)
            if loop is not None and loop.running:
                loop.stop()
                loop.start(self.cron.step, now=False)

    # -- lifecycle -----------------------------------------------------------------------------
    def startService(self) -> None:
        super().startService()
        config = self.server.config
        self.log.info("oO0OoO0OoO0Oo pyredisd is starting oO0OoO0OoO0Oo")
        self.log.info(
            "pyredisd version={version} (Redis {redis} compatible), pid={pid}, just started",
            version=__version__,
            redis=REDIS_VERSION,
            pid=os.getpid(),
        )
        if config.path:
            self.log.info("Configuration loaded from {path}", path=config.path)
        self._listen().addCallbacks(self._ready, self._failed)

    def _listen(self) -> Deferred[None]:
        return maybeDeferred(self._listen_now)

    def _listen_now(self) -> None:
        config = self.server.config
        self._bind_tcp(config["bind"], config["port"])
        if config["unixsocket"]:
            path = config["unixsocket"]
            if os.path.exists(path):
                os.unlink(path)
            mode = config["unixsocketperm"] or 0o666
            port = self.reactor.listenUNIX(path, self.factory, config["tcp-backlog"], mode=mode)
            self.ports.append(port)
            self.server.unixsockets.append(path)

    def _bind_tcp(self, binds: list[str], number: int) -> None:
        """Make the TCP listeners match ``binds`` x ``number``, all or nothing.

        Listeners that stay are kept (reopening one would race with its own close, which
        Twisted finishes a reactor turn later); missing ones are opened first; a failure on a
        non-optional address closes what was just opened and raises CannotListenError; only
        then are the listeners no longer wanted closed.
        """
        wanted = [(*_interface(bind), bind) for bind in binds] if number else []
        opened: dict[tuple[str, int], IListeningPort] = {}
        for interface, optional, bind in wanted:
            key = (interface, number)
            if key in self.tcp_ports or key in opened:
                continue
            try:
                opened[key] = self.reactor.listenTCP(
                    number, self.factory, self.server.config["tcp-backlog"], interface
                )
            except CannotListenError as exc:
                if optional:
                    self.log.warn(
                        "Could not create server TCP listening socket {bind}: {error}",
                        bind=bind,
                        error=exc,
                    )
                    continue
                for port in opened.values():
                    port.stopListening()
                raise
        keep = {(interface, number) for interface, _, _ in wanted}
        for key in [key for key in self.tcp_ports if key not in keep]:
            old = self.tcp_ports.pop(key)
            self.ports.remove(old)
            old.stopListening()
        self.tcp_ports.update(opened)
        self.ports.extend(opened.values())
        self.server.ports[:] = [port.getHost().port for port in self.tcp_ports.values()]  # type: ignore[attr-defined]

    def _rebind(self, names: set[str]) -> None:
        """CONFIG SET port/bind (cf. ``changeListener``); ValueError(name, reason) on failure."""
        config = self.server.config
        try:
            self._bind_tcp(config["bind"], config["port"])
        except CannotListenError:
            if "bind" in names:
                raise ValueError("bind", "Failed to bind to specified addresses.") from None
            raise ValueError("port", "Unable to listen on this port") from None

    def _ready(self, _: object) -> None:
        config = self.server.config
        if config["pidfile"]:
            with open(config["pidfile"], "w") as handle:
                handle.write(f"{os.getpid()}\n")
        for port in sorted(set(self.server.ports)):
            self.log.info("Running mode=standalone, port={port}.", port=port)
        if self.server.ports:
            self.log.info("Ready to accept connections tcp")
        if self.server.unixsockets:
            self.log.info(
                "The server is now ready to accept connections at {path}",
                path=self.server.unixsockets[0],
            )
            self.log.info("Ready to accept connections unix")
        self.started.callback(None)

    def _failed(self, failure: Any) -> None:
        self.log.failure("Failed listening", failure)
        self.started.errback(failure)
        if IReactorCore.providedBy(self.reactor) and self.reactor.running:
            self.reactor.stop()

    def stopService(self) -> Deferred[Any]:
        self.log.warn(
            "Received shutdown request, closing {count} client(s) and listeners",
            count=len(self.server.clients),
        )
        for client in self.server.clients:
            if client.peer is not None:
                client.peer.close()
        # Twisted's Unix port removes its socket file itself when it stops listening.
        stopped = [port.stopListening() for port in self.ports]
        self.ports = []
        if self.server.config["pidfile"] and os.path.exists(self.server.config["pidfile"]):
            os.unlink(self.server.config["pidfile"])
        d: Deferred[Any] = DeferredList([d for d in stopped if d is not None])
        d.addCallback(lambda _: super(RedisService, self).stopService())
        d.addCallback(lambda _: self.log.warn("pyredisd is now ready to exit, bye bye..."))
        return d


def make_service(config: Config, reactor: IReactorTime | None = None) -> RedisService:
    """Build the service for ``config`` (the global reactor unless one is given)."""
    if reactor is None:
        from twisted.internet import reactor as default_reactor

        reactor = default_reactor
    return RedisService(config, reactor)
