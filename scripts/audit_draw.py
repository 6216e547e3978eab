#!/usr/bin/env python3
"""Draw the sample of the independent audit (docs/AUDIT.md): 40 responses and 20 designations, with a fixed seed,
from the data as it was at the audited commit.

    python scripts/audit_draw.py               # the sample of docs/AUDIT.md (data at commit c769122)
    python scripts/audit_draw.py --ref HEAD    # a fresh draw from the current data, for the next audit
"""
import argparse
import csv
import io
import json
import random
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261204
AUDITED = "c769122f980664abda8bf641b28c425e7bafca74"


def ids(ref: str, name: str) -> list[str]:
    text = subprocess.run(["git", "show", f"{ref}:data/{name}.csv"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout
    return sorted(r["id"] for r in csv.DictReader(io.StringIO(text)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ref", default=AUDITED, help="git commit of the data to draw from (default: the audited one)")
    args = ap.parse_args()
    sample = {"seed": SEED, "ref": args.ref,
              "responses": random.Random(SEED).sample(ids(args.ref, "responses"), 40),
              "designations": random.Random(SEED).sample(ids(args.ref, "designations"), 20)}
    print(json.dumps(sample, indent=1))


if __name__ == "__main__":
    main()
