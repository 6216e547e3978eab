#!/usr/bin/env python3
"""Actor names in Belarusian and Russian: states (and the EU and the UN) from Unicode CLDR.

    python scripts/import_names.py --extract   # (re)write data/raw/cldr/territory-names.csv from Babel's CLDR
    python scripts/import_names.py             # fill data/actors.csv from that raw file

CLDR (the Unicode Common Locale Data Repository) is the reference that operating systems, browsers and
phones use for the names of countries in each language; the raw file is an extract of its territory
names in English, Belarusian and Russian, taken from the CLDR data shipped in the Babel package
(pinned in pyproject.toml; see data/raw/cldr/README.md for the provenance).

Idempotent. It fills `name_be`, `name_ru` and their `name_*_source_id` of an actor whose ISO code (states) or
CLDR code (EU, UN) is in the extract, unless the names of that actor come from another source
(a curated `name_be_source_id` or `name_ru_source_id`): those are kept.
"""
from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw" / "cldr" / "territory-names.csv"
SOURCE_ID = "s-unicode-cldr-47"
CLDR_VERSION = "47"
# Actors that CLDR names as territories although they are not states.
CLDR_CODES = {"eu": "EU", "un": "UN"}


def territory_codes(actors: list[dict]) -> dict[str, str]:
    """actor id -> CLDR territory code, for every actor CLDR names."""
    codes = {a["id"]: a["iso_code"] for a in actors if a.get("actor_type") == "state" and a.get("iso_code")}
    codes.update({k: v for k, v in CLDR_CODES.items() if any(a["id"] == k for a in actors)})
    return codes


def extract(actors: list[dict], out: Path) -> int:
    import babel
    from babel import Locale
    from babel.core import get_cldr_version

    if get_cldr_version() != CLDR_VERSION:
        raise SystemExit(f"Babel {babel.__version__} ships CLDR {get_cldr_version()}, expected {CLDR_VERSION}: "
                         "update CLDR_VERSION, the source row and data/raw/cldr/README.md together")
    en, be, ru = Locale("en").territories, Locale("be").territories, Locale("ru").territories
    codes = sorted(set(territory_codes(actors).values()))
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name_en", "name_be", "name_ru"])
        for code in codes:
            w.writerow([code, en.get(code, ""), be.get(code, ""), ru.get(code, "")])
    return len(codes)


def read(path: Path) -> tuple[list[str], list[dict]]:
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def apply(actors: list[dict], raw: Path) -> int:
    names = {r["code"]: r for r in csv.DictReader(io.StringIO(raw.read_text(encoding="utf-8"), newline=""))}
    changed = 0
    for actor_id, code in territory_codes(actors).items():
        a = next(x for x in actors if x["id"] == actor_id)
        n = names.get(code)
        curated = {a.get(f"name_{lang}_source_id") for lang in ("be", "ru")} - {"", None, SOURCE_ID}
        if n is None or curated:
            continue
        new = {"name_be": n["name_be"], "name_ru": n["name_ru"],
               "name_be_source_id": SOURCE_ID if n["name_be"] else "",
               "name_ru_source_id": SOURCE_ID if n["name_ru"] else ""}
        if any(a.get(k, "") != v for k, v in new.items()):
            a.update(new)
            changed += 1
    return changed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT / "data")
    ap.add_argument("--raw", type=Path, default=RAW)
    ap.add_argument("--extract", action="store_true", help="rewrite the raw extract from the installed Babel's CLDR")
    args = ap.parse_args(argv)
    path = args.data / "actors.csv"
    fields, actors = read(path)
    if args.extract:
        print(f"wrote {args.raw}: {extract(actors, args.raw)} territories")
        return 0
    changed = apply(actors, args.raw)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(actors)
    print(f"{path}: names filled or updated for {changed} actor(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
