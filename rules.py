"""Rules about the data as a whole, checked on the loaded (temporary) database before anything is published.

The data package says what each cell may hold; these rules say how rows and tables must agree with each other
(a response's codes with its kind, a source's kind with its host...). Each rule is a function
``rule(conn, locate) -> list[Problem]``: ``conn`` is the temporary database with every table loaded, and
``locate(table, primary_key_value, column)`` gives the ``(file, line, column)`` of a cell, so every problem is
reported as ``file:line:column: message`` like the checks of the schema. The build runs them only when every
file passed those checks, and refuses to publish if any rule finds a problem.

Each rule below is one rule of docs/METHODOLOGY.md; tests/test_data.py breaks each on a fixture row.
"""
from __future__ import annotations

import bisect
import collections
import datetime as dt
import difflib
import functools
import importlib.util
import itertools
import math
import re
import sqlite3
import time
import urllib.parse
from pathlib import Path
from typing import Callable

RULES: list[Callable] = []
TIMES: dict[str, float] = {}  # seconds each rule took in the last check (build.py --timings prints them)


def rule(fn: Callable) -> Callable:
    RULES.append(fn)
    return fn


def check(conn: sqlite3.Connection, locate, names: set[str] | None = None) -> list:
    """The problems every rule (or those named) finds."""
    problems = []
    conn.execute("drop table if exists temp.rule_source_facts")  # facts of this run's data only (source_facts)
    _POLICY.clear()
    _POLICY[id(conn)] = (conn, policy(conn))
    try:
        for fn in RULES:
            if names is not None and fn.__name__ not in names:
                continue
            started = time.perf_counter()
            problems.extend(fn(conn, locate))
            TIMES[fn.__name__] = time.perf_counter() - started
    finally:
        conn.execute("drop table if exists temp.rule_source_facts")
        _POLICY.clear()
        _INDEXES.clear()
    return problems


def problem(locate, table: str, key, column: str, message: str):
    import build  # the Problem type; imported here so build.py can import this module first
    path, line, col = locate(table, key, column)
    return build.Problem(path, line, col, message)


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("select 1 from sqlite_master where name = ?", (name,)).fetchone() is not None


def rows(conn: sqlite3.Connection, sql: str, *args) -> list[dict]:
    cur = conn.execute(sql, args)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


# --------------------------------------------------------------------------- kinds: one act, one coding

CODED = ["response_type", "binding", "legal_basis", "is_sanction", "grounds"]
AXES = ["multilateral", "sanction_nature", "sanction_object", "scope"]


def exception_source(row: dict, sources: set[str]) -> str | None:
    """The source an exception names, if the exception is well formed and the source is one of the row's."""
    m = re.match(r"^(s-[a-z0-9-]+): \S", row.get("exception") or "")
    return m.group(1) if m and m.group(1) in sources else None


def by_combination(conn, columns: list[str], where: str = "1") -> list[tuple[dict, Callable[[], list[str]]]]:
    """Each distinct combination of `columns` among the responses (a few hundred, however many rows), with a
    function giving the ids of its rows: a rule about codes judges each combination once, not each row."""
    cols = ", ".join(f"[{c}]" for c in columns)
    out = []
    for combo in rows(conn, f"select {cols} from responses where {where} group by {cols}"):
        def ids(combo=combo):
            cond = " and ".join(f"[{c}] is ?" for c in columns)
            return [i for (i,) in conn.execute(f"select id from responses where ({where}) and {cond} order by id",
                                               tuple(combo[c] for c in columns))]
        out.append((combo, ids))
    return out


def kind_problems(r: dict, k: dict) -> list[tuple[str, str]]:
    """(column, message) for each code of a response (without an exception) that contradicts its kind."""
    out = []
    for col in CODED:
        allowed = (k[col] or "").split("|")
        if (r[col] or "") not in allowed:
            out.append((col, f"{col}: {r[col]!r} contradicts kind {r['kind']!r}, which gets {' or '.join(allowed)} "
                             f"(see kinds.csv; an exception needs a sourced note in the exception column)"))
    if r["is_sanction"] == "yes":
        for col in ("sanction_object", "scope"):
            allowed = (k[col] or "").split("|")
            if r[col] and r[col] not in allowed:
                out.append((col, f"{col}: {r[col]!r} contradicts kind {r['kind']!r}, which allows {' or '.join(allowed)}"))
        allowed = set((k["sanction_nature"] or "").split("|"))
        extra = [n for n in (r["sanction_nature"] or "").split(";") if n and n not in allowed]
        if extra:
            out.append(("sanction_nature", f"sanction_nature: {', '.join(extra)} not allowed for kind {r['kind']!r} "
                                           f"(allowed: {', '.join(sorted(allowed))})"))
    return out


