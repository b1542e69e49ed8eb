"""The protocol's outbox and the connection limits, over StringTransport with a task.Clock:
pushes held while the transport pauses us, output-buffer limits (on append and from the cron),
the idle timeout, INFO's client fields, and how every way of closing forgets the client."""

from __future__ import annotations

from twisted.internet.testing import EventLoggingObserver
from twisted.logger import LogLevel, globalLogPublisher
from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core.config import Config
from pyredisd.core.server import Server
from pyredisd.net.protocol import FLUSH_BYTES
from tests.helpers import Wired, config_with, wire
from tests.net.test_protocol import command


def info_field(w: Wired, name: str) -> str:
    """One field of INFO everything, read through ``w``."""
    text = w.feed(command(b"INFO", b"everything")).decode()
    for line in text.split("\r\n"):
        if line.startswith(name + ":"):
            return line.split(":", 1)[1]
    raise AssertionError(f"INFO has no {name}")


def limited(hard: int, soft: int, seconds: int, **values: object) -> Config:
    """A config whose ``normal`` class has the given output-buffer limits."""
    config = config_with(**values)
    config.values["client-output-buffer-limit"] = {
        **config["client-output-buffer-limit"],
        "normal": (hard, soft, seconds),
    }
    return config


def observe(test: SynchronousTestCase) -> EventLoggingObserver:
    """Collect the events logged during ``test``."""
    observer = EventLoggingObserver()
    globalLogPublisher.addObserver(observer)
    test.addCleanup(globalLogPublisher.removeObserver, observer)
    return observer


def messages(observer: EventLoggingObserver) -> list[str]:
    """The formatted text of every event logged."""
    from twisted.logger import formatEvent

    return [formatEvent(event) for event in observer]


class OutboxTests(SynchronousTestCase):
    """Pushes go straight out, or wait in the outbox while the transport has paused us."""

    def test_pause_producing_pauses_the_transport(self) -> None:
        """``pauseProducing`` stops reading: the transport's producer state is paused."""
        w = wire()
        w.proto.pauseProducing()
        self.assertEqual(w.transport.producerState, "paused")
        w.proto.resumeProducing()
        self.assertEqual(w.transport.producerState, "producing")

    def test_push_goes_straight_out(self) -> None:
        """Unpaused, a push is written at once and nothing is held."""
        w = wire()
        w.proto.push(b"+hello\r\n")
        self.assertEqual(w.take(), b"+hello\r\n")
        assert w.proto.client is not None
        self.assertEqual((w.proto.client.omem(), w.proto.client.oll()), (0, 0))

    def test_pushes_wait_while_paused_and_go_out_in_order(self) -> None:
        """Paused, pushes wait in the outbox (omem/oll exact); resuming sends them in order."""
        w = wire()
        client = w.proto.client
        assert client is not None
        w.proto.pauseProducing()
        for n in range(3):
            w.proto.push(b"+push%d\r\n" % n)
        self.assertEqual(w.take(), b"")
        self.assertEqual((client.omem(), client.oll(), client.obl()), (24, 3, 0))
        self.assertEqual(client.events(), "w")
        w.proto.resumeProducing()
        self.assertEqual(w.take(), b"+push0\r\n+push1\r\n+push2\r\n")
        self.assertEqual((client.omem(), client.oll()), (0, 0))
        self.assertEqual(client.events(), "r")

    def test_outbox_goes_before_held_requests(self) -> None:
        """Requests that arrived while paused run after the outbox is sent, in order."""
        w = wire()
        w.proto.pauseProducing()
        w.proto.push(b"+first\r\n")
        w.proto.dataReceived(command(b"ECHO", b"second"))
        self.assertEqual(w.take(), b"")
        w.proto.resumeProducing()
        self.assertEqual(w.take(), b"+first\r\n$6\r\nsecond\r\n")

    def test_drain_stops_when_the_transport_pauses_again(self) -> None:
        """Draining writes chunks until the transport pauses us again; the rest stays held."""
        w = wire()
        proto = w.proto
        w.proto.pauseProducing()
        big = b"x" * FLUSH_BYTES
        for _ in range(3):
            proto.push(big)
        writes: list[int] = []
        original = proto._write

        def write_then_pause(data: bytes) -> None:
            writes.append(len(data))
            original(data)
            proto.pauseProducing()

        proto._write = write_then_pause  # type: ignore[method-assign]
        proto.resumeProducing()
        self.assertEqual(writes, [FLUSH_BYTES])
        assert proto.client is not None
        self.assertEqual(proto.client.oll(), 2)


