"""The benchmark's own instruments measure what they claim: the raw keep-alive load client against the real site."""
import asyncio
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))  # load.py, synth.py, floor.py
from load import datasette_server, run_load, run_load_raw  # noqa: E402


def test_raw_load_client_counts_the_same_answers_as_httpx(built_db):
    paths = ["/belarus/responses.json?_size=5", "/belarus/actors/lt", "/belarus/no-such-table"]
    with datasette_server(built_db, port=8799) as base:
        # One client walks the paths in turn: exactly 20 of each, as the reference (httpx) client sees them.
        raw = asyncio.run(run_load_raw(base, paths, concurrency=1, seconds=60, max_requests=60))
        ref = asyncio.run(run_load(base, paths, concurrency=1, seconds=60, max_requests=60))
        # Several clients on kept-alive connections: every request answered, none dropped.
        many = asyncio.run(run_load_raw(base, paths, concurrency=8, seconds=60, max_requests=200))
    assert raw.statuses == ref.statuses == {200: 40, 404: 20} and raw.dropped == 0
    assert many.requests == 200 and many.dropped == 0 and set(many.statuses) == {200, 404}
    assert all(latency > 0 for latency in raw.latencies + many.latencies)


def _synth():
    import synth
    return synth


def test_synthetic_set_follows_the_schema_and_builds(tmp_path):
    """bench/synth.py derives every table and column from datapackage.json, and build.py accepts what it writes:
    the benchmark's generator and the schema cannot drift apart."""
    import csv
    import json
    import sqlite3

    import build
    synth = _synth()
    data = tmp_path / "data"
    counts = synth.synth(300, data, seed=3)
    pkg = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    for res in pkg["resources"]:
        with open(data / res["path"].split("/")[-1], encoding="utf-8", newline="") as f:
            header = next(csv.reader(f))
        assert header == [fld["name"] for fld in res["schema"]["fields"]], res["name"]
        # Every table has rows, except one the data package allows to be empty and the real data leaves empty.
        assert counts[res["name"]] > 0 or res.get("x_allow_empty"), res["name"]
    assert counts["responses"] == 300
    out = tmp_path / "site" / "belarus.db"
    assert build.main(["--data", str(data), "--output", str(out)]) == 0
    db = sqlite3.connect(out)
    for res in pkg["resources"]:
        assert db.execute(f'select count(*) from "{res["name"]}"').fetchone()[0] == counts[res["name"]]
        for fld in res["schema"]["fields"]:
            if fld.get("constraints", {}).get("required"):
                assert db.execute(f'select count(*) from "{res["name"]}" where [{fld["name"]}] is null').fetchone() == (0,)
    assert (out.parent / "downloads" / "manifest.json").exists()
    # The floor of our outputs (bench/floor.py) writes the same database from the built rows: the same tables,
    # indexes, search indexes, summaries and views, with the same number of rows in each table.
    import floor
    floor_db = tmp_path / "floor.db"
    floor.main(out, floor_db)
    fl = sqlite3.connect(floor_db)
    objects = "select type, name from sqlite_master order by type, name"
    assert fl.execute(objects).fetchall() == db.execute(objects).fetchall()
    for (name,) in db.execute("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'"):
        assert fl.execute(f"select count(*) from [{name}]").fetchone() == db.execute(f"select count(*) from [{name}]").fetchone(), name
    word = db.execute("select substr(title, 1, instr(title, ' ') - 1) from responses order by rowid limit 1").fetchone()[0]
    found = "select count(*) from responses_fts where responses_fts match ?"
    assert 0 < fl.execute(found, [word]).fetchone()[0] == db.execute(found, [word]).fetchone()[0]
    assert not list(tmp_path.glob(".floor.db*"))


def test_synthetic_set_follows_a_changed_schema(tmp_path):
    """A new table, and new columns pointing at it (a required one among them), are generated with no change to the
    generator: enumerations, patterns, dates and foreign keys come from the data package."""
    import json
    import shutil
    import sqlite3

    import build
    synth = _synth()
    pkg = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    pkg["resources"].insert(0, {"name": "review_kinds", "path": "data/review_kinds.csv", "schema": {
        "fields": [{"name": "id", "type": "string", "constraints": {"required": True, "unique": True, "enum": ["a", "b", "c"]}},
                   {"name": "label", "type": "string", "constraints": {"required": True}}],
        "primaryKey": ["id"]}})
    responses = next(r for r in pkg["resources"] if r["name"] == "responses")
    responses["schema"]["fields"] += [
        {"name": "review_kind_id", "type": "string", "constraints": {"required": True}},
        {"name": "reviewed_on", "type": "string", "constraints": {"pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}},
        {"name": "code", "type": "string", "constraints": {"required": True, "pattern": "^[A-Z]{2}-[0-9]{3}$"}}]
    responses["schema"]["foreignKeys"].append({"fields": ["review_kind_id"], "reference": {"resource": "review_kinds", "fields": ["id"]}})
    package = tmp_path / "datapackage.json"
    package.write_text(json.dumps(pkg), encoding="utf-8")
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "data", templates, ignore=shutil.ignore_patterns("raw"))
    (templates / "review_kinds.csv").write_text("id,label\na,Kind A\nb,Kind B\nc,Kind C\n", encoding="utf-8")
    data = tmp_path / "data"
    counts = synth.synth(200, data, seed=5, datapackage=package, data_dir=templates)
    assert counts["review_kinds"] == 3 and counts["responses"] == 200
    out = tmp_path / "out.db"
    assert build.main(["--data", str(data), "--output", str(out), "--datapackage", str(package), "--no-downloads"]) == 0
    db = sqlite3.connect(out)
    assert {k for (k,) in db.execute("select distinct review_kind_id from responses")} <= {"a", "b", "c"}
    assert db.execute("select count(*) from responses where code is null or review_kind_id is null").fetchone() == (0,)


def test_bare_baseline_answers_every_page_it_is_compared_on(built_db):
    """bench/run.py compares each page of our site with the same work on bare Datasette. Several canned queries call
    SQL functions of our plugins (fold, search_snippet); bare Datasette gets them from bench/bare_plugins and nothing
    else. Without them it answered 400 at once, and the ratio compared our time with an error. Every page answers
    200 on both sides."""
    import httpx
    import run
    page_list = run.pages(built_db)
    assert any("fold(" in q["sql"] or "search_snippet(" in q["sql"] for q in run.QUERIES.values())
    for site, port in (("ours", 8797), ("bare", 8798)):
        with datasette_server(built_db, ours=(site == "ours"), port=port) as base, httpx.Client(base_url=base, timeout=60) as c:
            bad = {name: r.status_code for name, paths in page_list.items()
                   if (r := c.get(paths[0] if site == "ours" else paths[1])).status_code != 200}
        assert not bad, (site, bad)
    # and a baseline with errors gets no ratio
    assert run.ratio((10.0, 20.0, 0), (1.0, 2.0, 3)) == "— (errors)" and run.ratio((10.0, 20.0, 0), (1.0, 2.0, 0)) == "10.00"
