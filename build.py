#!/usr/bin/env python3
"""Build belarus.db from the CSVs in data/, validated against datapackage.json.

    python build.py [--data DIR] [--output PATH] [--datapackage PATH]

The data package is the one place the schema lives: column names and order,
types, required fields, enumerations, patterns, primary and foreign keys.
Everything is validated before anything is written, every problem is
reported as ``file:line:column: message`` (one run lists them all), and the
database is built in a temporary file that replaces the output only when the
build succeeded: a failed build leaves the previous database untouched.

Spreadsheet habits are accepted and normalised: a UTF-8 byte-order mark and
CRLF line endings.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import json
import shutil
import zipfile
import math
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import sqlite3

import sqlite_utils

ROOT = Path(__file__).resolve().parent
METHODOLOGY = ROOT / "docs" / "METHODOLOGY.md"
DATE_RE = re.compile(r"^([0-9]{4})-([0-9]{2})(?:-([0-9]{2}))?$")
# Columns faceted or sorted in the web UI: indexed so facets stay fast.
FACET_COLUMNS = {
    "actors": ["actor_type", "parent_id", "belarus_member"],
    "responses": ["date", "actor_id", "response_type", "binding", "legal_basis",
                  "is_sanction", "grounds", "status", "trigger_id", "responds_to_id",
                  "date_precision"],
    "sources": ["publisher", "source_kind", "language", "published_date"],
    "response_sources": ["source_id"],
    "triggers": ["date"],
    "targets": ["target_type"],
    "designations": ["target_id", "actor_id", "listed_on", "listed_on_basis", "delisted_on", "program"],
}
FTS_TOKENIZE = "unicode61 remove_diacritics 2"
csv.field_size_limit(10_000_000)


@dataclass(order=True)
class Problem:
    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


@dataclass
class Table:
    """One CSV as read: its rows (dicts of typed values) and where each came from."""
    name: str
    path: str
    fields: list[dict]
    rows: list[dict] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # physical line where each row starts
    columns: dict[str, int] = field(default_factory=dict)  # field name -> 1-based column in the file


class BuildError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


# --------------------------------------------------------------------------- reading

def decode(raw: bytes, path: str, problems: list[Problem]) -> str:
    """UTF-8 text with the BOM dropped; each bad byte and NUL reported. Line endings are left to the CSV parser."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="replace")
        pos = 0
        while True:
            try:
                raw[pos:].decode("utf-8")
                break
            except UnicodeDecodeError as e:
                bad = pos + e.start
                before = raw[:bad]
                line = before.count(b"\n") + 1
                col = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
                problems.append(Problem(path, line, col, f"invalid UTF-8 byte 0x{raw[bad]:02x}: save the file as UTF-8"))
                pos = bad + max(1, e.end - e.start)
    if "\x00" in text:
        for n, line_text in enumerate(text.splitlines(), 1):
            if "\x00" in line_text:
                problems.append(Problem(path, n, line_text.index("\x00") + 1, "NUL byte in the file"))
        text = text.replace("\x00", "")
    return text


def parse_date(value: str) -> tuple[dt.date, str] | None:
    """(first day of the period, precision) for YYYY-MM-DD or YYYY-MM; None if not a real date."""
    m = DATE_RE.match(value)
    if not m:
        return None
    y, mo, d = m.groups()
    try:
        return dt.date(int(y), int(mo), int(d or 1)), ("day" if d else "month")
    except ValueError:
        return None


