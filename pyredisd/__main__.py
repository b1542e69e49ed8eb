"""``python -m pyredisd [CONFIG-FILE] [--directive value ...]``: redis-server's command line.

Runs in the foreground, logging to stdout (or ``logfile``). Tools that start a redis-server can
start pyredisd the same way.
"""

from __future__ import annotations

import sys

from pyredisd.core.config import args_to_conf
from pyredisd.core.errors import ConfigError


def main(argv: list[str] | None = None) -> int:
    """Parse redis-server style arguments, start the server, run until SIGTERM or SHUTDOWN."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("-v", "--version"):
        from pyredisd import __version__
        from pyredisd.core.version import REDIS_VERSION

        print(f"pyredisd v={__version__} (Redis {REDIS_VERSION} compatible)")
        return 0
    if args and args[0] in ("-h", "--help"):
        print("Usage: python -m pyredisd [/path/to/redis.conf] [--option value ...]")
        return 0
    path = None
    if args and not args[0].startswith("--"):
        path = args.pop(0)
    from twisted.python import usage

    from pyredisd.tap import load_config

    try:
        overrides = args_to_conf(args)
        config = load_config(path, overrides.split("\n") if overrides else [])
    except ConfigError as exc:
        from pyredisd.tap import fatal_config_message

        print(fatal_config_message(*exc.args), file=sys.stderr)
        return 1
    except usage.UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return _run(config)


def _run(config: object) -> int:
    from twisted.internet import reactor
    from twisted.logger import globalLogBeginner, textFileLogObserver

    from pyredisd.net.fastpath import install_lean_dispatch
    from pyredisd.net.service import make_service

    logfile = config["logfile"]  # type: ignore[index]
    stream = open(logfile, "a") if logfile else sys.stdout  # noqa: SIM115
    globalLogBeginner.beginLoggingTo([textFileLogObserver(stream)], redirectStandardIO=False)
    install_lean_dispatch(reactor)
    service = make_service(config, reactor)  # type: ignore[arg-type]
    failed: list[object] = []
    service.started.addErrback(failed.append)
    service.startService()
    reactor.addSystemEventTrigger("before", "shutdown", service.stopService)
    if not failed:
        reactor.run()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
