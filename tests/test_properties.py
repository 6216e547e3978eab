"""Property: any text that passes validation comes out of the database, Datasette's JSON and
Datasette's CSV exactly as it went in — quotes, commas, line breaks, RTL marks, emoji, Cyrillic."""
import asyncio
import csv
import functools
import io
import shutil
import sqlite3
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import app as site
import build
import rules
from conftest import ROOT, VALID, write_csv

# Text a data editor could type: any character but lone surrogates and those the build refuses with a message
# (control and invisible characters, bidirectional overrides, a carriage return), without surrounding whitespace
# and not starting as a spreadsheet formula (both also refused).
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=120).filter(
    lambda s: s == s.strip() and not build.FORBIDDEN_OR_CR_RE.search(s) and s[0] not in build.FORMULA_START
    # nor words rules.py refuses in reader text ('TODO', 'title from URL', 'month precision' on a day date)
    and not any(rx.search(s) for rx in (rules.WORKING_NOTES, rules.SEARCH_NOTES, rules.TITLE_NOTES, rules.MONTH_NOTE)))


def build_with(tmp: Path, title: str, description: str, notes: str, source_title: str) -> Path:
    data = tmp / "data"
    data.mkdir()
    tables = {name: [list(r) for r in rows] for name, rows in VALID.items()}
    row = tables["responses.csv"][1]
    header = tables["responses.csv"][0]
    row[header.index("title")] = title
    row[header.index("description")] = description
    row[header.index("notes")] = notes
    tables["sources.csv"][1][2] = source_title
    for name, rows in tables.items():
        write_csv(data / name, rows)
    shutil.copy(ROOT / "data" / "response_types.csv", data / "response_types.csv")
    out = tmp / "belarus.db"
    build.build(data, out)
    return out


async def through_datasette(db: Path):
    ds = site.make_datasette(db)
    try:
        j = (await ds.client.get("/belarus/responses/r-one.json?_shape=objects")).json()["rows"][0]
        c = (await ds.client.get("/belarus/responses.csv?id=r-one")).text
        s = (await ds.client.get("/belarus/sources.json?id=s-one&_shape=array")).json()[0]
    finally:
        # One app per example: its connections closed, or they pile up under the app's process-wide SQLite heap
        # limit (plugins/limits.py) until a later build in this process runs out of memory.
        for database in ds.databases.values():
            database.close()
        ds.executor.shutdown()
    return j, next(csv.DictReader(io.StringIO(c))), s


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=TEXT, description=TEXT, notes=TEXT, source_title=TEXT)
@example(title='He said "no", then, yes', description="line one\nline two, with a comma", notes="\u200fمرحبا RTL \u200e", source_title="Лукашэнка 🇧🇾 Łukaszenka")
@example(title="<script>alert(1)</script>", description="cmd|' /C calc'!A0 = 1", notes="'; drop table responses; --", source_title="tab\tinside")
@example(title="A title with -2 inside", description="a - b + c = d @ e", notes="1 = 1", source_title="x @ y")
def test_text_round_trips_exactly(title, description, notes, source_title):
    with tempfile.TemporaryDirectory() as tmp:
        db = build_with(Path(tmp), title, description, notes, source_title)
        got = sqlite3.connect(db).execute("select title, description, notes from responses where id = 'r-one'").fetchone()
        assert got == (title, description, notes)
        # Its own thread and event loop, so the session loop of the async tests is left alone.
        with ThreadPoolExecutor(1) as pool:
            j, c, s = pool.submit(asyncio.run, through_datasette(db)).result()
        assert (j["title"], j["description"], j["notes"]) == (title, description, notes)
        assert (c["title"], c["description"], c["notes"]) == (title, description, notes)
        assert s["title"] == source_title


