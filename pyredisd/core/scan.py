"""One SCAN step over a big collection (HSCAN, SSCAN, ZSCAN), with nothing kept between calls.

Theory of operation: a member's position is ``hash(member)`` (masked to 63 bits, plus one so
that cursor 0 can mean "start"), fixed for the life of the process whatever the container does.
Cursor ``c`` means "positions >= c are left"; a step takes the ``count`` members with the
smallest positions >= c, never splitting members that share a position, and the next cursor is
the first position after the step, or 0 when nothing is left. The steps' ranges tile the
position space, so a member present for the whole iteration is in the collection during the
step whose range holds its position, and is returned then: Redis's guarantee. The price is O(N)
per step where Redis's bucket cursor is O(count). Small collections are returned whole by the
callers, as Redis does for its compact encodings. (Keyspace SCAN keeps a snapshot instead:
``commands.generic.ScanIndex``.)
"""

from __future__ import annotations

import heapq
from collections.abc import Collection

_HASH_MASK = (1 << 63) - 1


def position(member: bytes) -> int:
    """A member's position in the scan order (never 0)."""
    return (hash(member) & _HASH_MASK) + 1


def scan_batch(members: Collection[bytes], cursor: int, count: int) -> tuple[int, list[bytes]]:
    """The next cursor and the members of one step from ``cursor``."""
    start = max(cursor, 1)
    keyed = [(position(m), m) for m in members]
    candidates = heapq.nsmallest(count + 1, (item for item in keyed if item[0] >= start))
    if len(candidates) <= count:
        return 0, [m for _, m in candidates]
    last = candidates[count - 1][0]
    if candidates[count][0] == last:  # never split members sharing a position
        same = sorted(item for item in keyed if start <= item[0] <= last)
        after = [p for p, _ in keyed if p > last]
        return (min(after) if after else 0), [m for _, m in same]
    return candidates[count][0], [m for _, m in candidates[:count]]
