"""make stress: the real site under load and abuse on loopback, bounded in time and request count.

1. 64 connections for --seconds over a mix of pages, then the same mix while 3 clients send pathological SQL.
2. Issue 16: the landing page measured by one reader while 10 clients, in a separate process, loop on
   (a) heavy functions (printf with a huge precision, recursive json_set, string doubling, huge blobs, 1,000 rows
   of large values, trim by a huge set of characters, the same through _where=) and (b) an error flood (404s, malformed parameters). The server's
   memory (RSS) is sampled throughout and again after it has been idle a few seconds.
The server runs from .venv, the runtime environment `make serve` uses (no dev packages), when it exists.

    python bench/stress.py [--seconds 60] [--connections 64] [--abuse-seconds 20] [--only abuse]
"""
import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import HEADER, ROOT, Stats, datasette_server, row, run_load, run_load_raw, wait_until_up  # noqa: E402

MIX = [
    "/", "/belarus/responses_detailed", "/belarus/responses?_facet=response_type",
    "/belarus/responses/eu-council-2020-10-02-first-listings", "/belarus/targets/alyaksandr-ryhorovich-lukashenka",
    "/belarus/search?q=sanctions", "/belarus/search?q=Лукашенко", "/belarus/target_history?name=Lukashenka",
    "/belarus/responses_over_time.json", "/belarus/sanctions_by_actor", "/belarus/alignment_median",
    "/belarus/responses.csv?is_sanction=yes", "/belarus/responses.json?_search=potash", "/belarus/feed_latest.atom",
    "/-/tiles/basemap/3/4/2.png", "/downloads",
]


def sql(s: str, fmt: str = "json") -> str:
    return f"/belarus.{fmt}?" + urllib.parse.urlencode({"sql": s})


ATTACKS = [
    sql("select count(*) from responses a, responses b, responses c, sources d"),
    sql("with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"),
    sql("select length(group_concat(a.description || b.description)) from responses a, responses b, responses c"),
]
HEAVY_SQL = [
    "select length(printf('%.*c', 1000000000, 'x'))",
    "with recursive r(i, s) as (select 1, '\"x\"' union all select i + 1, json_set('{}', '$.a', json(s), '$.b', "
    "json(s)) from r where i < 40) select length(s) from r order by i desc limit 1",
    "with recursive r(i, s) as (select 1, 'xx' union all select i + 1, s || s from r where i < 40) "
    "select length(s) from r order by i desc limit 1",
    "select length(zeroblob(1000000000))",
    "with recursive r(i) as (select 1 union all select i + 1 from r where i < 1000) "
    "select i, replace(hex(zeroblob(500000)), '0', 'x') from r",
    "with recursive r(i) as (select 1 union all select i + 1 from r where i < 1000) "
    "select i, replace(hex(zeroblob(100000)), '0', 'x') from r",
    "select length(trim(replace(hex(zeroblob(100000)), '0', 'x'), replace(hex(zeroblob(14000)), '0', 'y') || 'x'))",
]
HEAVY = ([sql(s) for s in HEAVY_SQL] + [sql(HEAVY_SQL[4], "csv")] +
         ["/belarus/responses.json?" + urllib.parse.urlencode({"_where": f"({s}) > 0"}) for s in HEAVY_SQL[:3]] +
         ["/belarus/responses?" + urllib.parse.urlencode({"_where": f"({HEAVY_SQL[0]}) > 0", "_facet": "actor_id"})])
ERRORS = [
    "/nope", "/a/b/c/d", "/belarus/responses/x/y", "/-/tiles/basemap/0/0/0.jpg", "/belarus/no-such-table",
    "/-/tiles/basemap/99999999999999999999/1/1.png", "/belarus/responses.json?targets_count__gt=" + "9" * 30,
    "/belarus/responses?_through=notjson", "/belarus/responses?_facet={x", "/belarus/actor_summary.json?_next=" + "9" * 30,
    "/belarus/responses?_sort=nope", "/belarus.json?sql=select+nope", "/belarus/responses.json?_where=1=1)--",
]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextlib.contextmanager
def runtime_server(db: Path, port: int):
    """`datasette serve` with our settings, from the runtime environment; yields (base URL, pid)."""
    import app as site
    exe = ROOT / ".venv" / "bin" / "datasette"
    if not exe.exists():
        exe = Path(sys.executable).with_name("datasette")
    log = open(f"/tmp/stress-server-{port}.log", "w")
    proc = subprocess.Popen([str(exe), "serve", *site.datasette_args(db), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=log, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base)
        yield base, proc.pid, exe
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


class RssSampler:
    def __init__(self, pid: int):
        self.pid, self.peak, self.running = pid, 0.0, True
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.1)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()


def attack_process(base: str, kind: str, clients: int, seconds: float) -> subprocess.Popen:
    """The attackers in their own process, so the reader's measurement shares no event loop with them."""
    return subprocess.Popen([sys.executable, __file__, "--attack", kind, "--base", base, "--clients", str(clients),
                             "--abuse-seconds", str(seconds)], stdout=subprocess.PIPE, text=True)