class OutputLimitTests(SynchronousTestCase):
    """client-output-buffer-limit on our own outbox, closing with abortConnection."""

    def setUp(self) -> None:
        self.observer = observe(self)

    def test_hard_limit_aborts_on_append(self) -> None:
        """Going over the hard limit aborts at once, logs like Redis and counts it."""
        w = wire(limited(100, 0, 0))
        w.proto.pauseProducing()
        w.proto.push(b"x" * 99)
        self.assertFalse(w.transport.disconnected)
        w.proto.push(b"y")
        self.assertTrue(w.transport.disconnected)
        self.assertEqual(w.server.stats.obuf_disconnections, 1)
        [text] = [m for m in messages(self.observer) if "output buffer" in m]
        self.assertRegex(
            text,
            r"^Client id=1 addr=.* scheduled to be closed ASAP for overcoming of output "
            r"buffer limits\.$",
        )
        self.assertEqual(self.observer[-1]["log_level"], LogLevel.warn)
        # Nothing is held or written after the abort.
        w.proto.push(b"z")
        w.proto.resumeProducing()
        self.assertEqual(w.take(), b"")

    def test_soft_limit_closes_from_the_cron_after_soft_seconds(self) -> None:
        """Over the soft limit: kept at first, closed by the cron once ``soft_seconds`` pass."""
        w = wire(limited(0, 100, 10))
        w.proto.pauseProducing()
        w.proto.push(b"x" * 150)
        w.server.cron()
        self.assertFalse(w.transport.disconnected)
        w.clock.advance(10)
        w.server.cron()
        self.assertFalse(w.transport.disconnected)
        w.clock.advance(1)
        w.server.cron()
        self.assertTrue(w.transport.disconnected)
        self.assertEqual(w.server.stats.obuf_disconnections, 1)
        self.assertTrue(
            any(
                m.endswith("closed for overcoming of output buffer limits.") and "ASAP" not in m
                for m in messages(self.observer)
            )
        )

    def test_draining_below_soft_resets_the_clock(self) -> None:
        """Sending the outbox forgets when the soft limit was first exceeded."""
        w = wire(limited(0, 100, 10))
        w.proto.pauseProducing()
        w.proto.push(b"x" * 150)
        assert w.proto.client is not None
        self.assertIn(w.proto.client.id, w.server.soft_limit_since)
        w.proto.resumeProducing()
        w.server.cron()
        self.assertEqual(w.server.soft_limit_since, {})
        w.clock.advance(11)
        w.proto.pauseProducing()
        w.proto.push(b"x" * 150)
        w.server.cron()
        self.assertFalse(w.transport.disconnected)

    def test_normal_class_unlimited_by_default(self) -> None:
        """The default ``normal 0 0 0`` lets a paused client hold any amount."""
        w = wire()
        w.proto.pauseProducing()
        for _ in range(100):
            w.proto.push(b"x" * 100_000)
        w.server.cron()
        self.assertFalse(w.transport.disconnected)


class IdleTimeoutTests(SynchronousTestCase):
    """``timeout``: the cron closes clients idle for longer."""

    def setUp(self) -> None:
        self.observer = observe(self)

    def test_idle_client_is_closed(self) -> None:
        """Idle past ``timeout`` seconds, the client is dropped and "Closing idle client" logged."""
        w = wire(config_with(timeout=10))
        w.feed(command(b"PING"))
        w.clock.advance(10)
        w.server.cron()
        self.assertFalse(w.transport.disconnected)
        w.clock.advance(1)
        w.server.cron()
        self.assertTrue(w.transport.disconnected)
        self.assertIn("Closing idle client", messages(self.observer))

    def test_commands_keep_a_client_alive(self) -> None:
        """A command resets the idle time."""
        w = wire(config_with(timeout=10))
        for _ in range(5):
            w.clock.advance(6)
            self.assertEqual(w.feed(command(b"PING")), b"+PONG\r\n")
            w.server.cron()
        self.assertFalse(w.transport.disconnected)

    def test_monitor_clients_are_exempt(self) -> None:
        """A MONITOR client is never closed for idling."""
        w = wire(config_with(timeout=1))
        w.feed(command(b"MONITOR"))
        w.clock.advance(100)
        w.server.cron()
        self.assertFalse(w.transport.disconnected)

    def test_cron_visits_every_client_within_a_second(self) -> None:
        """With many clients the cron takes slices, but each is seen within ``hz`` runs."""
        first = wire(config_with(timeout=5, hz=10))
        server = first.server
        wired = [first] + [wire(server=server) for _ in range(99)]
        first.clock.advance(6)
        for _ in range(10):
            server.cron()
        self.assertTrue(all(w.transport.disconnected for w in wired))


