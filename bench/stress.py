"""make stress: the real site under 64 concurrent connections for 60 s, then the same while
pathological queries hammer it. Loopback only, bounded in time and request count.

    python bench/stress.py [--seconds 60] [--connections 64]
"""
import argparse
import asyncio
import sys
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import HEADER, ROOT, datasette_server, row, run_load  # noqa: E402

MIX = [
    "/", "/belarus/responses_detailed", "/belarus/responses?_facet=response_type",
    "/belarus/responses/eu-council-2020-10-02-first-listings", "/belarus/targets/alyaksandr-ryhorovich-lukashenka",
    "/belarus/search?q=sanctions", "/belarus/search?q=Лукашенко", "/belarus/target_history?name=Lukashenka",
    "/belarus/responses_over_time.json", "/belarus/sanctions_by_actor", "/belarus/alignment_median",
    "/belarus/responses.csv?is_sanction=yes", "/belarus/responses.json?_search=potash", "/belarus/feed_latest.atom",
    "/-/tiles/basemap/3/4/2.png", "/downloads",
]
ATTACKS = [
    "/belarus.json?" + urllib.parse.urlencode({"sql": "select count(*) from responses a, responses b, responses c, sources d"}),
    "/belarus.json?" + urllib.parse.urlencode({"sql": "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"}),
    "/belarus.json?" + urllib.parse.urlencode({"sql": "select length(group_concat(a.description || b.description)) from responses a, responses b, responses c"}),
]


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
    a = ap.parse_args()
    sys.exit(asyncio.run(main(a.seconds, a.connections)))
