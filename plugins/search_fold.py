"""Search that reads a query the way a reader means it, in any script or spelling.

Two halves share one folding function, so the index and the query can never disagree:

- `fold(text)` turns Belarusian and Russian Cyrillic, Latin with diacritics and łacinka into one Latin
  skeleton: anyascii transliterates, then the variants that romanisations disagree on collapse
  (kh/h/ch/g, sh/š, zh/ž, ts/c, y/i/j, ya/ia/ja, ё/е, і/и, ў/у/w, -ov-/-ou-, and the Belarusian akanye
  o/a), so Лукашенко, Лукашэнка, Lukashenko, Lukashenka, Lukašenka and Łukašenka all fold to `lukasenka`.
  search_index.py (at build time) folds every word of the plain FTS5 indexes (responses_fts, targets_fts,
  actors_fts) into the table `search_vocabulary` (fold, term): the vocabulary is folded, not the text.
- `parse(q)` reads what the reader typed — plain words, "phrases", OR, NOT (or a leading -), AND and a
  trailing * for a prefix — and folds each term; `Search` (one per connection) looks up every word of the
  indexes with the same fold and writes a valid FTS5 expression that asks for any of them:
  Лукашенко becomes ("lukashenka" OR "lukashenko" OR "лукашенко" OR "лукашэнка"). Input FTS5 cannot read
  (a lone quote, NOT with nothing before it, brackets) is corrected, never passed on: the page says what
  was changed and which search was run instead.

Datasette's `escape_fts` is replaced (see Search.escape_fts), so a table's own search box (?_search=) works the
same way on responses, targets and actors. SQL functions for the canned queries: `search_fts(q)` (the FTS5
expression, or null when nothing is left to search), `search_notice(q)` (what was corrected, or null),
`search_snippet(text, q)` (a window of the text around the words that matched, marked with [[ ]] — safe_links.py
escapes it and turns the marks into <mark>), `fold(text)`.
"""
from __future__ import annotations

import bisect
import itertools
import re
import sqlite3
import unicodedata
from functools import lru_cache

from anyascii import anyascii
from datasette import hookimpl

WORD = re.compile(r"[^\W_]+(?:['’ʼ][^\W_]+)*")
# A word as the FTS5 indexes cut it (unicode61: letters and digits; an apostrophe separates), so Lukashenka's is
# the two words lukashenka and s, and a search for Lukashenka finds it.
TOKEN = re.compile(r"[^\W_]+")
# Latin letters whose value the romanisations agree on, but anyascii would flatten (š -> s): keep the sound.
LATIN_PRE = str.maketrans({"š": "sh", "ž": "zh", "č": "ch", "ŭ": "u", "ё": "е", "ў": "у"})
# Rules on the lower-case ASCII form, in order.
SKELETON = [
    (re.compile(r"x"), "ks"),
    (re.compile(r"shch|sch"), "s"),
    (re.compile(r"kh|ch"), "h"),
    (re.compile(r"zh"), "z"),
    (re.compile(r"sh"), "s"),
    (re.compile(r"ts|tz"), "c"),
    (re.compile(r"g"), "h"),
    (re.compile(r"[yj]"), "i"),
    (re.compile(r"w"), "u"),
    (re.compile(r"v(?=[^aeiou]|$)"), "u"),
    (re.compile(r"o"), "a"),
    (re.compile(r"([a-z])\1+"), r"\1"),  # letters only: 1999 is not 19
]


@lru_cache(maxsize=65536)
def fold_word(word: str, che: str = "ch") -> str:
    """One word to its skeleton. `che` is how Cyrillic ч is written first: 'ch' (English press, BGN) or
    'c' (č in ISO 9, the Belarusian national system and łacinka); the index keeps both forms."""
    if word.isascii() and word.isdigit():  # a number is its own fold (every rule is about letters)
        return word
    w = unicodedata.normalize("NFC", word.casefold()).replace("ч", che).translate(LATIN_PRE)  # (casefold: as FTS5)
    w = re.sub(r"[^a-z0-9]", "", anyascii(w).lower())
    for pattern, repl in SKELETON:
        w = pattern.sub(repl, w)
    return w


def fold(text: str | None) -> str:
    return " ".join(f for f in (fold_word(w) for w in WORD.findall(text or "")) if f)


def folds(word: str) -> set[str]:
    """The folds a word stands under: with a Cyrillic ч, both of its forms ('ch' and 'c'); never the empty fold."""
    out = {fold_word(word)}
    if "ч" in word.lower():
        out.add(fold_word(word, "c"))
    out.discard("")
    return out


