"""The real Datasette app (our metadata, plugins and templates) through Datasette's own client."""
import csv
import io
import json

import pytest
import yaml

from conftest import ROOT

METADATA = yaml.safe_load((ROOT / "metadata.yml").read_text())
QUERIES = yaml.safe_load((ROOT / "plugins" / "queries.yml").read_text())
PACKAGE = json.loads((ROOT / "datapackage.json").read_text())
# Parameters that make each parameterised query return rows on the real data.
PARAMS = {"search": {"q": "sanctions"}, "actor_responses": {"actor": "eu"},
          "responses_to_trigger": {"trigger": "election-2020"}, "sanctions_timeline": {"actor": ""},
          "target_history": {"name": "Lukashenka"}, "find_names": {"q": "Lithuania OR Lukashenka"},
          "listed_by_not_by": {"listed_by": "us-treasury", "not_listed_by": "eu-council"}}


async def get(ds, path, **kwargs):
    response = await ds.client.get(path, **kwargs)
    return response


def test_at_least_eight_canned_queries_with_titles_and_descriptions():
    assert len(QUERIES) >= 8
    for name, q in QUERIES.items():
        assert q.get("title"), name
        assert q.get("description") or q.get("description_html"), name


SUMMARISED = [name for name, q in QUERIES.items() if q.get("summary_sql")]


@pytest.mark.parametrize("name", SUMMARISED)
async def test_summarised_query_gives_what_its_sql_counts_now(ds, built_db, name):
    """A canned query served from a summary table answers exactly what its SQL gives when run live, row for row,
    and its page shows that SQL with a link to run it."""
    import sqlite3
    db = sqlite3.connect(built_db)
    live = db.execute(QUERIES[name]["summary_sql"]).fetchall()
    assert live, name
    r = await get(ds, f"/belarus/{name}.json?_shape=arrays&_size=max")
    assert r.status_code == 200, r.text
    assert [tuple(row) for row in r.json()["rows"]] == live[:len(r.json()["rows"])] and len(r.json()["rows"]) == min(len(live), 2000)
    html = (await get(ds, f"/belarus/{name}")).text
    assert "Counted when the database was built" in html and "Run it live" in html


@pytest.mark.parametrize("name", list(QUERIES))
async def test_canned_query_returns_rows(ds, name):
    params = PARAMS.get(name, {})
    qs = "&".join(f"{k}={v}" for k, v in params.items())
    r = await get(ds, f"/belarus/{name}.json?_shape=objects&{qs}")
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["ok"] is True
    assert len(data["rows"]) > 0, f"{name} returned no rows"


@pytest.mark.parametrize("name", list(QUERIES))
async def test_canned_query_page_with_empty_parameters_shows_form(ds, name):
    r = await get(ds, f"/belarus/{name}")
    assert r.status_code == 200
    assert "<form" in r.text
    assert 'class="message-error"' not in r.text and "<h1>Error" not in r.text


async def test_search_finds_cyrillic_latin_and_marks_snippets(ds):
    r = await get(ds, "/belarus/search?q=Lukashenko")
    assert r.status_code == 200 and "<mark>" in r.text
    table = r.text.split('<table class="rows-and-columns">')[1].split("</table>")[0]
    assert "<mark>" in table and "[[" not in table
    # Hostile FTS syntax is escaped: a page, or at worst a clean 400 for a query with no words; never a 500.
    for q in ["NEAR(", "a OR", "*", "'; drop table responses; --", "Лукашенко AND"]:
        r = await get(ds, "/belarus/search", params={"q": q})
        assert r.status_code == 200, q
    r = await get(ds, "/belarus/search", params={"q": '"'})
    assert r.status_code == 200 and "fts5" not in r.text


async def search_ids(ds, q, query="search", param="q", key="id"):
    r = await get(ds, f"/belarus/{query}.json", params={param: q, "_shape": "array", "_size": "max"})
    assert r.status_code == 200, r.text
    return {row[key] for row in r.json()}


