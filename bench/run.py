"""make bench: build, serving and export benchmarks at several sizes, each against a baseline run in the same process.

    python bench/run.py [--sizes 10000,100000,1000000] [--repeats 3] [--build-only] [--out bench/RESULTS.md]

- build: our build.py (full validation, keys, indexes, FTS, summaries), without and with the downloads, against
  csvs-to-sqlite on the same CSVs (no validation, no search index) and the sqlite3 shell's .import (the floor of
  loading): wall time, peak memory, and ours ÷ each baseline (printed as it goes, and written to RESULTS.md). Beside
  them, the floor of our outputs (bench/floor.py): the same database written from rows already typed, with no CSV
  read and nothing checked.
- serving: p50 and p95 latency of every canned query, the responses table page with its default facets, a full-text
  search, a row page, a filtered JSON and a filtered CSV export; on our site and on bare `datasette` serving the same
  file (the same SQL, sent as ?sql= where bare Datasette has no canned query); 1 and 16 concurrent clients.
- export: the full responses table as CSV, streamed by Datasette against our prebuilt download.

Loopback only; every load is bounded in time and count.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import ROOT, datasette_server, run_load  # noqa: E402

PY = sys.executable
BIN = Path(sys.executable).parent
QUERIES = yaml.safe_load((ROOT / "plugins" / "queries.yml").read_text())
PARAMS = {"search": {"q": "sanctions"}, "actor_responses": {"actor": "actor-0001"}, "responses_to_trigger": {"trigger": "trigger-0001"},
          "sanctions_timeline": {"actor": "actor-0001"}, "target_history": {"name": "Lukashenko"},
          "listed_by_not_by": {"listed_by": "actor-0001", "not_listed_by": "actor-0002"}, "feed_actor": {"actor": "actor-0001"}}
FACETS = "_facet=response_type&_facet=actor_id&_facet=binding&_facet=legal_basis&_facet=is_sanction&_facet=status"


LAST_STDERR: dict[str, str] = {}  # tool -> what its last run printed on standard error (our build's --timings)


def timed(cmd: list[str], cwd: Path | None = None, stdin: str | None = None, tool: str = "") -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MB) and CPU seconds (user + system, its own child processes included) of one child
    process. On a shared machine CPU time moves less than wall time when other work competes for the cores."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.PIPE if stdin else None,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if stdin:
        proc.stdin.write(stdin.encode())
        proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t
    err = proc.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{cmd[:3]} failed: {err[-2000:]}")
    LAST_STDERR[tool] = err
    return seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


FLOOR = "our outputs alone (no reading, no checks)"
FLOOR_DOWNLOADS = "our outputs alone, with downloads"
TOOLS = ["ours, no downloads", "ours, with downloads", FLOOR, FLOOR_DOWNLOADS, "csvs-to-sqlite", "sqlite3 .import"]


def bench_build(data: Path, work: Path, repeats: int) -> dict[str, tuple[float, float]]:
    """Median wall seconds and peak MB of each tool on the same CSVs. Ours with downloads is left in work/site."""
    csvs = sorted(data.glob("*.csv"))
    runs: dict[str, list[tuple[float, float, float]]] = {t: [] for t in TOOLS}
    for _ in range(repeats):
        for name in runs:
            out = work / {"ours, with downloads": "site/belarus.db", FLOOR: "floor.db",
                          FLOOR_DOWNLOADS: "floor-site/belarus.db"}.get(name, f"{name.split()[0].strip(',')}.db")
            out.parent.mkdir(parents=True, exist_ok=True)
            out.unlink(missing_ok=True)
            if name.startswith("ours"):
                cmd = [PY, str(ROOT / "build.py"), "--data", str(data), "--output", str(out), "--timings"]
                runs[name].append(timed(cmd + (["--no-downloads"] if "no downloads" in name else []), tool=name))
            elif name in (FLOOR, FLOOR_DOWNLOADS):  # the rows our build wrote just before, copied; the rest of the build
                cmd = [PY, str(ROOT / "bench" / "floor.py"), str(work / "ours.db"), str(out)]
                runs[name].append(timed(cmd + (["--downloads"] if name == FLOOR_DOWNLOADS else [])))
            elif name == "csvs-to-sqlite":
                runs[name].append(timed([str(BIN / "csvs-to-sqlite"), *map(str, csvs), str(out)]))
            else:
                script = ".mode csv\n" + "".join(f".import '{p}' {p.stem}\n" for p in csvs)
                runs[name].append(timed(["sqlite3", str(out)], stdin=script))
    return {k: tuple(statistics.median(r[i] for r in v) for i in range(3)) for k, v in runs.items()}


def build_table(b: dict[str, tuple[float, float, float]]) -> list[str]:
    """Markdown: each tool's time and memory, and ours (both ways) ÷ each baseline."""
    csvs_s, import_s = b["csvs-to-sqlite"][0], b["sqlite3 .import"][0]
    out = ["| tool | seconds | CPU seconds | peak MB | ÷ csvs-to-sqlite | ÷ sqlite3 .import |", "|---|---|---|---|---|---|"]
    for tool, (s, mb, cpu) in b.items():
        out.append(f"| {tool} | {s:,.2f} | {cpu:,.2f} | {mb:,.0f} | {s / csvs_s:,.2f} | {s / import_s:,.2f} |")
    return out


