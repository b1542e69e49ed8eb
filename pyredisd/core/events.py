"""What the keyspace reports while a database is hooked: the one place key changes fan out.

Redis calls ``signalModifiedKey`` (WATCH, client tracking), ``signalKeyAsReady`` (blocking
commands) and ``notifyKeyspaceEvent`` from its write paths. Here a database forwards its
writes to one :class:`KeyEvents` per server, but only while something listens
(:meth:`KeyEvents.wants`); otherwise it is a plain :class:`~pyredisd.core.keyspace.Database`
whose writes pay nothing.

Keyspace notifications (``notify.c``) are published through the server's Pub/Sub: for an event
of an enabled class, ``__keyspace@<db>__:<key>`` gets the event name (class ``K``) and then
``__keyevent@<db>__:<event>`` gets the key (class ``E``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from pyredisd.core import notify, watch
from pyredisd.core.pubsub import PubSub

if TYPE_CHECKING:
    from pyredisd.core.blocking import Blocking
    from pyredisd.core.keyspace import Database
    from pyredisd.core.tracking import Tracking

_CHANNELS = notify.KEYSPACE | notify.KEYEVENT


class EventHost(Protocol):
    """What :class:`KeyEvents` uses of its server: Pub/Sub to publish notifications on, and
    the running command's time snapshot (a write to a key past its deadline expires it first,
    as Redis's ``lookupKeyWrite`` does)."""

    @property
    def pubsub(self) -> PubSub: ...

    @property
    def now_ms(self) -> int: ...


class _Standalone:
    """The host of a database built without a server (tests): its own, unheard Pub/Sub."""

    def __init__(self) -> None:
        self.pubsub = PubSub()
        self.now_ms = 0


class KeyEvents:
    """The server's listeners on key changes."""

    __slots__ = ("blocking", "host", "notify_flags", "tracking")

    def __init__(self, host: EventHost | None = None, notify_flags: int = 0) -> None:
        self.host: EventHost = host if host is not None else _Standalone()
        self.notify_flags = notify_flags  # notify-keyspace-events, as NOTIFY_* bits
        self.tracking: Tracking | None = None  # client-side caching (the server sets it)
        self.blocking: Blocking | None = None  # the server's blocked clients

    def wants(self, db: Database) -> bool:
        """Whether ``db``'s writes must be reported (it is then a ``HookedDatabase``)."""
        return (
            bool(db.watched)
            or self.notifying()
            or (self.tracking is not None and self.tracking.listening)
            or (self.blocking is not None and self.blocking.has_waiters(db))
        )

    def notifying(self) -> bool:
        """Whether any notification can be published: a channel kind (K or E) and a class."""
        flags = self.notify_flags
        return bool(flags & _CHANNELS) and bool(flags & ~_CHANNELS)

    def now_ms(self) -> int:
        """The running command's time snapshot."""
        return self.host.now_ms

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
        flags = self.notify_flags
        if not flags & cls:
            return
        name = event.encode()
        publish = self.host.pubsub.publish
        if flags & notify.KEYSPACE:
            publish(b"__keyspace@%d__:%b" % (db.id, key), name)
        if flags & notify.KEYEVENT:
            publish(b"__keyevent@%d__:%b" % (db.id, name), key)
