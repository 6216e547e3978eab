"""Shared machinery for the list imports (scripts/import_eu.py, import_uk.py, import_ca.py, import_nz.py,
import_au.py): read a jurisdiction's list as entries, match each entry to one target across all lists, and
write targets.csv, designations.csv, target_matches.csv, and listing rounds in responses.csv.

One target, one row. Each list entry (actor, list reference) is matched once and the decision is kept in
data/target_matches.csv, so a re-run gives the same target ids:

- `automatic`: strong evidence — the same Cyrillic name, the same registration number, the same name
  skeleton (see `token_skeleton`) with the same full date of birth, or the same full three-part name (with
  patronymic) matching one target only and no conflicting year of birth;
- `manual`: decided by hand (the row says why); an import never changes a manual row;
- `new`: no target matched; a new target was made. Weaker candidates (same name skeleton, no date of birth
  to compare) are named in `evidence` so that they can be reviewed and turned into `manual` rows.

To decide by hand: set the row's `decision` to `manual`, its `target_id` and a reason in `evidence` (starting
"reviewed by hand"), then `make imports`. If the row moves an entry away from a target the imports made, delete
that old target's designations in data/designations.csv first: an import removes the rows of the targets its
entries pointed to when it last ran, and the old target is no longer named in target_matches.csv.

Idempotent: every output is a function of the raw list and of the files it writes back.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_FIELDS = ["id", "name", "target_type", "name_be", "name_ru", "name_variants", "role",
                 "date_of_birth", "ofac_ent_num", "name_be_source_id", "name_ru_source_id", "no_cyrillic_name", "notes", "role_category"]
DESIGNATION_FIELDS = ["id", "target_id", "actor_id", "listed_on", "listed_on_basis", "delisted_on", "program",
                      "response_id", "source_id", "notes"]
MATCH_FIELDS = ["actor_id", "list_ref", "target_id", "decision", "evidence", "list_name", "date_of_birth",
                "registration_number", "name_cyrillic", "role_category"]
SOURCE_FIELDS = ["id", "url", "title", "publisher", "published_date", "source_kind", "language"]
RS_FIELDS = ["response_id", "source_id", "supports"]
ROLE_ORDER = ["officials", "judges", "election_officials", "security_forces", "state_companies", "propagandists"]
COUNT_NOTE = "Designations linked in this dataset:"


def read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return next(csv.reader(f))


def write(path: Path, fields: list[str], rows: list[dict], key=None) -> None:
    """Write `rows` as the data files are kept: UTF-8, "\n" line ends, sorted by `key` (in their order without one)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for row in (rows if key is None else sorted(rows, key=key)):
        w.writerow({k: row.get(k, "") or "" for k in fields})
    path.write_text(buf.getvalue(), encoding="utf-8")


def slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", translit(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# --- names -------------------------------------------------------------------------------------------
CYR = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіўє’'ї",
               ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r", "s", "t",
                "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya", "i", "u", "e", "", "", "i"]))


def translit(text: str) -> str:
    return "".join(CYR.get(c, CYR.get(c.lower(), c)) if c.lower() in CYR else c for c in text)


def is_cyrillic(text: str) -> bool:
    return bool(re.search(r"[\u0400-\u04FF]", text))


def cyr_key(text: str) -> str:
    t = text.casefold().replace("ё", "е").replace("’", "'").replace("ʼ", "'")
    t = re.sub(r"(?<=[\u0400-\u04FF])i|i(?=[\u0400-\u04FF])", "і", t)  # a Latin i typed inside a Cyrillic word
    return " ".join(sorted(re.findall(r"[\u0400-\u04FF']+", t)))


def token_skeleton(tok: str) -> str:
    t = unicodedata.normalize("NFKD", translit(tok.lower())).encode("ascii", "ignore").decode()
    for a, b in [("shch", "sh"), ("kh", "h"), ("x", "ks"), ("ph", "f"), ("dz", "d"), ("tz", "t"), ("ts", "t"),
                 ("ck", "k"), ("q", "k"), ("g", "h"), ("c", "t"), ("w", "v")]:
        t = t.replace(a, b)
    t = re.sub(r"[aeiouyjv]", "", t)
    return re.sub(r"(.)\1+", r"\1", re.sub(r"[^a-z]", "", t))


