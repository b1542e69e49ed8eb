"""Geospatial commands (Redis's ``geo`` group, cf. ``geo.c``).

A geo index is a sorted set whose scores are 52-bit geohashes (:mod:`pyredisd.core.geohash`):
GEOADD is ZADD with encoded scores, and the searches read the sorted set by score range, one
range per geohash cell of the centre and its neighbours, as ``georadiusGeneric`` does, then
filter by exact distance. Replies follow Redis: distances as four-decimal bulk strings, coordinates
as ``addReplyHumanLongDouble`` prints them (``%.17Lf`` without trailing zeros; a RESP3 double).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from pyredisd.core import errors, geohash, notify
from pyredisd.core.commands.args import to_int
from pyredisd.core.commands.sorted_sets import zadd_generic
from pyredisd.core.commands.sorted_sets_range import get_zset, to_score
from pyredisd.core.commands.spec import KEY_RO, Argv, CmdFlag, CommandGroup, KeyFlag, KeySpec
from pyredisd.core.errors import CommandError
from pyredisd.core.geohash import Shape
from pyredisd.core.replies import NULL_ARRAY, Raw, Reply
from pyredisd.core.zset import ScoreRange, ZSet

if TYPE_CHECKING:
    from pyredisd.core.clients import Client

GROUP = CommandGroup("geo")
_F = CmdFlag
_KEY_RW_UPDATE = KeySpec(KeyFlag.RW | KeyFlag.UPDATE)
_KEY_OW = KeySpec(KeyFlag.OW | KeyFlag.UPDATE)
_KEY_RO_2 = KeySpec(KeyFlag.RO | KeyFlag.ACCESS, begin=2)
_UNITS = {b"m": 1.0, b"km": 1000.0, b"ft": 0.3048, b"mi": 1609.34}
_GEOADD_FLAGS = {b"nx", b"xx", b"ch"}

# georadiusGeneric's flags
RADIUS_COORDS = 1
RADIUS_MEMBER = 2
RADIUS_NOSTORE = 4
GEOSEARCH = 8
GEOSEARCHSTORE = 16


# -- argument helpers ----------------------------------------------------------------------------
def lon_lat(lon_arg: bytes, lat_arg: bytes) -> tuple[float, float]:
    """``extractLongLatOrReply``: two doubles within Redis's limits."""
    lon, lat = to_score(lon_arg), to_score(lat_arg)
    if (
        lon < geohash.GEO_LONG_MIN
        or lon > geohash.GEO_LONG_MAX
        or lat < geohash.GEO_LAT_MIN
        or lat > geohash.GEO_LAT_MAX
    ):
        raise CommandError(errors.GEO_INVALID_PAIR % (lon, lat))
    return lon, lat


def unit(arg: bytes) -> float:
    """``extractUnitOrReply``: meters per unit."""
    factor = _UNITS.get(arg.lower())
    if factor is None:
        raise CommandError(errors.GEO_UNIT)
    return factor


def radius(radius_arg: bytes, unit_arg: bytes) -> tuple[float, float]:
    """``extractDistanceOrReply``: ``(radius, conversion)``."""
    value = to_score(radius_arg, errors.GEO_NEED_RADIUS)
    if value < 0:
        raise CommandError(errors.GEO_RADIUS_NEGATIVE)
    return value, unit(unit_arg)


def box(width_arg: bytes, height_arg: bytes, unit_arg: bytes) -> tuple[float, float, float]:
    """``extractBoxOrReply``: ``(width, height, conversion)``."""
    width = to_score(width_arg, errors.GEO_NEED_WIDTH)
    height = to_score(height_arg, errors.GEO_NEED_HEIGHT)
    if height < 0 or width < 0:
        raise CommandError(errors.GEO_BOX_NEGATIVE)
    return width, height, unit(unit_arg)