@rule
def responses_follow_their_kind(conn, locate):
    """A response's codes are those of its kind, unless it carries an explicit, sourced exception."""
    if not has_table(conn, "kinds"):
        return []
    kinds = {k["id"]: k for k in rows(conn, "select * from kinds")}
    found: list[tuple[str, str, str]] = []
    for combo, ids in by_combination(conn, ["kind", *CODED, "sanction_object", "scope", "sanction_nature"],
                                     "exception is null"):
        k = kinds.get(combo["kind"])
        if k is None:
            continue  # the foreign key check reports it
        messages = kind_problems(combo, k)
        if messages:
            found += [(rid, col, msg) for rid in ids() for col, msg in messages]
    excepted = rows(conn, "select id from responses where exception is not null")
    if excepted:
        linked: dict[str, set] = {}
        for rid, sid in conn.execute("select response_id, source_id from response_sources where response_id in "
                                     "(select id from responses where exception is not null)"):
            linked.setdefault(rid, set()).add(sid)
        for r in rows(conn, "select id, exception from responses where exception is not null"):
            if exception_source(r, linked.get(r["id"], set())) is None:
                found.append((r["id"], "exception",
                              "exception: must read '<source id>: <reason>' and name one of the row's sources"))
    return [problem(locate, "responses", rid, col, msg) for rid, col, msg in sorted(found, key=lambda f: f[0])]


def axes_problems(r: dict) -> list[tuple[str, str]]:
    out = []
    if r["is_sanction"] == "yes":
        if r["grounds"] == "not_applicable":
            out.append(("grounds", "grounds: a sanction has grounds country_regime, thematic_regime or not_stated, not not_applicable"))
        for col in AXES + ["act_source"]:
            if not r.get(col):
                out.append((col, f"{col}: is required on a sanction (is_sanction = yes)"))
        nature = r["sanction_nature"] or ""
        parts = nature.split(";")
        if nature and parts != sorted(set(parts)):
            out.append(("sanction_nature",
                        f"sanction_nature: write each value once, in alphabetical order: {';'.join(sorted(set(parts)))}"))
    else:
        if r["grounds"] != "not_applicable":
            out.append(("grounds", f"grounds: {r['grounds']!r} on an act that is not a sanction; use not_applicable"))
        for col in AXES + ["act_source"]:
            if r.get(col):
                out.append((col, f"{col}: only sanctions (is_sanction = yes) have it"))
    return out


@rule
def sanction_axes_only_and_always_on_sanctions(conn, locate):
    """Sanctions carry the five axes; other acts carry none and have grounds not_applicable."""
    found = []
    for combo, ids in by_combination(conn, ["is_sanction", "grounds", *AXES, "act_source"]):
        messages = axes_problems(combo)
        if messages:
            found += [(rid, col, msg) for rid in ids() for col, msg in messages]
    return [problem(locate, "responses", rid, col, msg) for rid, col, msg in sorted(found, key=lambda f: f[0])]


MAX_NOT_STATED = 0.10


@rule
def grounds_not_stated_is_rare(conn, locate):
    """At most 10% of sanction rows may leave their grounds not_stated."""
    total = conn.execute("select count(*) from responses where is_sanction = 'yes'").fetchone()[0]
    vague = [r for (r,) in conn.execute("select id from responses where is_sanction = 'yes' and grounds = 'not_stated' order by id")]
    if total and len(vague) > MAX_NOT_STATED * total:
        return [problem(locate, "responses", vague[0], "grounds",
                        f"grounds: {len(vague)} of {total} sanction rows are not_stated (more than {MAX_NOT_STATED:.0%}); "
                        f"find the regime of some of them")]
    return []


HRC_SYMBOL = re.compile(r"^A/HRC/RES/[0-9]+/[0-9]+$")


@rule
def hrc_resolution_symbols_written_one_way(conn, locate):
    out = []
    for r in rows(conn, "select id, instrument from responses where kind = 'hrc-resolution' and instrument is not null"):
        if not HRC_SYMBOL.match(r["instrument"]):
            out.append(problem(locate, "responses", r["id"], "instrument",
                               f"instrument: write a Human Rights Council resolution as A/HRC/RES/<session>/<number>, not {r['instrument']!r}"))
    return out


# --------------------------------------------------------------------------- sources: who may be cited, and how

TRACKING = re.compile(r"^(utm_[a-z_]+|fbclid|gclid|mc_cid|mc_eid|BC)$", re.I)


# A URL of the plain shape the build accepts without a second look (build.SAFE_URL_RE): its host is the text between
# '://' and the first '/', '?' or '#', exactly what urlsplit's hostname gives, found without urlsplit's work.
PLAIN_URL = re.compile(r"https?://([A-Za-z0-9.-]+)(?:[/?#][^\s\\]*)?")


@functools.lru_cache(maxsize=1 << 16)
def host_of(url: str) -> str:
    m = PLAIN_URL.fullmatch(url)
    host = m.group(1) if m else urllib.parse.urlsplit(url).hostname
    return (host or "").rstrip(".").lower()


def clean_url(url: str) -> str:
    """The URL as it should be stored: lower-case scheme and host, no trailing dot on the host, no tracking parameters."""
    p = urllib.parse.urlsplit(url)
    netloc = p.netloc.lower()
    if "@" not in netloc:
        h, _, port = netloc.partition(":")
        netloc = h.rstrip(".") + (":" + port if port else "")
    q = "&".join(x for x in p.query.split("&") if x and not TRACKING.match(x.split("=", 1)[0]))
    return urllib.parse.urlunsplit((p.scheme.lower(), netloc, p.path, q, p.fragment))


