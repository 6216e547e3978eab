"""Property: any text that passes validation comes out of the database, Datasette's JSON and
Datasette's CSV exactly as it went in — quotes, commas, line breaks, RTL marks, emoji, Cyrillic."""
import asyncio
import csv
import io
import shutil
import sqlite3
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import app as site
import build
from conftest import ROOT, VALID, write_csv

# Text a data editor could type: any character but lone surrogates and those the build refuses with a message
# (control and invisible characters, bidirectional overrides, a carriage return), without surrounding whitespace
# and not starting as a spreadsheet formula (both also refused).
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=120).filter(
    lambda s: s == s.strip() and not build.FORBIDDEN_OR_CR_RE.search(s) and s[0] not in build.FORMULA_START)


def build_with(tmp: Path, title: str, description: str, notes: str, source_title: str) -> Path:
    data = tmp / "data"
    data.mkdir()
    tables = {name: [list(r) for r in rows] for name, rows in VALID.items()}
    row = tables["responses.csv"][1]
    header = tables["responses.csv"][0]
    row[header.index("title")] = title
    row[header.index("description")] = description
    row[header.index("notes")] = notes
    tables["sources.csv"][1][2] = source_title
    for name, rows in tables.items():
        write_csv(data / name, rows)
    shutil.copy(ROOT / "data" / "response_types.csv", data / "response_types.csv")
    out = tmp / "belarus.db"
    build.build(data, out)
    return out


async def through_datasette(db: Path):
    ds = site.make_datasette(db)
    j = (await ds.client.get("/belarus/responses/r-one.json?_shape=objects")).json()["rows"][0]
    c = (await ds.client.get("/belarus/responses.csv?id=r-one")).text
    s = (await ds.client.get("/belarus/sources.json?id=s-one&_shape=array")).json()[0]
    return j, next(csv.DictReader(io.StringIO(c))), s


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=TEXT, description=TEXT, notes=TEXT, source_title=TEXT)
@example(title='He said "no", then, yes', description="line one\nline two, with a comma", notes="\u200fمرحبا RTL \u200e", source_title="Лукашэнка 🇧🇾 Łukaszenka")
@example(title="<script>alert(1)</script>", description="cmd|' /C calc'!A0 = 1", notes="'; drop table responses; --", source_title="tab\tinside")
@example(title="A title with -2 inside", description="a - b + c = d @ e", notes="1 = 1", source_title="x @ y")
def test_text_round_trips_exactly(title, description, notes, source_title):
    with tempfile.TemporaryDirectory() as tmp:
        db = build_with(Path(tmp), title, description, notes, source_title)
        got = sqlite3.connect(db).execute("select title, description, notes from responses where id = 'r-one'").fetchone()
        assert got == (title, description, notes)
        # Its own thread and event loop, so the session loop of the async tests is left alone.
        with ThreadPoolExecutor(1) as pool:
            j, c, s = pool.submit(asyncio.run, through_datasette(db)).result()
        assert (j["title"], j["description"], j["notes"]) == (title, description, notes)
        assert (c["title"], c["description"], c["notes"]) == (title, description, notes)
        assert s["title"] == source_title
