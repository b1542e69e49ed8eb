"""What a stored value costs in memory: the estimate behind ``used_memory`` and MEMORY USAGE.

Sizes are CPython's (``sys.getsizeof``) rounded up as pymalloc allocates (16-byte blocks): a
``bytes`` of n bytes is an object of 33 + n bytes, so ``(n + 48) & -16``. A container is its
own table (``sys.getsizeof`` of the dict, set or deque, which includes its hash table or
blocks) plus its elements: members, fields and values as ``bytes``, and for a sorted set the
score (a float), the ``(score, member)`` tuple of the ordered index and the index's pointer.
Containers of more than :data:`EXACT_UP_TO` elements are sampled: the first ``samples``
elements are measured and the mean is multiplied by the length (Redis's ``objectComputeSize``
samples the same way).
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Mapping
from itertools import islice
from typing import Any

from pyredisd.core.zset import ZSet

EXACT_UP_TO = 64  # containers up to this many elements are measured element by element
RUNNING_SAMPLES = 16  # elements sampled for the running estimate of bigger containers
FLOAT_SIZE = 32  # a float object (24 bytes) in its 32-byte block
PAIR_SIZE = 64  # a 2-tuple (56 bytes)
POINTER = 8
INT_SIZE = 32  # an int below 2**60 (28 or 32 bytes): a TTL deadline
TABLE_ENTRY = 40  # a key's share of a dict: its 24-byte entry and index at a typical load
ZSET_FIXED = 64 + 64 + 3 * 56 + 232  # ZSet object, SortedList object, its three lists, a dict
ZSET_PER_MEMBER = FLOAT_SIZE + PAIR_SIZE + POINTER + 1  # + the index's list headroom


def bytes_size(value: bytes) -> int:
    """Memory of a ``bytes`` object of ``len(value)`` bytes."""
    return (len(value) + 48) & -16


def _mean_bytes(items: Any, count: int) -> float:
    total = 0
    for item in items:
        total += (len(item) + 48) & -16
    return total / count if count else 0.0


def value_size(
    value: Any, samples: int = RUNNING_SAMPLES, shared: Mapping[bytes, bytes] | None = None
) -> int:
    """The estimated memory of a stored value (``samples`` <= 0: measure every element). A
    hash field that is the object in ``shared`` (:mod:`pyredisd.core.names`) is counted there,
    once, not in every hash."""
    kind = type(value)
    if kind is bytes:
        return (len(value) + 48) & -16
    count = len(value)
    exact = samples <= 0 or count <= max(EXACT_UP_TO, samples)
    taken = count if exact else samples
    if kind is dict:
        total = 0
        for field, item in islice(value.items(), taken):
            if shared is None or shared.get(field) is not field:
                total += (len(field) + 48) & -16
            total += (len(item) + 48) & -16
        per = total / taken if taken else 0.0
        return sys.getsizeof(value) + int(per * count)
    if kind is set or kind is deque:
        per = _mean_bytes(islice(value, taken), taken)
        return sys.getsizeof(value) + int(per * count)
    if kind is ZSet:
        per = _mean_bytes(islice(value.scores, taken), taken) + ZSET_PER_MEMBER
        return ZSET_FIXED + sys.getsizeof(value.scores) + int(per * count)
    return sys.getsizeof(value)  # pragma: no cover - every stored type is handled above
