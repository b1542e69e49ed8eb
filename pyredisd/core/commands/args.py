"""Argument parsing shared by command families, with Redis's error strings."""

from __future__ import annotations

import math

from pyredisd.core import errors
from pyredisd.core.errors import CommandError
from pyredisd.core.request import string2ll


def to_int(arg: bytes, message: str = errors.NOT_INTEGER) -> int:
    """``getLongLongFromObjectOrReply``: a canonical signed 64-bit integer."""
    value = string2ll(arg)
    if value is None:
        raise CommandError(message)
    return value


_INT_MIN, _INT_MAX = -(1 << 31), (1 << 31) - 1


def to_int32(arg: bytes, message: str | None = None) -> int:
    """``getIntFromObjectOrReply``: a 64-bit integer, then the C ``int`` range; ``message``
    replaces both errors when given, as in Redis."""
    value = string2ll(arg)
    if value is None:
        raise CommandError(message or errors.NOT_INTEGER)
    if not _INT_MIN <= value <= _INT_MAX:
        raise CommandError(message or errors.out_of_range(_INT_MIN, _INT_MAX))
    return value


def to_float(arg: bytes, message: str = errors.NOT_FLOAT) -> float:
    """``getLongDoubleFromObjectOrReply``-style parsing: no spaces, no NaN."""
    try:
        if arg[:1].isspace() or arg[-1:].isspace():
            raise ValueError
        value = float(arg)
    except ValueError:
        raise CommandError(message) from None
    if math.isnan(value):
        raise CommandError(message)
    return value


def is_valid_name(name: bytes) -> bool:
    """Client names and SETINFO values: printable ASCII without spaces (``'!'..'~'``)."""
    return all(33 <= ch <= 126 for ch in name)
