"""Core tests of geohashing (:mod:`pyredisd.core.geohash`) and the geo commands through
``Server.execute``; expected values are what Redis replies (its documentation's Sicily examples
and the comparison corpus)."""

from __future__ import annotations

from twisted.internet import task
from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core import errors, geohash
from pyredisd.core.commands import (
    geo,
)
from pyredisd.core.config import Config
from pyredisd.core.geohash import Hash, Shape
from pyredisd.core.replies import Reply
from pyredisd.core.resp import encode
from pyredisd.core.server import Server
from tests.core.test_sets import EMPTY, NIL, NULL3, arr, bulk, bulks, err, num

PALERMO = 3479099956230698
CATANIA = 3479447370796909
SICILY = (
    "GEOADD",
    "Sicily",
    "13.361389",
    "38.115556",
    "Palermo",
    "15.087269",
    "37.502669",
    "Catania",
)
Arg = bytes | str | int | float
PAIR_INF = "ERR invalid longitude,latitude pair inf,1.000000"
ARITY = "ERR wrong number of arguments for 'geoadd' command"


def dbl(text: str) -> bytes:
    """A RESP3 double."""
    return b"," + text.encode() + b"\r\n"


class GeohashTests(SynchronousTestCase):
    """Encoding, decoding, distances, neighbours and search areas."""

    def test_interleave_round_trip(self) -> None:
        """Latitude on the even bits, longitude on the odd bits."""
        self.assertEqual(geohash.interleave(1, 0), 1)
        self.assertEqual(geohash.interleave(0, 1), 2)
        self.assertEqual(geohash.interleave(0xFFFFFFFF, 0), 0x5555555555555555)
        for lat_cell, lon_cell in ((0, 0), (12345, 67890), ((1 << 26) - 1, 1 << 25)):
            bits = geohash.interleave(lat_cell, lon_cell)
            self.assertEqual(geohash.deinterleave(bits), (lat_cell, lon_cell))

    def test_encode_scores(self) -> None:
        """GEOADD's scores for the documentation's cities; None out of range."""
        self.assertEqual(geohash.score_of(13.361389, 38.115556), PALERMO)
        self.assertEqual(geohash.score_of(15.087269, 37.502669), CATANIA)
        self.assertEqual(geohash.score_of(-180, -85.05112878), 0)
        # The upper limits land one cell past the 26 bits, as in Redis (bits 52 and 53 set).
        self.assertEqual(geohash.score_of(180, 85.05112878), (1 << 52) | (1 << 53))
        self.assertIsNone(geohash.score_of(180.0001, 0))
        self.assertIsNone(geohash.score_of(0, 85.06))
        self.assertIsNone(geohash.encode(0, 89, 26, geohash.LONG_RANGE, geohash.STANDARD_LAT_RANGE))

    def test_decode(self) -> None:
        """A score's cell centre, clamped to the limits."""
        self.assertEqual(geohash.decode(PALERMO), (13.361389338970184, 38.1155563954963))
        self.assertEqual(geohash.decode(0), (-179.99999731779099, -85.05112751263943))
        self.assertEqual(geohash.decode(-1.0), (180.0, 85.05112878))  # (uint64_t)-1: all bits

    def test_geohash_string(self) -> None:
        """Re-encoded with the standard latitude range, 11 characters, the last one 0."""
        self.assertEqual(geohash.geohash_string(PALERMO), b"sqc8b49rny0")
        self.assertEqual(geohash.geohash_string(CATANIA), b"sqdtr74hyu0")

    def test_distance(self) -> None:
        """Haversine on Redis's earth radius; equal longitudes use the latitude difference."""
        palermo, catania = geohash.decode(PALERMO), geohash.decode(CATANIA)
        assert palermo is not None and catania is not None
        self.assertAlmostEqual(geohash.distance(*palermo, *catania), 166274.15156960033, 6)
        self.assertEqual(geohash.distance(0, 0, 0, 1), geohash.lat_distance(0, 1))
        self.assertAlmostEqual(geohash.lat_distance(0, 1), 111226.29, 1)
        self.assertIsNone(geohash.distance_in_radius(0, 0, 0, 1, 100))
        self.assertIsNotNone(geohash.distance_in_radius(0, 0, 0, 0.0001, 100))
        self.assertIsNone(geohash.distance_in_rectangle(1000, 100, 0, 0, 0, 0.001))
        self.assertIsNotNone(geohash.distance_in_rectangle(1000, 300, 0, 0, 0.004, 0.001))
        self.assertIsNone(geohash.distance_in_rectangle(100, 1000, 0, 0, 0.001, 0))

    def test_neighbours(self) -> None:
        """The eight cells around one, wrapping around at the edges."""
        cell = geohash.encode(13.361389, 38.115556, 3)
        assert cell is not None
        self.assertEqual(cell, Hash(49, 3))
        around = geohash.neighbors(cell)
        self.assertEqual(
            around,
            geohash.Neighbors(
                Hash(52, 3), Hash(48, 3), Hash(51, 3), Hash(27, 3),
                Hash(54, 3), Hash(30, 3), Hash(50, 3), Hash(26, 3),
            ),
        )  # fmt: skip
        east_edge = geohash.encode(179.9, 0, 4)
        west_edge = geohash.encode(-179.9, 0, 4)
        assert east_edge is not None and west_edge is not None
        self.assertEqual(geohash.neighbors(east_edge).east, west_edge)
        self.assertEqual(geohash.neighbors(west_edge).west, east_edge)
        for step in (1, 5, 26):
            start = geohash.encode(10, 20, step)
            assert start is not None
            east = geohash.neighbors(start).east
            self.assertEqual(geohash.neighbors(east).west, start)
            north = geohash.neighbors(start).north
            self.assertEqual(geohash.neighbors(north).south, start)

    def test_cell_scores(self) -> None:
        """A cell is the score range ``[bits << shift, (bits + 1) << shift)``."""
        self.assertEqual(geohash.cell_scores(Hash(49, 3)), (49 << 46, 50 << 46))
        self.assertEqual(geohash.cell_scores(Hash(3, 1)), (3 << 50, 1 << 52))

    def test_estimate_steps(self) -> None:
        """Coarser cells for larger extents and near the poles, framed to 1..26."""
        self.assertEqual(geohash.estimate_steps(0, 0), 26)
        self.assertEqual(geohash.estimate_steps(200000, 37), 6)
        self.assertEqual(geohash.estimate_steps(1000, 0), 14)
        self.assertEqual(geohash.estimate_steps(1000, 70), 13)
        self.assertEqual(geohash.estimate_steps(1000, 81), 12)
        self.assertEqual(geohash.estimate_steps(1e8, 0), 1)

    def test_search_cells(self) -> None:
        """The centre cell first; neighbours outside the bounding box are dropped."""
        shape = Shape(15, 37, 1000, radius=200)
        cells = geohash.search_cells(shape)
        self.assertEqual(len(cells), 9)
        self.assertEqual(cells[0], Hash(3161, 6))
        self.assertEqual(cells.count(geohash.ZERO), 5)
        whole = geohash.search_cells(Shape(0, 0, 1000, radius=20000))
        self.assertEqual(whole[0].step, 1)
        self.assertNotIn(geohash.ZERO, whole)

    def test_shape_contains(self) -> None:
        """Circles by distance, boxes by latitude then longitude distance."""
        circle = Shape(0, 0, 1000, radius=1)
        self.assertIsNotNone(circle.contains(0.005, 0))
        self.assertIsNone(circle.contains(0.01, 0))
        rect = Shape(0, 0, 1, width=2000, height=200, box=True)
        self.assertIsNotNone(rect.contains(0.008, 0))
        self.assertIsNone(rect.contains(0, 0.001))
        self.assertEqual(rect.bounding_box()[1], -rect.bounding_box()[3])