def ratio(ours: tuple[float, float, int], bare: tuple[float, float, int]) -> str:
    """Ours ÷ bare at p95, or no ratio where either side had errors: a time against an error answer compares nothing."""
    if ours[2] or bare[2]:
        return "— (errors)"
    return f"{ours[1] / bare[1]:.2f}"


def pages(db: Path) -> dict[str, tuple[str, str]]:
    """name -> (path on our site, the same work on bare datasette)."""
    import sqlite3
    rid = sqlite3.connect(db).execute("select id from responses order by rowid limit 1 offset 7").fetchone()[0]
    out = {}
    for name, q in QUERIES.items():
        params = PARAMS.get(name, {})
        ours = f"/belarus/{name}.json?_shape=array&" + urllib.parse.urlencode(params)
        bare = "/belarus.json?_shape=array&" + urllib.parse.urlencode({"sql": q["sql"], **{p: "" for p in _params(q["sql"])}, **params})
        out[f"query: {name}"] = (ours, bare)
    # The same work on both sides: our metadata already facets the responses table by these six columns, so bare
    # Datasette is asked for them explicitly (asking ours too would compute each facet twice); bare is told which
    # FTS table to search, which our metadata names.
    fts = "_fts_table=responses_fts&_fts_pk=rowid"
    out["table page with facets"] = ("/belarus/responses", f"/belarus/responses?{FACETS}")
    out["full-text search"] = ("/belarus/responses?_search=sanctions", f"/belarus/responses?_search=sanctions&{fts}&{FACETS}")
    out["row page"] = (f"/belarus/responses/{rid}", f"/belarus/responses/{rid}")
    out["filtered JSON"] = ("/belarus/responses.json?actor_id=actor-0150&_size=100",
                            f"/belarus/responses.json?actor_id=actor-0150&_size=100&{FACETS}")
    out["filtered CSV"] = ("/belarus/responses.csv?actor_id=actor-0150&_size=100", "/belarus/responses.csv?actor_id=actor-0150&_size=100")
    return out


def _params(sql: str) -> set[str]:
    import re
    return set(re.findall(r":(\w+)", sql))


async def latency(base: str, path: str, clients: int, requests: int, seconds: float) -> tuple[float, float, int]:
    s = await run_load(base, [path], clients, seconds, max_requests=requests, timeout=60)
    return s.pct(50), s.pct(95), s.errors_5xx + s.dropped + sum(n for c, n in s.statuses.items() if c >= 400)