# Values worth trying in any cell: valid and invalid codes, dates, numbers, URLs, keys, and hostile text.
CELL_VALUES = ["", " x", "x ", "x", "=1", "+1", "-1", "@x", "-33.5", "40", "0", "1_000", "٤٠", "1e999", "nan", "9" * 30,
               "2021-02-30", "2021", "2021-13", "2021-05", "2020-10-02", "1899-12-31", "2099-01-01", "2019-12-31",
               "http://[::1", "https://a.example:99999/", "https://a@b.example/", "https://a.example\\@b", "https://example.org/x",
               "javascript:alert(1)", "nowhere", "org-a", "org-a-body", "xa", "r-one", "r-two", "s-one", "s-two", "t-one",
               "person-a", "yes", "no", "day", "month", "state", "aircraft", "registration_mark", "descriptive_label",
               "lifted", "in_force", "EUR", "XA", "x\u200by", "x\u202ey", "x\x1by", "a\nb", "a\r\nb", "\ufeffx", "Дзяржава"]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fast_and_detailed_checks_agree(data):
    """The fast pass accepts a data set exactly when the detailed validator finds no problem: one or two cells of
    the valid fixture changed to any of many valid, invalid and hostile values."""
    tables = {name: [list(r) for r in rows] for name, rows in VALID.items()}
    for _ in range(data.draw(st.integers(1, 2))):
        name = data.draw(st.sampled_from(sorted(n for n, r in tables.items() if len(r) > 1)))  # tables with rows
        rows = tables[name]
        line = data.draw(st.integers(1, len(rows) - 1))
        col = data.draw(st.integers(0, len(rows[0]) - 1))
        rows[line][col] = data.draw(st.one_of(st.sampled_from(CELL_VALUES), st.text(max_size=8)))
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        for name, rows in tables.items():
            write_csv(d / name, rows)
        shutil.copy(ROOT / "data" / "response_types.csv", d / "response_types.csv")
        pkg = build.load_package(ROOT / "datapackage.json")
        period = build.period_of(pkg)
        db = sqlite3.connect(":memory:", check_same_thread=False)
        for res in build.creation_order(pkg):
            build.create_table(build.sqlite_utils.Database(db), res)
        try:
            build.FastLoader(pkg, d, db, period).run()
            fast_ok = True
        except build.Flagged:
            fast_ok = False
        detailed = build.detailed_problems(pkg, d, period)
        assert fast_ok == (not detailed), detailed


# The duplicates rule (rules.duplicate_pairs) sweeps each actor's responses in date order, comparing each row with
# the earlier rows of its window, or, for an actor with crowded windows, only with those that share one of its rarest
# title words: either way it must find exactly the pairs a comparison of every pair finds.
def all_pairs(conn):
    import rules
    by_actor = {}
    for rid, actor, date, title in conn.execute("select id, actor_id, date, title from responses order by id"):
        by_actor.setdefault(actor, []).append((rid, date, title))
    out = []
    for acts in by_actor.values():
        for i, (a, da, ta) in enumerate(acts):
            for b, db_, tb in acts[i + 1:]:
                gap = max((rules.first_day(db_) - rules.last_day(da)).days, (rules.first_day(da) - rules.last_day(db_)).days, 0)
                if gap <= rules.WITHIN_DAYS:
                    s = rules.similar(ta, tb)
                    if s >= rules.SIMILAR:
                        out.append((a, b, s))
    return sorted(out)


WORDS = ["sanctions", "on", "belarus", "the", "visa", "ban", "ban", "Лукашэнка", "Lukashenka", "statement", "eu", "of"]
ROW = st.tuples(st.sampled_from(["a1", "a2"]),
                st.sampled_from(["2021-05-01", "2021-05-03", "2021-05-04", "2021-05-05", "2021-05-09", "2021-05",
                                 "2021-06-01", "2021-04-30", "2021-04-28"]),
                st.lists(st.sampled_from(WORDS), max_size=7).map(" ".join))


@settings(max_examples=300, deadline=None)
@given(st.lists(ROW, max_size=40))
@example([("a1", "2021-05-01", "EU visa ban"), ("a1", "2021-05-03", "visa ban by the EU"), ("a1", "2021-05", ""),
          ("a1", "2021-05-31", "")])