class GeoCommandTestCase(SynchronousTestCase):
    """A server with the geo group; ``call`` returns encoded bytes."""

    def setUp(self) -> None:
        clock = task.Clock()
        clock.advance(1_700_000_000)
        self.server = Server(Config.defaults(), clock=clock)
        self.client = self.server.new_client()

    def call(self, *args: Arg, resp: int = 2) -> bytes:
        """Run one command and return its reply encoded for ``resp``."""
        self.client.resp = resp
        argv = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        reply: Reply = self.server.execute(self.client, argv)
        return encode(reply, resp)

    def check(self, rows: list[tuple[tuple[Arg, ...], bytes]], resp: int = 2) -> None:
        """Each ``(argv, expected bytes)`` row in order, as a subtest."""
        for argv, expected in rows:
            with self.subTest(argv=argv, resp=resp):
                self.assertEqual(self.call(*argv, resp=resp), expected)


class GeoaddTests(GeoCommandTestCase):
    """GEOADD is ZADD with geohash scores."""

    def test_add_and_options(self) -> None:
        """Counts of added (or changed, with CH) members; NX and XX as ZADD's."""
        self.check(
            [
                (SICILY, num(2)),
                (("ZSCORE", "Sicily", "Palermo"), bulk(str(PALERMO))),
                (("GEOADD", "Sicily", "13.361389", "38.115556", "Palermo"), num(0)),
                (("GEOADD", "Sicily", "NX", "1", "1", "Palermo", "2", "2", "new"), num(1)),
                (("GEOADD", "Sicily", "XX", "CH", "1", "1", "Palermo", "3", "3", "x"), num(1)),
                (("EXISTS", "x"), num(0)),
                (("GEOADD", "Sicily", "ch", "1", "1", "Palermo", "4", "4", "new"), num(1)),
                (("ZCARD", "Sicily"), num(3)),
            ]
        )

    def test_errors(self) -> None:
        """Syntax, coordinates out of range (``%f``), bad floats, wrong type."""
        pair = errors.GEO_INVALID_PAIR
        self.check(
            [
                (("GEOADD", "k", "nx", "xx", "1", "1", "a"), err(errors.SYNTAX)),
                (("GEOADD", "k", "1", "1", "a", "2"), err(errors.SYNTAX)),
                (("GEOADD", "k", "nx", "ch", "ch"), err(errors.SYNTAX)),
                (("GEOADD", "k", "181", "1", "a"), err(pair % (181, 1))),
                (("GEOADD", "k", "1", "-85.06", "a"), err(pair % (1, -85.06))),
                (("GEOADD", "k", "inf", "1", "a"), err(PAIR_INF)),
                (("GEOADD", "k", "x", "1", "a"), err(errors.NOT_FLOAT)),
                (("GEOADD", "k", "1", "1", "ok", "200", "1", "bad"), err(pair % (200, 1))),
                (("EXISTS", "k"), num(0)),
                (("SET", "s", "v"), b"+OK\r\n"),
                (("GEOADD", "s", "1", "1", "a"), err(errors.WRONGTYPE)),
                (("GEOADD", "k", "1", "1"), err(ARITY)),
            ]
        )  # fmt: skip


