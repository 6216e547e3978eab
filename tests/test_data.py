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


# --------------------------------------------------------------------------- issue 13: one rule per row, by machine

import re  # noqa: E402

import build  # noqa: E402
import rules  # noqa: E402
from test_build import edit_rows, run_build, set_cells  # noqa: E402


def located(conn):
    """A locate() for rules run on a built database: the table and key stand in for the file and line."""
    return lambda table, key, column: (f"{table}:{key}", 0, 0)


@pytest.mark.parametrize("fn", rules.RULES, ids=lambda f: f.__name__)
def test_real_data_passes_every_rule(built_db, fn):
    """The build ran these rules already; run each again on the published database, one test per rule."""
    db = sqlite3.connect(built_db)
    assert fn(db, located(db)) == []


def test_kinds_table_is_coherent():
    """Each kind gives a real response type; sanction kinds give the axes, other kinds give none and no grounds."""
    types = {r["id"] for r in rows("response_types")}
    for k in rows("kinds"):
        assert k["response_type"] in types, k["id"]
        if k["is_sanction"] == "yes":
            assert k["sanction_nature"] and k["sanction_object"] and k["scope"], k["id"]
            assert "not_applicable" not in k["grounds"].split("|"), k["id"]
        else:
            assert not (k["sanction_nature"] or k["sanction_object"] or k["scope"]), k["id"]
            assert k["grounds"] == "not_applicable", k["id"]
    used = {r["kind"] for r in rows("responses")}
    assert used <= {k["id"] for k in rows("kinds")}
    assert {r["response_type"] for r in rows("responses")} <= {k["response_type"] for k in rows("kinds")}


def test_the_rows_named_in_the_issue_are_coded_one_way(built_db):
    db = sqlite3.connect(built_db)
    one = lambda sql, *a: db.execute(sql, a).fetchall()  # noqa: E731
    # ICAO Council decisions on the Ryanair diversion: one coding.
    assert len(one("""select distinct response_type, binding, legal_basis, is_sanction, grounds from responses
                      where actor_id = 'icao-council'""")) == 1
    # OSCE Moscow and Vienna Mechanism invocations: one coding, investigation.
    assert one("select distinct response_type from responses where kind = 'osce-mechanism-invocation'") == [("investigation",)]
    assert one("select count(*) from responses where actor_id like 'osce-vienna-mechanism-%'") == [(2,)]
    # HRC resolutions, 46/20 and 55/27 included, are resolutions; their symbols are written one way.
    assert one("""select count(*) from responses where actor_id = 'un-hrc' and id like '%-res-%'
                  and response_type != 'resolution'""") == [(0,)]
    assert one("""select instrument from responses where id in ('un-hrc-2021-03-24-res-46-20-examination',
                  'un-hrc-2024-04-04-res-55-27-gieb', 'un-hrc-2021-07-13-res-47-19') order by id""") == [
        ("A/HRC/RES/46/20",), ("A/HRC/RES/47/19",), ("A/HRC/RES/55/27",)]
    # EBRD, World Bank and ILO comparable acts: one binding value.
    assert one("""select distinct binding from responses where id in ('ebrd-2022-04-suspends-belarus-access-to-resources',
                  'world-bank-2022-03-02-halts-all-programs', 'ilo-gb-2023-03-20-art33-measures',
                  'coe-cm-2022-03-17-suspends-relations-belarus')""") == [("non_binding",)]
    # The FAA's and EASA's orders to their own operators are coded alike; airspace bans all have a regime.
    assert one("""select distinct is_sanction from responses where actor_id in ('us-faa', 'eu-easa')""") == [("no",)]
    assert one("select distinct grounds from responses where kind = 'airspace-ban'") == [("country_regime",)]
    # No sanction without grounds, no delisting with grounds, no binding 'not_stated'.
    assert one("select count(*) from responses where is_sanction = 'yes' and grounds = 'not_applicable'") == [(0,)]
    assert one("select count(*) from responses where response_type = 'delisting' and grounds != 'not_applicable'") == [(0,)]
    # The duplicates the issue names exist once each.
    assert one("select count(*) from responses where title like 'OFAC General License 11%'") == [(1,)]
    assert one("select count(*) from responses where actor_id = 'pl' and title like '%closes%Bobrowniki%'") == [(1,)]


