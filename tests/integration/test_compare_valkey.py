"""pyredisd's CLIENT LIST filters against Valkey 8.1, whose filter grammar they extend.

The same named connections are opened on both servers; each filter selects clients by name,
and the names selected (or the exact error) must agree. Ids, addresses and ports differ between
the servers, so the filters are templates filled in per server.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from tests.integration.realredis import (
    RespConnection,
    ServerProcess,
    parse,
    require_redis_server,
)
from tests.integration.realvalkey import require_valkey_server, valkey_process

# Filters Valkey 8.1's CLIENT LIST accepts, and malformed ones whose errors must match.
FILTERS = [
    "",
    "ID {a}",
    "ID {a} {b} {c}",
    "ID {a} 999999",
    "ID 999999",
    "TYPE normal",
    "TYPE pubsub",
    "TYPE master",
    "TYPE replica",
    "TYPE slave",
    "USER default",
    "ADDR {addr_a}",
    "ADDR 1.2.3.4:5",
    "LADDR {laddr}",
    "LADDR 1.2.3.4:5",
    "SKIPME yes",
    "SKIPME no",
    "MAXAGE 100000",
    "TYPE normal SKIPME yes",
    "TYPE normal ID {a} {b}",
    "ID {a} {b} TYPE pubsub",
    "ID {a} USER default SKIPME no",
    # errors
    "ID",
    "ID abc",
    "ID 0",
    "ID -1",
    "ID {a} abc",
    "TYPE",
    "TYPE nosuch",
    "USER",
    "SKIPME",
    "SKIPME maybe",
    "MAXAGE",
    "MAXAGE abc",
    "ADDR",
    "NOSUCH x",
    "TYPE normal NOSUCH",
]


# Where Redis 7.4 already defines CLIENT LIST's answer and Valkey 8.1 changed it (Valkey parses
# LIST's filters with KILL's parser), Redis is the spec: these must match redis-server instead.
# Redis: `Invalid client ID` for a non-number, no match for ids below 1; Valkey: `syntax error`,
# `client-id should be greater than 0`.
REDIS_DEFINED = frozenset(("ID abc", "ID {a} abc", "ID 0", "ID -1"))


def _call(conn: RespConnection, line: str) -> bytes:
    return conn.call(*line.split())


def _names(reply: bytes) -> object:
    """The sorted client names a CLIENT LIST reply lists, or the raw reply if it is an error."""
    if reply.startswith(b"-"):
        return reply
    text = parse(reply)
    assert isinstance(text, bytes), reply
    names = []
    for line in text.decode().splitlines():
        fields = dict(field.split("=", 1) for field in line.split(" "))
        names.append(fields["name"])
    return sorted(names)


def _selections(server: ServerProcess) -> dict[str, object]:
    """Open clients a, b (db 1) and c (subscribed), then run every filter from ctl."""
    conns = {name: server.connect() for name in ("a", "b", "c", "ctl")}
    try:
        ids: dict[str, str] = {}
        for name, conn in conns.items():
            assert _call(conn, f"CLIENT SETNAME {name}") == b"+OK\r\n"
            ids[name] = parse(_call(conn, "CLIENT ID")).__str__()
        _call(conns["b"], "SELECT 1")
        _call(conns["c"], "SUBSCRIBE news")
        info = parse(_call(conns["a"], "CLIENT INFO"))
        assert isinstance(info, bytes)
        fields = dict(field.split("=", 1) for field in info.decode().split())
        values = {**ids, "addr_a": fields["addr"], "laddr": fields["laddr"]}
        return {
            line: _names(_call(conns["ctl"], f"CLIENT LIST {line.format(**values)}".strip()))
            for line in FILTERS
        }
    finally:
        for conn in conns.values():
            conn.close()


class CompareWithValkeyTests(SynchronousTestCase):
    """CLIENT LIST with Valkey 8.1's filters selects the same clients as Valkey (and as
    redis-server where Redis defines the answer)."""

    def test_client_list_filters_match_valkey(self) -> None:
        valkey = valkey_process(require_valkey_server(self))
        redis_server = ServerProcess.redis(require_redis_server(self))
        ours = ServerProcess.pyredisd()
        for process in (valkey, redis_server, ours):
            process.start()
            self.addCleanup(process.stop)
        from_valkey = _selections(valkey)
        from_redis = _selections(redis_server)
        expected = {
            line: (from_redis if line in REDIS_DEFINED else from_valkey)[line] for line in FILTERS
        }
        # The table stays honest: Valkey really does answer these differently.
        self.assertEqual(
            {line for line in FILTERS if from_redis[line] != from_valkey[line]} & REDIS_DEFINED,
            set(REDIS_DEFINED),
        )
        got = _selections(ours)
        differ = {
            line: (got[line], expected[line]) for line in FILTERS if got[line] != expected[line]
        }
        self.assertEqual(differ, {})