def plain(url: str) -> re.Match | None:
    """A URL of the plain shape (PLAIN_URL) with no query and no fragment: clean_url and url_key need no urlsplit."""
    m = PLAIN_URL.fullmatch(url) if "?" not in url and "#" not in url else None
    return m if m and m.group(1)[0].isalnum() else None  # (a host that starts with a dot is left to urlsplit)


PUBLISHER_PREFIX = re.compile(r"^(www[0-9]?|amp|m)\.")  # www., m., amp.: the same publisher
AMP_PATH = re.compile(r"/amp(\.html)?/?$|/amp(?=/)")  # an AMP copy of a page: the same page


def url_key(url: str) -> str:
    """Two URLs with the same key are the same page: scheme, www./m./amp. prefixes, /amp and trailing slashes ignored."""
    m = plain(url)
    if m:
        host, path, query = m.group(1).lower().rstrip("."), url[m.end(1):], ""
    else:
        p = urllib.parse.urlsplit(clean_url(url))
        host, path, query = p.hostname or "", p.path, p.query
    return PUBLISHER_PREFIX.sub("", host) + AMP_PATH.sub("", path).rstrip("/") + ("?" + query if query else "")


def _indexed(items: list[dict], build: Callable):
    """An index of a list of policy rows, built once per list (the rules ask about every source and every link)."""
    hit = _INDEXES.get(id(items))
    if hit is None or hit[0] is not items:
        hit = _INDEXES[id(items)] = (items, build(items))
    return hit[1]


_INDEXES: dict[int, tuple] = {}


def _suffixes(host: str) -> list[str]:
    """example.gov.lt, gov.lt, lt: the host and every domain it belongs to, the most specific first."""
    parts = host.split(".")
    return [".".join(parts[i:]) for i in range(len(parts))]


def official_domain(host: str, domains: list[dict]) -> dict | None:
    """The most specific listed domain the host belongs to (worked out once per host: many sources share one)."""
    by_domain, known = _indexed(domains, lambda ds: ({d["domain"]: d for d in reversed(ds)}, {}))
    if host not in known:
        known[host] = next((by_domain[s] for s in _suffixes(host) if s in by_domain), None)
    return known[host]


class _Refusals:
    def __init__(self, patterns: list[dict]):
        self.patterns = patterns
        self.hosts: dict[str, int] = {}
        for i, p in enumerate(patterns):
            if p["match"] == "host":
                self.hosts.setdefault(p["pattern"].lower(), i)
        self.regexes = [(i, re.compile(p["pattern"])) for i, p in enumerate(patterns) if p["match"] == "regex"]
        try:  # one search for all of them; each one alone only when that one finds something
            self.any_regex = re.compile("|".join(f"(?:{rx.pattern})" for _, rx in self.regexes))
        except re.error:  # (a pattern with its own global flags cannot be joined)
            self.any_regex = None
        self.cache: dict[str, dict | None] = {}
        self.by_host: dict[str, list[int]] = {}  # host -> the host patterns that refuse it (many URLs share a host)

    def __call__(self, url: str) -> dict | None:
        """The first pattern in the list's order that refuses the URL, as a loop over the list would find it."""
        if url in self.cache:
            return self.cache[url]
        host = host_of(url)
        if host not in self.by_host:
            self.by_host[host] = [self.hosts[s] for s in _suffixes(host) if s in self.hosts]
        found = list(self.by_host[host])
        if self.regexes and (self.any_regex is None or self.any_regex.search(url)):
            found += [i for i, rx in self.regexes if rx.search(url)]
        hit = self.cache[url] = self.patterns[min(found)] if found else None
        return hit


def refusal(url: str, patterns: list[dict]) -> dict | None:
    return _indexed(patterns, _Refusals)(url)


def policy(conn) -> tuple[list[dict], list[dict]]:
    """The official domains and refused patterns, read once per check (so their indexes are built once)."""
    if id(conn) in _POLICY and _POLICY[id(conn)][0] is conn:
        return _POLICY[id(conn)][1]
    domains = rows(conn, "select * from official_domains") if has_table(conn, "official_domains") else []
    patterns = rows(conn, "select * from refused_sources") if has_table(conn, "refused_sources") else []
    return domains, patterns


_POLICY: dict[int, tuple] = {}  # filled by check() for the run's connection


def awaiting(conn) -> set[str]:
    if not has_table(conn, "sources_awaiting_replacement"):
        return set()
    return {s for (s,) in conn.execute("select source_id from sources_awaiting_replacement")}


