"""The canned queries of the belarus database, from plugins/queries.yml, through the canned_queries hook.

Kept out of metadata.yml on purpose: Datasette 0.65 deep-copies the whole metadata for each table
permission check, several times a request, and the queries (their SQL and descriptions) were most of it.
"""
from pathlib import Path

import yaml
from datasette import hookimpl

DATABASE = "belarus"
QUERIES = yaml.safe_load((Path(__file__).parent / "queries.yml").read_text(encoding="utf-8"))


@hookimpl
def canned_queries(datasette, database, actor):
    if database != DATABASE:
        return None
    # Datasette adds keys (the name) to what it gets: hand it copies, never our own dicts.
    return {name: dict(query) for name, query in QUERIES.items()}