async def bench_serving(db: Path, quick: bool, core: bool = False) -> dict[str, dict]:
    results: dict[str, dict] = {}
    page_list = pages(db)
    for site in ("ours", "bare"):
        with datasette_server(db, ours=(site == "ours"), port=8770 if site == "ours" else 8771) as base:
            await run_load(base, ["/belarus/responses?_size=1"], 2, 2, max_requests=20)
            for name, (ours_path, bare_path) in page_list.items():
                path = ours_path if site == "ours" else bare_path
                # At 1M the slowest pages take seconds each: fewer requests and shorter windows there keep
                # make bench within 15 minutes while still measuring every page.
                one = await latency(base, path, 1, 6 if core else (8 if quick else 12), 10 if core else 20)
                many = await latency(base, path, 16, 48 if core else (64 if quick else 160), 1.0 if core else (1.5 if quick else 2))
                results.setdefault(name, {})[site] = (one, many)
    return results


def bench_export(db: Path) -> dict:
    downloads = db.parent / "downloads"
    with datasette_server(db, ours=True, port=8772) as base:
        t = time.perf_counter()
        with urllib.request.urlopen(base + "/belarus/responses.csv?_stream=on&_size=max&_sort=id", timeout=1200) as r:
            streamed = r.read()
        stream_s = time.perf_counter() - t
        t = time.perf_counter()
        with urllib.request.urlopen(base + "/files/belarus-responses-csv.zip", timeout=600) as r:
            zipped = r.read()
        file_s = time.perf_counter() - t
    member = zipfile.ZipFile(downloads / "belarus-responses-csv.zip").read("data/responses.csv")
    return {"stream_s": stream_s, "stream_bytes": len(streamed), "file_s": file_s, "file_bytes": len(zipped),
            "identical": member == streamed, "truncated": b"CSV contains more than" in streamed[-300:]}


