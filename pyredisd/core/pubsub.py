"""Pub/Sub state: who listens to which channel, pattern and shard channel, and delivery.

Three registries, each ``name -> {client id: client}`` in subscription order, plus each client's
own subscriptions (cf. ``server.pubsub_channels``, ``server.pubsub_patterns``,
``server.pubsubshard_channels`` and ``c->pubsub_channels`` ... in Redis's ``pubsub.c``):

* a name with no subscriber left is removed, so PUBSUB CHANNELS never lists it;
* a client is *subscribed* (``client.pubsub``, flag ``P``, type ``pubsub``) while it holds at
  least one subscription of any kind; ``Server.pubsub_changed`` keeps that flag in step;
* PUBLISH sends ``message`` to the channel's subscribers in subscription order, then ``pmessage``
  to the subscribers of every matching pattern (Redis's ``stringmatchlen``), pattern by pattern
  in the order they were first subscribed; SPUBLISH only reaches shard-channel subscribers. A
  client subscribed to a channel and a matching pattern gets both. The count of deliveries is
  PUBLISH's reply, whether or not the connection still takes data.

Delivery is a push through the subscriber's connection (``peer.push``), encoded in the
subscriber's protocol (``>`` in RESP3, an array in RESP2), so the ``pubsub`` class of
``client-output-buffer-limit`` applies. Each message is encoded at most once per protocol.
Nothing here does I/O or knows about Twisted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyredisd.core.glob import stringmatch
from pyredisd.core.replies import Push, Reply
from pyredisd.core.resp import ENCODERS

if TYPE_CHECKING:
    from pyredisd.core.clients import Client

Listeners = dict[bytes, dict[int, "Client"]]

MESSAGE = b"message"
PMESSAGE = b"pmessage"
SMESSAGE = b"smessage"


class Subscriptions:
    """One client's subscriptions, each in the order it subscribed."""

    __slots__ = ("channels", "patterns", "shard")

    def __init__(self) -> None:
        self.channels: dict[bytes, None] = {}
        self.patterns: dict[bytes, None] = {}
        self.shard: dict[bytes, None] = {}

    def count(self) -> int:
        """Channels plus patterns: what (P)SUBSCRIBE and (P)UNSUBSCRIBE confirmations report
        (cf. ``clientSubscriptionsCount``)."""
        return len(self.channels) + len(self.patterns)

    def total(self) -> int:
        """Every subscription, shard channels included."""
        return len(self.channels) + len(self.patterns) + len(self.shard)


_NONE = Subscriptions()


