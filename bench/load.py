"""A small, bounded HTTP load generator for loopback benchmarks and stress runs (httpx + asyncio).

Only ever points at a server this project started on 127.0.0.1; stops at a deadline or a request cap.
"""
from __future__ import annotations

import asyncio
import contextlib
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BARE_PLUGINS = ROOT / "bench" / "bare_plugins"  # the bare baseline's SQL functions, nothing else of the site
sys.path.insert(0, str(ROOT))


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    dropped: int = 0
    seconds: float = 0.0
    body_bytes: int = 0

    @property
    def requests(self) -> int:
        return len(self.latencies)

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] * 1000

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors_5xx(self) -> int:
        return sum(n for s, n in self.statuses.items() if s >= 500)


async def run_load(base: str, paths: list[str], concurrency: int, seconds: float, max_requests: int = 10**6,
                   timeout: float = 30.0) -> Stats:
    assert base.startswith(("http://127.0.0.1", "http://localhost")), "load only goes to loopback"
    stats = Stats()
    deadline = time.perf_counter() + seconds
    counter = iter(range(max_requests))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(client: httpx.AsyncClient, offset: int) -> None:
        i = offset
        while time.perf_counter() < deadline and next(counter, None) is not None:
            path = paths[i % len(paths)]
            i += 1
            t = time.perf_counter()
            try:
                r = await client.get(base + path)
                await r.aread()
                stats.latencies.append(time.perf_counter() - t)
                stats.statuses[r.status_code] = stats.statuses.get(r.status_code, 0) + 1
            except httpx.HTTPError:
                stats.dropped += 1

    started = time.perf_counter()
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
        await asyncio.gather(*(worker(client, k) for k in range(concurrency)))
    stats.seconds = time.perf_counter() - started
    return stats


async def run_load_raw(base: str, paths: list[str], concurrency: int, seconds: float, max_requests: int = 10**6,
                       timeout: float = 30.0) -> Stats:
    """The same measurement as run_load, with a minimal HTTP/1.1 keep-alive client on asyncio streams.

    httpx spends most of a loopback benchmark's CPU in the client itself, which caps what a fast server (nginx
    answering from its cache) can be shown to do on a shared 2-core machine. This client only writes a GET and
    reads the status line, the headers and the body (Content-Length or chunked); nothing else.
    """
    from urllib.parse import urlsplit
    assert base.startswith(("http://127.0.0.1", "http://localhost")), "load only goes to loopback"
    host, port = urlsplit(base).hostname, urlsplit(base).port or 80
    stats = Stats()
    deadline = time.perf_counter() + seconds
    counter = iter(range(max_requests))
    requests = [f"GET {p} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept-Encoding: identity\r\n\r\n".encode() for p in paths]

    async def one(reader, writer, request) -> int:
        writer.write(request)
        await writer.drain()
        status = int((await reader.readline()).split()[1])
        length, chunked, close = None, False, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "connection" and value == "close":
                close = True
        if chunked:
            while (size := int((await reader.readline()).strip() or b"0", 16)):
                await reader.readexactly(size + 2)
                stats.body_bytes += size
            await reader.readline()
        elif length is not None:
            stats.body_bytes += len(await reader.readexactly(length))
        else:
            stats.body_bytes += len(await reader.read())
            close = True
        return -status if close else status

    async def worker(offset: int) -> None:
        i, conn = offset, None
        while time.perf_counter() < deadline and next(counter, None) is not None:
            request = requests[i % len(requests)]
            i += 1
            t = time.perf_counter()
            try:
                if conn is None:
                    conn = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
                status = await asyncio.wait_for(one(*conn, request), timeout)
                stats.latencies.append(time.perf_counter() - t)
                stats.statuses[abs(status)] = stats.statuses.get(abs(status), 0) + 1
                if status < 0:
                    conn[1].close()
                    conn = None
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError):
                stats.dropped += 1
                if conn is not None:
                    conn[1].close()
                conn = None
        if conn is not None:
            conn[1].close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    stats.seconds = time.perf_counter() - started
    return stats


def wait_until_up(base: str, path: str = "/-/versions.json", tries: int = 200) -> None:
    """Poll a loopback server until it answers."""
    for _ in range(tries):
        try:
            urllib.request.urlopen(base + path, timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{base} did not start")


@contextlib.contextmanager
def datasette_server(db: Path, ours: bool = True, port: int = 8765, extra: list[str] | None = None):
    """Start `datasette serve` on loopback: with our metadata, plugins and templates, or bare."""
    import app as site
    exe = Path(sys.executable).with_name("datasette")
    # Bare: the same file and settings, and only the SQL functions our canned queries call (bench/bare_plugins).
    args = site.datasette_args(db) if ours else ["-i", str(db), *site.setting_args(), "--plugins-dir", str(BARE_PLUGINS)]
    proc = subprocess.Popen([str(exe), "serve", *args, "--host", "127.0.0.1", "--port", str(port), *(extra or [])],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def row(label: str, s: Stats) -> str:
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(s.statuses.items()))
    return (f"| {label} | {s.requests:,} | {s.rps:,.0f} | {s.pct(50):.1f} | {s.pct(99):.1f} | {s.errors_5xx} | "
            f"{s.dropped} | {statuses} |")


HEADER = "| run | requests | req/s | p50 ms | p99 ms | 5xx | dropped | statuses |\n|---|---|---|---|---|---|---|---|"


def median(xs):
    return statistics.median(xs) if xs else float("nan")
