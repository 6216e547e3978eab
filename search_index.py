"""The cross-script search vocabulary, built once with the database.

The plain FTS5 indexes (responses_fts, targets_fts, actors_fts, written by build.py) keep each word as the
unicode61 tokenizer cuts it: lower-cased, without diacritics. `search_vocabulary` (fold, term) lists every word
(term) of those indexes under its folded form (plugins/search_fold.py: one Latin skeleton for Cyrillic, łacinka
and every common romanisation), a word with a Cyrillic ч under both of its forms ('ch' and 'c'). A search folds
what the reader typed, looks up the words with the same fold, and asks the plain index for any of them:
Лукашенко becomes ("lukashenka" OR "lukashenko" OR "лукашенко" OR "лукашэнка").

Folding the vocabulary (about 8,000 words in the real data; numbers need no entry: they are their own fold)
instead of every row's text keeps the build from reading and folding all the text a second time and from
writing a second index of it.

The text of the responses is indexed with its diacritics, so the fold of every word the index keeps is the fold of
the word as written (fold_word case-folds a word as the index does: µ is μ). The names (targets_fts, actors_fts) are indexed
without diacritics, and a few letters fold apart from what the index keeps of them: č is kept as c, but folds like
ch. For each name written with such a letter (diverging_letters() finds them), the fold of the word as written is
added to the word the index keeps (Čyhir: cyhir under both cihir and hihir); as that index keeps one word for
Čyhir and Cyhir, a search for either finds both names.
"""
from __future__ import annotations

import functools
import sqlite3

import sqlite_utils

from rules import plugin

search_fold = plugin("search_fold")

# Letters checked for a fold that differs from the fold of what unicode61 keeps of them (Latin, Greek, Cyrillic),
# each in a few neighbourhoods the skeleton rules look at.
LETTER_RANGES = [(0x80, 0x530), (0x1E00, 0x2000)]
CONTEXTS = ("{}", "a{}a", "{}h", "s{}", "k{}", "{}{}", "o{}v", "t{}s")


def _kept(db: sqlite_utils.Database, tokenize: str, words: list[str]) -> dict[int, str]:
    """What the index keeps of each word (1-based position in `words` -> term), for the words it keeps as one."""
    db.execute(f"create virtual table temp.kept_words using fts5(word, tokenize = '{tokenize}')")
    db.conn.executemany("insert into temp.kept_words (rowid, word) values (?, ?)", enumerate(words, 1))
    db.execute("create virtual table temp.kept_terms using fts5vocab(temp, kept_words, instance)")
    kept: dict[int, list[str]] = {}
    for term, doc in db.execute("select term, doc from temp.kept_terms"):
        kept.setdefault(doc, []).append(term)
    db.execute("drop table temp.kept_terms")
    db.execute("drop table temp.kept_words")
    return {doc: terms[0] for doc, terms in kept.items() if len(terms) == 1}


@functools.lru_cache(maxsize=4)
def diverging_letters(tokenize: str) -> str:
    """The letters whose fold differs from the fold of what the index keeps of them: č (kept as c, while č folds
    like ch), µ (kept as Greek μ) and a few more."""
    db = sqlite_utils.Database(sqlite3.connect(":memory:"))
    letters = [chr(i) for lo, hi in LETTER_RANGES for i in range(lo, hi) if chr(i).isalnum()]
    words = [c.format(ch, ch) for ch in letters for c in CONTEXTS]
    kept = _kept(db, tokenize, words)
    out = set()
    for n, word in enumerate(words, 1):
        if len(search_fold.TOKEN.findall(word)) != 1 or not search_fold.folds(word) <= search_fold.folds(kept.get(n, "")):
            out.add(letters[(n - 1) // len(CONTEXTS)])
    return "".join(sorted(out))


def diverging_words(db: sqlite_utils.Database, tokenize: str, view: str, columns: list[str]) -> set[tuple[str, str]]:
    """(fold of the word as written, word the index keeps) for every word of the indexed text written with a letter
    of diverging_letters() (none when the index keeps diacritics: then the text is not read)."""
    letters = diverging_letters(tokenize)
    if not letters:
        return set()
    written: set[str] = set()
    has = " or ".join(f"{c} glob '*[{letters}]*'" for c in columns)
    for row in db.execute(f"select {', '.join(columns)} from {view} where {has}"):
        for text in row:
            if text:
                written.update(w for w in search_fold.TOKEN.findall(text) if any(ch in w for ch in letters))
    words = sorted(written)
    return {(fold, term) for n, term in _kept(db, tokenize, words).items()
            for fold in search_fold.folds(words[n - 1])} if words else set()


def build(db: sqlite_utils.Database, indexes: dict[str, tuple[str, list[str], str]]) -> None:
    """search_vocabulary, from the FTS5 indexes given as {index: (table or view of its text, its columns, its
    tokenizer)} (build.py passes those it has just written)."""
    pairs: set[tuple[str, str]] = set()
    for index, (text, columns, tokenize) in indexes.items():
        db.execute(f"create virtual table temp.{index}_words using fts5vocab(main, {index}, row)")
        # A number is its own fold, and searched as it is (plugins/search_fold.py): it needs no entry.
        pairs.update((f, t) for (t,) in db.execute(f"select term from temp.{index}_words")
                     if not (t.isascii() and t.isdigit()) for f in search_fold.folds(t))
        db.execute(f"drop table temp.{index}_words")
        pairs |= diverging_words(db, tokenize, text, columns)
    db.execute("create table search_vocabulary (fold text not null, term text not null, "
               "primary key (fold, term)) without rowid")
    db.conn.executemany("insert into search_vocabulary (fold, term) values (?, ?)", sorted(pairs))
    # (a search counts the words that begin with some letters, to write a prefix instead of a list of words)
    db.execute("create index search_vocabulary_term on search_vocabulary (term)")
