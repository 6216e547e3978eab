"""Limits that keep one request from taking the site down (docs/RELIABILITY.md, "Abuse").

Datasette's `sql_time_limit_ms` stops SQL only between steps of the virtual machine, never inside one C
function, so a single `printf('%.*c', 1000000000, 'x')`, a recursive `json_set` or string doubling could run
for seconds and allocate gigabytes. Every connection therefore gets, in `prepare_connection`:

- `SQLITE_LIMIT_LENGTH`: no string or blob SQLite builds may exceed MAX_VALUE_BYTES ("string or blob too big",
  a 400). The largest value in the database is about 23 kB; SQLite's own security advice is 1,000,000.
- a row factory that stops a query once its cells add up to MAX_RESULT_BYTES, so no response (1,000 rows of
  a large value as JSON) can balloon in Python's memory.
- `printf`/`format` that refuse a width or precision above the length limit ("string or blob too big", as SQLite
  says for any value past it): `%.*c` with a huge precision loops in C for seconds even though the length limit
  has already refused its result.
- `trim`/`ltrim`/`rtrim` that refuse a set of more than MAX_TRIM_CHARS characters to trim: SQLite compares each
  end character with every character of the set, in C, so a 250 kB string trimmed by a 29,000-character set
  runs for most of a minute (20,000 by 20,000 characters: 2.6 s).
- an authorizer that denies functions with no business on a public site (`fts3_tokenizer` returns a native
  pointer, `load_extension` loads code) and reads the `file` column of `pragma_database_list` as NULL (it is the
  server's path; Datasette itself needs the pragma, for the names of attached databases).

The ASGI wrapper refuses what must never reach a view: any method but GET/HEAD/OPTIONS (405: the database is
immutable, and a POST to a table or canned query used to end in a 500), more than a few `_where`/`_facet`
parameters or overlong ones (400), and it runs a table page with `_where` without facets and count, so one
`_where` costs one time-limited query instead of one per facet. `/-/databases.json` names the file, not its path;
`/-/threads.json` counts the event loop's tasks without listing them (their text names source paths).
"""
from __future__ import annotations

import re
import sqlite3
import threading
import weakref
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.utils.asgi import Response
from datasette.views.special import JsonDataView

MAX_VALUE_BYTES = 256 * 1024        # SQLITE_LIMIT_LENGTH: largest string or blob any query may build
MAX_SQL_BYTES = 100_000             # SQLITE_LIMIT_SQL_LENGTH: the longest statement
MAX_RESULT_BYTES = 4 * 1024 * 1024  # text and blobs in one query's rows (the biggest table page holds ~2 MB)
MAX_TRIM_CHARS = 1000              # characters in the set of trim(x, set)
HEAP_LIMIT_BYTES = 256 * 1024 * 1024  # sqlite3_hard_heap_limit64: all of SQLite's memory, all connections
MAX_WHERE = 3                       # _where= clauses on one table page
MAX_WHERE_CHARS = 1000
MAX_FACETS = 8                      # _facet, _facet_array, _facet_date on one table page
MAX_FACET_CHARS = 200

DENIED_FUNCTIONS = {"fts3_tokenizer", "load_extension", "fts5", "readfile", "writefile", "edit", "zipfile",
                    "sqlite_dbpage", "sqlite_dbdata", "sqlite_dbptr", "sha3_query"}
HIDDEN_COLUMNS = {("pragma_database_list", "file")}
ALLOWED_METHODS = {"GET", "HEAD", "OPTIONS"}


class ResultTooLarge(sqlite3.DataError):
    pass


def authorizer(action, arg1, arg2, db_name, trigger):
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in DENIED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_READ and ((arg1 or "").lower(), (arg2 or "").lower()) in HIDDEN_COLUMNS:
        return sqlite3.SQLITE_IGNORE  # the column reads as NULL
    return sqlite3.SQLITE_OK


def size_limited_rows(limit: int = MAX_RESULT_BYTES):
    """A row factory that gives sqlite3.Row and counts the bytes of each cursor's cells."""
    seen: "weakref.WeakKeyDictionary[sqlite3.Cursor, int]" = weakref.WeakKeyDictionary()

    def factory(cursor, row):
        total = seen.get(cursor, 0) + sum(len(v) for v in row if isinstance(v, (str, bytes)))
        if total > limit:
            # Reset the statement here, in the query's own thread. Left mid-way, it would be reset whenever the
            # cursor is freed, in whatever thread drops the exception's traceback, and that reset clears the
            # connection's error code: a query failing at that instant on the same connection came back from
            # execute() with no error and no result (about 1 in 5,000 heavy requests in `make stress`, a 500).
            cursor.close()
            raise ResultTooLarge(f"Query result too large: its values pass {limit // (1024 * 1024)} MB. "
                                 "Ask for fewer rows (limit) or shorter values (substr).")
        seen[cursor] = total
        return sqlite3.Row(cursor, row)
    return factory


# printf conversions: flags, width (digits or *), precision (. digits or *), type.
CONVERSION = re.compile(r"%([-+ 0#,!]*)(\*|\d+)?(?:\.(\*|\d*))?([a-zA-Z%])")
_private = threading.local()