def check_value(value: str, spec: dict, period: tuple[dt.date, dt.date]) -> tuple[object, str | None]:
    """Typed value and an error message (or None) for one non-empty cell."""
    c = spec.get("constraints", {})
    if "enum" in c and value not in c["enum"]:
        return value, f"{value!r} is not one of: {', '.join(c['enum'])}"
    kind = spec.get("type", "string")
    if kind == "integer":
        if not re.fullmatch(r"-?[0-9]+", value):
            return value, f"{value!r} is not a whole number"
        typed: object = int(value)
    elif kind == "number":
        try:
            typed = float(value)
        except ValueError:
            return value, f"{value!r} is not a number"
        if not math.isfinite(typed):
            return value, f"{value!r} is not a finite number"
        if typed.is_integer() and re.fullmatch(r"-?[0-9]+", value):
            typed = int(value)
    else:
        typed = value
    if "minimum" in c and typed < c["minimum"]:
        return value, f"{value} is below the minimum {c['minimum']}"
    if "maximum" in c and typed > c["maximum"]:
        return value, f"{value} is above the maximum {c['maximum']}"
    if "pattern" in c and not re.fullmatch(c["pattern"], value):
        if c["pattern"].startswith("^[0-9]{4}-"):
            return value, f"{value!r} is not an ISO date (YYYY-MM-DD, or YYYY-MM when only the month is known)"
        return value, f"{value!r} does not match the pattern {c['pattern']}"
    if c.get("pattern", "").startswith("^[0-9]{4}-[0-9]{2}"):
        parsed = parse_date(value)
        if parsed is None:
            return value, f"{value!r} is not a real calendar date"
        if spec.get("x_period"):
            start, end = period
            day, precision = parsed
            earliest = start.replace(day=1) if precision == "month" else start
            if day < earliest:
                return value, f"{value} is before the period this dataset covers (from {start.isoformat()})"
            if day > end:
                return value, f"{value} is in the future (after {end.isoformat()})"
    if spec.get("format") == "uri":
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"\s", value):
            return value, f"{value!r} is not an http(s) URL"
    return typed, None


def read_table(resource: dict, path: Path, shown: str, period, problems: list[Problem]) -> Table:
    fields = resource["schema"]["fields"]
    names = [f["name"] for f in fields]
    table = Table(resource["name"], shown, fields)
    if not path.exists():
        problems.append(Problem(shown, 1, 1, f"file is missing (expected the {resource['name']} table)"))
        return table
    raw = path.read_bytes()
    if not raw.strip():
        problems.append(Problem(shown, 1, 1, f"file is empty: expected a header row: {','.join(names)}"))
        return table
    text = decode(raw, shown, problems)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as e:
        problems.append(Problem(shown, 1, 1, f"cannot read the header row: {e}"))
        return table
    # Map the header to the schema by name, reporting every difference.
    for i, name in enumerate(header, 1):
        if name != name.strip():
            problems.append(Problem(shown, 1, i, f"column name {name!r} has spaces around it"))
    clean = [h.strip() for h in header]
    for i, name in enumerate(clean, 1):
        if name not in names:
            problems.append(Problem(shown, 1, i, f"unexpected column {name!r}; the columns are: {','.join(names)}"))
        elif name in table.columns:
            problems.append(Problem(shown, 1, i, f"column {name!r} appears twice"))
        else:
            table.columns[name] = i
    missing = [n for n in names if n not in table.columns]
    for n in missing:
        problems.append(Problem(shown, 1, len(header) + 1, f"missing column {n!r}; the columns are: {','.join(names)}"))
    if not missing and len(clean) == len(names) and clean != names:
        first = next(i for i, (a, b) in enumerate(zip(clean, names), 1) if a != b)
        problems.append(Problem(shown, 1, first, f"columns are in the wrong order: expected {','.join(names)}"))
    seen: dict[str, dict] = {f["name"]: {} for f in fields if f.get("constraints", {}).get("unique")}
    start_line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            problems.append(Problem(shown, start_line, 1, f"cannot parse this row ({e}); check for an unbalanced double quote"))
            break
        line = start_line
        start_line = reader.line_num + 1
        if not row:
            problems.append(Problem(shown, line, 1, "empty line"))
            continue
        if len(row) != len(header):
            problems.append(Problem(shown, line, min(len(row), len(header)) + 1,
                                    f"expected {len(header)} fields, found {len(row)} (a truncated line, or a comma that should be quoted)"))
            continue
        record: dict = {}
        for spec in fields:
            col = table.columns.get(spec["name"])
            if col is None:
                record[spec["name"]] = None
                continue
            value = row[col - 1]
            where = lambda msg, col=col: problems.append(Problem(shown, line, col, f"{spec['name']}: {msg}"))
            if value != value.strip():
                where(f"{value!r} has spaces or line breaks at its start or end")
                value = value.strip()
            if "\r" in value:
                where("contains a carriage return; line breaks inside a value must be plain line feeds")
                value = value.replace("\r\n", "\n").replace("\r", "\n")
            if value == "":
                if spec.get("constraints", {}).get("required"):
                    where("is required but empty")
                record[spec["name"]] = None
                continue
            typed, error = check_value(value, spec, period)
            if error:
                where(error)
            record[spec["name"]] = typed
            if spec["name"] in seen:
                first = seen[spec["name"]].setdefault(typed, line)
                if first != line:
                    where(f"duplicate {typed!r}; first used on line {first}")
        table.rows.append(record)
        table.lines.append(line)
    return table