async def attack(base: str, kind: str, clients: int, seconds: float) -> None:
    paths = {"heavy": HEAVY, "errors": ERRORS}[kind]
    s = await run_load_raw(base, paths, clients, seconds, max_requests=100_000, timeout=30)
    print(json.dumps({"latencies": s.latencies, "statuses": s.statuses, "dropped": s.dropped, "seconds": s.seconds}))


def stats_from(out: str) -> Stats:
    d = json.loads(out)
    return Stats(latencies=d["latencies"], statuses={int(k): v for k, v in d["statuses"].items()},
                 dropped=d["dropped"], seconds=d["seconds"])


async def abuse(seconds: float, clients: int = 10) -> int:
    db = ROOT / "belarus.db"
    lines, ok = [], True
    with runtime_server(db, 8767) as (base, pid, exe):
        await run_load(base, MIX, 2, 3)  # warm up
        await asyncio.sleep(1)
        start = rss_mb(pid)
        with RssSampler(pid) as sampler:
            alone = await run_load(base, ["/"], 1, seconds / 2, max_requests=20_000)
            lines.append(("landing page, one reader, nothing else", alone, None))
            for kind, label in [("heavy", "heavy functions"), ("errors", "error flood")]:
                proc = attack_process(base, kind, clients, seconds)
                await asyncio.sleep(0.5)
                reader = await run_load(base, ["/"], 1, seconds - 1, max_requests=20_000)
                out, _ = proc.communicate(timeout=seconds + 60)
                attackers = stats_from(out)
                lines.append((f"landing page while {clients} clients send {label}", reader, attackers))
                ok &= reader.pct(95) < 200 and reader.errors_5xx == 0 and attackers.errors_5xx == 0
        await asyncio.sleep(5)
        end = rss_mb(pid)
    print(f"\nAbuse (issue 16): server from {exe.parent.parent.name}, one reader on the landing page, "
          f"{clients} attackers in another process, {seconds:.0f} s per case, loopback\n")
    print("| run | reader requests | p50 ms | p95 ms | p99 ms | attacker requests | attacker statuses | attacker p95 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for label, r, a in lines:
        astat = ", ".join(f"{k}: {v}" for k, v in sorted(a.statuses.items())) if a else "-"
        print(f"| {label} | {r.requests:,} | {r.pct(50):.1f} | {r.pct(95):.1f} | {r.pct(99):.1f} | "
              f"{a.requests if a else '-'} | {astat} | {a.pct(95) if a else float('nan'):.1f} |")
    print(f"\nserver RSS: {start:.0f} MB at start, {sampler.peak:.0f} MB at peak, {end:.0f} MB after 5 s idle "
          f"({end / start:.2f}x the start)")
    log = Path("/tmp/stress-server-8767.log").read_text(errors="replace")
    print(f"server log /tmp/stress-server-8767.log: {log.count('Traceback')} tracebacks, "
          f"{sum(' 500 ' in line for line in log.splitlines())} responses 500")
    ok &= sampler.peak < 512 and end < 2 * start
    print("PASS" if ok else "FAIL", "(landing p95 < 200 ms under each attack, no 5xx, RSS < 512 MB, back within 2x)")
    return 0 if ok else 1


async def main(seconds: float, connections: int) -> int:
    db = ROOT / "belarus.db"
    with datasette_server(db, ours=True, port=8766) as base:
        await run_load(base, MIX, 4, 3)  # warm up
        normal = await run_load(base, MIX, connections, seconds, max_requests=200_000)
        attack_task = asyncio.create_task(run_load(base, ATTACKS, 3, seconds, max_requests=10_000, timeout=60))
        under_attack = await run_load(base, MIX, connections, seconds, max_requests=200_000)
        attacks = await attack_task
    print(f"\nStress: {connections} connections, {seconds:.0f} s per run, real site on loopback\n")
    print(HEADER)
    print(row("mixed pages, queries, searches, exports", normal))
    print(row("same mix while 3 clients run pathological SQL", under_attack))
    print(row("the pathological queries themselves", attacks))
    bad = normal.errors_5xx + normal.dropped + under_attack.errors_5xx + under_attack.dropped
    refused = attacks.statuses.get(400, 0)
    print(f"\npathological queries refused with 400 (time limit): {refused} of {attacks.requests}; "
          f"5xx or dropped in the page mix: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--abuse-seconds", type=float, default=20)
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--only", choices=["load", "abuse"])
    ap.add_argument("--attack", choices=["heavy", "errors"])
    ap.add_argument("--base")
    a = ap.parse_args()
    if a.attack:
        assert a.base and a.base.startswith("http://127.0.0.1"), "attacks only go to loopback"
        asyncio.run(attack(a.base, a.attack, a.clients, a.abuse_seconds))
        sys.exit(0)
    rc = 0
    if a.only != "abuse":
        rc |= asyncio.run(main(a.seconds, a.connections))
    if a.only != "load":
        rc |= asyncio.run(abuse(a.abuse_seconds, a.clients))
    sys.exit(rc)
