"""The benchmark's bare baseline (`bench/run.py`, `datasette_server(ours=False)`) runs the SQL of our canned queries as
`?sql=`. Several of them call SQL functions that our plugin `plugins/search_fold.py` registers (`fold`,
`search_snippet`, `search_fts`, `search_notice`); without them bare Datasette answers 400 at once, and a ratio against
that error is meaningless. This file gives bare Datasette those functions and nothing else of the site: no metadata,
templates, canned queries or other hooks, and Datasette's own `escape_fts` for table searches. Loaded only with
`--plugins-dir bench/bare_plugins`."""
import sys
from pathlib import Path

from datasette import hookimpl

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import rules  # noqa: E402  (rules.plugin loads a plugin file as a plain module: its own hooks are not registered)

_search_fold = rules.plugin("search_fold")


@hookimpl
def prepare_connection(conn):
    _search_fold.sql_functions(conn, _search_fold.Search(conn))