class PubSub:
    """The server's Pub/Sub registries (one per server)."""

    def __init__(self) -> None:
        self.channels: Listeners = {}
        self.patterns: Listeners = {}
        self.shard_channels: Listeners = {}
        self.clients: dict[int, Subscriptions] = {}

    # -- per client ------------------------------------------------------------------------------
    def of(self, client: Client) -> Subscriptions:
        """``client``'s subscriptions (an empty, shared object when it has none)."""
        return self.clients.get(client.id, _NONE)

    def counts(self, client: Client) -> tuple[int, int, int]:
        """CLIENT LIST's ``sub``, ``psub`` and ``ssub``."""
        subs = self.clients.get(client.id)
        if subs is None:
            return 0, 0, 0
        return len(subs.channels), len(subs.patterns), len(subs.shard)

    def subscribed(self, client: Client) -> bool:
        """Whether ``client`` holds any subscription."""
        return client.id in self.clients

    def _own(self, client: Client) -> Subscriptions:
        subs = self.clients.get(client.id)
        if subs is None:
            subs = self.clients[client.id] = Subscriptions()
        return subs

    def _forget_if_empty(self, client: Client, subs: Subscriptions) -> None:
        if not subs.total():
            self.clients.pop(client.id, None)

    # -- subscribe and unsubscribe ----------------------------------------------------------------
    def subscribe(self, client: Client, name: bytes) -> int:
        """SUBSCRIBE one channel (again is harmless); returns the confirmation's count."""
        subs = self._own(client)
        _add(self.channels, subs.channels, client, name)
        return subs.count()

    def psubscribe(self, client: Client, pattern: bytes) -> int:
        """PSUBSCRIBE one pattern; returns the confirmation's count."""
        subs = self._own(client)
        _add(self.patterns, subs.patterns, client, pattern)
        return subs.count()

    def ssubscribe(self, client: Client, name: bytes) -> int:
        """SSUBSCRIBE one shard channel; returns the confirmation's count (shard channels)."""
        subs = self._own(client)
        _add(self.shard_channels, subs.shard, client, name)
        return len(subs.shard)

    def unsubscribe(self, client: Client, name: bytes) -> int:
        """UNSUBSCRIBE one channel (subscribed or not); returns the confirmation's count."""
        subs = self.clients.get(client.id)
        if subs is None:
            return 0
        _remove(self.channels, subs.channels, client, name)
        self._forget_if_empty(client, subs)
        return subs.count()

    def punsubscribe(self, client: Client, pattern: bytes) -> int:
        """PUNSUBSCRIBE one pattern; returns the confirmation's count."""
        subs = self.clients.get(client.id)
        if subs is None:
            return 0
        _remove(self.patterns, subs.patterns, client, pattern)
        self._forget_if_empty(client, subs)
        return subs.count()

    def sunsubscribe(self, client: Client, name: bytes) -> int:
        """SUNSUBSCRIBE one shard channel; returns the confirmation's count."""
        subs = self.clients.get(client.id)
        if subs is None:
            return 0
        _remove(self.shard_channels, subs.shard, client, name)
        self._forget_if_empty(client, subs)
        return len(subs.shard)

    def unsubscribe_all(self, client: Client) -> None:
        """Drop every subscription of ``client`` without telling it (a closed connection,
        RESET; cf. ``pubsubUnsubscribeAllChannels(c, 0)``). Idempotent."""
        subs = self.clients.pop(client.id, None)
        if subs is None:
            return
        for registry, names in (
            (self.channels, subs.channels),
            (self.patterns, subs.patterns),
            (self.shard_channels, subs.shard),
        ):
            for name in list(names):
                _remove(registry, names, client, name)

    # -- publish ---------------------------------------------------------------------------------
    def publish(self, channel: bytes, message: bytes) -> int:
        """PUBLISH: deliver to the channel's subscribers, then to matching patterns'; returns
        the number of deliveries."""
        receivers = 0
        listeners = self.channels.get(channel)
        if listeners:
            receivers += _deliver(listeners, [MESSAGE, channel, message])
        for pattern, listeners in list(self.patterns.items()):
            if stringmatch(pattern, channel):
                receivers += _deliver(listeners, [PMESSAGE, pattern, channel, message])
        return receivers

    def spublish(self, channel: bytes, message: bytes) -> int:
        """SPUBLISH: shard-channel subscribers only (shard Pub/Sub ignores patterns)."""
        listeners = self.shard_channels.get(channel)
        if not listeners:
            return 0
        return _deliver(listeners, [SMESSAGE, channel, message])

    # -- introspection ---------------------------------------------------------------------------
    @staticmethod
    def active(registry: Listeners, pattern: bytes | None) -> list[Reply]:
        """PUBSUB (SHARD)CHANNELS: the names with subscribers, matching ``pattern`` if given."""
        if pattern is None:
            return list(registry)
        return [name for name in registry if stringmatch(pattern, name)]

    @staticmethod
    def numsub(registry: Listeners, names: list[bytes]) -> list[Reply]:
        """PUBSUB (SHARD)NUMSUB: ``name, count`` pairs, flattened."""
        out: list[Reply] = []
        for name in names:
            out.append(name)
            out.append(len(registry.get(name, ())))
        return out


def _add(registry: Listeners, own: dict[bytes, None], client: Client, name: bytes) -> None:
    if name in own:
        return
    own[name] = None
    listeners = registry.get(name)
    if listeners is None:
        listeners = registry[name] = {}
    listeners[client.id] = client


def _remove(registry: Listeners, own: dict[bytes, None], client: Client, name: bytes) -> None:
    if name not in own:
        return
    del own[name]
    listeners = registry.get(name)
    if listeners is not None:
        listeners.pop(client.id, None)
        if not listeners:
            del registry[name]


def _deliver(listeners: dict[int, Client], items: list[bytes]) -> int:
    """Push ``items`` to every listener, encoded once per protocol version."""
    encoded: dict[int, bytes] = {}
    # A push may close a connection over its output limit; iterate over a copy.
    targets = list(listeners.values())
    for client in targets:
        peer = client.peer
        if peer is None:
            continue
        resp = client.resp
        data = encoded.get(resp)
        if data is None:
            data = encoded[resp] = ENCODERS[resp].encode(Push(items))
        peer.push(data)
    return len(targets)
