"""Scale-out, simulated on loopback: Datasette replicas behind nginx as a caching reverse proxy.

    python bench/scaleout.py [--seconds 10] [--clients 32]

Measures, on the real database:
- cacheable pages repeated: nginx with a warm cache against one Datasette process served directly;
- uncached pages (the cache bypassed with ?nocache=1): two replicas behind nginx against one replica behind nginx.
Uses Debian's nginx (installed with apt when missing and running as root). Writes bench/SCALEOUT.md.
"""
import argparse
import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import HEADER, ROOT, datasette_server, row, run_load_raw, wait_until_up  # noqa: E402

PAGES = ["/", "/belarus/responses_detailed", "/belarus/responses/eu-council-2020-10-02-first-listings",
         "/belarus/search?q=sanctions", "/belarus/sanctions_by_actor", "/belarus/targets/alyaksandr-ryhorovich-lukashenka",
         "/belarus/responses.json?is_sanction=yes", "/belarus/alignment_median"]


def ensure_nginx() -> str:
    exe = shutil.which("nginx") or "/usr/sbin/nginx"
    if Path(exe).exists():
        return exe
    if os.geteuid() == 0:
        subprocess.run("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light || "
                       "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx", shell=True, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return shutil.which("nginx") or "/usr/sbin/nginx"
    raise SystemExit("nginx is not installed (apt-get install nginx)")


@contextlib.contextmanager
def nginx(exe: str, ports: list[int], listen: int):
    prefix = Path(tempfile.mkdtemp(prefix="nginx-bench-"))
    conf = (ROOT / "deploy" / "nginx.conf.template").read_text()
    conf = (conf.replace("@PORTS@", "\n".join(f"        server 127.0.0.1:{p};" for p in ports))
                .replace("@LISTEN@", f"127.0.0.1:{listen}").replace("@CACHE@", str(prefix / "cache"))
                .replace("@PREFIX@", str(prefix)))
    (prefix / "nginx.conf").write_text(conf)
    # nginx workers run unprivileged: its cache and temp folders must be theirs to write.
    prefix.chmod(0o755)
    for sub in ["cache", "body", "proxy", "fastcgi", "uwsgi", "scgi"]:
        (prefix / sub).mkdir()
        (prefix / sub).chmod(0o777)
    subprocess.run([exe, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon on;"], check=True)
    base = f"http://127.0.0.1:{listen}"
    wait_until_up(base)
    try:
        yield base
    finally:
        subprocess.run([exe, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-s", "stop"], check=False)
        time.sleep(0.5)
        shutil.rmtree(prefix, ignore_errors=True)


async def measure(base: str, paths: list[str], clients: int, seconds: float):
    # The minimal keep-alive client (bench/load.py run_load_raw): the load generator shares the two cores, and
    # httpx alone capped the cached runs at a few hundred requests per second.
    return await run_load_raw(base, paths, clients, seconds, max_requests=2_000_000)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--clients", type=int, default=32)
    a = ap.parse_args()
    exe = ensure_nginx()
    db = ROOT / "belarus.db"
    uncached = [p + ("&" if "?" in p else "?") + "nocache=1" for p in PAGES]
    results = []
    with datasette_server(db, port=8781) as one, datasette_server(db, port=8782):
        direct = asyncio.run(measure(one, PAGES, a.clients, a.seconds))
        results.append(("cacheable pages, one Datasette process, direct", direct))
        with nginx(exe, [8781], 8791) as proxy1:
            asyncio.run(measure(proxy1, PAGES, 4, 2))  # warm the cache
            cached = asyncio.run(measure(proxy1, PAGES, a.clients, a.seconds))
            results.append(("cacheable pages, nginx cache (warm)", cached))
            single = asyncio.run(measure(proxy1, uncached, a.clients, a.seconds))
            results.append(("uncached pages, nginx + 1 replica", single))
        with nginx(exe, [8781, 8782], 8792) as proxy2:
            double = asyncio.run(measure(proxy2, uncached, a.clients, a.seconds))
            results.append(("uncached pages, nginx + 2 replicas", double))
    bad = sum(s.errors_5xx + s.dropped for _, s in results)
    lines = ["# Scale-out on loopback", "",
             f"{a.clients} clients, {a.seconds:.0f} s per run, {os.cpu_count()} cores shared by nginx, the replicas and the load generator "
             "(a minimal HTTP/1.1 keep-alive client on asyncio streams, `run_load_raw` in `bench/load.py`).", "",
             HEADER] + [row(label, s) for label, s in results] + ["",
             f"- Cache: {cached.rps / direct.rps:.1f}× the throughput of one Datasette process (target ≥ 10×).",
             f"- Replicas: two replicas give {double.rps / single.rps:.2f}× one replica for uncached pages (target ≥ 1.3×).",
             f"- Errors (5xx or dropped) across all runs: {bad}.",
             f"- Bytes of response bodies read, to check the cached run did full work: {cached.body_bytes / cached.requests / 1024:,.1f} KiB "
             f"a request through the cache against {direct.body_bytes / direct.requests / 1024:,.1f} KiB direct "
             f"({cached.body_bytes / cached.seconds / 2**20:,.0f} MiB/s through the cache).", ""]
    text = "\n".join(lines)
    print(text)
    (ROOT / "bench" / "SCALEOUT.md").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
