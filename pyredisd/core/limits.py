"""Connection limits as pure decisions: the output-buffer limit of a client class, and the idle
``timeout``. The network layer measures and closes; nothing here does I/O or keeps state beyond
what its caller passes in and stores back.

Output-buffer limits (cf. ``networking.c`` ``checkClientOutputBufferLimits``):

- **hard**: the client is closed as soon as it holds ``hard`` bytes or more (0 = no limit);
- **soft**: the first time the client holds ``soft`` bytes or more the time is recorded; it is
  closed once it is still over the soft limit more than ``soft_seconds`` later; dropping below
  the soft limit forgets the recorded time.

Classes are ``normal``, ``slave`` and ``pubsub``, as ``client-output-buffer-limit`` names them;
a MONITOR client is ``normal`` and a master link is limited like ``normal`` too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyredisd.core.clients import Client

# Client.kind() -> the client-output-buffer-limit class that applies to it.
LIMIT_CLASS = {"normal": "normal", "master": "normal", "replica": "slave", "pubsub": "pubsub"}


@dataclass(frozen=True)
class OutputBufferLimit:
    """One class's ``<hard> <soft> <soft-seconds>`` (bytes, bytes, seconds; 0 = no limit)."""

    hard: int = 0
    soft: int = 0
    soft_seconds: int = 0

    def check(self, used: int, soft_since: float | None, now: float) -> tuple[bool, float | None]:
        """Whether a client holding ``used`` bytes must be closed, and the new soft-limit start
        (None when under the soft limit). ``soft_since`` is what the previous call returned."""
        hard = bool(self.hard) and used >= self.hard
        if self.soft and used >= self.soft:
            if soft_since is None:
                return hard, now  # first time over: only start the clock
            return hard or now - soft_since > self.soft_seconds, soft_since
        return hard, None


def output_limit(limits: dict[str, tuple[int, int, int]], kind: str) -> OutputBufferLimit:
    """The limit for a client of ``kind`` (:meth:`Client.kind`) from the config value."""
    hard, soft, seconds = limits.get(LIMIT_CLASS.get(kind, "normal"), (0, 0, 0))
    return OutputBufferLimit(hard, soft, seconds)


def idle_expired(client: Client, now: float, timeout: int) -> bool:
    """``timeout``: whether ``client`` has been idle too long (cf. ``clientsCronHandleTimeout``).

    MONITOR clients, replicas and the master link, Pub/Sub subscribers, and blocked or paused
    clients are exempt; a ``timeout`` of 0 disables the check.
    """
    if not timeout or client.monitor or client.blocked or client.paused or client.pubsub:
        return False
    if client.kind() in ("replica", "master"):
        return False
    return client.idle(now) > timeout
