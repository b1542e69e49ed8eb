"""x87 80-bit ``long double`` arithmetic, exactly, for INCRBYFLOAT (and HINCRBYFLOAT).

Redis parses with ``strtold``, adds two long doubles and prints with ``%.17Lf`` (``ld2string``'s
human mode). A Python float is a 53-bit double, which rounds differently (0.1 + 0.2), so values
here are exact :class:`~fractions.Fraction` objects rounded after every step to what the x87
format holds: a 64-bit significand, exponents down to 2**-16382 (then subnormal, to 2**-16445),
overflowing at 2**16384. IEEE addition is correctly rounded (to nearest, ties to even), and so
is glibc's ``strtold`` and ``printf``, so exact rational arithmetic plus one rounding reproduces
them bit for bit.
"""

from __future__ import annotations

import re
from fractions import Fraction

_MANTISSA_BITS = 64
_MIN_EXPONENT = -16382
_OVERFLOW = Fraction(2) ** 16384
_MAX_CHARS = 5 * 1024  # MAX_LONG_DOUBLE_CHARS
_DECIMAL = re.compile(rb"([+-]?)(?:(\d+)\.?(\d*)|\.(\d+))(?:[eE]([+-]?\d+))?")
_HEX = re.compile(
    rb"([+-]?)0[xX](?:([0-9a-fA-F]+)\.?([0-9a-fA-F]*)|\.([0-9a-fA-F]+))(?:[pP]([+-]?\d+))?"
)
_INFINITY = re.compile(rb"[+-]?(?:inf|infinity)", re.IGNORECASE)


def round_to_long_double(value: Fraction) -> Fraction | None:
    """``value`` rounded to the nearest long double (ties to even); None if it overflows."""
    if value == 0:
        return Fraction(0)
    magnitude = abs(value)
    exponent = magnitude.numerator.bit_length() - magnitude.denominator.bit_length()
    if Fraction(2) ** exponent > magnitude:
        exponent -= 1
    shift = _MANTISSA_BITS - 1 - max(exponent, _MIN_EXPONENT)
    scaled = magnitude * Fraction(2) ** shift
    mantissa = round(scaled)  # Fraction.__round__ rounds half to even
    result = Fraction(mantissa) / Fraction(2) ** shift
    if result >= _OVERFLOW:
        return None
    return result if value > 0 else -result


_CHUNK = 4000  # below Python's int/str conversion limit (sys.get_int_max_str_digits)


def _digits(text: bytes, base: int) -> Fraction:
    """``int(text, base)`` for any length (a 5000-digit number is valid input)."""
    value = 0
    for start in range(0, len(text), _CHUNK):
        chunk = text[start : start + _CHUNK]
        value = value * base ** len(chunk) + int(chunk, base)
    return Fraction(value)


def _decimal(number: int) -> str:
    """``str(number)`` for any size (a long double has up to 4933 integer digits)."""
    if number < 10**_CHUNK:
        return str(number)
    high, low = divmod(number, 10**_CHUNK)
    return _decimal(high) + str(low).rjust(_CHUNK, "0")


def parse(text: bytes) -> Fraction | float | None:
    """``string2ld``: the long double ``strtold`` reads from all of ``text`` (a NUL inside is
    trailing garbage),
    ``float('inf')`` for infinities, or None when Redis rejects it (empty, too long, leading
    space, trailing garbage, NaN, overflow, or underflow to zero)."""
    if not text or len(text) >= _MAX_CHARS:
        return None
    if _INFINITY.fullmatch(text):
        return float("-inf") if text.startswith(b"-") else float("inf")
    match = _HEX.fullmatch(text)
    if match is not None:
        whole, fraction = match[2] or b"", match[3] or match[4] or b""
        digits = (whole + fraction).lstrip(b"0")
        scale = int(_digits(match[5] or b"0", 10)) - 4 * len(fraction)
        # Out of range before any big power is built: 1e9999999 must not take minutes.
        if digits and not -16447 <= scale + 4 * len(digits) <= 16385:
            return None
        value = _digits(whole + fraction, 16) * Fraction(2) ** scale
    else:
        match = _DECIMAL.fullmatch(text)
        if match is None:
            return None
        whole, fraction = match[2] or b"", match[3] or match[4] or b""
        digits = (whole + fraction).lstrip(b"0")
        scale = int(_digits(match[5] or b"0", 10)) - len(fraction)
        if digits and not -4952 <= scale + len(digits) <= 4934:
            return None
        value = _digits(whole + fraction, 10) * Fraction(10) ** scale
    rounded = round_to_long_double(value)
    if rounded is None or (rounded == 0 and value != 0):
        return None  # ERANGE with HUGE_VAL or zero
    return -rounded if match[1] == b"-" else rounded


def add(a: Fraction | float, b: Fraction | float) -> Fraction | None:
    """``a + b`` in long double; None when the result is NaN or infinite."""
    if isinstance(a, float) or isinstance(b, float):
        return None  # an infinity was involved: the sum is infinite or NaN
    return round_to_long_double(a + b)


def format_human(value: Fraction) -> bytes:
    """``ld2string(LD_STR_HUMAN)``: ``%.17Lf``, trailing zeros and dot dropped, ``-0`` as ``0``;
    an empty string when the text would not fit Redis's buffer, as Redis stores then."""
    scaled = abs(value) * 10**17
    digits = _decimal(round(scaled)).rjust(18, "0")
    text = f"{'-' if value < 0 else ''}{digits[:-17]}.{digits[-17:]}".rstrip("0").rstrip(".")
    if len(text) + 1 > _MAX_CHARS or len(digits) + 3 > _MAX_CHARS:
        return b""
    return b"0" if text == "-0" else text.encode()
