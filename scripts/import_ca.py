#!/usr/bin/env python3
"""Import Canada's Belarus listings (data/raw/ca-sema-belarus/, Open Government Licence – Canada) into
data/targets.csv and data/designations.csv.

    python scripts/import_ca.py [--raw data/raw/ca-sema-belarus] [--data data]

One designation per schedule item of the Special Economic Measures (Belarus) Regulations, dated by the list's
`date_of_listing`, which is the registration date of the regulation that listed the entry
(`listed_on_basis = list_date`). Each designation cites that regulation in the Canada Gazette where
data/sources.csv has it, otherwise the listing round's own source. Idempotent.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import listings as L  # noqa: E402

ACTOR = "ca"
REGIME = "Special Economic Measures (Belarus) Regulations"
# Registration date of each amending regulation -> (SOR number, its Canada Gazette source in data/sources.csv).
ACTS = {
    "2020-09-28": ("SOR/2020-214", "s-canadagazette-2020-10-14-sor-2020-214"),
    "2020-11-05": ("SOR/2020-241", "s-canadagazette-2020-11-25-sor-2020-241"),
    "2020-10-14": ("SOR/2020-228", "s-canadagazette-2020-10-28-sor-2020-228"),
    "2021-12-02": ("SOR/2021-236", "s-canadagazette-2021-12-22-sor-2021-236"),
    "2022-03-08": ("SOR/2022-49", "s-canadagazette-2022-03-30-sor-2022-49"),
    "2022-03-16": ("SOR/2022-58", "s-canadagazette-2022-03-30-sor-2022-58"),
    "2022-04-05": ("SOR/2022-75", "s-canadagazette-2022-04-27-sor-2022-75"),
    "2022-06-25": ("SOR/2022-167", "s-canadagazette-2022-07-06-sor-2022-167"),
    "2022-11-17": ("SOR/2022-240", "s-canadagazette-2022-12-07-sor-2022-240"),
    "2023-04-05": ("SOR/2023-71", "s-canadagazette-2023-04-26-sor-2023-71"),
    "2023-08-04": ("SOR/2023-178", "s-canadagazette-2023-08-16-sor-2023-178"),
    "2024-04-12": ("SOR/2024-60", "s-canada-gazette-2024-04-12-sor-2024-60"),
    "2024-08-08": ("SOR/2024-167", "s-canada-gazette-2024-08-28-sor-2024-167"),
    "2025-01-24": ("SOR/2025-3", "s-canadagazette-2025-02-12-sor-2025-3"),
}


def clean(s) -> str:
    return re.sub(r"\s+", " ", str(s or "")).strip()


def entries(raw: Path, data: Path) -> list[L.Entry]:
    files = sorted(raw.glob("*.yaml"))
    if not files:
        sys.exit(f"import_ca: no YAML files in {raw}")
    rounds = [r for r in L.read(data / "responses.csv") if r["actor_id"] == ACTOR and r["response_type"] == "individual_sanctions"]
    rs = {}
    for x in L.read(data / "response_sources.csv"):
        rs.setdefault(x["response_id"], []).append(x["source_id"])
    out = []
    for f in files:
        y = yaml.safe_load(f.read_text(encoding="utf-8"))
        day = str(y["date_of_listing"])
        if y.get("entity_or_ship"):
            kind, name, variants = "entity", clean(y["entity_or_ship"]), []
            for alias in re.findall(r"\(([^)]*)\)", name):
                variants += [clean(a) for a in re.split(r",| and | also known as ", alias) if clean(a)]
        else:
            kind = "person"
            last, given = clean(y.get("last_name")), clean(y.get("given_name"))
            name = " ".join(w.capitalize() if w.isupper() else w for w in f"{given} {last}".split())
            variants = [f"{last}, {given}"]
        sor, sid = ACTS.get(day, ("", ""))
        note = ""
        if not sid:
            r = L.find_round(day, rounds)
            sid = (rs.get(r["id"]) or [""])[0] if r else ""
            note = "The regulation of this date is not among the dataset's sources; the source is the listing round's announcement."
        schedule = clean(y["schedule"])
        out.append(L.Entry(ref=f"{schedule} item {int(y['item']):03d}", kind=kind, name=name, variants=variants,
                           dob=L.iso_dob(str(y.get("date_of_birth_or_ship_build_date") or "")) if kind == "person" else "",
                           listed_on=day, basis="list_date",
                           program=f"{REGIME}, Schedule {schedule}" + (f" ({sor})" if sor else ""),
                           source_id=sid, notes=note))
    return out


def round_for(day, es, sources):
    sor, sid = ACTS.get(day, ("", ""))
    if not sid:
        return None, []
    row = L.new_round(ACTOR, day, es, who="Canada", regime=f"the {REGIME}", instrument=f"{REGIME} ({sor})",
                      extra=" (asset freeze and dealings prohibition; these are the listings of that regulation still in force)")
    return row, [sid]


def run(raw: Path, data: Path) -> dict:
    return L.apply(ACTOR, entries(raw, data), data, sources=[], round_for=round_for,
                   keep_row=lambda d: "sectoral" in d["program"] or "not a Schedule 1" in d["program"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--raw", type=Path, default=L.ROOT / "data" / "raw" / "ca-sema-belarus")
    ap.add_argument("--data", type=Path, default=L.ROOT / "data")
    args = ap.parse_args()
    s = run(args.raw, args.data)
    print(f"imported {s['entries']} Canadian listings: {s['automatic']} matched automatically, {s['manual']} by hand, {s['new']} new targets")


if __name__ == "__main__":
    main()