@pytest.mark.parametrize("spellings", [
    ["Лукашенко", "Лукашэнка", "Lukashenko", "Lukashenka", "Lukašenka", "Łukašenka", "LUKASHENKA"],
    ["Беларуськалий", "Беларуськалій", "Belaruskali", "Belaruskaliy"],
    ["Tsikhanouskaya", "Ціханоўская", "Cichanoŭskaja"],
])
async def test_search_finds_the_same_rows_in_every_script_and_romanisation(ds, spellings):
    found = [await search_ids(ds, s) for s in spellings]
    assert found[0], spellings[0]
    for spelling, ids in zip(spellings, found):
        assert ids == found[0], spelling


async def test_name_lookup_finds_the_same_target_in_every_script(ds):
    found = [await search_ids(ds, s, "target_history", "name", "target_id")
             for s in ["Лукашенко", "Лукашэнка", "Lukashenko", "Lukašenka", "Łukašenka"]]
    assert found[0] and all(f == found[0] for f in found)
    kali = await search_ids(ds, "Belaruskali", "target_history", "name", "target_id")
    assert kali
    for spelling in ["Беларуськалий", "Беларуськалій", "Belaruskaliy"]:
        assert await search_ids(ds, spelling, "target_history", "name", "target_id") == kali, spelling


async def test_search_operators_do_what_the_page_says(ds):
    kali, potash = await search_ids(ds, "Belaruskali"), await search_ids(ds, "potash")
    assert kali and potash
    assert await search_ids(ds, "Belaruskali OR potash") == kali | potash
    assert await search_ids(ds, "Belaruskali NOT potash") == kali - potash
    assert await search_ids(ds, "Belaruskali -potash") == kali - potash
    assert await search_ids(ds, "Belaruskali potash") == kali & potash
    prefix = await search_ids(ds, "Lukash*")
    assert await search_ids(ds, "Lukashenka") <= prefix
    phrase = await search_ids(ds, '"Moscow Mechanism"')
    assert phrase and phrase <= await search_ids(ds, "Moscow Mechanism")


@pytest.mark.parametrize("q", ['"', '"Moscow', "NOT potash", "potash OR", "(potash", "***", "AND", "NEAR(a b)", "a:b"])
async def test_malformed_search_is_corrected_in_words_never_an_fts_error(ds, q):
    r = await get(ds, "/belarus/search", params={"q": q})
    assert r.status_code == 200
    assert "fts5" not in r.text and "syntax error" not in r.text and "message-error" not in r.text
    if q in ('"', '"Moscow', "NOT potash", "potash OR", "(potash", "***", "AND"):
        assert 'search-notice' in r.text and "Showing results for" in r.text or "Nothing could be searched" in r.text, q


async def test_landing_page_explains_dataset(ds):
    r = await get(ds, "/")
    assert r.status_code == 200
    html = r.text
    for phrase in ["What counts as a response", "binding", "legal_basis", "is_sanction", "Cite", "as of",
                   "/belarus/actor_summary", "/belarus/responses_over_time#g.mark=bar", "belarus.db"]:
        assert phrase in html, phrase
    for name, q in QUERIES.items():
        assert f'href="/belarus/{name}"' in html, name
    assert "basemap" not in html.split("<footer")[0]


@pytest.mark.parametrize("table", [r["name"] for r in PACKAGE["resources"]] + ["responses_detailed", "actor_summary", "response_source_links", "designations_detailed"])
async def test_every_table_and_view_renders_with_descriptions(ds, table):
    r = await get(ds, f"/belarus/{table}")
    assert r.status_code == 200
    meta = (await get(ds, "/-/metadata.json")).json()["databases"]["belarus"]["tables"][table]
    assert meta.get("description"), table
    cols = (await get(ds, f"/belarus/{table}.json?_size=1")).json()["columns"]
    missing = [c for c in cols if c != "rowid" and not meta.get("columns", {}).get(c)]
    assert missing == [], f"{table} columns without a description: {missing}"