class DetachTests(SynchronousTestCase):
    """Every way of closing ends in ``Server.detach``, which forgets the client everywhere."""

    def assertForgotten(self, w: Wired, server: Server) -> None:
        """Nothing refers to the client any more and nothing more reaches its transport."""
        assert w.proto.client is not None
        w.proto.connectionLost()
        self.assertIsNone(server.clients.get(w.proto.client.id))
        self.assertEqual(server.monitors, {})
        self.assertEqual(server.postponed, {})
        self.assertEqual(server.soft_limit_since, {})
        w.take()
        w.proto.push(b"+late\r\n")
        w.proto.resumeProducing()
        w.proto.dataReceived(command(b"PING"))
        server.unpause_clients()
        w.clock.advance(1)
        self.assertEqual(w.take(), b"")

    def setup_client(self, **values: object) -> Wired:
        """A client that is a monitor, over its soft limit and postponed by a pause."""
        w = wire(limited(0, 10, 60, **values))
        w.feed(command(b"MONITOR"))
        w.proto.pauseProducing()
        w.proto.push(b"x" * 20)
        self.assertTrue(w.server.soft_limit_since)
        return w

    def test_quit(self) -> None:
        """QUIT closes after its reply and the client is forgotten."""
        w = wire(limited(0, 10, 60))
        w.feed(command(b"MONITOR"))
        # A monitor sees its own QUIT, after the reply.
        self.assertEqual(
            w.feed(command(b"QUIT")), b'+OK\r\n+0.000000 [0 192.168.1.1:54321] "QUIT"\r\n'
        )
        self.assertTrue(w.transport.disconnecting)
        self.assertForgotten(w, w.server)

    def test_abort(self) -> None:
        """``peer.abort()`` (CLIENT KILL) drops the connection and the client is forgotten."""
        w = self.setup_client()
        w.proto.abort()
        self.assertTrue(w.transport.disconnected)
        self.assertForgotten(w, w.server)

    def test_client_kill(self) -> None:
        """CLIENT KILL ID from another client."""
        w = self.setup_client()
        other = wire(server=w.server)
        assert w.proto.client is not None
        self.assertEqual(other.feed(command(b"CLIENT", b"KILL", b"ID", b"1")), b":1\r\n")
        self.assertTrue(w.transport.disconnected)
        self.assertForgotten(w, w.server)

    def test_connection_reset(self) -> None:
        """The peer going away (connectionLost) forgets the client."""
        w = self.setup_client()
        self.assertForgotten(w, w.server)

    def test_limit_overrun(self) -> None:
        """Dropped for its output-buffer limit, the client is forgotten."""
        w = wire(limited(100, 0, 0))
        w.feed(command(b"MONITOR"))
        w.proto.pauseProducing()
        w.proto.push(b"x" * 100)
        self.assertTrue(w.transport.disconnected)
        self.assertForgotten(w, w.server)

    def test_timeout(self) -> None:
        """Dropped for idling, a postponed client is forgotten (and not woken later)."""
        w = wire(config_with(timeout=1))
        pauser = wire(server=w.server)
        pauser.feed(command(b"CLIENT", b"PAUSE", b"100000", b"WRITE"))
        w.feed(command(b"SET", b"k", b"v"))
        self.assertEqual(list(w.server.postponed), [w.proto.client.id if w.proto.client else 0])
        w.proto.drop("idle")
        self.assertTrue(w.transport.disconnected)
        pauser.proto.connectionLost()
        self.assertForgotten(w, w.server)
        self.assertIsNone(w.server.dbs[0].get_string(b"k", 0))


class ClientInfoFieldsTests(SynchronousTestCase):
    """INFO's clients/stats/memory fields report the real state."""

    def test_connection_counters(self) -> None:
        """connected_clients and total_connections_received count connections."""
        w = wire()
        other = wire(server=w.server)
        other.proto.connectionLost()
        self.assertEqual(info_field(w, "connected_clients"), "1")
        self.assertEqual(info_field(w, "total_connections_received"), "2")

    def test_recent_max_output_buffer_seen_by_the_cron(self) -> None:
        """The outbox's peak shows in client_recent_max_output_buffer for 8 seconds."""
        w = wire()
        held = wire(server=w.server)
        held.proto.pauseProducing()
        held.proto.push(b"x" * 5000)
        self.assertEqual(info_field(w, "mem_clients_normal"), "5000")
        w.server.cron()
        held.proto.resumeProducing()
        self.assertEqual(info_field(w, "client_recent_max_output_buffer"), "5000")
        for _ in range(8):
            w.clock.advance(1)
            w.server.cron()
        self.assertEqual(info_field(w, "client_recent_max_output_buffer"), "0")

    def test_recent_max_input_buffer(self) -> None:
        """A partial request's bytes show in client_recent_max_input_buffer after the cron."""
        w = wire()
        other = wire(server=w.server)
        other.proto.dataReceived(b"*2\r\n$3\r\nGET\r\n$100\r\n" + b"x" * 50)
        w.server.cron()
        assert other.proto.client is not None
        held = other.proto.client.qbuf()
        self.assertGreaterEqual(held, 50)
        self.assertEqual(info_field(w, "client_recent_max_input_buffer"), str(held))

    def test_stats_fields_present(self) -> None:
        """Both buffer-limit disconnection counters and rejected_connections are reported."""
        w = wire()
        for name in (
            "client_output_buffer_limit_disconnections",
            "client_query_buffer_limit_disconnections",
            "rejected_connections",
            "blocked_clients",
            "pubsub_clients",
            "watching_clients",
        ):
            with self.subTest(name=name):
                self.assertEqual(info_field(w, name), "0")
