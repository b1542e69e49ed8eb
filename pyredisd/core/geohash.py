"""Geohashes as Redis computes them (cf. ``geohash.c`` and ``geohash_helper.c``).

A position is a 52-bit integer: 26 bits of latitude and 26 of longitude, interleaved (latitude
on the even bits, longitude on the odd ones), each the cell number of the coordinate within its
range split in ``2**26`` parts. Redis's ranges are longitude [-180, 180] and latitude
[-85.05112878, 85.05112878] (the Web Mercator limits); GEOHASH re-encodes with [-90, 90] to print
a standard geohash string. Sorted-set scores hold the 52-bit value exactly.

A search covers the centre's cell and its eight neighbours at a step (bits per coordinate) chosen
from the radius, as ``geohashCalculateAreasByShapeWGS84`` does: every cell is one score range
``[cell << shift, (cell + 1) << shift)`` of the sorted set. Distances are haversine on a sphere of
``EARTH_RADIUS_IN_METERS``. Everything here is plain floating point in the same operation order as
the C code, so cells, distances and edge cases agree with Redis.
"""

from __future__ import annotations

import math
from typing import NamedTuple

GEO_STEP_MAX = 26
GEO_LAT_MIN = -85.05112878
GEO_LAT_MAX = 85.05112878
GEO_LONG_MIN = -180.0
GEO_LONG_MAX = 180.0
EARTH_RADIUS_IN_METERS = 6372797.560856
MERCATOR_MAX = 20037726.37
_D_R = math.pi / 180.0
_MASK64 = (1 << 64) - 1
_EVEN = 0x5555555555555555
_ODD = 0xAAAAAAAAAAAAAAAA
_ALPHABET = b"0123456789bcdefghjkmnpqrstuvwxyz"


class Range(NamedTuple):
    """A coordinate range."""

    min: float
    max: float


class Area(NamedTuple):
    """The rectangle a hash covers: ``(lon_min, lon_max, lat_min, lat_max)``."""

    lon_min: float
    lon_max: float
    lat_min: float
    lat_max: float


class Hash(NamedTuple):
    """A geohash of ``step`` bits per coordinate; ``(0, 0)`` is "no cell" (``GZERO``)."""

    bits: int
    step: int


ZERO = Hash(0, 0)
LONG_RANGE = Range(GEO_LONG_MIN, GEO_LONG_MAX)
LAT_RANGE = Range(GEO_LAT_MIN, GEO_LAT_MAX)
STANDARD_LAT_RANGE = Range(-90.0, 90.0)


def deg_rad(angle: float) -> float:
    """Degrees to radians."""
    return angle * _D_R


def rad_deg(angle: float) -> float:
    """Radians to degrees."""
    return angle / _D_R


# -- interleaving --------------------------------------------------------------------------------
def _spread(value: int) -> int:
    """The 32 bits of ``value`` on the even bits of a 64-bit word."""
    value &= 0xFFFFFFFF
    value = (value | (value << 16)) & 0x0000FFFF0000FFFF
    value = (value | (value << 8)) & 0x00FF00FF00FF00FF
    value = (value | (value << 4)) & 0x0F0F0F0F0F0F0F0F
    value = (value | (value << 2)) & 0x3333333333333333
    return (value | (value << 1)) & _EVEN


def _squash(value: int) -> int:
    """The even bits of ``value`` packed into 32 bits (inverse of :func:`_spread`)."""
    value &= _EVEN
    value = (value | (value >> 1)) & 0x3333333333333333
    value = (value | (value >> 2)) & 0x0F0F0F0F0F0F0F0F
    value = (value | (value >> 4)) & 0x00FF00FF00FF00FF
    value = (value | (value >> 8)) & 0x0000FFFF0000FFFF
    return (value | (value >> 16)) & 0xFFFFFFFF


def interleave(lat_cell: int, lon_cell: int) -> int:
    """``interleave64``: latitude on the even bits, longitude on the odd bits."""
    return _spread(lat_cell) | (_spread(lon_cell) << 1)


