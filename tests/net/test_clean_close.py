"""Closing cleanly: however a connection ends, ``Server.detach`` forgets the client everywhere.

Each test builds one server with many clients, each in a combination of modes (Pub/Sub of
every kind, WATCH, MULTI with queued commands, blocked in BLPOP/BZPOPMIN/BLMOVE with and without
a timeout, MONITOR, CLIENT TRACKING in default, BCAST and REDIRECT mode, the target of another
client's REDIRECT, CLIENT NO-TOUCH, postponed by CLIENT PAUSE), ends them one way (QUIT,
RESET, CLIENT KILL by each filter, the peer resetting or closing, the output-buffer limit, the
idle timeout, a protocol error), and then checks:

* :func:`assert_forgotten`: no structure of the server holds the client (the one helper that
  knows every structure; a new structure is added there), and nothing reachable from the
  server refers to the client object or its connection;
* what the client was in is triggered afterwards (PUBLISH, pushes to the keys it blocked on,
  writes to keys it tracked, commands a monitor would see, its blocking timeout, the end of the
  pause), and the closed connection receives nothing, while the effects show the client is gone
  (PUBLISH counts no receiver, pushed elements stay, a postponed write never runs, another
  client's REDIRECT to it is reported broken);
* :func:`assert_plain`: once nothing listens, the server's slow-path switch ``_hooked`` is off
  and every database is a plain ``Database`` again.
"""

from __future__ import annotations

import types
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from twisted.internet import address, task
from twisted.internet.error import ConnectionDone, ConnectionLost
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core.clients import Client
from pyredisd.core.config import Config
from pyredisd.core.keyspace import Database
from pyredisd.core.server import Server
from tests.helpers import CountingTransport, Wired, config_with, wire
from tests.net.test_protocol import command

PAUSE_MS = 1_000_000
LIMIT = 4096
BROKEN = b">2\r\n$21\r\ntracking-redir-broken\r\n:%d\r\n"

# Modes a combination may hold. The last step of a combination may leave the client waiting
# (blocked or postponed): it then runs nothing more, so QUIT, RESET and protocol errors do not
# apply to it. Idle clients in these modes are exempt from ``timeout`` (clientsCronHandleTimeout).
WAITING = frozenset(("blpop", "blpop_t", "bzpopmin", "bzpopmin_t", "blmove", "blmove_t"))
POSTPONED = frozenset(("postponed", "exec_postponed"))
IDLE_EXEMPT = frozenset(("sub", "sub2", "monitor")) | WAITING | POSTPONED

COMBINATIONS: list[tuple[str, ...]] = [
    ("sub2",),
    ("sub2", "redirected"),
    ("resp3", "sub", "watch", "multi"),
    ("watch", "multi"),
    ("resp3", "track", "notouch"),
    ("resp3", "bcast"),
    ("track_redirect",),
    ("resp3", "redirected"),
    ("monitor",),
    ("resp3", "sub", "track", "notouch", "monitor"),
    ("blpop",),
    ("resp3", "sub", "track", "notouch", "watch", "blpop_t"),
    ("bzpopmin_t",),
    ("resp3", "bcast", "bzpopmin"),
    ("blmove",),
    ("resp3", "redirected", "blmove_t"),
    ("postponed",),
    ("resp3", "sub", "track", "watch", "notouch", "postponed"),
    ("watch", "multi", "exec_postponed"),
]


