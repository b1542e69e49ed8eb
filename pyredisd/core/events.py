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
    from pyredisd.core.blocking import Blocking
    from pyredisd.core.keyspace import Database


class KeyEvents:
    """The server's listeners on key changes."""

    __slots__ = ("blocking", "notify_flags")

    def __init__(self) -> None:
        self.notify_flags = 0  # notify-keyspace-events, as NOTIFY_* bits
        self.blocking: Blocking | None = None  # the server's blocked clients

    def wants(self, db: Database) -> bool:
        """Whether ``db``'s writes must be reported (it is then a ``HookedDatabase``)."""
        return (
            bool(db.watched)
            or bool(self.notify_flags)
            or (self.blocking is not None and self.blocking.has_waiters(db))
        )

    def changed(self, db: Database, key: bytes) -> None:
        """``signalModifiedKey``: ``key`` was written, deleted or expired."""
        if db.watched:
            watch.touch(db, key)

    def added(self, db: Database, key: bytes) -> None:
        """``dbAdd``: ``key`` did not exist and now holds a value."""
        self.notify(db, notify.NEW, "new", key)
        if self.blocking is not None:
            self.blocking.signal(db, key)  # signalKeyAsReady

    def swapped(self, db: Database, other: Database) -> None:
        """SWAPDB exchanged the contents of ``db`` and ``other``: keys waited on in either that
        now exist are ready (``scanDatabaseForReadyKeys``)."""
        if self.blocking is not None:
            self.blocking.scan(db)
            self.blocking.scan(other)

    def notify(self, db: Database, cls: int, event: str, key: bytes) -> None:
        """``notifyKeyspaceEvent``: publish ``event`` on ``key`` if its class is enabled."""
        return None
