"""Serve docs/METHODOLOGY.md at /methodology, rendered inside the site's own page layout.

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
    body = Markup(md.render(DOC.read_text(encoding="utf-8")))
    html = await datasette.render_template("methodology.html", {"body": body}, request=request)
    return Response.html(html)


@hookimpl
def register_routes():
    return [(r"^/methodology$", methodology)]