# -- what the server holds ----------------------------------------------------------------------
def structures_holding(server: Server, client: Client) -> list[str]:
    """Every server structure that still holds ``client`` (by id or object); empty when the
    client is forgotten. The one list of structures keyed by client: add new ones here."""
    cid = client.id
    found: list[str] = []

    def check(name: str, holds: bool) -> None:
        if holds:
            found.append(name)

    check("registry", server.clients.get(cid) is not None)
    check("monitors", cid in server.monitors)
    check("postponed", cid in server.postponed)
    check("soft_limit_since", cid in server.soft_limit_since)
    check("in_multi", cid in server.in_multi)
    check("no_touch", cid in server.no_touch)
    pubsub = server.pubsub
    check("pubsub.clients", cid in pubsub.clients)
    for kind, registry in (
        ("channels", pubsub.channels),
        ("patterns", pubsub.patterns),
        ("shard_channels", pubsub.shard_channels),
    ):
        for name, listeners in registry.items():
            check(f"pubsub.{kind}[{name!r}]", cid in listeners)
    blocking = server.blocking
    check("blocking.clients", cid in blocking.clients)
    for db_id, keys in enumerate(blocking.waiting):
        for key, queue in keys.items():
            check(f"blocking.waiting[{db_id}][{key!r}]", cid in queue)
    check("client.watched", bool(client.watched))
    for db in server.dbs:
        for key, watchers in db.watched.items():
            check(f"db[{db.id}].watched[{key!r}]", cid in watchers)
    tracking = server.tracking
    check("client.tracking", client.tracking is not None)
    check("tracking.current", tracking.current is client)
    check("tracking.keys_of", cid in tracking.keys_of)
    for key, ids in tracking.table.items():
        check(f"tracking.table[{key!r}]", cid in ids)
    for prefix, entry in tracking.prefixes.items():
        check(f"tracking.prefixes[{prefix!r}].clients", cid in entry.clients)
        check(f"tracking.prefixes[{prefix!r}].keys", client in entry.keys.values())
    check("client.multi", client.multi is not None)
    check("client.blocked", client.blocked)
    check("client.unblock", client.unblock is not None)
    check("client.pubsub", client.pubsub)
    return found


