"""Benchmark pyredisd against a real redis-server, side by side, in one run.

Method
------
* Both servers are started on free 127.0.0.1 ports (each in its own session) and polled with a
  TCP connect + ``PING`` until they answer.  They run in a scratch directory so nothing is
  written into the repo; the repo root is put on ``PYTHONPATH`` so ``-m pyredisd`` resolves.
* ``redis-benchmark --csv`` is run once per (round, pipeline level, test, target), one test per
  invocation so that CPU time can be attributed to a single test.  Within a round the two
  targets run back to back for each cell (redis, pyredisd, redis, pyredisd, ...) so that
  machine noise hits both alike.
* Server CPU time is utime+stime (fields 14 and 15 of ``/proc/PID/stat``, all threads, in clock
  ticks) read just before and just after each invocation; CPU µs/request is
  ``delta_seconds / requests * 1e6``.  The clock-tick granularity (usually 10 ms) means
  ``-n`` must be large enough for the delta to span many ticks.
* For every cell the median over rounds is reported, with the spread ``max/min - 1`` so that
  noise is visible.  ``ratio`` is pyredisd rps / redis rps; ``eff`` is redis µs/req divided by
  pyredisd µs/req (1.0 = as CPU-efficient as redis).  A geomean over GET/SET/INCR is given.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
TARGETS = ("redis", "pyredisd")
DEFAULT_TESTS = "ping_inline,ping_mbulk,set,get,incr,lpush,hset"
GEOMEAN_TESTS = ("set", "get", "incr")
REPO_ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_ports(count: int) -> list[int]:
    """Bind ``count`` sockets to 127.0.0.1:0 at once (so ports are distinct), then close."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for s in socks:
            s.bind((HOST, 0))
        return [int(s.getsockname()[1]) for s in socks]
    finally:
        for s in socks:
            s.close()


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all threads), in seconds, from /proc/PID/stat."""
    data = Path(f"/proc/{pid}/stat").read_text()
    rest = data[data.rindex(")") + 2 :].split()  # rest[0] is field 3 (state)
    return (int(rest[14 - 3]) + int(rest[15 - 3])) / CLK_TCK


@dataclass
class Server:
    name: str
    argv: list[str]
    port: int
    workdir: str
    proc: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return Path(self.workdir) / f"{self.name}.log"

    def start(self, timeout: float) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        with self.log.open("wb") as log:  # the child keeps its own copy of the fd
            self.proc = subprocess.Popen(
                self.argv,
                cwd=self.workdir,
                env=env,
                stdout=log,
                stdin=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (rc := self.proc.poll()) is not None:
                raise RuntimeError(f"{self.name} exited with {rc}:\n{self.tail()}")
            if ping(self.port):
                return
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} not answering PING after {timeout}s:\n{self.tail()}")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} died:\n{self.tail()}")

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""

    def stop(self, grace: float = 5.0) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(grace)


def ping(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1.0) as s:
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def parse_csv(text: str) -> dict[str, float]:
    """Map test name -> rps; tolerates a header line being present or absent."""
    out: dict[str, float] = {}
    for row in csv.reader(line for line in text.splitlines() if line.strip()):
        if len(row) < 2:
            continue
        try:
            out[row[0].strip()] = float(row[1])
        except ValueError:
            continue  # header ("test","rps",...) or stray text
    return out


@dataclass
class Sample:
    rps: float
    cpu_us: float


@dataclass
class Results:
    raw: list[dict[str, Any]] = field(default_factory=list)
    cells: dict[tuple[str, int, str], list[Sample]] = field(default_factory=dict)


def run_one(srv: Server, test: str, pipeline: int, args: argparse.Namespace) -> Sample:
    cmd = [
        "redis-benchmark",
        "-h",
        HOST,
        "-p",
        str(srv.port),
        "-t",
        test,
        "-c",
        str(args.clients),
        "-n",
        str(args.requests),
        "-r",
        "100000",
        "-P",
        str(pipeline),
        "--csv",
        "-q",
    ]
    before = cpu_seconds(srv.pid)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.run_timeout)
    after = cpu_seconds(srv.pid)
    srv.alive()
    rows = parse_csv(proc.stdout)
    if len(rows) != 1:
        rows = {k: v for k, v in rows.items() if k.split()[0].lower() == test.lower()}
    if proc.returncode != 0 or len(rows) != 1:
        raise RuntimeError(
            f"redis-benchmark failed ({srv.name}, {test}, -P {pipeline}): "
            f"rc={proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        )
    return Sample(next(iter(rows.values())), (after - before) / args.requests * 1e6)


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else math.nan


def spread(xs: list[float]) -> float:
    return max(xs) / min(xs) - 1 if xs and min(xs) > 0 else math.nan


def div(a: float, b: float) -> float:
    return a / b if b > 0 and not math.isnan(a) else math.nan


def geomean(xs: list[float]) -> float:
    ok = [x for x in xs if x > 0 and math.isfinite(x)]
    return math.exp(sum(map(math.log, ok)) / len(ok)) if ok and len(ok) == len(xs) else math.nan


def summarize(res: Results, tests: list[str], pipelines: list[int]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for p in pipelines:
        for t in tests:
            row: dict[str, Any] = {"pipeline": p, "test": t}
            for tgt in TARGETS:
                samples = res.cells.get((tgt, p, t), [])
                rps, cpu = [s.rps for s in samples], [s.cpu_us for s in samples]
                row |= {
                    f"{tgt}_rps": median(rps),
                    f"{tgt}_rps_spread": spread(rps),
                    f"{tgt}_cpu_us": median(cpu),
                    f"{tgt}_cpu_spread": spread(cpu),
                }
            row["ratio"] = div(row["pyredisd_rps"], row["redis_rps"])
            row["efficiency"] = div(row["redis_cpu_us"], row["pyredisd_cpu_us"])
            rows.append(row)
    return rows


def pct(x: float) -> str:
    return "   n/a" if math.isnan(x) else f"{x * 100:5.1f}%"


def print_table(rows: list[dict[str, Any]], pipelines: list[int]) -> dict[str, dict[str, float]]:
    head = (
        f"{'test':<12} {'redis rps':>11} {'±':>6} {'pyredisd rps':>12} {'±':>6} {'ratio':>6}"
        f" | {'redis µs/req':>12} {'±':>6} {'pyrd µs/req':>11} {'±':>6} {'eff':>6}"
    )
    geo: dict[str, dict[str, float]] = {}
    for p in pipelines:
        print(f"\n=== pipeline -P {p} ===\n{head}\n{'-' * len(head)}")
        prow = [r for r in rows if r["pipeline"] == p]
        for r in prow:
            print(
                f"{r['test']:<12} {r['redis_rps']:>11.0f} {pct(r['redis_rps_spread'])}"
                f" {r['pyredisd_rps']:>12.0f} {pct(r['pyredisd_rps_spread'])} {r['ratio']:>6.3f}"
                f" | {r['redis_cpu_us']:>12.2f} {pct(r['redis_cpu_spread'])}"
                f" {r['pyredisd_cpu_us']:>11.2f} {pct(r['pyredisd_cpu_spread'])}"
                f" {r['efficiency']:>6.3f}"
            )
        sel = [r for r in prow if r["test"].lower() in GEOMEAN_TESTS]
        if sel:
            g = {
                "ratio": geomean([r["ratio"] for r in sel]),
                "efficiency": geomean([r["efficiency"] for r in sel]),
            }
            geo[str(p)] = g
            names = "/".join(r["test"].upper() for r in sel)
            print(f"geomean {names}: rps ratio {g['ratio']:.3f}, efficiency {g['efficiency']:.3f}")
    return geo


def clean(obj: Any) -> Any:
    """NaN/inf -> None so the JSON file is strict JSON."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [clean(v) for v in obj]
    return obj


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--tests", default=DEFAULT_TESTS, help="comma-separated redis-benchmark -t")
    ap.add_argument("-c", "--clients", type=int, default=50)
    ap.add_argument("-n", "--requests", type=int, default=200_000, help="requests per test run")
    ap.add_argument("--pipelines", default="1,16", help="comma-separated -P levels")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument(
        "--pyredisd-cmd",
        default=f"{shlex.quote(sys.executable)} -m pyredisd "
        "--port {port} --save '' --bind 127.0.0.1",
        help="command line for pyredisd; {port} is substituted, else --port N appended",
    )
    ap.add_argument(
        "--redis-cmd",
        default="redis-server --port {port} --save '' "
        "--appendonly no --bind 127.0.0.1 --daemonize no",
    )
    ap.add_argument("--start-timeout", type=float, default=15.0)
    ap.add_argument("--run-timeout", type=float, default=600.0, help="per redis-benchmark run")
    ap.add_argument("--json", metavar="FILE", help="write raw and median figures here")
    return ap.parse_args(argv)


