"""Invariants of the real data in data/: a future edit that breaks one fails CI."""
import csv
import datetime as dt
import io
import json
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = json.loads((ROOT / "datapackage.json").read_text())


def rows(name):
    return list(csv.DictReader(io.StringIO((ROOT / "data" / f"{name}.csv").read_text(encoding="utf-8"))))


@pytest.mark.parametrize("resource", PACKAGE["resources"], ids=lambda r: r["name"])
def test_files_are_sorted_by_key_and_end_with_newline(resource):
    path = ROOT / resource["path"]
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n") and "\r" not in text and not text.startswith("\ufeff")
    pk = resource["schema"]["primaryKey"]
    keys = [tuple(r[k] for k in pk) for r in rows(resource["name"])]
    assert keys == sorted(keys), f"{path.name} is not sorted by {pk}"


def test_frictionless_validates_the_package():
    exe = Path(sys.executable).with_name("frictionless")
    proc = subprocess.run([str(exe), "validate", "datapackage.json"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


def test_data_dictionary_is_in_step_with_the_package():
    proc = subprocess.run([sys.executable, "scripts/data_dictionary.py", "--check"], cwd=ROOT)
    assert proc.returncode == 0, "docs/DATA_DICTIONARY.md is stale: run python scripts/data_dictionary.py"


def test_every_response_has_a_source_and_every_source_is_used(built_db):
    db = sqlite3.connect(built_db)
    assert db.execute("select count(*) from responses where id not in (select response_id from response_sources)").fetchone()[0] == 0
    unused = db.execute("""select id from sources where id not in (select source_id from response_sources)
                           and id not in (select source_id from triggers)
                           and id not in (select source_id from designations)
                           and id not in (select name_be_source_id from targets where name_be_source_id is not null)
                           and id not in (select name_ru_source_id from targets where name_ru_source_id is not null)
                           and id not in (select name_be_source_id from actors where name_be_source_id is not null)
                           and id not in (select name_ru_source_id from actors where name_ru_source_id is not null)""").fetchall()
    assert unused == []


def test_sources_have_publisher_title_and_http_urls():
    for s in rows("sources"):
        assert s["publisher"] and s["title"], s["id"]
        assert s["url"].startswith(("http://", "https://")), s["id"]


def test_listings_have_counts_or_say_why(built_db):
    """A listing round without a count must explain the gap in notes."""
    db = sqlite3.connect(built_db)
    missing = db.execute("""select id from responses where response_type = 'individual_sanctions'
                            and targets_count is null and coalesce(notes, '') = ''""").fetchall()
    assert missing == [], missing


def test_dates_are_in_the_period_and_consistent(built_db):
    db = sqlite3.connect(built_db)
    today = dt.date.today().isoformat()
    assert db.execute("select count(*) from responses where date < '2020-08' or date > ?", (today,)).fetchone()[0] == 0
    assert db.execute("select count(*) from responses where end_date is not null and status not in ('lifted','expired')").fetchone()[0] == 0


def test_funding_rows_have_amounts_or_say_why(built_db):
    db = sqlite3.connect(built_db)
    bad = db.execute("""select id from responses where response_type = 'financial_support'
                        and amount is null and coalesce(notes, '') = ''""").fetchall()
    assert bad == [], bad


def test_counter_measures_are_by_belarusian_authorities(built_db):
    db = sqlite3.connect(built_db)
    bad = db.execute("""select r.id from responses r join actors a on a.id = r.actor_id
                        where r.response_type = 'counter_measure' and a.actor_type != 'belarus_authorities'""").fetchall()
    assert bad == [], bad


def test_each_counter_measure_is_linked_to_what_it_answered_or_says_why_not(built_db):
    db = sqlite3.connect(built_db)
    bad = db.execute("""select id from responses where response_type = 'counter_measure' and responds_to_id is null
                        and coalesce(notes, '') not like '%Not linked: %'""").fetchall()
    assert bad == [], bad
    # A link points at an act of another actor, made before (or on the day of) the counter-measure.
    bad = db.execute("""select c.id from responses c join responses r on r.id = c.responds_to_id
                        where r.actor_id = c.actor_id or substr(r.date, 1, 7) > substr(c.date, 1, 7)""").fetchall()
    assert bad == [], bad


def test_binding_only_from_bodies_belarus_belongs_to(built_db):
    db = sqlite3.connect(built_db)
    bad = db.execute("""select r.id from responses r join actors a on a.id = r.actor_id
                        left join actors p on p.id = a.parent_id
                        where r.binding = 'binding' and coalesce(a.belarus_member, p.belarus_member, 'no') != 'yes'""").fetchall()
    assert bad == [], bad


def test_coverage_floor(built_db):
    """The first release's floor (issue: pipeline): >= 80 responses, >= 20 acting actors, every type, 2020-2026."""
    db = sqlite3.connect(built_db)
    assert db.execute("select count(*) from responses").fetchone()[0] >= 80
    assert db.execute("select count(distinct actor_id) from responses").fetchone()[0] >= 20
    types = {t for (t,) in db.execute("select distinct response_type from responses")}
    assert types == {r["id"] for r in rows("response_types")}
    years = {y for (y,) in db.execute("select distinct substr(date, 1, 4) from responses")}
    assert {str(y) for y in range(2020, 2027)} <= years


# The actors the curation issue names, each with at least one act. (The UNGA Third Committee adopted no resolution
# on Belarus in the period; the EU's statements there are acts of the EU.)
NAMED_ACTORS = """eu-council eu-commission eu-parliament eu-hrvp eu-european-council lt pl lv ee de cz us-president us-state
us-treasury gb ca ch no is ua jp au nz un-hrc un-ohchr un-gieb un-sr-belarus un-sg osce-moscow-mechanism osce-odihr
osce-pa coe-pace coe-cm ilo-gb ilo-ilc icao-council world-bank imf ebrd eib g7 nb8 nato by-authorities
by-democratic-forces""".split()


def test_curation_floor(built_db):
    """The curation issue's floor: >= 500 responses by >= 60 actors, >= 25 in each full year, the named actors,
    and an official or intergovernmental source for at least 60% of responses."""
    db = sqlite3.connect(built_db)
    assert db.execute("select count(*) from responses").fetchone()[0] >= 500
    assert db.execute("select count(distinct actor_id) from responses").fetchone()[0] >= 60
    per_year = dict(db.execute("select substr(date, 1, 4), count(*) from responses group by 1").fetchall())
    assert all(per_year.get(str(y), 0) >= 25 for y in range(2020, 2026)), per_year
    acting = {a for (a,) in db.execute("select distinct actor_id from responses")}
    assert set(NAMED_ACTORS) - acting == set()
    official, total = db.execute("""select sum(exists(select 1 from response_sources rs join sources s on s.id = rs.source_id
                                        where rs.response_id = r.id and s.source_kind in ('official', 'intergovernmental'))),
                                    count(*) from responses r""").fetchone()
    assert official / total >= 0.60, f"{official} of {total} responses have an official source"


def test_no_state_media_for_acts_of_others():
    """Belarusian and Russian state media document what the authorities did, never others' acts."""
    state = ("tass.com", "tass.ru", "sputniknews", "belta.by", "president.gov.by", "ria.ru", "regnum.ru", "sb.by")
    actor = {r["id"]: r["actor_id"] for r in rows("responses")}
    url = {s["id"]: s["url"] for s in rows("sources")}
    bad = [(l["response_id"], url[l["source_id"]]) for l in rows("response_sources")
           if any(d in url[l["source_id"]] for d in state) and actor[l["response_id"]] != "by-authorities"]
    assert bad == []


def test_methodology_names_coverage_table_matches_the_data(built_db):
    """The names coverage table in docs/METHODOLOGY.md gives the counts the data has now."""
    db = sqlite3.connect(built_db)
    text = (ROOT / "docs" / "METHODOLOGY.md").read_text(encoding="utf-8")
    for table in ("actors", "targets"):
        line = next(l for l in text.splitlines() if l.startswith(f"| {table} |"))
        cells = [c.strip() for c in line.strip("|").split("|")]
        shown = [int(c.split()[0]) for c in cells[1:]]
        actual = list(db.execute(f"""select count(*), sum(name_be is not null or name_ru is not null),
                                     sum(name_be is not null), sum(name_ru is not null), count(no_cyrillic_name),
                                     sum(name_be is null and name_ru is null and no_cyrillic_name is null)
                                     from {table}""").fetchone())
        assert shown == actual, (table, shown, actual)
