#!/usr/bin/env python3
"""Import Australia's Belarus listings (data/raw/au-dfat-belarus-mentions/, CC BY 4.0, DFAT) into
data/targets.csv and data/designations.csv.

    python scripts/import_au.py [--raw data/raw/au-dfat-belarus-mentions] [--data data]

Australia has no Belarus regime: these are Consolidated List entries (Russia and Ukraine regimes) that mention
Belarus. An entry counts as a Belarus listing when its description names Belarus or a Belarusian role
(e.g. "Belarusian Minister of Defence"), or its citizenship is Belarusian; an entry that mentions Belarus only
as a place of birth (a Russian official born in the Belarusian SSR) is left out and counted in the output.
Dated by the list's `control_date` (`listed_on_basis = list_date`). Idempotent.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import listings as L  # noqa: E402

ACTOR = "au"
SOURCE = {"id": "s-dfat-consolidated-list-belarus",
          "url": "https://www.dfat.gov.au/news/news/sanctions-new-listing-criteria-relating-russia-and-new-sanctions-measures-donetsk-and-luhansk-regions-ukraine",
          "title": "Sanctions: listing criteria relating to Russia; listed persons and entities are published in DFAT's Consolidated List (entries linked to Belarus)",
          "publisher": "Australian Department of Foreign Affairs and Trade", "published_date": "2022",
          "source_kind": "official", "language": "en"}


def clean(s) -> str:
    return re.sub(r"\s+", " ", str(s or "")).strip()


def entries(raw: Path) -> tuple[list[L.Entry], int]:
    files = sorted(raw.glob("*.yaml"))
    if not files:
        sys.exit(f"import_au: no YAML files in {raw}")
    out, skipped = [], 0
    for f in files:
        y = yaml.safe_load(f.read_text(encoding="utf-8"))
        info = clean(y.get("additional_info"))
        cit = " ".join(clean(c) for c in (y.get("citizenships") or []))
        names = [clean(n["text"]) for n in y["names"]]
        if not (re.search(r"belarus", info, re.I) or re.search(r"belarus", cit, re.I)
                or any(re.search(r"belarus", n, re.I) for n in names)):
            skipped += 1
            continue
        kind = "person" if y["entity_type"] == "person" else "entity"
        name = names[0]
        if kind == "person":
            name = " ".join(w.capitalize() if w.isupper() and len(w) > 1 else w for w in name.split())
        dobs = y.get("dates_of_birth") or []
        dob = L.iso_dob(str(dobs[0]["raw_value"])) if dobs else ""
        if dobs and dobs[0].get("precision") == "year":
            dob = dob[:4]
        s = y["sanction"]
        out.append(L.Entry(ref=str(y["reference"]), kind=kind, name=name, variants=names[1:], dob=dob,
                           role=info[:300], reason=info, listed_on=str(s["control_date"]), basis="list_date",
                           program=f"Autonomous Sanctions Regulations 2011, {s['committees']}: {clean(s.get('instrument'))}"[:300],
                           source_id=SOURCE["id"]))
    return out, skipped


def round_for(day, es, sources):
    row = L.new_round(ACTOR, day, es, who="Australia", regime="the Autonomous Sanctions Regulations 2011 (Russia and Ukraine criteria, Belarus-linked entries)",
                      instrument="Autonomous Sanctions Regulations 2011 (Cth)", trigger="ukraine-war-2022",
                      extra=" (these are the Consolidated List entries of that date that name Belarus)")
    return row, [SOURCE["id"]]


def run(raw: Path, data: Path) -> tuple[dict, int]:
    es, skipped = entries(raw)
    return L.apply(ACTOR, es, data, sources=[SOURCE], round_for=round_for), skipped


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--raw", type=Path, default=L.ROOT / "data" / "raw" / "au-dfat-belarus-mentions")
    ap.add_argument("--data", type=Path, default=L.ROOT / "data")
    args = ap.parse_args()
    s, skipped = run(args.raw, args.data)
    print(f"imported {s['entries']} Australian Belarus listings ({skipped} entries that mention Belarus only otherwise left out): "
          f"{s['automatic']} matched automatically, {s['manual']} by hand, {s['new']} new targets")


if __name__ == "__main__":
    main()
