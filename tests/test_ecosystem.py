"""Fitting the open-data ecosystem: feeds, downloads, citation, accessibility, phones."""
import csv
import hashlib
import io
import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import feedparser
import pytest
import yaml

import app as site
from conftest import ROOT

PACKAGE = json.loads((ROOT / "datapackage.json").read_text())


async def test_latest_feed_is_valid_atom(ds, built_db):
    r = await ds.client.get("/belarus/feed_latest.atom")
    assert r.status_code == 200 and "xml" in r.headers["content-type"]
    feed = feedparser.parse(r.content)
    assert not feed.bozo, feed.bozo_exception
    db = sqlite3.connect(built_db)
    rows = db.execute("select title, added_in, date, id from responses").fetchall()
    rows.sort(key=lambda r: r[3])
    rows.sort(key=lambda r: (tuple(int(x) for x in r[1].split(".")), r[2]), reverse=True)
    newest = rows[0][0]  # the newest act among the rows of the newest release: "new" means new to the dataset
    assert "added in release" in feed.entries[0].summary
    assert len(feed.entries) == min(100, db.execute("select count(*) from responses").fetchone()[0])
    assert feed.entries[0].title == newest
    assert all(e.id.startswith("tag:belarus-responses,2026:") and e.link for e in feed.entries)


async def test_actor_feed_has_only_that_actor(ds, built_db):
    db = sqlite3.connect(built_db)
    expected = {t for (t,) in db.execute("select r.title from responses r join actors a on a.id = r.actor_id where r.actor_id = 'lt' or a.parent_id = 'lt'")}
    feed = feedparser.parse((await ds.client.get("/belarus/feed_actor.atom?actor=lt")).content)
    assert not feed.bozo and {e.title for e in feed.entries} == expected
    empty = feedparser.parse((await ds.client.get("/belarus/feed_actor.atom?actor=nobody")).content)
    assert not empty.bozo and len(empty.entries) == 1 and "No responses" in empty.entries[0].title
    html = (await ds.client.get("/belarus/actors/lt")).text
    assert 'type="application/atom+xml"' in html and "/belarus/feed_actor.atom?actor=lt" in html


def test_downloads_match_the_database(built_db):
    d = built_db.parent / "downloads"
    manifest = json.loads((d / "manifest.json").read_text())
    assert set(manifest) == {"belarus.db", "belarus-responses-csv.zip", "belarus-responses.json"}
    for name, meta in manifest.items():
        path = built_db if name == "belarus.db" else d / name
        assert path.stat().st_size == meta["bytes"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == meta["sha256"], name
    db = sqlite3.connect(built_db)
    z = zipfile.ZipFile(d / "belarus-responses-csv.zip")
    everything = json.loads((d / "belarus-responses.json").read_text())
    for res in PACKAGE["resources"]:
        rows = list(csv.reader(io.StringIO(z.read(res["path"]).decode("utf-8"))))
        count = db.execute(f"select count(*) from {res['name']}").fetchone()[0]
        assert len(rows) - 1 == count == len(everything["tables"][res["name"]]), res["name"]
    assert json.loads(z.read("datapackage.json")) == PACKAGE


def test_downloaded_package_validates_with_frictionless(built_db, tmp_path):
    zipfile.ZipFile(built_db.parent / "downloads" / "belarus-responses-csv.zip").extractall(tmp_path)
    exe = Path(sys.executable).with_name("frictionless")
    proc = subprocess.run([str(exe), "validate", "datapackage.json"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:]


def test_build_downloads_are_reproducible(tmp_path):
    import build
    a, b = tmp_path / "a" / "belarus.db", tmp_path / "b" / "belarus.db"
    build.build(ROOT / "data", a)
    build.build(ROOT / "data", b)
    for name in ["belarus-responses-csv.zip", "belarus-responses.json"]:
        assert (a.parent / "downloads" / name).read_bytes() == (b.parent / "downloads" / name).read_bytes()


@pytest.mark.parametrize("resource", PACKAGE["resources"], ids=lambda r: r["name"])
async def test_streamed_csv_is_complete_and_identical_to_the_file(ds, built_db, resource):
    """Datasette stops a streamed CSV at max_csv_mb; ours must fit with a wide margin, and match the file."""
    pk = resource["schema"]["primaryKey"]
    sort = f"&_sort={pk[0]}" if len(pk) == 1 else ""
    r = await ds.client.get(f"/belarus/{resource['name']}.csv?_stream=on&_size=max{sort}")
    assert r.status_code == 200
    limit = site.SETTINGS["max_csv_mb"] * 1024 * 1024
    assert len(r.content) < limit / 10, "the streamed CSV is within 10x of max_csv_mb: raise it or send readers to /downloads"
    assert b"CSV contains more than" not in r.content
    z = zipfile.ZipFile(built_db.parent / "downloads" / "belarus-responses-csv.zip")
    if len(pk) == 1:
        assert r.content == z.read(resource["path"])


async def test_downloads_page_lists_sizes_and_checksums(ds, built_db):
    html = (await ds.client.get("/downloads")).text
    manifest = json.loads((built_db.parent / "downloads" / "manifest.json").read_text())
    for name, meta in manifest.items():
        assert meta["sha256"] in html and "{:,}".format(meta["bytes"]) in html
    for lang in ["pandas", "R", "Excel"]:
        assert f"<h3>{lang}</h3>" in html
    assert (await ds.client.get("/files/belarus-responses-csv.zip")).status_code == 200


def test_citation_file():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] and cff["title"] and cff["license"] == "CC-BY-4.0"
    assert cff["version"] == PACKAGE["version"]


async def test_cite_blocks_on_row_pages(ds, built_db):
    db = sqlite3.connect(built_db)
    rid, = db.execute("select id from responses limit 1").fetchone()
    tid, = db.execute("select id from targets limit 1").fetchone()
    for path, key in [(f"/belarus/responses/{rid}", rid), (f"/belarus/targets/{tid}", tid)]:
        html = (await ds.client.get(path)).text
        assert "Cite this" in html and f"@misc{{belarus-responses-{key}," in html
        assert "as of" in html and "CC BY 4.0" in html
