"""Synthetic CSVs in exactly our schema, for benchmarks at any size.

    python bench/synth.py --rows N --out DIR [--seed 1] [--no-check]

Every table, column and value is derived from `datapackage.json`, never from a list written here, so the
generator cannot drift from the schema:

- **Which tables, how many rows.** `responses` gets N rows. A link table (a primary key made only of foreign
  keys, like `response_sources`) gets, for each row of the table its first key points to, as many rows as a
  real row of that table has (drawn from the real counts: one to three sources per response, almost never a
  `distinct_pairs` entry). A table
  that points (directly or not) at a generated table is generated too, at its share of N in the real data
  (`SIZES` adds a few sensible sizes: a few hundred actors, a handful of triggers). A table that points at no
  generated table (`response_types`, or any closed list added later) is copied from `data/` as it is.
- **Which cells are filled, with which codes.** Each generated row starts from a real row of the same table in
  `data/` (a template): its enumeration values, its keys into copied tables and which optional cells it leaves
  empty are kept, so the row rules that tie codes to each other (status and end_date, aircraft and
  registration_mark, a name and its source...) hold by construction, whatever rules are added.
- **Values.** Per field: enumerations as in the template (or drawn from the enumeration); patterns by a
  generator that walks the regular expression itself (`re` parses it); dates in the data package's period at
  the template's precision (so a `date_precision` column agrees), in order across a row; numbers within
  `minimum`/`maximum`; URLs on the template's host; foreign keys drawn from the generated (or copied) table;
  unique columns unique; free text of the template's length and script (Latin or Cyrillic).
- **Checked by the build itself.** The set is then validated with `build.validate` (every schema check, row
  rule and `rules.py` rule): a cell the build refuses is emptied (if optional) or drawn again, a row whose key
  is refused is dropped, until the build accepts it all. `--no-check` skips this.
"""
from __future__ import annotations

import argparse
import bisect
import collections
import contextlib
import csv
import io
import datetime as dt
import itertools
import json
import random
import re
import sys
from pathlib import Path

try:
    import re._parser as sre_parse  # Python 3.11+
    from re import _constants as sre_c
except ImportError:  # pragma: no cover
    import sre_parse  # type: ignore
    import sre_constants as sre_c  # type: ignore

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LATIN = ("sanctions listing repression election statement potash aviation Ryanair border migrants release prisoners "
         "Belaruskali Belavia Minsk Vilnius Warsaw council resolution investigation funding civil society media "
         "Lukashenko Lukashenka regime crackdown").split()
