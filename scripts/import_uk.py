#!/usr/bin/env python3
"""Import the UK's Belarus designations (data/raw/uk-belarus-regime/, OGL v3) into data/targets.csv and
data/designations.csv.

    python scripts/import_uk.py [--raw data/raw/uk-belarus-regime] [--data data]

One designation per UK reference (BEL0001...), dated by the list's own `date_designated`
(`listed_on_basis = list_date`), except the 67 entries dated 2020-12-31: that is the day the UK's own Belarus
regulations replaced the EU regime after Brexit, not a listing. For those the first listing date is what the
record supports, in this order:
1. the UK's own designation of 29 September 2020 (Global Human Rights regime), where data/designations.csv
   already records it from a source;
2. the EU listing of the same target (the UK applied EU Belarus listings as a member state, then in the
   transition period, until 31 December 2020): the date and act of the EU designation (`official_act`);
3. otherwise 2020-12-31 is kept with a note saying so.
Run after import_eu.py (make imports does). Idempotent. Matching across lists: scripts/listings.py.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import listings as L  # noqa: E402

ACTOR = "gb"
REGIME = "The Republic of Belarus (Sanctions) (EU Exit) Regulations 2019"
SOURCE = {"id": "s-gov-uk-uk-sanctions-list-belarus",
          "url": "https://www.gov.uk/government/publications/the-uk-sanctions-list",
          "title": "The UK Sanctions List: designations under The Republic of Belarus (Sanctions) (EU Exit) Regulations 2019 (list of 29 April 2026)",
          "publisher": "UK Foreign, Commonwealth & Development Office", "published_date": "2026-04-29",
          "source_kind": "official", "language": "en"}
BREXIT = "2020-12-31"


def full_name(n: dict) -> str:
    return " ".join(x for x in [n.get("name1"), n.get("name2"), n.get("name6")] if x).strip()


def entries(raw: Path, data: Path, own: dict | None = None) -> list[L.Entry]:
    designations = L.read(data / "designations.csv")
    matches = {(m["actor_id"], m["list_ref"]): m for m in L.read(data / "target_matches.csv")}
    eu = {}
    for d in designations:
        if d["actor_id"] == "eu-council" and d["listed_on"] and "SWIFT" not in d["program"]:
            if d["target_id"] not in eu or d["listed_on"] < eu[d["target_id"]]["listed_on"]:
                eu[d["target_id"]] = d
    # The UK's own first Belarus listings (29 September 2020, Global Human Rights regime), recorded from sources.
    if own is None:
        own = first_own(data)
    out = []
    files = sorted(raw.glob("*.yaml"))
    if not files:
        sys.exit(f"import_uk: no YAML files in {raw}")
    for f in files:
        y = yaml.safe_load(f.read_text(encoding="utf-8"))
        names = y["names"]["names"]
        primary = next((n for n in names if n["name_type"].lower() == "primary name"), names[0])
        latin = [full_name(n) for n in names]
        cyr = [n["name_non_latin_script"].strip() for n in (y.get("non_latin_names") or {}).get("names", [])]
        kind = "person" if y["individual_entity_ship"] == "Individual" else "entity"
        reason = (y.get("uk_statement_of_reasons") or "").strip()
        e = L.Entry(ref=y["unique_id"], kind=kind, name=full_name(primary), variants=latin, cyrillic=cyr,
                    reason=reason, listed_on=y["date_designated"], basis="list_date",
                    program=REGIME, source_id=SOURCE["id"],
                    name_be=next((n for n in cyr if L.be_or_ru(n) == "be"), ""),
                    name_ru=next((n for n in cyr if L.be_or_ru(n) == "ru"), ""), name_source_id=SOURCE["id"])
        if e.listed_on == BREXIT:
            m = matches.get((ACTOR, e.ref))
            tid = m["target_id"] if m else ""
            if tid in own:
                d = own[tid]
                e.listed_on, e.basis, e.source_id = d["listed_on"], d["listed_on_basis"], d["source_id"]
                e.notes = ("First listed by the UK on 29 September 2020 under its Global Human Rights sanctions regime; "
                           "the UK list dates the Belarus-regime designation 31 December 2020, when the UK's own Belarus regulations took over from the EU regime.")
            elif tid in eu:
                d = eu[tid]
                e.listed_on, e.basis, e.source_id = d["listed_on"], d["listed_on_basis"], d["source_id"]
                e.program = f"{REGIME} (from 31 December 2020); before that the EU listing: {d['program']}"
                e.notes = (f"The UK list dates this designation 31 December 2020, when the UK's own Belarus regulations replaced the EU regime; "
                           f"the UK applied the EU listing of {d['listed_on']} as an EU member state and in the transition period, so that is the first listing date.")
            else:
                e.notes = ("31 December 2020 is when the UK's own Belarus regulations replaced the EU regime. No earlier UK or EU listing of this "
                           "target within the dataset's period (from 1 August 2020) is recorded: where the EU listed it earlier (2004-2012), the UK "
                           "applied that listing as an EU member state. The UK list's date is kept.")
        out.append(e)
    return out


def first_own(data: Path) -> dict:
    return {d["target_id"]: d for d in L.read(data / "designations.csv")
            if d["actor_id"] == ACTOR and d["response_id"] == "gb-2020-09-29-lukashenka-and-seven-officials"}


def round_for(day, es, sources):
    if day <= BREXIT:
        # Before 2021 the UK applied EU listings (and its own of 29 September 2020, a round already recorded):
        # no UK listing round of its own to add.
        return None, []
    row = L.new_round(ACTOR, day, es, who="The United Kingdom", regime=REGIME, instrument=REGIME,
                      extra=" (asset freeze and other measures; these are the designations of that date still on the UK Sanctions List)")
    return row, [SOURCE["id"]]


def run(raw: Path, data: Path) -> dict:
    # Two passes: the first records the matches, the second dates the 2020-12-31 entries by their matched target.
    own = first_own(data)
    L.apply(ACTOR, entries(raw, data, own), data, sources=[SOURCE], round_for=round_for)
    return L.apply(ACTOR, entries(raw, data, own), data, sources=[SOURCE], round_for=round_for)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--raw", type=Path, default=L.ROOT / "data" / "raw" / "uk-belarus-regime")
    ap.add_argument("--data", type=Path, default=L.ROOT / "data")
    args = ap.parse_args()
    s = run(args.raw, args.data)
    print(f"imported {s['entries']} UK designations: {s['automatic']} matched automatically, {s['manual']} by hand, {s['new']} new targets")


if __name__ == "__main__":
    main()
