"""The floor of our outputs: what writing our database costs when nothing is read from text and nothing is checked.

    python bench/floor.py BUILT.db OUT.db [--downloads]

Copies the rows of every table of the data package, already typed, from a database our build wrote (BUILT.db) into
empty tables of the same schema, then runs the rest of the real build on them (build.build_the_rest: the indexes,
the summary tables in their process, the FTS5 indexes, the cross-script search vocabulary, the views) and ANALYZE.
With --downloads it then writes the downloads beside OUT.db as the build does (build.write_downloads). No CSV is
parsed, no cell validated, no rule run. Any build that writes the same database, whatever it does with
the CSVs, takes at least this long on this machine: bench/run.py sets it beside csvs-to-sqlite, which writes
none of these indexes, search indexes or summaries.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import build  # noqa: E402


def main(src: Path, out: Path, downloads: bool = False) -> None:
    pkg = build.load_package(ROOT / "datapackage.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    aux = out.with_name(f".{out.name}.summaries")
    for p in (out, aux):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{p}{suffix}").unlink(missing_ok=True)
    db = build.new_database(pkg, out)  # the build's own first step
    db.execute("attach database ? as built", (str(src),))
    db.conn.execute("begin")
    for res in build.creation_order(pkg):  # (create_table's own indexes, if any, are written as the rows come)
        db.execute(f"insert into [{res['name']}] select * from built.[{res['name']}] order by rowid")
    db.conn.commit()
    db.execute("detach database built")
    db.execute("pragma journal_mode = wal")  # as the build does: the summaries' process reads while this one writes
    build.build_the_rest(pkg, db, out, aux)
    build.seal(db)  # and its last
    db.close()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{aux}{suffix}").unlink(missing_ok=True)
    if downloads:
        build.write_downloads(pkg, out, build.downloads_dir(out))


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--downloads"]
    if len(args) != 2:
        sys.exit(__doc__)
    main(Path(args[0]), Path(args[1]), downloads="--downloads" in sys.argv[1:])