def test_duplicate_sweep_finds_exactly_the_pairs_of_all_pairs(rows):
    import rules
    conn = sqlite3.connect(":memory:")
    conn.execute("create table responses (id text primary key, actor_id text, date text, title text)")
    conn.executemany("insert into responses values (?, ?, ?, ?)", [(f"r{i:02d}", *r) for i, r in enumerate(rows)])
    expected = all_pairs(conn)
    assert rules.duplicate_pairs(conn, window_limit=0) == expected  # every actor through the rarest words
    assert rules.duplicate_pairs(conn, window_limit=float("inf")) == expected  # every row against its window
    assert rules.duplicate_pairs(conn) == expected


# public_text_is_for_readers reads with its regular expressions only the texts that contain one of its anchors:
# every match of each expression, in any case, with any text around it, must contain one.
@settings(max_examples=400, deadline=None)
@given(st.randoms(use_true_random=False), st.sampled_from(["notes", "titles"]), TEXT, TEXT)
def test_every_working_note_contains_an_anchor(rnd, which, before, after):
    import sys
    import rules
    sys.path.insert(0, str(ROOT / "bench"))
    from synth import from_pattern
    if which == "notes":
        pairs = [(rules.WORKING_NOTES, rules.NOTE_ANCHORS), (rules.SEARCH_NOTES, rules.SEARCH_ANCHORS)]
    else:
        pairs = [(rules.WORKING_NOTES, rules.NOTE_ANCHORS + rules.TITLE_ANCHORS),
                 (rules.TITLE_NOTES, rules.NOTE_ANCHORS + rules.TITLE_ANCHORS), (rules.SEARCH_NOTES, rules.SEARCH_ANCHORS)]
    rx, anchors = rnd.choice(pairs)
    match = from_pattern(rx.pattern, rnd)
    match = "".join(c.upper() if rnd.random() < 0.5 else c for c in match)
    match = match.replace("i", "ı" if rnd.random() < 0.2 else "i").replace("s", "ſ" if rnd.random() < 0.2 else "s")
    text = f"{before} {match} {after}"
    if rx.search(text):
        assert rules.anchored(["no note here", text], anchors) == [1], text


# rules.host_of reads the host of a plain URL without urlsplit: it must give what urlsplit's hostname gives.
@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["http", "https", "HTTPS", "ftp"]), st.text(alphabet="abcXYZ019.-@:[]_", min_size=0, max_size=20),
       st.sampled_from(["", "/", "/a/b", "?q=1", "#f", "/x y", "/p\\\\q", ":8080/x"]))
def test_host_of_is_urlsplit_hostname(scheme, host, rest):
    import urllib.parse
    import rules
    url = f"{scheme}://{host}{rest}"
    try:
        want = (urllib.parse.urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return  # urlsplit refuses it (a bracket out of place): the build refuses such a URL earlier
    assert rules.host_of(url) == want


# The cross-script search folds the vocabulary of the plain index (search_index.py), not the text, and expands a
# query to every word of the index with the same fold (search_fold.Search). What it must find is what folding the
# text would find: the rows with a word (as the index cuts words: letters and digits) whose fold is the query's,
# with Cyrillic ч in both of its forms; for a prefix, whose fold begins with the query's. One difference, by design:
# the index keeps words without diacritics, so a word and its form without them are found together (_doc_folds).
SEARCH_TEXT = st.lists(st.one_of(
    st.text(alphabet="abcosvhkzXYZ019", min_size=1, max_size=8),
    st.text(alphabet="ЛукашенкаэчЧўійёї", min_size=1, max_size=8),
    st.text(alphabet="ščžČŠŽŁłŭćöæß", min_size=1, max_size=5),
    st.text(alphabet="abЛкчčšo'’ -.,0", min_size=1, max_size=10),
    # any character of the scripts of the data but a combining mark or an unassigned code point (beyond them,
    # inside a word written with combining marks, and for code points a Unicode version leaves unassigned, the
    # index cuts words by SQLite's own Unicode tables; no indexed text of the data has one)
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x52F,
                                   exclude_categories=("Mn", "Mc", "Me", "Cn")),
            max_size=6)),
    min_size=1, max_size=6).map(" ".join)


