"""How the core asks the network layer to act on a connection (implemented by the protocol)."""

from __future__ import annotations

from typing import Protocol


class Peer(Protocol):
    """The connection behind a client."""

    def close(self) -> None:
        """Close after everything already queued for the client has been written."""

    def abort(self) -> None:
        """Drop the connection now, discarding anything queued (output-buffer limit, kill)."""

    def push(self, data: bytes) -> None:
        """Send bytes that no request asked for (Pub/Sub, MONITOR) through the client's outbox."""
