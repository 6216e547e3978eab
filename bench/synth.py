"""Synthetic CSVs in exactly our schema, for benchmarks at any size.

    python bench/synth.py --rows N --out DIR [--seed 1]

Same headers and valid values as data/: dates 2020-08 to 2026, a few hundred actors, a skewed mix of
response types, one to three sources per response, Cyrillic and Latin text, a target list and its
designations. `python build.py --data DIR --output PATH` builds it.
"""
import argparse
import csv
import itertools
import json
import random
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
FIELDS = {r["name"]: [f["name"] for f in r["schema"]["fields"]] for r in PKG["resources"]}
TYPES = ["statement", "individual_sanctions", "other", "counter_measure", "sectoral_sanctions", "resolution",
         "investigation", "non_recognition", "diplomatic", "financial_support", "economic_withdrawal", "aviation", "delisting"]
TYPE_WEIGHTS = [25, 16, 11, 8, 7, 6, 6, 5, 4, 4, 3, 3, 2]
WORDS = ("sanctions listing repression election statement potash aviation Ryanair border migrants release prisoners "
         "санкции выборы репрессии Лукашенко Лукашэнка рэпрэсіі вызваленне Belaruskali Belavia Minsk Vilnius Warsaw "
         "council resolution investigation funding civil society media").split()


def text(rng, n):
    return " ".join(rng.choices(WORDS, k=n)).capitalize() + "."


def date(rng):
    y = rng.choices(range(2020, 2027), weights=[20, 26, 16, 11, 10, 14, 3])[0]
    m = rng.randint(8 if y == 2020 else 1, 10 if y == 2026 else 12)
    if rng.random() < 0.08:
        return f"{y}-{m:02d}", "month"
    return f"{y}-{m:02d}-{rng.randint(1, 28):02d}", "day"


def write(out, name, rows):
    with open(out / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(FIELDS[name])
        w.writerows(rows)


def synth(n: int, out: Path, seed: int = 1) -> None:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "data" / "response_types.csv", out / "response_types.csv")
    actors = [[f"actor-{i:04d}", f"Actor {i} {rng.choice(WORDS)}", f"Актар {i}" if i % 2 else "", f"Актор {i}" if i % 2 else "",
               "s-00000000" if i % 2 else "", "state" if i % 3 else "international_organisation", "",
               "XX" if i % 3 else "", "" if i % 3 else rng.choice(["yes", "no"]),
               round(rng.uniform(-60, 70), 4), round(rng.uniform(-170, 170), 4), f"https://actor{i}.example.org/"]
              for i in range(300)]
    write(out, "actors", actors)
    n_sources = max(10, n // 2)
    write(out, "sources", ([f"s-{i:08d}", f"https://example.org/{i}", text(rng, 6), f"Publisher {i % 500}",
                            date(rng)[0], rng.choice(["official", "intergovernmental", "news", "ngo"]), rng.choice(["en", "ru", "be", "lt"])]
                           for i in range(n_sources)))
    write(out, "triggers", [[f"trigger-{i}", f"Event {i}", "2020-08-09", "day", text(rng, 8), "s-00000000"] for i in range(8)])
    actor_ids = [a[0] for a in actors]
    weights = [1 / (i + 1) for i in range(len(actor_ids))]  # a few actors do most
    actor_cum = list(itertools.accumulate(weights))  # computed once: rng.choices would redo it on every call
    type_cum = list(itertools.accumulate(TYPE_WEIGHTS))
    links = []
    with open(out / "responses.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(FIELDS["responses"])
        for i in range(n):
            rid = f"r-{i:08d}"
            d, p = date(rng)
            t = rng.choices(TYPES, cum_weights=type_cum)[0]
            sanction = "yes" if t in ("individual_sanctions", "sectoral_sanctions", "diplomatic", "economic_withdrawal", "aviation") else "no"
            money = t == "financial_support"
            w.writerow([rid, d, p, rng.choices(actor_ids, cum_weights=actor_cum)[0], t, text(rng, 7), text(rng, 30),
                        rng.choice(["non_binding"] * 9 + ["not_stated"]), rng.choice(["discretionary", "not_stated", "countermeasure"]),
                        sanction, "country_regime" if sanction == "yes" else "not_applicable",
                        f"Act {i}" if sanction == "yes" else "", rng.randint(1, 80) if t == "individual_sanctions" else "",
                        rng.randint(1, 50) * 100000 if money else "", "EUR" if money else "",
                        "in_force" if sanction == "yes" else "one_off", "", f"trigger-{rng.randint(0, 7)}", "",
                        "" if rng.random() < 0.9 else text(rng, 10)])
            for s in rng.sample(range(n_sources), rng.choice([1, 1, 2, 3])):
                links.append((rid, f"s-{s:08d}", "date; fact"))
    links.sort()
    write(out, "response_sources", links)
    n_targets = max(5, n // 20)
    write(out, "targets", ([f"target-{i:07d}", f"Target {i}", rng.choice(["person", "entity"]), "Лукашэнка" if i % 7 == 0 else "",
                            "Лукашенко" if i % 7 == 0 else "", "Lukashenko | Lukashenka" if i % 7 == 0 else "", "", "", "", "", ""]
                           for i in range(n_targets)))
    write(out, "designations", ([f"actor-{i % 300:04d}_target-{i % n_targets:07d}_{i // (300 * n_targets) + 1}",
                                 f"target-{i % n_targets:07d}", f"actor-{i % 300:04d}", date(rng)[0], "official_act", "", "Act",
                                 "", "s-00000001", ""] for i in range(n // 10)))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    synth(a.rows, a.out, a.seed)
    print(f"wrote {a.rows:,} responses to {a.out}")