@functools.lru_cache(maxsize=1)
def _unicode61() -> sqlite3.Connection:
    import build
    conn = sqlite3.connect(":memory:")
    conn.execute(f"create virtual table w using fts5(word, tokenize = '{build.FTS_TOKENIZE}')")
    conn.execute("create virtual table v using fts5vocab(w, row)")
    return conn


def _bare(word: str) -> str:
    """What an index that removes diacritics keeps of a word, asked of SQLite's unicode61 itself: it removes them
    from Latin letters only (it keeps Cyrillic ӝ as it is, where NFD would give ж)."""
    conn = _unicode61()
    conn.execute("delete from w")
    conn.execute("insert into w (word) values (?)", (word,))
    terms = [t for (t,) in conn.execute("select term from v")]
    assert len(terms) == 1, (word, terms)  # (a word as TOKEN cuts it is one word for unicode61)
    return terms[0]


def _folds(word: str) -> set[str]:
    from search_index import search_fold as sf
    return {sf.fold_word(word)} | ({sf.fold_word(word, "c")} if "ч" in word.lower() else set())  # (the reference)


def _doc_folds(docs: list[str], strip: bool) -> dict[int, set[str]]:
    """The folds each document is found under: those of its words as written; and, in an index that keeps words
    without their diacritics (`strip`), those of each word without them (the index keeps Čyhir as cyhir, so Cyhir
    finds it) and of every other word of the documents that is the same without them (Čyhir and Cyhir are one
    word for the index, so they are found together)."""
    from search_index import search_fold as sf
    if not strip:
        return {i: set().union(*map(_folds, sf.TOKEN.findall(d))) - {""} for i, d in enumerate(docs, 1)}
    by_bare: dict[str, set[str]] = {}
    for d in docs:
        for w in sf.TOKEN.findall(d):
            by_bare.setdefault(_bare(w), set()).update(_folds(w) | _folds(_bare(w)))
    return {i: set().union(*(by_bare[_bare(w)] for w in sf.TOKEN.findall(d))) - {""}
            for i, d in enumerate(docs, 1)}


def _indexed(tokenize: str, docs: list[str]) -> sqlite3.Connection:
    """An FTS5 index `docs` of the texts (rowids 1, 2...) with the search vocabulary the build writes for it."""
    import sqlite_utils
    import search_index
    conn = sqlite3.connect(":memory:")
    conn.execute(f"create virtual table docs using fts5(body, tokenize = '{tokenize}')")
    conn.executemany("insert into docs (rowid, body) values (?, ?)", enumerate(docs, 1))
    search_index.build(sqlite_utils.Database(conn), {"docs": ("docs", ["body"], tokenize)})
    return conn


def _found(conn: sqlite3.Connection, search, q: str) -> set[int]:
    """The rowids of `docs` that the search expression for q matches."""
    return {r[0] for r in conn.execute("select rowid from docs where docs match ?", (search.search_fts(q),))}


