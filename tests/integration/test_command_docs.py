"""COMMAND DOCS arguments compared with redis-server's: redis-cli builds its hints from them,
so both servers must render to the same syntax line for every command they share."""

from __future__ import annotations

from twisted.trial.unittest import TestCase

from pyredisd.core.commands.usage import Arg, render
from tests.integration.realredis import ServerProcess, parse, require_redis_server

# Commands whose arguments Redis 7.0 (the Debian build these tests run) documents differently
# from 7.4, the version pyredisd follows.
NEWER_THAN_7_0 = {
    "command|getkeys": "command [arg [arg ...]]",  # 7.0 lists no arguments
    "hscan": "key cursor [MATCH pattern] [COUNT count] [NOVALUES]",  # NOVALUES is 7.4
    "zrank": "key member [WITHSCORE]",  # WITHSCORE is 7.2
    "zrevrank": "key member [WITHSCORE]",
    # redis.io documents the members of GEOPOS and GEOHASH as optional since 7.x (arity -2).
    "geopos": "key [member [member ...]]",
    "geohash": "key [member [member ...]]",
    "pfmerge": "destkey [sourcekey [sourcekey ...]]",  # sources optional since 7.2
    # Hash-field expiry, new in 7.4 (src/commands/h*expire*.json, httl.json, hpersist.json).
    "hexpire": "key seconds [NX|XX|GT|LT] FIELDS numfields field [field ...]",
    "hpexpire": "key milliseconds [NX|XX|GT|LT] FIELDS numfields field [field ...]",
    "hexpireat": "key unix-time-seconds [NX|XX|GT|LT] FIELDS numfields field [field ...]",
    "hpexpireat": "key unix-time-milliseconds [NX|XX|GT|LT] FIELDS numfields field [field ...]",
    "httl": "key FIELDS numfields field [field ...]",
    "hpttl": "key FIELDS numfields field [field ...]",
    "hexpiretime": "key FIELDS numfields field [field ...]",
    "hpexpiretime": "key FIELDS numfields field [field ...]",
    "hpersist": "key FIELDS numfields field [field ...]",
}
# pyredisd's documented extensions: the shared filter grammar on CLIENT LIST and KILL.
EXTENDED = {"client|kill", "client|list"}


def _pairs(value: object) -> dict[bytes, object]:
    """A RESP2 flat array of key/value pairs as a dict."""
    assert isinstance(value, list)
    return {value[i]: value[i + 1] for i in range(0, len(value), 2)}


def _list(value: object) -> list[object]:
    assert isinstance(value, list)
    return value


def _to_arg(raw: object) -> Arg:
    fields = _pairs(raw)
    flags = [f.decode() if isinstance(f, bytes) else f for f in _list(fields.get(b"flags", []))]
    token = fields.get(b"token", b"")
    assert isinstance(token, bytes)
    name, kind = fields[b"name"], fields[b"type"]
    assert isinstance(name, bytes) and isinstance(kind, bytes)
    return Arg(
        name.decode(),
        kind.decode(),
        token.decode(),
        "optional" in flags,
        "multiple" in flags,
        "multiple_token" in flags,
        tuple(_to_arg(a) for a in _list(fields.get(b"arguments", []))),
    )


def _hints(server: ServerProcess, names: list[str]) -> dict[str, str | None]:
    """Command name -> rendered hint (None if the server does not know the command)."""
    out: dict[str, str | None] = {}
    with server.connect() as conn:
        for name in names:
            reply = parse(conn.call("COMMAND", "DOCS", name))
            entries = _pairs(reply)
            if not entries:
                out[name] = None
                continue
            (doc,) = entries.values()
            args = _pairs(doc).get(b"arguments", [])
            out[name] = render([_to_arg(a) for a in _list(args)])
    return out


class CommandDocsComparisonTests(TestCase):
    def test_hints_match_redis(self) -> None:
        """Every command both servers know renders to the same redis-cli hint."""
        path = require_redis_server(self)
        redis = ServerProcess.redis(path)
        redis.start()
        self.addCleanup(redis.stop)
        ours = ServerProcess.pyredisd()
        ours.start()
        self.addCleanup(ours.stop)
        with ours.connect() as conn:
            names = [n.decode() for n in _list(parse(conn.call("COMMAND", "LIST")))]  # type: ignore[attr-defined]
        theirs, mine = _hints(redis, names), _hints(ours, names)
        for name in sorted(names):
            if (theirs[name] is None and name not in NEWER_THAN_7_0) or name in EXTENDED:
                continue
            with self.subTest(command=name):
                expected = NEWER_THAN_7_0.get(name, theirs[name])
                self.assertEqual(mine[name], expected)