@rule
def official_kind_only_on_official_domains(conn, locate):
    domains, patterns = policy(conn)
    out = []
    for s in rows(conn, "select id, url, source_kind from sources"):
        if s["source_kind"] not in ("official", "intergovernmental") or refusal(s["url"], patterns):
            continue
        d = official_domain(host_of(s["url"]), domains)
        if d is None:
            out.append(problem(locate, "sources", s["id"], "source_kind",
                               f"source_kind: {s['source_kind']} only for hosts listed in official_domains.csv; "
                               f"{host_of(s['url'])} is not (a repost of an official text is news)"))
        elif d["kind"] != s["source_kind"]:
            out.append(problem(locate, "sources", s["id"], "source_kind",
                               f"source_kind: pages on {d['domain']} ({d['owner']}) are {d['kind']}, not {s['source_kind']}"))
    return out


@rule
def no_refused_source(conn, locate):
    """A source on the refused list fails the build, unless it awaits replacement as some row's only source."""
    _, patterns = policy(conn)
    waiting = awaiting(conn)
    out = []
    for s in rows(conn, "select id, url from sources"):
        p = refusal(s["url"], patterns)
        if p and s["id"] not in waiting:
            out.append(problem(locate, "sources", s["id"], "url",
                               f"url: refused source ({p['category']}, {p['pattern']}): {p['reason']}"))
    for sid in sorted(waiting):
        s = conn.execute("select url from sources where id = ?", (sid,)).fetchone()
        if s and not refusal(s[0], patterns):
            out.append(problem(locate, "sources_awaiting_replacement", sid, "source_id",
                               f"source_id: {sid} is not refused; remove it from this list"))
    # The list may only hold what cannot be removed yet: a refused source that no response citing it could do
    # without (each has no other countable source), or one that a designation, a trigger or a name cites.
    for sid in sorted(waiting):
        for (rid,) in conn.execute("select response_id from response_sources where source_id = ? order by response_id", (sid,)):
            others = [u for (u,) in conn.execute(
                """select s.url from response_sources o join sources s on s.id = o.source_id
                   where o.response_id = ? and o.source_id != ?""", (rid, sid))]
            if any(not refusal(u, patterns) for u in others):
                out.append(problem(locate, "sources_awaiting_replacement", sid, "source_id",
                                   f"source_id: response {rid} also cites another source: drop its link to {sid}"))
    return out


@rule
def urls_clean_and_unique(conn, locate):
    out = []
    seen: dict[str, str] = {}
    for sid, url in (row for batch in batches(conn, "select id, url from sources order by id") for row in batch):
        m = plain(url)
        c = url if m and m.group(1) == m.group(1).lower() and not m.group(1).endswith(".") else clean_url(url)
        if c != url:
            out.append(problem(locate, "sources", sid, "url", f"url: store it as {c} (no tracking parameters, no trailing dot)"))
        k = url_key(url)
        if k in seen:
            out.append(problem(locate, "sources", sid, "url",
                               f"url: the same page as source {seen[k]} ({k}); merge the two ids and repoint response_sources"))
        else:
            seen[k] = sid
    return out


def publisher_of(url: str) -> str:
    return PUBLISHER_PREFIX.sub("", host_of(url))


def source_facts(conn) -> str:
    """A temporary table of what the rules need to know about each source, judged once per source in Python
    (host, refusal, official domain): the rules over responses are then one SQL query each. Returns its name."""
    if conn.execute("select 1 from temp.sqlite_master where name = 'rule_source_facts'").fetchone():
        return "temp.rule_source_facts"
    domains, patterns = policy(conn)
    conn.execute("""create temp table rule_source_facts (id text primary key, countable integer, official integer,
                    intergovernmental integer, act integer, publisher text)""")

    def facts():  # streamed from a cursor of its own while the inserts go on
        for sid, url, kind in conn.cursor().execute("select id, url, source_kind from sources"):
            official = kind in ("official", "intergovernmental")
            d = official_domain(host_of(url), domains) if official else None
            yield (sid, refusal(url, patterns) is None, official, kind == "intergovernmental",
                   bool(d and d["publishes_acts"] == "yes"), publisher_of(url))
    conn.executemany("insert into temp.rule_source_facts values (?, ?, ?, ?, ?, ?)", facts())
    return "temp.rule_source_facts"


# Per response, over its countable sources: any official one, how many publishers, any that is an act, any
# intergovernmental one (what sourcing_of and cites_act read, for every response at once).
PER_RESPONSE = """select rs.response_id as id, max(f.official) as official, count(distinct f.publisher) as publishers,
                         max(f.act) as act, max(f.intergovernmental) as intergovernmental
                  from response_sources rs join {facts} f on f.id = rs.source_id and f.countable
                  group by rs.response_id"""


def sourcing_of(sources: list[dict]) -> str:
    if any(s["source_kind"] in ("official", "intergovernmental") for s in sources):
        return "official"
    publishers = {publisher_of(s["url"]) for s in sources}
    return "multiple_independent" if len(publishers) >= 2 else "single_nonofficial"


@rule
def sourcing_says_what_the_row_rests_on(conn, locate):
    """sourcing is what sourcing_of makes of the row's countable sources (here as one query over every row)."""
    per = PER_RESPONSE.format(facts=source_facts(conn))
    out = []
    for rid, have, want in conn.execute(f"""
            select r.id, r.sourcing, case when p.official then 'official' when p.publishers >= 2
                                     then 'multiple_independent' else 'single_nonofficial' end as want
            from responses r left join ({per}) p on p.id = r.id
            where r.sourcing is not want order by r.id"""):
        out.append(problem(locate, "responses", rid, "sourcing", f"sourcing: {have!r}, but its sources make it {want!r}"))
    return out


