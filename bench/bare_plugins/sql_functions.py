"""The benchmark's bare baseline (`bench/run.py`, `datasette_server(ours=False)`) runs the SQL of our canned queries as
`?sql=`. Several of them call SQL functions that our plugin `plugins/search_fold.py` registers (`fold`,
`search_snippet`, `search_fts`, `search_notice`); without them bare Datasette answers 400 at once, and a ratio against
that error is meaningless. This file gives bare Datasette those functions and nothing else of the site: no metadata,
templates, canned queries or other hooks, and Datasette's own `escape_fts` for table searches. Loaded only with
`--plugins-dir bench/bare_plugins`."""
import importlib.util
from pathlib import Path

from datasette import hookimpl

_spec = importlib.util.spec_from_file_location(
    "bench_bare_search_fold", Path(__file__).resolve().parents[2] / "plugins" / "search_fold.py")
_search_fold = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_search_fold)  # a plain module: its own hooks are not registered with Datasette


@hookimpl
def prepare_connection(conn):
    search = _search_fold.Search(conn)
    conn.create_function("fold", 1, _search_fold.fold, deterministic=True)
    conn.create_function("search_fts", 1, search.search_fts, deterministic=True)
    conn.create_function("search_notice", 1, search.search_notice, deterministic=True)
    conn.create_function("search_snippet", 2, _search_fold.search_snippet, deterministic=True)
