"""Table and column descriptions come from datapackage.json, the one place the schema lives
(read from the copy build.py stores in the database, so a published site needs no other file).

metadata.yml holds what is about the site (titles, facets, canned queries); this plugin
merges in, for every table of the data package, its description and a description of
every column, so that the web UI and /-/metadata show the data dictionary without
repeating it. Views reuse the descriptions of the columns they take from the tables.
"""
import json
from functools import lru_cache
from pathlib import Path

from datasette import hookimpl

DATAPACKAGE = Path(__file__).resolve().parent.parent / "datapackage.json"
DATABASE = "belarus"
# Columns that views compute, described here because no table holds them.
VIEW_COLUMNS = {
    "year": "Year of the response date (first four characters of `date`).",
    "actor_name": "Name of the acting actor (from actors.name).",
    "actor_group": "The organisation or state the actor belongs to, or the actor itself when it is top-level.",
    "response_type_label": "Label of the response type (from response_types.label).",
    "trigger_name": "Name of the event the response answered (from triggers.name).",
    "source_count": "How many sources document this response.",
    "responses": "Number of responses.",
    "sanctions": "Number of responses coded as sanctions (is_sanction = yes).",
    "first_response": "Date of the actor's earliest response in the dataset.",
    "latest_response": "Date of the actor's latest response in the dataset.",
    "response_date": "Date of the response (responses.date).",
    "response_title": "Title of the response (responses.title).",
    "source_title": "Title of the source page (sources.title).",
    "target_name": "Name of the listed target (from targets.name).",
    "actor_name_of_listing": "Name of the listing jurisdiction.",
}
VIEWS = {
    "responses_detailed": ("responses", "Every response with its actor's name, type label, trigger, source count and the actor's coordinates (for the map and charts)."),
    "actor_summary": ("actors", "One row per actor that acted: number of responses and sanctions, first and latest date, and coordinates — the map of responders."),
    "designations_detailed": ("designations", "Every listing of a target by a jurisdiction, with the target's and the jurisdiction's names and the listing round it belongs to."),
    "response_source_links": ("response_sources", "Every link between a response and a source, with the source's publisher, kind and URL: the provenance of each row."),
}


VIEW_COLUMN_NAMES: dict[str, list[str]] = {}
PACKAGE: dict = {}


@hookimpl
def startup(datasette):
    """Read the data package the database was built with, and learn which columns each view has."""
    async def inner():
        if DATABASE not in datasette.databases:
            return
        db = datasette.get_database(DATABASE)
        row = (await db.execute("select value from dataset_info where key = 'datapackage'")).first()
        if row:
            PACKAGE.update(json.loads(row[0]))
        for view in VIEWS:
            rows = (await db.execute("select name from pragma_table_info(:v)", {"v": view})).rows
            VIEW_COLUMN_NAMES[view] = [r[0] for r in rows]
        dictionary.cache_clear()
    return inner


@lru_cache(maxsize=1)
def dictionary() -> dict:
    pkg = PACKAGE or json.loads(DATAPACKAGE.read_text(encoding="utf-8"))
    tables = {}
    all_columns = {}
    for res in pkg["resources"]:
        columns = {f["name"]: f["description"] for f in res["schema"]["fields"]}
        tables[res["name"]] = {"description": res["description"], "columns": columns}
        for name, desc in columns.items():
            all_columns.setdefault(name, desc)
    for view, (base, description) in VIEWS.items():
        columns = dict(all_columns)
        columns.update(tables[base]["columns"])
        columns.update(VIEW_COLUMNS)
        names = VIEW_COLUMN_NAMES.get(view, [])
        tables[view] = {"description": description, "columns": {n: columns[n] for n in names if n in columns}}
    return {"databases": {DATABASE: {"tables": tables}}}


@hookimpl
def get_metadata(datasette, key, database, table):
    """Only what was asked for: Datasette merges this into its metadata several times per request."""
    if table is None:
        # Datasette's per-request permission check asks for key "tables" and deep-copies the answer several
        # times; it needs no descriptions. Whole-metadata requests (/-/metadata.json) get everything.
        return {} if key == "tables" or database not in (None, DATABASE) else dictionary()
    if database != DATABASE:
        return {}
    entry = dictionary()["databases"][DATABASE]["tables"].get(table)
    return {"databases": {DATABASE: {"tables": {table: entry}}}} if entry else {}
