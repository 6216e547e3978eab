#!/usr/bin/env python3
"""Import the EU's Belarus asset-freeze listings (Annex I to Council Regulation (EC) No 765/2006) into
data/targets.csv and data/designations.csv.

    python scripts/import_eu.py [--annex ../shared/sources/eu-reg-765-2006-annex/32006R0765.csv] [--data data]

The annex is read at import time from a transcription kept OUTSIDE the project
(`../shared/sources/eu-reg-765-2006-annex/`, see its README): its licence (CC BY-NC) does not allow us to ship
it, so it is never copied into data/raw/. The facts taken from it (who is listed, under which entry, since which
date, names, dates of birth, registration numbers) are the EU's own, and every designation cites the EU's act:
the implementing act of the listing round where data/sources.csv has it, otherwise the consolidated
Regulation 765/2006 on EUR-Lex. The script stops with a clear message if the annex is absent.

Entries listed after the consolidated text of 26 February 2025 whose act is not among the sources cite the
listing round's report where the dataset has the round, and are left out otherwise (named in the output).
Entries listed before 1 August 2020 (four people listed on 24 September 2004) are outside the period the
dataset covers and are left out. Idempotent: running it twice gives the same files. Matching across lists: scripts/listings.py.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import listings as L  # noqa: E402

ACTOR = "eu-council"
DEFAULT_ANNEX = L.ROOT.parent.parent / "shared" / "sources" / "eu-reg-765-2006-annex" / "32006R0765.csv"
if not DEFAULT_ANNEX.exists():
    DEFAULT_ANNEX = Path("/work/shared/sources/eu-reg-765-2006-annex/32006R0765.csv")
CONSOLIDATED = [
    {"id": "s-eur-lex-reg-765-2006-consolidated-2024-07-01",
     "url": "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX%3A02006R0765-20240701",
     "title": "Council Regulation (EC) No 765/2006 concerning restrictive measures in view of the situation in Belarus, consolidated text of 1 July 2024 (Annex I: persons and entities listed, with their dates of listing)",
     "publisher": "EUR-Lex (Publications Office of the European Union)", "published_date": "2024-07-01",
     "source_kind": "official", "language": "en"},
    {"id": "s-eur-lex-reg-765-2006-consolidated-2025-02-26",
     "url": "http://data.europa.eu/eli/reg/2006/765/2025-02-26",
     "title": "Council Regulation (EC) No 765/2006 concerning restrictive measures in view of the situation in Belarus, consolidated text of 26 February 2025 (Annex I)",
     "publisher": "EUR-Lex (Publications Office of the European Union)", "published_date": "2025-02-26",
     "source_kind": "official", "language": "en"},
]
# The act of each listing round, where data/sources.csv holds it (the regulation or the Council decision of that day).
ACTS = {
    "2020-11-06": ("Council Implementing Regulation (EU) 2020/1648; Council Implementing Decision (CFSP) 2020/1650", "s-eu-2020-11-06-cid-2020-1650"),
    "2020-12-17": ("Council Implementing Regulation (EU) 2020/2129", "s-legislation-gov-uk-2020-12-17-eur-2020-2129"),
    "2021-06-21": ("Council Implementing Regulation (EU) 2021/997; Council Decision (CFSP) 2021/1001", "s-eur-lex-2021-06-21-dec-2021-1001"),
    "2023-08-03": ("Council Decision (CFSP) 2023/1601 and its implementing regulation", "s-eur-lex-2023-08-03-dec-2023-1601"),
    "2025-07-18": ("Council Decision (CFSP) 2025/1471", "s-eurlex-2025-07-18-dec-2025-1471-fi"),
    "2025-10-23": ("Council Decision (CFSP) 2025/2040", "s-eurlex-2025-10-23-dec-2025-2040-el"),
}
KNOWN_IMPL = {"2020-10-02": "Council Implementing Regulation (EU) 2020/1387"}
PERIOD_START = "2020-08-01"
LEFT_OUT: list[str] = []
MONTHS = {m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                       "september", "october", "november", "december"], 1)}


def parse_date(raw: str) -> str:
    raw = raw.strip()
    m = re.match(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$", raw)
    if m:
        return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1))).isoformat()
    m = re.match(r"^(\d{1,2}) ([A-Za-z]+) (\d{4})$", raw)
    if m and m.group(2).lower() in MONTHS:
        return dt.date(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1))).isoformat()
    raise ValueError(f"unparsed date of listing {raw!r}")


def entries(annex: Path, known: set[str]) -> list[L.Entry]:
    out = []
    with annex.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            if row["annex"] not in ("I.A", "I.B") or not row["startDate"].strip():
                continue
            day = parse_date(row["startDate"])
            if day < PERIOD_START:
                continue  # listed before the period this dataset covers (the 2004 listings): left out, counted by main()
            # The annex of 2025 prints 19.7.2025 for the round of Decision 2025/1471 of 18 July 2025 (in force the day after publication).
            act_day = "2025-07-18" if day == "2025-07-19" else day
            names = L.split_names(row["alias"]) + L.split_names(row["weakAlias"]) + L.split_names(row["previousName"])
            latin = [n for n in names if not L.is_cyrillic(n)]
            for n in list(latin):
                latin += [x.strip(" )") for x in re.findall(r"\(([^)]*)\)", n)]
            cyr = [n for n in names if L.is_cyrillic(n)]
            kind = "person" if row["schema"] == "Person" else "entity"
            act, sid = ACTS.get(act_day, (KNOWN_IMPL.get(day, ""), ""))
            if not sid:
                sid = CONSOLIDATED[0]["id"] if day <= "2024-07-01" else CONSOLIDATED[1]["id"]
                basis_note = "Dated by the date of listing printed against the entry in Annex I of the consolidated regulation."
            else:
                basis_note = ""
            if sid.startswith("s-eur-lex-reg-765") and day > "2025-02-26":
                basis_note = "Dated by the date of listing printed in Annex I as consolidated on 24 April 2026; the consolidated text cited is an earlier one."
            be = next((n for n in cyr if L.be_or_ru(n) == "be"), "")
            ru = next((n for n in cyr if L.be_or_ru(n) == "ru"), "")
            out.append(L.Entry(
                ref=f"{row['annex']}-{int(row['recordId']):04d}", kind=kind, name=fix_case(row["name"], kind),
                variants=[row["name"]] + latin, cyrillic=cyr, dob=L.iso_dob(row["birthDate"].split(";")[0]),
                reg=[r.strip() for r in re.split(r";", re.sub(r"\(.*?\)", "", row["registrationNumber"])) if r.strip()],
                role=row["position"] or "", reason=row["reason"], listed_on=day,
                basis="official_act" if day in ACTS or day in KNOWN_IMPL or act_day in ACTS else "list_date",
                program="Council Regulation (EC) No 765/2006, Annex I" + (f" ({act})" if act else ""),
                source_id=sid, notes=basis_note,
                name_be=be, name_ru=ru, name_source_id=sid))
    return out


def fix_case(name: str, kind: str) -> str:
    """'Uladzimir Uladzimiravich NAVUMAU' -> 'Uladzimir Uladzimiravich Navumau' for people."""
    if kind != "person":
        return name.strip()
    return " ".join(w.capitalize() if w.isupper() and len(w) > 1 else w for w in name.split())


def round_for(day, es, sources):
    sid = ACTS.get(day, ("", ""))[1] or (CONSOLIDATED[0]["id"] if day <= "2024-07-01" else CONSOLIDATED[1]["id"])
    row = L.new_round(ACTOR, day, es, who="The Council of the European Union",
                      regime="its Belarus regime (Council Regulation (EC) No 765/2006, Annex I)",
                      instrument=ACTS.get(day, (KNOWN_IMPL.get(day, "Council Regulation (EC) No 765/2006"), ""))[0] or "Council Regulation (EC) No 765/2006",
                      trigger="election-2020" if "2020-08-09" <= day < "2021-05-23" else "",
                      extra=" (asset freeze; these are the entries of that date still in Annex I)")
    return row, [sid]


def run(annex: Path, data: Path) -> dict:
    if not annex.exists():
        sys.exit(f"import_eu: the EU annex transcription is not at {annex}. It is read from ../shared/sources/"
                 "eu-reg-765-2006-annex/ (never copied into the project: CC BY-NC). Pass --annex PATH.")
    es = entries(annex, set())
    # A listing after the latest consolidated text the dataset cites, whose act is not among the sources:
    # cite the listing round's own source where the dataset has the round, else leave the entry out.
    rounds = [r for r in L.read(data / "responses.csv") if r["actor_id"] == ACTOR and r["response_type"] == "individual_sanctions"]
    rs: dict[str, list[str]] = {}
    for x in L.read(data / "response_sources.csv"):
        rs.setdefault(x["response_id"], []).append(x["source_id"])
    kept = []
    for e in es:
        if e.source_id == CONSOLIDATED[1]["id"] and e.listed_on > "2025-02-26":
            r = L.find_round(e.listed_on, rounds)
            if not (r and rs.get(r["id"])):
                LEFT_OUT.append(e.ref)
                continue
            e.source_id, e.basis = rs[r["id"]][0], "list_date"
            e.name_source_id = ""
            e.notes = ("Dated by the date of listing printed in Annex I (consolidated version of 24 April 2026); the act of that date "
                       "is not among the dataset's sources, so the source is the report of the listing round.")
        kept.append(e)
    return L.apply(ACTOR, kept, data, sources=CONSOLIDATED, round_for=round_for,
                   keep_row=lambda d: "SWIFT" in d["program"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--annex", type=Path, default=DEFAULT_ANNEX)
    ap.add_argument("--data", type=Path, default=L.ROOT / "data")
    args = ap.parse_args()
    stats = run(args.annex, args.data)
    print(f"imported {stats['entries']} EU Annex I entries: {stats['automatic']} matched automatically, "
          f"{stats['manual']} by hand, {stats['new']} new targets"
          + (f"; left out for want of a source for their act: {', '.join(LEFT_OUT)}" if LEFT_OUT else ""))


if __name__ == "__main__":
    main()
