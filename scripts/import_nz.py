#!/usr/bin/env python3
"""Import New Zealand's Belarus listings (data/raw/nz-russia-sanctions-belarus/, CC BY 4.0, MFAT) into
data/targets.csv and data/designations.csv.

    python scripts/import_nz.py [--raw data/raw/nz-russia-sanctions-belarus] [--data data]

New Zealand has no Belarus regime: these are entries of the Russia Sanctions Register that mention Belarus.
An entry counts as a Belarus listing when its `general_rationale_for_sanction` or its title names Belarus
(e.g. "Linked to the Belarusian government or military"); the others are left out and counted in the output.
Dated by the register's `date_of_sanction` (`listed_on_basis = list_date`). Idempotent.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import listings as L  # noqa: E402

ACTOR = "nz"
REGIME = "Russia Sanctions Act 2022 (Russia Sanctions Regulations 2022)"
SOURCE = {"id": "s-mfat-russia-sanctions-register",
          "url": "https://www.mfat.govt.nz/en/countries-and-regions/europe/ukraine/russian-invasion-of-ukraine/sanctions/",
          "title": "Russia sanctions: the Russia Sanctions Register (entries linked to Belarus)",
          "publisher": "New Zealand Ministry of Foreign Affairs and Trade", "published_date": "",
          "source_kind": "official", "language": "en"}


def clean(s) -> str:
    return re.sub(r"\s+", " ", str(s or "")).strip()


def entries(raw: Path) -> tuple[list[L.Entry], int]:
    files = sorted(raw.glob("*.yaml"))
    if not files:
        sys.exit(f"import_nz: no YAML files in {raw}")
    out, skipped = [], 0
    for f in files:
        y = yaml.safe_load(f.read_text(encoding="utf-8"))
        rationale = clean(y.get("general_rationale_for_sanction"))
        title = clean(y.get("title"))
        if not re.search(r"belarus", f"{rationale} {title}", re.I):
            skipped += 1
            continue
        if y["type"] == "Individual":
            kind = "person"
            name = " ".join(w.capitalize() if w.isupper() else w for w in
                            f"{clean(y.get('first_name'))} {clean(y.get('middle_names'))} {clean(y.get('last_name'))}".split())
        else:
            kind, name = "entity", clean(y.get("name"))
        variants = [clean(a) for a in re.split(r";", str(y.get("alias_alternate_spellings") or "")) if clean(a)]
        out.append(L.Entry(ref=y["unique_identifier"], kind=kind, name=name, variants=variants,
                           dob=L.iso_dob(str(y.get("dob") or "")) if not str(y.get("dob") or "").endswith("-01-01") else str(y.get("dob"))[:4],
                           role=title, reason=rationale, listed_on=str(y["date_of_sanction"]), basis="list_date",
                           program=REGIME, source_id=SOURCE["id"],
                           notes=f"Belarus link as the register states it: {rationale}"))
    return out, skipped


def round_for(day, es, sources):
    row = L.new_round(ACTOR, day, es, who="New Zealand", regime=f"the {REGIME} (Belarus-linked entries)",
                      instrument="Russia Sanctions Regulations 2022",
                      trigger="ukraine-war-2022",
                      extra=" (these are the register's entries of that date whose rationale names Belarus)")
    return row, [SOURCE["id"]]


def run(raw: Path, data: Path) -> tuple[dict, int]:
    es, skipped = entries(raw)
    return L.apply(ACTOR, es, data, sources=[SOURCE], round_for=round_for), skipped


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--raw", type=Path, default=L.ROOT / "data" / "raw" / "nz-russia-sanctions-belarus")
    ap.add_argument("--data", type=Path, default=L.ROOT / "data")
    args = ap.parse_args()
    s, skipped = run(args.raw, args.data)
    print(f"imported {s['entries']} New Zealand Belarus listings ({skipped} entries that mention Belarus otherwise left out): "
          f"{s['automatic']} matched automatically, {s['manual']} by hand, {s['new']} new targets")


if __name__ == "__main__":
    main()
