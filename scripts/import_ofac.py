#!/usr/bin/env python3
"""Import the US OFAC SDN history (data/raw/ofac-sdn/) into data/targets.csv and data/designations.csv.

    python scripts/import_ofac.py [--raw data/raw/ofac-sdn] [--data data]

Idempotent: running it twice gives the same files. It owns the US designation rows (actor
`us-treasury`, source `s-ofac-sdn-list`) and the OFAC fields of targets; curated fields of a target
(Cyrillic names, variants added by hand, notes) are kept. One designation per SDN entry:

- an entry first seen in a snapshot (`added`) is dated by that snapshot: `listed_on_basis = list_snapshot`
  (the day it appeared in the published list, within hours of OFAC's update — not the legal designation date);
- an entry already `present` in the first snapshot (2021-08-18) was designated earlier: it is dated from the
  round that designated it where a source names it (EARLIER below: the Treasury press release of
  2 October 2020, `press_release`; the report of the Treasury's 23 December 2020 designations, `reported`),
  or, for an entry under program BELARUS-EO14038, by the executive order itself: E.O. 14038 was signed on
  9 August 2021 and the first snapshot is of 18 August, so its designations present then are those of
  9 August 2021 (`official_act`); the others are left undated (`listed_on_basis = undated`);
- an entry `removed` and not added back is delisted on that snapshot's date.

A designation is linked to a US Treasury listing round in responses.csv when one is dated on the snapshot
day or up to two days before it.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import re
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACTOR = "us-treasury"
SOURCE = {
    "id": "s-ofac-sdn-list",
    "url": "https://www.treasury.gov/ofac/downloads/sdn.csv",
    "title": "Specially Designated Nationals and Blocked Persons list (sdn.csv), Belarus-related entries, snapshots 2021-08-18 to 2024-05-03",
    "publisher": "US Department of the Treasury, Office of Foreign Assets Control",
    "published_date": "",
    "source_kind": "official",
    "language": "en",
}
TARGET_FIELDS = ["id", "name", "target_type", "name_be", "name_ru", "name_variants", "role", "date_of_birth", "ofac_ent_num", "name_be_source_id", "name_ru_source_id", "no_cyrillic_name", "notes", "role_category"]
DESIGNATION_FIELDS = ["id", "target_id", "actor_id", "listed_on", "listed_on_basis", "delisted_on", "program", "response_id", "source_id", "notes"]
TYPES = {"individual": "person", "-0-": "entity", "vessel": "vessel", "aircraft": "aircraft"}
# Entries designated before the first snapshot, dated from the round that designated them (ent_num -> round).
OCT_2020 = ("2020-10-02", "press_release", "s-treasury-2020-10-02-sm1143", "us-treasury-2020-10-02-eight-officials-designated",
            "Named in the Treasury press release of 2 October 2020 (E.O. 13405).")
DEC_2020 = ("2020-12-23", "reported", "s-belsat-2020-12-us-sanctions-omon-cec", "us-treasury-2020-12-23-cec-omon-kgb-alpha",
            "Named among the Treasury's designations of 23 December 2020 (E.O. 13405), as reported.")
EARLIER = {**{n: OCT_2020 for n in ["29642", "29662", "29663", "29664", "29671", "29673", "29674", "29675"]},
           **{n: DEC_2020 for n in ["30545", "30546", "30547", "30702", "30701"]}}
AUG_2021 = ("2021-08-09", "press_release", "s-whitehouse-2021-08-09-fact-sheet-eo-belarus", "us-treasury-2021-08-09-44-designations-belaruskali",
            "Named in the White House fact sheet of 9 August 2021 on that day's designations (the National Olympic Committee).")
EARLIER["32676"] = AUG_2021
JUN_2021 = ("2021-06-21", "reported", "s-upi-2021-06-21-us-freezes-assets-lukashenko-press-secretary", "us-treasury-2021-06-21-16-individuals-5-entities",
            "Named among the Treasury's designations of 21 June 2021 (E.O. 13405), as reported.")
EARLIER.update({"31949": JUN_2021, "31950": JUN_2021})  # Natallia Eismant, Natallia Kachanava
EO14038 = ("2021-08-09", "official_act", "s-whitehouse-2021-08-09-fact-sheet-eo-belarus", "us-treasury-2021-08-09-44-designations-belaruskali",
           "Designated under E.O. 14038, signed on 9 August 2021, and on the list in the first snapshot (18 August 2021): designated on 9 August 2021.")
MONTHS = {m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)}


def read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def write(path: Path, fields: list[str], rows: list[dict], key) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for row in sorted(rows, key=key):
        w.writerow({k: row.get(k, "") or "" for k in fields})
    path.write_text(buf.getvalue(), encoding="utf-8")


def value(v: str) -> str:
    v = (v or "").strip()
    return "" if v == "-0-" else v


def slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def display_name(sdn_name: str, kind: str) -> str:
    """'LUKASHENKA, Alyaksandr Ryhorovich' -> 'Alyaksandr Ryhorovich Lukashenka' for people."""
    if kind == "person" and "," in sdn_name:
        surname, given = sdn_name.split(",", 1)
        surname = "-".join(p.capitalize() for p in surname.strip().split("-"))
        surname = " ".join(w if not w.isupper() else w.capitalize() for w in surname.split())
        return f"{given.strip()} {surname}"
    return sdn_name.strip()


def aliases(remarks: str) -> list[str]:
    return re.findall(r"a\.k\.a\. '([^']+)'", remarks or "")


def birth_date(remarks: str) -> str:
    m = re.search(r"\bDOB (\d{1,2}) ([A-Z][a-z]{2}) (\d{4})\b", remarks or "")
    if m and m.group(2) in MONTHS:
        return dt.date(int(m.group(3)), MONTHS[m.group(2)], int(m.group(1))).isoformat()
    m = re.search(r"\bDOB (\d{4})\b", remarks or "")
    return m.group(1) if m else ""


def history(raw: Path) -> dict[str, dict]:
    """Per SDN entry: its latest fields, first-seen date, and removal date (if removed for good)."""
    entries: dict[str, dict] = {}
    for row in read(raw / "belarus_changes.csv"):
        e = entries.setdefault(row["ent_num"], {"first": None, "present": False, "removed": None})
        change, day = row["change"], row["snapshot_date"]
        if change == "present":
            e["present"] = True
        elif change == "added" and e["first"] is None and not e["present"]:
            e["first"] = day
        if change == "removed":
            e["removed"] = day
        else:
            e["removed"] = None if change == "added" else e["removed"]
            e["row"] = row
    return entries


def by_ent_ids(targets: dict) -> set:
    return {t["id"] for t in targets.values() if t.get("ofac_ent_num")}


def match_round(day: str, rounds: list[dict]) -> str:
    d = dt.date.fromisoformat(day)
    for r in rounds:
        if len(r["date"]) == 10 and 0 <= (d - dt.date.fromisoformat(r["date"])).days <= 2:
            return r["id"]
    return ""


def run(raw: Path, data: Path) -> tuple[int, int]:
    entries = history(raw)
    targets = {t["id"]: t for t in read(data / "targets.csv")}
    by_ent = {t["ofac_ent_num"]: t for t in targets.values() if t.get("ofac_ent_num")}
    designations = [d for d in read(data / "designations.csv") if not (d["actor_id"] == ACTOR and d["target_id"] in by_ent_ids(targets))]
    rounds = sorted((r for r in read(data / "responses.csv")
                     if r["actor_id"] == ACTOR and r["response_type"] == "individual_sanctions"),
                    key=lambda r: r["date"], reverse=True)
    taken = {t["id"] for t in targets.values() if not t.get("ofac_ent_num")}
    # The source of each round's date (the first source marked as supporting the date), to date a listing by its action.
    act_sources: dict[str, str] = {}
    for link in read(data / "response_sources.csv"):
        if "date" in link["supports"].split("; ") or link["supports"].startswith("date"):
            act_sources.setdefault(link["response_id"], link["source_id"])
    for ent in sorted(entries, key=int):
        e = entries[ent]
        row = e["row"]
        kind = TYPES.get(value(row["sdn_type"]) or "-0-", "entity")
        name = display_name(row["sdn_name"], kind)
        target = by_ent.get(ent)
        if target is None:
            tid = slug(name) or f"ofac-{ent}"
            if tid in taken or tid in targets:
                tid = f"{tid}-{ent}"
            target = {"id": tid, "name": name, "target_type": kind, "ofac_ent_num": ent}
            targets[tid] = target
            by_ent[ent] = target
        taken.add(target["id"])
        variants = [v for v in (target.get("name_variants") or "").split(" | ") if v]
        for v in [row["sdn_name"].strip()] + aliases(row["remarks"]):
            if v not in variants and v != target["name"]:
                variants.append(v)
        target["name_variants"] = " | ".join(variants)
        target["role"] = target.get("role") or value(row["title"])
        target["date_of_birth"] = target.get("date_of_birth") or birth_date(row["remarks"])
        listed = e["first"] or ""
        program = value(row["program"]).replace("] [", "; ")
        d = {
            "id": f"{ACTOR}_{target['id']}_1",
            "target_id": target["id"], "actor_id": ACTOR,
            "listed_on": listed,
            "listed_on_basis": "list_snapshot" if listed else "undated",
            "delisted_on": e["removed"] or "",
            "program": program,
            "response_id": match_round(listed, rounds) if listed else "",
            "source_id": SOURCE["id"],
            "notes": "" if listed else "On the SDN list in the first snapshot (2021-08-18): designated earlier; the list file does not date it.",
        }
        act = next((r for r in rounds if r["id"] == d["response_id"]), None)
        if act and act["date"] != listed and act_sources.get(act["id"]):
            # The list file changed a day or two after the action: the designation takes the action's date.
            d.update(listed_on=act["date"], listed_on_basis="reported", source_id=act_sources[act["id"]],
                     notes=f"First in OFAC's list file of {listed}; dated by the OFAC action it belongs to.")
        earlier = EARLIER.get(ent) or (EO14038 if not listed and "BELARUS-EO14038" in program else None)
        if not listed and earlier:
            day, basis, source, response, note = earlier
            d.update(listed_on=day, listed_on_basis=basis, source_id=source, notes=note,
                     response_id=response if any(r["id"] == response for r in rounds) else "")
        designations.append(d)
    sources = [s for s in read(data / "sources.csv") if s["id"] != SOURCE["id"]] + [SOURCE]
    write(data / "targets.csv", TARGET_FIELDS, list(targets.values()), key=lambda t: t["id"])
    write(data / "designations.csv", DESIGNATION_FIELDS, designations, key=lambda d: d["id"])
    write(data / "sources.csv", list(SOURCE), sources, key=lambda s: s["id"])
    return len(entries), sum(1 for d in designations if d["actor_id"] == ACTOR and d["target_id"] in taken)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--raw", type=Path, default=ROOT / "data" / "raw" / "ofac-sdn")
    ap.add_argument("--data", type=Path, default=ROOT / "data")
    args = ap.parse_args()
    entries, rows = run(args.raw, args.data)
    print(f"imported {entries} OFAC SDN entries as {rows} US designations into {args.data}")


if __name__ == "__main__":
    main()
