"""How the site is served: one place for the settings that `make serve`, the tests and the benchmarks share.

    python app.py serve [--host H] [--port P]   # runs `datasette serve` with our settings
    python app.py args                          # prints the datasette arguments (for scripts)
    python app.py settings                      # prints the --setting options (for make publish)
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DB = ROOT / "belarus.db"
INSPECT = ROOT / "inspect-data.json"
# Deliberate limits: a public site must answer every reader, so no query may hog it.
SETTINGS = {
    "sql_time_limit_ms": 2000,      # stops runaway SQL; the heaviest canned query takes under 10 ms, 200x less
    "max_returned_rows": 2000,      # a page of results; full downloads are files, not pages
    "facet_time_limit_ms": 400,     # facets give up quietly rather than slow the table page
    "suggest_facets": False,        # the default facets are chosen in metadata.yml; suggestions cost every table page
    "default_page_size": 50,
    "allow_download": True,         # the whole .db file is part of the open data
    "max_csv_mb": 100,              # streamed CSV limit, far above the dataset's size
    "default_cache_ttl": 300,
    "num_sql_threads": 6,           # queries release the GIL: a few slow ones must not starve the rest
}


def setting_args() -> list[str]:
    out = []
    for key, value in SETTINGS.items():
        out += ["--setting", key, str(value).lower() if isinstance(value, bool) else str(value)]
    return out


def datasette_args(db: Path = DB) -> list[str]:
    args = ["-i", str(db), "--metadata", str(ROOT / "metadata.yml"),
            "--plugins-dir", str(ROOT / "plugins"), "--template-dir", str(ROOT / "templates"),
            "--static", f"assets:{ROOT / 'static'}", "--static", f"files:{db.parent / 'downloads'}"]
    if db == DB and INSPECT.exists() and INSPECT.stat().st_mtime >= DB.stat().st_mtime:
        args += ["--inspect-file", str(INSPECT)]
    return args + setting_args()


def make_datasette(db: Path = DB):
    """The real app, as `make serve` runs it, for tests and benchmarks."""
    import yaml
    from datasette.app import Datasette

    return Datasette(
        immutables=[str(db)],
        metadata=yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8")),
        plugins_dir=str(ROOT / "plugins"),
        template_dir=str(ROOT / "templates"),
        static_mounts=[("assets", str(ROOT / "static")), ("files", str(db.parent / "downloads"))],
        settings=SETTINGS,
    )


def main(argv: list[str]) -> int:
    if argv[:1] == ["settings"]:
        print(" ".join(setting_args()))
        return 0
    if argv[:1] == ["args"]:
        print("\n".join(datasette_args()))
        return 0
    if argv[:1] == ["serve"]:
        exe = Path(sys.executable).with_name("datasette")
        os.execv(str(exe), [str(exe), "serve", *datasette_args(), *argv[1:]])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
