#!/usr/bin/env python3
"""Build belarus.db from the CSVs in data/, validated against datapackage.json.

    python build.py [--data DIR] [--output PATH] [--datapackage PATH] [--no-downloads]

The data package is the one place the schema lives: column names and order,
types, required fields, enumerations, patterns, primary and foreign keys.
Every problem is reported as ``file:line:column: message`` (one run lists them
all), and the database is built in a temporary file that replaces the output
only when the build succeeded: a failed build leaves the previous database
untouched. A fast pass (FastLoader) checks and loads in bulk; when it finds
anything wrong, the detailed validator (Loader) reads the files again and names
every problem.

Spreadsheet habits are accepted and normalised: a UTF-8 byte-order mark and
CRLF line endings. Hostile or broken values are refused (see README, "How it's
built"): hidden and control characters, spreadsheet formulas in free text,
non-ASCII digits, out-of-range numbers and dates, unsafe URLs, huge cells.
"""
from __future__ import annotations

import argparse
import contextlib
import array
import codecs
import csv
import gc
import unicodedata
import datetime as dt
import hashlib
import io
import json
import shutil
import zipfile
import math
import operator
import os
import queue
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import sqlite3

import sqlite_utils
import yaml

import rules
from sqlite_utils.db import DescIndex

ROOT = Path(__file__).resolve().parent
METHODOLOGY = ROOT / "docs" / "METHODOLOGY.md"
DATE_RE = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")
# Columns faceted or sorted in the web UI: indexed so facets stay fast.
FACET_COLUMNS = {
    "actors": ["actor_type", "parent_id", "belarus_member"],
    "responses": ["date", "actor_id", "response_type", "binding", "legal_basis",
                  "is_sanction", "grounds", "status", "trigger_id", "responds_to_id",
                  "date_precision", "kind", "multilateral", "sanction_nature", "sanction_object", "scope",
                  "sourcing", "act_source", "added_in", "changed_in"],
    "sources": ["publisher", "source_kind", "language", "published_date"],
    "response_sources": ["source_id"],
    "triggers": ["date"],
    "targets": ["target_type"],
    "designations": ["target_id", "actor_id", "listed_on", "listed_on_basis", "delisted_on", "program"],
}
# Lists of responses are filtered by one column and shown by date: a composite index serves the filter, the order
# and (by its first column) the facet counts. "date desc, id" serves "latest first, ties by id".
ORDERED_INDEXES = {
    "responses": {"date": ["date", "id"], "actor_id": ["actor_id", "date", "id"],
                  "response_type": ["response_type", "date", "id"], "is_sanction": ["is_sanction", "date", "id"]},
}
LATEST_FIRST = {"responses": ["date", "id"]}
# Mostly-empty columns looked up by value: a partial index (non-empty values only) keeps the planner from
# judging the index useless because most rows share the same NULL.
SPARSE_INDEXES = {"responses": {"responds_to_id": ["responds_to_id", "date", "id"]}}
QUERIES_FILE = ROOT / "plugins" / "queries.yml"
FTS_ROWID = "response_rowid"
# Names (targets_fts, actors_fts) are indexed without their diacritics, so in your own SQL Lukasenka finds Lukašenka;
# the text of the responses keeps them, so that the cross-script vocabulary (search_index.py) can fold every word
# as it was written without reading the text again (the search boxes find every spelling either way).
FTS_TOKENIZE = "unicode61 remove_diacritics 2"
TEXT_TOKENIZE = "unicode61 remove_diacritics 0"
FTS_HASH_BYTES = 64 << 20         # words FTS5 gathers in memory before it writes them out, while building
FTS5_DEFAULT_HASH_BYTES = 1 << 20  # FTS5's own default, left in the published tables
CACHE_KIB = 256 * 1024  # SQLite page cache while building (KiB); keeps the peak well under 1 GB at 1M responses


@dataclass(order=True)
class Problem:
    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class BuildError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


# --------------------------------------------------------------------------- reading

BAD_BYTES_SHOWN = 20  # invalid UTF-8 bytes reported one by one before a summary line


