"""How the core asks the network layer to act on a connection (implemented by the protocol)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pyredisd.core.replies import Reply

# Why the core asks for a connection to be dropped (``Peer.drop``); the network layer logs it
# in Redis's words.
DROP_IDLE = "idle"  # ``timeout`` (clientsCronHandleTimeout)
DROP_OUTPUT_LIMIT = "output-buffer-limit"  # client-output-buffer-limit, found by the cron


class Peer(Protocol):
    """The connection behind a client."""

    def close(self) -> None:
        """Close after everything already queued for the client has been written."""

    def abort(self) -> None:
        """Drop the connection now, discarding anything queued (output-buffer limit, kill)."""

    def push(self, data: bytes) -> None:
        """Send bytes that no request asked for (Pub/Sub, MONITOR) through the client's outbox."""

    def refresh(self) -> None:
        """The client's ``reply_mode`` or ``paused`` changed: act on them (suppress replies,
        hold requests, or run the held ones on the connection's next turn)."""

    def unblocked(self, reply: Reply) -> None:
        """The reply of the client's blocking command (served, timed out, CLIENT UNBLOCK):
        send it, then run the requests held while it was blocked."""

    def drop(self, reason: str) -> None:
        """Log why (``DROP_IDLE``, ``DROP_OUTPUT_LIMIT``) and drop the connection now."""