def _prefix(raw: str) -> str:
    """Fold a prefix so it still matches when it ends inside a digraph (Lukash* must find lukasenka)."""
    ascii_form = re.sub(r"[^a-z0-9]", "", anyascii(raw.lower().translate(LATIN_PRE)).lower())
    if len(ascii_form) > 3 and ascii_form[-1] in "tskczhxg":
        raw = raw[:-1]
    return fold_word(raw)


class Term:
    """One term of a search: a word, or the words of a phrase (a word with an apostrophe is a phrase of its parts,
    as the index cut it), the last one perhaps a prefix."""

    def __init__(self, words: list[str], prefix: bool, phrase: bool):
        self.words, self.prefix, self.phrase = words, prefix, phrase
        parts = [p for w in words for p in TOKEN.findall(w)]
        folded = [fold_word(p) for p in parts]
        if prefix and folded:
            folded[-1] = _prefix(parts[-1])
        self.folded = [f for f in folded if f]

    def fts(self) -> str:
        return '"' + " ".join(self.folded) + '"' + ("*" if self.prefix else "")

    def fts_both(self) -> str:
        """The term as typed or folded (for a database without search_vocabulary)."""
        star = "*" if self.prefix else ""
        typed = '"' + " ".join(self.words).replace('"', "") + '"' + star
        folded = self.fts()
        return typed if typed == folded else f"({typed} OR {folded})"

    def show(self) -> str:
        text = " ".join(self.words)
        return (f'"{text}"' if self.phrase else text) + ("*" if self.prefix else "")


OPERATORS = {"OR", "AND", "NOT"}


@lru_cache(maxsize=1024)
def parse(q: str | None) -> tuple[tuple, tuple[str, ...], str]:
    """(the terms and operators, what was corrected, the search that was run, as the reader would type it)."""
    clean, notes = parse_terms(q)
    shown = " ".join(x if isinstance(x, str) else x.show() for x in clean)
    return tuple(clean), tuple(dict.fromkeys(notes)), shown


class Vocabulary:
    """The words of the FTS5 indexes by their folds: the table search_vocabulary (fold, term) of the database this
    connection reads (search_index.py writes it). Without that table (another database), `available` is False."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._available: bool | None = None

    def _rows(self, sql: str, args: tuple) -> list[str]:
        cursor = self.conn.cursor()
        cursor.row_factory = None  # a few short words: not the page's row factory
        return [r[0] for r in cursor.execute(sql, args)]

    @property
    def available(self) -> bool:
        if self._available is None:
            try:
                self._rows("select term from search_vocabulary limit 1", ())
                self._available = True
            except sqlite3.Error:
                self._available = False
        return self._available

    def exact(self, fold: str) -> list[str]:
        return self._rows("select term from search_vocabulary where fold = ? order by term", (fold,))

    def prefixed(self, prefix: str, limit: int) -> list[str]:
        """Every word whose fold begins with `prefix` (folds are ASCII), at most `limit` + 1 of them."""
        return self._rows("select distinct term from search_vocabulary where fold >= ? and fold < ? order by term "
                          "limit ?", (prefix, after(prefix), limit + 1))

    def starting(self, letters: str) -> int:
        """How many words of the indexes begin with `letters` (as the indexes keep them)."""
        return self._rows("select count(distinct term) from search_vocabulary where term >= ? and term < ?",
                          (letters, after(letters)))[0]


def after(prefix: str) -> str:
    """The first string greater than every string that begins with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def plain(letters: str) -> bool:
    """Letters every index keeps as they are (none has diacritics to strip), starting with a letter."""
    return letters[:1].isalpha() and all(not unicodedata.decomposition(ch) for ch in letters)


def quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


