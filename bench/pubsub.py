"""Pub/Sub fan-out: PUBLISH throughput to 1, 10 and 100 subscribers, pyredisd vs redis-server.

Method
------
* Both servers start on free 127.0.0.1 ports in a scratch directory (``-m pyredisd`` with the
  running interpreter, and ``redis-server``), with the ``pubsub`` output-buffer limit lifted so
  a subscriber that lags is never cut off.
* For each fan-out N, N raw-socket subscribers SUBSCRIBE to one channel; one thread drains
  them all with ``selectors`` and counts bytes (every message has the same encoding, so bytes
  tell messages). The main thread publishes M messages in pipelined batches of ``--batch``,
  reading each batch's replies (and checking each reached N subscribers).
* The clock runs from the first PUBLISH to the last byte at the last subscriber. Reported:
  messages/s (published), deliveries/s (messages x N), and the server's CPU µs per delivery
  (utime+stime from ``/proc/PID/stat``; Linux only). Targets alternate per cell and the median
  over ``--rounds`` is shown.

Run on demand: ``python bench/pubsub.py [--messages 20000] [--fanout 1,10,100] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import os
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HOST = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
CHANNEL = b"bench"


def command(*args: bytes) -> bytes:
    """One RESP multibulk request."""
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds."""
    data = Path(f"/proc/{pid}/stat").read_text()
    rest = data[data.rindex(")") + 2 :].split()
    return (int(rest[11]) + int(rest[12])) / CLK_TCK


def read_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("server closed the connection")
        data += chunk
    return data


class Target:
    """A server process under test."""

    def __init__(self, name: str, argv: list[str], port: int, workdir: str) -> None:
        self.name, self.argv, self.port = name, argv, port
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        self.proc = subprocess.Popen(
            argv,
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection((HOST, port), timeout=1) as sock:
                    sock.sendall(command(b"CONFIG", b"SET", b"client-output-buffer-limit",
                                         b"pubsub 0 0 0"))  # fmt: skip
                    if read_exactly(sock, 5) == b"+OK\r\n":
                        return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{name} did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)


def run_cell(
    target: Target, fanout: int, messages: int, payload: bytes, batch: int
) -> tuple[float, float]:
    """Publish ``messages`` to ``fanout`` subscribers: elapsed seconds, server CPU seconds."""
    message = b"*3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (
        len(CHANNEL),
        CHANNEL,
        len(payload),
        payload,
    )
    confirm = b"*3\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n:1\r\n" % (len(CHANNEL), CHANNEL)
    subs = []
    for _ in range(fanout):
        sock = socket.create_connection((HOST, target.port))
        sock.sendall(command(b"SUBSCRIBE", CHANNEL))
        if read_exactly(sock, len(confirm)) != confirm:
            raise RuntimeError("unexpected SUBSCRIBE reply")
        subs.append(sock)
    expected = len(message) * messages
    done = threading.Event()

    def drain() -> None:
        selector = selectors.DefaultSelector()
        left = {}
        for sock in subs:
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ)
            left[sock] = expected
        while left:
            for key, _ in selector.select(timeout=30):
                sock = key.fileobj  # type: ignore[assignment]
                chunk = sock.recv(1 << 20)
                if not chunk:
                    raise ConnectionError("subscriber dropped")
                left[sock] -= len(chunk)
                if left[sock] <= 0:
                    selector.unregister(sock)
                    del left[sock]
        done.set()

    reader = threading.Thread(target=drain, daemon=True)
    publisher = socket.create_connection((HOST, target.port))
    request = command(b"PUBLISH", CHANNEL, payload)
    reply = b":%d\r\n" % fanout
    cpu0 = cpu_seconds(target.proc.pid)
    reader.start()
    start = time.perf_counter()
    sent = 0
    while sent < messages:
        count = min(batch, messages - sent)
        publisher.sendall(request * count)
        if read_exactly(publisher, len(reply) * count) != reply * count:
            raise RuntimeError("unexpected PUBLISH reply")
        sent += count
    if not done.wait(120):
        raise RuntimeError("subscribers did not receive everything")
    elapsed = time.perf_counter() - start
    cpu = cpu_seconds(target.proc.pid) - cpu0
    publisher.close()
    for sock in subs:
        sock.close()
    return elapsed, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=20000, help="messages per cell")
    parser.add_argument("--fanout", default="1,10,100")
    parser.add_argument("--payload", type=int, default=16, help="payload bytes")
    parser.add_argument("--batch", type=int, default=100, help="PUBLISH pipeline depth")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    redis = shutil.which("redis-server")
    if redis is None:
        print("redis-server is not on PATH", file=sys.stderr)
        return 1
    payload = b"x" * args.payload
    fanouts = [int(n) for n in args.fanout.split(",")]
    common = ["--bind", HOST, "--save", ""]
    results: dict[tuple[str, int], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="pyredisd-bench-") as workdir:
        targets: list[Target] = []
        try:
            for name, base in (
                ("redis", [redis, "--appendonly", "no"]),
                ("pyredisd", [sys.executable, "-m", "pyredisd"]),
            ):
                port = free_port()
                targets.append(Target(name, [*base, "--port", str(port), *common], port, workdir))
            for _ in range(args.rounds):
                for fanout in fanouts:
                    for target in targets:
                        cell = run_cell(target, fanout, args.messages, payload, args.batch)
                        results.setdefault((target.name, fanout), []).append(cell)
        finally:
            for target in targets:
                target.stop()
    print(
        f"{args.messages} messages of {args.payload} bytes, PUBLISH pipelined by {args.batch}, "
        f"median of {args.rounds} rounds"
    )
    print(f"{'target':<9} {'subs':>5} {'msgs/s':>10} {'deliveries/s':>13} {'cpu µs/deliv':>13}")
    for fanout in fanouts:
        for name in ("redis", "pyredisd"):
            cells = results[(name, fanout)]
            elapsed = statistics.median(e for e, _ in cells)
            cpu = statistics.median(c for _, c in cells)
            rate = args.messages / elapsed
            print(
                f"{name:<9} {fanout:>5} {rate:>10.0f} {rate * fanout:>13.0f} "
                f"{cpu / (args.messages * fanout) * 1e6:>13.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