async def test_every_row_page_renders(ds, built_db):
    import sqlite3
    db = sqlite3.connect(built_db)
    for table, pk in [("responses", "id"), ("actors", "id"), ("sources", "id"), ("triggers", "id"), ("response_types", "id"), ("targets", "id"), ("designations", "id")]:
        for (value,) in db.execute(f"select {pk} from {table} order by random() limit 150"):
            r = await get(ds, f"/belarus/{table}/{value}")
            assert r.status_code == 200, (table, value)


async def test_response_row_page_links_its_sources(ds, built_db):
    import sqlite3
    db = sqlite3.connect(built_db)
    rid, = db.execute("select response_id from response_sources group by response_id order by count(*) desc limit 1").fetchone()
    urls = [u for (u,) in db.execute("select s.url from response_sources rs join sources s on s.id = rs.source_id where rs.response_id = ?", (rid,))]
    html = (await get(ds, f"/belarus/responses/{rid}")).text
    for url in urls:
        from markupsafe import escape
        assert f'href="{escape(url)}" rel="noopener noreferrer"' in html, url
    assert "Cite this response" in html


async def test_ids_named_in_notes_and_descriptions_link_to_their_rows(ds, built_db):
    """Every full id of a response or a source named in a note or a description is a link on the row page, and the
    page it leads to exists (the build refuses an id that is not in the data)."""
    import sqlite3
    import rules
    db = sqlite3.connect(built_db)
    named = [(rid, text) for rid, text in db.execute(
        "select id, coalesce(notes, '') || ' ' || description from responses "
        "where notes glob '*-20[0-9][0-9]-*' or notes glob '*s-*' or description glob '*-20[0-9][0-9]-*'")]
    linked = 0
    for rid, text in named:
        html = (await get(ds, f"/belarus/responses/{rid}")).text
        for name in rules.plugin("row_links").mentions(text):
            table = "sources" if name.startswith("s-") else "responses"
            assert f'<a href="/belarus/{table}/{name}">{name}</a>' in html, (rid, name)
            assert (await get(ds, f"/belarus/{table}/{name}")).status_code == 200, name
            linked += 1
    assert linked >= 10  # (the data names rows in a dozen notes)
    html = (await get(ds, "/belarus/responses/pl-2025-11-14-reopens-kuznica-bobrowniki")).text
    assert '<a href="/belarus/responses/pl-2023-02-09-closes-bobrowniki-crossing">' in html


async def test_a_listing_round_page_lists_who_it_listed(ds, built_db):
    """A response with designations shows each listed person or entity, linked to its page, and how many; a response
    without any shows no such section."""
    import sqlite3
    db = sqlite3.connect(built_db)
    rid, n = db.execute("select response_id, count(*) from designations where response_id is not null "
                        "group by response_id order by count(*) desc limit 1").fetchone()
    html = (await get(ds, f"/belarus/responses/{rid}")).text
    assert "Listed in this round" in html and f"{n} designations of this dataset" in html
    targets = [t for (t,) in db.execute("select target_id from designations where response_id = ?", (rid,))]
    shown = [t for t in targets if f'href="/belarus/targets/{t}"' in html]
    assert len(shown) == min(len(targets), 200), (rid, len(shown), len(targets))
    assert f'href="/belarus/designations?response_id={rid}"' in html
    other, = db.execute("select id from responses where id not in (select response_id from designations "
                        "where response_id is not null) limit 1").fetchone()
    assert "Listed in this round" not in (await get(ds, f"/belarus/responses/{other}")).text


async def test_filtered_json_and_csv_exports_contain_exactly_the_filtered_rows(ds, built_db):
    import sqlite3
    db = sqlite3.connect(built_db)
    expected = sorted(r for (r,) in db.execute(
        "select id from responses where is_sanction = 'yes' and binding = 'non_binding'"))
    assert expected
    r = await get(ds, "/belarus/responses.json?is_sanction=yes&binding=non_binding&_shape=array&_size=max")
    assert sorted(row["id"] for row in r.json()) == expected
    r = await get(ds, "/belarus/responses.csv?is_sanction=yes&binding=non_binding&_size=max")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert sorted(row["id"] for row in rows) == expected
    # Facet counts agree with the database.
    r = await get(ds, "/belarus/responses.json?_facet=response_type&_size=0")
    facet = {f["value"]: f["count"] for f in r.json()["facet_results"]["response_type"]["results"]}
    assert facet == dict(db.execute("select response_type, count(*) from responses group by 1").fetchall())