def deinterleave(bits: int) -> tuple[int, int]:
    """``deinterleave64``: ``(lat_cell, lon_cell)``."""
    return _squash(bits), _squash(bits >> 1)


# -- encode / decode -----------------------------------------------------------------------------
def encode(
    lon: float,
    lat: float,
    step: int = GEO_STEP_MAX,
    lon_range: Range = LONG_RANGE,
    lat_range: Range = LAT_RANGE,
) -> Hash | None:
    """``geohashEncode``: None outside Redis's limits or the given ranges."""
    if lon > 180 or lon < -180 or lat > GEO_LAT_MAX or lat < GEO_LAT_MIN:
        return None
    if lat < lat_range.min or lat > lat_range.max or lon < lon_range.min or lon > lon_range.max:
        return None
    lat_offset = (lat - lat_range.min) / (lat_range.max - lat_range.min)
    lon_offset = (lon - lon_range.min) / (lon_range.max - lon_range.min)
    lat_offset *= 1 << step
    lon_offset *= 1 << step
    return Hash(interleave(int(lat_offset), int(lon_offset)), step)


def align52(hash_: Hash) -> int:
    """``geohashAlign52Bits``: the hash as a 52-bit score."""
    return (hash_.bits << (52 - hash_.step * 2)) & _MASK64


def score_of(lon: float, lat: float) -> int | None:
    """The sorted-set score of a position (GEOADD), or None when out of range."""
    hash_ = encode(lon, lat)
    return None if hash_ is None else align52(hash_)


def decode_area(hash_: Hash, lon_range: Range = LONG_RANGE, lat_range: Range = LAT_RANGE) -> Area:
    """``geohashDecode``: the rectangle of a cell."""
    step = hash_.step
    lat_cell, lon_cell = deinterleave(hash_.bits)
    lat_scale = lat_range.max - lat_range.min
    lon_scale = lon_range.max - lon_range.min
    cells = float(1 << step)
    return Area(
        lon_range.min + (lon_cell * 1.0 / cells) * lon_scale,
        lon_range.min + ((lon_cell + 1) * 1.0 / cells) * lon_scale,
        lat_range.min + (lat_cell * 1.0 / cells) * lat_scale,
        lat_range.min + ((lat_cell + 1) * 1.0 / cells) * lat_scale,
    )


def score_bits(score: float) -> int:
    """``(uint64_t)score`` as x86-64 converts it (truncation; negatives wrap)."""
    if math.isnan(score) or math.isinf(score):
        return 1 << 63
    if score >= 2.0**64:
        return 0
    return int(score) & _MASK64


def decode(score: float) -> tuple[float, float] | None:
    """``decodeGeohash``: the ``(lon, lat)`` centre of a score's cell, clamped to the limits."""
    area = decode_area(Hash(score_bits(score), GEO_STEP_MAX))
    lon = (area.lon_min + area.lon_max) / 2
    lon = min(max(lon, GEO_LONG_MIN), GEO_LONG_MAX)
    lat = (area.lat_min + area.lat_max) / 2
    lat = min(max(lat, GEO_LAT_MIN), GEO_LAT_MAX)
    return lon, lat


def geohash_string(score: float) -> bytes | None:
    """GEOHASH's 11 characters: the position re-encoded with latitude in [-90, 90]."""
    position = decode(score)
    if position is None:  # pragma: no cover - decode never fails at step 26
        return None
    hash_ = encode(position[0], position[1], GEO_STEP_MAX, LONG_RANGE, STANDARD_LAT_RANGE)
    bits = 0 if hash_ is None else hash_.bits
    out = bytearray()
    for i in range(11):
        index = 0 if i == 10 else (bits >> (52 - (i + 1) * 5)) & 0x1F
        out.append(_ALPHABET[index])
    return bytes(out)