class GeoReadTests(GeoCommandTestCase):
    """GEOPOS, GEOHASH and GEODIST."""

    def setUp(self) -> None:
        super().setUp()
        self.call(*SICILY)

    def test_geopos(self) -> None:
        """Decoded coordinates as ``%.17Lf`` without trailing zeros; null arrays for missing."""
        palermo = arr(bulk("13.36138933897018433"), bulk("38.11555639549629859"))
        self.check(
            [
                (("GEOPOS", "Sicily", "Palermo", "nobody"), arr(palermo, b"*-1\r\n")),
                (("GEOPOS", "nokey", "a"), arr(b"*-1\r\n")),
                (("GEOPOS", "Sicily"), EMPTY),
            ]
        )
        self.assertEqual(
            self.call("GEOPOS", "Sicily", "Palermo", "x", resp=3),
            arr(arr(dbl("13.36138933897018433"), dbl("38.11555639549629859")), NULL3),
        )
        self.assertEqual(geo.human(-0.0), b"0")
        self.assertEqual(geo.human(1e-20), b"0")
        self.assertEqual(geo.human(180.0), b"180")

    def test_distance_format(self) -> None:
        """Four decimals from ``llrint(d * 10000)``: halfway products round to even."""
        self.assertEqual(geo.distance_reply(0.0), b"0.0000")
        self.assertEqual(geo.distance_reply(1.5), b"1.5000")
        self.assertEqual(geo.distance_reply(166274.15156960033), b"166274.1516")
        self.assertEqual(geo.distance_reply(0.00005), b"0.0000")  # %.4f would say 0.0001
        self.assertEqual(geo.distance_reply(0.00025), b"0.0002")  # %.4f: 0.0003
        self.assertEqual(geo.distance_reply(-2.25), b"-2.2500")

    def test_geohash(self) -> None:
        """Standard 11-character geohashes; nil for missing members."""
        self.check(
            [
                (("GEOHASH", "Sicily", "Palermo", "Catania", "x"),
                 arr(bulk("sqc8b49rny0"), bulk("sqdtr74hyu0"), NIL)),
                (("GEOHASH", "nokey", "a"), arr(NIL)),
            ]
        )  # fmt: skip

    def test_geodist(self) -> None:
        """Four decimals in the unit asked for; nil when a member or the key is missing."""
        self.check(
            [
                (("GEODIST", "Sicily", "Palermo", "Catania"), bulk("166274.1516")),
                (("GEODIST", "Sicily", "Palermo", "Catania", "KM"), bulk("166.2742")),
                (("GEODIST", "Sicily", "Palermo", "Catania", "mi"), bulk("103.3182")),
                (("GEODIST", "Sicily", "Palermo", "Catania", "ft"), bulk("545518.8700")),
                (("GEODIST", "Sicily", "Palermo", "Palermo"), bulk("0.0000")),
                (("GEODIST", "Sicily", "Palermo", "x"), NIL),
                (("GEODIST", "nokey", "a", "b"), NIL),
                (("GEODIST", "Sicily", "Palermo", "Catania", "yd"), err(errors.GEO_UNIT)),
                (("GEODIST", "nokey", "a", "b", "yd"), err(errors.GEO_UNIT)),
                (("GEODIST", "Sicily", "Palermo", "Catania", "m", "x"), err(errors.SYNTAX)),
            ]
        )
        self.assertEqual(
            self.call("GEODIST", "Sicily", "Palermo", "Catania", resp=3), bulk("166274.1516")
        )