async def test_full_text_search_on_table(ds):
    r = await get(ds, "/belarus/responses.json?_search=sanctions&_shape=array")
    assert r.status_code == 200 and len(r.json()) > 0


async def test_map_is_configured_with_our_tiles(ds):
    html = (await get(ds, "/belarus/actor_summary")).text
    assert "/-/tiles/basemap/{z}/{x}/{y}.png" in html
    assert "tile.openstreetmap.org" not in html
    r = await get(ds, "/-/tiles/basemap/3/4/2.png")
    assert r.status_code == 200 and r.content[:4] == b"\x89PNG"


async def test_basemap_database_is_not_browsable(ds):
    assert (await get(ds, "/basemap")).status_code == 403


async def test_methodology_page(ds):
    r = await get(ds, "/methodology")
    assert r.status_code == 200 and "<h2>The typology</h2>" in r.text


async def test_footer_has_license_and_citation(ds):
    for path in ["/", "/belarus/responses", "/belarus/search"]:
        html = (await get(ds, path)).text
        footer = html.split('<footer class="ft">')[1]
        assert "creativecommons.org/licenses/by/4.0" in footer and "Cite" in footer, path


async def test_database_is_served_immutable_with_settings(ds):
    settings = (await get(ds, "/-/settings.json")).json()
    assert settings["sql_time_limit_ms"] == 2000 and settings["max_returned_rows"] == 2000
    dbs = {d["name"]: d for d in (await get(ds, "/-/databases.json")).json()}
    assert dbs["belarus"]["is_mutable"] is False


@pytest.mark.parametrize("query,param,loose,exact", [
    ("responses_to_trigger", "trigger", "Ryanair", "ryanair-2021"),
    ("actor_responses", "actor", "Lithuania", "lt"),
    ("actor_responses", "actor", "Літва", "lt"),
    ("sanctions_timeline", "actor", "United Kingdom", "gb"),
])
async def test_prepared_questions_take_names_not_only_ids(ds, query, param, loose, exact):
    by_name = await search_ids(ds, loose, query, param)
    assert by_name and by_name == await search_ids(ds, exact, query, param)


async def test_an_empty_answer_says_why_and_what_to_try(ds):
    r = await get(ds, "/belarus/responses_to_trigger", params={"trigger": "no such event"})
    assert r.status_code == 200 and 'class="if-empty"' in r.text and "Ryanair" in r.text.split('class="if-empty"')[1]


@pytest.mark.parametrize("name", list(QUERIES))
async def test_query_pages_are_titled_in_words_with_the_answer_above_the_sql(ds, name):
    params = PARAMS.get(name, {})
    html = (await get(ds, f"/belarus/{name}", params=params)).text
    import html as html_lib
    title = html_lib.unescape(html.split("<title>")[1].split("</title>")[0])
    assert title.startswith(QUERIES[name]["title"]) and "select" not in title.lower()
    if "rows-and-columns" in html:
        assert html.index("rows-and-columns") < html.index('class="query-sql"')


async def test_every_id_in_a_result_links_to_its_row_page(ds):
    html = (await get(ds, "/belarus/search", params={"q": "Belaruskali"})).text
    table = html.split('<table class="rows-and-columns">')[1]
    assert table.count('href="/belarus/responses/') >= 1
    hit = table.split('href="/belarus/responses/')[1].split('"')[0]
    row = await get(ds, f"/belarus/responses/{hit}")
    assert row.status_code == 200 and 'rel="noopener noreferrer"' in row.text.split('id="sources-heading"')[1]
    html = (await get(ds, "/belarus/target_history", params={"name": "Lukashenka"})).text
    assert 'href="/belarus/targets/' in html and 'href="/belarus/responses/' in html
    html = (await get(ds, "/belarus/responses_detailed")).text
    assert 'href="/belarus/responses/' in html and 'href="/belarus/actors/' in html


