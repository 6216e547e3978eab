"""Serve the landing page (templates/index.html) at / without Datasette's index view.

Datasette's index view counts the rows of every table in every attached database on each
request — including the 23 MB map-tile database — and our landing page shows none of that.
This route renders the same template with only what it uses.
"""
from datasette import hookimpl
from datasette.utils.asgi import Response


async def landing(datasette, request):
    html = await datasette.render_template("index.html", {"databases": [], "metadata": datasette.metadata()},
                                           request=request, view_name="index")
    return Response.html(html)


@hookimpl
def register_routes():
    return [(r"^/$", landing)]
