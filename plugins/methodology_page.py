"""Serve docs/METHODOLOGY.md at /methodology, rendered inside the site's own page layout
(from the copy build.py stores in the database; the file itself when run from a checkout without one).

The methodology is written once, in Markdown, where it reads well on a code host too;
raw HTML in it is not rendered (markdown-it's "commonmark" preset with html disabled).
"""
from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import Response
from markdown_it import MarkdownIt
from markupsafe import Markup

DOC = Path(__file__).resolve().parent.parent / "docs" / "METHODOLOGY.md"
md = MarkdownIt("commonmark", {"html": False}).enable("table")


async def methodology(datasette, request):
    row = (await datasette.get_database("belarus").execute(
        "select value from dataset_info where key = 'methodology'")).first()
    text = row[0] if row and row[0] else DOC.read_text(encoding="utf-8")
    body = Markup(md.render(text))
    html = await datasette.render_template("methodology.html", {"body": body}, request=request)
    return Response.html(html)


@hookimpl
def register_routes():
    return [(r"^/methodology$", methodology)]
