"""pyredisd: a Redis-compatible server daemon on Twisted."""

__version__ = "0.1.0"