# Kinds whose act is a decision an organisation publishes itself (its own page is the act).
SELF_PUBLISHED_KINDS = {"economic-withdrawal", "ilo-article-33-measure", "suspension-of-relations"}
PUBLISHING_ACTORS = ("international_organisation", "body_of_organisation")


def cites_act(row: dict, sources: list[dict], domains: list[dict], actor_type: str) -> bool:
    for s in sources:
        if s["source_kind"] not in ("official", "intergovernmental"):
            continue
        d = official_domain(host_of(s["url"]), domains)
        if d and d["publishes_acts"] == "yes":
            return True
        if row["kind"] in SELF_PUBLISHED_KINDS and actor_type in PUBLISHING_ACTORS and s["source_kind"] == "intergovernmental":
            return True
    return False


@rule
def sanctions_cite_their_act(conn, locate):
    """act_source = cited exactly when the row cites the act itself (cites_act, here as one query over every
    sanction); otherwise the row says the gap."""
    per = PER_RESPONSE.format(facts=source_facts(conn))
    kinds = ", ".join(f"'{k}'" for k in sorted(SELF_PUBLISHED_KINDS))
    actors = ", ".join(f"'{a}'" for a in PUBLISHING_ACTORS)
    out = []
    for rid, act_source, cited in conn.execute(f"""
            select r.id, r.act_source, coalesce(p.act or (r.kind in ({kinds}) and a.actor_type in ({actors})
                                                         and p.intergovernmental), 0) as cited
            from responses r join actors a on a.id = r.actor_id left join ({per}) p on p.id = r.id
            where r.is_sanction = 'yes' and (cited and r.act_source is not 'cited' or not cited and r.act_source = 'cited')
            order by r.id"""):
        if cited:
            out.append(problem(locate, "responses", rid, "act_source", "act_source: the row cites its act: write cited"))
        else:
            out.append(problem(locate, "responses", rid, "act_source",
                               "act_source: cited, but no source is the act (an official journal or legislation site); "
                               "write not_found or not_public"))
    return out


# --------------------------------------------------------------------------- public text and dates

WORKING_NOTES = re.compile(
    r"\b(round [0-9]+ used|in main|tool text|search tool|todo|fixme|helpers?|the corpus|stored corpus|excerpts?|"
    r"research slices?|this slice|the brief|brief (?:said|says|mentioned|mentions|referred|assumed|asked)|"
    r"lead (?:to verify|to check|may|should)|source id|title from url|"
    # what was read or checked while the row was made ("not stated on the pages read", "text not read"): the reader
    # needs what the sources cited say or do not say
    r"(?:pages?|sources?|texts?) read|(?:was|were|text|statement|page) not read|should be checked|"
    r"(?:was|were) not used because|"
    # instructions to whoever codes the row ("Keep 9 Aug as the date", "Consider type 'statement'"): the reader needs
    # what was decided and why
    r"keep [0-9]{1,2} [a-z]+ as|consider (?:type|kind|coding|recoding)|treat the (?:year|date|month|day) as)\b", re.I)

# How the sources were looked for ("not found in the index", "no official page found", "within search budget"): the
# reader needs which page is not among the sources, or what the sources cited do not state. ("No bomb was found" is
# a fact, not a search: the page, text or source must be named.) An expression of its own, with anchors of its own,
# so that the many texts with "found" in them are read by this short expression only.
SEARCH_NOTES = re.compile(
    r"\b(search (?:budget|index)|(?:found|not) in the (?:search )?index|"
    r"(?:pages?|originals?|statements?|texts?|decisions?|releases?|sources?|listings?|dates?|numbers?) (?:was |were )?"
    r"not (?:found|located)|"
    r"(?:only|no) (?:[\w.]+ ){0,4}(?:pages?|reprints?|reposts?|reports?|listings?|dates?|originals?|texts?|releases?|"
    r"sources?)(?: [\w.]+){0,3} (?:was |were )?found)\b", re.I)


# Every match of WORKING_NOTES contains one of NOTE_ANCHORS once lower-cased, every match of TITLE_NOTES one of
# TITLE_ANCHORS, every match of SEARCH_NOTES one of SEARCH_ANCHORS; the last three of each catch the letters a
# case-insensitive match reads as i, s or I (ı, ſ, İ). So a text with no anchor cannot match, and the whole column
# is searched for the anchors with str.find (C speed): only the texts around a hit are read with the regular
# expression. tests/test_properties.py checks the anchors against random matches of each expression.
UNICODE_CASE = ("ı", "ſ", "\u0307")
NOTE_ANCHORS = ("round ", "in main", "tool", "todo", "fixme", "helper", "corpus", "excerpt", "slice", "brief",
                "lead ", "source id", "title from url", " read", "checked", "not used", "keep ", "consider",
                "treat the", *UNICODE_CASE)