def _children(obj: object) -> Iterator[tuple[str, object]]:
    """What ``obj`` refers to, with a label, without leaving the server's own objects (no
    module globals, classes, code or the logging system, which lead to the whole process)."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield f"[{key!r}]", key
            yield f"[{key!r}]", value
    elif isinstance(obj, (list, tuple, set, frozenset, deque)):
        for index, item in enumerate(obj):
            yield f"[{index}]", item
    elif isinstance(obj, types.FunctionType):
        for cell in obj.__closure__ or ():
            try:
                yield f"<{obj.__name__} closure>", cell.cell_contents
            except ValueError:
                continue
        for default in obj.__defaults__ or ():
            yield f"<{obj.__name__} default>", default
    elif isinstance(obj, (types.MethodType, types.BuiltinMethodType)):
        yield f"<{obj.__name__} self>", obj.__self__
    else:
        own = getattr(obj, "__dict__", None)
        if isinstance(own, dict):
            for name, value in own.items():
                yield f".{name}", value
        for cls in type(obj).__mro__:
            for name in getattr(cls, "__slots__", ()):
                if hasattr(obj, name):
                    yield f".{name}", getattr(obj, name)


_ATOMS = (str, bytes, int, float, bool, type(None), complex, range)


def _skipped(obj: object) -> bool:
    if isinstance(obj, (*_ATOMS, type, types.ModuleType, types.CodeType, types.FrameType)):
        return True
    module = type(obj).__module__ or ""
    return module.startswith(("twisted.logger", "twisted.trial", "twisted.python.log"))


def path_to(root: object, targets: list[object], avoid: tuple[object, ...] = ()) -> str | None:
    """A path of references from ``root`` to any of ``targets``, or None."""
    wanted = {id(target) for target in targets}
    seen = {id(root)} | {id(obj) for obj in avoid}
    queue: deque[tuple[object, str]] = deque([(root, "server")])
    while queue:
        obj, path = queue.popleft()
        for label, child in _children(obj):
            if id(child) in wanted:
                return path + label
            if id(child) in seen or _skipped(child):
                continue
            seen.add(id(child))
            queue.append((child, path + label))
    return None


def assert_forgotten(server: Server, *clients: Client, connected: bool = False) -> None:
    """No structure of ``server`` holds any of ``clients``, and nothing reachable from the
    server refers to them or their connections. With ``connected`` (RESET) the clients stay
    registered and only their modes must be gone."""
    problems: dict[int, list[str]] = {}
    for client in clients:
        found = structures_holding(server, client)
        if connected:
            # RESET turns tracking off, but (as in Redis's disableTracking) the keys the
            # client read stay in the table until they change; a close drops them at once.
            found = [
                name
                for name in found
                if name != "registry"
                and name != "tracking.keys_of"
                and not name.startswith("tracking.table[")
            ]
        if found:
            problems[client.id] = found
    assert not problems, f"clients still held: {problems}"
    targets: list[object] = list(clients) + [c.peer for c in clients if c.peer]
    avoid: tuple[object, ...] = (server.clients,) if connected else ()
    path = path_to(server, targets, avoid)
    assert path is None, f"still reachable from the server: {path}"


def assert_plain(server: Server) -> None:
    """Nothing listens any more: every per-client structure is empty, the slow path is off
    and every database is a plain ``Database``."""
    leftovers = {
        name: value
        for name, value in {
            "monitors": server.monitors,
            "postponed": server.postponed,
            "soft_limit_since": server.soft_limit_since,
            "in_multi": server.in_multi,
            "no_touch": server.no_touch,
            "pubsub.clients": server.pubsub.clients,
            "pubsub.channels": server.pubsub.channels,
            "pubsub.patterns": server.pubsub.patterns,
            "pubsub.shard_channels": server.pubsub.shard_channels,
            "blocking.clients": server.blocking.clients,
            "blocking.waiting": [w for w in server.blocking.waiting if w],
            "blocking.ready": server.blocking.ready,
            "tracking.table": server.tracking.table,
            "tracking.keys_of": server.tracking.keys_of,
            "tracking.prefixes": server.tracking.prefixes,
            "watched": [db.watched for db in server.dbs if db.watched],
        }.items()
        if value
    }
    assert not leftovers, f"left over: {leftovers}"
    assert server.tracking.clients == 0 and server.tracking.items == 0
    assert not server.tracking.listening
    # The slow path marks whoever runs a command as ``current`` even while nobody tracks; it
    # may name a connected client, never a closed one.
    current = server.tracking.current
    assert current is None or server.clients.get(current.id) is current
    assert server.pause_mode is None
    assert not server._hooked, "the slow path is still on"
    hooked = [db.id for db in server.dbs if type(db) is not Database]
    assert not hooked, f"databases still hooked: {hooked}"


# -- the scenario ----------------------------------------------------------------------------------
@dataclass
class Victim:
    """A client in some combination of modes, and the helper redirecting to it (if any)."""

    index: int
    modes: tuple[str, ...]
    w: Wired
    redirector: Wired | None = None

    @property
    def client(self) -> Client:
        assert self.w.proto.client is not None
        return self.w.proto.client

    @property
    def waiting(self) -> bool:
        return bool(set(self.modes) & (WAITING | POSTPONED))

    @property
    def addr(self) -> bytes:
        return self.client.addr.encode()


@dataclass
class Scenario:
    """One server, a redirect target, a pauser and the victims."""

    test: SynchronousTestCase
    config: Config
    server: Server = field(init=False)
    clock: task.Clock = field(init=False)
    target: Wired = field(init=False)
    pauser: Wired = field(init=False)
    victims: list[Victim] = field(default_factory=list)
    helpers: list[Wired] = field(default_factory=list)
    lost: list[Wired] = field(default_factory=list)
    _port: int = 40000

    def __post_init__(self) -> None:
        self.clock = task.Clock()
        self.clock.advance(1_700_000_000)
        self.server = Server(self.config, clock=self.clock)
        self.target = self.connect()
        self.ok(self.target, command(b"HELLO", b"3"))
        self.pauser = self.connect()
        self.helpers += [self.target, self.pauser]

    def connect(self) -> Wired:
        """A new connection from its own address (so CLIENT KILL ADDR picks one)."""
        self._port += 1
        peer = address.IPv4Address("TCP", "10.9.8.7", self._port)
        w = wire(server=self.server, transport=CountingTransport(peer_address=peer))
        w.clock = self.clock
        return w

    def ok(self, w: Wired, *requests: bytes) -> bytes:
        """Send ``requests``; none may fail."""
        out = w.feed(b"".join(requests))
        self.test.assertNotIn(b"\r\n-", b"\r\n" + out, out)
        return out

    def build(self, combinations: list[tuple[str, ...]]) -> list[Victim]:
        for modes in combinations:
            victim = Victim(len(self.victims), modes, self.connect())
            self.victims.append(victim)
            for mode in modes:
                if mode not in POSTPONED:
                    self.enter(victim, mode)
        self.ok(self.pauser, command(b"CLIENT", b"PAUSE", b"%d" % PAUSE_MS, b"WRITE"))
        for victim in self.victims:
            for mode in set(victim.modes) & POSTPONED:
                self.enter(victim, mode)
        for victim in self.victims:
            self.check_entered(victim)
        return self.victims

    def enter(self, v: Victim, mode: str) -> None:
        """Put ``v`` in ``mode`` (keys and channels are named after its index)."""
        i, w = b"%d" % v.index, v.w
        blocking = {
            "blpop": command(b"BLPOP", b"bl" + i, b"0"),
            "blpop_t": command(b"BLPOP", b"bl" + i, b"500"),
            "bzpopmin": command(b"BZPOPMIN", b"bz" + i, b"0"),
            "bzpopmin_t": command(b"BZPOPMIN", b"bz" + i, b"500"),
            "blmove": command(b"BLMOVE", b"src" + i, b"dst" + i, b"LEFT", b"RIGHT", b"0"),
            "blmove_t": command(b"BLMOVE", b"src" + i, b"dst" + i, b"LEFT", b"RIGHT", b"500"),
        }
        if mode in blocking:
            self.test.assertEqual(w.feed(blocking[mode]), b"")
        elif mode == "resp3":
            self.ok(w, command(b"HELLO", b"3"))
        elif mode in ("sub", "sub2"):
            channels = [b"ch" + i]
            if "redirected" in v.modes:
                channels.append(b"__redis__:invalidate")
            self.ok(
                w,
                command(b"SUBSCRIBE", *channels),
                command(b"PSUBSCRIBE", b"pat" + i + b":*"),
                command(b"SSUBSCRIBE", b"sch" + i),
            )
        elif mode == "watch":
            self.ok(w, command(b"WATCH", b"w" + i, b"wx" + i))
        elif mode == "multi":
            self.test.assertEqual(
                w.feed(command(b"MULTI") + command(b"SET", b"m" + i, b"1") + command(b"GET", b"x")),
                b"+OK\r\n+QUEUED\r\n+QUEUED\r\n",
            )
        elif mode == "exec_postponed":
            self.test.assertEqual(w.feed(command(b"EXEC")), b"")
        elif mode == "track":
            self.ok(w, command(b"CLIENT", b"TRACKING", b"ON"), command(b"GET", b"t" + i))
        elif mode == "bcast":
            self.ok(
                w,
                command(b"CLIENT", b"TRACKING", b"ON", b"BCAST", b"PREFIX", b"bc" + i + b":"),
                command(b"CLIENT", b"TRACKING", b"ON", b"BCAST", b"PREFIX", b"bd" + i + b":"),
            )
        elif mode == "track_redirect":
            target = self.target.proto.client
            assert target is not None
            self.ok(
                w,
                command(b"CLIENT", b"TRACKING", b"ON", b"REDIRECT", b"%d" % target.id),
                command(b"GET", b"r" + i),
            )
        elif mode == "redirected":
            v.redirector = helper = self.connect()
            self.helpers.append(helper)
            self.ok(
                helper,
                command(b"HELLO", b"3"),
                command(b"CLIENT", b"TRACKING", b"ON", b"REDIRECT", b"%d" % v.client.id),
                command(b"GET", b"rt" + i),
            )
        elif mode == "monitor":
            self.ok(w, command(b"MONITOR"))
        elif mode == "notouch":
            self.ok(w, command(b"CLIENT", b"NO-TOUCH", b"ON"))
        elif mode == "postponed":
            self.test.assertEqual(w.feed(command(b"SET", b"pp" + i, b"1")), b"")
        else:
            raise AssertionError(mode)

    def check_entered(self, v: Victim) -> None:
        """The modes took: the structures the test expects emptied later hold the client."""
        held = set(structures_holding(self.server, v.client))
        expected = {"registry"}
        for mode in v.modes:
            expected |= {
                "sub": {"pubsub.clients", "client.pubsub"},
                "sub2": {"pubsub.clients", "client.pubsub"},
                "watch": {"client.watched"},
                "multi": {"in_multi", "client.multi"},
                "track": {"client.tracking", "tracking.keys_of"},
                "bcast": {"client.tracking"},
                "track_redirect": {"client.tracking", "tracking.keys_of"},
                "monitor": {"monitors"},
                "notouch": {"no_touch"},
                "postponed": {"postponed"},
                "exec_postponed": {"postponed"},
            }.get(mode, set())
            if mode in WAITING:
                expected |= {"blocking.clients", "client.blocked", "client.unblock"}
        self.test.assertLessEqual(expected, held, v.modes)

    # -- closing ---------------------------------------------------------------------------------
    def reactor_turn(self, *wired: Wired) -> None:
        """What the reactor does for a closed transport: ``connectionLost``, once."""
        for w in wired:
            transport = w.transport
            if (transport.disconnecting or transport.disconnected) and w not in self.lost:
                self.lost.append(w)
                w.proto.connectionLost(Failure(ConnectionDone()))

    def driver(self) -> Wired:
        """A plain client that triggers what the victims were in."""
        return self.connect()

    # -- afterwards ------------------------------------------------------------------------------
    def verify(self, closed: list[Victim], reset: tuple[Victim, ...] = ()) -> None:
        """Everything ``closed`` (and ``reset``) was in is forgotten; triggering it sends them
        nothing; once nothing listens the server is plain again."""
        server = self.server
        self.reactor_turn(*(v.w for v in closed))
        if closed:
            assert_forgotten(server, *(v.client for v in closed))
        for v in reset:
            assert_forgotten(server, v.client, connected=True)
        gone = closed + list(reset)
        for w in [v.w for v in gone] + self.helpers:
            w.take()
        d = self.driver()
        self.ok(d, command(b"CLIENT", b"UNPAUSE"))
        for v in gone:
            i = b"%d" % v.index
            for publish, channel in (
                (b"PUBLISH", b"ch" + i),
                (b"PUBLISH", b"pat" + i + b":x"),
                (b"SPUBLISH", b"sch" + i),
            ):
                self.test.assertEqual(d.feed(command(publish, channel, b"m")), b":0\r\n", channel)
            self.test.assertEqual(
                d.feed(
                    command(b"LPUSH", b"bl" + i, b"v")
                    + command(b"ZADD", b"bz" + i, b"1", b"m")
                    + command(b"LPUSH", b"src" + i, b"v")
                    + command(b"LLEN", b"bl" + i)
                    + command(b"ZCARD", b"bz" + i)
                    + command(b"LLEN", b"src" + i)
                    + command(b"EXISTS", b"dst" + i, b"pp" + i, b"m" + i)
                ),
                b":1\r\n:1\r\n:1\r\n:1\r\n:1\r\n:1\r\n:0\r\n",
                v.modes,
            )
            self.ok(
                d,
                *(
                    command(b"SET", key, b"v")
                    for key in (b"t", b"r", b"rt", b"w", b"wx", b"bc", b"bd")
                    for key in [key + i + (b":k" if key in (b"bc", b"bd") else b"")]
                ),
            )
        self.clock.advance(PAUSE_MS / 1000 + 1)  # blocking timeouts and the pause's end
        self.test.assertEqual(d.feed(command(b"PING")), b"+PONG\r\n")  # not idle
        for _ in range(server.config["hz"]):
            server.cron()
        for v in gone:
            self.test.assertEqual(v.w.transport.value(), b"", v.modes)
            self.test.assertEqual(v.w.transport.writes, [], v.modes)
            if v.redirector is not None and not v.redirector.transport.disconnecting:
                # Redis keeps a REDIRECT to a client that went away and reports it broken.
                expected = b"" if v in reset else BROKEN % v.client.id
                self.test.assertEqual(v.redirector.take(), expected, v.modes)
        self.test.assertEqual(self.target.take(), b"")
        self.test.assertEqual(self.pauser.take(), b"")
        # Only the helpers still listen: once they go, the server is plain again.
        others = [v.w for v in reset] + self.helpers
        for w in others:
            w.proto.connectionLost(Failure(ConnectionDone()))
        assert_forgotten(server, *(w.proto.client for w in others if w.proto.client))
        assert_plain(server)
        self.test.assertEqual(len(server.clients), 1)


def limited_config(**values: object) -> Config:
    """Hard output-buffer limits for the normal and pubsub classes."""
    config = config_with(**values)
    config.values["client-output-buffer-limit"] = {
        **config["client-output-buffer-limit"],
        "normal": (LIMIT, 0, 0),
        "pubsub": (LIMIT, 0, 0),
    }
    return config


class CleanCloseTests(SynchronousTestCase):
    """Every way a connection ends forgets the client in every mode."""

    def scenario(self, config: Config | None = None, *, waiting: bool = True) -> Scenario:
        s = Scenario(self, config if config is not None else Config.defaults())
        s.build([m for m in COMBINATIONS if waiting or not set(m) & (WAITING | POSTPONED)])
        return s

    def close_each(self, close: Callable[[Scenario, Victim], None], waiting: bool = True) -> None:
        s = self.scenario(waiting=waiting)
        for v in s.victims:
            close(s, v)
        s.verify(s.victims)

    def test_quit(self) -> None:
        """QUIT: the reply, then the connection closes."""

        def close(s: Scenario, v: Victim) -> None:
            v.w.take()  # a monitor saw the others' QUIT
            out = v.w.feed(command(b"QUIT"))
            self.assertTrue(out.startswith(b"+OK\r\n"), (v.modes, out))
            self.assertTrue(v.w.transport.disconnecting)

        self.close_each(close, waiting=False)

    def test_reset(self) -> None:
        """RESET is no close, but leaves the client in no mode."""
        s = self.scenario(waiting=False)
        for v in s.victims:
            v.w.take()  # a monitor saw the others' RESET
            out = v.w.feed(command(b"RESET"))
            self.assertTrue(out.startswith(b"+RESET\r\n"), (v.modes, out))
            self.assertFalse(v.w.transport.disconnecting)
        s.verify([], reset=tuple(s.victims))

    def test_protocol_error(self) -> None:
        """A protocol error: the error, then the connection closes."""

        def close(s: Scenario, v: Victim) -> None:
            out = v.w.feed(b"*1\r\n$x\r\n")
            self.assertIn(b"-ERR Protocol error", out, v.modes)
            self.assertTrue(v.w.transport.disconnecting)

        self.close_each(close, waiting=False)

    def kill(self, s: Scenario, *args: bytes, reply: bytes = b":1\r\n") -> None:
        killer = s.connect()
        self.assertEqual(killer.feed(command(b"CLIENT", b"KILL", *args)), reply, args)
        assert killer.proto.client is not None
        killer.proto.connectionLost(Failure(ConnectionDone()))
        assert_forgotten(s.server, killer.proto.client)  # the killer is closed too

    def test_client_kill_id(self) -> None:
        """CLIENT KILL ID."""
        self.close_each(lambda s, v: self.kill(s, b"ID", b"%d" % v.client.id))

    def test_client_kill_addr(self) -> None:
        """CLIENT KILL ADDR."""
        self.close_each(lambda s, v: self.kill(s, b"ADDR", v.addr))

    def test_client_kill_old_form(self) -> None:
        """CLIENT KILL ip:port (the old form answers +OK)."""
        self.close_each(lambda s, v: self.kill(s, v.addr, reply=b"+OK\r\n"))

    def test_client_kill_type(self) -> None:
        """CLIENT KILL TYPE pubsub takes the subscribers, TYPE normal the others (the
        helpers too)."""
        s = self.scenario()
        subscribed = [v for v in s.victims if {"sub", "sub2"} & set(v.modes)]
        self.kill(s, b"TYPE", b"pubsub", reply=b":%d\r\n" % len(subscribed))
        for v in subscribed:
            self.assertTrue(v.w.transport.disconnected)
        others = len(s.victims) - len(subscribed) + len(s.helpers)
        self.kill(s, b"TYPE", b"normal", reply=b":%d\r\n" % others)
        s.reactor_turn(*s.helpers)
        s.verify(s.victims)

    def test_client_kill_user(self) -> None:
        """CLIENT KILL USER default takes every other connection."""
        s = self.scenario()
        self.kill(s, b"USER", b"default", reply=b":%d\r\n" % (len(s.victims) + len(s.helpers)))
        s.reactor_turn(*s.helpers)
        s.verify(s.victims)

    def test_peer_reset(self) -> None:
        """The peer resets the connection."""
        self.close_each(lambda s, v: v.w.proto.connectionLost(Failure(ConnectionLost())))

    def test_peer_close(self) -> None:
        """The peer closes the connection cleanly."""
        self.close_each(lambda s, v: v.w.proto.connectionLost(Failure(ConnectionDone())))

    def test_output_buffer_limit(self) -> None:
        """Over the hard output-buffer limit while the transport is paused: dropped."""
        s = Scenario(self, limited_config())
        s.build(COMBINATIONS)
        for v in s.victims:
            v.w.proto.pauseProducing()
            for _ in range(LIMIT // 1000 + 1):
                v.w.proto.push(b"x" * 1000)
            self.assertTrue(v.w.transport.disconnected, v.modes)
        self.assertEqual(s.server.stats.obuf_disconnections, len(s.victims))
        # Dropped means gone at once, before the reactor reports the connection lost: a push
        # to a key a dropped client blocked on stays for the living.
        assert_forgotten(s.server, *(v.client for v in s.victims))
        s.verify(s.victims)

    def test_idle_timeout(self) -> None:
        """``timeout``: the cron drops idle clients; Pub/Sub, MONITOR, blocked and postponed
        ones are exempt (and then close by themselves)."""
        s = Scenario(self, config_with(timeout=10))
        s.build(COMBINATIONS)
        s.clock.advance(11)
        for helper in s.helpers:
            helper.feed(command(b"PING"))
        for _ in range(s.server.config["hz"]):
            s.server.cron()
        for v in s.victims:
            exempt = bool(set(v.modes) & IDLE_EXEMPT)
            self.assertEqual(v.w.transport.disconnected, not exempt, v.modes)
            if exempt:
                v.w.proto.connectionLost(Failure(ConnectionDone()))
        s.verify(s.victims)


class HelperTests(SynchronousTestCase):
    """The helpers can fail: they see a client that is still held."""

    def test_structures_holding_sees_modes(self) -> None:
        """A subscribed, tracking, watching MONITOR client is found in each structure."""
        s = Scenario(self, Config.defaults())
        [v] = s.build([("resp3", "sub", "track", "watch", "notouch", "monitor")])
        held = structures_holding(s.server, v.client)
        for name in ("registry", "monitors", "no_touch", "pubsub.clients", "client.watched"):
            self.assertIn(name, held)
        self.assertRaises(AssertionError, assert_forgotten, s.server, v.client)
        self.assertRaises(AssertionError, assert_plain, s.server)

    def test_reference_walk_finds_a_stray_reference(self) -> None:
        """A client kept in some new structure of the server is found by the walk."""
        s = Scenario(self, Config.defaults())
        w = s.connect()
        assert w.proto.client is not None
        client = w.proto.client
        w.proto.connectionLost(Failure(ConnectionDone()))
        assert_forgotten(s.server, client)
        s.server.stray = {"x": [client]}  # type: ignore[attr-defined]
        with self.assertRaises(AssertionError) as caught:
            assert_forgotten(s.server, client)
        self.assertIn("server.stray['x'][0]", str(caught.exception))


class DroppedMidDeliveryTests(SynchronousTestCase):
    """A client dropped for its output limit while something is being delivered to it is
    forgotten at once, and the delivery goes on for the others."""

    def test_dropped_during_a_bcast_broadcast(self) -> None:
        """The only client of two BCAST prefixes overruns its limit on the first prefix's
        message: the second prefix is gone with it, the broadcast goes on for the others."""
        s = Scenario(self, limited_config())
        dropped, other = s.connect(), s.connect()
        for w, prefixes in ((dropped, (b"a", b"b")), (other, (b"c",))):
            s.ok(
                w,
                command(b"HELLO", b"3"),
                command(
                    b"CLIENT",
                    b"TRACKING",
                    b"ON",
                    b"BCAST",
                    *(arg for prefix in prefixes for arg in (b"PREFIX", prefix)),
                ),
            )
        dropped.proto.pauseProducing()
        long = b"x" * LIMIT
        d = s.driver()
        self.assertEqual(
            d.feed(
                command(b"SET", b"a" + long, b"1")
                + command(b"SET", b"b" + long, b"1")
                + command(b"SET", b"c1", b"1")
            ),
            b"+OK\r\n" * 3,
        )
        self.assertTrue(dropped.transport.disconnected)
        assert dropped.proto.client is not None
        assert_forgotten(s.server, dropped.proto.client)
        self.assertEqual(other.take(), b">2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nc1\r\n")
