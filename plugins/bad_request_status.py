"""Report a reader's malformed request as a 400, not a server fault, and never stall the site doing so.

Datasette 0.65 answers several mistakes in a request with an exception whose default status is 500:
`?_sort=` on a column that cannot be sorted, `_sort` with `_sort_desc`, a number too big for SQLite
(`?targets_count__gt=` and 30 digits), a `_through=` or `_facet=` that is not JSON, a `_next=` that the
query cannot use ("datatype mismatch"), a tile with huge coordinates (math range error), a value SQLite
refuses to build ("string or blob too big", plugins/limits.py). They are mistakes in the request, so this
hook marks them 400 and lets Datasette's own error page render them as usual.

Datasette's default error handler prints every 4xx and 5xx with `rich` (a traceback with local variables,
request headers included) when rich happens to be installed — it comes with dev tools. That runs on the
event loop, 0.15-0.3 s per error, and ten clients asking for a missing page stalled every reader. Outside an
exception it even raised, so a 404 became uvicorn's bare 500. `make serve` runs without dev packages, and
this module switches that printing off in every environment, so the tested site is the served one.
"""
import json
import sqlite3
import sys
import traceback

import datasette.handle_exception as datasette_errors
from datasette import hookimpl
from datasette.views.base import DatasetteError


class _Traceback:
    """Datasette's default handler also runs after ours and prints the traceback of every exception that is not
    a DatasetteError: not for the ones this module has answered as a reader's mistake; a real 500 still prints."""
    def __getattr__(self, name):
        return getattr(traceback, name)

    @staticmethod
    def print_exc(*args, **kwargs):
        if not getattr(sys.exc_info()[1], "_bad_request", False):
            traceback.print_exc(*args, **kwargs)


datasette_errors.rich = None
datasette_errors.traceback = _Traceback()

BAD_INPUT = ("Cannot sort table by ", "Cannot use _sort and _sort_desc")
BAD_SQL_VALUES = ("datatype mismatch", "string or blob too big", "Query result too large",
                  "user-defined function raised exception", "not authorized")


class BadRequest(DatasetteError):
    def __init__(self, message):
        super().__init__(message, title="Invalid request", status=400)


def _message(exception) -> str:
    message = getattr(exception, "message", "") or (exception.args[0] if exception.args else "")
    return message if isinstance(message, str) else str(message)


@hookimpl(tryfirst=True)
def handle_exception(datasette, request, exception):
    message = _message(exception)
    if isinstance(exception, DatasetteError):
        if exception.status == 500 and message.startswith(BAD_INPUT + BAD_SQL_VALUES):
            exception.status = 400
        return None
    if isinstance(exception, (json.JSONDecodeError, OverflowError, sqlite3.Error)):
        try:
            exception._bad_request = True
        except AttributeError:
            pass
    if isinstance(exception, json.JSONDecodeError):
        return _render(datasette, request, BadRequest(f"A parameter is not valid JSON: {message}"))
    if isinstance(exception, OverflowError):
        return _render(datasette, request, BadRequest(f"A number in the request is too large: {message}"))
    if isinstance(exception, sqlite3.Error) and message.startswith(BAD_SQL_VALUES):
        return _render(datasette, request, BadRequest(message))
    return None


def _render(datasette, request, error):
    # Datasette's default handler renders a DatasetteError with its status and the site's error page.
    return datasette_errors.handle_exception(datasette=datasette, request=request, exception=error)