class Search:
    """The search functions of one connection: each term of a query becomes every word of the indexes that folds
    like it (the vocabulary of that connection's database). The database is immutable, so answers are cached."""

    MAX_WORDS = 20_000  # words a prefix may stand for; beyond, it is searched as a whole word (and the page says so)
    MAX_ATOMS = 64      # words and prefixes one folded word may become (each costs FTS5 a pass); beyond, the same
    COMPRESS = 16       # a prefix that stands for more words than this is written with shorter prefixes (_compress)
    MAX_PHRASES = 256   # spellings of a phrase searched as phrases; beyond, its words are searched anywhere

    def __init__(self, conn: sqlite3.Connection):
        self.vocabulary = Vocabulary(conn)
        self.run = lru_cache(maxsize=1024)(self._run)

    def _atoms(self, fold: str, prefix: bool, term: Term, notes: list[str]) -> list[tuple[str, bool]]:
        """The words of the indexes one folded word stands for, as (word, is a prefix). A number is its own fold
        and is not in the vocabulary: it is searched as it is (as a prefix too, which also finds 20th for 20*)."""
        number = fold.isdigit()
        if prefix:
            words = self.vocabulary.prefixed(fold, self.MAX_WORDS)
            atoms = self._compress(words) if len(words) > self.COMPRESS else [(w, False) for w in words]
            if len(words) > self.MAX_WORDS or len(atoms) > self.MAX_ATOMS:
                notes.append(f"“{term.show()}” begins too many different words in too many spellings, so "
                             f"“{fold}” was searched as a whole word; type more letters before the *")
                return self._atoms(fold, False, term, notes)
            return [(fold, True)] * number + atoms
        return [(fold, False)] * number + [(w, False) for w in self.vocabulary.exact(fold) if w != fold or not number]

    def _compress(self, words: list[str]) -> list[tuple[str, bool]]:
        """The words (sorted), each run of them that holds every word of the indexes beginning with the same letters
        written as those letters and a * (FTS5 reads a prefix in one pass, a list of words one pass each): the
        2,000 words of a* at 200k responses become a few prefixes (lukash* stays lukashenka, lukashenko...)."""
        out, i = [], 0
        while i < len(words):
            word, run = words[i], None
            for k in range(1, len(word) + 1):
                letters = word[:k]
                if not plain(letters):
                    break
                lo, hi = bisect.bisect_left(words, letters), bisect.bisect_left(words, after(letters))
                if lo == i and hi - lo > 1 and self.vocabulary.starting(letters) == hi - lo:
                    run = letters, hi
                    break
            if run:
                out.append((run[0], True))
                i = run[1]
            else:
                out.append((word, False))
                i += 1
        return out

    def _expression(self, term: Term, notes: list[str]) -> str:
        last = len(term.folded) - 1
        alts = [self._atoms(f, term.prefix and n == last, term, notes) for n, f in enumerate(term.folded)]
        if not all(alts):
            return quoted(" ".join(term.folded))  # a folded form no word of the indexes has: matches nothing

        def either(items: list[str]) -> str:
            return items[0] if len(items) == 1 else "(" + " OR ".join(items) + ")"

        if len(alts) == 1:
            return either([quoted(w) + "*" * star for w, star in alts[0]])
        count = 1
        for atoms in alts:
            count *= len(atoms)
        if count <= self.MAX_PHRASES:  # a phrase: every combination of spellings, in order
            return either([quoted(" ".join(w for w, _ in combo)) + "*" * combo[-1][1]
                           for combo in itertools.product(*alts)])
        notes.append(f"“{term.show()}” has too many spellings to search as a phrase, so its words were searched "
                     "anywhere in the text")
        return "(" + " AND ".join(either([quoted(w) + "*" * star for w, star in atoms]) for atoms in alts) + ")"

    def _run(self, q: str | None) -> tuple[str | None, str | None, str]:
        """(FTS5 expression or None, what was corrected or None, the search that was run)."""
        clean, parsed_notes, shown = parse(q)
        notes = list(parsed_notes)
        if not clean:
            return None, ("; ".join(notes) or None), ""
        write = (lambda t: self._expression(t, notes)) if self.vocabulary.available else Term.fts_both
        out: list[str] = []
        for x in clean:
            if not isinstance(x, str) and out and out[-1] not in OPERATORS:
                out.append("AND")  # FTS5 joins bare phrases by AND, but not a bracketed group: say it
            out.append(x if isinstance(x, str) else write(x))
        return " ".join(out), ("; ".join(dict.fromkeys(notes)) or None), shown

    def search_fts(self, q):
        return self.run(q)[0]

    def search_notice(self, q):
        fts, notes, shown = self.run(q)
        if not notes:
            return None
        if fts is None:
            return f"Nothing could be searched for: {notes}. Try plain words, such as: Belaruskali OR potash."
        return f"Your search was corrected: {notes}. Showing results for: {shown}"

    def escape_fts(self, q):
        """Datasette's escape_fts, replaced for every table search (?_search=) and every query that calls it: the
        same expression as search_fts, and input with nothing searchable matches nothing instead of raising an
        FTS5 error."""
        return self.run(q)[0] or NOTHING


NOTHING = '"x" NOT "x"'