def test_grounds_not_stated_on_at_most_a_tenth_of_sanctions(built_db):
    db = sqlite3.connect(built_db)
    total, vague = db.execute("""select count(*), sum(grounds = 'not_stated') from responses
                                 where is_sanction = 'yes'""").fetchone()
    assert total > 0 and vague <= 0.10 * total, (vague, total)


def test_every_sanction_has_the_five_axes(built_db):
    db = sqlite3.connect(built_db)
    bad = db.execute("""select id from responses where is_sanction = 'yes' and (multilateral is null or grounds is null
                        or sanction_nature is null or sanction_object is null or scope is null)""").fetchall()
    assert bad == []
    # Scope as the type says: individual sanctions are targeted, sectoral sanctions sectoral.
    assert db.execute("""select count(*) from responses where (response_type = 'individual_sanctions' and scope != 'targeted')
                         or (response_type = 'sectoral_sanctions' and scope != 'sectoral')""").fetchone()[0] == 0


def methodology_bullet(text: str, column: str) -> str:
    m = re.search(rf"^- \*\*{column}\*\* — (.*?)(?=^- \*\*|^#|\Z)", text, re.S | re.M)
    assert m, f"docs/METHODOLOGY.md has no bullet for {column}"
    return m.group(1)


CODED = {"responses": ["binding", "legal_basis", "is_sanction", "grounds", "multilateral", "sanction_object", "scope",
                       "sourcing", "act_source"],
         "sources": ["source_kind"]}


@pytest.mark.parametrize("table,column", [(t, c) for t, cs in CODED.items() for c in cs])
def test_methodology_and_data_dictionary_list_the_same_values(table, column):
    """Each coded column's bullet in METHODOLOGY names exactly the values the data package (and so the generated
    data dictionary) allows."""
    res = next(r for r in PACKAGE["resources"] if r["name"] == table)
    field = next(f for f in res["schema"]["fields"] if f["name"] == column)
    allowed = set(field["constraints"]["enum"])
    bullet = methodology_bullet((ROOT / "docs" / "METHODOLOGY.md").read_text(encoding="utf-8"), column)
    named = set(re.findall(r"`([a-z_]+)`", bullet))
    columns = {f["name"] for r in PACKAGE["resources"] for f in r["schema"]["fields"]} | {r["name"] for r in PACKAGE["resources"]}
    assert allowed <= named, f"METHODOLOGY's {column} bullet does not name {sorted(allowed - named)}"
    assert named - allowed - columns == set(), f"METHODOLOGY names {sorted(named - allowed - columns)} for {column}"
    dictionary = (ROOT / "docs" / "DATA_DICTIONARY.md").read_text(encoding="utf-8")
    assert all(f"`{v}`" in dictionary for v in allowed)


def test_sanction_nature_values_are_the_methodologys():
    res = next(r for r in PACKAGE["resources"] if r["name"] == "responses")
    pattern = next(f for f in res["schema"]["fields"] if f["name"] == "sanction_nature")["constraints"]["pattern"]
    allowed = set(re.search(r"\^\(([a-z_|]+)\)", pattern).group(1).split("|"))
    bullet = methodology_bullet((ROOT / "docs" / "METHODOLOGY.md").read_text(encoding="utf-8"), "sanction_nature")
    assert allowed == set(re.findall(r"`([a-z_]+)`", bullet)) - {"sanction_nature"}