def member_position(zset: ZSet, member: bytes) -> tuple[float, float]:
    """``longLatFromMember``: a member's decoded position."""
    score = zset.score(member)
    position = None if score is None else geohash.decode(score)
    if position is None:
        raise CommandError(errors.GEO_DECODE_MEMBER)
    return position


def human(value: float) -> bytes:
    """``ld2string(..., LD_STR_HUMAN)``: ``%.17Lf`` without trailing zeros, ``-0`` as ``0``."""
    text = b"%.17f" % value
    if b"." in text:
        text = text.rstrip(b"0").rstrip(b".")
    return b"0" if text == b"-0" else text


def human_reply(c: Client, value: float) -> Reply:
    """``addReplyHumanLongDouble``: a bulk string in RESP2, a double in RESP3."""
    text = human(value)
    return text if c.resp == 2 else Raw(b"," + text + b"\r\n")


def distance_reply(value: float) -> bytes:
    """``addReplyDoubleDistance``: four decimals, a bulk string in both protocols. Redis 7.2+
    formats with ``fixedpoint_d2string``: ``llrint(value * 10000)`` (ties to even on the
    product), which is ``%.4f`` except on exact halfway products."""
    if value == 0:
        return b"0.0000"
    scaled = round(value * 10000.0)
    sign = b"-" if scaled < 0 else b""
    whole, fraction = divmod(abs(scaled), 10000)
    return b"%s%d.%04d" % (sign, whole, fraction)


# -- GEOADD --------------------------------------------------------------------------------------
@GROUP.command(
    "geoadd",
    -5,
    _F.WRITE | _F.DENYOOM,
    keys=(_KEY_RW_UPDATE,),
    since="3.2.0",
    complexity="O(log(N)) for each item added, where N is the number of elements in the sorted "
    "set.",
    usage="key [NX|XX] [CH] (longitude@double latitude@double member@string)...",
)
def cmd_geoadd(c: Client, argv: Argv) -> Reply:
    """Adds one or more members to a geospatial index. The key is created if it doesn't exist."""
    index = 2
    nx = xx = False
    while index < len(argv):
        option = argv[index].lower()
        if option not in _GEOADD_FLAGS:
            break
        nx = nx or option == b"nx"
        xx = xx or option == b"xx"
        index += 1
    if (len(argv) - index) % 3 or (xx and nx):
        raise CommandError(errors.SYNTAX)
    zadd_argv = [b"zadd", *argv[1:index]]
    for at in range(index, len(argv), 3):
        lon, lat = lon_lat(argv[at], argv[at + 1])
        score = geohash.score_of(lon, lat)
        assert score is not None
        zadd_argv += [b"%d" % score, argv[at + 2]]
    return zadd_generic(c, zadd_argv, set())


# -- GEODIST GEOHASH GEOPOS ----------------------------------------------------------------------
@GROUP.command(
    "geodist",
    -4,
    _F.READONLY,
    keys=(KEY_RO,),
    since="3.2.0",
    complexity="O(1)",
    usage="key member1@string member2@string [M|KM|FT|MI]",
)
def cmd_geodist(c: Client, argv: Argv) -> Reply:
    """Returns the distance between two members of a geospatial index."""
    to_meter = 1.0
    if len(argv) == 5:
        to_meter = unit(argv[4])
    elif len(argv) > 5:
        raise CommandError(errors.SYNTAX)
    zset = get_zset(c, argv[1])
    if zset is None:
        return None
    score1, score2 = zset.score(argv[2]), zset.score(argv[3])
    if score1 is None or score2 is None:
        return None
    first, second = geohash.decode(score1), geohash.decode(score2)
    if first is None or second is None:
        return None
    return distance_reply(geohash.distance(*first, *second) / to_meter)


@GROUP.command(
    "geohash",
    -2,
    _F.READONLY,
    keys=(KEY_RO,),
    since="3.2.0",
    complexity="O(1) for each member requested.",
    usage="key [member@string...]",
)
def cmd_geohash(c: Client, argv: Argv) -> Reply:
    """Returns members from a geospatial index as geohash strings."""
    zset = get_zset(c, argv[1])
    out: list[Reply] = []
    for member in argv[2:]:
        score = None if zset is None else zset.score(member)
        out.append(None if score is None else geohash.geohash_string(score))
    return out