# --------------------------------------------------------------------------- checks across rows and files

def check_keys(pkg: dict, tables: dict[str, Table], problems: list[Problem]) -> None:
    for res in pkg["resources"]:
        t = tables[res["name"]]
        pk = res["schema"].get("primaryKey", [])
        if len(pk) > 1:  # composite keys: the single-column ones are checked as unique fields
            first: dict = {}
            for row, line in zip(t.rows, t.lines):
                key = tuple(row.get(k) for k in pk)
                if key in first:
                    problems.append(Problem(t.path, line, t.columns.get(pk[0], 1),
                                            f"duplicate {'+'.join(pk)} {key!r}; first used on line {first[key]}"))
                first.setdefault(key, line)
        for fk in res["schema"].get("foreignKeys", []):
            (col,), ref = fk["fields"], fk["reference"]
            target = tables[ref["resource"]]
            valid = {r[ref["fields"][0]] for r in target.rows}
            for row, line in zip(t.rows, t.lines):
                v = row.get(col)
                if v is not None and v not in valid:
                    problems.append(Problem(t.path, line, t.columns.get(col, 1),
                                            f"{col}: {v!r} is not an id in {Path(target.path).name}"))


def check_rules(tables: dict[str, Table], problems: list[Problem]) -> None:
    """Rules the Table Schema cannot say."""
    for name in ("responses", "triggers"):
        t = tables[name]
        for row, line in zip(t.rows, t.lines):
            d, p = row.get("date"), row.get("date_precision")
            if d and p and parse_date(d) and parse_date(d)[1] != p:
                problems.append(Problem(t.path, line, t.columns["date_precision"],
                                        f"date_precision: is {p!r} but the date {d} has {parse_date(d)[1]} precision"))
    t = tables["responses"]
    sourced = {r["response_id"] for r in tables["response_sources"].rows}
    for row, line in zip(t.rows, t.lines):
        col = t.columns.get
        if row.get("id") and row["id"] not in sourced:
            problems.append(Problem(t.path, line, col("id", 1),
                                    f"id: response {row['id']!r} has no source in response_sources.csv"))
        end, start = row.get("end_date"), row.get("date")
        if end:
            if row.get("status") not in ("lifted", "expired"):
                problems.append(Problem(t.path, line, col("end_date", 1),
                                        f"end_date: set, but status is {row.get('status')!r} (use lifted or expired)"))
            if start and parse_date(end) and parse_date(start) and parse_date(end)[0] < parse_date(start)[0]:
                problems.append(Problem(t.path, line, col("end_date", 1), f"end_date: {end} is before date {start}"))
        if (row.get("amount") is None) != (row.get("currency") is None):
            problems.append(Problem(t.path, line, col("currency", 1), "amount and currency go together: fill both or neither"))
        if row.get("responds_to_id") and row["responds_to_id"] == row.get("id"):
            problems.append(Problem(t.path, line, col("responds_to_id", 1), "responds_to_id: a response cannot answer itself"))
    a = tables["actors"]
    for row, line in zip(a.rows, a.lines):
        if row.get("parent_id") and row["parent_id"] == row.get("id"):
            problems.append(Problem(a.path, line, a.columns.get("parent_id", 1), "parent_id: an actor cannot be its own parent"))
        if row.get("actor_type") == "state" and not row.get("iso_code"):
            problems.append(Problem(a.path, line, a.columns.get("iso_code", 1), "iso_code: required for states"))
        if (row.get("latitude") is None) != (row.get("longitude") is None):
            problems.append(Problem(a.path, line, a.columns.get("latitude", 1), "latitude and longitude go together: fill both or neither"))