# -- distances -----------------------------------------------------------------------------------
def lat_distance(lat1: float, lat2: float) -> float:
    """``geohashGetLatDistance``."""
    return EARTH_RADIUS_IN_METERS * abs(deg_rad(lat2) - deg_rad(lat1))


def distance(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """``geohashGetDistance``: haversine, in meters."""
    lon1r = deg_rad(lon1)
    lon2r = deg_rad(lon2)
    v = math.sin((lon2r - lon1r) / 2)
    if v == 0.0:
        return lat_distance(lat1, lat2)
    lat1r = deg_rad(lat1)
    lat2r = deg_rad(lat2)
    u = math.sin((lat2r - lat1r) / 2)
    a = u * u + math.cos(lat1r) * math.cos(lat2r) * v * v
    return 2.0 * EARTH_RADIUS_IN_METERS * math.asin(math.sqrt(a))


def distance_in_radius(
    lon1: float, lat1: float, lon2: float, lat2: float, radius: float
) -> float | None:
    """``geohashGetDistanceIfInRadiusWGS84``: the distance, or None beyond ``radius``."""
    dist = distance(lon1, lat1, lon2, lat2)
    return None if dist > radius else dist


def distance_in_rectangle(
    width: float, height: float, lon1: float, lat1: float, lon2: float, lat2: float
) -> float | None:
    """``geohashGetDistanceIfInRectangle``: centre ``(lon1, lat1)``, point ``(lon2, lat2)``."""
    if lat_distance(lat2, lat1) > height / 2:
        return None
    if distance(lon2, lat2, lon1, lat2) > width / 2:
        return None
    return distance(lon1, lat1, lon2, lat2)


# -- neighbours and search areas -------------------------------------------------------------
def _move_x(hash_: Hash, direction: int) -> Hash:
    """``geohash_move_x``: one cell east (+1) or west (-1), wrapping around."""
    bits, step = hash_
    x = bits & _ODD
    y = bits & _EVEN
    zz = _EVEN >> (64 - step * 2)
    if direction > 0:
        x = x + (zz + 1)
    else:
        x = x | zz
        x = x - (zz + 1)
    x &= _ODD >> (64 - step * 2)
    return Hash((x | y) & _MASK64, step)


def _move_y(hash_: Hash, direction: int) -> Hash:
    """``geohash_move_y``: one cell north (+1) or south (-1), wrapping around."""
    bits, step = hash_
    x = bits & _ODD
    y = bits & _EVEN
    zz = _ODD >> (64 - step * 2)
    if direction > 0:
        y = y + (zz + 1)
    else:
        y = y | zz
        y = y - (zz + 1)
    y &= _EVEN >> (64 - step * 2)
    return Hash((x | y) & _MASK64, step)


class Neighbors(NamedTuple):
    """The eight cells around one, named as in ``GeoHashNeighbors``."""

    north: Hash
    south: Hash
    east: Hash
    west: Hash
    north_east: Hash
    north_west: Hash
    south_east: Hash
    south_west: Hash


def neighbors(hash_: Hash) -> Neighbors:
    """``geohashNeighbors``."""
    return Neighbors(
        north=_move_y(hash_, 1),
        south=_move_y(hash_, -1),
        east=_move_x(hash_, 1),
        west=_move_x(hash_, -1),
        north_east=_move_y(_move_x(hash_, 1), 1),
        north_west=_move_y(_move_x(hash_, -1), 1),
        south_east=_move_y(_move_x(hash_, 1), -1),
        south_west=_move_y(_move_x(hash_, -1), -1),
    )


def estimate_steps(range_meters: float, lat: float) -> int:
    """``geohashEstimateStepsByRadius``: the cell size for a search of this extent."""
    if range_meters == 0:
        return 26
    step = 1
    while range_meters < MERCATOR_MAX:
        range_meters *= 2
        step += 1
    step -= 2
    if lat > 66 or lat < -66:
        step -= 1
        if lat > 80 or lat < -80:
            step -= 1
    return min(max(step, 1), 26)


class Shape(NamedTuple):
    """A search shape (``GeoShape``): a circle (``radius``) or a box (``width`` x ``height``),
    sizes in the unit ``conversion`` turns into meters."""

    lon: float
    lat: float
    conversion: float
    radius: float = 0.0
    width: float = 0.0
    height: float = 0.0
    box: bool = False

    def bounding_box(self) -> tuple[float, float, float, float]:
        """``geohashBoundingBox``: ``(min_lon, min_lat, max_lon, max_lat)``."""
        lon, lat = self.lon, self.lat
        height = self.conversion * (self.height / 2 if self.box else self.radius)
        width = self.conversion * (self.width / 2 if self.box else self.radius)
        lat_delta = rad_deg(height / EARTH_RADIUS_IN_METERS)
        long_delta_top = rad_deg(
            width / EARTH_RADIUS_IN_METERS / math.cos(deg_rad(lat + lat_delta))
        )
        long_delta_bottom = rad_deg(
            width / EARTH_RADIUS_IN_METERS / math.cos(deg_rad(lat - lat_delta))
        )
        southern = lat < 0
        min_lon = lon - long_delta_bottom if southern else lon - long_delta_top
        max_lon = lon + long_delta_bottom if southern else lon + long_delta_top
        return min_lon, lat - lat_delta, max_lon, lat + lat_delta

    def contains(self, lon: float, lat: float) -> float | None:
        """``geoWithinShape``'s test: the distance in meters, or None when outside."""
        if self.box:
            return distance_in_rectangle(
                self.width * self.conversion,
                self.height * self.conversion,
                self.lon,
                self.lat,
                lon,
                lat,
            )
        return distance_in_radius(self.lon, self.lat, lon, lat, self.radius * self.conversion)


def search_cells(shape: Shape) -> list[Hash]:
    """``geohashCalculateAreasByShapeWGS84``: the centre cell and its neighbours, in
    ``membersOfAllNeighbors``'s order, useless ones as :data:`ZERO`."""
    min_lon, min_lat, max_lon, max_lat = shape.bounding_box()
    if shape.box:
        radius = math.sqrt((shape.width / 2) ** 2 + (shape.height / 2) ** 2)
    else:
        radius = shape.radius
    radius *= shape.conversion
    steps = estimate_steps(radius, shape.lat)
    hash_, around, area = _cell(shape, steps)
    north = decode_area(around.north)
    south = decode_area(around.south)
    east = decode_area(around.east)
    west = decode_area(around.west)
    decrease = (
        north.lat_max < max_lat
        or south.lat_min > min_lat
        or east.lon_max < max_lon
        or west.lon_min > min_lon
    )
    if steps > 1 and decrease:
        steps -= 1
        hash_, around, area = _cell(shape, steps)
    cells = dict(around._asdict())
    if steps >= 2:
        if area.lat_min < min_lat:
            cells["south"] = cells["south_west"] = cells["south_east"] = ZERO
        if area.lat_max > max_lat:
            cells["north"] = cells["north_east"] = cells["north_west"] = ZERO
        if area.lon_min < min_lon:
            cells["west"] = cells["south_west"] = cells["north_west"] = ZERO
        if area.lon_max > max_lon:
            cells["east"] = cells["south_east"] = cells["north_east"] = ZERO
    order = ("north", "south", "east", "west", "north_east", "north_west", "south_east")
    return [hash_, *(cells[name] for name in order), cells["south_west"]]


def _cell(shape: Shape, steps: int) -> tuple[Hash, Neighbors, Area]:
    hash_ = encode(shape.lon, shape.lat, steps)
    if hash_ is None:  # Redis leaves the hash zeroed (bits 0) at this step
        hash_ = Hash(0, steps)
    return hash_, neighbors(hash_), decode_area(hash_)


def cell_scores(hash_: Hash) -> tuple[int, int]:
    """``scoresOfGeoHashBox``: the score range ``[min, max)`` of a cell."""
    return align52(hash_), align52(Hash(hash_.bits + 1, hash_.step))
