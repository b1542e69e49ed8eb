"""Geo commands compared with a real ``redis-server``, byte for byte, in RESP2 and RESP3.

pyredisd runs in-process (a listener on 127.0.0.1:0, its command table extended with the geo
group); redis-server is a child process on a free loopback port, stopped by PID. The corpus
covers cities, the latitude and longitude limits, the antimeridian, the poles' neighbourhood,
huge and zero radii, boxes, every option and the error replies. Search results without ASC/DESC
come back in Redis's cell order, so they are compared exactly too.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from twisted.internet import threads
from twisted.internet.defer import inlineCallbacks
from twisted.trial.unittest import TestCase

from pyredisd.net.service import RedisService
from tests.helpers import config_with, start_service
from tests.integration.realredis import (
    RespConnection,
    ServerProcess,
    command,
    parse,
    require_redis_server,
)

Arg = str | bytes | int
Case = tuple[str, Sequence[Sequence[Arg]]]

CITIES = (
    "GEOADD", "c",
    "13.361389", "38.115556", "Palermo",
    "15.087269", "37.502669", "Catania",
    "2.352222", "48.856613", "Paris",
    "-0.127758", "51.507351", "London",
    "-74.005973", "40.712775", "NewYork",
    "139.691711", "35.689487", "Tokyo",
    "151.209290", "-33.868820", "Sydney",
    "-43.172897", "-22.906847", "Rio",
    "37.617298", "55.755826", "Moscow",
    "-122.419418", "37.774929", "SanFrancisco",
    "18.068581", "59.329323", "Stockholm",
    "174.763336", "-36.848461", "Auckland",
    "-149.900278", "61.218056", "Anchorage",
    "12.496366", "41.902782", "Rome",
    "12.758489", "38.788135", "edge1",
    "17.241510", "38.788135", "edge2",
)  # fmt: skip
EDGES = (
    "GEOADD", "e",
    "180", "85.05112878", "ne",
    "-180", "-85.05112878", "sw",
    "180", "-85.05112878", "se",
    "-180", "85.05112878", "nw",
    "0", "0", "origin",
    "179.9999", "0", "east",
    "-179.9999", "0", "west",
    "0", "85", "north",
    "0", "-85", "south",
    "-0", "-0", "negzero",
    "1e-10", "-1e-10", "tiny",
    "90", "80.5", "arctic",
    "-90", "-70", "antarctic",
)  # fmt: skip


EDGE_SHAPES = (
    ("BYRADIUS", "500", "km"),
    ("BYRADIUS", "5000", "km"),
    ("BYBOX", "1000", "500", "km"),
    ("BYBOX", "40000", "40000", "km"),
)


def _cases() -> list[Case]:
    cases: list[Case] = [
        (
            "geoadd basics",
            [
                CITIES,
                ("GEOADD", "c", "13.361389", "38.115556", "Palermo"),
                ("ZCARD", "c"),
                ("ZRANGE", "c", "0", "-1", "WITHSCORES"),
            ],
        ),
        (
            "geoadd options",
            [
                CITIES,
                ("GEOADD", "c", "NX", "1", "1", "Palermo", "2", "2", "new"),
                ("GEOADD", "c", "XX", "CH", "1", "1", "Palermo", "3", "3", "new2"),
                ("GEOADD", "c", "CH", "1", "1", "Palermo", "3", "3", "new"),
                ("GEOADD", "c", "xx", "nx", "1", "1", "a"),
                ("GEOADD", "c", "nx", "ch", "ch"),
                ("GEOADD", "c", "1", "1", "a", "2"),
                ("GEOADD", "c", "1", "1"),
                ("GEOADD", "c", "GT", "1", "1", "a"),
                ("GEOADD", "c", "181", "1", "a"),
                ("GEOADD", "c", "1", "85.06", "a"),
                ("GEOADD", "c", "-inf", "1", "a"),
                ("GEOADD", "c", "1", "nan", "a"),
                ("GEOADD", "c", "x", "1", "a"),
                ("GEOADD", "c", "1", "1", "ok", "200", "1", "bad"),
                ("ZRANGE", "c", "0", "-1", "WITHSCORES"),
            ],
        ),
        (
            "geoadd wrongtype",
            [
                ("SET", "s", "x"),
                ("GEOADD", "s", "1", "1", "a"),
                ("GEOPOS", "s", "a"),
                ("GEOHASH", "s", "a"),
                ("GEODIST", "s", "a", "b"),
                ("GEOSEARCH", "s", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m"),
                ("GEORADIUS", "s", "0", "0", "1", "m"),
            ],
        ),
        (
            "edges",
            [
                EDGES,
                ("ZRANGE", "e", "0", "-1", "WITHSCORES"),
                (
                    "GEOPOS",
                    "e",
                    "ne",
                    "sw",
                    "se",
                    "nw",
                    "origin",
                    "east",
                    "west",
                    "north",
                    "south",
                    "negzero",
                    "tiny",
                    "arctic",
                    "antarctic",
                    "missing",
                ),
                (
                    "GEOHASH",
                    "e",
                    "ne",
                    "sw",
                    "se",
                    "nw",
                    "origin",
                    "east",
                    "west",
                    "north",
                    "south",
                    "negzero",
                    "tiny",
                    "arctic",
                    "antarctic",
                    "missing",
                ),
                ("GEODIST", "e", "ne", "sw"),
                ("GEODIST", "e", "east", "west", "km"),
                ("GEODIST", "e", "origin", "negzero"),
                ("GEODIST", "e", "north", "south", "mi"),
            ],
        ),
        (
            "geopos geohash",
            [
                CITIES,
                ("GEOPOS", "c", "Palermo", "x", "Tokyo", "Sydney", "Rio"),
                ("GEOPOS", "nokey", "a", "b"),
                ("GEOPOS", "c"),
                ("GEOHASH", "c", "Palermo", "Catania", "x", "Anchorage"),
                ("GEOHASH", "nokey", "a"),
                ("GEOHASH", "c"),
            ],
        ),
        (
            "geopos of plain zset",
            [
                (
                    "ZADD",
                    "z",
                    "0",
                    "zero",
                    "-1",
                    "neg",
                    "1e300",
                    "huge",
                    "4503599627370495",
                    "max52",
                    "4503599627370496",
                    "over",
                    "1.5",
                    "frac",
                ),
                ("GEOPOS", "z", "zero", "max52", "frac", "neg", "huge", "over"),
                ("GEOHASH", "z", "zero", "max52", "frac", "neg", "huge", "over"),
                ("GEODIST", "z", "zero", "max52"),
                ("GEODIST", "z", "neg", "over"),
                ("GEOSEARCH", "z", "FROMMEMBER", "over", "BYRADIUS", "100", "km", "WITHCOORD"),
                ("GEOSEARCH", "z", "FROMMEMBER", "neg", "BYRADIUS", "100", "km", "WITHCOORD"),
            ],
        ),
        (
            "geodist",
            [
                CITIES,
                ("GEODIST", "c", "Palermo", "Catania"),
                ("GEODIST", "c", "Palermo", "Catania", "km"),
                ("GEODIST", "c", "Palermo", "Catania", "MI"),
                ("GEODIST", "c", "Palermo", "Catania", "Ft"),
                ("GEODIST", "c", "Palermo", "Catania", "M"),
                ("GEODIST", "c", "Paris", "Sydney", "km"),
                ("GEODIST", "c", "Palermo", "Palermo"),
                ("GEODIST", "c", "Palermo", "x"),
                ("GEODIST", "nokey", "a", "b"),
                ("GEODIST", "c", "Palermo", "Catania", "yards"),
                ("GEODIST", "nokey", "a", "b", "yards"),
                ("GEODIST", "c", "Palermo", "Catania", "km", "extra"),
                ("GEODIST", "c", "Palermo"),
            ],
        ),
    ]
    searches: list[Sequence[Arg]] = []
    for center in (("FROMLONLAT", "15", "37"), ("FROMMEMBER", "Palermo"),
                   ("FROMLONLAT", "-179.5", "0"), ("FROMLONLAT", "0", "84.9"),
                   ("FROMLONLAT", "170", "-40"), ("FROMMEMBER", "Anchorage")):  # fmt: skip
        for shape in (("BYRADIUS", "200", "km"), ("BYRADIUS", "0", "m"),
                      ("BYRADIUS", "6000", "km"), ("BYRADIUS", "20000", "km"),
                      ("BYRADIUS", "1000", "mi"), ("BYBOX", "400", "400", "km"),
                      ("BYBOX", "4000", "1000", "km"), ("BYBOX", "0", "0", "ft"),
                      ("BYBOX", "30000", "30000", "km")):  # fmt: skip
            for options in ((), ("ASC",), ("DESC", "WITHDIST"), ("WITHCOORD", "WITHHASH"),
                            ("COUNT", "3"), ("COUNT", "2", "DESC", "WITHDIST", "WITHCOORD"),
                            ("COUNT", "1", "ANY")):  # fmt: skip
                searches.append(("GEOSEARCH", "c", *center, *shape, *options))
    cases.append(("geosearch matrix", [CITIES, *searches]))
    edge_searches: list[Sequence[Arg]] = []
    for member in ("ne", "sw", "east", "west", "north", "arctic", "antarctic", "origin"):
        for shape in EDGE_SHAPES:
            edge_searches.append(("GEOSEARCH", "e", "FROMMEMBER", member, *shape, "WITHDIST"))
    cases.append(("geosearch edges", [EDGES, *edge_searches]))
    cases.append(
        (
            "geosearch store",
            [
                CITIES,
                (
                    "GEOSEARCHSTORE",
                    "d",
                    "c",
                    "FROMLONLAT",
                    "15",
                    "37",
                    "BYBOX",
                    "400",
                    "400",
                    "km",
                    "ASC",
                    "COUNT",
                    "3",
                ),
                ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
                (
                    "GEOSEARCHSTORE",
                    "d2",
                    "c",
                    "FROMLONLAT",
                    "15",
                    "37",
                    "BYBOX",
                    "400",
                    "400",
                    "km",
                    "ASC",
                    "COUNT",
                    "3",
                    "STOREDIST",
                ),
                ("ZSCORES", "d2"),
                (
                    "GEOSEARCHSTORE",
                    "d2",
                    "c",
                    "FROMMEMBER",
                    "Tokyo",
                    "BYRADIUS",
                    "1",
                    "m",
                    "STOREDIST",
                ),
                ("ZSCORES", "d2"),
                ("GEOSEARCHSTORE", "d2", "c", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m"),
                ("EXISTS", "d2"),
                ("SET", "str", "x"),
                ("GEOSEARCHSTORE", "str", "nokey", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m"),
                ("EXISTS", "str"),
                (
                    "GEOSEARCHSTORE",
                    "d",
                    "c",
                    "FROMLONLAT",
                    "0",
                    "0",
                    "BYRADIUS",
                    "1",
                    "m",
                    "WITHDIST",
                ),
                (
                    "GEOSEARCHSTORE",
                    "d",
                    "c",
                    "FROMLONLAT",
                    "0",
                    "0",
                    "BYRADIUS",
                    "1",
                    "m",
                    "STORE",
                    "x",
                ),
                ("GEOSEARCH", "c", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m", "STOREDIST"),
            ],
        )
    )
    cases.append(
        (
            "geosearch errors",
            [
                CITIES,
                ("GEOSEARCH", "c", "BYRADIUS", "1", "m"),
                ("GEOSEARCH", "c", "FROMLONLAT", "0", "0", "ASC"),
                ("geoSearch", "c", "FROMLONLAT", "0", "0", "COUNT", "1"),
                (
                    "GEOSEARCH",
                    "c",
                    "FROMMEMBER",
                    "Palermo",
                    "FROMLONLAT",
                    "0",
                    "0",
                    "BYRADIUS",
                    "1",
                    "m",
                ),
                (
                    "GEOSEARCH",
                    "c",
                    "FROMLONLAT",
                    "0",
                    "0",
                    "BYRADIUS",
                    "1",
                    "m",
                    "BYBOX",
                    "1",
                    "1",
                    "m",
                ),
                ("GEOSEARCH", "c", "FROMMEMBER", "nobody", "BYRADIUS", "1", "m"),
                ("GEOSEARCH", "nokey", "FROMMEMBER", "nobody", "BYRADIUS", "1", "m"),
                ("GEOSEARCH", "nokey", "FROMMEMBER", "nobody", "BYRADIUS", "x", "m"),
                ("GEOSEARCH", "c", "FROMLONLAT", "200", "0", "BYRADIUS", "1", "m"),
                ("GEOSEARCH", "c", "FROMLONLAT", "0", "0", "BYRADIUS", "-1", "m"),
                ("GEOSEARCH", "c", "FROMLONLAT", "0", "0", "BYRADIUS", "abc", "m"),
                ("GEOSEARCH", "c", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "parsec"),
                ("GEOSEARCH", "c", "FROMLONLAT", "0", "0", "BYBOX", "x", "1", "m"),
                ("GEOSEARCH", "c", "FROMLONLAT", "0", "0", "BYBOX", "1", "x", "m"),
                ("GEOSEARCH", "c", "FROMLONLAT", "0", "0", "BYBOX", "1", "-1", "m"),
                ("GEOSEARCH", "c", "FROMLONLAT", "0", "0", "BYBOX", "1", "1", "lightyear"),
                ("GEOSEARCH", "c", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m", "COUNT", "0"),
                ("GEOSEARCH", "c", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m", "COUNT", "x"),
                ("GEOSEARCH", "c", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m", "COUNT"),
                ("GEOSEARCH", "c", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m", "ANY"),
                ("GEOSEARCH", "c", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m", "bogus"),
                ("GEOSEARCH", "c", "FROMLONLAT", "0", "0", "BYRADIUS", "1"),
                ("GEOSEARCH", "c", "FROMLONLAT", "0", "0"),
            ],
        )
    )
    cases.append(
        (
            "georadius",
            [
                CITIES,
                ("GEORADIUS", "c", "15", "37", "200", "km"),
                (
                    "GEORADIUS",
                    "c",
                    "15",
                    "37",
                    "200",
                    "km",
                    "WITHDIST",
                    "WITHCOORD",
                    "WITHHASH",
                    "ASC",
                ),
                ("GEORADIUS", "c", "15", "37", "3000", "km", "COUNT", "3", "DESC"),
                ("GEORADIUS", "c", "15", "37", "3000", "km", "STORE", "r1"),
                ("ZRANGE", "r1", "0", "-1", "WITHSCORES"),
                ("GEORADIUS", "c", "15", "37", "3000", "km", "STOREDIST", "r2", "COUNT", "2"),
                ("ZSCORES", "r2"),
                ("GEORADIUS", "c", "15", "37", "3000", "km", "STORE", "r1", "WITHDIST"),
                ("GEORADIUS", "c", "15", "37", "3000", "km", "FROMMEMBER", "x"),
                ("GEORADIUS", "nokey", "15", "37", "3000", "km"),
                ("GEORADIUS", "nokey", "15", "37", "3000", "km", "STORE", "r1"),
                ("EXISTS", "r1"),
                ("GEORADIUS", "nokey", "15", "95", "3000", "km"),
                ("GEORADIUS_RO", "c", "15", "37", "200", "km", "WITHDIST"),
                ("GEORADIUS_RO", "c", "15", "37", "200", "km", "STORE", "x"),
                ("GEORADIUSBYMEMBER", "c", "Palermo", "300", "km", "WITHDIST", "ASC"),
                ("GEORADIUSBYMEMBER", "c", "nobody", "300", "km"),
                ("GEORADIUSBYMEMBER", "nokey", "nobody", "x", "km"),
                ("GEORADIUSBYMEMBER", "c", "Palermo", "x", "km"),
                ("GEORADIUSBYMEMBER", "c", "Palermo", "300", "km", "STOREDIST", "r3"),
                ("ZSCORES", "r3"),
                ("GEORADIUSBYMEMBER_RO", "c", "Palermo", "300", "km", "COUNT", "1"),
            ],
        )
    )
    return cases


NUMERIC = {"ZSCORES"}


def _numeric(value: object) -> object:
    """A reply with every bulk string that spells a number read as a float."""
    if isinstance(value, list):
        return [_numeric(item) for item in value]
    if isinstance(value, bytes):
        try:
            return float(value)
        except ValueError:
            return value
    return value


# Cluster centres: mid-latitudes, the antimeridian, near each pole.
CLUSTERS = ((10.0, 45.0), (180.0, 0.0), (0.0, 83.0), (-120.0, -84.0), (179.0, 70.0))


def _random_case(seed: int) -> Case:
    """Random points (some clustered, some at the limits) and random searches."""
    rng = random.Random(seed)
    cx, cy = CLUSTERS[seed % len(CLUSTERS)]
    add: list[Arg] = ["GEOADD", "r"]
    for i in range(200):
        if i % 4 == 0:
            lon, lat = rng.uniform(-180, 180), rng.uniform(-85.05112878, 85.05112878)
        else:
            lon = (rng.gauss(cx, 3) + 180) % 360 - 180
            lat = max(-85.05, min(85.05, rng.gauss(cy, 3)))
        add += [f"{lon:.6f}", f"{lat:.6f}", f"m{i}"]
    requests: list[Sequence[Arg]] = [add]
    for _ in range(60):
        center: tuple[Arg, ...] = (
            ("FROMMEMBER", f"m{rng.randrange(200)}")
            if rng.random() < 0.5
            else (
                "FROMLONLAT",
                f"{(rng.gauss(cx, 5) + 180) % 360 - 180:.4f}",
                f"{max(-85.0, min(85.0, rng.gauss(cy, 5))):.4f}",
            )
        )
        unit = rng.choice(["m", "km", "mi", "ft"])
        scale = {"m": 1000.0, "km": 1.0, "mi": 0.62, "ft": 3280.0}[unit]
        extent = rng.choice([10, 100, 500, 2000, 8000]) * scale
        shape: tuple[Arg, ...] = (
            ("BYRADIUS", f"{extent:.3f}", unit)
            if rng.random() < 0.5
            else ("BYBOX", f"{extent:.3f}", f"{extent * rng.uniform(0.2, 2):.3f}", unit)
        )
        requests.append(("GEOSEARCH", "r", *center, *shape, "ASC", "WITHDIST", "WITHHASH"))
        requests.append(("GEOSEARCH", "r", *center, *shape))
    return (f"random {seed}", requests)


def _sent(request: Sequence[Arg]) -> Sequence[Arg]:
    """``ZSCORES key`` is ZRANGE WITHSCORES compared by value: Redis 7.0 prints scores with
    ``%.17g``, 7.4 (pyredisd's reference) with the shortest round-trip digits."""
    if request[0] == "ZSCORES":
        return ("ZRANGE", request[1], "0", "-1", "WITHSCORES")
    return request


class CompareGeoTestCase(TestCase):
    """A real redis-server and an in-process pyredisd with the geo group."""

    service: RedisService

    @inlineCallbacks
    def setUp(self) -> Any:  # type: ignore[override]  # trial waits for a Deferred setUp
        """Start both servers (redis-server is stopped by PID at cleanup)."""
        path = require_redis_server(self)
        self.redis = ServerProcess.redis(path)
        yield threads.deferToThread(self.redis.start)
        self.addCleanup(self.redis.stop)
        self.service = yield start_service(self, config_with(port=0))
        self.port = self.service.server.ports[0]

    def run_cases(self, cases: Sequence[Case], protocol: int) -> list[str]:
        """Each case on a fresh, flushed connection pair (blocking: call from a thread)."""
        failures: list[str] = []
        for name, requests in cases:
            pair = (self.redis.connect(), RespConnection(self.port))
            for conn in pair:
                conn.call("FLUSHALL")
                if protocol == 3:
                    conn.call("HELLO", "3")
            redis, ours = pair
            payload = b"".join(command(*_sent(request)) for request in requests)
            redis.send(payload)
            ours.send(payload)
            for request in requests:
                expected, actual = redis.read_reply(), ours.read_reply()
                if request[0] in NUMERIC:
                    same = _numeric(parse(expected)) == _numeric(parse(actual))
                else:
                    same = expected == actual
                if not same:
                    failures.append(
                        f"{name}: {request!r}\n  redis:    {expected!r}\n  pyredisd: {actual!r}"
                    )
            redis.close()
            ours.close()
        return failures

    @inlineCallbacks
    def assertSameReplies(self, cases: Sequence[Case], protocol: int = 2) -> Any:
        """Every reply of every case matches redis-server's, byte for byte."""
        failures = yield threads.deferToThread(self.run_cases, cases, protocol)
        self.assertEqual(failures, [], "\n".join(failures))

    def test_corpus_resp2(self) -> Any:
        """The corpus in RESP2."""
        return self.assertSameReplies(_cases())

    def test_corpus_resp3(self) -> Any:
        """The corpus in RESP3 (coordinates are doubles there)."""
        return self.assertSameReplies(_cases(), protocol=3)

    def test_random_points(self) -> Any:
        """Random indexes and searches, including clusters and whole-world extents."""
        return self.assertSameReplies([_random_case(seed) for seed in range(10)])