PATRONYMIC = re.compile(r"(vich|vych|vna|ich|ichna|auna|ovna|evna|ivna|aunа|ievich|yevich|ovich|evich)$", re.I)


def person_keys(name: str) -> tuple[str, str]:
    """(full skeleton with patronymic, short skeleton without it), tokens sorted so word order does not matter."""
    toks = [t for t in re.split(r"[\s,.()\-]+", name) if t and len(t) > 1]
    full = sorted(token_skeleton(t) for t in toks)
    short = sorted(token_skeleton(t) for t in toks if not PATRONYMIC.search(translit(t.lower())))
    return " ".join(s for s in full if s), " ".join(s for s in short if s)


LEGAL = r"\b(open|closed|joint|stock|company|companies|limited|liability|additional|private|public|oao|ojsc|jsc|zao|cjsc|ooo|llc|ltd|pjsc|pao|oo|ao|uo|rue|rup|ruе|republican|unitary|enterprise|state|production|association|the|of|and|holding|management|plc|inc|group|managing|so|kupe|odo|tdo|obshchestvo|aktsionernoe|otkrytoe)\b"


def entity_key(name: str) -> str:
    t = unicodedata.normalize("NFKD", translit(name.lower())).encode("ascii", "ignore").decode()
    t = re.sub(r"\(.*?\)", " ", t)
    t = re.sub(LEGAL, " ", re.sub(r"[^a-z0-9 ]+", " ", t))
    return " ".join(token_skeleton(x) for x in t.split() if token_skeleton(x))


# --- roles -------------------------------------------------------------------------------------------
ROLE_RULES = [
    ("judges", r"\bjudge|\bcourt\b|\bprosecutor"),
    ("election_officials", r"election commission|electoral commission|\bcec\b|elections and holding|territorial election|precinct"),
    ("security_forces", r"\bomon\b|\bkgb\b|police|militia|internal affairs|internal troops|interior|armed forces|military|army|\bcommander\b|border|security council|security service|special forces|gubopik|colony|prison|detention|penitentiar|\bgeneral\b|defence|defense|investigative committee|\bspetsnaz|sobr|air force|\bbrigade"),
    ("propagandists", r"propagand|television|\btv\b|broadcast|journalist|presenter|editor|newspaper|belta|\bont\b|\bstv\b|belteleradio|minist\w* of information|ideolog"),
    ("state_companies", r"state-owned|state owned|republican unitary|state enterprise|state company|owned by the state|state concern|national bank|\bbelarusbank|state.controlled"),
    ("officials", r"minister|deputy|governor|chairman|chairperson|head of|president|parliament|house of representatives|council of the republic|executive committee|administration|ambassador|official|secretary|mayor|\bchief\b|member of"),
]


def role_categories(text: str, kind: str) -> set[str]:
    t = (text or "").lower()
    cats = {c for c, rx in ROLE_RULES if re.search(rx, t)}
    if kind != "person":
        cats &= {"state_companies", "security_forces", "propagandists", "election_officials", "judges"}
    else:
        cats.discard("state_companies")
    return cats


# --- entries -----------------------------------------------------------------------------------------
@dataclass
class Entry:
    ref: str
    kind: str
    name: str
    variants: list[str] = field(default_factory=list)
    cyrillic: list[str] = field(default_factory=list)
    dob: str = ""
    reg: list[str] = field(default_factory=list)
    role: str = ""
    reason: str = ""
    listed_on: str = ""
    basis: str = "list_date"
    program: str = ""
    source_id: str = ""
    delisted_on: str = ""
    notes: str = ""
    name_be: str = ""
    name_ru: str = ""
    name_source_id: str = ""