@GROUP.command(
    "geopos",
    -2,
    _F.READONLY,
    keys=(KEY_RO,),
    since="3.2.0",
    complexity="O(1) for each member requested.",
    usage="key [member@string...]",
)
def cmd_geopos(c: Client, argv: Argv) -> Reply:
    """Returns the longitude and latitude of members from a geospatial index."""
    zset = get_zset(c, argv[1])
    out: list[Reply] = []
    for member in argv[2:]:
        score = None if zset is None else zset.score(member)
        position = None if score is None else geohash.decode(score)
        if position is None:
            out.append(NULL_ARRAY)
        else:
            out.append([human_reply(c, position[0]), human_reply(c, position[1])])
    return out


# -- searches ------------------------------------------------------------------------------------
class Point(NamedTuple):
    """A match (``geoPoint``): distance in meters until the reply converts it."""

    dist: float
    lon: float
    lat: float
    score: float
    member: bytes


def points_in_shape(zset: ZSet, shape: Shape, limit: int) -> list[Point]:
    """``membersOfAllNeighbors``: matches cell by cell, each cell a score range; stops once
    ``limit`` (ANY) matches are found."""
    found: list[Point] = []
    cells = geohash.search_cells(shape)
    last = 0
    for i, cell in enumerate(cells):
        if cell == geohash.ZERO:
            continue
        if last and cell == cells[last]:
            continue  # huge radius: adjacent neighbours can be the same cell
        if found and limit and len(found) >= limit:
            break
        low, high = geohash.cell_scores(cell)
        start, stop = zset.score_span(ScoreRange(float(low), float(high), False, True))
        for score, member in zset.slice(start, stop):
            position = geohash.decode(score)
            if position is not None:
                dist = shape.contains(*position)
                if dist is not None:
                    found.append(Point(dist, position[0], position[1], score, member))
            if found and limit and len(found) >= limit:
                break
        last = i
    return found


def _name(argv: Argv) -> str:
    return argv[0].decode("utf-8", "surrogateescape")