def safe_printf(fmt, *args):
    """SQLite's printf, refusing a width or precision that would build a value past MAX_VALUE_BYTES."""
    if fmt is None:
        return None
    i = 0
    for match in CONVERSION.finditer(str(fmt)):
        for part in match.group(2, 3):
            if part == "*":
                value = args[i] if i < len(args) else 0
                i += 1
                try:
                    number = abs(int(value or 0))
                except (TypeError, ValueError):
                    number = 0
            elif part:
                number = int(part)
            else:
                continue
            if number > MAX_VALUE_BYTES:
                # A result one byte past the limit: SQLite refuses it with "string or blob too big". (An exception
                # raised here would only say "user-defined function raised exception".)
                return "x" * (MAX_VALUE_BYTES + 1)
        if match.group(4) != "%":
            i += 1
    placeholders = ", ".join("?" for _ in range(len(args) + 1))
    return _private_connection().execute(f"select printf({placeholders})", (fmt, *args)).fetchone()[0]


def _private_connection() -> sqlite3.Connection:
    """A plain connection of this thread, for SQLite's own functions once their arguments are checked."""
    conn = getattr(_private, "conn", None)
    if conn is None:
        conn = _private.conn = sqlite3.connect(":memory:", check_same_thread=False)
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    return conn


def _bounded_trim(name: str):
    def trim(*args):
        if len(args) == 2 and isinstance(args[1], (str, bytes)) and len(args[1]) > MAX_TRIM_CHARS:
            return "x" * (MAX_VALUE_BYTES + 1)  # refused by SQLite as "string or blob too big"
        placeholders = ", ".join("?" for _ in args)
        return _private_connection().execute(f"select {name}({placeholders})", args).fetchone()[0]
    return trim


_heap_limit_set = False


@hookimpl
def prepare_connection(conn):
    global _heap_limit_set
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    if not _heap_limit_set:  # process-wide: once is enough
        conn.execute(f"pragma hard_heap_limit = {HEAP_LIMIT_BYTES}")
        _heap_limit_set = True
    for name in ("printf", "format"):
        conn.create_function(name, -1, safe_printf, deterministic=True)
    for name in ("trim", "ltrim", "rtrim"):
        conn.create_function(name, -1, _bounded_trim(name), deterministic=True)
    conn.set_authorizer(authorizer)
    conn.row_factory = size_limited_rows()


def _databases_without_paths(datasette):
    def data():
        rows = datasette._connected_databases()
        return [{**row, "path": Path(row["path"]).name if row.get("path") else row.get("path")} for row in rows]
    return data


def _threads_without_tasks(datasette):
    def data():  # each task's repr names the source file it runs in, with its absolute path
        return {**datasette._threads(), "tasks": []}
    return data


@hookimpl
def register_routes(datasette):
    return [(r"^/-/databases(\.(?P<format>json))?$",
             JsonDataView.as_view(datasette, "databases.json", _databases_without_paths(datasette))),
            (r"^/-/threads(\.(?P<format>json))?$",
             JsonDataView.as_view(datasette, "threads.json", _threads_without_tasks(datasette)))]


def _is_table_request(path: str) -> bool:
    parts = [p for p in path.split("/") if p]
    return len(parts) == 2 and not parts[0].startswith("-")


def check_query(path: str, query: list[tuple[str, str]]) -> tuple[int, str] | None:
    """Why a request must be refused (status, message), or None."""
    wheres = [v for k, v in query if k == "_where"]
    if len(wheres) > MAX_WHERE or any(len(v) > MAX_WHERE_CHARS for v in wheres):
        return 400, f"At most {MAX_WHERE} _where clauses of {MAX_WHERE_CHARS} characters; use ?sql= for more."
    facets = [v for k, v in query if k in ("_facet", "_facet_array", "_facet_date")]
    if len(facets) > MAX_FACETS or any(len(v) > MAX_FACET_CHARS for v in facets):
        return 400, f"At most {MAX_FACETS} facets of {MAX_FACET_CHARS} characters on one page."
    return None


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def limited(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            method = scope.get("method", "GET").upper()
            if method not in ALLOWED_METHODS:
                return await refuse(scope, send, 405, f"{method} is not allowed: this site is read-only.",
                                    {"Allow": "GET, HEAD, OPTIONS"})
            raw = scope.get("query_string", b"").decode("latin-1")
            if "_where" in raw or "_facet" in raw:
                query = parse_qsl(raw, keep_blank_values=True)
                problem = check_query(scope.get("path", ""), query)
                if problem:
                    return await refuse(scope, send, *problem)
                if any(k == "_where" for k, _ in query) and _is_table_request(scope.get("path", "")):
                    # One time-limited query, not one per facet plus a count.
                    query = [(k, v) for k, v in query if k not in ("_nofacet", "_nocount")]
                    query += [("_nofacet", "1"), ("_nocount", "1")]
                    scope = {**scope, "query_string": urlencode(query).encode("latin-1")}
            return await app(scope, receive, send)
        return limited
    return wrap


async def refuse(scope, send, status: int, message: str, headers: dict | None = None):
    path = scope.get("path", "")
    if path.split("?")[0].endswith(".json"):
        response = Response.json({"ok": False, "error": message, "status": status, "title": None},
                                 status=status, headers=headers)
    else:
        response = Response.text(f"Error {status}: {message}\n", status=status, headers=headers)
    await response.asgi_send(send)
