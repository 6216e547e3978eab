"""Render source URLs as links that are safe to click, and search snippets with highlights.

- A cell in a `url`, `website` or `source_url` column becomes a link only when it is an http(s) URL;
  anything else (javascript:, data:, file:) stays inert, escaped text. Links open with
  rel="noopener noreferrer" so the page we link to can neither script us nor learn
  where the reader came from.
- The `snippet` column of the search query marks matches with [[ and ]]; the text is
  escaped first and only then are the markers turned into <mark>, so nothing from the
  data can become markup.
"""
from urllib.parse import urlsplit

from datasette import hookimpl
from markupsafe import Markup, escape

LINK_COLUMNS = {"url", "website", "source_url"}


def is_web_url(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value.strip())
    except ValueError:  # e.g. "http://[::1": not a URL we can link
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def link(url: str, text: str | None = None) -> Markup:
    return Markup('<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>').format(url, text or url)


@hookimpl
def render_cell(value, column, table, database, datasette):
    if column in LINK_COLUMNS and isinstance(value, str):
        return link(value) if is_web_url(value) else Markup(escape(value))
    if column == "snippet" and isinstance(value, str):
        return Markup(str(escape(value)).replace("[[", "<mark>").replace("]]", "</mark>"))
    return None