def make_argv(template: str, port: int) -> list[str]:
    if "{port}" in template:
        return shlex.split(template.replace("{port}", str(port)))
    return [*shlex.split(template), "--port", str(port)]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tests = [t.strip() for t in args.tests.split(",") if t.strip()]
    pipelines = [int(p) for p in args.pipelines.split(",")]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the finally below runs
    res = Results()
    servers: dict[str, Server] = {}
    with tempfile.TemporaryDirectory(prefix="pyredisd-bench-") as workdir:
        try:
            for name, port in zip(TARGETS, free_ports(len(TARGETS)), strict=True):
                tmpl = args.redis_cmd if name == "redis" else args.pyredisd_cmd
                servers[name] = Server(name, make_argv(tmpl, port), port, workdir)
                servers[name].start(args.start_timeout)
                print(
                    f"{name}: pid {servers[name].pid} port {port}: "
                    f"{shlex.join(servers[name].argv)}",
                    file=sys.stderr,
                )
            for rnd in range(args.rounds):
                for p in pipelines:
                    for t in tests:
                        for name in TARGETS:
                            s = run_one(servers[name], t, p, args)
                            res.cells.setdefault((name, p, t), []).append(s)
                            res.raw.append(
                                {
                                    "round": rnd,
                                    "target": name,
                                    "pipeline": p,
                                    "test": t,
                                    "rps": s.rps,
                                    "cpu_us_per_req": s.cpu_us,
                                }
                            )
                            print(
                                f"round {rnd + 1}/{args.rounds} -P {p:<3} {t:<12} {name:<9}"
                                f" {s.rps:>11.0f} rps {s.cpu_us:>8.2f} µs/req",
                                file=sys.stderr,
                            )
        finally:
            for srv in servers.values():
                srv.stop()
    rows = summarize(res, tests, pipelines)
    geo = print_table(rows, pipelines)
    if args.json:
        config = {k: v for k, v in vars(args).items() if k != "json"}
        doc = {"config": config, "raw": res.raw, "median": rows, "geomean": geo}
        Path(args.json).write_text(json.dumps(clean(doc), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