def georadius_generic(c: Client, argv: Argv, src_index: int, flags: int) -> Reply:
    """``georadiusGeneric``: every search command, parsed and answered as Redis does."""
    zset = get_zset(c, argv[src_index])
    store_key: bytes | None = None
    storedist = False
    lon = lat = conversion = size = width = height = 0.0
    is_box = False
    if flags & RADIUS_COORDS:
        base = 6
        lon, lat = lon_lat(argv[2], argv[3])
        size, conversion = radius(argv[4], argv[5])
    elif flags & RADIUS_MEMBER and zset is None:
        base = 5
    elif flags & RADIUS_MEMBER:
        base = 5
        assert zset is not None
        lon, lat = member_position(zset, argv[2])
        size, conversion = radius(argv[3], argv[4])
    else:
        base = 2
        if flags & GEOSEARCHSTORE:
            base = 3
            store_key = argv[1]

    withdist = withhash = withcoord = False
    frommember = fromloc = byradius = bybox = False
    sort = 0  # 1 ascending, -1 descending
    any_ = False
    count = 0
    remaining = len(argv) - base
    search = bool(flags & GEOSEARCH)
    i = 0
    while i < remaining:
        at = base + i
        arg = argv[at].lower()
        if arg == b"withdist":
            withdist = True
        elif arg == b"withhash":
            withhash = True
        elif arg == b"withcoord":
            withcoord = True
        elif arg == b"any":
            any_ = True
        elif arg == b"asc":
            sort = 1
        elif arg == b"desc":
            sort = -1
        elif arg == b"count" and i + 1 < remaining:
            count = to_int(argv[at + 1])
            if count <= 0:
                raise CommandError(errors.GEO_COUNT)
            i += 1
        elif (
            arg in (b"store", b"storedist")
            and i + 1 < remaining
            and not flags & RADIUS_NOSTORE
            and not search
        ):
            store_key = argv[at + 1]
            storedist = arg == b"storedist"
            i += 1
        elif arg == b"storedist" and search and flags & GEOSEARCHSTORE:
            storedist = True
        elif arg == b"frommember" and i + 1 < remaining and search and not fromloc:
            if zset is not None:
                lon, lat = member_position(zset, argv[at + 1])
            frommember = True
            i += 1
        elif arg == b"fromlonlat" and i + 2 < remaining and search and not frommember:
            lon, lat = lon_lat(argv[at + 1], argv[at + 2])
            fromloc = True
            i += 2
        elif arg == b"byradius" and i + 2 < remaining and search and not bybox:
            size, conversion = radius(argv[at + 1], argv[at + 2])
            is_box = False
            byradius = True
            i += 2
        elif arg == b"bybox" and i + 3 < remaining and search and not byradius:
            width, height, conversion = box(argv[at + 1], argv[at + 2], argv[at + 3])
            is_box = True
            bybox = True
            i += 3
        else:
            raise CommandError(errors.SYNTAX)
        i += 1

    if store_key is not None and (withdist or withhash or withcoord):
        where = "GEOSEARCHSTORE" if flags & GEOSEARCHSTORE else "STORE option in GEORADIUS"
        raise CommandError(errors.GEO_STORE_OPTIONS % where)
    if search and not (frommember or fromloc):
        raise CommandError(errors.GEO_FROM % _name(argv))
    if search and not (byradius or bybox):
        raise CommandError(errors.GEO_BY % _name(argv))
    if any_ and not count:
        raise CommandError(errors.GEO_ANY_COUNT)

    if zset is None:
        if store_key is not None:
            if c.db.delete(store_key):
                c.db.modified(store_key, 0)
                c.db.notify(notify.GENERIC, "del", store_key)
            return 0
        return []
    if count and not sort and not any_:
        sort = 1

    shape = Shape(lon, lat, conversion, size, width, height, is_box)
    points = points_in_shape(zset, shape, count if any_ else 0)
    if not points and store_key is None:
        return []
    returned = len(points) if not count or len(points) < count else count
    if sort:
        points.sort(key=lambda p: p.dist, reverse=sort < 0)
    points = points[:returned]

    if store_key is None:
        options = withdist or withhash or withcoord
        out: list[Reply] = []
        for point in points:
            if not options:
                out.append(point.member)
                continue
            item: list[Reply] = [point.member]
            if withdist:
                item.append(distance_reply(point.dist / conversion))
            if withhash:
                item.append(int(point.score))
            if withcoord:
                item.append([human_reply(c, point.lon), human_reply(c, point.lat)])
            out.append(item)
        return out
    scores = {p.member: (p.dist / conversion if storedist else p.score) for p in points}
    if scores:
        c.db.set(store_key, ZSet.from_scores(scores, c.server.zset_limits))
        c.db.modified(store_key, returned - 1)  # Redis counts one change per member
        event = "geosearchstore" if search else "georadiusstore"
        c.db.notify(notify.ZSET, event, store_key)
    elif c.db.delete(store_key):
        c.db.modified(store_key, 0)
        c.db.notify(notify.GENERIC, "del", store_key)
    return returned


_SEARCH_USAGE = (
    "(FROMMEMBER member@string|FROMLONLAT longitude@double latitude@double) "
    "(BYRADIUS radius@double (M|KM|FT|MI)|BYBOX width@double height@double (M|KM|FT|MI)) "
    "[ASC|DESC] [COUNT count [ANY]]"
)
_RADIUS_OPTIONS = "[WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC|DESC]"
_RADIUS_STORE = " [STORE key] [STOREDIST key]"


