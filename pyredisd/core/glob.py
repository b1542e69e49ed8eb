"""Redis's glob matcher (``util.c`` ``stringmatchlen``), for KEYS, SCAN MATCH and friends.

Rules, as Redis implements them (not as :mod:`fnmatch` does):

* ``*`` matches any run of bytes, ``?`` exactly one byte;
* ``[abc]`` a set, ``[^abc]`` its complement, ``[a-z]`` a range (reversed ends are swapped),
  ``\\x`` inside a set a literal ``x``; an unterminated ``[`` set runs to the end of the pattern;
* ``\\x`` outside a set is a literal ``x`` (a trailing lone ``\\`` is a literal backslash);
* bytes compare as C's signed ``char``, which matters only for ranges with bytes >= 0x80;
  ``nocase`` folds ASCII letters only (``tolower`` in the C locale);
* an empty subject matches only the empty pattern (callers treat a lone ``*`` specially).

Theory of operation: Redis recurses at each ``*``; this is the equivalent iterative matcher
that backtracks to the most recent star only (a glob is a regular language, so a later star can
always absorb what an earlier one would have). Redis also gives up on patterns nested more than
1000 stars deep; every full match passes each star group, so a pattern with more than 1000 star
groups before its end matches nothing, which :func:`stringmatch` reproduces without recursing.
"""

from __future__ import annotations

_STAR, _QUESTION, _OPEN, _CLOSE, _CARET, _BACKSLASH, _DASH = b"*?[]^\\-"
_MAX_NESTING = 1000


def _signed(byte: int) -> int:
    return byte - 256 if byte >= 128 else byte


def _lower(byte: int) -> int:
    return byte + 32 if 65 <= byte <= 90 else byte


def _token(pattern: bytes, p: int, char: int, nocase: bool) -> tuple[bool, int]:
    """Does the (non-star) token at ``pattern[p]`` match ``char``, and where does the next
    token start? (The ``?``, ``[``, ``\\`` and default cases of ``stringmatchlen_impl``.)"""
    plen = len(pattern)
    byte = pattern[p]
    if byte == _QUESTION:
        return True, p + 1
    if byte == _OPEN:
        p += 1
        negate = p < plen and pattern[p] == _CARET
        if negate:
            p += 1
        found = False
        while True:
            if p < plen and pattern[p] == _BACKSLASH and plen - p >= 2:
                p += 1
                if pattern[p] == char:
                    found = True
            elif p < plen and pattern[p] == _CLOSE:
                break
            elif p >= plen:
                p -= 1  # unterminated: the set ends with the pattern
                break
            elif plen - p >= 3 and pattern[p + 1] == _DASH:
                start, end, c = pattern[p], pattern[p + 2], char
                if nocase:
                    start, end, c = _lower(start), _lower(end), _lower(c)
                start, end, c = _signed(start), _signed(end), _signed(c)
                if start > end:
                    start, end = end, start
                p += 2
                if start <= c <= end:
                    found = True
            elif pattern[p] == char or (nocase and _lower(pattern[p]) == _lower(char)):
                found = True
            p += 1
        return found != negate, p + 1
    if byte == _BACKSLASH and plen - p >= 2:
        p += 1
        byte = pattern[p]
    return byte == char or (nocase and _lower(byte) == _lower(char)), p + 1


def stringmatch(pattern: bytes, subject: bytes, nocase: bool = False) -> bool:
    """Does ``subject`` match the glob ``pattern`` (``stringmatchlen``)?"""
    plen, slen = len(pattern), len(subject)
    if slen == 0:
        return plen == 0
    p = s = 0
    resume_p, resume_s = -1, 0  # just after the last star, and where its match ended
    stars, last_star = 0, -1
    while True:
        if s == slen:
            while p < plen and pattern[p] == _STAR:
                p += 1
            return p >= plen
        if p < plen and pattern[p] == _STAR:
            while p + 1 < plen and pattern[p + 1] == _STAR:
                p += 1
            if p + 1 == plen:
                return True
            if p > last_star:
                stars, last_star = stars + 1, p
                if stars > _MAX_NESTING:
                    return False
            resume_p, resume_s = p + 1, s
            p += 1
            continue
        if p < plen:
            matched, after = _token(pattern, p, subject[s], nocase)
            if matched:
                p, s = after, s + 1
                continue
        if resume_p < 0:
            return False
        resume_s += 1
        p, s = resume_p, resume_s
