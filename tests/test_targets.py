"""Targets and designations: the OFAC import is reproducible, names search across scripts,
and the cross-jurisdiction queries give hand-checked answers."""
import csv
import io
import shutil
import sqlite3
import subprocess
import sys

import markupsafe
import pytest

from conftest import ROOT


def run_import(data_dir):
    proc = subprocess.run([sys.executable, "scripts/import_ofac.py", "--data", str(data_dir)], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def read(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_ofac_import_is_reproducible_and_in_step_with_the_raw_file(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("raw"))
    run_import(data)
    for name in ["targets.csv", "designations.csv", "sources.csv"]:
        assert (data / name).read_bytes() == (ROOT / "data" / name).read_bytes(), \
            f"data/{name} differs from a fresh import: run python scripts/import_ofac.py"


def test_ofac_import_from_scratch(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(ROOT / "data" / "responses.csv", data / "responses.csv")
    out = run_import(data)
    assert "247 OFAC SDN entries" in out
    targets = {t["id"]: t for t in read(data / "targets.csv")}
    designations = {d["target_id"]: d for d in read(data / "designations.csv")}
    assert len(targets) == len(designations) == 247
    # Present in the first snapshot: designated earlier, left undated rather than guessed.
    lukashenka = next(t for t in targets.values() if t["ofac_ent_num"] == "9760")
    assert lukashenka["name"] == "Alyaksandr Ryhorovich Lukashenka" and lukashenka["date_of_birth"] == "1954-08-30"
    d = designations[lukashenka["id"]]
    assert (d["listed_on"], d["listed_on_basis"], d["actor_id"]) == ("", "undated", "us-treasury")
    # First seen in the snapshot of 2021-12-02, and matched to the Treasury round of that day.
    dzmitry = next(t for t in targets.values() if t["ofac_ent_num"] == "32615")
    d = designations[dzmitry["id"]]
    assert (d["listed_on"], d["listed_on_basis"]) == ("2021-12-02", "list_snapshot")
    assert d["response_id"].startswith("us-treasury-2021-12-02")
    # Aliases from OFAC's remarks become searchable variants.
    assert any("a.k.a" not in t["name_variants"] and "TC BANK" in t["name_variants"] for t in targets.values())


def test_designations_counts_by_basis(built_db):
    db = sqlite3.connect(built_db)
    us = dict(db.execute("select listed_on_basis, count(*) from designations where actor_id = 'us-treasury' group by 1"))
    assert us == {"list_snapshot": 118, "undated": 56, "official_act": 34, "press_release": 9, "reported": 30}


@pytest.mark.parametrize("spelling", ["Lukashenko", "Lukashenka", "Лукашенко", "Лукашэнка"])
async def test_any_spelling_of_the_presidents_name_finds_him(ds, spelling):
    r = await ds.client.get("/belarus/target_history.json", params={"name": spelling, "_shape": "array"})
    assert r.status_code == 200
    ids = {row["target_id"] for row in r.json()}
    assert "alyaksandr-ryhorovich-lukashenka" in ids, spelling
    r = await ds.client.get("/belarus/targets.json", params={"_search": spelling, "_shape": "array"})
    assert "alyaksandr-ryhorovich-lukashenka" in {row["id"] for row in r.json()}, spelling


async def test_target_row_page_shows_timeline_and_sources(ds, built_db):
    db = sqlite3.connect(built_db)
    tid, = db.execute("select target_id from designations group by target_id order by count(*) desc limit 1").fetchone()
    html = (await ds.client.get(f"/belarus/targets/{tid}")).text
    n = db.execute("select count(*) from designations where target_id = ?", (tid,)).fetchone()[0]
    assert html.count('<td data-label="Listed on">') == n  # one row per listing
    for (url,) in db.execute("select distinct s.url from designations d join sources s on s.id = d.source_id where d.target_id = ?", (tid,)):
        from markupsafe import escape
        assert f'href="{escape(url)}" rel="noopener noreferrer"' in html
    assert "Cite this record" in html


async def test_alignment_lag_hand_checked(ds):
    """MZKT: listed by the EU on 2020-12-17, by the US in the OFAC action of 2022-02-24 (434 days later; first in the
    list file on 2022-02-25),
    listed by Canada on 2022-03-08 (446 days later, SOR/2022-49) — computed by hand from those dates."""
    rows = (await ds.client.get("/belarus/alignment_lag.json", params={"_shape": "array"})).json()
    lags = {r["jurisdiction"]: (r["listed_on"], r["lag_days"]) for r in rows if r["target_id"] == "minsk-wheel-tractor-plant"}
    assert lags["Council of the European Union"] == ("2020-12-17", 0)
    assert lags["US Department of the Treasury (OFAC)"] == ("2022-02-24", 434)
    assert lags["Canada"] == ("2022-03-08", 446)  # Canada's list: SOR/2022-49 of 8 March 2022


async def test_alignment_median_matches_python(ds, built_db):
    """Medians over day-precise pairs only: a month-only date is a range (first to last day), never its first day."""
    import calendar
    import datetime as dt
    import statistics
    db = sqlite3.connect(built_db)
    spans = {}
    for t, a, d in db.execute("select target_id, actor_id, listed_on from designations where listed_on is not null"):
        if len(d) == 7:
            y, m = map(int, d.split("-"))
            lo, hi = dt.date(y, m, 1), dt.date(y, m, calendar.monthrange(y, m)[1])
        else:
            lo = hi = dt.date.fromisoformat(d)
        old = spans.get((t, a))
        spans[(t, a)] = (min(old[0], lo), min(old[1], hi)) if old else (lo, hi)
    by_target = {}
    for (t, a), span in spans.items():
        by_target.setdefault(t, []).append((a, span))
    lags = {}
    for t, rows in by_target.items():
        if len(rows) >= 2:
            first = (min(s[0] for _, s in rows), min(s[1] for _, s in rows))
            for a, (lo, hi) in rows:
                if lo == hi and first[0] == first[1]:
                    lags.setdefault(a, []).append((lo - first[0]).days)
    rows = (await ds.client.get("/belarus/alignment_median.json", params={"_shape": "array"})).json()
    got = {r["actor_id"]: (r["targets_compared"], r["median_lag_days"]) for r in rows if r["targets_compared"]}
    assert got == {a: (len(v), float(statistics.median(v))) for a, v in lags.items()}


async def test_listed_by_one_not_the_other(ds):
    rows = (await ds.client.get("/belarus/listed_by_not_by.json",
                                params={"listed_by": "eu-council", "not_listed_by": "us-treasury", "_shape": "array"})).json()
    ids = {r["target_id"] for r in rows}
    assert "ihar-sergeenka" in ids                 # EU 2020-11-06; not on the US list in the dataset
    assert "minsk-wheel-tractor-plant" not in ids  # on both


async def test_listings_per_month_counts_the_us_round_of_december_2021(ds):
    rows = (await ds.client.get("/belarus/listings_per_month.json", params={"_shape": "array"})).json()
    us = {r["month"]: r["listings"] for r in rows if r["jurisdiction"].startswith("US Department of the Treasury")}
    assert us["2021-12"] == 35  # 35 entries first seen in the snapshot of 2021-12-02


@pytest.mark.parametrize("name", ["Lithuania", "Літва", "Литва"])
async def test_an_actor_is_found_by_its_name_in_any_language(ds, built_db, name):
    r = await ds.client.get("/belarus/actors.json", params={"_search": name, "_shape": "array"})
    assert r.status_code == 200
    assert "lt" in {row["id"] for row in r.json()}, name
    # ...and so are its responses, by the actor's name in that language.
    r = await ds.client.get("/belarus/responses.json", params={"_search": name, "_shape": "array", "_size": "max"})
    found = {row["id"] for row in r.json()}
    ids = {i for (i,) in sqlite3.connect(built_db).execute("select id from responses where actor_id = 'lt'")}
    assert ids and ids <= found, name


def test_cldr_names_are_in_step_with_the_raw_extract(tmp_path):
    """Every state's Cyrillic names are CLDR's (from data/raw/cldr/), and re-running the import changes nothing."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    proc = subprocess.run([sys.executable, "scripts/import_names.py", "--data", str(data)], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (data / "actors.csv").read_bytes() == (ROOT / "data" / "actors.csv").read_bytes()
    raw = {r["code"]: r for r in read(ROOT / "data" / "raw" / "cldr" / "territory-names.csv")}
    actors = read(ROOT / "data" / "actors.csv")
    states = [a for a in actors if a["actor_type"] == "state"]
    assert states and all(a["name_be"] == raw[a["iso_code"]]["name_be"] and a["name_ru"] == raw[a["iso_code"]]["name_ru"]
                          and a["name_be_source_id"] == a["name_ru_source_id"] == "s-unicode-cldr-47" for a in states)
    lt = next(a for a in actors if a["id"] == "lt")
    assert (lt["name_be"], lt["name_ru"]) == ("Літва", "Литва")


async def test_row_pages_say_where_each_cyrillic_name_comes_from(ds, built_db):
    db = sqlite3.connect(built_db)
    html = (await ds.client.get("/belarus/actors/lt")).text
    assert "Літва" in html and "Литва" in html
    assert "Belarusian · Russian from <a href=\"/belarus/sources/s-unicode-cldr-47\">Unicode CLDR 47</a>" in html
    # A target whose two names come from two different pages links each page, naming its language.
    row = db.execute("""select t.id, b.id, b.publisher, r.id, r.publisher from targets t
                        join sources b on b.id = t.name_be_source_id join sources r on r.id = t.name_ru_source_id
                        where b.id != r.id limit 1""").fetchone()
    target, be_id, _, ru_id, ru_pub = row
    html = (await ds.client.get(f"/belarus/targets/{target}")).text
    assert f'<a href="/belarus/sources/{ru_id}"' in html and str(markupsafe.escape(ru_pub)) in html
    assert f'<a href="/belarus/sources/{be_id}"' in html


async def test_row_pages_say_why_there_is_no_cyrillic_name(ds, built_db):
    """A target or actor without Cyrillic names says why: none exists (and what kind of none), or none found yet."""
    db = sqlite3.connect(built_db)
    expected = {"registration_mark": "an aircraft is known by its registration mark",
                "foreign_script": "a foreign person or company whose name is written in another script",
                "descriptive_label": "a descriptive label for a group or a set of actors"}
    for table, reason in (("targets", "registration_mark"), ("targets", "foreign_script"), ("actors", "descriptive_label")):
        (row_id,) = db.execute(f"select id from {table} where no_cyrillic_name = ? limit 1", [reason]).fetchone()
        html = (await ds.client.get(f"/belarus/{table}/{row_id}")).text
        assert expected[reason] in html, (table, row_id)
        assert "recorded yet" not in html
    missing = db.execute("""select id from targets where no_cyrillic_name is null
                            and name_be is null and name_ru is null limit 1""").fetchone()
    if missing:  # the dataset still has targets whose names no source read gives
        html = (await ds.client.get(f"/belarus/targets/{missing[0]}")).text
        assert "No Belarusian or Russian name recorded yet" in html
    named = db.execute("select id from targets where name_ru is not null limit 1").fetchone()[0]
    html = (await ds.client.get(f"/belarus/targets/{named}")).text
    assert "names-none" not in html


# --- Every list, one target per person or entity (issue 15) ---------------------------------------------
LIST_IMPORTS = ["import_ofac.py", "import_eu.py", "import_uk.py", "import_ca.py", "import_nz.py", "import_au.py"]


@pytest.mark.parametrize("script", LIST_IMPORTS)
def test_each_list_import_rerun_changes_nothing(tmp_path, script):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    args = [sys.executable, f"scripts/{script}", "--data", str(data)]
    if script != "import_eu.py":
        args += ["--raw", str(ROOT / "data" / "raw" / {"import_ofac.py": "ofac-sdn", "import_uk.py": "uk-belarus-regime",
                 "import_ca.py": "ca-sema-belarus", "import_nz.py": "nz-russia-sanctions-belarus",
                 "import_au.py": "au-dfat-belarus-mentions"}[script])]
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    for name in ["targets.csv", "designations.csv", "target_matches.csv", "responses.csv", "response_sources.csv", "sources.csv"]:
        assert (data / name).read_bytes() == (ROOT / "data" / name).read_bytes(), f"{script} changed data/{name}: run make imports"


def test_eu_import_fails_clearly_without_the_annex(tmp_path):
    proc = subprocess.run([sys.executable, "scripts/import_eu.py", "--annex", str(tmp_path / "absent.csv"), "--data", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode != 0 and "never copied into the project" in proc.stderr
    assert not list((ROOT / "data" / "raw").glob("eu-*")), "the EU annex transcription (CC BY-NC) must not be in the project"


def test_no_two_targets_share_a_strong_identifier():
    matches = read(ROOT / "data" / "target_matches.csv")
    targets = {t["id"]: t for t in read(ROOT / "data" / "targets.csv")}
    seen = {}
    for m in matches:
        assert m["target_id"] in targets, m
        keys = [("reg", r.strip()) for r in m["registration_number"].split(" | ") if r.strip()]
        for c in m["name_cyrillic"].split(" | "):
            words = c.casefold().replace("ё", "е").split()
            if len(words) >= 3 and targets[m["target_id"]]["target_type"] == "person" and len(m["date_of_birth"]) == 10:
                keys.append(("cyrillic+dob", " ".join(sorted(words)) + " " + m["date_of_birth"]))
        for k in keys:
            other = seen.setdefault(k, m["target_id"])
            assert other == m["target_id"], f"{k} is on two targets: {other} and {m['target_id']}"
    for t in targets.values():
        if t["ofac_ent_num"]:
            k = ("ofac", t["ofac_ent_num"])
            assert seen.setdefault(k, t["id"]) == t["id"]


def test_every_match_decision_says_why():
    for m in read(ROOT / "data" / "target_matches.csv"):
        assert m["decision"] in {"automatic", "manual", "new"}
        if m["decision"] == "manual":
            assert m["evidence"].startswith("reviewed by hand"), m
        if m["decision"] == "automatic":
            assert m["evidence"].startswith("same "), m


def test_list_coverage_and_dates(built_db):
    db = sqlite3.connect(built_db)
    total, = db.execute("select count(*) from designations").fetchone()
    assert total >= 1000
    per = dict(db.execute("select actor_id, count(*) from designations group by 1"))
    for actor in ["eu-council", "gb", "ca", "us-treasury"]:
        assert per[actor] >= 100, actor
    assert per["nz"] >= 50 and per["au"] >= 30
    multi, = db.execute("select count(*) from (select target_id from designations group by 1 having count(distinct actor_id) >= 2)").fetchone()
    assert multi >= 150
    undated = db.execute("select id, notes from designations where length(coalesce(listed_on, '')) != 10").fetchall()
    assert len(undated) <= 0.05 * total
    assert all(notes for _, notes in undated if not _.startswith(("jp_", "no_", "eu-council_belarussian-bank")))


@pytest.mark.parametrize("actor, target, day", [
    ("eu-council", "alyaksandr-ryhorovich-lukashenka", "2020-11-06"),
    ("eu-council", "belaruskali-oao", "2022-06-03"),
    ("ca", "alyaksandr-ryhorovich-lukashenka", "2020-09-28"),
    ("gb", "alyaksandr-ryhorovich-lukashenka", "2020-09-29"),
    ("us-treasury", "yuriy-khadzymuratavich-karaeu", "2020-10-02"),
])
def test_spot_checks(built_db, actor, target, day):
    db = sqlite3.connect(built_db)
    days = {r[0] for r in db.execute("select listed_on from designations where actor_id = ? and target_id = ?", (actor, target))}
    assert day in days, (actor, target, days)


def test_canada_first_belarus_listings_are_of_28_september_2020(built_db):
    db = sqlite3.connect(built_db)
    first, n = db.execute("select min(listed_on), count(*) from designations where actor_id = 'ca' and listed_on = "
                          "(select min(listed_on) from designations where actor_id = 'ca' and listed_on_basis = 'list_date')").fetchone()
    assert first == "2020-09-28" and n >= 11


def test_a_listing_rounds_count_is_what_its_sources_state_never_its_linked_designations():
    """scripts/listings.recount notes how many designations are linked to a round; it never writes that number into
    targets_count (the lists are current lists: a round may have listed more, or under other regimes)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import listings
    rounds = [{"id": "r-none", "actor_id": "xa", "response_type": "individual_sanctions", "targets_count": "", "notes": ""},
              {"id": "r-more", "actor_id": "xa", "response_type": "individual_sanctions", "targets_count": "10",
               "notes": "As announced."},
              {"id": "r-same", "actor_id": "xa", "response_type": "individual_sanctions", "targets_count": "2", "notes": ""}]
    linked = [{"response_id": r} for r in ["r-none"] * 3 + ["r-more"] * 4 + ["r-same"] * 2]
    for _ in range(2):  # and a second run changes nothing
        listings.recount(rounds, linked, "xa")
        assert [r["targets_count"] for r in rounds] == ["", "10", "2"]
        assert rounds[0]["notes"].startswith(f"{listings.COUNT_NOTE} 3; the sources of this row give no total")
        assert rounds[1]["notes"].startswith(f"As announced. {listings.COUNT_NOTE} 4 of the 10 listed")
        assert rounds[2]["notes"] == ""


def test_no_count_sits_beside_a_note_saying_there_is_none(built_db):
    db = sqlite3.connect(built_db)
    bad = db.execute("""select id from responses where targets_count is not null
                        and (notes like '%no count%' or notes like '%no total%')""").fetchall()
    assert bad == []
