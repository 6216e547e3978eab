"""Every id leads to its evidence: an id in any table, view, canned query, search result or name lookup
becomes a link to the row page that lists its sources.

Which page an id belongs to is decided by the column's name (response_id, actor_id, target_id, source_id,
responds_to_id, trigger_id, designation_id), and for a bare `id` by the table or view it comes from; in a query
result a bare `id` is a response unless the row's other columns say it is a target, an actor or a source.
Links are built from escaped, tilde-encoded values. URLs (a source's `url`, a query's `source_url`) are made links
by safe_links.py, with its http(s)-only rule.

In a note or a description, the full id of another response or of a source (the shapes of ROW_MENTION and
SOURCE_MENTION; rules.py refuses one that is not in the data) becomes a link too: the `link_ids` filter of the
row pages' templates.
"""
import re

from datasette import hookimpl
from datasette.utils import tilde_encode
from markupsafe import Markup, escape

DATABASE = "belarus"
COLUMN_TABLES = {
    "response_id": "responses", "responds_to_id": "responses", "answered_id": "responses",
    "actor_id": "actors", "parent_id": "actors", "target_id": "targets", "source_id": "sources",
    "trigger_id": "triggers", "designation_id": "designations",
    "name_be_source_id": "sources", "name_ru_source_id": "sources",
}
# Where a bare `id` column of a table or view points.
ID_TABLES = {
    "responses": "responses", "responses_detailed": "responses", "provenance": "responses",
    "actors": "actors", "actor_summary": "actors", "targets": "targets", "sources": "sources",
    "triggers": "triggers", "designations": "designations", "designations_detailed": "designations",
    "response_types": "response_types",
}


# A response id (an actor's id, a date, words: eu-council-2021-12-02-fifth-package) or a source id (s-...), whole.
SOURCE_MENTION = re.compile(r"(?<![\w/.-])s-[a-z0-9]+(?:-[a-z0-9]+)+(?![\w/-])")
ROW_MENTION = re.compile(r"(?<![\w/.-])[a-z][a-z0-9]*(?:-[a-z0-9]+)*-(?:19|20)[0-9]{2}-[a-z0-9]+(?:-[a-z0-9]+)*(?![\w/-])")
MENTION = re.compile(f"{SOURCE_MENTION.pattern}|{ROW_MENTION.pattern}")


def mentions(text: str) -> list[str]:
    """The ids a text names, in order (a source id where both shapes fit: s-...-2021-...)."""
    return [m.group(0) for m in MENTION.finditer(text)]


def link_ids(text) -> Markup:
    """The text, escaped, with every id it names linked to its row page."""
    def link(m):
        name = m.group(0)
        table = "sources" if name.startswith("s-") else "responses"
        return f'<a href="/{DATABASE}/{table}/{tilde_encode(name)}">{name}</a>'
    return Markup(MENTION.sub(link, str(escape(text or ""))))


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["link_ids"] = link_ids


def id_table(row, column, table):
    if column in COLUMN_TABLES:
        return COLUMN_TABLES[column]
    if column != "id":
        return None
    if table is not None:
        return ID_TABLES.get(table)
    keys = set(row.keys()) if row is not None and hasattr(row, "keys") else set()
    if "target_type" in keys and "response_type" not in keys:
        return "targets"
    if "actor_type" in keys and "response_type" not in keys:
        return "actors"
    if "source_kind" in keys or ("url" in keys and "publisher" in keys):
        return "sources"
    return "responses"


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if database != DATABASE or value is None or value == "":
        return None
    target = id_table(row, column, table)
    if target is None or not isinstance(value, (str, int)):
        return None
    return Markup('<a class="row-link" href="/{}/{}/{}">{}</a>').format(
        DATABASE, target, tilde_encode(str(value)), value)
