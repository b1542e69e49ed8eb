"""twistd plugin glue: ``twistd -n pyredisd [--config FILE] [--port N] [--bind ADDR]...
[--unixsocket PATH] [--set NAME=VALUE]...``."""

from __future__ import annotations

from typing import Any

from twisted.python import usage

from pyredisd.core.config import Config
from pyredisd.core.errors import ConfigError
from pyredisd.net.fastpath import install_lean_dispatch
from pyredisd.net.service import RedisService, make_service


class Options(usage.Options):
    """Command-line options of the ``pyredisd`` twistd plugin."""

    optParameters = [  # noqa: N815
        ["config", "c", None, "redis.conf-style configuration file."],
        ["port", "p", None, "TCP port to listen on (0 picks a free port)."],
        ["unixsocket", "s", None, "Unix socket path to listen on."],
    ]

    def __init__(self) -> None:
        super().__init__()
        self["bind"] = []
        self["set"] = []

    def opt_bind(self, address: str) -> None:
        """Address to listen on (repeatable)."""
        self["bind"].append(address)

    def opt_set(self, directive: str) -> None:
        """Any directive as NAME=VALUE (repeatable), applied after the file."""
        name, _, value = directive.partition("=")
        self["set"].append(f"{name} {value}")

    def postOptions(self) -> None:
        self["conf"] = load_config(self["config"], self._overrides())

    def _overrides(self) -> list[str]:
        lines = list(self["set"])
        if self["port"] is not None:
            lines.append(f"port {self['port']}")
        if self["bind"]:
            lines.append("bind " + " ".join(self["bind"]))
        if self["unixsocket"] is not None:
            lines.append(f"unixsocket {self['unixsocket']}")
        return lines


def load_config(path: str | None, overrides: list[str]) -> Config:
    """Defaults, then the file, then ``overrides`` (config lines); UsageError on a bad line."""
    config = Config.defaults()
    text = ""
    if path:
        try:
            with open(path, encoding="utf-8", errors="surrogateescape") as handle:
                text = handle.read()
        except OSError as exc:
            raise usage.UsageError(
                f"Fatal error, can't open config file '{path}': {exc.strerror}"
            ) from None
        config.path = path
    # cf. loadServerConfig: the overrides follow the file after a newline, even with no file,
    # so error line numbers agree with redis-server's.
    source = "\n".join([text, *overrides]) if overrides else text
    try:
        config.load_text(source)
    except ConfigError as exc:
        number, line, reason = exc.args
        raise usage.UsageError(fatal_config_message(number, line, reason)) from None
    return config


def fatal_config_message(number: int, line: str, reason: str) -> str:
    """Redis's ``loadServerConfigFromString`` failure text."""
    from pyredisd.core.version import REDIS_VERSION

    return (
        f"\n*** FATAL CONFIG FILE ERROR (Redis {REDIS_VERSION}) ***\n"
        f"Reading the configuration file, at line {number}\n>>> '{line.strip()}'\n{reason}"
    )


def makeService(options: Any) -> RedisService:
    """Build the service from parsed options (twistd calls this)."""
    from twisted.internet import reactor

    install_lean_dispatch(reactor)
    return make_service(options["conf"], reactor)