def load_package(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def validate(data_dir: Path, datapackage: Path = ROOT / "datapackage.json", today: dt.date | None = None) -> tuple[dict, dict[str, Table]]:
    """Read and check every CSV; raise BuildError listing every problem."""
    pkg = load_package(datapackage)
    start = dt.date.fromisoformat(pkg.get("x_period", {}).get("start", "2020-01-01"))
    period = (start, today or dt.date.today())
    problems: list[Problem] = []
    tables: dict[str, Table] = {}
    for res in pkg["resources"]:
        path = data_dir / Path(res["path"]).name
        shown = os.path.relpath(path) if not os.path.relpath(path).startswith("..") else str(path)
        tables[res["name"]] = read_table(res, path, shown, period, problems)
    check_keys(pkg, tables, problems)
    check_rules(tables, problems)
    if problems:
        order = {res["name"]: i for i, res in enumerate(pkg["resources"])}
        by_path = {t.path: order[t.name] for t in tables.values()}
        problems.sort(key=lambda p: (by_path.get(p.path, 99), p.line, p.column, p.message))
        raise BuildError(problems)
    return pkg, tables


# --------------------------------------------------------------------------- writing

SQL_TYPES = {"integer": int, "number": float, "string": str}


def load_table(db: sqlite_utils.Database, res: dict, table: Table) -> None:
    schema = res["schema"]
    fields = schema["fields"]
    columns = {f["name"]: SQL_TYPES[f.get("type", "string")] for f in fields}
    pk = schema["primaryKey"]
    db[table.name].create(
        columns,
        pk=pk[0] if len(pk) == 1 else tuple(pk),
        not_null={f["name"] for f in fields if f.get("constraints", {}).get("required")},
        foreign_keys=[(fk["fields"][0], fk["reference"]["resource"], fk["reference"]["fields"][0])
                      for fk in schema.get("foreignKeys", [])],
    )
    rows = sorted(table.rows, key=lambda r: tuple(r[k] for k in pk))
    db[table.name].insert_all(rows, batch_size=2000)
    indexed = set()
    for col in FACET_COLUMNS.get(table.name, []) + [fk["fields"][0] for fk in schema.get("foreignKeys", [])]:
        if col not in indexed and col not in pk[:1]:
            db[table.name].create_index([col], if_not_exists=True)
            indexed.add(col)


def build_search(db: sqlite_utils.Database) -> None:
    """FTS5 over responses with the actor's name, so 'Lithuania' finds what Lithuania did.

    A standalone FTS table whose rowid is the responses rowid; metadata.yml points
    Datasette at it with fts_table/fts_pk.
    """
    db.execute(f"""
        create virtual table responses_fts using fts5(
            title, description, instrument, notes, actor_name,
            tokenize = '{FTS_TOKENIZE}'
        )""")
    db.execute("""
        insert into responses_fts (rowid, title, description, instrument, notes, actor_name)
        select r.rowid, r.title, r.description, coalesce(r.instrument, ''), coalesce(r.notes, ''),
               a.name || coalesce(' ' || p.name, '')
        from responses r join actors a on a.id = r.actor_id
        left join actors p on p.id = a.parent_id""")
    # Every name form of a target, so Lukashenko, Lukashenka, Лукашенко and Лукашэнка find the same person.
    db.execute(f"""
        create virtual table targets_fts using fts5(
            name, name_be, name_ru, name_variants, role,
            tokenize = '{FTS_TOKENIZE}'
        )""")
    db.execute("""
        insert into targets_fts (rowid, name, name_be, name_ru, name_variants, role)
        select rowid, name, coalesce(name_be, ''), coalesce(name_ru, ''), coalesce(name_variants, ''), coalesce(role, '')
        from targets""")


VIEWS = {
    # One row per response with everything a reader, the map and the charts need.
    "responses_detailed": """
        select r.id, r.date, substr(r.date, 1, 4) as year, r.date_precision,
               r.actor_id, a.name as actor_name, a.actor_type,
               coalesce(p.name, a.name) as actor_group,
               r.response_type, t.label as response_type_label,
               r.title, r.description, r.binding, r.legal_basis, r.is_sanction, r.grounds,
               r.instrument, r.targets_count, r.amount, r.currency, r.status, r.end_date,
               r.trigger_id, tr.name as trigger_name, r.responds_to_id, r.notes,
               (select count(*) from response_sources rs where rs.response_id = r.id) as source_count,
               a.latitude, a.longitude
        from responses r
        join actors a on a.id = r.actor_id
        left join actors p on p.id = a.parent_id
        join response_types t on t.id = r.response_type
        left join triggers tr on tr.id = r.trigger_id""",
    # One row per actor that acted: the map of responders.
    "actor_summary": """
        select a.id, a.name, a.actor_type, a.parent_id,
               count(r.id) as responses,
               sum(r.is_sanction = 'yes') as sanctions,
               min(r.date) as first_response, max(r.date) as latest_response,
               a.latitude, a.longitude
        from actors a join responses r on r.actor_id = a.id
        group by a.id""",
    # Every listing with the target's and the jurisdiction's names.
    "designations_detailed": """
        select d.id, d.target_id, t.name as target_name, t.target_type, d.actor_id, a.name as actor_name,
               d.listed_on, d.listed_on_basis, d.delisted_on, d.program, d.response_id,
               r.title as response_title, d.source_id, d.notes
        from designations d
        join targets t on t.id = d.target_id
        join actors a on a.id = d.actor_id
        left join responses r on r.id = d.response_id""",
    # Sources with the responses they document, for provenance checks.
    "response_source_links": """
        select rs.response_id, r.date as response_date, r.title as response_title,
               rs.source_id, s.publisher, s.source_kind, s.title as source_title, s.url, rs.supports
        from response_sources rs
        join responses r on r.id = rs.response_id
        join sources s on s.id = rs.source_id""",
}


def write_database(pkg: dict, tables: dict[str, Table], output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp-{os.getpid()}")
    if tmp.exists():
        tmp.unlink()
    try:
        db = sqlite_utils.Database(tmp)
        db.execute("pragma journal_mode = off")
        db.execute("pragma synchronous = off")
        for res in pkg["resources"]:
            load_table(db, res, tables[res["name"]])
        build_search(db)
        for name, sql in VIEWS.items():
            db.create_view(name, sql.strip())
        db["dataset_info"].insert_all([
            {"key": "title", "value": pkg["title"]},
            {"key": "version", "value": pkg.get("version", "")},
            {"key": "as_of", "value": pkg.get("x_as_of", "")},
            {"key": "license", "value": pkg["licenses"][0]["name"]},
            # The schema and the methodology travel with the database, so a published copy is self-contained.
            {"key": "datapackage", "value": json.dumps(pkg, ensure_ascii=False)},
            {"key": "methodology", "value": METHODOLOGY.read_text(encoding="utf-8") if METHODOLOGY.exists() else ""},
        ], pk="key")
        db.analyze()
        db.conn.commit()
        db.execute("vacuum")
        db.close()
        os.replace(tmp, output)
    except BaseException:
        if tmp.exists():
            tmp.unlink()
        raise


def export_csv(db: sqlite3.Connection, table: str, pk: list[str]) -> bytes:
    """A table as CSV in Datasette's own dialect (CRLF, minimal quoting), ordered by primary key,
    so it is byte-identical to Datasette's streamed export sorted the same way."""
    cur = db.execute(f'select * from "{table}" order by {", ".join(f"[{k}]" for k in pk)}')
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow([c[0] for c in cur.description])
    for row in cur:
        w.writerow(["" if v is None else v for v in row])
    return buf.getvalue().encode("utf-8")


def write_downloads(pkg: dict, db_path: Path, out_dir: Path) -> dict:
    """The whole dataset as files: CSVs with the data package (zip), JSON, and a manifest with sizes
    and SHA-256 checksums (the database file included). Written to a temporary folder, then swapped in."""
    tmp = out_dir.with_name(f".{out_dir.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    db = sqlite3.connect(db_path)
    fixed_time = (2020, 8, 9, 0, 0, 0)  # a constant timestamp keeps the zip byte-for-byte reproducible
    everything = {"title": pkg["title"], "version": pkg.get("version"), "as_of": pkg.get("x_as_of"),
                  "license": pkg["licenses"][0]["name"], "tables": {}}
    with zipfile.ZipFile(tmp / "belarus-responses-csv.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for res in pkg["resources"]:
            data = export_csv(db, res["name"], res["schema"]["primaryKey"])
            z.writestr(zipfile.ZipInfo(res["path"], fixed_time), data)
            cur = db.execute(f'select * from "{res["name"]}" order by {", ".join(res["schema"]["primaryKey"])}')
            cols = [c[0] for c in cur.description]
            everything["tables"][res["name"]] = [dict(zip(cols, row)) for row in cur]
        z.writestr(zipfile.ZipInfo("datapackage.json", fixed_time), json.dumps(pkg, indent=2, ensure_ascii=False) + "\n")
    db.close()
    (tmp / "belarus-responses.json").write_text(json.dumps(everything, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    files = {"belarus.db": db_path, **{p.name: p for p in sorted(tmp.iterdir())}}
    manifest = {name: {"bytes": p.stat().st_size, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()}
                for name, p in files.items()}
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(out_dir, ignore_errors=True)
    os.replace(tmp, out_dir)
    return manifest


def downloads_dir(output: Path) -> Path:
    """Downloads live beside the database they were made from."""
    return output.parent / "downloads"


def build(data_dir: Path, output: Path, datapackage: Path = ROOT / "datapackage.json") -> dict[str, int]:
    pkg, tables = validate(data_dir, datapackage)
    write_database(pkg, tables, output)
    write_downloads(pkg, output, downloads_dir(output))
    return {name: len(t.rows) for name, t in tables.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT / "data", help="folder of CSVs (default: data/)")
    ap.add_argument("--output", type=Path, default=ROOT / "belarus.db", help="database to write (default: belarus.db)")
    ap.add_argument("--datapackage", type=Path, default=ROOT / "datapackage.json", help="schema (default: datapackage.json)")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    try:
        counts = build(args.data, args.output, args.datapackage)
    except BuildError as e:
        for p in e.problems:
            print(p, file=sys.stderr)
        print(f"build failed: {len(e.problems)} problem(s); {args.output} was not changed", file=sys.stderr)
        return 1
    summary = ", ".join(f"{n} {k}" for k, n in counts.items())
    print(f"built {args.output}: {summary} in {time.perf_counter() - started:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