TITLE_ANCHORS = ("title", "headline", "shown", "url", *UNICODE_CASE)
SEARCH_ANCHORS = ("search budget", "search index", "in the index", "found", "located", *UNICODE_CASE)


def anchored(texts: list[str], anchors: tuple[str, ...]) -> list[int]:
    """Indexes of the texts that contain one of the anchors, lower-cased (each text's own offset in one string)."""
    return anchored_each(texts, [anchors])[0]


def anchored_each(texts: list[str], anchor_sets: list[tuple[str, ...]]) -> list[list[int]]:
    """anchored() for several sets of anchors, the texts lower-cased and joined once."""
    lowered = [t.lower() for t in texts]
    big = "\n".join(lowered)
    starts = [0, *itertools.accumulate(len(t) + 1 for t in lowered)]
    out = []
    for anchors in anchor_sets:
        hits = set()
        for anchor in anchors:
            at = big.find(anchor)
            while at != -1:
                i = bisect.bisect_right(starts, at) - 1
                hits.add(i)
                at = big.find(anchor, starts[i + 1])  # the rest of this text needs no second look
        out.append(sorted(hits))
    return out


def reader_text_problem(texts: list[str], regexes: list[tuple[tuple[str, ...], list[re.Pattern]]]) -> dict[int, str]:
    """For each text one of the regexes matches: its index -> the first match. Each group of regexes reads only the
    texts that contain one of its anchors."""
    found: dict[int, str] = {}
    for (_, group), hits in zip(regexes, anchored_each(texts, [anchors for anchors, _ in regexes])):
        for i in hits:
            if i in found:
                continue
            for rx in group:
                m = rx.search(texts[i])
                if m:
                    found[i] = m.group(0)
                    break
    return found


def batches(conn, sql: str, size: int = 20_000):
    """The rows of a query a batch at a time (memory stays flat however large the table)."""
    cur = conn.cursor()
    cur.execute(sql)
    while batch := cur.fetchmany(size):
        yield batch


@rule
def public_text_is_for_readers(conn, locate):
    out = []
    notes = [(NOTE_ANCHORS, [WORKING_NOTES]), (SEARCH_ANCHORS, [SEARCH_NOTES])]
    for batch in batches(conn, "select id, title, description, notes from responses"):
        cells = [(rid, col, text) for rid, *texts in batch
                 for col, text in zip(("title", "description", "notes"), texts) if text]
        for i, said in sorted(reader_text_problem([c[2] for c in cells], notes).items()):
            rid, col, _ = cells[i]
            out.append(problem(locate, "responses", rid, col,
                               f"{col}: {said!r} is about how the data was made; say what a reader needs"))
    for table in ("targets", "designations"):  # their notes are shown on their pages too
        for batch in batches(conn, f"select id, notes from {table} where notes is not null and notes != ''"):
            for i, said in sorted(reader_text_problem([n for _, n in batch], notes).items()):
                out.append(problem(locate, table, batch[i][0], "notes",
                                   f"notes: {said!r} is about how the data was made; say what a reader needs"))
    titles_rx = [(NOTE_ANCHORS + TITLE_ANCHORS, [WORKING_NOTES, TITLE_NOTES]), (SEARCH_ANCHORS, [SEARCH_NOTES])]
    for batch in batches(conn, "select id, title from sources"):
        titles = [(sid, title) for sid, title in batch if title]
        for i, said in sorted(reader_text_problem([t for _, t in titles], titles_rx).items()):
            how = "how the sources were looked for" if SEARCH_NOTES.search(said) else "how the title was read"
            out.append(problem(locate, "sources", titles[i][0], "title",
                               f"title: {said!r} is about {how}; give the page's title, or a "
                               "description of the page in [square brackets] when it shows none"))
    return out


# How a source's title was read ("title from URL", "headline inferred from URL", "no title shown") is not its title.
TITLE_NOTES = re.compile(
    r"\b(?:(?:title|headline)s? (?:not shown|from (?:the )?url|inferred|rendered|reconstructed|as shown)|"
    r"no title shown|not shown in (?:the )?excerpt|from the url slug|inferred from (?:the )?url)\b", re.I)


MONTH_NOTE = re.compile(r"\bmonth precision\b|\bmonth only\b", re.I)


@rule
def dates_and_their_notes_agree(conn, locate):
    out = []
    # (every match of MONTH_NOTE contains 'month', which LIKE finds in any case: no letter of it has another case form)
    for r in rows(conn, "select id, date, date_precision, notes from responses where date_precision = 'day' "
                        "and notes like '%month%' order by rowid"):
        if MONTH_NOTE.search(r["notes"] or ""):
            out.append(problem(locate, "responses", r["id"], "notes",
                               f"notes: say month precision, but date {r['date']} stores a day; store {r['date'][:7]} "
                               f"with date_precision month, or rewrite the note"))
    return out


# Where public text names another row or a source (plugins/row_links.py finds the ids, and the row pages link them).
MENTION_TEXT = {"responses": ["title", "description", "notes"], "designations": ["program", "notes"],
                "targets": ["notes"], "triggers": ["description"]}