CYRILLIC = "санкции выборы репрессии Лукашенко Лукашэнка рэпрэсіі вызваленне Мінск Беларусь палітвязні рада".split()
CYRILLIC_RE = re.compile("[\u0400-\u04ff]")
# Sizes that do not follow the real data's proportions (a few hundred actors, however many responses).
SIZES = {"actors": lambda n: 300, "triggers": lambda n: 8, "sources": lambda n: max(10, n // 2),
         "targets": lambda n: max(5, n // 20), "designations": lambda n: max(1, n // 10),
         "target_matches": lambda n: max(1, n // 10)}  # about one match decision per listing, as in the real data
DATE_SHAPES = {4: "%Y", 7: "%Y-%m", 10: "%Y-%m-%d"}


# --------------------------------------------------------------------------- values from a pattern

def from_pattern(pattern: str, rng: random.Random) -> str:
    """A random string matching `pattern` (anchors, literals, classes, groups, alternations, repeats)."""
    return _walk(sre_parse.parse(pattern), rng)


def _walk(items, rng) -> str:
    out = []
    for op, av in items:
        if op is sre_c.LITERAL:
            out.append(chr(av))
        elif op is sre_c.NOT_LITERAL:
            out.append("x" if av != ord("x") else "y")
        elif op is sre_c.ANY:
            out.append("x")
        elif op is sre_c.IN:
            out.append(_pick_class(av, rng))
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)):
            lo, hi, sub = av
            hi = lo + 6 if hi is sre_c.MAXREPEAT or hi > lo + 6 else hi
            out.extend(_walk(sub, rng) for _ in range(rng.randint(lo, hi) if lo or rng.random() < 0.5 else 0))
        elif op is sre_c.SUBPATTERN:
            out.append(_walk(av[-1], rng))
        elif op is sre_c.BRANCH:
            out.append(_walk(rng.choice(av[1]), rng))
        elif op is sre_c.CATEGORY:
            out.append(_pick_class([(op, av)], rng))
        # AT (anchors), GROUPREF and the like add nothing
    return "".join(out)


def _pick_class(av, rng) -> str:
    chars: list[str] = []
    for op, v in av:
        if op is sre_c.LITERAL:
            chars.append(chr(v))
        elif op is sre_c.RANGE:
            chars.extend(chr(c) for c in range(v[0], min(v[1], v[0] + 200) + 1))
        elif op is sre_c.CATEGORY:
            chars.extend({sre_c.CATEGORY_DIGIT: "0123456789", sre_c.CATEGORY_SPACE: " ",
                          sre_c.CATEGORY_WORD: "abcdefghijklmnopqrstuvwxyz0123456789_"}.get(v, "x"))
        elif op is sre_c.NEGATE:
            return "x"
    return rng.choice(chars or ["x"])


# --------------------------------------------------------------------------- the schema, read once

class Field:
    def __init__(self, spec: dict, res: dict, pkg: dict):
        c = spec.get("constraints", {})
        self.name, self.type = spec["name"], spec.get("type", "string")
        self.required, self.unique = bool(c.get("required")), bool(c.get("unique"))
        self.enum = c.get("enum")
        self.pattern = c.get("pattern")
        self.regex = re.compile(self.pattern) if self.pattern else None
        self.is_date = bool(self.pattern) and self.pattern.startswith("^[0-9]{4}") and "-[0-9]{2}" in self.pattern
        self.in_period = bool(spec.get("x_period"))
        self.minimum, self.maximum = c.get("minimum"), c.get("maximum")
        self.is_uri = spec.get("format") == "uri"
        self.fk = next((fk["reference"]["resource"] for fk in res["schema"].get("foreignKeys", [])
                        if fk["fields"] == [self.name]), None)


class Table:
    def __init__(self, res: dict, pkg: dict, data_dir: Path):
        self.res, self.name = res, res["name"]
        self.file = Path(res["path"]).name
        self.fields = [Field(f, res, pkg) for f in res["schema"]["fields"]]
        self.names = [f.name for f in self.fields]
        self.pk = res["schema"].get("primaryKey", [])
        self.by_name = {f.name: f for f in self.fields}
        self.refs = {f.fk for f in self.fields if f.fk}
        self.link = len(self.pk) >= 2 and all(self.by_name[k].fk for k in self.pk)
        path = data_dir / self.file
        self.templates: list[dict] = []
        if path.exists():
            with open(path, encoding="utf-8-sig", newline="") as f:
                reader = csv.DictReader(f)
                self.templates = [{k: (v or "") for k, v in r.items() if k in self.by_name} for r in reader]


def plan(pkg: dict, n: int, data_dir: Path) -> tuple[list[Table], dict[str, int]]:
    """Tables in creation order (a table after those it points to) and how many rows each generated one gets."""
    import build
    tables = [Table(r, pkg, data_dir) for r in build.creation_order(pkg)]
    by_name = {t.name: t for t in tables}
    generated = ({"responses"} if "responses" in by_name else {tables[-1].name}) | (set(SIZES) & set(by_name))
    changed = True
    while changed:  # a table pointing at a generated table is generated too
        changed = False
        for t in tables:
            if t.name not in generated and (t.refs - {t.name}) & generated:
                generated.add(t.name)
                changed = True
    for t in tables:  # a table nobody can copy (no file in data/) is generated
        if not t.templates and t.name not in generated:
            generated.add(t.name)
    real_n = max(1, len(by_name["responses"].templates)) if "responses" in by_name else 1
    sizes = {}
    for t in tables:
        if t.name not in generated:
            continue
        if t.name == "responses":
            sizes[t.name] = n
        elif t.name in SIZES:
            sizes[t.name] = SIZES[t.name](n)
        elif t.link:
            sizes[t.name] = -1  # per row of the table its first key points to, as many as in the real data
        else:
            sizes[t.name] = max(1, round(len(t.templates) * n / real_n)) if t.templates else max(5, n // 20)
    return tables, sizes


# --------------------------------------------------------------------------- the generator

class Synth:
    def __init__(self, pkg: dict, n: int, out: Path, seed: int = 1, data_dir: Path = ROOT / "data"):
        import build
        self.pkg, self.n, self.out = pkg, n, out
        self.rng = random.Random(seed)
        self.tables, self.sizes = plan(pkg, n, data_dir)
        self.by_name = {t.name: t for t in self.tables}
        self.rows: dict[str, list[list[str]]] = {}
        self.keys: dict[str, list[str]] = {}      # single-column primary key values per table
        self.key_cum: dict[str, list[float]] = {}  # skewed draw: a few actors (or any referenced rows) do most
        start, end = build.period_of(pkg)
        as_of = pkg.get("x_as_of")
        self.period = (start, dt.date.fromisoformat(as_of) if as_of else end)
        self.used: dict[tuple[str, str], set] = {}

    # one cell --------------------------------------------------------------
    def vocabulary(self) -> tuple[list[str], list[str]]:
        """Every word of the real data's text, as often as it occurs there (Latin, Cyrillic): synthetic text with
        the real mix of common and rare words, so the search index and the duplicates rule meet what they would
        meet in a larger dataset, not thirty words repeated. The word lists above stand in when there is none."""
        if not hasattr(self, "_vocab"):
            latin, cyrillic = [], []
            for t in self.tables:
                for tpl in t.templates:
                    for f in t.fields:
                        if f.enum or f.regex is not None or f.fk or f.is_uri or f.type != "string":
                            continue
                        for w in re.findall(r"[^\W\d_]{2,}", tpl.get(f.name, "")):
                            (cyrillic if CYRILLIC_RE.search(w) else latin).append(w)
            self._vocab = (latin or LATIN, cyrillic or CYRILLIC)
        return self._vocab

    def text(self, template: str) -> str:
        latin, cyrillic = self.vocabulary()
        words = cyrillic if CYRILLIC_RE.search(template) else latin
        k = max(1, min(30, len(template.split())))
        return " ".join(self.rng.choices(words, k=k)).capitalize() + ("." if k > 3 else "")

    def date(self, f: Field, template: str, floor: dt.date | None) -> str:
        rng = self.rng
        if f.in_period:
            lo, hi = self.period
        else:
            year = int(template[:4]) if template[:4].isdigit() else 1980
            lo, hi = dt.date(max(1901, year - 10), 1, 1), min(self.period[1], dt.date(min(9999, year + 10), 12, 28))
        if floor and floor > lo:
            lo = min(floor, hi)
        day = lo + dt.timedelta(days=rng.randint(0, max(0, (hi - lo).days)))
        shapes = [s for s in ((len(template),) if len(template) in DATE_SHAPES else ()) + (10, 7, 4)
                  if f.regex.fullmatch(day.strftime(DATE_SHAPES[s]))]
        # A month or a year holds its first day's period start, so the period check passes at any precision.
        return day.strftime(DATE_SHAPES[shapes[0]])

    def number(self, f: Field, template: str) -> str:
        rng = self.rng
        try:
            v = float(template)
        except ValueError:
            v = 10.0
        lo = f.minimum if f.minimum is not None else min(0.0, v * 1.5)
        hi = f.maximum if f.maximum is not None else max(v * 1.5, lo + 10)
        lo, hi = max(lo, v * 0.5 if v > 0 else lo), min(hi, v * 1.5 if v > 0 else hi)
        if lo > hi:
            lo, hi = hi, lo
        if f.type == "integer":
            return str(rng.randint(int(lo) if lo == int(lo) else int(lo) + 1, max(int(hi), int(lo) if lo == int(lo) else int(lo) + 1)))
        return str(round(rng.uniform(lo, hi), 4))

    def key_for(self, t: Table, i: int) -> str:
        f = t.by_name[t.pk[0]]
        prefix = re.sub(r"[^a-z0-9]+", "-", t.name.lower()).strip("-")
        prefix = prefix[:-1] if prefix.endswith("s") else prefix
        for candidate in (f"{prefix}-{i:04d}", f"{prefix}{i:04d}", str(i + 1)):
            if f.regex is None or f.regex.fullmatch(candidate):
                return candidate
        used = self.used.setdefault((t.name, f.name), set())
        while True:  # any other pattern: walk it, until a value not used yet
            v = from_pattern(f.pattern, self.rng)
            if v not in used and f.regex.fullmatch(v):
                used.add(v)
                return v

    def pick_key(self, table: str, below: int | None = None) -> str:
        keys = self.keys[table]
        if below is not None:  # a row of the same table: only earlier ones (no row points at itself, no cycles)
            return keys[self.rng.randrange(below)] if below else ""
        return keys[bisect.bisect_left(self.key_cum[table], self.rng.random() * self.key_cum[table][-1])]

    def cell(self, t: Table, f: Field, template: str, i: int, floor: dt.date | None = None) -> str:
        rng = self.rng
        if f.name in t.pk and len(t.pk) == 1:
            return self.key_for(t, i)
        if not template and not f.required:
            return ""
        if f.fk:
            if f.fk == t.name:  # only rows generated before this one
                v = self.pick_key(f.fk, below=min(i, len(self.keys.get(t.name, ()))))
                return v if v or not f.required else self.key_for(t, 0)
            if f.fk not in self.sizes and template:  # a copied table: the template's key is a real one
                return template
            return self.pick_key(f.fk)
        if f.unique:
            return str(i + max(1, int(f.minimum or 1))) if f.type in ("integer", "number") else f"{self.text(template)} {i}"
        if f.enum:
            return template if template in f.enum else rng.choice(f.enum)
        if f.is_date:
            return self.date(f, template, floor)
        if f.type in ("integer", "number"):
            return self.number(f, template)
        if f.is_uri:
            m = re.match(r"https?://[^/?#\s]+", template)
            return f"{m.group(0) if m else 'https://example.org'}/synthetic/{t.name}/{i}"
        if f.regex is not None:
            return template if template and f.regex.fullmatch(template) else from_pattern(f.pattern, rng)
        return self.text(template or "x x x")

    def row(self, t: Table, i: int, template: dict) -> list[str]:
        out, floor = [], None
        for f in t.fields:
            v = self.cell(t, f, template.get(f.name, ""), i, floor)
            if f.is_date and f.in_period and v:
                floor = dt.date.fromisoformat((v + "-01-01")[:10]) if len(v) < 10 else dt.date.fromisoformat(v)
                if len(v) < 10:  # a later date of the row may not fall before the end of this one's period
                    floor = dt.date(floor.year, 12, 28) if len(v) == 4 else floor.replace(day=28)
            out.append(v)
        return out

    def template(self, t: Table) -> dict:
        return self.rng.choice(t.templates) if t.templates else {f.name: ("" if not f.required and self.rng.random() < 0.5 else "x x x") for f in t.fields}

    # whole tables ------------------------------------------------------------
    def generate(self) -> None:
        for t in self.tables:
            if t.name not in self.sizes:
                self.rows[t.name] = [[tpl.get(k, "") for k in t.names] for tpl in t.templates]
            elif t.link:
                self.rows[t.name] = self.links(t)
            else:
                rows = self.rows[t.name] = []
                keys = self.keys[t.name] = [] if len(t.pk) == 1 else None
                for i in range(self.sizes[t.name]):
                    rows.append(self.row(t, i, self.template(t)))
                    if keys is not None:
                        keys.append(rows[-1][t.names.index(t.pk[0])])
            if len(t.pk) == 1:
                idx = t.names.index(t.pk[0])
                self.keys[t.name] = [r[idx] for r in self.rows[t.name]]
                # A few rows are pointed at often, most rarely (1/rank), as with actors in the real data.
                self.key_cum[t.name] = list(itertools.accumulate(1 / (k + 1) for k in range(len(self.keys[t.name]))))

    def links(self, t: Table) -> list[list[str]]:
        first, second = (t.by_name[k] for k in t.pk[:2])
        rows = []
        fanout = self.fanout(t, first)
        for parent in self.keys[first.fk]:
            chosen = set()
            for _ in range(self.rng.choice(fanout)):
                other = self.rng.choice(self.keys[second.fk])
                if other in chosen:
                    continue
                chosen.add(other)
                r = self.row(t, len(rows), self.template(t))
                r[t.names.index(first.name)], r[t.names.index(second.name)] = parent, other
                rows.append(r)
        return rows

    def fanout(self, t: Table, first: Field) -> list[int]:
        """How many rows a parent has in the real data, one number per real parent row (0 for a parent with none):
        a response has 1 to 3 sources, and almost no response is in `distinct_pairs`. One to three without data."""
        parent = self.by_name[first.fk]
        if not t.templates or not parent.templates or len(parent.pk) != 1:
            return [1, 1, 2, 3]
        per = collections.Counter(tpl.get(first.name, "") for tpl in t.templates)
        counts = [per.get(tpl.get(parent.pk[0], ""), 0) for tpl in parent.templates]
        return counts if any(counts) else [1, 1, 2, 3]

    def write(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        for t in self.tables:
            with open(self.out / t.file, "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f, lineterminator="\n")
                w.writerow(t.names)
                w.writerows(self.rows[t.name])

    def derive(self) -> None:
        """Columns computed from other tables (a response's `sourcing` from its sources, `act_source`) are computed
        the way scripts/derived_columns.py computes them for the real data, not drawn at random."""
        t = self.by_name.get("responses")
        if t is None or "sourcing" not in t.names or not (self.out / "official_domains.csv").exists():
            return
        sys.path.insert(0, str(ROOT / "scripts"))
        import derived_columns
        with contextlib.redirect_stdout(io.StringIO()):
            derived_columns.main([], data=self.out)
        with open(self.out / t.file, newline="", encoding="utf-8") as f:
            self.rows["responses"] = list(csv.reader(f))[1:]

    # the build as the judge ------------------------------------------------------
    def check(self, rounds: int = 12) -> int:
        """Validate with the build; repair what it refuses; again, until it accepts every row. Returns the rounds."""
        import build
        by_file = {t.file: t for t in self.tables}
        tries: dict[tuple, int] = {}
        for n in range(1, rounds + 1):
            self.derive()
            try:
                build.validate(self.out, pkg=self.pkg)
                return n
            except build.BuildError as e:
                problems = e.problems
            drop: dict[str, set[int]] = {}
            for p in problems:
                t = by_file.get(Path(p.path).name)
                if t is None or p.line < 2 or t.name not in self.sizes:
                    raise RuntimeError(f"the generator wrote what the build cannot accept: {p}")
                i = p.line - 2
                rows = self.rows[t.name]
                col = p.column - 1
                if not (0 <= i < len(rows)) or not (0 <= col < len(t.names)):
                    raise RuntimeError(f"the generator wrote what the build cannot accept: {p}")
                f = t.fields[col]
                k = tries[(t.name, i, col)] = tries.get((t.name, i, col), 0) + 1
                if f.name in t.pk or k > 6:
                    drop.setdefault(t.name, set()).add(i)
                elif k == 1 and not f.required and rows[i][col]:
                    rows[i][col] = ""
                elif k <= 3:
                    rows[i][col] = self.cell(t, f, self.template(t).get(f.name) or "x x", i)
                else:  # the whole row again from another template, its key kept
                    key = [rows[i][t.names.index(k_)] for k_ in t.pk]
                    rows[i] = self.row(t, i, self.template(t))
                    for k_, v in zip(t.pk, key):
                        rows[i][t.names.index(k_)] = v
            for name, idx in drop.items():
                self.rows[name] = [r for j, r in enumerate(self.rows[name]) if j not in idx]
                tries = {k: v for k, v in tries.items() if k[0] != name}  # line numbers moved
                t = self.by_name[name]
                if len(t.pk) == 1:
                    c = t.names.index(t.pk[0])
                    self.keys[name] = [r[c] for r in self.rows[name]]
                    self.key_cum[name] = list(itertools.accumulate(1 / (k + 1) for k in range(len(self.keys[name]))))
            self.write()
        raise RuntimeError(f"the build still refuses the synthetic set after {rounds} rounds:\n"
                           + "\n".join(map(str, problems[:20])))


def synth(n: int, out: Path, seed: int = 1, check: bool = True, datapackage: Path = ROOT / "datapackage.json",
          data_dir: Path = ROOT / "data") -> dict[str, int]:
    """Write the synthetic set; returns the row count of each file."""
    pkg = json.loads(datapackage.read_text(encoding="utf-8"))
    s = Synth(pkg, n, out, seed, data_dir)
    s.generate()
    s.write()
    if check:
        s.check()
    return {t.name: len(s.rows[t.name]) for t in s.tables}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-check", action="store_true", help="skip validating the set with the build")
    a = ap.parse_args()
    counts = synth(a.rows, a.out, a.seed, check=not a.no_check)
    print(f"wrote {a.rows:,} responses to {a.out}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