def machine() -> str:
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name")), "?")
    mem = next((int(l.split()[1]) // 1024 // 1024 for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")), 0)
    return f"{os.cpu_count()} cores ({cpu}), {mem} GiB RAM, Python {platform.python_version()}, SQLite {__import__('sqlite3').sqlite_version}"


def fmt(ms: float) -> str:
    return f"{ms:,.1f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--repeats", type=int, default=3, help="build runs per tool and size (the 1M size uses at most 2)")
    ap.add_argument("--quick", action="store_true", help="fewer requests per page")
    ap.add_argument("--build-only", action="store_true", help="only the build figures (no serving or export)")
    ap.add_argument("--keep-data", action="store_true", help="reuse synthetic data left in --work by an earlier run")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    ap.add_argument("--work", type=Path, default=Path("/tmp/belarus-bench"))
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    lines = [f"# Benchmark results", "", f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {machine()}.",
             "Server, load generator and builds share the machine. Every figure is a median; ratios compare runs made in this same process.", "",
             "What the figures mean:",
             "- **Build**: wall time and peak resident memory of one run of each tool on the same synthetic CSVs (`bench/synth.py`, "
             "derived from `datapackage.json` and checked by the build). Ours validates every cell against the data package, "
             "enforces keys and row rules, runs every rule of `rules.py`, and builds indexes, the FTS5 indexes, the cross-script "
             "search vocabulary and the summary tables; *with downloads* it also "
             "writes the zip of CSVs, the JSON and the manifest. csvs-to-sqlite only loads (pandas); the sqlite3 shell's "
             "`.import` loads text with no types — the floor of loading. *Our outputs alone* is the floor of what we write "
             "(`bench/floor.py`): the rows of our own build, already typed, copied into empty tables, then the indexes, search "
             "indexes, summaries and views of the real build, with no CSV read and nothing checked. The last two columns divide "
             "each time by the baseline's.",
             "- **Serving**: latency of each page on a real `datasette serve` over loopback: p50/p95 over sequential requests (1 client) "
             "and over a short burst of 16 concurrent clients. *Ours* is the site (metadata, plugins, templates); *bare* is `datasette -i` on "
             "the same file, sent the same SQL (for table pages: asked for the same facets and told the FTS table our metadata sets). The ratio is ours ÷ bare at p95: our overhead. Errors counts non-2xx/3xx answers and dropped connections.",
             "- **Export**: the whole `responses` table as CSV streamed by Datasette against downloading the prebuilt zip of every table; "
             "the CSV inside the zip is compared byte for byte with the stream.", ""]
    started = time.perf_counter()
    for n in sizes:
        work = args.work / str(n)
        data = work / "data"
        if not (args.keep_data and (data / ".complete").exists()):
            shutil.rmtree(work, ignore_errors=True)
            t = time.perf_counter()
            subprocess.run([PY, str(ROOT / "bench" / "synth.py"), "--rows", str(n), "--out", str(data)], check=True, stdout=subprocess.DEVNULL)
            (data / ".complete").write_text("")
            print(f"{n:,}: synthetic data written and checked by the build in {time.perf_counter() - t:,.0f} s", flush=True)
        repeats = min(args.repeats, 2) if n >= 1_000_000 else args.repeats
        b = bench_build(data, work, repeats)
        table = build_table(b)
        phases = ["```", LAST_STDERR.get("ours, with downloads", "").rstrip(), "```"]
        print(f"\n{n:,} responses, build (median of {repeats}):\n" + "\n".join(table + phases), flush=True)
        lines += [f"## {n:,} responses", "", f"### Build (median of {repeats})", "", *table, "",
                  "Where the time went in the last run of ours with downloads (`build.py --timings`: lines indented by "
                  "two are parts of the search-index line after them; the rules' times, indented further, were spent in "
                  "two more processes, beside the indexes and the search indexes, and include the time they waited "
                  "for a core):", "", *phases, ""]
        if args.build_only:
            args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
            continue
        # Serve the database our last timed full build wrote, with its download files.
        db = work / "site" / "belarus.db"
        core = n >= 1_000_000  # at 1M, fewer requests per page keep make bench within its time budget
        serving = asyncio.run(bench_serving(db, quick=args.quick or core, core=core))
        export = bench_export(db)
        lines += ["", "### Serving (ms; ours ÷ bare on p95)" + (" — fewer requests per page (6 sequential, 48 in the burst)" if core else ""), "",
                  "| page | ours p50 / p95, 1 client | bare p50 / p95, 1 client | ratio | ours p50 / p95, 16 clients | bare p50 / p95, 16 clients | ratio | errors |",
                  "|---|---|---|---|---|---|---|---|"]
        for name, r in serving.items():
            (o1, o16), (b1, b16) = r["ours"], r["bare"]
            lines.append(f"| {name} | {fmt(o1[0])} / {fmt(o1[1])} | {fmt(b1[0])} / {fmt(b1[1])} | {ratio(o1, b1)} | "
                         f"{fmt(o16[0])} / {fmt(o16[1])} | {fmt(b16[0])} / {fmt(b16[1])} | {ratio(o16, b16)} | {o1[2] + o16[2]} / {b1[2] + b16[2]} |")
        lines += ["", "### Export of the full responses table", "",
                  "| how | seconds | bytes |", "|---|---|---|",
                  f"| Datasette streaming CSV (`_stream=on`) | {export['stream_s']:.2f} | {export['stream_bytes']:,} |",
                  f"| prebuilt download (zip of all tables) | {export['file_s']:.2f} | {export['file_bytes']:,} |", "",
                  f"Streaming ÷ file time: {export['stream_s'] / export['file_s']:.1f}×. The responses CSV inside the zip is "
                  f"{'byte-identical to' if export['identical'] else 'DIFFERENT from'} the streamed one; the stream was "
                  f"{'CUT SHORT' if export['truncated'] else 'complete'}.", ""]
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")  # after every size: a cut-short run keeps its figures
        print(f"{n:,}: done in {time.perf_counter() - started:,.0f} s so far", flush=True)
    lines += [f"Total benchmark time: {time.perf_counter() - started:,.0f} s.", ""]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