async def test_lag_pages_say_what_they_leave_out_and_never_count_a_month_as_its_first_day(ds, built_db):
    import sqlite3
    db = sqlite3.connect(built_db)
    html = (await get(ds, "/belarus/alignment_lag")).text
    assert "Undated listings are left out" in html and "A month is not its first day" in html
    undated = db.execute("select count(*) from designations where listed_on is null").fetchone()[0]
    if undated:
        assert 'class="left-out"' in html
    rows = (await get(ds, "/belarus/alignment_lag.json?_shape=array&_size=max")).json()
    for row in rows:
        if row["date_precision"] == "month" or " to " in row["first_listed"]:
            assert row["lag_days"] is None and row["lag_days_at_least"] < row["lag_days_at_most"], row
        else:
            assert row["lag_days"] == row["lag_days_at_least"] == row["lag_days_at_most"], row
    median = (await get(ds, "/belarus/alignment_median.json?_shape=array&_size=max")).json()
    by_actor = {r["actor_id"]: r for r in median}
    for actor_id, n in db.execute("select actor_id, count(*) from designations where listed_on is null group by actor_id"):
        assert by_actor[actor_id]["left_out_undated"] == n


CHARTS = [name for name, q in QUERIES.items() if q.get("chart")]


@pytest.mark.parametrize("name", CHARTS)
async def test_chart_queries_have_at_most_eight_series_and_name_the_rest_other(ds, name):
    color = dict(p.split("=") for p in QUERIES[name]["chart"].split("&"))["series"]
    rows = (await get(ds, f"/belarus/{name}.json?_shape=array&_size=max")).json()
    series = {r[color] for r in rows}
    assert rows and len(series) <= 8, series
    # Legend labels fit: vega cuts a label at 160 px, about 28 characters.
    assert all(len(str(s)) <= 28 for s in series), series


async def test_the_responses_page_maps_the_slice_it_shows(ds):
    html = (await get(ds, "/belarus/responses_detailed", params={"response_type": "statement", "date__startswith": "2020-08"})).text
    link = html.split('class="map-slice"><a href="')[1].split('"')[0].replace("&amp;", "&")
    assert link.startswith("/belarus/map_responses?") and "from=2020-08" in link and "type=statement" in link
    rows = (await get(ds, link.replace("map_responses?", "map_responses.json?_shape=array&_size=max&"))).json()
    assert rows and all(r["type"] == "Statement" and r["date"].startswith("2020-08") for r in rows)
    popup = json.loads(rows[0]["popup"])
    assert set(popup) == {"title", "description", "link"} and popup["link"] == f"/belarus/responses/{rows[0]['id']}"
    page = (await get(ds, link)).text
    assert "datasette-cluster-map" in page


async def test_csv_links_download_a_named_file(ds):
    html = (await get(ds, "/")).text
    assert 'responses_detailed.csv?_stream=on&amp;_size=max&amp;_dl=1" download' in html
    r = await get(ds, "/belarus/responses_detailed.csv?_stream=on&_size=max&_dl=1")
    assert r.status_code == 200 and 'attachment; filename="responses_detailed.csv"' in r.headers["content-disposition"]
    r = await get(ds, "/belarus/alignment_median.csv?_dl=1")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    # The page's own CSV links are turned into downloads by /assets/table.js, which every result page loads.
    for path in ["/belarus/responses_detailed", "/belarus/search?q=potash"]:
        assert '<script src="/assets/table.js" defer></script>' in (await get(ds, path)).text, path


@pytest.mark.parametrize("path,title", [
    ("/belarus/feed_latest.atom", "Belarus responses: the latest"),
    ("/belarus/feed_actor.atom?actor=lt", "Belarus responses: Lithuania"),
    ("/belarus/feed_actor.atom?actor=Літва", "Belarus responses: Lithuania"),
    ("/belarus/feed_type.atom?type=individual_sanctions", "Belarus responses: Individual sanctions"),
])
async def test_feeds_are_titled_in_words(ds, path, title):
    import feedparser
    feed = feedparser.parse((await get(ds, path)).content)
    assert not feed.bozo and feed.feed.title == title and "select" not in feed.feed.title.lower()
    assert feed.entries