@functools.lru_cache(maxsize=None)
def plugin(name: str):
    """plugins/<name>.py, loaded once from its file (the plugins folder is not a package): the build shares their
    code with the site (row_links here, search_fold in search_index.py)."""
    spec = importlib.util.spec_from_file_location(f"belarus_{name}", Path(__file__).resolve().parent / "plugins" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@rule
def public_text_names_rows_that_exist(conn, locate):
    """An id named in a title, description or note is that of a response or a source of the dataset, in full."""
    if not has_table(conn, "responses") or not has_table(conn, "sources"):
        return []
    out = []
    for table, columns in MENTION_TEXT.items():
        if not has_table(conn, table):
            continue
        have = {r[1] for r in conn.execute(f'pragma table_info("{table}")')}
        columns = [c for c in columns if c in have]
        if not columns or "id" not in have:
            continue
        # (GLOB, in C, keeps only the texts with something shaped like an id: a year between hyphens, or "s-")
        where = " or ".join(f"[{c}] glob '*-[12][09][0-9][0-9]-*' or [{c}] glob '*s-[a-z0-9]*-*'" for c in columns)
        for row in conn.execute(f'select id, {", ".join(f"[{c}]" for c in columns)} from "{table}" where {where} '
                                f'order by rowid'):
            for col, text in zip(columns, row[1:]):
                for name in plugin("row_links").mentions(text or ""):
                    table_of = "sources" if name.startswith("s-") else "responses"
                    if conn.execute(f"select 1 from {table_of} where id = ?", (name,)).fetchone():
                        continue
                    out.append(problem(locate, table, row[0], col,
                                       f"{col}: names {name}, which is not the id of a {table_of[:-1]} here; write "
                                       f"the full id of an existing one, or name it in words"))
    return out


# --------------------------------------------------------------------------- duplicates

STOP = {"the", "a", "an", "of", "on", "in", "to", "and", "for", "with", "by", "its", "at", "over", "after", "from"}
SIMILAR = 0.5
WITHIN_DAYS = 3


TITLE_WORD = re.compile(r"[^\W_]+")


def words(title: str) -> list[str]:
    return [w for w in TITLE_WORD.findall((title or "").lower()) if w not in STOP]


def similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, words(a), words(b)).ratio()


def first_day(date: str) -> dt.date:
    return dt.date.fromisoformat(date if len(date) == 10 else date[:7] + "-01")


