"""Bytes per key: pyredisd against a real redis-server, side by side, in one run.

Method
------
For each dataset and each target a fresh server is started (``bench.py``'s ``Server``: free
127.0.0.1 port, scratch directory), its RSS (``/proc/PID/statm``) and INFO ``used_memory`` are
read, the dataset is loaded over one connection in pipelined batches of raw RESP, and both are
read again. ``RSS/key`` is the RSS delta divided by the number of keys (members for the sorted
set); ``used/key`` the INFO used_memory delta (Redis: its allocator's count; pyredisd: its
estimate, so ``est/RSS`` says how honest the estimate is). ``ratio`` is pyredisd RSS/key over
redis RSS/key.

Datasets (``--count`` N, default 1,000,000):

* ``strings``: N keys ``key:<i>`` holding ``value:<i>`` (SET);
* ``hashes``: N keys ``hash:<i>`` with 5 fields ``f0..f4`` of 8-byte values (HSET);
* ``zset``: one sorted set with N members ``member:<i>`` scored ``i`` (ZADD, 1000 a command).

Run on demand (it takes a few minutes and ~2 GB): ``python bench/memkeys.py [--count N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repo root, not bench/

from bench.bench import HOST, Server, free_ports, make_argv  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")
BATCH = 10_000  # requests per pipelined write


def rss(pid: int) -> int:
    """Resident set size of ``pid``."""
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE


def resp(*args: bytes) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        out.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
    return b"".join(out)


class Conn:
    """A blocking connection that sends pipelined batches and reads one-line replies."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection((HOST, port))

    def pipeline(self, requests: list[bytes]) -> None:
        """Send ``requests`` at once and read their one-line replies (+OK, :n)."""
        self.sock.sendall(b"".join(requests))
        lines = 0
        while lines < len(requests):
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise RuntimeError("server closed the connection")
            if chunk.startswith(b"-") or b"\n-" in chunk:  # an error reply
                raise RuntimeError(chunk.decode(errors="replace")[:200])
            lines += chunk.count(b"\r\n")
        assert lines == len(requests), "a reply of more than one line"

    def info_int(self, field: str) -> int:
        """One integer field of INFO memory (nothing else may be in flight)."""
        self.sock.sendall(resp(b"INFO", b"memory"))
        buf = b""
        while (
            b"\r\n" not in buf
            or len(buf) < buf.index(b"\r\n") + 2 + int(buf[1 : buf.index(b"\r\n")]) + 2
        ):
            buf += self.sock.recv(1 << 20)
        for line in buf.decode().split("\r\n"):
            if line.startswith(field + ":"):
                return int(line.split(":", 1)[1])
        raise KeyError(field)

    def close(self) -> None:
        self.sock.close()


def strings(count: int) -> Iterator[bytes]:
    for i in range(count):
        yield resp(b"SET", b"key:%d" % i, b"value:%d" % i)


def hashes(count: int) -> Iterator[bytes]:
    for i in range(count):
        fields: list[bytes] = []
        for f in range(5):
            fields += [b"f%d" % f, b"v%07d" % (i % 10_000_000)]
        yield resp(b"HSET", b"hash:%d" % i, *fields)


def zset(count: int) -> Iterator[bytes]:
    for start in range(0, count, 1000):
        pairs: list[bytes] = []
        for i in range(start, min(start + 1000, count)):
            pairs += [b"%d" % i, b"member:%d" % i]
        yield resp(b"ZADD", b"z", *pairs)


DATASETS: dict[str, Callable[[int], Iterator[bytes]]] = {
    "strings": strings,
    "hashes": hashes,
    "zset": zset,
}


def measure(srv: Server, dataset: str, count: int) -> dict[str, float]:
    conn = Conn(srv.port)
    try:
        rss0, used0 = rss(srv.pid), conn.info_int("used_memory")
        start = time.monotonic()
        batch: list[bytes] = []
        for request in DATASETS[dataset](count):
            batch.append(request)
            if len(batch) == BATCH:
                conn.pipeline(batch)
                batch = []
        if batch:
            conn.pipeline(batch)
        seconds = time.monotonic() - start
        rss1, used1 = rss(srv.pid), conn.info_int("used_memory")
    finally:
        conn.close()
    return {
        "rss_per_key": (rss1 - rss0) / count,
        "used_per_key": (used1 - used0) / count,
        "load_seconds": seconds,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--count", type=int, default=1_000_000)
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument(
        "--pyredisd-cmd",
        default=f"{shlex.quote(sys.executable)} -m pyredisd "
        "--port {port} --save '' --bind 127.0.0.1",
    )
    ap.add_argument(
        "--redis-cmd",
        default="redis-server --port {port} --save '' "
        "--appendonly no --bind 127.0.0.1 --daemonize no",
    )
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args(argv)
    results: dict[str, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="pyredisd-memkeys-") as workdir:
        for dataset in args.datasets.split(","):
            for name in ("redis", "pyredisd"):
                (port,) = free_ports(1)
                template = args.redis_cmd if name == "redis" else args.pyredisd_cmd
                srv = Server(name, make_argv(template, port), port, workdir)
                srv.start(30.0)
                try:
                    results.setdefault(dataset, {})[name] = measure(srv, dataset, args.count)
                finally:
                    srv.stop()
                row = results[dataset][name]
                print(
                    f"{dataset:<8} {name:<9} RSS/key {row['rss_per_key']:8.1f}"
                    f"  used/key {row['used_per_key']:8.1f}  load {row['load_seconds']:6.1f}s",
                    file=sys.stderr,
                )
    head = (
        f"{'dataset':<8} {'redis RSS/key':>13} {'redis used/key':>14} {'pyrd RSS/key':>12}"
        f" {'pyrd est/key':>12} {'ratio':>6} {'est/RSS':>7}"
    )
    print(f"\n{args.count} keys (members for zset)\n{head}\n{'-' * len(head)}")
    for dataset, rows in results.items():
        redis, ours = rows["redis"], rows["pyredisd"]
        print(
            f"{dataset:<8} {redis['rss_per_key']:>13.1f} {redis['used_per_key']:>14.1f}"
            f" {ours['rss_per_key']:>12.1f} {ours['used_per_key']:>12.1f}"
            f" {ours['rss_per_key'] / redis['rss_per_key']:>6.2f}"
            f" {ours['used_per_key'] / ours['rss_per_key']:>7.2f}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
