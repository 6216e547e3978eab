"""Recompute the derived columns of data/responses.csv after sources change: `sourcing` for every row, and
`act_source` = cited for every sanction that now cites its act (rules.py says what counts).

    python scripts/derived_columns.py          # rewrite the columns in place
    python scripts/derived_columns.py --check  # exit 1 and list the rows whose stored value differs

A sanction that does not cite its act keeps `not_public` if it had it, and otherwise gets `not_found` (a known gap:
the act is published but not cited yet). Rows that are not sanctions get an empty `act_source`. The build checks the
same rules, so this script only saves typing after merging new sources.
"""
from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import rules  # noqa: E402
import listings  # noqa: E402


def read(name: str, data: Path = ROOT / "data") -> list[dict]:
    return listings.read(data / f"{name}.csv")


def main(argv: list[str], data: Path = ROOT / "data") -> int:
    """Rewrite (or, with --check, check) the derived columns of `data`/responses.csv (bench/synth.py uses it too)."""
    domains, patterns = read("official_domains", data), read("refused_sources", data)
    sources = {s["id"]: s for s in read("sources", data)}
    actor_type = {a["id"]: a["actor_type"] for a in read("actors", data)}
    by_row: dict[str, list[dict]] = defaultdict(list)
    for link in read("response_sources", data):
        s = sources.get(link["source_id"])
        if s and not rules.refusal(s["url"], patterns):
            by_row[link["response_id"]].append(s)
    path = data / "responses.csv"
    responses = listings.read(path)
    fields = list(responses[0].keys())
    changed = []
    for r in responses:
        want = {"sourcing": rules.sourcing_of(by_row[r["id"]])}
        if r["is_sanction"] != "yes":
            want["act_source"] = ""
        elif rules.cites_act(r, by_row[r["id"]], domains, actor_type.get(r["actor_id"], "")):
            want["act_source"] = "cited"
        else:
            want["act_source"] = r["act_source"] if r["act_source"] in ("not_found", "not_public") else "not_found"
        if any(r[k] != v for k, v in want.items()):
            changed.append(r["id"])
            r.update(want)
    if "--check" in argv:
        for rid in changed:
            print(f"data/responses.csv: {rid}: sourcing or act_source is stale", file=sys.stderr)
        return 1 if changed else 0
    listings.write(path, fields, responses)
    print(f"{len(changed)} row(s) updated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