class Index:
    """Every name form, date of birth and registration number known for each target."""

    def __init__(self, targets: dict, matches: list[dict], extra: dict[str, dict]):
        self.targets = targets
        self.full, self.short, self.cyr, self.reg, self.ent = {}, {}, {}, {}, {}
        self.dob: dict[str, set] = {}
        for tid, t in targets.items():
            names = [t["name"]] + [v for v in (t.get("name_variants") or "").split(" | ") if v]
            names += [t.get("name_be") or "", t.get("name_ru") or ""]
            self.add(tid, t["target_type"], names, t.get("date_of_birth") or "", [])
        for m in matches:
            if m["target_id"] in targets:
                names = [m["list_name"]] + [n for n in (m.get("name_cyrillic") or "").split(" | ") if n]
                self.add(m["target_id"], targets[m["target_id"]]["target_type"], names, m.get("date_of_birth") or "",
                         [r for r in (m.get("registration_number") or "").split(" | ") if r])
        for tid, e in extra.items():
            if tid in targets:
                self.add(tid, targets[tid]["target_type"], e.get("names", []), e.get("dob", ""), e.get("reg", []))

    def add(self, tid, kind, names, dob, regs):
        if dob:
            self.dob.setdefault(tid, set()).add(dob)
        for r in regs:
            self.reg.setdefault(norm_reg(r), set()).add(tid)
        for n in names:
            if not n:
                continue
            if is_cyrillic(n):
                k = cyr_key(n)
                if len(k.split()) >= 2:
                    self.cyr.setdefault(k, set()).add(tid)
            if kind == "person":
                full, short = person_keys(n)
                if len(full.split()) >= 2:
                    self.full.setdefault(full, set()).add(tid)
                if len(short.split()) >= 2:
                    self.short.setdefault(short, set()).add(tid)
            else:
                k = entity_key(n)
                if k:
                    self.ent.setdefault(k, set()).add(tid)

    def dob_conflict(self, tid, dob):
        known = {d for d in self.dob.get(tid, set()) if len(d) == 10}
        return bool(dob) and len(dob) == 10 and known and dob not in known

    def year_conflict(self, tid, dob):
        years = {d[:4] for d in self.dob.get(tid, set())}
        return bool(dob) and bool(years) and dob[:4] not in years

    def match(self, e: Entry) -> tuple[str, str, list[str]]:
        """(target id or '', evidence, weak candidates)."""
        kind_ok = lambda tid: (self.targets[tid]["target_type"] == "person") == (e.kind == "person")
        for r in e.reg:
            hits = [t for t in self.reg.get(norm_reg(r), ()) if kind_ok(t)]
            if len(hits) == 1:
                return hits[0], f"same registration number {r}", []
        for n in e.cyrillic:
            hits = [t for t in self.cyr.get(cyr_key(n), ()) if kind_ok(t) and not self.dob_conflict(t, e.dob)]
            if len(hits) == 1 and len(cyr_key(n).split()) >= (3 if e.kind == "person" else 2):
                return hits[0], f"same Cyrillic name {n}", []
        names = [e.name] + e.variants
        cands: list[str] = []
        if e.kind == "person":
            strong: dict[str, str] = {}
            for n in names:
                full, short = person_keys(n)
                for key, table in ((full, self.full), (short, self.short)):
                    for t in table.get(key, ()):
                        if not kind_ok(t):
                            continue
                        if len(e.dob) == 10 and e.dob in self.dob.get(t, set()):
                            return t, f"same date of birth {e.dob} and name skeleton '{key}'", []
                        if self.dob_conflict(t, e.dob) or self.year_conflict(t, e.dob):
                            continue
                        if t not in cands:
                            cands.append(t)
                        if key is full and len(full.split()) >= 3:
                            strong.setdefault(t, key)
            if len(strong) == 1:
                t, key = next(iter(strong.items()))
                years = {d[:4] for d in self.dob.get(t, set())}
                if e.dob and e.dob[:4] in years:
                    return t, f"same full name with patronymic (skeleton '{key}') and same year of birth {e.dob[:4]}", []
                return t, f"same full name with patronymic (skeleton '{key}'), the only such target; no date of birth to compare", []
        else:
            for n in names:
                for t in self.ent.get(entity_key(n), ()):
                    if kind_ok(t) and t not in cands:
                        cands.append(t)
        return "", "", cands