@pytest.mark.parametrize("tokenize", ["TEXT_TOKENIZE", "FTS_TOKENIZE"])
@settings(max_examples=150, deadline=None)
@given(st.lists(SEARCH_TEXT, min_size=1, max_size=8), st.lists(SEARCH_TEXT, max_size=3), st.data())
def test_vocabulary_search_finds_what_folded_text_finds(tokenize, docs, extra, data):
    import search_index
    import build
    sf = search_index.search_fold
    tokenize = getattr(build, tokenize)
    conn = _indexed(tokenize, docs)
    search = sf.Search(conn)
    compressing = sf.Search(conn)
    compressing.COMPRESS = 0  # every prefix written with the shortest prefixes that stand for its words
    folds = _doc_folds(docs, strip="remove_diacritics 0" not in tokenize)
    words = sorted({w for d in docs + extra for w in sf.TOKEN.findall(d)})
    if not words:
        return
    for word in data.draw(st.lists(st.sampled_from(words), min_size=1, max_size=5)):
        fold = sf.fold_word(word)
        if not fold:
            continue
        want = {i for i, f in folds.items() if fold in f}
        assert _found(conn, search, word) == want, (word, fold)
        n = data.draw(st.integers(1, len(word)))
        prefix = word[:n]
        term = sf.Term([prefix], True, False)
        if not term.folded or len(sf.TOKEN.findall(prefix)) != 1:
            continue
        p = term.folded[0]
        want = {i for i, f in folds.items() if any(x.startswith(p) for x in f)}
        for s in (search, compressing):
            assert _found(conn, s, prefix + "*") == want, (prefix, p, s.search_fts(prefix + "*"))


# url_key and the clean-URL check skip urlsplit for plain URLs: they must give what the urlsplit path gives.
@settings(max_examples=400, deadline=None)
@given(st.sampled_from(["http", "https"]), st.sampled_from(["", "www.", "m.", "amp.", "WWW.", "www2."]),
       st.text(alphabet="abcXY09.-", min_size=1, max_size=12),
       st.lists(st.sampled_from(["/", "amp", "/amp", "/amp/", ".html", "x", "Y", "/a", "//"]), max_size=5).map("".join))
def test_url_key_of_a_plain_url_is_the_urlsplit_key(scheme, prefix, host, path):
    import urllib.parse
    import rules
    url = f"{scheme}://{prefix}{host}{path}"
    p = urllib.parse.urlsplit(rules.clean_url(url))
    want = (rules.re.sub(r"^(www[0-9]?|amp|m)\.", "", p.hostname or "")
            + rules.re.sub(r"/amp(\.html)?/?$|/amp(?=/)", "", p.path).rstrip("/") + ("?" + p.query if p.query else ""))
    assert rules.url_key(url) == want
    m = rules.plain(url)
    if m and m.group(1) == m.group(1).lower() and not m.group(1).endswith("."):
        assert rules.clean_url(url) == url


def test_a_prefix_is_written_short_only_when_its_letters_begin_no_other_word():
    """Search._compress writes a run of words as a prefix only when every indexed word with those letters is in the
    run: ya* (folded ia) stands for yak and yam, but not for yes (folded ies), so it cannot become "y"*."""
    import search_index
    import build
    conn = _indexed(build.TEXT_TOKENIZE, ["yak", "yam", "yes", "iamb"])
    search = search_index.search_fold.Search(conn)
    search.COMPRESS = 0

    def found(q):
        return _found(conn, search, q)
    assert found("ya*") == {1, 2, 4}
    assert '"y"*' not in search.search_fts("ya*")
    assert found("ye*") == {3}
    assert search.search_fts("y*") == '("iamb" OR "y"*)'  # yak, yam and yes: every word beginning with y
    assert found("y*") == {1, 2, 3, 4}


def test_a_name_index_drops_diacritics_from_latin_letters_only():
    """The names are indexed without diacritics, but unicode61 removes them from Latin letters only: Ž is kept as z,
    so Ž and Z find each other; Cyrillic Ӝ (dzh) is kept as it is and folds as dz, so Ž, Z and Ж do not find it (a
    case Hypothesis found, once the reference was asked what the index keeps rather than what NFD strips)."""
    import search_index
    import build
    conn = _indexed(build.FTS_TOKENIZE, ["Ž", "Ӝ", "Z", "dz"])
    search = search_index.search_fold.Search(conn)

    def found(q):
        return _found(conn, search, q)
    assert found("Ž") == found("z") == found("Ж") == {1, 3}
    assert found("Ӝ") == found("dz") == {2, 4}
