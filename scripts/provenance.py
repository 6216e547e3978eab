"""Fill `added_in` and `changed_in` of data/responses.csv from the git history.

    python scripts/provenance.py          # rewrite the two columns in data/responses.csv
    python scripts/provenance.py --check  # exit 1 (and list the rows) if a stored value differs

Every commit that touched data/responses.csv is compared with its first parent, row by row (by `id`), on the
columns both versions have (a column added later is not a change of the rows that existed before it); the working
tree counts as one more change on top of HEAD. A change belongs to the data release it went out in. A release is
marked by its changelog: release `v` is the last commit that edited data/CHANGELOG.md while datapackage.json declared
version `v`. A change belongs to the first release at or after it (never to a version older than the one declared
when it was made); a change after the last release belongs to the version the working tree declares (the release
being prepared).

`added_in` is the release of the first change that brought the row's `id`; `changed_in` the release of its latest
change (equal to `added_in` for a row never changed since). The two columns themselves are not compared.
"""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from listings import write

ROOT = Path(__file__).resolve().parent.parent
RESPONSES = "data/responses.csv"
PACKAGE = "datapackage.json"
CHANGELOG = "data/CHANGELOG.md"
OWN = {"added_in", "changed_in"}


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout


def show(commit: str, path: str) -> str | None:
    proc = subprocess.run(["git", "show", f"{commit}:{path}"], cwd=ROOT, capture_output=True, text=True)
    return proc.stdout if proc.returncode == 0 else None


def table(text: str | None) -> dict[str, dict]:
    if not text:
        return {}
    return {r["id"]: r for r in csv.DictReader(io.StringIO(text))}


def version_at(commit: str) -> str:
    text = show(commit, PACKAGE)
    return json.loads(text).get("version", "0.0.0") if text else "0.0.0"


def vkey(v: str) -> tuple:
    return tuple(int(x) for x in v.split(".") if x.isdigit())


def changed(old: dict, new: dict) -> bool:
    shared = (set(old) & set(new)) - OWN
    return any((old.get(c) or "") != (new.get(c) or "") for c in shared)


def compute() -> dict[str, tuple[str, str]]:
    # Commits in the order they were made (parents before children), with the version each declares.
    order = git("rev-list", "--topo-order", "--reverse", "HEAD").split()
    versions = {c: version_at(c) for c in git("rev-list", "HEAD", "--", PACKAGE).split()}
    declared, current = [], "0.0.0"
    for c in order:
        current = versions.get(c, current)
        declared.append(current)
    head_version = json.loads((ROOT / PACKAGE).read_text(encoding="utf-8"))["version"]
    logged = set(git("rev-list", "HEAD", "--", CHANGELOG).split())
    released: dict[str, int] = {}
    for i, c in enumerate(order):
        if c in logged:
            released[declared[i]] = i

    def release(i: int) -> str:
        later = [v for v, j in released.items() if j >= i and vkey(v) >= vkey(declared[i])]
        return min(later, key=vkey) if later else head_version

    touching = set(git("rev-list", "HEAD", "--", RESPONSES).split())
    added: dict[str, str] = {}
    last: dict[str, str] = {}
    for i, c in enumerate(order):
        if c not in touching:
            continue
        parents = git("rev-list", "--parents", "-n", "1", c).split()[1:]
        old = table(show(parents[0], RESPONSES)) if parents else {}
        new = table(show(c, RESPONSES))
        v = release(i)
        for rid, row in new.items():
            if rid not in old:
                added.setdefault(rid, v)
                last[rid] = v
            elif changed(old[rid], row):
                last[rid] = v
    # The working tree: one more change on top of HEAD.
    head = table(show("HEAD", RESPONSES))
    work = table((ROOT / RESPONSES).read_text(encoding="utf-8"))
    v = json.loads((ROOT / PACKAGE).read_text(encoding="utf-8"))["version"]
    for rid, row in work.items():
        if rid not in head:
            added.setdefault(rid, v)
            last[rid] = v
        elif changed(head[rid], row):
            last[rid] = v
    out = {}
    for rid in work:
        a = added.get(rid, v)
        c = last.get(rid, a)
        out[rid] = (a, c if vkey(c) >= vkey(a) else a)
    return out


def main(argv: list[str]) -> int:
    path = ROOT / RESPONSES
    text = path.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    fields = list(rows[0].keys())
    for col in ("added_in", "changed_in"):
        if col not in fields:
            fields.append(col)
    prov = compute()
    wrong = [r["id"] for r in rows if (r.get("added_in"), r.get("changed_in")) != prov[r["id"]]]
    if "--check" in argv:
        for rid in wrong[:50]:
            print(f"{RESPONSES}: {rid}: stored {prov[rid]!r} expected; run python scripts/provenance.py", file=sys.stderr)
        return 1 if wrong else 0
    for r in rows:
        r["added_in"], r["changed_in"] = prov[r["id"]]
    write(path, fields, rows)
    print(f"{len(wrong)} row(s) updated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
