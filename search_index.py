"""The cross-script search index, built once with the database.

For every response, target and actor, the folded form of its text (plugins/search_fold.py: one Latin skeleton
for Cyrillic, łacinka and every common romanisation) goes into a contentless FTS5 table whose rowid is the
row's rowid: `responses_fold`, `targets_fold`, `actors_fold`. Contentless (content='') because the
original text is already in the database: the index stores only what it needs to match and rank.
The queries fold what the reader typed with the same function (the SQL function search_fts), so a query in
any script or spelling meets the index in the same form.
"""
from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path

import sqlite_utils

_spec = importlib.util.spec_from_file_location(
    "belarus_search_fold", Path(__file__).resolve().parent / "plugins" / "search_fold.py")
search_fold = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(search_fold)

# Which text of each table the folded index reads (the rowid first), in rowid order: FTS5 writes rows that come in
# order into a few large segments, rows out of order into thousands of small ones it must then merge.
SOURCES = {
    # A response by its own words and by every name of its actor and the actor's parent (Lithuania, Літва, Литва).
    "responses_fold": """
        select r.rowid, r.title, r.description, r.instrument, r.notes, r.id,
               a.name, a.name_be, a.name_ru, p.name, p.name_be, p.name_ru
        from responses r cross join actors a on a.id = r.actor_id left join actors p on p.id = a.parent_id
        order by r.rowid""",
    # A target by every name form: English, Belarusian, Russian, the spellings of the lists, and its role.
    "targets_fold": "select rowid, id, name, name_be, name_ru, name_variants, role from targets order by rowid",
    # An actor by its names and its id (lt, eu-council).
    "actors_fold": "select rowid, id, name, name_be, name_ru, iso_code from actors order by rowid",
}


# Columns at the end of a query that repeat on many rows (a response's actor names): folded once per distinct value.
SHARED = {"responses_fold": 6}


def folded_rows(cursor, shared: int):
    """(rowid, folded text) of each row; the last `shared` columns folded once per distinct combination.
    index_text(*own, *names) is index_text(*own) and index_text(*names) joined by a space (each drops empties)."""
    cache: dict[tuple, str] = {}
    index_text = search_fold.IndexFolder()
    for row in cursor:
        if not shared:
            yield row[0], index_text(*row[1:])
            continue
        names = row[-shared:]
        tail = cache.get(names)
        if tail is None:
            tail = cache[names] = index_text(*names)
        own = index_text(*row[1:-shared])
        yield row[0], f"{own} {tail}" if own and tail else own or tail


def build(db: sqlite_utils.Database) -> None:
    for table, select in SOURCES.items():
        db.execute(f"create virtual table {table} using fts5(folded, content = '', "
                   "tokenize = 'unicode61 remove_diacritics 2')")
        reader = db.conn.cursor()  # a second cursor reads while the first writes (rowids are only read)
        rows = folded_rows(reader.execute(select), SHARED.get(table, 0))
        # in batches: one executemany per 20,000 rows was about a tenth faster than one over a generator at 200k
        while batch := list(itertools.islice(rows, 20_000)):
            db.conn.executemany(f"insert into {table} (rowid, folded) values (?, ?)", batch)