def parse_terms(q: str | None) -> tuple[list, list[str]]:
    q = (q or "").strip()
    notes: list[str] = []
    seq: list = []
    i = 0
    while i < len(q):
        c = q[i]
        if c.isspace():
            i += 1
            continue
        if c == '"':
            end = q.find('"', i + 1)
            if end == -1:
                inner = q[i + 1:]
                notes.append("a quotation mark was not closed, so it was left out")
                i = len(q)
                words = WORD.findall(inner)
                if words:
                    seq.append(Term(words, False, len(words) > 1))
                continue
            words = WORD.findall(q[i + 1:end])
            prefix = q[end + 1:end + 2] == "*"
            i = end + 1 + prefix
            if words:
                seq.append(Term(words, prefix, True))
            else:
                notes.append("empty quotation marks were left out")
            continue
        if c in "()":
            notes.append("brackets are not supported, so they were left out")
            i += 1
            continue
        m = re.compile(r'[^\s"()]+').match(q, i)
        chunk = m.group(0)
        i = m.end()
        if chunk in OPERATORS:
            seq.append(chunk)
            continue
        if chunk.startswith("-") and len(chunk) > 1 and WORD.search(chunk):
            seq.append("NOT")
            chunk = chunk.lstrip("-")
        words = WORD.findall(chunk)
        if not words:
            notes.append(f"“{chunk}” has no letters or digits, so it was left out")
            continue
        seq.append(Term(words, chunk.endswith("*"), len(words) > 1))
    for t in seq:
        if not isinstance(t, str) and not t.folded:
            notes.append(f"“{t.show()}” has no letters that can be searched, so it was left out")
    seq = [t for t in seq if isinstance(t, str) or t.folded]
    # Operators need a term on each side.
    clean: list = []
    for item in seq:
        if isinstance(item, str):
            if not clean or isinstance(clean[-1], str):
                notes.append(f"{item} needs a word before it and after it (as in “Belaruskali {item} potash”), so it was left out")
                continue
        clean.append(item)
    while clean and isinstance(clean[-1], str):
        notes.append(f"{clean.pop()} at the end has nothing after it, so it was left out")
    return clean, notes


def search_snippet(text, q, width: int = 14):
    """A window of `text` around the first word that matches the search, matches marked with [[ ]]."""
    if not text:
        return text
    clean = parse(q)[0]
    whole, prefixes = set(), []
    for term in clean:
        if isinstance(term, str):
            continue
        for n, f in enumerate(term.folded):
            if len(f) == 1 and len(term.folded) > 1:
                continue  # the s of Lukashenka's, a letter of a phrase: not marked wherever it stands alone
            (prefixes.append(f) if term.prefix and n == len(term.folded) - 1 else whole.add(f))
    if not whole and not prefixes:
        return text[:200]
    matches = list(TOKEN.finditer(text))

    def hit(word):
        return any(f in whole or any(f.startswith(p) for p in prefixes) for f in folds(word))

    flags = [hit(m.group(0)) for m in matches]
    if not matches:
        return text[:200]
    first = flags.index(True) if True in flags else 0
    lo, hi = max(0, first - width // 2), min(len(matches), first + width)
    out, pos = [], matches[lo].start()
    for m, flag in zip(matches[lo:hi], flags[lo:hi]):
        out.append(text[pos:m.start()])
        out.append(f"[[{m.group(0)}]]" if flag else m.group(0))
        pos = m.end()
    end = matches[hi - 1].end()
    out.append(text[pos:end])
    return ("… " if lo > 0 else "") + "".join(out) + (" …" if hi < len(matches) else "")


def sql_functions(conn, search: "Search") -> None:
    """The SQL functions our canned queries call (also given to the benchmark's bare baseline, bench/bare_plugins)."""
    conn.create_function("fold", 1, fold, deterministic=True)
    conn.create_function("search_fts", 1, search.search_fts, deterministic=True)
    conn.create_function("search_notice", 1, search.search_notice, deterministic=True)
    conn.create_function("search_snippet", 2, search_snippet, deterministic=True)


@hookimpl(trylast=True)
def prepare_connection(conn):
    # trylast: after Datasette's own prepare_connection, so our escape_fts replaces its one.
    search = Search(conn)
    conn.create_function("escape_fts", 1, search.escape_fts, deterministic=True)
    sql_functions(conn, search)


# The canned queries whose parameter is a search, and that parameter.
SEARCH_PARAMS = {"search": "q", "target_history": "name", "find_names": "q"}


@hookimpl
def extra_template_vars(datasette, database):
    async def search_notice_for(canned_query, request):
        """For templates/query.html: what was corrected in this page's search, or None. Asked of the database's own
        connections, where prepare_connection has set up search_notice (Jinja awaits it: Datasette renders its
        templates in async mode)."""
        param = SEARCH_PARAMS.get(canned_query)
        if param is None or request is None or not database:
            return None
        q = request.args.get(param)
        if not q:
            return None
        return (await datasette.get_database(database).execute("select search_notice(?)", [q])).first()[0]
    return {"search_notice_for": search_notice_for}
