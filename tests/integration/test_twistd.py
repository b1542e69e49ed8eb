"""pyredisd started as an operator would: ``twistd -n pyredisd``, ``twist pyredisd``,
``python -m pyredisd`` and a daemonized ``twistd``; stopped by SIGTERM or SHUTDOWN."""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

import redis

from twisted.internet import error, protocol, reactor, task, threads
from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.python.failure import Failure
from twisted.trial.unittest import TestCase

from tests.helpers import free_port, temp_dir

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TWISTD = ["-c", "from twisted.scripts.twistd import run; run()"]
READY = b"Ready to accept connections tcp"
BYE = b"pyredisd is now ready to exit, bye bye..."
TIMEOUT = 30.0


class ServerProcess(protocol.ProcessProtocol):
    """Collects a child's output; fires ``ready`` when a line contains ``marker``."""

    def __init__(self, marker: bytes = READY) -> None:
        self.marker = marker
        self.output = b""
        self.ready: Deferred[None] = Deferred()
        self.ended: Deferred[int] = Deferred()

    def childDataReceived(self, childFD: int, data: bytes) -> None:  # noqa: N803
        self.output += data
        if not self.ready.called and self.marker in self.output:
            self.ready.callback(None)

    def processEnded(self, reason: Failure) -> None:
        """Fire ``ended`` with the exit code, or minus the signal that ended the process."""
        value = reason.value
        if isinstance(value, error.ProcessDone):
            code = 0
        else:
            assert isinstance(value, error.ProcessTerminated)
            code = value.exitCode if value.exitCode is not None else -value.signal
        if not self.ready.called:
            self.ready.errback(RuntimeError(f"exited ({code}) before ready:\n{self.output!r}"))
        self.ended.callback(code)


class OperatorTests(TestCase):
    """Start, use and stop a real server process."""

    timeout = 120

    def spawn(self, *args: str, marker: bytes = READY) -> ServerProcess:
        """Run ``python args...`` from the repository root; killed at cleanup if still alive."""
        child = ServerProcess(marker)
        child.ready.addTimeout(TIMEOUT, reactor)
        transport = reactor.spawnProcess(
            child, sys.executable, [sys.executable, *args], env=dict(os.environ), path=REPO
        )

        def kill() -> Deferred[int] | None:
            if child.ended.called:
                return None
            transport.signalProcess("KILL")
            return child.ended

        self.addCleanup(kill)
        return child

    def client(self, port: int) -> redis.Redis:
        """A redis-py client for ``127.0.0.1:port``, closed at cleanup."""
        client = redis.Redis(host="127.0.0.1", port=port, decode_responses=True)
        self.addCleanup(client.close)
        return client

    @inlineCallbacks
    def ended_within(self, child: ServerProcess) -> Any:
        """Wait (bounded) for ``child`` to exit and return its exit code."""
        child.ended.addTimeout(TIMEOUT, reactor)
        code = yield child.ended
        return code

    @inlineCallbacks
    def check_sigterm(self, *args: str, status: int = 0) -> Any:
        """Start ``args`` on a free port, use it, SIGTERM it, expect ``status`` and the goodbye."""
        port = free_port()
        child = self.spawn(*args, "--port", str(port), "--bind", "127.0.0.1")
        yield child.ready
        r = self.client(port)
        self.assertEqual((yield threads.deferToThread(r.set, "k", "v")), True)
        self.assertEqual((yield threads.deferToThread(r.get, "k")), "v")
        r.close()
        child.transport.signalProcess("TERM")  # type: ignore[union-attr]
        self.assertEqual((yield self.ended_within(child)), status, child.output)
        self.assertIn(BYE, child.output)

    def test_twistd_nodaemon_sigterm(self) -> Any:
        """``twistd -n pyredisd`` serves until SIGTERM, shuts down cleanly, and (as Twisted
        does after a clean stop on a signal) re-raises SIGTERM as its exit status."""
        return self.check_sigterm(*TWISTD, "-n", "--pidfile=", "pyredisd", status=-signal.SIGTERM)

    def test_twist_sigterm(self) -> Any:
        """``python -m twisted pyredisd`` (twist) serves until SIGTERM and shuts down cleanly."""
        return self.check_sigterm(
            "-m", "twisted", "--log-format=text", "pyredisd", status=-signal.SIGTERM
        )

    def test_python_m_pyredisd_sigterm(self) -> Any:
        """``python -m pyredisd --port N`` serves until SIGTERM, then exits 0."""
        return self.check_sigterm("-m", "pyredisd")

    @inlineCallbacks
    def test_python_m_pyredisd_shutdown_command(self) -> Any:
        """SHUTDOWN from redis-py stops ``python -m pyredisd`` with exit code 0."""
        port = free_port()
        child = self.spawn("-m", "pyredisd", "--port", str(port), "--bind", "127.0.0.1")
        yield child.ready
        r = self.client(port)
        self.assertEqual((yield threads.deferToThread(r.ping)), True)
        yield threads.deferToThread(r.shutdown)
        self.assertEqual((yield self.ended_within(child)), 0, child.output)
        self.assertIn(b"User requested shutdown...", child.output)
        self.assertIn(BYE, child.output)

    @inlineCallbacks
    def test_python_m_pyredisd_bad_config_exits_1(self) -> Any:
        """A bad directive makes ``python -m pyredisd`` exit 1 with the FATAL block."""
        child = self.spawn("-m", "pyredisd", "--port", "0", "--foo", "bar", marker=b"FATAL")
        yield child.ready
        self.assertEqual((yield self.ended_within(child)), 1)
        self.assertIn(b"*** FATAL CONFIG FILE ERROR", child.output)

    @inlineCallbacks
    def test_twistd_daemon(self) -> Any:
        """``twistd --pidfile P --logfile L pyredisd`` daemonizes; SIGTERM to the pid stops it."""
        directory = temp_dir(self)
        pidfile = os.path.join(directory, "twistd.pid")
        logfile = os.path.join(directory, "twistd.log")
        port = free_port()
        launcher = self.spawn(
            *TWISTD,
            "--pidfile",
            pidfile,
            "--logfile",
            logfile,
            "pyredisd",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            marker=b"\0never\0",
        )
        launcher.ready.addErrback(lambda _: None)  # it exits without printing anything
        self.assertEqual((yield self.ended_within(launcher)), 0, launcher.output)
        yield self.poll(lambda: os.path.exists(pidfile) and READY in read(logfile))
        with open(pidfile) as handle:
            pid = int(handle.read().strip())
        self.addCleanup(kill_if_alive, pid)
        r = self.client(port)
        self.assertEqual((yield threads.deferToThread(r.ping)), True)
        r.close()
        os.kill(pid, signal.SIGTERM)
        yield self.poll(lambda: not alive(pid))
        self.assertIn(BYE, read(logfile))
        self.assertFalse(os.path.exists(pidfile))

    @inlineCallbacks
    def poll(self, condition: Any, interval: float = 0.05) -> Any:
        """Wait until ``condition()`` holds for an external process, checking a bounded number
        of times."""
        for _ in range(int(TIMEOUT / interval)):
            if condition():
                return
            yield task.deferLater(reactor, interval, lambda: None)
        self.fail("condition not met in time")


def read(path: str) -> bytes:
    """The contents of ``path``, or nothing if it does not exist yet."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return b""


def alive(pid: int) -> bool:
    """Whether ``pid`` is a running (not zombie) process."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def kill_if_alive(pid: int) -> None:
    """Cleanup for a daemon the test started: SIGKILL it if it is still running."""
    if alive(pid):
        os.kill(pid, signal.SIGKILL)
