"""/downloads: the whole dataset as files, with sizes and SHA-256 checksums, and how to load them.

build.py writes the files and their manifest beside the database it builds (downloads/); they are
served under /files/ (a static mount in app.py). Files beat Datasette's streamed CSV for the whole
dataset: they are never cut short by max_csv_mb and they match a published checksum.
"""
import json
from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import Response

DATABASE = "belarus"


async def downloads(datasette, request):
    # The files are wherever the /files/ static mount points (beside the database locally, copied into
    # the container by `datasette publish`).
    folder = next((Path(path) for mount, path in datasette.static_mounts if mount == "files"),
                  Path(datasette.get_database(DATABASE).path).parent / "downloads")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    info = {r["key"]: r["value"] for r in (await datasette.get_database(DATABASE).execute(
        "select key, value from dataset_info")).rows}
    files = [{"name": name, "url": "/belarus.db" if name == "belarus.db" else f"/files/{name}", **meta}
             for name, meta in manifest.items()]
    html = await datasette.render_template("downloads.html", {"files": files, "dataset_info": info}, request=request)
    return Response.html(html)


@hookimpl
def register_routes():
    return [(r"^/downloads$", downloads)]