def norm_reg(r: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", r).upper()


def iso_dob(raw: str) -> str:
    raw = (raw or "").strip()
    m = re.match(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$", raw)
    if m:
        return f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
    m = re.match(r"^(\d{4})(-\d{2}(-\d{2})?)?$", raw)
    return raw if m else ""


def split_names(text: str) -> list[str]:
    return [x.strip() for x in re.split(r";|\n", text or "") if x.strip()]


def be_or_ru(name: str) -> str:
    return "be" if re.search(r"[іІўЎ’ʼ']", name) else "ru"


# --- the import --------------------------------------------------------------------------------------
def apply(actor: str, entries: list[Entry], data: Path, *, sources: list[dict], round_for, extra: dict | None = None,
          keep_row=lambda d: False) -> dict:
    """Merge one jurisdiction's entries into the data files. `round_for(date, n, data)` returns
    (response row or None, [source ids]) for a new listing round of that date."""
    targets = {t["id"]: t for t in read(data / "targets.csv")}
    designations = read(data / "designations.csv")
    matches = read(data / "target_matches.csv")
    by_ref = {(m["actor_id"], m["list_ref"]): m for m in matches}
    index = Index(targets, [m for m in matches if m["actor_id"] != actor], extra or {})
    stats = {"entries": len(entries), "automatic": 0, "manual": 0, "new": 0}
    new_matches = [m for m in matches if m["actor_id"] != actor]
    tid_of: dict[str, str] = {}
    for e in sorted(entries, key=lambda e: e.ref):
        old = by_ref.get((actor, e.ref))
        cyr = " | ".join(dict.fromkeys(e.cyrillic))
        first = re.split(r"(?<=[a-z)])\. ", e.reason.strip())[0] if e.reason else ""
        cats = role_categories(f"{e.role or first} {e.name if e.kind != 'person' else ''}", e.kind)
        row = {"actor_id": actor, "list_ref": e.ref, "list_name": e.name, "date_of_birth": e.dob,
               "registration_number": " | ".join(e.reg), "name_cyrillic": cyr,
               "role_category": "; ".join(c for c in ROLE_ORDER if c in cats)}
        if old and old["decision"] == "manual":
            tid = old["target_id"]
            row.update(target_id=tid, decision="manual", evidence=old["evidence"])
        elif old and old["target_id"] in targets:
            tid = old["target_id"]
            row.update(target_id=tid, decision=old["decision"], evidence=old["evidence"])
        else:
            tid, evidence, cands = index.match(e)
            if tid:
                row.update(target_id=tid, decision="automatic", evidence=evidence)
            else:
                if old and old["decision"] == "new" and old["target_id"]:
                    tid = old["target_id"]
                else:
                    tid = slug(e.name) or slug(f"{actor}-{e.ref}")
                    if tid in targets:
                        tid = f"{tid}-{slug(actor)}-{slug(e.ref)}"
                cands = [c for c in cands if c != tid]
                row.update(target_id=tid, decision="new",
                           evidence=("candidates to review: " + ", ".join(cands)) if cands else "no match")
        stats[row["decision"]] += 1
        if tid not in targets:
            targets[tid] = {"id": tid, "name": e.name, "target_type": e.kind}
        t = targets[tid]
        index.add(tid, t["target_type"], [e.name] + e.variants + e.cyrillic, e.dob, e.reg)
        variants = [v for v in (t.get("name_variants") or "").split(" | ") if v]
        for v in [e.name] + e.variants:
            v = v.strip()
            if v and v != t["name"] and v not in variants and not is_cyrillic(v):
                variants.append(v)
        t["name_variants"] = " | ".join(variants)
        t["role"] = (t.get("role") or e.role[:300]).strip()
        t["date_of_birth"] = t.get("date_of_birth") or e.dob
        if e.name_source_id and not t.get("no_cyrillic_name"):
            if e.name_be and not t.get("name_be"):
                t["name_be"], t["name_be_source_id"] = e.name_be, e.name_source_id
            if e.name_ru and not t.get("name_ru"):
                t["name_ru"], t["name_ru_source_id"] = e.name_ru, e.name_source_id
        new_matches.append(row)
        tid_of[e.ref] = tid
    listed = set(tid_of.values())
    # This import's rows: those of its targets now, and those of the targets it matched before (a decision
    # since changed by hand); rows of other targets (delisted people recorded from other sources) stay.
    before = {m["target_id"] for m in matches if m["actor_id"] == actor}
    kept = [d for d in designations
            if d["actor_id"] != actor or d["target_id"] not in (listed | before) or keep_row(d)]
    # Rounds.
    responses = read(data / "responses.csv")
    rs_path = data / "response_sources.csv"
    response_sources = read(rs_path)
    all_sources = {s["id"]: s for s in read(data / "sources.csv")}
    for s in sources:
        all_sources.setdefault(s["id"], s)
    rounds = [r for r in responses if r["actor_id"] == actor and r["response_type"] == "individual_sanctions"]
    by_date: dict[str, list[Entry]] = {}
    for e in entries:
        if e.listed_on:
            by_date.setdefault(e.listed_on, []).append(e)
    round_of: dict[str, str] = {}
    for day in sorted(by_date):
        r = find_round(day, rounds)
        if r is None:
            row, src_ids = round_for(day, by_date[day], all_sources)
            if row is None:
                continue
            responses.append(row)
            rounds.append(row)
            for sid in src_ids:
                if not any(x["response_id"] == row["id"] and x["source_id"] == sid for x in response_sources):
                    response_sources.append({"response_id": row["id"], "source_id": sid, "supports": "date; fact"})
            r = row
        round_of[day] = r["id"]
    taken = {d["id"] for d in kept}
    for e in entries:
        tid = tid_of[e.ref]
        n = 1
        while f"{actor}_{tid}_{n}" in taken:
            n += 1
        did = f"{actor}_{tid}_{n}"
        taken.add(did)
        kept.append({"id": did, "target_id": tid, "actor_id": actor, "listed_on": e.listed_on,
                     "listed_on_basis": e.basis, "delisted_on": e.delisted_on, "program": e.program,
                     "response_id": round_of.get(e.listed_on, ""), "source_id": e.source_id, "notes": e.notes})
    # Targets left without any designation and made by an import (a 'new' decision since superseded) go.
    used = {d["target_id"] for d in kept}
    made = {m["target_id"] for m in matches if m["decision"] == "new" or m["actor_id"] == actor} - {m["target_id"] for m in new_matches}
    for tid in list(targets):
        if tid not in used and tid in made:
            del targets[tid]
    # Role category of each target: from every list entry that names it, and from its recorded role.
    cats_of: dict[str, set] = {}
    for m in new_matches:
        cats_of.setdefault(m["target_id"], set()).update(c for c in m["role_category"].split("; ") if c)
    for tid, t in targets.items():
        cats = cats_of.get(tid, set()) | role_categories(t.get("role") or "", t["target_type"])
        if t["target_type"] != "person":
            cats |= role_categories(t["name"], t["target_type"]) & {"security_forces", "election_officials", "judges"}
        t["role_category"] = "; ".join(c for c in ROLE_ORDER if c in cats)
    recount(responses, kept, actor)
    write(data / "targets.csv", TARGET_FIELDS, list(targets.values()), key=lambda t: t["id"])
    write(data / "designations.csv", DESIGNATION_FIELDS, kept, key=lambda d: d["id"])
    write(data / "target_matches.csv", MATCH_FIELDS, new_matches, key=lambda m: (m["actor_id"], m["list_ref"]))
    write(data / "responses.csv", header(data / "responses.csv"), responses, key=lambda r: r["id"])
    write(rs_path, header(rs_path), response_sources, key=lambda r: (r["response_id"], r["source_id"]))
    write(data / "sources.csv", SOURCE_FIELDS, list(all_sources.values()), key=lambda s: s["id"])
    return stats


def find_round(day: str, rounds: list[dict]) -> dict | None:
    same = [r for r in rounds if r["date"] == day]
    if same:
        return sorted(same, key=lambda r: r["id"])[0]
    d = dt.date.fromisoformat(day)
    near = []
    for r in rounds:
        if len(r["date"]) == 10:
            gap = (dt.date.fromisoformat(r["date"]) - d).days
            # announced up to six days after the act that made the listing, or the day before it took effect
            if -1 <= gap <= 6 and gap != 0:
                near.append((abs(gap), r["id"], r))
    if near:
        return sorted(near)[0][2]
    month = [r for r in rounds if len(r["date"]) == 7 and day.startswith(r["date"])]
    if month:  # a round known only to the month
        return sorted(month, key=lambda r: r["id"])[0]
    return None


def recount(responses: list[dict], designations: list[dict], actor: str) -> None:
    """Set a note on each listing round whose linked designations differ from its targets_count, or that has none.

    targets_count is the number the sources of the row state (a round this script makes from a list states its
    own). A count of the linked designations is never written into it: the lists are current lists, and a round
    may have listed more, under other regimes, or people delisted since. The note gives that count for what it is."""
    counts: dict[str, int] = {}
    for d in designations:
        if d["response_id"]:
            counts[d["response_id"]] = counts.get(d["response_id"], 0) + 1
    for r in responses:
        if r["actor_id"] != actor or r["response_type"] != "individual_sanctions":
            continue
        notes = re.sub(r"\s*" + re.escape(COUNT_NOTE) + r"[^|]*$", "", r.get("notes") or "").strip()
        n = counts.get(r["id"], 0)
        stated = int(r["targets_count"]) if r.get("targets_count") else None
        said = ""
        if stated is None and n:
            said = (f"{COUNT_NOTE} {n}; the sources of this row give no total (the official lists are current "
                    "lists: people delisted since are not on them, so the total may be higher).")
        elif stated is not None and n and n < stated:
            said = (f"{COUNT_NOTE} {n} of the {stated} listed (the official lists are current lists: people "
                    "delisted since, and listings under other regimes or made by other acts of the same round, are "
                    "not among them).")
        elif stated is not None and n and n > stated:
            said = (f"{COUNT_NOTE} {n}, more than the {stated} the sources of this row give: the lists date {n} "
                    "listings to this round's act or day (listings the sources do not count, or made by another act "
                    "of the same days).")
        r["notes"] = f"{notes} {said}".strip()


def new_round(actor: str, day: str, entries: list[Entry], *, who: str, regime: str, instrument: str,
              trigger: str = "", extra: str = "") -> dict:
    people = sum(1 for e in entries if e.kind == "person")
    others = len(entries) - people
    parts = [f"{people} {'person' if people == 1 else 'people'}" if people else "",
             f"{others} {'entity' if others == 1 else 'entities'}" if others else ""]
    what = " and ".join(p for p in parts if p)
    when = dt.date.fromisoformat(day).strftime("%-d %B %Y")
    return {
        "id": f"{actor}-{day}-listings", "date": day, "date_precision": "day", "actor_id": actor,
        "response_type": "individual_sanctions",
        "title": f"{who} lists {what} under {regime} ({when})",
        "description": f"{who} added {what} to its sanctions list under {regime} on {when}{extra}.",
        "binding": "non_binding", "legal_basis": "discretionary", "is_sanction": "yes", "grounds": "country_regime",
        "instrument": instrument, "targets_count": str(len(entries)), "status": "in_force", "trigger_id": trigger,
    }