def test_provenance_columns_match_the_git_history():
    """added_in and changed_in are what scripts/provenance.py derives from the history of data/responses.csv."""
    proc = subprocess.run([sys.executable, "scripts/provenance.py", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    versions = {r["added_in"] for r in rows("responses")} | {r["changed_in"] for r in rows("responses")}
    key = lambda v: tuple(int(x) for x in v.split("."))  # noqa: E731
    assert max(versions, key=key) == PACKAGE["version"]
    assert all(key(r["changed_in"]) >= key(r["added_in"]) for r in rows("responses"))


def test_coverage_through_is_a_date_no_earlier_than_the_latest_act(built_db):
    db = sqlite3.connect(built_db)
    through = PACKAGE["x_coverage_through"]
    assert re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", through)
    latest = db.execute("select max(date) from responses").fetchone()[0]
    assert through >= latest
    assert dict(db.execute("select key, value from dataset_info"))["coverage_through"] == through


def test_lists_of_the_source_policy_have_reasons():
    for d in rows("official_domains"):
        assert d["owner"] and d["domain"] == d["domain"].lower() and not d["domain"].startswith("www."), d
    for p in rows("refused_sources"):
        assert len(p["reason"]) > 20, p
        if p["match"] == "regex":
            re.compile(p["pattern"])


# Fixture cases: each breaks one rule on one row of the tiny valid dataset (tests/conftest.py) and expects the build
# to refuse it at that row's file:line:column. Responses: line 2 r-one (a listing), 3 r-three (funding), 4 r-two (a
# resolution). Sources: line 2 s-one (official, example.org), 3 s-two (news, example.org).
def append_response_copy(d, new_id, date):
    edit_rows(d, "responses.csv", lambda rs: rs + [[new_id, date] + rs[2][2:]])
    edit_rows(d, "response_sources.csv", lambda rs: rs + [[new_id, "s-one", "fact"]])


RULE_CASES = {
    "codes contradict the kind": (lambda d: set_cells(d, "responses.csv", 4, legal_basis="legal_obligation"),
                                  "responses.csv:4:9:", "contradicts kind 'parliamentary-resolution'"),
    "unknown kind": (lambda d: set_cells(d, "responses.csv", 4, kind="resolution-of-sorts"),
                     "responses.csv:4:21:", "is not an id in kinds.csv"),
    "exception without the row's source": (lambda d: set_cells(d, "responses.csv", 4, legal_basis="legal_obligation",
                                                               exception="s-one: the page frames it as an obligation"),
                                           "responses.csv:4:28:", "name one of the row's sources"),
    "sanction without an axis": (lambda d: set_cells(d, "responses.csv", 2, multilateral=""),
                                 "responses.csv:2:22:", "is required on a sanction"),
    "sanction with grounds not_applicable": (lambda d: set_cells(d, "responses.csv", 2, grounds="not_applicable"),
                                             "responses.csv:2:11:", "a sanction has grounds"),
    "grounds on an act that is no sanction": (lambda d: set_cells(d, "responses.csv", 3, grounds="country_regime"),
                                              "responses.csv:3:11:", "not a sanction"),
    "axis on an act that is no sanction": (lambda d: set_cells(d, "responses.csv", 3, scope="targeted"),
                                           "responses.csv:3:25:", "only sanctions"),
    "natures out of order": (lambda d: set_cells(d, "responses.csv", 2, sanction_nature="travel;financial"),
                             "responses.csv:2:23:", "alphabetical order"),
    "nature the kind does not allow": (lambda d: set_cells(d, "responses.csv", 2, sanction_nature="aviation"),
                                       "responses.csv:2:23:", "not allowed for kind 'listing'"),
    "unknown nature": (lambda d: set_cells(d, "responses.csv", 2, sanction_nature="financial;cultural"),
                       "responses.csv:2:23:", "sanction_nature"),
    "grounds not_stated on too many sanctions": (lambda d: set_cells(d, "responses.csv", 2, grounds="not_stated"),
                                                 "responses.csv:2:11:", "not_stated (more than 10%)"),
    "HRC symbol written another way": (lambda d: set_cells(d, "responses.csv", 4, kind="hrc-resolution", instrument="resolution 45/1"),
                                       "responses.csv:4:12:", "A/HRC/RES/<session>/<number>"),
    "official kind off the list": (lambda d: set_cells(d, "sources.csv", 2, url="https://gov.example.net/one"),
                                   "sources.csv:2:6:", "only for hosts listed in official_domains.csv"),
    "intergovernmental kind on an official domain": (lambda d: set_cells(d, "sources.csv", 2, source_kind="intergovernmental"),
                                                     "sources.csv:2:6:", "are official, not intergovernmental"),
    "refused host": (lambda d: set_cells(d, "sources.csv", 3, url="https://www.devdiscourse.com/article/x-1"),
                     "sources.csv:3:2:", "refused source (content_farm, devdiscourse.com)"),
    "preview path": (lambda d: set_cells(d, "sources.csv", 3, url="https://news.example.com/preview/ru/a/1.html"),
                     "sources.csv:3:2:", "refused source (preview"),
    "tracking parameter": (lambda d: set_cells(d, "sources.csv", 3, url="https://example.org/two?utm_source=rss"),
                           "sources.csv:3:2:", "store it as https://example.org/two"),
    "trailing dot on the host": (lambda d: set_cells(d, "sources.csv", 3, url="https://example.org./two"),
                                 "sources.csv:3:2:", "store it as https://example.org/two"),
    "same page under two ids": (lambda d: set_cells(d, "sources.csv", 3, url="http://www.example.org/one/amp/"),
                                "sources.csv:3:2:", "the same page as source s-one"),
    "awaiting list holds a source that is not refused": (
        lambda d: (d / "sources_awaiting_replacement.csv").write_text(
            "source_id,refused_by,used_by\ns-two,devdiscourse.com,responses:r-two\n", encoding="utf-8"),
        "sources_awaiting_replacement.csv:2:1:", "is not refused"),
    "sourcing wrong": (lambda d: set_cells(d, "responses.csv", 4, sourcing="official"),
                       "responses.csv:4:26:", "its sources make it 'single_nonofficial'"),
    "act cited but not said": (lambda d: set_cells(d, "responses.csv", 2, act_source="not_found"),
                               "responses.csv:2:27:", "the row cites its act"),
    "working note in notes": (lambda d: set_cells(d, "responses.csv", 3, notes="TODO: check the date."),
                              "responses.csv:3:20:", "is about how the data was made"),
    "working note in a description": (lambda d: set_cells(d, "responses.csv", 3, description="The OEIL source id already exists in main."),
                                      "responses.csv:3:7:", "is about how the data was made"),
    "an instruction to whoever codes the row": (lambda d: set_cells(d, "responses.csv", 3, notes="Keep 9 Aug as announcement date."),
                                                "responses.csv:3:20:", "is about how the data was made"),
    "how the sources were looked for, in a note": (lambda d: set_cells(d, "responses.csv", 3, notes="Only a news repost found; the ohchr.org page is not in the search index."),
                                                   "responses.csv:3:20:", "is about how the data was made"),
    "a page said not found, in a note": (lambda d: set_cells(d, "responses.csv", 3, notes="Known from a citation; the EEAS original was not found."),
                                         "responses.csv:3:20:", "'original was not found' is about how the data was made"),
    "how a target was looked for, in its note": (lambda d: set_cells(d, "targets.csv", 2, notes="No listing found within search budget."),
                                                 "targets.csv:2:13:", "is about how the data was made"),
    "how a source's title was read, as its title": (lambda d: set_cells(d, "sources.csv", 2, title="Source one (title from URL)"),
                                                    "sources.csv:2:3:", "is about how the title was read"),
    "a title that says no title was shown": (lambda d: set_cells(d, "sources.csv", 2, title="Source one (headline inferred from URL)"),
                                             "sources.csv:2:3:", "is about how the title was read"),
    "how the sources were looked for, as a title": (lambda d: set_cells(d, "sources.csv", 2, title="[Statement; the official page is not in the search index]"),
                                                    "sources.csv:2:3:", "is about how the sources were looked for"),
    "month precision said of a day": (lambda d: set_cells(d, "responses.csv", 3, notes="Month precision only."),
                                      "responses.csv:3:20:", "stores a day"),
    "duplicate response": (lambda d: append_response_copy(d, "r-three-again", "2022-03-03"),
                           "responses.csv:5:6:", "looks like a duplicate of r-three"),
}


@pytest.mark.parametrize("parallel", [True, False], ids=["rules in a second process", "one process"])
@pytest.mark.parametrize("case", RULE_CASES, ids=list(RULE_CASES))
def test_each_rule_fails_on_a_broken_row(valid_dir, tmp_path, capsys, monkeypatch, case, parallel):
    """rules.py runs in a second process beside the indexes and the search index (inline with
    BUILD_PARALLEL=0): either way each broken rule is reported with its position and nothing is published."""
    monkeypatch.setattr(build, "PARALLEL", parallel)
    breaker, where, phrase = RULE_CASES[case]
    breaker(valid_dir)
    out = tmp_path / "out.db"
    code, errors = run_build(valid_dir, out, capsys)
    assert code == 1 and not out.exists()
    assert any(where in e and phrase in e for e in errors), f"no {where} ... {phrase!r} in:\n" + "\n".join(errors)


KEPT_CASES = {
    "a sourced exception": lambda d: set_cells(d, "responses.csv", 4, legal_basis="legal_obligation",
                                               exception="s-two: the source says the body acted under its statute"),
    "reader text that only looks like a working note": lambda d: set_cells(
        d, "responses.csv", 3, notes="Adopted at the 47th session, in the main hall, after round 2 of voting; TODOS is a party."),
    "a month note on a month date": lambda d: set_cells(d, "responses.csv", 4, notes="Page undated: month precision."),
    "a pair listed as distinct": lambda d: (append_response_copy(d, "r-three-again", "2022-03-03"),
                                            (d / "distinct_pairs.csv").write_text(
                                                "response_id,other_id,reason\nr-three,r-three-again,Two grants.\n",
                                                encoding="utf-8")),
    "the same title four days apart": lambda d: append_response_copy(d, "r-three-later", "2022-03-05"),
}


@pytest.mark.parametrize("case", KEPT_CASES, ids=list(KEPT_CASES))
def test_rules_leave_what_they_allow(valid_dir, tmp_path, capsys, case):
    KEPT_CASES[case](valid_dir)
    code, errors = run_build(valid_dir, tmp_path / "out.db", capsys)
    assert code == 0, "\n".join(errors)


async def test_row_page_says_when_a_row_rests_on_one_nonofficial_source(ds, built_db):
    db = sqlite3.connect(built_db)
    single, = db.execute("select id from responses where sourcing = 'single_nonofficial' order by id limit 1").fetchone()
    official, = db.execute("select id from responses where sourcing = 'official' order by id limit 1").fetchone()
    said = "rests on a single non-official source"
    assert said in (await ds.client.get(f"/belarus/responses/{single}")).text
    assert said not in (await ds.client.get(f"/belarus/responses/{official}")).text


async def test_landing_page_shows_how_far_the_curation_searched(ds):
    html = (await ds.client.get("/")).text
    assert f"up to {PACKAGE['x_coverage_through']}" in html


async def test_sanction_axes_are_faceted_and_cross_tabulated(ds):
    page = (await ds.client.get("/belarus/responses.json?_facet_size=max")).json()
    faceted = set(page.get("facet_results", {}).get("results", page.get("facet_results", {})).keys())
    assert {"multilateral", "grounds", "sanction_nature", "sanction_object", "scope"} <= faceted, faceted
    q = (await ds.client.get("/belarus/sanction_axes.json?_shape=objects")).json()
    assert sum(r["sanctions"] for r in q["rows"]) == sqlite3.connect(ds.databases["belarus"].path).execute(
        "select count(*) from responses where is_sanction = 'yes'").fetchone()[0]


def test_audit_publishes_the_drawn_sample_with_evidence():
    """docs/AUDIT.md checks exactly the 40 responses and 20 designations that scripts/audit_draw.py draws (fixed seed,
    audited commit), each with a verdict and, unless unverifiable, the URL of the page read."""
    import re
    drawn = json.loads(subprocess.run([sys.executable, str(ROOT / "scripts" / "audit_draw.py")], capture_output=True,
                                      text=True, check=True).stdout)
    rows = {}
    for line in (ROOT / "docs" / "AUDIT.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| ([RD])(\d+) \| ([^|]+) \| (correct|minor|error|unverifiable) \|[^|]*\| ([^|]*) \|", line)
        if m:
            rows[m[1] + m[2]] = (m[3].strip(), m[4], m[5].strip())
    responses = [rows[f"R{i}"][0] for i in range(1, 41)]
    designations = [rows[f"D{i}"][0] for i in range(1, 21)]
    assert responses == drawn["responses"] and designations == drawn["designations"]
    for verdict_row, (rid, verdict, url) in rows.items():
        assert verdict == "unverifiable" or url.startswith(("http://", "https://")), verdict_row
