"""How the core sees time: an object with ``seconds()`` (the reactor and ``task.Clock`` qualify)."""

from __future__ import annotations

from typing import Protocol


class Clock(Protocol):
    """Wall-clock seconds since the epoch, injected so tests can drive time."""

    def seconds(self) -> float:
        """Return the current time in seconds."""