def last_day(date: str) -> dt.date:
    if len(date) == 10:
        return dt.date.fromisoformat(date)
    d = dt.date.fromisoformat(date[:7] + "-01")
    return (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


@functools.lru_cache(maxsize=1 << 16)
def period(date: str) -> tuple[int, int]:
    """The first and last day a date covers, as ordinals (a month-precision date spans its month; dates repeat
    across rows, so each is worked out once)."""
    return first_day(date).toordinal(), last_day(date).toordinal()


def _prefix(ws: list[str], freq: dict[str, int]) -> set[tuple[str, int]]:
    """The rarest words of a title, enough that two titles alike at SIMILAR or more share one of them.

    Titles alike at s or more (difflib's 2·M/T, M the words matched in order) have M ≥ s·(la + lb)/2 words in
    common, and lb ≥ la·s/(2 − s) (difflib's real_quick_ratio bound), so at least t = ceil(la·s/(2 − s)) words
    (a third of them at 0.5); two sets sharing t words share one of the first len − t + 1 in any fixed order
    (prefix filtering). Repeated words count as distinct tokens (word, n)."""
    keep = len(ws) - math.ceil(len(ws) * SIMILAR / (2 - SIMILAR) - 1e-9) + 1
    if len(set(ws)) == len(ws):  # no repeated word (most titles): each token is (word, 1)
        return {(w, 1) for _, w in sorted(zip(map(freq.__getitem__, ws), ws))[:keep]}
    seen: dict[str, int] = {}
    tokens = []
    for w in ws:
        seen[w] = seen.get(w, 0) + 1
        tokens.append((freq[w], w, seen[w]))
    tokens.sort()
    return {(w, n) for _, w, n in tokens[:keep]}


# Above this many comparisons per row on average, an actor's rows are swept through the index of their rarest words
# (_prefix_sweep) instead of being compared with every row of the window (_window_sweep).
WINDOW_LIMIT = 16


def duplicate_pairs(conn, window_limit: float = WINDOW_LIMIT) -> list[tuple[str, str, float]]:
    """Same actor, dates within three days (a month-precision date spans its month), similar titles.

    One actor at a time (rows sorted by actor, so only one actor's rows are in memory), swept in date order: each
    row is compared only with the earlier ones whose period ends at most three days before it starts. Where an
    actor has few rows in any such window (most actors: a few a week), each is compared with every one of them;
    where it has many, only with those with which it shares one of its rarest words (see _prefix). Either way the
    pairs found are exactly those a comparison of every pair would find (tests/test_properties.py runs both)."""
    pairs: list[tuple[str, str, float]] = []
    # '+actor_id': sorted by SQLite, not read through the actor index (which would read the table out of order)
    rows_by_actor = itertools.groupby(conn.execute("select actor_id, id, date, title from responses order by +actor_id"),
                                      key=lambda r: r[0])
    for _, group in rows_by_actor:
        acts = sorted((*period(date), rid, words(title)) for _, rid, date, title in group)
        if _window_work(acts) <= window_limit * len(acts):
            _window_sweep(acts, pairs)
        else:
            _prefix_sweep(acts, pairs)
    return sorted(pairs)


def _window_work(acts: list[tuple]) -> int:
    """How many comparisons _window_sweep would make: for each row, the earlier rows whose period ends at most three
    days before it starts (every row that ends earlier than that also starts earlier, so it is an earlier row)."""
    lasts = sorted(a[1] for a in acts)
    return sum(i - bisect.bisect_left(lasts, a[0] - WITHIN_DAYS) for i, a in enumerate(acts))


def _window_sweep(acts: list[tuple], pairs: list) -> None:
    """Each row against every earlier row whose period ends at most three days before it starts."""
    window: list[tuple] = []
    for first, last, rid, ws in acts:
        if window:
            window = [a for a in window if a[0] >= first - WITHIN_DAYS]
        entry = _entry(last, rid, ws)
        _alike(window, entry, pairs)
        window.append(entry)


def _prefix_sweep(acts: list[tuple], pairs: list) -> None:
    """Each row against the earlier rows of its window that share one of its rarest words."""
    freq: collections.Counter = collections.Counter()
    for a in acts:
        freq.update(a[3])  # (counted in C)
    # token -> earlier rows with it in their prefix (an empty title has the token EMPTY: two empty titles are
    # alike, an empty one and another are not); rows ending too early are dropped when their list is read
    postings: dict[tuple, list] = {}
    for first, last, rid, ws in acts:
        prefix = _prefix(ws, freq) or EMPTY
        candidates = {}
        for token in prefix:
            posted = postings.get(token)
            if posted:
                if posted[0][0] < first - WITHIN_DAYS or posted[-1][0] < first - WITHIN_DAYS:
                    posted[:] = [a for a in posted if a[0] >= first - WITHIN_DAYS]
                for a in posted:
                    if a[0] >= first - WITHIN_DAYS:
                        candidates[a[1]] = a
        entry = _entry(last, rid, ws)
        for token in prefix:
            postings.setdefault(token, []).append(entry)
        _alike(candidates.values(), entry, pairs)


def _entry(last: int, rid: str, ws: list[str]) -> tuple:
    distinct = frozenset(ws)
    return last, rid, ws, distinct, len(ws) - len(distinct)


def _alike(candidates, entry: tuple, pairs: list) -> None:
    """The candidates whose titles are alike at SIMILAR or more to the entry's, added to pairs."""
    _, rid, ws, distinct, repeats = entry
    size = len(ws)
    matcher = None
    for _, other, ows, odistinct, orepeats in candidates:
        # difflib's ratio is 2·M/T, M at most the distinct words both have plus the repeats of either: a
        # pair whose bound is under SIMILAR cannot be alike (a set intersection, in C, before difflib)
        total = size + len(ows)
        if total and 2 * (len(distinct & odistinct) + min(repeats, orepeats)) < SIMILAR * total:
            continue
        if matcher is None:
            matcher = difflib.SequenceMatcher(None, b=ws)
        matcher.set_seq1(ows)
        if matcher.real_quick_ratio() >= SIMILAR and matcher.quick_ratio() >= SIMILAR:
            # the earlier id first, as similar(a, b) compares them (difflib is not always symmetric)
            s = matcher.ratio() if other < rid else difflib.SequenceMatcher(None, ws, ows).ratio()
            if s >= SIMILAR:
                pairs.append((*sorted((other, rid)), s))


EMPTY = {("", 0)}


@rule
def no_duplicate_responses(conn, locate):
    allowed = set()
    if has_table(conn, "distinct_pairs"):
        allowed = {tuple(sorted(p)) for p in conn.execute("select response_id, other_id from distinct_pairs")}
    out = []
    for a, b, s in duplicate_pairs(conn):
        if (a, b) not in allowed:
            out.append(problem(locate, "responses", b, "title",
                               f"title: looks like a duplicate of {a} (same actor, within {WITHIN_DAYS} days, titles {s:.0%} alike); "
                               f"merge them, or list the pair in distinct_pairs.csv with the reason"))
    if has_table(conn, "distinct_pairs"):
        actors = dict(conn.execute("select id, actor_id from responses"))
        for a, b in conn.execute("select response_id, other_id from distinct_pairs"):
            if a >= b:
                out.append(problem(locate, "distinct_pairs", (a, b), "response_id",
                                   "response_id: write the pair in alphabetical order (response_id < other_id)"))
            elif actors.get(a) != actors.get(b):
                out.append(problem(locate, "distinct_pairs", (a, b), "other_id",
                                   "other_id: the two responses have different actors, so they cannot be confused; remove the pair"))
    return out
