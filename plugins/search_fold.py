"""Search that reads a query the way a reader means it, in any script or spelling.

Two halves share one folding function, so the index and the query can never disagree:

- `fold(text)` turns Belarusian and Russian Cyrillic, Latin with diacritics and łacinka into one Latin
  skeleton: anyascii transliterates, then the variants that romanisations disagree on collapse
  (kh/h/ch/g, sh/š, zh/ž, ts/c, y/i/j, ya/ia/ja, ё/е, і/и, ў/у/w, -ov-/-ou-, and the Belarusian akanye
  o/a), so Лукашенко, Лукашэнка, Lukashenko, Lukashenka, Lukašenka and Łukašenka all fold to `lukasenka`.
  search_index.py (at build time) stores the folded text of every response, target and actor in
  contentless FTS5 tables (`*_fold`).
- `parse(q)` reads what the reader typed — plain words, "phrases", OR, NOT (or a leading -), AND and a
  trailing * for a prefix — folds each term and writes a valid FTS5 expression. Input FTS5 cannot read
  (a lone quote, NOT with nothing before it, brackets) is corrected, never passed on: the page says what
  was changed and which search was run instead.

Datasette's `escape_fts` is replaced (see escape_fts below), so a table's own search box (?_search=) works the
same way on responses, targets and actors. SQL functions for the canned queries: `search_fts(q)` (the FTS5 expression, or null when nothing is left
to search), `search_notice(q)` (what was corrected, or null), `search_snippet(text, q)` (a window of the
text around the words that matched, marked with [[ ]] — safe_links.py escapes it and turns the marks
into <mark>), `fold(text)`.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii
from datasette import hookimpl

WORD = re.compile(r"[^\W_]+(?:['’ʼ][^\W_]+)*")
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
    (re.compile(r"(.)\1+"), r"\1"),
]


@lru_cache(maxsize=65536)
def fold_word(word: str, che: str = "ch") -> str:
    """One word to its skeleton. `che` is how Cyrillic ч is written first: 'ch' (English press, BGN) or
    'c' (č in ISO 9, the Belarusian national system and łacinka); the index keeps both forms."""
    if word.isascii() and word.isdigit():  # (a number: only the last rule, repeated digits, changes it)
        return SKELETON[-1][0].sub(SKELETON[-1][1], word)
    w = unicodedata.normalize("NFC", word.lower()).replace("ч", che).translate(LATIN_PRE)
    w = re.sub(r"[^a-z0-9]", "", anyascii(w).lower())
    for pattern, repl in SKELETON:
        w = pattern.sub(repl, w)
    return w


def fold(text: str | None) -> str:
    return " ".join(f for f in (fold_word(w) for w in WORD.findall(text or "")) if f)


def _fold_c(word: str) -> str:
    return fold_word(word, "c")


def index_text(*texts: str | None) -> str:
    """The folded form of some texts for the index: with Cyrillic ч both as 'ch' and as 'č'.
    (Called for every row at build time: the loops are map/filter/join, which run in C.)"""
    out = []
    for text in texts:
        if not text:
            continue
        words = WORD.findall(text)
        out.append(" ".join(filter(None, map(fold_word, words))))
        if "ч" in text or "Ч" in text:
            out.append(" ".join(filter(None, map(_fold_c, words))))
    return " ".join(filter(None, out))


class IndexFolder:
    """index_text for many rows at build time, giving exactly what index_text gives.

    A row's texts are read with one regular-expression pass over the texts joined by spaces (a word never spans a
    space, and index_text joins the texts' folded words with spaces, dropping empty ones), and each word's fold
    comes from a plain dict (filled from fold_word the first time a word is met; map over a dict's __getitem__
    runs in C). A row with a Cyrillic ч goes through index_text itself, which adds the č form after each text."""

    LIMIT = 500_000  # words kept; the dict starts afresh beyond (ids make most words unique in a large build)
    # ASCII text without an apostrophe: its words (WORD) are its runs of ASCII letters and digits, which
    # bytes.translate and split find several times faster than the regular expression.
    ASCII_SPLIT = bytes(b if chr(b).isascii() and chr(b).isalnum() else 32 for b in range(256))

    def __init__(self):
        self.folds: dict = {}

    def __call__(self, *texts: str | None) -> str:
        text = " ".join(filter(None, texts))
        if "ч" in text or "Ч" in text:
            return index_text(*texts)
        if text.isascii() and "'" not in text:
            words = text.encode("ascii").translate(self.ASCII_SPLIT).split()  # bytes, so keys of their own
        else:
            words = WORD.findall(text)
        folds = self.folds
        missing = set(words).difference(folds)
        if missing:
            if len(folds) > self.LIMIT:
                folds.clear()
                missing = set(words)
            for w in missing:
                folds[w] = fold_word(w.decode("ascii") if isinstance(w, bytes) else w)
        return " ".join(filter(None, map(folds.__getitem__, words)))


def _prefix(raw: str) -> str:
    """Fold a prefix so it still matches when it ends inside a digraph (Lukash* must find lukasenka)."""
    ascii_form = re.sub(r"[^a-z0-9]", "", anyascii(raw.lower().translate(LATIN_PRE)).lower())
    if len(ascii_form) > 3 and ascii_form[-1] in "tskczhxg":
        raw = raw[:-1]
    return fold_word(raw)


class Term:
    def __init__(self, words: list[str], prefix: bool, phrase: bool):
        self.words, self.prefix, self.phrase = words, prefix, phrase
        folded = [fold_word(w) for w in words]
        if prefix and folded:
            folded[-1] = _prefix(words[-1])
        self.folded = [f for f in folded if f]

    def fts(self) -> str:
        return '"' + " ".join(self.folded) + '"' + ("*" if self.prefix else "")

    def fts_both(self) -> str:
        star = "*" if self.prefix else ""
        typed = '"' + " ".join(self.words).replace('"', "") + '"' + star
        folded = self.fts()
        return typed if typed == folded else f"({typed} OR {folded})"

    def show(self) -> str:
        text = " ".join(self.words)
        return (f'"{text}"' if self.phrase else text) + ("*" if self.prefix else "")


OPERATORS = {"OR", "AND", "NOT"}


@lru_cache(maxsize=1024)
def parse(q: str | None) -> tuple[str | None, str | None, str]:
    """(FTS5 expression or None, what was corrected or None, the search that was run, as the reader would type it)."""
    clean, notes = parse_terms(q)
    if not clean:
        return None, ("; ".join(dict.fromkeys(notes)) or None), ""
    fts = " ".join(x if isinstance(x, str) else x.fts() for x in clean)
    shown = " ".join(x if isinstance(x, str) else x.show() for x in clean)
    return fts, ("; ".join(dict.fromkeys(notes)) or None), shown


@lru_cache(maxsize=1024)
def escape_fts(q: str | None) -> str:
    """Datasette's escape_fts, replaced for every table search (?_search=) and every query that calls it: each term
    matches as typed or folded — ("Лукашенко" OR "lukasenka") — so the folded indexes (responses_fold, targets_fold,
    actors_fold, which metadata.yml names as the tables' fts_table) and the plain ones both find it; OR, NOT, phrases
    and prefixes work; input with nothing searchable matches nothing instead of raising an FTS5 error."""
    clean, _ = parse_terms(q)
    if not clean:
        return NOTHING
    return " ".join(x if isinstance(x, str) else x.fts_both() for x in clean)


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


def search_fts(q):
    return parse(q)[0]


def search_notice(q):
    fts, notes, shown = parse(q)
    if not notes:
        return None
    if fts is None:
        return f"Nothing could be searched for: {notes}. Try plain words, such as: Belaruskali OR potash."
    return f"Your search was corrected: {notes}. Showing results for: {shown}"


def search_snippet(text, q, width: int = 14):
    """A window of `text` around the first word that matches the search, matches marked with [[ ]]."""
    if not text:
        return text
    fts = parse(q)
    if fts[0] is None:
        return text[:200]
    whole, prefixes = set(), []
    for part in re.findall(r'"([^"]*)"(\*?)', fts[0]):
        words = part[0].split()
        for n, w in enumerate(words):
            (prefixes.append(w) if part[1] and n == len(words) - 1 else whole.add(w))
    matches = list(WORD.finditer(text))

    def hit(word):
        for f in {fold_word(word), fold_word(word, "c")}:
            if f in whole or any(f.startswith(p) for p in prefixes):
                return True
        return False

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


@hookimpl(trylast=True)
def prepare_connection(conn):
    # trylast: after Datasette's own prepare_connection, so our escape_fts replaces its one.
    conn.create_function("escape_fts", 1, escape_fts, deterministic=True)
    conn.create_function("fold", 1, fold, deterministic=True)
    conn.create_function("search_fts", 1, search_fts, deterministic=True)
    conn.create_function("search_notice", 1, search_notice, deterministic=True)
    conn.create_function("search_snippet", 2, search_snippet, deterministic=True)


# The canned queries whose parameter is a search, and that parameter.
SEARCH_PARAMS = {"search": "q", "target_history": "name", "find_names": "q"}


def search_notice_for(canned_query, request):
    """For templates/query.html: what was corrected in this page's search, or None."""
    param = SEARCH_PARAMS.get(canned_query)
    if param is None or request is None:
        return None
    q = request.args.get(param)
    return search_notice(q) if q else None


@hookimpl
def extra_template_vars():
    return {"search_notice_for": search_notice_for}
