"""Logging that honours the ``loglevel`` directive, read at each event so CONFIG SET applies.

Redis's levels map onto Twisted's: ``debug`` and ``verbose`` let everything through, ``notice``
passes info and above, ``warning`` passes warnings and above, ``nothing`` silences pyredisd.
Only pyredisd's own loggers are filtered; Twisted's messages go through as usual.
"""

from __future__ import annotations

from typing import Any

from twisted.logger import (
    FilteringLogObserver,
    ILogFilterPredicate,
    Logger,
    LogLevel,
    PredicateResult,
    globalLogPublisher,
)
from zope.interface import implementer

from pyredisd.core.config import Config

_ORDER = {
    LogLevel.debug: 0,
    LogLevel.info: 1,
    LogLevel.warn: 2,
    LogLevel.error: 3,
    LogLevel.critical: 4,
}
_THRESHOLD = {"debug": 0, "verbose": 0, "notice": 1, "warning": 2}


_NO: PredicateResult = PredicateResult.no
_MAYBE: PredicateResult = PredicateResult.maybe


@implementer(ILogFilterPredicate)
class LogLevelFromConfig:
    """Pass an event if its level reaches the configured ``loglevel``."""

    def __init__(self, config: Config) -> None:
        self.config = config

    def __call__(self, event: dict[str, Any]) -> PredicateResult:
        threshold = _THRESHOLD.get(self.config["loglevel"])
        if threshold is None or _ORDER.get(event.get("log_level"), 4) < threshold:
            return _NO
        return _MAYBE


def make_logger(namespace: str, config: Config, source: object = None) -> Logger:
    """A Logger whose events are filtered by ``config``'s ``loglevel``."""
    observer = FilteringLogObserver(globalLogPublisher, [LogLevelFromConfig(config)])
    return Logger(namespace=namespace, source=source, observer=observer)