class GeoSearchTests(GeoCommandTestCase):
    """GEOSEARCH, GEOSEARCHSTORE and the GEORADIUS family."""

    def setUp(self) -> None:
        super().setUp()
        self.call(*SICILY)
        self.call(
            "GEOADD", "Sicily", "12.758489", "38.788135", "edge1", "17.241510", "38.788135", "edge2"
        )

    def test_radius_and_box(self) -> None:
        """The documentation's examples."""
        self.check(
            [
                (("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC"),
                 bulks("Catania", "Palermo")),
                (("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km",
                  "ASC", "WITHDIST"),
                 arr(arr(bulk("Catania"), bulk("56.4413")), arr(bulk("Palermo"), bulk("190.4424")),
                     arr(bulk("edge2"), bulk("279.7403")), arr(bulk("edge1"), bulk("279.7405")))),
                (("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "100", "km",
                  "WITHHASH", "WITHCOORD"),
                 arr(arr(bulk("Palermo"), num(PALERMO),
                         arr(bulk("13.36138933897018433"), bulk("38.11555639549629859"))),
                     arr(bulk("edge1"), num(3479273021651468),
                         arr(bulk("12.7584877610206604"), bulk("38.78813451624225195"))))),
                (("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km",
                  "DESC", "COUNT", "1"), bulks("Palermo")),
                (("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "500", "km",
                  "COUNT", "1", "ANY"), bulks("Palermo")),
                (("GEOSEARCH", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m"), EMPTY),
                (("GEOSEARCH", "nokey", "FROMMEMBER", "x", "BYRADIUS", "1", "m"), EMPTY),
            ]
        )  # fmt: skip

    def test_resp3_coordinates(self) -> None:
        """Coordinates are doubles in RESP3; distances stay bulk strings."""
        self.assertEqual(
            self.call("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km",
                      "WITHDIST", "WITHCOORD", resp=3),
            arr(arr(bulk("Palermo"), bulk("0.0000"),
                    arr(dbl("13.36138933897018433"), dbl("38.11555639549629859")))),
        )  # fmt: skip

    def test_store(self) -> None:
        """GEOSEARCHSTORE keeps scores (or distances with STOREDIST); empty results delete."""
        self.check(
            [
                (("GEOSEARCHSTORE", "d", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400",
                  "km", "ASC", "COUNT", "2"), num(2)),
                (("ZRANGE", "d", "0", "-1", "WITHSCORES"),
                 bulks("Palermo", str(PALERMO), "Catania", str(CATANIA))),
                (("GEOSEARCHSTORE", "d", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km",
                  "STOREDIST"), num(1)),
                (("ZRANGE", "d", "0", "-1", "WITHSCORES"), bulks("Palermo", "0")),
                (("GEOSEARCHSTORE", "d", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m"),
                 num(0)),
                (("EXISTS", "d"), num(0)),
                (("SET", "s", "v"), b"+OK\r\n"),
                (("GEOSEARCHSTORE", "s", "nokey", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m"),
                 num(0)),
                (("EXISTS", "s"), num(0)),
            ]
        )  # fmt: skip

    def test_georadius(self) -> None:
        """The deprecated commands, STORE and STOREDIST included."""
        self.check(
            [
                (("GEORADIUS", "Sicily", "15", "37", "200", "km", "ASC"),
                 bulks("Catania", "Palermo")),
                (("GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "WITHDIST", "DESC"),
                 arr(arr(bulk("Palermo"), bulk("190.4424")),
                     arr(bulk("Catania"), bulk("56.4413")))),
                (("GEORADIUSBYMEMBER", "Sicily", "Palermo", "100", "km", "STORE", "r"), num(2)),
                (("ZCARD", "r"), num(2)),
                (("GEORADIUSBYMEMBER_RO", "Sicily", "Palermo", "100", "km", "COUNT", "1"),
                 bulks("Palermo")),
                (("GEORADIUSBYMEMBER", "nokey", "x", "bad", "km"), EMPTY),
                (("GEORADIUSBYMEMBER", "Sicily", "x", "1", "km"), err(errors.GEO_DECODE_MEMBER)),
                (("GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "STORE", "r"),
                 err(errors.SYNTAX)),
                (("GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "r", "WITHDIST"),
                 err(errors.GEO_STORE_OPTIONS % "STORE option in GEORADIUS")),
            ]
        )  # fmt: skip

    def test_errors(self) -> None:
        """Every argument error, in Redis's order of checks."""
        base = ("GEOSEARCH", "Sicily", "FROMLONLAT", "0", "0")
        self.check(
            [
                (("GEOSEARCH", "Sicily", "BYRADIUS", "1", "m", "ASC", "WITHDIST"),
                 err(errors.GEO_FROM % "GEOSEARCH")),
                (("geosearch", "Sicily", "FROMLONLAT", "0", "0", "ASC", "WITHDIST"),
                 err(errors.GEO_BY % "geosearch")),
                ((*base, "FROMMEMBER", "Palermo", "BYRADIUS", "1", "m"), err(errors.SYNTAX)),
                ((*base, "BYRADIUS", "1", "m", "BYBOX", "1", "1", "m"), err(errors.SYNTAX)),
                ((*base, "BYRADIUS", "x", "m"), err(errors.GEO_NEED_RADIUS)),
                ((*base, "BYRADIUS", "-1", "m"), err(errors.GEO_RADIUS_NEGATIVE)),
                ((*base, "BYRADIUS", "1", "au"), err(errors.GEO_UNIT)),
                ((*base, "BYBOX", "x", "1", "m"), err(errors.GEO_NEED_WIDTH)),
                ((*base, "BYBOX", "1", "x", "m"), err(errors.GEO_NEED_HEIGHT)),
                ((*base, "BYBOX", "1", "-1", "m"), err(errors.GEO_BOX_NEGATIVE)),
                ((*base, "BYRADIUS", "1", "m", "COUNT", "0"), err(errors.GEO_COUNT)),
                ((*base, "BYRADIUS", "1", "m", "COUNT", "x"), err(errors.NOT_INTEGER)),
                ((*base, "BYRADIUS", "1", "m", "COUNT"), err(errors.SYNTAX)),
                ((*base, "BYRADIUS", "1", "m", "ANY"), err(errors.GEO_ANY_COUNT)),
                ((*base, "BYRADIUS", "1", "m", "STOREDIST"), err(errors.SYNTAX)),
                (("GEOSEARCH", "Sicily", "FROMMEMBER", "x", "BYRADIUS", "1", "m"),
                 err(errors.GEO_DECODE_MEMBER)),
                (("GEOSEARCH", "Sicily", "FROMLONLAT", "0", "90", "BYRADIUS", "1", "m"),
                 err("ERR invalid longitude,latitude pair 0.000000,90.000000")),
                (("GEOSEARCHSTORE", "d", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m",
                  "WITHCOORD"), err(errors.GEO_STORE_OPTIONS % "GEOSEARCHSTORE")),
                (("SET", "s", "v"), b"+OK\r\n"),
                (("GEOSEARCH", "s", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m"),
                 err(errors.WRONGTYPE)),
            ]
        )  # fmt: skip
