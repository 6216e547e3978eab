"""Report a reader's bad table parameter as a 400, not a server fault.

Datasette 0.65 raises DatasetteError, whose default status is 500, for `?_sort=` on a column that
cannot be sorted and for `_sort` together with `_sort_desc`. Those are mistakes in the request, so
this hook marks them 400 and lets Datasette's own error page render them as usual.
"""
from datasette import hookimpl
from datasette.views.base import DatasetteError

BAD_INPUT = ("Cannot sort table by ", "Cannot use _sort and _sort_desc")


@hookimpl(tryfirst=True)
def handle_exception(datasette, request, exception):
    message = getattr(exception, "message", "") or (exception.args[0] if exception.args else "")
    if isinstance(exception, DatasetteError) and exception.status == 500 and isinstance(message, str) \
            and message.startswith(BAD_INPUT):
        exception.status = 400
    return None
