"""The sorted-set value type: a member -> score dict beside an ordered index of (score, member).

Rules + theory of operation:

* ``scores`` answers ZSCORE and membership in O(1); ``index`` (a ``sortedcontainers.SortedList``
  of ``(score, member)`` tuples) keeps Redis's order: by score, then by member bytes. Ranks are
  positions in ``index``, so rank, range-by-rank, range-by-score and range-by-lex are bisections
  and slices: O(log n) to find a position, plus O(k) for the k elements returned.
* A score is never NaN (callers refuse it before it gets here), so tuple comparison is a total
  order. ``-0.0`` and ``0.0`` compare equal, as they do in Redis's skiplist.
* Score bounds become positions with :func:`math.nextafter`: "greater than x" is "at least the
  next double after x", so no sentinel member is needed.
* ``compact`` follows Redis's encoding: a listpack until the set outgrows 128 members or gets
  one longer than 64 bytes, then a skiplist for good (a STORE result starts over). It decides
  what is observable of the encoding: ZSCAN returns a compact set whole, and a compact set
  stores ``-0`` as ``0`` (``zzlInsertAt`` keeps integral scores as integers).
* Lex ranges assume, as Redis does, that all members in the range share one score. When the whole
  set has one score the bisection works on tuples directly; otherwise it falls back to a binary
  search by member over positions (O(log² n)), which is what Redis's skiplist walk amounts to.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from sortedcontainers import SortedList

_INF = math.inf


class ScoreRange:
    """A ZRANGEBYSCORE interval: ``low``/``high`` with exclusivity flags (``(`` prefixes)."""

    __slots__ = ("high", "high_ex", "low", "low_ex")

    def __init__(self, low: float, high: float, low_ex: bool = False, high_ex: bool = False):
        self.low = low
        self.high = high
        self.low_ex = low_ex
        self.high_ex = high_ex

    def is_empty(self) -> bool:
        """No score can fall inside (cf. ``zslIsInRange``'s first test)."""
        return self.low > self.high or (self.low == self.high and (self.low_ex or self.high_ex))

    def contains(self, score: float) -> bool:
        """Whether ``score`` lies in the interval."""
        above = score > self.low if self.low_ex else score >= self.low
        below = score < self.high if self.high_ex else score <= self.high
        return above and below


class LexRange:
    """A ZRANGEBYLEX interval; ``None`` bounds are ``-`` (low) and ``+`` (high)."""

    __slots__ = ("high", "high_ex", "low", "low_ex")

    def __init__(
        self, low: bytes | None, high: bytes | None, low_ex: bool = False, high_ex: bool = False
    ):
        self.low = low
        self.high = high
        self.low_ex = low_ex
        self.high_ex = high_ex

    def is_empty(self) -> bool:
        """No member can fall inside (cf. ``zslIsInLexRange``)."""
        if self.low is None or self.high is None:
            return False
        return self.low > self.high or (self.low == self.high and (self.low_ex or self.high_ex))

    def contains(self, member: bytes) -> bool:
        """Whether ``member`` lies in the interval."""
        low, high = self.low, self.high
        if low is not None and (member <= low if self.low_ex else member < low):
            return False
        return high is None or (member < high if self.high_ex else member <= high)


class CompactLimits:
    """``zset-max-listpack-entries`` and ``-value``: one object per server, shared by its
    sorted sets, so a CONFIG SET applies to every set at its next insertion, as in Redis."""

    __slots__ = ("entries", "value")

    def __init__(self, entries: int = 128, value: int = 64) -> None:
        self.entries = entries
        self.value = value


DEFAULT_LIMITS = (
    CompactLimits()
)  # Redis's defaults, for sets built without a server (never changed)


class ZSet:
    """A sorted set. Mutate only through these methods, so ``scores`` and ``index`` agree."""

    __slots__ = ("compact", "index", "limits", "scores")

    def __init__(self, limits: CompactLimits = DEFAULT_LIMITS) -> None:
        self.scores: dict[bytes, float] = {}
        self.index = SortedList()
        self.compact = True
        self.limits = limits

    def __len__(self) -> int:
        return len(self.scores)

    def __contains__(self, member: object) -> bool:
        return member in self.scores

    def __iter__(self) -> Iterator[tuple[float, bytes]]:
        """``(score, member)`` in ascending order."""
        return iter(self.index)

    def __repr__(self) -> str:
        return f"ZSet({list(self.index)!r})"

    def copy(self) -> ZSet:
        """An independent set with the same members, encoding and (shared) limits (COPY)."""
        twin = ZSet(self.limits)
        twin.scores = dict(self.scores)
        twin.index = SortedList(self.index)
        twin.compact = self.compact
        return twin

    @classmethod
    def from_scores(
        cls,
        scores: dict[bytes, float],
        limits: CompactLimits = DEFAULT_LIMITS,
        size_hint: int = 0,
    ) -> ZSet:
        """A new set holding ``scores``, built in one sort (a new key's ZADD, the STOREs);
        compact as ``zsetTypeCreate`` decides under ``limits``, from ``size_hint`` members at
        most."""
        zset = cls(limits)
        zset.compact = max(size_hint, len(scores)) <= limits.entries and all(
            len(member) <= limits.value for member in scores
        )
        if zset.compact:
            scores = {member: score or 0.0 for member, score in scores.items()}
        zset.scores = dict(scores)
        zset.index = SortedList((score, member) for member, score in scores.items())
        return zset

    # -- single members --------------------------------------------------------------------
    def score(self, member: bytes) -> float | None:
        """The score of ``member``, or None."""
        return self.scores.get(member)

    def add(self, member: bytes, score: float) -> bool:
        """Set ``member``'s score; True if it is new."""
        old = self.scores.get(member)
        if self.compact:
            limits = self.limits
            if old is None and (len(self.scores) >= limits.entries or len(member) > limits.value):
                self.compact = False
            elif score == 0:
                score = 0.0  # -0 is stored as the integer 0
        if old is not None:
            if old == score:
                return False
            self.index.remove((old, member))
        self.scores[member] = score
        self.index.add((score, member))
        return old is None

    def remove(self, member: bytes) -> bool:
        """Remove ``member``; True if it was there."""
        score = self.scores.pop(member, None)
        if score is None:
            return False
        self.index.remove((score, member))
        return True

    def rank(self, member: bytes, reverse: bool = False) -> int | None:
        """0-based position of ``member`` (from the highest score if ``reverse``), or None."""
        score = self.scores.get(member)
        if score is None:
            return None
        rank: int = self.index.bisect_left((score, member))
        return len(self.scores) - 1 - rank if reverse else rank

    def at(self, rank: int) -> tuple[float, bytes]:
        """The ``(score, member)`` at position ``rank`` (O(log n))."""
        item: tuple[float, bytes] = self.index[rank]
        return item

    # -- positions ---------------------------------------------------------------------------
    def score_span(self, spec: ScoreRange) -> tuple[int, int]:
        """Positions ``[start, stop)`` of the members whose score is in ``spec``."""
        if spec.is_empty():
            return 0, 0
        start = self._score_start(spec.low, spec.low_ex)
        stop = self._score_start(spec.high, not spec.high_ex)
        return start, max(start, stop)

    def _score_start(self, bound: float, exclusive: bool) -> int:
        """Position of the first member with score ``> bound`` (exclusive) or ``>= bound``."""
        if exclusive:
            if bound == _INF:
                return len(self.scores)
            bound = math.nextafter(bound, _INF)
        elif bound == -_INF:
            return 0
        position: int = self.index.bisect_left((bound, b""))
        return position

    def lex_span(self, spec: LexRange) -> tuple[int, int]:
        """Positions ``[start, stop)`` of the members in ``spec`` (see the module docstring)."""
        if spec.is_empty() or not self.scores:
            return 0, 0
        start = 0 if spec.low is None else self._lex_start(spec.low, spec.low_ex)
        stop = (
            len(self.scores) if spec.high is None else self._lex_start(spec.high, not spec.high_ex)
        )
        return start, max(start, stop)

    def _lex_start(self, bound: bytes, exclusive: bool) -> int:
        """Position of the first member ``> bound`` (exclusive) or ``>= bound``."""
        index = self.index
        first, last = index[0][0], index[-1][0]
        if first == last:  # one score: bisect the tuples themselves
            position: int = (
                index.bisect_right((first, bound))
                if exclusive
                else index.bisect_left((first, bound))
            )
            return position
        low, high = 0, len(index)
        while low < high:
            middle = (low + high) // 2
            member = index[middle][1]
            if member > bound or (not exclusive and member == bound):
                high = middle
            else:
                low = middle + 1
        return low

    def slice(self, start: int, stop: int, reverse: bool = False) -> Iterator[tuple[float, bytes]]:
        """``(score, member)`` at positions ``[start, stop)``, backwards if ``reverse``."""
        items: Iterator[tuple[float, bytes]] = self.index.islice(start, stop, reverse=reverse)
        return items

    def delete_span(self, start: int, stop: int) -> int:
        """Remove the members at positions ``[start, stop)``; how many were removed."""
        if stop <= start:
            return 0
        scores = self.scores
        for _, member in self.index.islice(start, stop):
            del scores[member]
        del self.index[start:stop]
        return stop - start

    def pop(self, highest: bool = False) -> tuple[float, bytes]:
        """Remove and return the lowest (or highest) ``(score, member)``; the set is not empty."""
        score, member = self.index.pop(-1 if highest else 0)
        del self.scores[member]
        return score, member