@GROUP.command(
    "geosearch",
    -7,
    _F.READONLY,
    keys=(KEY_RO,),
    since="6.2.0",
    complexity="O(N+log(M)) where N is the number of elements in the grid-aligned bounding box "
    "area around the shape provided as the filter and M is the number of items inside the shape",
    usage=f"key {_SEARCH_USAGE} [WITHCOORD] [WITHDIST] [WITHHASH]",
)
def cmd_geosearch(c: Client, argv: Argv) -> Reply:
    """Queries a geospatial index for members inside an area of a box or a circle."""
    return georadius_generic(c, argv, 1, GEOSEARCH)


@GROUP.command(
    "geosearchstore",
    -8,
    _F.WRITE | _F.DENYOOM,
    keys=(_KEY_OW, _KEY_RO_2),
    since="6.2.0",
    complexity="O(N+log(M)) where N is the number of elements in the grid-aligned bounding box "
    "area around the shape provided as the filter and M is the number of items inside the shape",
    usage=f"destination source {_SEARCH_USAGE} [STOREDIST]",
)
def cmd_geosearchstore(c: Client, argv: Argv) -> Reply:
    """Queries a geospatial index for members inside an area of a box or a circle, optionally
    stores the result."""
    return georadius_generic(c, argv, 2, GEOSEARCH | GEOSEARCHSTORE)


_RADIUS_COMPLEXITY = (
    "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area "
    "delimited by center and radius and M is the number of items inside the index."
)


@GROUP.command(
    "georadius",
    -6,
    _F.WRITE | _F.DENYOOM | _F.MOVABLE_KEYS,
    keys=(KEY_RO,),
    since="3.2.0",
    complexity=_RADIUS_COMPLEXITY,
    usage="key longitude@double latitude@double radius@double (M|KM|FT|MI) "
    + _RADIUS_OPTIONS
    + _RADIUS_STORE,
)
def cmd_georadius(c: Client, argv: Argv) -> Reply:
    """Queries a geospatial index for members within a distance from a coordinate, optionally
    stores the result."""
    return georadius_generic(c, argv, 1, RADIUS_COORDS)


@GROUP.command(
    "georadius_ro",
    -6,
    _F.READONLY,
    keys=(KEY_RO,),
    since="3.2.10",
    complexity=_RADIUS_COMPLEXITY,
    usage="key longitude@double latitude@double radius@double (M|KM|FT|MI) " + _RADIUS_OPTIONS,
)
def cmd_georadius_ro(c: Client, argv: Argv) -> Reply:
    """Returns members from a geospatial index that are within a distance from a coordinate."""
    return georadius_generic(c, argv, 1, RADIUS_COORDS | RADIUS_NOSTORE)


@GROUP.command(
    "georadiusbymember",
    -5,
    _F.WRITE | _F.DENYOOM | _F.MOVABLE_KEYS,
    keys=(KEY_RO,),
    since="3.2.0",
    complexity=_RADIUS_COMPLEXITY,
    usage="key member@string radius@double (M|KM|FT|MI) " + _RADIUS_OPTIONS + _RADIUS_STORE,
)
def cmd_georadiusbymember(c: Client, argv: Argv) -> Reply:
    """Queries a geospatial index for members within a distance from a member, optionally stores
    the result."""
    return georadius_generic(c, argv, 1, RADIUS_MEMBER)


@GROUP.command(
    "georadiusbymember_ro",
    -5,
    _F.READONLY,
    keys=(KEY_RO,),
    since="3.2.10",
    complexity=_RADIUS_COMPLEXITY,
    usage="key member@string radius@double (M|KM|FT|MI) " + _RADIUS_OPTIONS,
)
def cmd_georadiusbymember_ro(c: Client, argv: Argv) -> Reply:
    """Returns members from a geospatial index that are within a distance from a member."""
    return georadius_generic(c, argv, 1, RADIUS_MEMBER | RADIUS_NOSTORE)
