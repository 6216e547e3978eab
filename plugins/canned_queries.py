"""The canned queries of the belarus database, from plugins/queries.yml, through the canned_queries hook.

Kept out of metadata.yml on purpose: Datasette 0.65 deep-copies the whole metadata for each table
permission check, several times a request, and the queries (their SQL and descriptions) were most of it.

A query with `summary_sql` reads a table that build.py filled with that SQL; its description shows the SQL
and links to running it live, so a precomputed figure is never a black box.
"""
from html import escape
from pathlib import Path
from urllib.parse import urlencode

import yaml
from datasette import hookimpl

DATABASE = "belarus"
QUERIES = yaml.safe_load((Path(__file__).parent / "queries.yml").read_text(encoding="utf-8"))


def _served(query: dict) -> dict:
    q = {k: v for k, v in query.items() if k != "summary_sql"}
    # The answer first: the SQL is shown below it (templates/query.html), not above.
    q.setdefault("hide_sql", True)
    summary = query.get("summary_sql")
    if summary:
        live = f"/{DATABASE}?" + urlencode({"sql": summary})
        q["description_html"] = (q.get("description_html", "") +
            '\n<details class="summary-sql"><summary>Counted when the database was built, by this SQL</summary>'
            f"<pre>{escape(summary)}</pre><p><a href=\"{escape(live)}\">Run it live</a> "
            "(the same answer, counted now: slower on a large database).</p></details>")
    return q


SERVED = {name: _served(q) for name, q in QUERIES.items()}


@hookimpl
def canned_queries(datasette, database, actor):
    if database != DATABASE:
        return None
    # Datasette adds keys (the name) to what it gets: hand it copies, never our own dicts.
    return {name: dict(query) for name, query in SERVED.items()}
