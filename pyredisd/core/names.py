"""Field names shared between hashes: one ``bytes`` object per distinct short name.

Applications store many hashes with the same field names (``name``, ``email``, ...). Redis
packs a small hash into one listpack; a Python dict holds a separate ``bytes`` object per field
name (about 48 bytes each), so a million 5-field hashes would carry five million copies of five
names. HSET stores the shared object instead (an existing field keeps its key object, as a
dict update does). The table is bounded: names longer than ``max_len`` are not shared, and once
it holds ``max_names`` names new ones are stored as they come, so random field names cannot grow
it without limit. Names stay in the table after their hashes are gone (at most ``max_names``).
"""

from __future__ import annotations

import sys


class SharedNames:
    """The server's table of shared field names."""

    __slots__ = ("max_len", "max_names", "names_bytes", "table")

    def __init__(self, max_names: int = 100_000, max_len: int = 64) -> None:
        self.table: dict[bytes, bytes] = {}
        self.max_names = max_names
        self.max_len = max_len
        self.names_bytes = 0  # the shared objects' estimated size (as memsize counts bytes)

    def size(self) -> int:
        """Memory of the table and the names in it (for ``used_memory``)."""
        return sys.getsizeof(self.table) + self.names_bytes

    def share(self, name: bytes) -> bytes:
        """The shared object equal to ``name`` (``name`` itself becomes it if there is room)."""
        table = self.table
        shared = table.get(name)
        if shared is not None:
            return shared
        if len(name) <= self.max_len and len(table) < self.max_names:
            table[name] = name
            self.names_bytes += (len(name) + 48) & -16
        return name
