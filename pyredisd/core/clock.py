"""How the core sees time: ``seconds()`` and ``callLater()`` (the reactor and ``task.Clock``
both qualify), so timeouts fire at their deadline and tests drive time with ``task.Clock``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class DelayedCall(Protocol):
    """A call scheduled with :meth:`Clock.callLater` (Twisted's ``IDelayedCall``)."""

    def cancel(self) -> None:
        """Unschedule the call (it must still be active)."""

    def active(self) -> bool:
        """Whether the call has neither run nor been cancelled."""


class Clock(Protocol):
    """Wall-clock seconds since the epoch and a timer, injected so tests can drive time."""

    def seconds(self) -> float:
        """Return the current time in seconds."""

    def callLater(  # noqa: N802 - Twisted's name, so the reactor is a Clock as it is
        self, delay: float, callable: Callable[..., object], *args: object, **kw: object
    ) -> DelayedCall:
        """Run ``callable(*args, **kw)`` once ``delay`` seconds have passed."""


def call_at(clock: Clock, deadline_ms: int, function: Callable[[], object]) -> DelayedCall:
    """Run ``function`` once the time in whole milliseconds is past ``deadline_ms`` (Redis's
    ``deadline < mstime()``: blocked-client timeouts and the end of a CLIENT PAUSE)."""
    delay = max(0.0, (deadline_ms + 1) / 1000 - clock.seconds())
    return clock.callLater(delay, function)