async def test_type_feed_has_only_that_type(ds, built_db):
    import sqlite3
    import feedparser
    db = sqlite3.connect(built_db)
    rows = db.execute("select title, added_in, date, id from responses where response_type = 'resolution'").fetchall()
    # Newest to the dataset first: by the release that added the row (compared as numbers), then by the act's date.
    rows.sort(key=lambda r: r[3])
    rows.sort(key=lambda r: (tuple(int(x) for x in r[1].split(".")), r[2]), reverse=True)
    expected = [r[0] for r in rows[:100]]
    feed = feedparser.parse((await get(ds, "/belarus/feed_type.atom?type=resolution")).content)
    assert [e.title for e in feed.entries] == expected
    html = (await get(ds, "/")).text
    assert 'href="/belarus/feed_type.atom?type=resolution"' in html


async def test_names_of_targets_and_actors_are_found_in_every_script(ds):
    lith = await search_ids(ds, "Lithuania", "find_names", "q", "actor_id")
    assert "lt" in lith
    assert "lt" in await search_ids(ds, "Літва", "find_names", "q", "actor_id")
    assert "lt" in await search_ids(ds, "Литва", "find_names", "q", "actor_id")
    luka = await search_ids(ds, "Lukashenko", "find_names", "q", "target_id")
    assert luka - {None}
    for spelling in ["Лукашенко", "Лукашэнка", "Łukašenka"]:
        assert await search_ids(ds, spelling, "find_names", "q", "target_id") == luka, spelling


def test_no_input_makes_the_search_fail(built_db):
    """Whatever is typed, the search expression is valid FTS5 (or there is none, and the page says why)."""
    import sqlite3
    import sys
    from hypothesis import given, settings, strategies as st
    sys.path.insert(0, str(ROOT))
    import search_index
    db = sqlite3.connect(built_db)
    search = search_index.search_fold.Search(db)
    db.create_function("search_fts", 1, search.search_fts)
    alphabet = st.sampled_from(list('ab ЛукашэнкаŁšьъ’"*()-:^+.,\'') + ["OR", "AND", "NOT", "NEAR", " OR ", " NOT "])

    @settings(max_examples=400, deadline=None)
    @given(st.lists(alphabet, max_size=12).map("".join))
    def check(q):
        db.execute("select count(*) from responses_fts where responses_fts match coalesce(search_fts(?), '\"x\" NOT \"x\"')",
                   (q,)).fetchone()
        if search.search_fts(q) is None and q.strip():
            assert search.search_notice(q)
    check()


async def test_a_listing_leads_to_its_source(ds):
    rows = (await get(ds, "/belarus/target_history.json", params={"name": "Lukashenka", "_shape": "array"})).json()
    assert rows and all(r["source_url"].startswith(("https://", "http://")) for r in rows)
    html = (await get(ds, "/belarus/target_history", params={"name": "Lukashenka"})).text
    assert 'rel="noopener noreferrer" target="_blank">http' in html


@pytest.mark.parametrize("table,spellings", [
    ("responses", ["Lukashenka", "Лукашенко", "Łukašenka"]),
    ("targets", ["Belaruskali", "Беларуськалий", "Беларуськалій"]),
    ("actors", ["Lithuania", "Літва", "Литва"]),
])
async def test_each_table_search_box_works_across_scripts(ds, table, spellings):
    found = []
    for s in spellings:
        r = await get(ds, f"/belarus/{table}.json", params={"_search": s, "_shape": "array", "_size": "max"})
        assert r.status_code == 200, r.text
        found.append({row["id"] for row in r.json()})
    if table == "actors":  # other actors' English names mention Lithuania too; the state is found by each
        assert all("lt" in f for f in found), found
    else:
        assert found[0] and all(f == found[0] for f in found), spellings
    r = await get(ds, f"/belarus/{table}", params={"_search": '"'})
    assert r.status_code == 200 and "fts5" not in r.text
