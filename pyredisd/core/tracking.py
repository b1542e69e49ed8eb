"""Client-side caching: which clients may hold which keys, and the invalidation messages.

One :class:`Tracking` per server (cf. Redis's ``tracking.c``):

* **Default mode.** After a read-only command of a tracking client, the command's keys (from
  its key specs) are remembered against the client's id (``trackingRememberKeys``); OPTIN
  remembers only after ``CLIENT CACHING yes``, OPTOUT all but after ``CLIENT CACHING no``.
  The table is keyed by key name alone, across databases, as in Redis. When a key changes
  (``KeyEvents.changed``: a write, a deletion, an expiry) every client that may hold it gets
  one invalidation and the key is forgotten until read again (``trackingInvalidateKey``).
* **BCAST mode.** A client subscribes prefixes (the empty prefix by default); a changed key is
  collected under every prefix it starts with, together with the client that changed it
  (``trackingRememberKeyToBroadcast``), and :meth:`Tracking.broadcast` sends each prefix's
  keys as one array after the read batch that changed them (Redis does it in ``beforeSleep``).
  NOLOOP leaves out the keys the receiving client changed itself.
* **FLUSHDB/FLUSHALL** send every tracking client a null instead of keys and empty the table
  (``trackingInvalidateKeysOnFlush``).

Delivery (``sendTrackingMessage``): a RESP3 client gets ``>2 invalidate [keys]``; with
REDIRECT the message goes to the other client instead, as a push if it speaks RESP3, as a
``__redis__:invalidate`` Pub/Sub message if it is a subscribed RESP2 client, else nowhere. A
redirect to a client that is gone marks the client ``R`` and, in RESP3, pushes
``tracking-redir-broken``. Invalidations for the client whose own command caused them are
held until the command (or the whole EXEC) has run, so they follow its reply
(``tracking_pending_keys``); everything travels through the receiver's ``peer.push``, so the
output-buffer limits apply.

Differences from Redis, on purpose: a closed client's ids leave the table at once (Redis drops
them lazily, so its ``tracking_total_items`` still counts them for a while); ids that share a
key are visited in Redis's radix-tree order of their little-endian bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyredisd.core.commands.spec import CmdFlag

if TYPE_CHECKING:
    from pyredisd.core.clients import Client
    from pyredisd.core.commands.table import Command
    from pyredisd.core.server import Server

CHANNEL = b"__redis__:invalidate"
_PUSH_HEADER = b">2\r\n$10\r\ninvalidate\r\n"
_MESSAGE_HEADER = b"*3\r\n$7\r\nmessage\r\n$20\r\n" + CHANNEL + b"\r\n"
_BROKEN = b">2\r\n$21\r\ntracking-redir-broken\r\n:%d\r\n"
# shared.null[resp]: what a flush sends instead of keys, in the tracking client's protocol.
_NULL = {2: b"$-1\r\n", 3: b"_\r\n"}


class ClientTracking:
    """One client's tracking mode (cf. the ``CLIENT_TRACKING_*`` flags and
    ``client_tracking_redirection`` / ``client_tracking_prefixes``)."""

    __slots__ = ("bcast", "broken", "caching", "noloop", "optin", "optout", "prefixes", "redirect")

    def __init__(self) -> None:
        self.redirect = 0
        self.bcast = False
        self.optin = False
        self.optout = False
        self.noloop = False
        self.caching = False  # CLIENT CACHING given for the next command (or transaction)
        self.broken = False  # the redirect target went away
        self.prefixes: dict[bytes, None] = {}

    def flags(self) -> list[bytes]:
        """CLIENT TRACKINGINFO's flags after ``on``, in Redis's order."""
        out = [b"on"]
        if self.bcast:
            out.append(b"bcast")
        if self.optin:
            out.append(b"optin")
            if self.caching:
                out.append(b"caching-yes")
        if self.optout:
            out.append(b"optout")
            if self.caching:
                out.append(b"caching-no")
        if self.noloop:
            out.append(b"noloop")
        if self.broken:
            out.append(b"broken_redirect")
        return out


class _Prefix:
    """A BCAST prefix: the keys changed under it since the last broadcast (with the client
    that changed each last, for NOLOOP) and the clients subscribed to it."""

    __slots__ = ("clients", "keys")

    def __init__(self) -> None:
        self.keys: dict[bytes, Client | None] = {}
        self.clients: dict[int, Client] = {}


def overlaps(first: bytes, second: bytes) -> bool:
    """Whether one prefix starts with the other (``stringCheckPrefix``)."""
    return first.startswith(second) or second.startswith(first)


def _keys_array(keys: list[bytes]) -> bytes:
    return b"*%d\r\n" % len(keys) + b"".join(b"$%d\r\n%s\r\n" % (len(k), k) for k in keys)


def _rax_order(client_id: int) -> bytes:
    return client_id.to_bytes(8, "little")


class Tracking:
    """The server's tracking table, prefix table and pending invalidations."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.clients = 0  # clients with tracking on (INFO tracking_clients)
        self.table: dict[bytes, dict[int, None]] = {}  # key -> ids that may cache it
        self.items = 0  # ids over all keys (tracking_total_items)
        self.keys_of: dict[int, set[bytes]] = {}  # id -> its keys in the table
        self.prefixes: dict[bytes, _Prefix] = {}
        self.dirty = False  # a BCAST prefix has keys to broadcast
        self.current: Client | None = None  # the client whose command is running
        self.pending: list[bytes | None] = []  # its own invalidations (None: a flush)
        self.listening = False  # KeyEvents must report changes (KeyEvents.wants)

    # -- modes ---------------------------------------------------------------------------------
    def enable(
        self,
        c: Client,
        redirect: int,
        *,
        bcast: bool,
        optin: bool,
        optout: bool,
        noloop: bool,
        prefixes: list[bytes],
    ) -> None:
        """``enableTracking``: turn tracking on (again), replacing the mode flags and the
        redirect; BCAST prefixes add to those the client has."""
        state = c.tracking
        if state is None:
            state = c.tracking = ClientTracking()
            self.clients += 1
        state.broken = False
        state.redirect = redirect
        state.bcast, state.optin, state.optout, state.noloop = bcast, optin, optout, noloop
        if bcast:
            for prefix in prefixes or [b""]:
                entry = self.prefixes.get(prefix)
                if entry is None:
                    entry = self.prefixes[prefix] = _Prefix()
                entry.clients[c.id] = c
                state.prefixes[prefix] = None
        self._changed()

    def disable(self, c: Client) -> None:
        """``disableTracking`` (CLIENT TRACKING OFF, RESET, close): the client leaves its
        prefixes; its ids stay in the table until their keys change, as in Redis."""
        state = c.tracking
        if state is None:
            return
        for prefix in state.prefixes:
            entry = self.prefixes.get(prefix)
            if entry is not None:
                entry.clients.pop(c.id, None)
                if not entry.clients:
                    del self.prefixes[prefix]
        c.tracking = None
        self.clients -= 1
        if self.current is c:
            self.current = None
        self._changed()

    def forget(self, c: Client) -> None:
        """A closed client: tracking off, and its ids out of the table. The slow path makes
        every client the running one (``current``), tracking or not: forget that too."""
        if self.current is c:
            self.current = None
        self.disable(c)
        keys = self.keys_of.pop(c.id, None)
        if keys:
            for key in keys:
                ids = self.table.get(key)
                if ids is not None and ids.pop(c.id, 0) is None:
                    self.items -= 1
                    if not ids:
                        del self.table[key]
            self._changed()

    def _changed(self) -> None:
        listening = bool(self.clients) or bool(self.table)
        if listening != self.listening:
            self.listening = listening
            self.server.refresh_hooks()
        self.server.tracking_changed()

    # -- reads ---------------------------------------------------------------------------------
    def after_command(self, c: Client, command: Command, argv: list[bytes]) -> None:
        """After a command of ``c`` ran (the slow path, while any client tracks): remember
        the keys of a read-only command, clear CLIENT CACHING's one-shot flag, and once the
        outermost command (EXEC, not the commands inside it) is done, send ``c`` its own
        invalidations (cf. ``call`` and ``afterCommand``, ``resetClient``)."""
        state = c.tracking
        nested = c.last_cmd is not command  # a command run by EXEC
        if state is not None:
            if command.flags & CmdFlag.READONLY and not state.bcast:
                self.remember(c, state, command, argv)
            if state.caching and c.multi is None and not command.fullname.startswith("client|"):
                state.caching = False
        if nested:
            return
        if self.pending:
            pending, self.pending = self.pending, []
            for key in pending:
                self._send(c, _NULL[c.resp] if key is None else _keys_array([key]))
        self.current = None

    def remember(
        self, c: Client, state: ClientTracking, command: Command, argv: list[bytes]
    ) -> None:
        """``trackingRememberKeys``: ``c`` may now cache the command's keys."""
        if command.flags & CmdFlag.PUBSUB:
            return
        if (state.optin and not state.caching) or (state.optout and state.caching):
            return
        try:
            positions = command.spec.keys(argv)
        except ValueError:
            return
        if not positions:
            return
        own = self.keys_of.get(c.id)
        if own is None:
            own = self.keys_of[c.id] = set()
        table = self.table
        cid = c.id
        for index in positions:
            key = argv[index]
            ids = table.get(key)
            if ids is None:
                ids = table[key] = {}
            if cid not in ids:
                ids[cid] = None
                self.items += 1
                own.add(key)

    # -- writes --------------------------------------------------------------------------------
    def invalidate(self, key: bytes) -> None:
        """``trackingInvalidateKey``: ``key`` changed."""
        if self.prefixes:
            modifier = self.current
            for prefix, entry in self.prefixes.items():
                if key.startswith(prefix):
                    entry.keys[key] = modifier
                    self.dirty = True
        ids = self.table.pop(key, None)
        if ids is None:
            return
        self.items -= len(ids)
        clients = self.server.clients
        current = self.current
        message = b""
        for cid in sorted(ids, key=_rax_order) if len(ids) > 1 else ids:
            own = self.keys_of.get(cid)
            if own is not None:
                own.discard(key)
                if not own:
                    del self.keys_of[cid]
            target = clients.get(cid)
            if target is None:
                continue
            state = target.tracking
            if state is None or state.bcast:
                continue
            if target is current:
                if not state.noloop:
                    self.pending.append(key)
                continue
            if not message:
                message = _keys_array([key])
            self._send(target, message)

    def flushed(self) -> None:
        """``trackingInvalidateKeysOnFlush``: FLUSHDB or FLUSHALL ran; every tracking client
        is told that all its keys are invalid, and the table is emptied."""
        if self.clients:
            for c in self.server.clients:
                if c.tracking is None:
                    continue
                if c is self.current:
                    self.pending.append(None)
                else:
                    self._send(c, _NULL[c.resp])
        if self.table:
            self.table = {}
            self.keys_of = {}
            self.items = 0
            self._changed()

    def broadcast(self) -> None:
        """``trackingBroadcastInvalidationMessages``: send each prefix's changed keys, sorted,
        to the prefix's clients (without a NOLOOP client's own changes)."""
        self.dirty = False
        for prefix in sorted(self.prefixes):
            entry = self.prefixes.get(prefix)
            if entry is None or not entry.keys:
                continue  # its last client was dropped by a send (output limit)
            changed, entry.keys = entry.keys, {}
            keys = sorted(changed)
            message = _keys_array(keys)
            for c in list(entry.clients.values()):
                state = c.tracking
                if state is not None and state.noloop:
                    others = [key for key in keys if changed[key] is not c]
                    if others:
                        self._send(c, _keys_array(others))
                else:
                    self._send(c, message)

    # -- delivery ------------------------------------------------------------------------------
    def _send(self, c: Client, value: bytes) -> None:
        """``sendTrackingMessage``: deliver ``value`` (the RESP of the key array, or a null)
        to ``c`` or to its redirect target."""
        state = c.tracking
        redirected = False
        if state is not None and state.redirect:
            target = self.server.clients.get(state.redirect)
            if target is None:
                state.broken = True
                if c.resp > 2 and c.peer is not None:
                    c.peer.push(_BROKEN % state.redirect)
                return
            c, redirected = target, True
        if c.resp > 2:
            header = _PUSH_HEADER
        elif redirected and c.pubsub:
            header = _MESSAGE_HEADER
        else:
            return  # RESP2 without a subscribed redirect target: nowhere to say it
        if c.peer is not None:
            c.peer.push(header + value)

    # -- INFO ----------------------------------------------------------------------------------
    def total_keys(self) -> int:
        """tracking_total_keys."""
        return len(self.table)

    def total_prefixes(self) -> int:
        """tracking_total_prefixes."""
        return len(self.prefixes)
