"""The pure limit decisions: output-buffer limits per class, and the idle timeout."""

from __future__ import annotations

from twisted.internet import task
from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core.config import Config
from pyredisd.core.limits import OutputBufferLimit, idle_expired, output_limit
from pyredisd.core.server import Server


class OutputBufferLimitTests(SynchronousTestCase):
    """``OutputBufferLimit.check`` mirrors ``checkClientOutputBufferLimits``."""

    def test_no_limits_never_close(self) -> None:
        """``0 0 0`` (the normal class's default) keeps any client."""
        self.assertEqual(OutputBufferLimit().check(10**12, None, 100.0), (False, None))

    def test_hard_limit_is_inclusive(self) -> None:
        """Holding exactly the hard limit closes; one byte less does not."""
        limit = OutputBufferLimit(hard=1000)
        self.assertEqual(limit.check(1000, None, 0.0), (True, None))
        self.assertEqual(limit.check(999, None, 0.0), (False, None))

    def test_soft_limit_first_time_only_starts_the_clock(self) -> None:
        """Going over the soft limit records the time and keeps the client."""
        limit = OutputBufferLimit(soft=100, soft_seconds=10)
        self.assertEqual(limit.check(100, None, 50.0), (False, 50.0))

    def test_soft_limit_closes_only_after_soft_seconds(self) -> None:
        """Still over the soft limit: kept up to ``soft_seconds`` later, closed after that."""
        limit = OutputBufferLimit(soft=100, soft_seconds=10)
        self.assertEqual(limit.check(150, 50.0, 60.0), (False, 50.0))
        self.assertEqual(limit.check(150, 50.0, 60.5), (True, 50.0))

    def test_soft_limit_zero_seconds_closes_on_second_sight(self) -> None:
        """With ``soft_seconds`` 0 the second check a moment later closes."""
        limit = OutputBufferLimit(soft=100, soft_seconds=0)
        self.assertEqual(limit.check(100, None, 1.0), (False, 1.0))
        self.assertEqual(limit.check(100, 1.0, 1.001), (True, 1.0))

    def test_dropping_below_soft_resets(self) -> None:
        """Under the soft limit the recorded time is forgotten."""
        limit = OutputBufferLimit(soft=100, soft_seconds=10)
        self.assertEqual(limit.check(99, 50.0, 100.0), (False, None))

    def test_hard_wins_during_soft_grace(self) -> None:
        """The hard limit closes even while the soft limit's clock runs."""
        limit = OutputBufferLimit(hard=200, soft=100, soft_seconds=10)
        self.assertEqual(limit.check(200, None, 0.0), (True, 0.0))

    def test_classes_from_config(self) -> None:
        """Clients map to classes as ``getClientType`` says: monitors and masters are normal."""
        value = Config.defaults()["client-output-buffer-limit"]
        mb = 1024 * 1024
        cases = {
            "normal": OutputBufferLimit(0, 0, 0),
            "master": OutputBufferLimit(0, 0, 0),
            "replica": OutputBufferLimit(256 * mb, 64 * mb, 60),
            "pubsub": OutputBufferLimit(32 * mb, 8 * mb, 60),
        }
        for kind, expected in cases.items():
            with self.subTest(kind=kind):
                self.assertEqual(output_limit(value, kind), expected)


class IdleTimeoutTests(SynchronousTestCase):
    """``idle_expired`` mirrors ``clientsCronHandleTimeout``."""

    def setUp(self) -> None:
        self.clock = task.Clock()
        self.clock.advance(1000)
        self.server = Server(clock=self.clock)
        self.client = self.server.new_client(None)

    def test_idle_longer_than_timeout_expires(self) -> None:
        """Idle for more than ``timeout`` whole seconds: expired; exactly ``timeout``: not."""
        self.assertFalse(idle_expired(self.client, 1010.0, 10))
        self.assertTrue(idle_expired(self.client, 1011.0, 10))

    def test_zero_timeout_disables(self) -> None:
        """``timeout 0`` never expires anyone."""
        self.assertFalse(idle_expired(self.client, 10**9, 0))

    def test_exempt_clients(self) -> None:
        """MONITOR, blocked, paused, Pub/Sub, replica and master clients never time out."""
        for attribute in ("monitor", "blocked", "paused", "pubsub", "replica", "master_link"):
            with self.subTest(attribute=attribute):
                client = self.server.new_client(None)
                setattr(client, attribute, True)
                self.assertFalse(idle_expired(client, 10**9, 10))
