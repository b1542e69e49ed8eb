"""The Redis version pyredisd reports (HELLO, INFO redis_version): the behaviour it follows."""

from __future__ import annotations

REDIS_VERSION = "7.4.0"