def decode(raw: bytes, path: str, problems: list[Problem]) -> str:
    """UTF-8 text with the BOM dropped; bad bytes and NULs reported. Line endings are left to the CSV parser.

    A file saved in another encoding gets one message, not one per byte: if its bytes read as Windows-1251
    Cyrillic, the message says so. Otherwise the first few bad bytes are listed with their positions."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    bad: list[int] = []

    def record(e: UnicodeDecodeError):
        bad.append(e.start)
        return "\ufffd", e.start + 1

    codecs.register_error("build-record-bad-bytes", record)
    text = raw.decode("utf-8", errors="build-record-bad-bytes")
    if bad:
        first = bad[0]
        line, col = _position(raw, first)
        if len(bad) > 10 and _looks_cp1251(raw):
            problems.append(Problem(path, line, col, f"the file is not UTF-8: it looks like Windows-1251 (Cyrillic), "
                                    f"{len(bad):,} bytes are not valid UTF-8. Save it as UTF-8 (Excel: Save As "
                                    "'CSV UTF-8'; LibreOffice: character set 'Unicode (UTF-8)')"))
        else:
            prev, prev_line = 0, 1
            for pos in bad[:BAD_BYTES_SHOWN]:
                prev_line += raw.count(b"\n", prev, pos)
                start = raw.rfind(b"\n", 0, pos) + 1
                c = len(raw[start:pos].decode("utf-8", "replace")) + 1
                problems.append(Problem(path, prev_line, c, f"invalid UTF-8 byte 0x{raw[pos]:02x}: save the file as UTF-8"))
                prev = pos
            if len(bad) > BAD_BYTES_SHOWN:
                problems.append(Problem(path, line, col, f"{len(bad) - BAD_BYTES_SHOWN:,} more bytes are not valid UTF-8 "
                                        "(only the first are listed): save the file as UTF-8"))
    if "\x00" in text:
        for n, line_text in enumerate(text.splitlines(), 1):
            if "\x00" in line_text:
                problems.append(Problem(path, n, line_text.index("\x00") + 1, "NUL byte in the file"))
        text = text.replace("\x00", "")
    return text


def _position(raw: bytes, pos: int) -> tuple[int, int]:
    start = raw.rfind(b"\n", 0, pos) + 1
    return raw.count(b"\n", 0, pos) + 1, len(raw[start:pos].decode("utf-8", "replace")) + 1


def _looks_cp1251(raw: bytes) -> bool:
    """Most non-ASCII characters are Cyrillic letters when the bytes are read as Windows-1251."""
    text = raw[:1 << 20].decode("cp1251", errors="replace")
    non_ascii = len(re.findall(r"[^\x00-\x7f]", text))
    return non_ascii > 0 and len(re.findall("[\u0400-\u04ff]", text)) >= 0.8 * non_ascii


def parse_date(value: str) -> tuple[dt.date, str] | None:
    """(first day of the period, precision) for YYYY-MM-DD, YYYY-MM or YYYY; None if not a real date."""
    m = DATE_RE.match(value)
    if not m:
        return None
    y, mo, d = m.groups()
    try:
        return dt.date(int(y), int(mo or 1), int(d or 1)), ("day" if d else "month" if mo else "year")
    except ValueError:
        return None


INTEGER_RE = re.compile(r"-?[0-9]+")  # [0-9]: ASCII digits only (int() would also take '1_000' and '١٢٣')
NUMBER_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
INT64_MIN, INT64_MAX = -2 ** 63, 2 ** 63 - 1  # what SQLite stores as a whole number
FIRST_YEAR = 1900  # dates outside a dataset period (publication, birth) run from 1900-01-01 to the day of the build
CELL_LIMIT = 100_000  # characters in one cell; the longest real cell is well under 1,000
FIELD_LIMIT = 16 * 1024 * 1024  # what the Loader reads of one cell: a too-large cell is read, then refused once
# Characters refused in any cell: C0 and C1 control characters but tab and line feed (a carriage return has its own
# message), DEL, zero-width and invisible separators, bidirectional overrides, embeddings and isolates (they make
# text, a URL above all, display as something else), line/paragraph separators, and a byte-order mark past the
# start of the file. Left-to-right and right-to-left marks (U+200E, U+200F) are allowed: they only mark direction.
FORBIDDEN_CHARS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u180e\u200b\u2028-\u202e\u2060\u2066-\u2069\ufeff"
FORBIDDEN_RE = re.compile(f"[{FORBIDDEN_CHARS}]")
FORMULA_START = "=+-@"  # a spreadsheet runs a cell starting with one of these as a formula
FORMULA_SET = frozenset(FORMULA_START)
FIRST_CHAR = operator.itemgetter(slice(0, 1))
FORBIDDEN_OR_CR_RE = re.compile(f"[{FORBIDDEN_CHARS}\\r]")
# URLs the fast pass accepts without parsing them (no port, no user name, no brackets, no backslash or space);
# any other is checked in full by make_checker.
SAFE_URL_RE = re.compile(r"https?://[A-Za-z0-9.-]+(?:[/?#][^\s\\]*)?")


def is_free_text(spec: dict) -> bool:
    """A string column with no enumeration, pattern or format: text a person typed."""
    c = spec.get("constraints", {})
    return spec.get("type", "string") == "string" and not spec.get("format") and "enum" not in c and "pattern" not in c


def char_name(ch: str) -> str:
    return f"U+{ord(ch):04X}" + (f" ({unicodedata.name(ch)})" if unicodedata.name(ch, "") else " (a control character)")


def cell_problems(fname: str, value: str, free_text: bool) -> list[str]:
    """What is wrong with a cell whatever its column: hidden characters, and formulas in free text."""
    out = []
    m = FORBIDDEN_RE.search(value)
    if m:
        what = ("a byte-order mark in the middle of the file" if m.group() == "\ufeff"
                else "an invisible or control character")
        out.append(f"{fname}: contains {char_name(m.group())}, {what}, at character {m.start() + 1}: remove it "
                   "(it can hide text or make it display as something else)")
    if free_text:
        start = value.lstrip(" \t\r\n")
        if start[:1] in tuple(FORMULA_START):
            out.append(f"{fname}: starts with {start[0]!r}, so a spreadsheet opening the download would run it as a formula: "
                       "reword the start (begin with a word or a digit)")
    return out


def make_checker(spec: dict, period: tuple[dt.date, dt.date]):
    """A function: non-empty cell -> (typed value, error or None), with everything about the field precomputed."""
    c = spec.get("constraints", {})
    kind = spec.get("type", "string")
    enum = frozenset(c["enum"]) if "enum" in c else None
    enum_text = ", ".join(c.get("enum", []))
    pattern = re.compile(c["pattern"]) if "pattern" in c else None
    is_date = c.get("pattern", "").startswith("^[0-9]{4}") and "-[0-9]{2}" in c.get("pattern", "")
    date_forms = ("YYYY-MM-DD, YYYY-MM or YYYY, as precise as the source" if pattern and pattern.fullmatch("2020")
                  else "YYYY-MM-DD, or YYYY-MM when only the month is known")
    minimum, maximum = c.get("minimum"), c.get("maximum")
    in_period = spec.get("x_period", False)
    is_uri = spec.get("format") == "uri"
    start, end = period
    first_day = dt.date(FIRST_YEAR, 1, 1)

    def check(value: str):
        if enum is not None and value not in enum:
            return value, f"{value!r} is not one of: {enum_text}"
        typed: object = value
        if kind == "integer":
            if not INTEGER_RE.fullmatch(value):
                return value, (f"{value!r} is not a whole number (digits 0-9 and an optional leading minus; "
                               "no spaces, separators or other scripts' digits)")
            if len(value.lstrip("-")) > 19 or not INT64_MIN <= int(value) <= INT64_MAX:
                return value, f"{value!r} is out of range: a whole number must lie between {INT64_MIN} and {INT64_MAX}"
            typed = int(value)
        elif kind == "number":
            if not NUMBER_RE.fullmatch(value):
                return value, (f"{value!r} is not a number (digits 0-9, an optional leading minus and a dot for "
                               "decimals, e.g. 1000.5; no spaces, separators or other scripts' digits)")
            typed = float(value)
            if not math.isfinite(typed):
                return value, f"{value!r} is not a finite number"
            if abs(typed) > INT64_MAX:
                return value, f"{value!r} is out of range: a number here must lie between {INT64_MIN} and {INT64_MAX}"
            if typed.is_integer() and INTEGER_RE.fullmatch(value):
                typed = int(value)
        if minimum is not None and typed < minimum:
            return value, f"{value} is below the minimum {minimum}"
        if maximum is not None and typed > maximum:
            return value, f"{value} is above the maximum {maximum}"
        if pattern is not None and not pattern.fullmatch(value):
            if is_date:
                return value, f"{value!r} is not an ISO date ({date_forms})"
            return value, f"{value!r} does not match the pattern {pattern.pattern}"
        if is_date:
            parsed = parse_date(value)
            if parsed is None:
                return value, f"{value!r} is not a real calendar date"
            day, precision = parsed
            if in_period:
                earliest = {"day": start, "month": start.replace(day=1), "year": start.replace(month=1, day=1)}[precision]
                if day < earliest:
                    return value, f"{value} is before the period this dataset covers (from {start.isoformat()})"
                if day > end:
                    return value, f"{value} is in the future (after {end.isoformat()})"
            else:
                if day < first_day:
                    return value, f"{value} is before {FIRST_YEAR}: check the year (dates run from {first_day.isoformat()})"
                if day > end:
                    return value, f"{value} is in the future (after {end.isoformat()}): check the year"
        if is_uri:
            if "\\" in value:
                return value, (f"{value!r} contains a backslash, which browsers read as '/': the link could lead to "
                               "another host than it shows (write '/')")
            if re.search(r"\s", value):
                return value, f"{value!r} is not an http(s) URL (it contains a space or line break)"
            try:
                parts = urlsplit(value)
                host, _ = parts.hostname, parts.port
            except ValueError as e:
                return value, f"{value!r} is not a valid URL ({e}): check the brackets and the port"
            if parts.scheme not in ("http", "https") or not host:
                return value, f"{value!r} is not an http(s) URL"
            if "@" in parts.netloc:
                return value, (f"{value!r} has a user name before '@', so the browser goes to another host than the "
                               "link seems to name: link the page without it")
        return typed, None
    return check


def row_rules(name: str, row: dict, line: int, columns: dict, path: str, problems: list[Problem]) -> None:
    """Rules about one row that the Table Schema cannot say."""
    col = columns.get
    if name in ("responses", "triggers"):
        d, p = row.get("date"), row.get("date_precision")
        parsed = parse_date(d) if d else None
        if parsed and p and parsed[1] != p:
            problems.append(Problem(path, line, col("date_precision", 1),
                                    f"date_precision: is {p!r} but the date {d} has {parsed[1]} precision"))
    if name == "responses":
        end, start = row.get("end_date"), row.get("date")
        if end:
            if row.get("status") not in ("lifted", "expired"):
                problems.append(Problem(path, line, col("end_date", 1),
                                        f"end_date: set, but status is {row.get('status')!r} (use lifted or expired)"))
            if start and parse_date(end) and parse_date(start) and parse_date(end)[0] < parse_date(start)[0]:
                problems.append(Problem(path, line, col("end_date", 1), f"end_date: {end} is before date {start}"))
        if (row.get("amount") is None) != (row.get("currency") is None):
            problems.append(Problem(path, line, col("currency", 1), "amount and currency go together: fill both or neither"))
        if row.get("responds_to_id") and row["responds_to_id"] == row.get("id"):
            problems.append(Problem(path, line, col("responds_to_id", 1), "responds_to_id: a response cannot answer itself"))
    if name in ("actors", "targets"):
        for lang in ("be", "ru"):
            if row.get(f"name_{lang}") and not row.get(f"name_{lang}_source_id"):
                problems.append(Problem(path, line, col(f"name_{lang}_source_id", 1),
                                        f"name_{lang}_source_id: required when name_{lang} is given (say where the name comes from)"))
            if row.get(f"name_{lang}_source_id") and not row.get(f"name_{lang}"):
                problems.append(Problem(path, line, col(f"name_{lang}", 1),
                                        f"name_{lang}: empty, but name_{lang}_source_id is set"))
        if row.get("no_cyrillic_name") and (row.get("name_be") or row.get("name_ru")):
            problems.append(Problem(path, line, col("no_cyrillic_name", 1),
                                    f"no_cyrillic_name: is {row['no_cyrillic_name']!r}, but the row has a Cyrillic name "
                                    "(empty this column, or the name)"))
    if name == "targets" and (row.get("target_type") == "aircraft") != (row.get("no_cyrillic_name") == "registration_mark"):
        problems.append(Problem(path, line, col("no_cyrillic_name", 1),
                                "no_cyrillic_name: registration_mark is for aircraft, and every aircraft has it"))
    if name == "actors":
        if row.get("parent_id") and row["parent_id"] == row.get("id"):
            problems.append(Problem(path, line, col("parent_id", 1), "parent_id: an actor cannot be its own parent"))
        if row.get("actor_type") == "state" and not row.get("iso_code"):
            problems.append(Problem(path, line, col("iso_code", 1), "iso_code: required for states"))
        if (row.get("latitude") is None) != (row.get("longitude") is None):
            problems.append(Problem(path, line, col("latitude", 1), "latitude and longitude go together: fill both or neither"))


class Loader:
    """Reads every CSV once, validating each row and inserting it into the (temporary) database as it goes.

    Only keys are kept in memory: the primary keys each foreign key may point to, the first line of each
    unique value, and which responses have a source. Rows go straight to SQLite in batches.
    """

    BATCH = 5000

    def __init__(self, pkg: dict, data_dir: Path, db: sqlite3.Connection | None, period):
        self.pkg, self.data_dir, self.db, self.period = pkg, data_dir, db, period
        self.problems: list[Problem] = []
        self.keys: dict[str, set] = {}         # resource -> its single-column primary key values
        self.done: set[str] = set()
        self.deferred: list[tuple] = []        # foreign keys to tables not read yet (or to themselves)
        self.response_lines: dict[str, int] = {}
        self.response_where: tuple[str, int] = ("", 1)
        self.sourced: set[str] = set()
        self.counts: dict[str, int] = {}
        self.paths: dict[str, str] = {}
        self.lines: dict[str, dict] = {}        # resource -> primary key value (a tuple if composite) -> line
        self.columns: dict[str, dict] = {}      # resource -> column name -> column number in its file

    def locate(self, table: str, key, column: str) -> tuple[str, int, int]:
        """(file, line, column) of one cell, for rules that run on the loaded database (rules.py)."""
        return (self.paths.get(table, table), self.lines.get(table, {}).get(key, 1),
                self.columns.get(table, {}).get(column, 1))

    @staticmethod
    def shown(path: Path) -> str:
        rel = os.path.relpath(path)
        return str(path) if rel.startswith("..") else rel

    def load(self, res: dict) -> None:
        name = res["name"]
        names = [f["name"] for f in res["schema"]["fields"]]
        path = self.data_dir / Path(res["path"]).name
        shown = self.shown(path)
        self.paths[name] = shown
        problems = self.problems
        self.keys.setdefault(name, set())
        self.counts[name] = 0
        try:
            if not path.exists():
                problems.append(Problem(shown, 1, 1, f"file is missing (expected the {name} table)"))
                return
            if path.is_dir():
                problems.append(Problem(shown, 1, 1, f"is a folder, not a file: expected the {name} table as a CSV file"))
                return
            if not path.is_file():
                problems.append(Problem(shown, 1, 1, f"is not a regular file: expected the {name} table as a CSV file"))
                return
            size = path.stat().st_size
            if size < 65536 and not path.read_bytes().strip():
                problems.append(Problem(shown, 1, 1, f"file is empty: expected a header row: {','.join(names)}"))
                return
            mark = len(problems)
            csv.field_size_limit(FIELD_LIMIT)
            if self.clean_bytes(path):
                # Fast path: decode while reading, a buffer at a time (memory stays flat on large files).
                try:
                    with open(path, encoding="utf-8-sig", newline="") as f:
                        self.read_rows(res, shown, csv.reader(f, strict=True))
                    return
                except UnicodeDecodeError:
                    self.forget(res, shown, mark)
            # Slow path, only for a broken file: decode it whole to report every bad byte and NUL with its position.
            text = decode(path.read_bytes(), shown, problems)
            self.read_rows(res, shown, csv.reader(io.StringIO(text, newline=""), strict=True))
        except OSError as e:
            problems.append(Problem(shown, 1, 1, f"cannot read the file: {e.strerror or e}"))
        finally:
            self.done.add(name)

    @staticmethod
    def clean_bytes(path: Path) -> bool:
        """No NUL byte anywhere (checked a megabyte at a time, in C)."""
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                if b"\x00" in chunk:
                    return False
        return True

    def forget(self, res: dict, shown: str, mark: int) -> None:
        """Undo what a half-read file contributed, before reading it again the slow way."""
        name = res["name"]
        del self.problems[mark:]
        self.keys.get(name, set()).clear()
        self.deferred = [d for d in self.deferred if d[0] != shown]
        if name == "responses":
            self.response_lines.clear()
        if name == "response_sources":
            self.sourced.clear()
        self.counts[name] = 0

    def read_rows(self, res: dict, shown: str, reader) -> None:
        name = res["name"]
        fields = res["schema"]["fields"]
        names = [f["name"] for f in fields]
        problems = self.problems
        pk = res["schema"].get("primaryKey", [])
        keyset = self.keys.setdefault(name, set()) if len(pk) == 1 else None
        try:
            header = next(reader)
        except csv.Error as e:
            problems.append(Problem(shown, 1, 1, f"cannot read the header row: {e}"))
            return
        columns: dict[str, int] = {}
        for i, h in enumerate(header, 1):
            if h != h.strip():
                problems.append(Problem(shown, 1, i, f"column name {h!r} has spaces around it"))
        clean = [h.strip() for h in header]
        for i, h in enumerate(clean, 1):
            if h not in names:
                problems.append(Problem(shown, 1, i, f"unexpected column {h!r}; the columns are: {','.join(names)}"))
            elif h in columns:
                problems.append(Problem(shown, 1, i, f"column {h!r} appears twice"))
            else:
                columns[h] = i
        missing = [n for n in names if n not in columns]
        for n in missing:
            problems.append(Problem(shown, 1, len(header) + 1, f"missing column {n!r}; the columns are: {','.join(names)}"))
        if not missing and len(clean) == len(names) and clean != names:
            first = next(i for i, (a, b) in enumerate(zip(clean, names), 1) if a != b)
            problems.append(Problem(shown, 1, first, f"columns are in the wrong order: expected {','.join(names)}"))
        unique = {f["name"]: {} for f in fields if f.get("constraints", {}).get("unique")}
        checks = []
        for f in fields:
            c = f.get("constraints", {})
            plain = f.get("type", "string") == "string" and not f.get("format") and not (set(c) - {"required"})
            col = columns.get(f["name"])
            checks.append((f["name"], col, None if col is None else col - 1, None if plain else make_checker(f, self.period),
                           bool(c.get("required")), unique.get(f["name"]), is_free_text(f)))
        composite: dict = {} if len(pk) > 1 else None
        self.columns[name] = columns
        lines = self.lines.setdefault(name, {})
        fks = []
        for fk in res["schema"].get("foreignKeys", []):
            col, target = fk["fields"][0], fk["reference"]["resource"]
            fks.append((col, target, target in self.done and target != name))
        target_files = {fk["reference"]["resource"]: Path(next(r["path"] for r in self.pkg["resources"]
                        if r["name"] == fk["reference"]["resource"])).name for fk in res["schema"].get("foreignKeys", [])}
        insert = (f'insert into "{name}" ({", ".join(f"[{n}]" for n in names)}) '
                  f'values ({", ".join("?" for _ in names)})')
        batch: list[tuple] = []
        width = len(header)
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
            if len(row) != width:
                problems.append(Problem(shown, line, min(len(row), width) + 1,
                                        f"expected {width} fields, found {len(row)} (a truncated line, or a comma that should be quoted)"))
                continue
            record: dict = {}
            for fname, col, idx, check, required, seen, free in checks:
                if idx is None:
                    record[fname] = None
                    continue
                value = row[idx]
                if len(value) > CELL_LIMIT:
                    problems.append(Problem(shown, line, col, f"{fname}: cell too large: {len(value):,} characters; "
                                            f"the limit is {CELL_LIMIT:,} (check for a missing double quote, or shorten it)"))
                    record[fname] = None
                    continue
                for message in cell_problems(fname, value, free):
                    problems.append(Problem(shown, line, col, message))
                stripped = value.strip()
                if stripped != value:
                    problems.append(Problem(shown, line, col, f"{fname}: {value!r} has spaces or line breaks at its start or end"))
                    value = stripped
                if "\r" in value:
                    problems.append(Problem(shown, line, col, f"{fname}: contains a carriage return; line breaks inside a value must be plain line feeds"))
                    value = value.replace("\r\n", "\n").replace("\r", "\n")
                if not value:
                    if required:
                        problems.append(Problem(shown, line, col, f"{fname}: is required but empty"))
                    record[fname] = None
                    continue
                if check is None:
                    typed = value
                else:
                    typed, error = check(value)
                    if error:
                        problems.append(Problem(shown, line, col, f"{fname}: {error}"))
                record[fname] = typed
                if seen is not None:
                    first = seen.setdefault(typed, line)
                    if first != line:
                        problems.append(Problem(shown, line, col, f"{fname}: duplicate {typed!r}; first used on line {first}"))
            if keyset is not None and record.get(pk[0]) is not None:
                keyset.add(record[pk[0]])
                lines[record[pk[0]]] = line
            if composite is not None:
                key = tuple(record.get(k) for k in pk)
                lines.setdefault(key, line)
                first = composite.setdefault(key, line)
                if first != line:
                    problems.append(Problem(shown, line, columns.get(pk[0], 1),
                                            f"duplicate {'+'.join(pk)} {key!r}; first used on line {first}"))
            for col_name, target, now in fks:
                v = record.get(col_name)
                if v is None:
                    continue
                if now:
                    if v not in self.keys.get(target, ()):
                        problems.append(Problem(shown, line, columns.get(col_name, 1),
                                                f"{col_name}: {v!r} is not an id in {target_files[target]}"))
                else:
                    self.deferred.append((shown, line, columns.get(col_name, 1), col_name, v, target, target_files[target]))
            row_rules(name, record, line, columns, shown, problems)
            if name == "responses" and record.get("id") is not None:
                self.response_lines[record["id"]] = line
                self.response_where = (shown, columns.get("id", 1))
            elif name == "response_sources" and record.get("response_id") is not None:
                self.sourced.add(record["response_id"])
            self.counts[name] += 1
            if self.db is not None and not problems:
                batch.append(tuple(record[n] for n in names))
                if len(batch) >= self.BATCH:
                    self.db.executemany(insert, batch)
                    batch.clear()
        if self.db is not None and batch and not problems:
            self.db.executemany(insert, batch)
        if not self.counts[name] and not res.get("x_allow_empty") and not any(
                p.path == shown for p in problems):
            problems.append(Problem(shown, 1, 1, f"no rows, only the header: the {name} table may not be empty "
                                    "(if it may, set \"x_allow_empty\": true on its resource in datapackage.json)"))

    def finish(self) -> None:
        for shown, line, col, col_name, v, target, target_file in self.deferred:
            if v not in self.keys.get(target, ()):
                self.problems.append(Problem(shown, line, col, f"{col_name}: {v!r} is not an id in {target_file}"))
        if "response_sources" in self.done:
            shown, col = self.response_where
            for rid, line in self.response_lines.items():
                if rid not in self.sourced:
                    self.problems.append(Problem(shown, line, col, f"id: response {rid!r} has no source in response_sources.csv"))
        order = {res["name"]: i for i, res in enumerate(self.pkg["resources"])}
        by_path = {p: order[n] for n, p in self.paths.items()}
        self.problems.sort(key=lambda p: (by_path.get(p.path, 99), p.line, p.column, p.message))


# Row rules (row_rules above) as SQL over the loaded tables, to find in one pass whether any row breaks one:
# (table, columns the rule reads, condition a breaking row meets). The fast loader runs these; when one matches,
# the build reads the files again with the Loader, whose row_rules give the messages. Keep the two in step
# (the error corpus in tests/test_build.py has a case for each rule).
def _first_day(col: str) -> str:
    return f"([{col}] || substr('-01-01', 1, 10 - length([{col}])))"


ROW_RULES_SQL = [
    ("responses", ["date", "date_precision"], "date_precision != case length(date) when 10 then 'day' when 7 then 'month' else 'year' end"),
    ("triggers", ["date", "date_precision"], "date_precision != case length(date) when 10 then 'day' when 7 then 'month' else 'year' end"),
    ("responses", ["end_date", "status"], "end_date is not null and (status is null or status not in ('lifted', 'expired'))"),
    ("responses", ["end_date", "date"], f"end_date is not null and date is not null and {_first_day('end_date')} < {_first_day('date')}"),
    ("responses", ["amount", "currency"], "(amount is null) != (currency is null)"),
    ("responses", ["responds_to_id", "id"], "responds_to_id = id"),
    *[(t, [f"name_{lang}", f"name_{lang}_source_id"], f"(name_{lang} is null) != (name_{lang}_source_id is null)")
      for t in ("actors", "targets") for lang in ("be", "ru")],
    *[(t, ["no_cyrillic_name", "name_be", "name_ru"], "no_cyrillic_name is not null and (name_be is not null or name_ru is not null)")
      for t in ("actors", "targets")],
    ("targets", ["target_type", "no_cyrillic_name"],
     "(target_type = 'aircraft') != (coalesce(no_cyrillic_name, '') = 'registration_mark')"),
    ("actors", ["parent_id", "id"], "parent_id = id"),
    ("actors", ["actor_type", "iso_code"], "actor_type = 'state' and iso_code is null"),
    ("actors", ["latitude", "longitude"], "(latitude is null) != (longitude is null)"),
]


NULL_IF_EMPTY = "nullif(?, '')"  # an empty cell is NULL


class Flagged(Exception):
    """The fast loader found something wrong: the Loader then reads the files again to name every problem."""
    def __init__(self, path: str, line: int, column: int, what: str):
        super().__init__(what)
        self.problem = Problem(path, line, column, f"{what} (found by the fast check; the detailed check found no "
                                                   "message for it: please report this)")


class FastLoader:
    """Reads every CSV once, checking whole columns at a time with operations that run in C (sets, joins, regular
    expressions, map) instead of a Python loop over cells, and inserts the text into the typed tables in batches
    (SQLite's column types convert '40' to 40). It only decides whether everything is valid: at the first sign of
    a problem it stops, and the build reads the files again with `Loader`, which names every problem with its
    file, line and column. Keys, foreign keys and uniqueness are checked by SQLite (the primary key refuses a
    duplicate; the rest are set operations in SQL once everything is loaded), so memory stays flat: a few batches
    of rows, and the first line of every row."""

    BATCH = 20_000

    def __init__(self, pkg: dict, data_dir: Path, db: sqlite3.Connection, period):
        self.pkg, self.data_dir, self.db, self.period = pkg, data_dir, db, period
        self.counts: dict[str, int] = {}
        self.paths: dict[str, str] = {}
        self.columns: dict[str, dict] = {}
        self.lines: dict[str, array.array] = {}   # resource -> first line of each row, in rowid order
        self.line_by_key: dict[str, dict] = {}    # for a table whose rowid is its (integer) primary key
        self.pks: dict[str, list[str]] = {}

    def locate(self, table: str, key, column: str) -> tuple[str, int, int]:
        """(file, line, column) of one cell, for rules that run on the loaded database (rules.py)."""
        path, col = self.paths.get(table, table), self.columns.get(table, {}).get(column, 1)
        if table in self.line_by_key:
            return path, self.line_by_key[table].get(key, 1), col
        pk, lines = self.pks.get(table), self.lines.get(table)
        if not pk or lines is None:
            return path, 1, col
        values = key if isinstance(key, (tuple, list)) else (key,)
        row = self.db.execute(f'select rowid from "{table}" where ' + " and ".join(f"[{k}] = ?" for k in pk),
                              tuple(values)).fetchone()
        return path, (lines[row[0] - 1] if row and 0 < row[0] <= len(lines) else 1), col

    def run(self, resources: list[dict] | None = None, finish: bool = True) -> dict[str, int]:
        """Load every resource (or those given); raise Flagged at the first problem.

        Batches go to SQLite from a second thread, which spends most of its time inside SQLite (without Python's
        lock) while this one parses and checks the next batch; the queue holds at most two batches."""
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.write_error: BaseException | None = None
        writer = threading.Thread(target=self.write, name="build-writer", daemon=True)
        writer.start()
        with no_gc():  # millions of short-lived lists: the cyclic collector would rescan them again and again
            try:
                for res in self.pkg["resources"] if resources is None else resources:
                    self.load(res)
            finally:
                self.queue.put(None)
                writer.join()
        if self.write_error is not None:
            path, what = getattr(self, "writing", ("", ""))
            raise Flagged(path, 1, 1, f"cannot be loaded: {self.write_error}")
        if finish:
            self.finish()
        return self.counts

    STATE = ("counts", "paths", "columns", "lines", "line_by_key", "pks")

    def state(self) -> dict:
        """What a loader in another process learnt: counts, and where each row is."""
        return {k: getattr(self, k) for k in self.STATE}

    def absorb(self, state: dict) -> None:
        for k in self.STATE:
            getattr(self, k).update(state[k])

    def write(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.write_error is None:
                self.writing, insert, rows = item
                try:
                    self.db.executemany(insert, rows)
                except BaseException as e:  # reported by run(), in the main thread
                    self.write_error = e

    def send(self, shown: str, insert: str, rows: list) -> None:
        if self.write_error is not None:
            raise Flagged(shown, 1, 1, f"cannot be loaded: {self.write_error}")
        self.queue.put(((shown, insert), insert, rows))

    def load(self, res: dict) -> None:
        name, schema = res["name"], res["schema"]
        fields = schema["fields"]
        names = [f["name"] for f in fields]
        path = self.data_dir / Path(res["path"]).name
        shown = Loader.shown(path)
        self.paths[name], self.counts[name] = shown, 0
        self.columns[name] = {n: i for i, n in enumerate(names, 1)}
        pk = self.pks[name] = schema.get("primaryKey", [])
        if not path.is_file():
            raise Flagged(shown, 1, 1, "not a file")
        csv.field_size_limit(CELL_LIMIT)  # a larger cell stops the reader (the Loader then names it)
        width = len(names)
        specs = [self.column_check(res, f, i) for i, f in enumerate(fields)]
        pk_idx = [names.index(k) for k in pk]
        integer_pk = len(pk) == 1 and fields[pk_idx[0]].get("type") == "integer"
        lines = self.lines[name] = array.array("q")
        by_key = self.line_by_key[name] = {} if integer_pk else None
        if by_key is None:
            del self.line_by_key[name]
        insert = (f'insert into "{name}" ({", ".join(f"[{n}]" for n in names)}) '
                  f'values ({", ".join([NULL_IF_EMPTY] * len(names))})')
        try:
            with open(path, encoding="utf-8-sig", newline="") as f:
                reader = csv.reader(f, strict=True)
                header = next(reader, None)
                if header != names:
                    raise Flagged(shown, 1, 1, "the header is not the columns of the data package")
                end = reader.line_num
                while True:
                    rows, ends = [], []
                    for row in reader:
                        rows.append(row)
                        ends.append(reader.line_num)
                        if len(rows) == self.BATCH:
                            break
                    if not rows:
                        break
                    starts = [end + 1, *(e + 1 for e in ends[:-1])]
                    end = ends[-1]
                    if set(map(len, rows)) != {width}:
                        raise Flagged(shown, starts[0], 1, "a row with the wrong number of fields, or an empty line")
                    cols = list(zip(*rows))
                    for check in specs:
                        check(cols, shown, starts)
                    if by_key is not None:
                        by_key.update(zip(map(int, cols[pk_idx[0]]), starts))
                    lines.extend(starts)
                    self.counts[name] += len(rows)
                    self.send(shown, insert, rows)
        except (csv.Error, UnicodeDecodeError, ValueError, OverflowError, sqlite3.Error) as e:
            raise Flagged(shown, 1, 1, f"cannot be read or loaded: {e}") from None
        if not self.counts[name] and not res.get("x_allow_empty"):
            raise Flagged(shown, 1, 1, "no rows")

    def column_check(self, res: dict, spec: dict, i: int):
        """A function checking column i of a batch, everything about the field precomputed."""
        c = spec.get("constraints", {})
        kind = spec.get("type", "string")
        required = bool(c.get("required"))
        enum = frozenset(c["enum"]) | {""} if "enum" in c else None
        pattern = re.compile(c["pattern"]) if "pattern" in c else None
        is_date = c.get("pattern", "").startswith("^[0-9]{4}") and "-[0-9]{2}" in c.get("pattern", "")
        is_uri = spec.get("format") == "uri"
        checker = make_checker(spec, self.period)
        minimum, maximum = c.get("minimum"), c.get("maximum")
        free_text = is_free_text(spec)
        fname = spec["name"]
        date_ok: set = set()

        def check(cols, shown, starts):
            col = cols[i]
            def flag(what):
                raise Flagged(shown, starts[0], i + 1, f"{fname}: {what}")
            # (A cell larger than CELL_LIMIT already stopped the CSV reader.)
            if FORBIDDEN_OR_CR_RE.search("\n".join(col)):
                flag("a control or invisible character, or a carriage return")
            if col != tuple(map(str.strip, col)):
                flag("spaces or line breaks at an edge")
            if free_text and not FORMULA_SET.isdisjoint(map(FIRST_CHAR, col)):
                flag("a formula")
            if required and "" in col:
                flag("an empty required cell")
            values = list(filter(None, col))
            if not values:
                return
            if enum is not None and not enum.issuperset(values):
                flag("a value outside the enumeration")
            typed = values
            if kind == "integer":
                if not all(map(INTEGER_RE.fullmatch, values)) or max(map(len, values)) > 20:
                    flag("not a whole number")
                typed = list(map(int, values))
                lo, hi = min(typed), max(typed)
                if lo < INT64_MIN or hi > INT64_MAX:
                    flag("out of range")
            elif kind == "number":
                if not all(map(NUMBER_RE.fullmatch, values)):
                    flag("not a number")
                typed = list(map(float, values))
                if not all(map(math.isfinite, typed)):
                    flag("not finite")
                lo, hi = min(typed), max(typed)
                if lo < -INT64_MAX or hi > INT64_MAX:
                    flag("out of range")
            if kind in ("integer", "number"):
                if minimum is not None and lo < minimum or maximum is not None and hi > maximum:
                    flag("out of its range")
            if is_date:  # few distinct dates: each checked once, in full
                for v in set(values) - date_ok:
                    if checker(v)[1]:
                        flag("not a valid date")
                    date_ok.add(v)
            elif pattern is not None and not all(map(pattern.fullmatch, values)):
                flag("does not match the pattern")
            if is_uri:
                for v in [v for v in values if not SAFE_URL_RE.fullmatch(v)]:
                    if checker(v)[1]:
                        flag("not an http(s) URL")
        return check

    def first(self, table: str, condition: str, column: str, what: str) -> None:
        """Flag the first row of `table` meeting `condition` (SQL), if any."""
        row = self.db.execute(f'select rowid from "{table}" where {condition} limit 1').fetchone()
        if row:
            lines = self.lines.get(table)
            line = lines[row[0] - 1] if lines is not None and 0 < row[0] <= len(lines) else 1
            raise Flagged(self.paths[table], line, self.columns[table].get(column, 1), what)

    def finish(self) -> None:
        """The checks that span rows or tables, as set operations in SQLite: one pass over each table."""
        conditions: dict[str, list[str]] = {r["name"]: [] for r in self.pkg["resources"]}
        tables = {r["name"]: {f["name"] for f in r["schema"]["fields"]} for r in self.pkg["resources"]}
        for res in self.pkg["resources"]:
            name, schema = res["name"], res["schema"]
            for fk in schema.get("foreignKeys", []):
                col, target, ref = fk["fields"][0], fk["reference"]["resource"], fk["reference"]["fields"][0]
                conditions[name].append(f'[{col}] is not null and [{col}] not in (select [{ref}] from "{target}")')
            for f in schema["fields"]:
                if f.get("constraints", {}).get("unique") and schema.get("primaryKey") != [f["name"]]:
                    c = f["name"]
                    conditions[name].append(f'[{c}] in (select [{c}] from "{name}" where [{c}] is not null '
                                            f'group by [{c}] having count(*) > 1)')
        if {"responses", "response_sources"} <= set(tables):
            conditions["responses"].append("id not in (select response_id from response_sources)")
        for table, cols, condition in ROW_RULES_SQL:
            if table in tables and set(cols) <= tables[table]:
                conditions[table].append(condition)
        for table, conds in conditions.items():
            if conds:
                self.first(table, " or ".join(f"({c})" for c in conds), "",
                           "a row breaks a key, uniqueness or row rule")


def load_package(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def period_of(pkg: dict, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    start = dt.date.fromisoformat(pkg.get("x_period", {}).get("start", "2020-01-01"))
    return start, today or dt.date.today()


def detailed_problems(pkg: dict, data_dir: Path, period) -> list[Problem]:
    """Every problem in the files, each with its file, line and column (the Loader: a Python pass over every cell)."""
    loader = Loader(pkg, data_dir, None, period)
    for res in pkg["resources"]:
        loader.load(res)
    loader.finish()
    return loader.problems


# Load (and index) the tables in two processes; BUILD_PARALLEL=0 keeps to one.
PARALLEL = (os.cpu_count() or 1) >= 2 and os.environ.get("BUILD_PARALLEL", "1") != "0"


class Child:
    """A function run in a forked process of its own (a second loader, the rules, the summaries). It shares nothing
    with this process once started (no lock, no SQLite mutex: a thread running SQL would contend with this one), and
    sends back what the function returned: result() gives ("ok", value), ("flagged", Problem) when it raised Flagged,
    or ("error", message)."""

    def __init__(self, name: str, target, *args, nice: int = 0):
        import multiprocessing
        ctx = multiprocessing.get_context("fork")
        self.receive, send = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=self._run, args=(send, nice, target, args), name=name, daemon=True)
        self.process.start()
        send.close()

    @staticmethod
    def _run(send, nice: int, target, args) -> None:
        try:
            if nice:
                os.nice(nice)
            send.send(("ok", target(*args)))
        except Flagged as flagged:
            send.send(("flagged", flagged.problem))
        except BaseException as e:
            send.send(("error", f"{type(e).__name__}: {e}"))

    def result(self) -> tuple[str, object]:
        try:
            outcome, payload = self.receive.recv()
        except EOFError:
            outcome, payload = "error", f"the process ended without an answer (exit code {self.process.exitcode})"
        self.process.join()
        return outcome, payload

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()


def split_resources(pkg: dict, data_dir: Path) -> tuple[list[dict], list[dict]]:
    """Two groups of resources with about as many bytes of CSV each: the largest file in the first."""
    def size(res):
        p = data_dir / Path(res["path"]).name
        return p.stat().st_size if p.is_file() else 0
    groups: tuple[list, list] = ([], [])
    totals = [0, 0]
    for res in sorted(pkg["resources"], key=size, reverse=True):
        i = totals.index(min(totals))
        groups[i].append(res)
        totals[i] += size(res)
    return groups


def _load_part(pkg: dict, data_dir: Path, period, aux: Path, names: list[str]) -> dict:
    """In a second process: load (and index) some tables into their own database file; what it learnt."""
    db = sqlite_utils.Database(sqlite3.connect(aux, check_same_thread=False))
    tune(db.conn)
    db.execute(f"pragma cache_size = -{CACHE_KIB // 2}")  # the two processes together stay well under 1 GB
    for res in creation_order(pkg):
        create_table(db, res)
    part = [r for r in pkg["resources"] if r["name"] in names]
    fast = FastLoader(pkg, data_dir, db.conn, period)
    fast.run(part, finish=False)
    for res in part:
        index_table(db, res)
    db.conn.commit()
    db.close()
    return fast.state()


def load_parallel(pkg: dict, data_dir: Path, db: sqlite3.Connection, period, aux: Path) -> FastLoader:
    """FastLoader over two processes: this one loads the largest file, a second one the others into `aux` and
    indexes them (it has time to: the largest file takes longer); then SQLite copies the second file's tables and
    indexes in (INSERT ... SELECT * between identical tables copies records and index entries as they are), and the
    checks across tables run on the whole. The largest file's indexes are left for later (build_the_rest), when the
    rules already run beside them: nothing before needs them."""
    mine, theirs = split_resources(pkg, data_dir)
    fast = FastLoader(pkg, data_dir, db, period)
    if not theirs:
        fast.run()
        return fast
    aux.unlink(missing_ok=True)
    child = Child("build-loader", _load_part, pkg, data_dir, period, aux, [r["name"] for r in theirs])
    try:
        try:
            fast.run(mine, finish=False)
        except BaseException:
            child.stop()  # this part is wrong already: the Loader will name every problem anyway
            raise
        outcome, payload = child.result()
        if outcome == "flagged":
            raise Flagged(payload.path, payload.line, payload.column, payload.message)
        if outcome != "ok":
            raise Flagged(fast.paths.get(theirs[0]["name"], ""), 1, 1, f"the second loader failed: {payload}")
        fast.absorb(payload)
        fast.counts = {r["name"]: fast.counts[r["name"]] for r in pkg["resources"]}  # in the data package's order
        db.commit()
        wrapper = sqlite_utils.Database(db)
        for res in theirs:
            index_table(wrapper, res)  # on the empty tables: the copy then brings the index entries too
        db.execute("attach database ? as part", (str(aux),))
        for res in theirs:
            db.execute(f'insert into main."{res["name"]}" select * from part."{res["name"]}"')
        db.commit()
        db.execute("detach database part")
        fast.finish()
        return fast
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{aux}{suffix}").unlink(missing_ok=True)


def load_checked(pkg: dict, data_dir: Path, db: sqlite3.Connection, period, aux: Path | None = None,
                 run_rules: bool = True) -> FastLoader:
    """Load every table into `db`, checked; then the rules about the data as a whole (rules.py).
    With `aux` (a scratch file beside the database), the load is shared with a second process.
    Raises BuildError listing every problem."""
    try:
        with phase("read, check, load (and index) every file"):
            if aux is not None and PARALLEL:
                fast = load_parallel(pkg, data_dir, db, period, aux)
            else:
                fast = FastLoader(pkg, data_dir, db, period)
                fast.run()
    except Flagged as flagged:
        # Something is wrong: read everything again, cell by cell, to name every problem with its position.
        raise BuildError(detailed_problems(pkg, data_dir, period) or [flagged.problem]) from None
    if run_rules:
        with phase("rules.py"), no_gc():
            problems = rules.check(db, fast.locate)
        if problems:
            raise BuildError(sorted(problems))
    return fast


# The rules that take longest (at 1M synthetic responses, each group about 40 CPU-seconds): one process runs them,
# another the rest, so that both cores work on the rules once the search indexes are written.
SLOW_RULES = {"no_duplicate_responses", "public_text_is_for_readers"}


def rule_groups() -> list[set[str]]:
    names = {fn.__name__ for fn in rules.RULES}
    return [names & SLOW_RULES, names - SLOW_RULES]


SCHEMA_RETRIES = 3  # runs of the rules when the build's process changes the schema under them (RulesProcess)


class RulesProcess:
    """Some rules of rules.py (or all) in a process of their own, reading the loaded database (write-ahead log: it
    reads the tables as loaded while the build's process writes the indexes, the search indexes and the summaries).
    Nothing is published before result() has said that no rule found a problem."""

    def __init__(self, db_path: Path, loader: FastLoader, names: set[str] | None = None):
        # (niced: the build's own process goes first, the rules fill the time it leaves)
        self.child = Child("build-rules", self._run, db_path, loader, names, nice=10)

    @staticmethod
    def _run(db_path: Path, loader: FastLoader, names: set[str] | None) -> tuple[list[Problem], dict]:
        for attempt in range(SCHEMA_RETRIES):
            conn = sqlite3.connect(db_path)
            # Half for the tables, half for the rules' temporary tables (with SQLite's default of 2 MB for those,
            # the rules read a temporary file about a million times at 200k responses).
            conn.execute(f"pragma cache_size = -{CACHE_KIB // 4}")
            conn.execute(f"pragma temp.cache_size = -{CACHE_KIB // 4}")
            loader.db = conn  # locate() asks this connection, not the one inherited from the parent
            try:
                with no_gc():
                    problems = rules.check(conn, loader.locate, names)
                return problems, rules.TIMES
            except sqlite3.OperationalError as e:
                # SQLite prepares a statement again when the schema changed since it was prepared, a limited number
                # of times in a row: on a tiny database, the build's own process can change the schema faster. The
                # rules only read the tables (their temporary tables belong to the connection): run them again.
                if "schema has changed" not in str(e) or attempt == SCHEMA_RETRIES - 1:
                    raise
            finally:
                conn.close()

    def result(self) -> list[Problem]:
        outcome, payload = self.child.result()
        if outcome != "ok":
            raise RuntimeError(f"rules.py could not be run: {payload}")
        problems, times = payload
        rules.TIMES.update(times)
        return problems

    def stop(self) -> None:
        self.child.stop()


def validate(data_dir: Path, datapackage: Path = ROOT / "datapackage.json", today: dt.date | None = None,
             pkg: dict | None = None) -> dict[str, int]:
    """Check every CSV and every rule, as the build does, without keeping a database; raise BuildError listing
    every problem."""
    pkg = pkg or load_package(datapackage)
    with tempfile.TemporaryDirectory(prefix="belarus-validate-") as tmp:
        db = sqlite_utils.Database(sqlite3.connect(Path(tmp) / "check.db", check_same_thread=False))
        tune(db.conn)
        for res in creation_order(pkg):
            create_table(db, res)
        try:
            return load_checked(pkg, data_dir, db.conn, period_of(pkg, today), aux=Path(tmp) / "part.db").counts
        finally:
            db.close()


def tune(conn: sqlite3.Connection) -> None:
    """A database built once and renamed into place: no journal, no fsync, a larger page cache."""
    conn.execute("pragma journal_mode = off")
    conn.execute("pragma synchronous = off")
    conn.execute(f"pragma cache_size = -{CACHE_KIB}")
    conn.execute("pragma threads = 2")  # sorts for CREATE INDEX may use a helper thread
    conn.execute("pragma analysis_limit = 1000")  # ANALYZE samples each index instead of reading all of it


# --------------------------------------------------------------------------- writing

@contextlib.contextmanager
def no_gc():
    """Python's cyclic garbage collector paused: the rules and the search index make millions of short-lived
    tuples and lists (no cycles), and each full collection would walk every object of the build again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


PHASES: list[tuple[str, float]] = []  # (phase, wall seconds) of the last build, printed by --timings


@contextlib.contextmanager
def phase(name: str):
    started = time.perf_counter()
    try:
        yield
    finally:
        PHASES.append((name, time.perf_counter() - started))


SQL_TYPES = {"integer": int, "number": float, "string": str}


def create_table(db: sqlite_utils.Database, res: dict) -> None:
    schema = res["schema"]
    fields = schema["fields"]
    pk = schema["primaryKey"]
    db[res["name"]].create(
        {f["name"]: SQL_TYPES[f.get("type", "string")] for f in fields},
        pk=pk[0] if len(pk) == 1 else tuple(pk),
        not_null={f["name"] for f in fields if f.get("constraints", {}).get("required")},
        foreign_keys=[(fk["fields"][0], fk["reference"]["resource"], fk["reference"]["fields"][0])
                      for fk in schema.get("foreignKeys", [])],
    )


def creation_order(pkg: dict) -> list[dict]:
    """Resources ordered so that every table a foreign key points to is created before the table that points."""
    todo, done, order = list(pkg["resources"]), set(), []
    while todo:
        for res in todo:
            refs = {fk["reference"]["resource"] for fk in res["schema"].get("foreignKeys", [])} - {res["name"]}
            if refs <= done:
                break
        else:
            raise ValueError(f"foreign keys form a cycle among: {', '.join(r['name'] for r in todo)}")
        todo.remove(res)
        done.add(res["name"])
        order.append(res)
    return order


def index_table(db: sqlite_utils.Database, res: dict) -> None:
    """An index on every foreign key and every faceted or sorted column."""
    schema = res["schema"]
    pk = schema["primaryKey"]
    done = set()
    ordered = ORDERED_INDEXES.get(res["name"], {})
    sparse = SPARSE_INDEXES.get(res["name"], {})
    for col in FACET_COLUMNS.get(res["name"], []) + [fk["fields"][0] for fk in schema.get("foreignKeys", [])]:
        if col in done or col == pk[0]:
            continue
        if col in sparse:
            cols = sparse[col]
            db.execute(f'create index if not exists [idx_{res["name"]}_{"_".join(cols)}_present] on [{res["name"]}] '
                       f'({", ".join(f"[{c}]" for c in cols)}) where [{col}] is not null')
        else:
            db[res["name"]].create_index(ordered.get(col, [col]), if_not_exists=True)
        done.add(col)
    if res["name"] in LATEST_FIRST:
        first, *rest = LATEST_FIRST[res["name"]]
        db[res["name"]].create_index([DescIndex(first), *rest], index_name=f"idx_{res['name']}_{first}_desc",
                                     if_not_exists=True)


def build_summaries(db, queries_file: Path = QUERIES_FILE, schema: str = "main") -> list[str]:
    """The results of the heavy parameterless canned queries, computed once into summary_<name> tables.

    The database never changes between builds, so an aggregate over every response need not be recounted on
    each request: the canned query reads its summary table, and its page shows the SQL that filled it.
    """
    queries = yaml.safe_load(queries_file.read_text(encoding="utf-8")) if queries_file.exists() else {}
    made = []
    for name, q in (queries or {}).items():
        if isinstance(q, dict) and q.get("summary_sql"):
            db.execute(f"create table [{schema}].[summary_{name}] as {q['summary_sql']}")
            made.append(f"summary_{name}")
    return made


class SummaryBuilder:
    """build_summaries on its own connection in a process of its own, into a side database file: it runs while the
    main connection writes the search index, then copy_into() moves the tables in. (A thread would share SQLite's
    process-wide mutexes with the search index: at 200k responses the index then took a fifth longer.)"""

    def __init__(self, db_path: Path, aux_path: Path, queries_file: Path = QUERIES_FILE):
        self.db_path, self.aux_path, self.queries_file = db_path, aux_path, queries_file
        self.made: list[str] = []
        self.child: Child | None = None

    def start(self) -> None:
        self.child = Child("build-summaries", self._run, self.db_path, self.aux_path, self.queries_file)

    @staticmethod
    def _run(db_path: Path, aux_path: Path, queries_file: Path) -> list[str]:
        conn = sqlite3.connect(db_path)
        conn.execute(f"pragma cache_size = -{CACHE_KIB // 2}")
        conn.execute("attach database ? as side", (str(aux_path),))
        conn.execute("pragma side.journal_mode = off")
        made = build_summaries(conn, queries_file, schema="side")
        conn.commit()
        conn.close()
        return made

    def join(self) -> None:
        if self.child is None:
            return
        outcome, payload = self.child.result()
        if outcome != "ok":
            raise RuntimeError(f"the summary tables could not be built: {payload}")
        self.made = payload

    def stop(self) -> None:
        if self.child is not None:
            self.child.stop()

    def copy_into(self, db: sqlite_utils.Database) -> None:
        if not self.made:
            return
        db.execute("attach database ? as side", (str(self.aux_path),))
        db.conn.execute("begin")  # one schema change for the rules still running, not one per table
        for name in self.made:  # same columns and declared types, rows in the same order
            db.execute(f"create table [{name}] as select * from side.[{name}] order by rowid")
        db.conn.commit()
        db.execute("detach database side")


def build_search(db: sqlite_utils.Database) -> None:
    """FTS5 indexes; metadata.yml points Datasette at them with fts_table/fts_pk (their rowids are the tables' rowids)."""
    # Responses with the actor's names, so 'Lithuania' (or Літва, Литва) finds what Lithuania did. (CROSS JOIN keeps
    # responses the outer loop: rows come in rowid order, which FTS5 needs to write few large segments instead
    # of thousands of small ones, and a lookup of one rowid through the view reads one row.) The index reads
    # its text through the view responses_search_text (FTS5 "external content"), so the largest text in the database
    # is not stored twice: snippets still work, the file is smaller and the build writes a copy less.
    # The database is immutable, so index and view cannot drift apart.
    written = {}  # index -> (its text, its columns, its tokenizer): what the search vocabulary reads
    with phase("  search index of responses"):
        written["responses_fts"] = fts_index(db, "responses_fts", ["title", "description", "instrument", "notes", "actor_name", "id"], """
            select r.rowid, r.title, r.description, coalesce(r.instrument, ''), coalesce(r.notes, ''),
                   a.name || coalesce(' ' || a.name_be, '') || coalesce(' ' || a.name_ru, '')
                   || coalesce(' ' || p.name, '') || coalesce(' ' || p.name_be, '') || coalesce(' ' || p.name_ru, ''),
                   r.id
            from responses r cross join actors a on a.id = r.actor_id
            left join actors p on p.id = a.parent_id""", content_view="responses_search_text", tokenize=TEXT_TOKENIZE)
    # An actor by any of its names, its id and its code: Lithuania, Літва, Литва, lt, LTU.
    written["actors_fts"] = fts_index(db, "actors_fts", ["name", "name_be", "name_ru", "id", "iso_code"], """
        select rowid, name, coalesce(name_be, ''), coalesce(name_ru, ''), id, coalesce(iso_code, '') from actors""")
    # Every name form of a target, so Lukashenko, Lukashenka, Лукашенко and Лукашэнка find the same person.
    written["targets_fts"] = fts_index(db, "targets_fts", ["name", "name_be", "name_ru", "name_variants", "role", "id"], """
        select rowid, name, coalesce(name_be, ''), coalesce(name_ru, ''), coalesce(name_variants, ''),
               coalesce(role, ''), id
        from targets""")
    # Cross-script search (search_index.py): every word of these indexes under its folded form, so Лукашенко,
    # Lukashenka and Łukašenka meet (the vocabulary is folded, not the text).
    import search_index
    with phase("  cross-script search vocabulary (folded words)"):
        search_index.build(db, written)
    db.conn.commit()  # the search indexes are written: nothing is left open (copy_into attaches a file next)


def fts_index(db: sqlite_utils.Database, name: str, columns: list[str], select_sql: str,
              content_view: str | None = None, tokenize: str = FTS_TOKENIZE) -> tuple[str, list[str], str]:
    """An FTS5 index over a query whose first column is the source row's rowid: standalone (it keeps its own copy
    of the text), or, with `content_view`, reading the text through that view. Returns where its text can be read
    (the index or the view), its columns and its tokenizer."""
    cols = ", ".join(columns)
    if content_view is None:
        db.execute(f"create virtual table {name} using fts5({cols}, tokenize = '{tokenize}')")
        insert = f"insert into {name} (rowid, {cols}) {select_sql} order by 1"
    else:
        db.execute(f"create view {content_view} ({FTS_ROWID}, {cols}) as {select_sql}")
        db.execute(f"create virtual table {name} using fts5({cols}, tokenize = '{tokenize}', "
                   f"content = '{content_view}', content_rowid = '{FTS_ROWID}')")
        insert = f"insert into {name} (rowid, {cols}) select {FTS_ROWID}, {cols} from {content_view} order by {FTS_ROWID}"
    # FTS5 writes a segment each time the words it holds in memory pass `hashsize` (1 MiB by default), then merges
    # the segments: with 64 MiB it writes a few large ones (at 200k responses, 3.2 s -> 1.9 s). The setting is
    # stored with the table, so it is set back to the default once the index is written.
    db.execute(f"insert into {name} ({name}, rank) values ('hashsize', {FTS_HASH_BYTES})")
    db.execute(insert)
    db.execute(f"insert into {name} ({name}, rank) values ('hashsize', {FTS5_DEFAULT_HASH_BYTES})")
    return content_view or name, columns, tokenize


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
               r.kind, r.multilateral, r.sanction_nature, r.sanction_object, r.scope,
               r.sourcing, r.act_source, r.exception, r.added_in, r.changed_in,
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


def new_database(pkg: dict, path: Path) -> sqlite_utils.Database:
    """A new database file, tuned for one build, with every table of the package created and empty."""
    db = sqlite_utils.Database(sqlite3.connect(path, check_same_thread=False))  # FastLoader writes from a thread
    tune(db.conn)
    for res in creation_order(pkg):
        create_table(db, res)
    return db


def seal(db: sqlite_utils.Database) -> None:
    """The last step of a build: ANALYZE, then the write-ahead log written back, so the file stands alone."""
    db.analyze()
    db.conn.commit()
    db.execute("pragma journal_mode = delete")


def write_database(pkg: dict, data_dir: Path, output: Path, today: dt.date | None = None) -> dict[str, int]:
    """Validate and load in one pass into a temporary file; rename it into place only if nothing was wrong."""
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp-{os.getpid()}")
    aux = output.with_name(f".{output.name}.summaries-{os.getpid()}")
    for p in (tmp, aux):
        p.unlink(missing_ok=True)
    db = None
    try:
        db = new_database(pkg, tmp)
        part = output.with_name(f".{output.name}.part-{os.getpid()}")
        loader = load_checked(pkg, data_dir, db.conn, period_of(pkg, today), aux=part, run_rules=not PARALLEL)
        # The rules and the summaries only read the tables: two more processes check the rules and another computes
        # the summaries into a side file while this one writes the indexes and the search indexes (write-ahead log:
        # a reader sees the tables as they are, a writer goes on).
        db.conn.commit()
        db.execute("pragma journal_mode = wal")
        checkers = []
        if PARALLEL:
            rules.TIMES.clear()
            checkers = [RulesProcess(tmp, loader, names) for names in rule_groups()]
        try:
            build_the_rest(pkg, db, tmp, aux)
        except BaseException:
            for checker in checkers:
                checker.stop()
            raise
        if checkers:
            with phase("rules.py (in two more processes: the wait after the rest)"):
                problems = [p for checker in checkers for p in checker.result()]
            if problems:
                raise BuildError(sorted(problems))
        with phase("analyze and write back"):
            seal(db)
        db.close()
        os.replace(tmp, output)
        return loader.counts
    except BaseException:
        try:
            if db is not None:
                db.close()
        except Exception:
            pass
        raise
    finally:
        for p in (tmp, aux):
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{p}{suffix}").unlink(missing_ok=True)


def build_the_rest(pkg: dict, db: sqlite_utils.Database, tmp: Path, aux: Path) -> None:
    """Everything after the load: indexes, summaries (in a second process), search indexes, views, dataset_info."""
    with phase("indexes left after the load"):
        # In one transaction: the rules, already running in their processes, see the schema change once, not once
        # per index (each change makes them prepare their statements again).
        db.conn.execute("begin")
        for res in pkg["resources"]:
            index_table(db, res)  # (those the parallel load indexed already are left as they are)
        db.conn.commit()
    summaries = SummaryBuilder(tmp, aux)
    summaries.start()  # (the indexes are committed: nothing is held open across the fork)
    try:
        with phase("search indexes (summaries beside them)"), no_gc():
            build_search(db)
    except BaseException:
        summaries.stop()
        raise
    with phase("summaries, after the search indexes"):
        summaries.join()
    with phase("summaries copied in"):
        summaries.copy_into(db)
    for name, sql in VIEWS.items():
        db.create_view(name, sql.strip())
    db["dataset_info"].insert_all([
        {"key": "title", "value": pkg["title"]},
        {"key": "version", "value": pkg.get("version", "")},
        {"key": "as_of", "value": pkg.get("x_as_of", "")},
        {"key": "coverage_through", "value": pkg.get("x_coverage_through", "")},
        {"key": "license", "value": pkg["licenses"][0]["name"]},
        # The schema and the methodology travel with the database, so a published copy is self-contained.
        {"key": "datapackage", "value": json.dumps(pkg, ensure_ascii=False)},
        {"key": "methodology", "value": METHODOLOGY.read_text(encoding="utf-8") if METHODOLOGY.exists() else ""},
    ], pk="key")
    db.conn.commit()


def ordered_rows(db: sqlite3.Connection, table: str, pk: list[str]) -> sqlite3.Cursor:
    return db.execute(f'select * from "{table}" order by {", ".join(f"[{k}]" for k in pk)}')


def export_csv(db: sqlite3.Connection, table: str, pk: list[str], out) -> None:
    """A table as CSV in Datasette's own dialect (CRLF, minimal quoting, NULL as an empty cell), ordered by primary
    key, so it is byte-identical to Datasette's streamed export sorted the same way. Streams to `out`; the csv
    module writes the rows straight from the cursor, in C."""
    cur = ordered_rows(db, table, pk)
    w = csv.writer(out)
    w.writerow([c[0] for c in cur.description])
    w.writerows(cur)


def export_json(db: sqlite3.Connection, table: str, pk: list[str], out) -> None:
    """A table as a JSON array of objects, one per line, ordered by primary key; SQLite writes each object."""
    cols = [c[0] for c in ordered_rows(db, table, pk).description]
    obj = "json_object(" + ", ".join(f"'{c}', [{c}]" for c in cols) + ")"
    cur = db.execute(f'select {obj} from "{table}" order by {", ".join(f"[{k}]" for k in pk)}')
    out.write("[")
    first = True
    while batch := cur.fetchmany(5000):
        out.write(("\n" if first else ",\n") + ",\n".join(r[0] for r in batch))
        first = False
    out.write("\n]")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


ZIP_LEVEL = 1  # deflate level of the CSV zip: level 1 is several times faster than the default 6, for a slightly larger file


def write_zip(pkg: dict, db_path: Path, path: Path) -> None:
    db = sqlite3.connect(db_path)
    fixed_time = (2020, 8, 9, 0, 0, 0)  # a constant timestamp keeps the zip byte-for-byte reproducible
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as z:
        for res in pkg["resources"]:
            info = zipfile.ZipInfo(res["path"], fixed_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info._compresslevel = ZIP_LEVEL  # (ZipFile(compresslevel=...) does not reach entries opened for writing)
            with z.open(info, "w", force_zip64=True) as raw, \
                    io.TextIOWrapper(io.BufferedWriter(raw, 1 << 20), encoding="utf-8", newline="") as out:
                export_csv(db, res["name"], res["schema"]["primaryKey"], out)
        z.writestr(zipfile.ZipInfo("datapackage.json", fixed_time), json.dumps(pkg, indent=2, ensure_ascii=False) + "\n",
                   compress_type=zipfile.ZIP_DEFLATED)
    db.close()


def write_json(pkg: dict, db_path: Path, path: Path) -> None:
    db = sqlite3.connect(db_path)
    with open(path, "w", encoding="utf-8", buffering=1 << 20) as out:
        head = {"title": pkg["title"], "version": pkg.get("version"), "as_of": pkg.get("x_as_of"),
                "license": pkg["licenses"][0]["name"]}
        out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "tables": {')
        for i, res in enumerate(pkg["resources"]):
            out.write(("," if i else "") + "\n" + json.dumps(res["name"]) + ": ")
            export_json(db, res["name"], res["schema"]["primaryKey"], out)
        out.write("\n}}\n")
    db.close()


def write_downloads(pkg: dict, db_path: Path, out_dir: Path) -> dict:
    """The whole dataset as files: CSVs with the data package (zip), JSON, and a manifest with sizes
    and SHA-256 checksums (the database file included). Streamed; written to a temporary folder, then swapped in.
    The zip, the JSON and the database's checksum are made at the same time, in threads: SQLite, zlib and
    hashlib do their work without holding Python's lock."""
    from concurrent.futures import ThreadPoolExecutor
    tmp = out_dir.with_name(f".{out_dir.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with ThreadPoolExecutor(3) as pool:
        jobs = [pool.submit(write_zip, pkg, db_path, tmp / "belarus-responses-csv.zip"),
                pool.submit(write_json, pkg, db_path, tmp / "belarus-responses.json")]
        db_sum = pool.submit(sha256_file, db_path)
        for job in jobs:
            job.result()
        files = {"belarus.db": db_path, **{p.name: p for p in sorted(tmp.iterdir())}}
        sums = {name: (db_sum if name == "belarus.db" else pool.submit(sha256_file, p)) for name, p in files.items()}
        manifest = {name: {"bytes": p.stat().st_size, "sha256": sums[name].result()} for name, p in files.items()}
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(out_dir, ignore_errors=True)
    os.replace(tmp, out_dir)
    return manifest


def downloads_dir(output: Path) -> Path:
    """Downloads live beside the database they were made from."""
    return output.parent / "downloads"


def build(data_dir: Path, output: Path, datapackage: Path = ROOT / "datapackage.json", downloads: bool = True) -> dict[str, int]:
    pkg = load_package(datapackage)
    PHASES.clear()
    counts = write_database(pkg, data_dir, output)
    if downloads:
        with phase("downloads"):
            write_downloads(pkg, output, downloads_dir(output))
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT / "data", help="folder of CSVs (default: data/)")
    ap.add_argument("--output", type=Path, default=ROOT / "belarus.db", help="database to write (default: belarus.db)")
    ap.add_argument("--datapackage", type=Path, default=ROOT / "datapackage.json", help="schema (default: datapackage.json)")
    ap.add_argument("--no-downloads", action="store_true", help="skip writing the download files beside the database")
    ap.add_argument("--timings", action="store_true", help="print how long each phase took (to standard error)")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    try:
        counts = build(args.data, args.output, args.datapackage, downloads=not args.no_downloads)
    except BuildError as e:
        for p in e.problems:
            print(p, file=sys.stderr)
        print(f"build failed: {len(e.problems)} problem(s); {args.output} was not changed", file=sys.stderr)
        return 1
    if args.timings:
        for name, seconds in PHASES:
            print(f"{seconds:8.2f}s  {name}", file=sys.stderr)
            if name.startswith("rules.py"):
                for rule in [fn.__name__ for fn in rules.RULES if fn.__name__ in rules.TIMES]:
                    print(f"{'':10}{rules.TIMES[rule]:6.2f}s  {rule}", file=sys.stderr)
    summary = ", ".join(f"{n} {k}" for k, n in counts.items())
    print(f"built {args.output}: {summary} in {time.perf_counter() - started:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
