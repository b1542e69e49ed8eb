"""Memory under a client that pipelines without reading: pyredisd stays flat, redis-server grows.

Run on demand (not part of the suite)::

    python bench/memflat.py [--requests 2000000] [--value-size 10240] [--max-rss-mb 2048]

Method
------
* Both servers start on free 127.0.0.1 ports (as ``bench.py`` starts them), and one key holds a
  ``--value-size`` byte value.
* For each server in turn, one client sends ``--requests`` pipelined ``GET key`` requests and
  never reads a reply. Its socket is non-blocking: it sends while the kernel takes bytes and
  stops when everything is sent, when the server has taken nothing for ``--stall`` seconds (it
  stopped reading: backpressure), or when the server's RSS passes ``--max-rss-mb`` (a safety
  cap: redis-server buffers every reply of a normal client, 2M x 10 KB would be 20 GB).
* The server's RSS (``/proc/PID/status`` VmRSS) is sampled every ``--interval`` seconds; the
  figures printed are the RSS before, the peak, the RSS at the end, and how many requests the
  server accepted from the socket.

Expected: pyredisd stops reading once its replies back up (the transport pauses the protocol),
so its RSS stays within a few MB of where it started; redis-server keeps reading and queues
replies until the cap stops the run.
"""

from __future__ import annotations

import argparse
import shlex
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repo root, not bench/

from bench.bench import HOST, Server, free_ports, make_argv  # noqa: E402

MB = 1024 * 1024


def rss_bytes(pid: int) -> int:
    """VmRSS of ``pid`` in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def command(*args: bytes) -> bytes:
    """One request as a RESP multibulk."""
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


def call(port: int, *args: bytes) -> bytes:
    """Send one request and return the first reply chunk."""
    with socket.create_connection((HOST, port), timeout=10) as sock:
        sock.sendall(command(*args))
        return sock.recv(65536)


def flood(server: Server, args: argparse.Namespace) -> dict[str, float]:
    """Pipeline GETs into ``server`` without reading; return the memory figures."""
    call(server.port, b"SET", b"key", b"v" * args.value_size)
    request = command(b"GET", b"key")
    total = len(request) * args.requests
    chunk = request * 4096
    samples: list[tuple[float, int]] = []
    done = threading.Event()
    start_rss = rss_bytes(server.pid)

    def sample() -> None:
        while not done.is_set():
            samples.append((time.monotonic(), rss_bytes(server.pid)))
            done.wait(args.interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    sock = socket.create_connection((HOST, server.port))
    sock.setblocking(False)
    sent = 0
    last_progress = started = time.monotonic()
    reason = "all sent"
    try:
        while sent < total:
            try:
                n = sock.send(chunk[: min(len(chunk), total - sent)])
            except BlockingIOError:
                n = 0
            now = time.monotonic()
            if n:
                sent += n
                last_progress = now
            elif now - last_progress > args.stall:
                reason = f"server stopped reading for {args.stall:g}s"
                break
            else:
                time.sleep(0.005)
            if samples and samples[-1][1] > args.max_rss_mb * MB:
                reason = f"RSS cap {args.max_rss_mb} MB reached"
                break
        # Let the server settle (redis keeps reading what the kernel still holds).
        time.sleep(max(args.interval * 4, 1.0))
    finally:
        done.set()
        sampler.join()
        end_rss = rss_bytes(server.pid)
        sock.close()
    peak = max(rss for _, rss in samples) if samples else end_rss
    return {
        "requests_sent": sent / len(request),
        "seconds": time.monotonic() - started,
        "start_mb": start_rss / MB,
        "peak_mb": peak / MB,
        "end_mb": end_rss / MB,
        "growth_mb": (peak - start_rss) / MB,
        "reason": reason,  # type: ignore[dict-item]
        "samples": [(round(t - started, 2), round(r / MB, 1)) for t, r in samples],  # type: ignore[dict-item]
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2_000_000)
    parser.add_argument("--value-size", type=int, default=10 * 1024)
    parser.add_argument("--max-rss-mb", type=int, default=2048)
    parser.add_argument("--stall", type=float, default=3.0)
    parser.add_argument("--interval", type=float, default=0.25)
    parser.add_argument("--verbose", action="store_true", help="print every RSS sample")
    parser.add_argument(
        "--pyredisd-cmd",
        default=f"{shlex.quote(sys.executable)} -m pyredisd --port {{port}} --bind 127.0.0.1",
    )
    parser.add_argument(
        "--redis-cmd",
        default="redis-server --port {port} --save '' --appendonly no --bind 127.0.0.1 "
        "--daemonize no",
    )
    args = parser.parse_args(argv)
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="pyredisd-memflat-") as workdir:
        ports = free_ports(2)
        for (name, template), port in zip(
            (("pyredisd", args.pyredisd_cmd), ("redis", args.redis_cmd)), ports, strict=True
        ):
            server = Server(name, make_argv(template, port), port, workdir)
            server.start(15.0)
            try:
                results[name] = flood(server, args)
            finally:
                server.stop()
    print(f"{args.requests} pipelined GETs of a {args.value_size}-byte value, replies never read")
    print(f"{'server':<9} {'accepted':>10} {'start MB':>9} {'peak MB':>8} {'end MB':>7}  stop")
    for name, r in results.items():
        print(
            f"{name:<9} {int(r['requests_sent']):>10} {r['start_mb']:>9.1f} {r['peak_mb']:>8.1f} "
            f"{r['end_mb']:>7.1f}  {r['reason']}"
        )
        if args.verbose:
            print("   samples (s, MB):", r["samples"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
