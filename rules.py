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

import datetime as dt
import difflib
import re
import sqlite3
import urllib.parse
from typing import Callable

RULES: list[Callable] = []


def rule(fn: Callable) -> Callable:
    RULES.append(fn)
    return fn


def check(conn: sqlite3.Connection, locate) -> list:
    problems = []
    for fn in RULES:
        problems.extend(fn(conn, locate))
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


@rule
def responses_follow_their_kind(conn, locate):
    """A response's codes are those of its kind, unless it carries an explicit, sourced exception."""
    if not has_table(conn, "kinds"):
        return []
    kinds = {k["id"]: k for k in rows(conn, "select * from kinds")}
    linked: dict[str, set] = {}
    for rid, sid in conn.execute("select response_id, source_id from response_sources"):
        linked.setdefault(rid, set()).add(sid)
    out = []
    for r in rows(conn, "select * from responses"):
        k = kinds.get(r["kind"])
        if k is None:
            continue  # the foreign key check reports it
        if r.get("exception"):
            if exception_source(r, linked.get(r["id"], set())) is None:
                out.append(problem(locate, "responses", r["id"], "exception",
                                   "exception: must read '<source id>: <reason>' and name one of the row's sources"))
            continue
        for col in CODED:
            allowed = (k[col] or "").split("|")
            if (r[col] or "") not in allowed:
                out.append(problem(locate, "responses", r["id"], col,
                                   f"{col}: {r[col]!r} contradicts kind {r['kind']!r}, which gets {' or '.join(allowed)} "
                                   f"(see kinds.csv; an exception needs a sourced note in the exception column)"))
        if r["is_sanction"] == "yes":
            for col in ("sanction_object", "scope"):
                allowed = (k[col] or "").split("|")
                if r[col] and r[col] not in allowed:
                    out.append(problem(locate, "responses", r["id"], col,
                                       f"{col}: {r[col]!r} contradicts kind {r['kind']!r}, which allows {' or '.join(allowed)}"))
            allowed = set((k["sanction_nature"] or "").split("|"))
            extra = [n for n in (r["sanction_nature"] or "").split(";") if n and n not in allowed]
            if extra:
                out.append(problem(locate, "responses", r["id"], "sanction_nature",
                                   f"sanction_nature: {', '.join(extra)} not allowed for kind {r['kind']!r} "
                                   f"(allowed: {', '.join(sorted(allowed))})"))
    return out


@rule
def sanction_axes_only_and_always_on_sanctions(conn, locate):
    """Sanctions carry the five axes; other acts carry none and have grounds not_applicable."""
    out = []
    for r in rows(conn, "select * from responses"):
        if r["is_sanction"] == "yes":
            if r["grounds"] == "not_applicable":
                out.append(problem(locate, "responses", r["id"], "grounds",
                                   "grounds: a sanction has grounds country_regime, thematic_regime or not_stated, not not_applicable"))
            for col in AXES + ["act_source"]:
                if not r.get(col):
                    out.append(problem(locate, "responses", r["id"], col, f"{col}: is required on a sanction (is_sanction = yes)"))
            nature = r["sanction_nature"] or ""
            parts = nature.split(";")
            if nature and parts != sorted(set(parts)):
                out.append(problem(locate, "responses", r["id"], "sanction_nature",
                                   f"sanction_nature: write each value once, in alphabetical order: {';'.join(sorted(set(parts)))}"))
        else:
            if r["grounds"] != "not_applicable":
                out.append(problem(locate, "responses", r["id"], "grounds",
                                   f"grounds: {r['grounds']!r} on an act that is not a sanction; use not_applicable"))
            for col in AXES + ["act_source"]:
                if r.get(col):
                    out.append(problem(locate, "responses", r["id"], col, f"{col}: only sanctions (is_sanction = yes) have it"))
    return out


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


def host_of(url: str) -> str:
    return (urllib.parse.urlsplit(url).hostname or "").rstrip(".").lower()


def under(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def clean_url(url: str) -> str:
    """The URL as it should be stored: lower-case scheme and host, no trailing dot on the host, no tracking parameters."""
    p = urllib.parse.urlsplit(url)
    netloc = p.netloc.lower()
    if "@" not in netloc:
        h, _, port = netloc.partition(":")
        netloc = h.rstrip(".") + (":" + port if port else "")
    q = "&".join(x for x in p.query.split("&") if x and not TRACKING.match(x.split("=", 1)[0]))
    return urllib.parse.urlunsplit((p.scheme.lower(), netloc, p.path, q, p.fragment))


def url_key(url: str) -> str:
    """Two URLs with the same key are the same page: scheme, www./m./amp. prefixes, /amp and trailing slashes ignored."""
    p = urllib.parse.urlsplit(clean_url(url))
    host = re.sub(r"^(www[0-9]?|amp|m)\.", "", p.hostname or "")
    path = re.sub(r"/amp(\.html)?/?$|/amp(?=/)", "", p.path).rstrip("/")
    return host + path + ("?" + p.query if p.query else "")


def official_domain(host: str, domains: list[dict]) -> dict | None:
    """The most specific listed domain the host belongs to."""
    best = None
    for d in domains:
        if under(host, d["domain"]) and (best is None or len(d["domain"]) > len(best["domain"])):
            best = d
    return best


def refusal(url: str, patterns: list[dict]) -> dict | None:
    host = host_of(url)
    for p in patterns:
        if p["match"] == "host" and under(host, p["pattern"].lower()):
            return p
        if p["match"] == "regex" and re.search(p["pattern"], url):
            return p
    return None


def policy(conn) -> tuple[list[dict], list[dict]]:
    domains = rows(conn, "select * from official_domains") if has_table(conn, "official_domains") else []
    patterns = rows(conn, "select * from refused_sources") if has_table(conn, "refused_sources") else []
    return domains, patterns


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
    for s in rows(conn, "select id, url from sources order by id"):
        c = clean_url(s["url"])
        if c != s["url"]:
            out.append(problem(locate, "sources", s["id"], "url", f"url: store it as {c} (no tracking parameters, no trailing dot)"))
        k = url_key(s["url"])
        if k in seen:
            out.append(problem(locate, "sources", s["id"], "url",
                               f"url: the same page as source {seen[k]} ({k}); merge the two ids and repoint response_sources"))
        else:
            seen[k] = s["id"]
    return out


def countable_sources(conn, patterns) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in rows(conn, """select rs.response_id, s.id, s.url, s.publisher, s.source_kind
                           from response_sources rs join sources s on s.id = rs.source_id"""):
        out.setdefault(r["response_id"], [])
        if not refusal(r["url"], patterns):
            out[r["response_id"]].append(r)
    return out


def sourcing_of(sources: list[dict]) -> str:
    if any(s["source_kind"] in ("official", "intergovernmental") for s in sources):
        return "official"
    publishers = {re.sub(r"^(www[0-9]?|amp|m)\.", "", host_of(s["url"])) for s in sources}
    return "multiple_independent" if len(publishers) >= 2 else "single_nonofficial"


@rule
def sourcing_says_what_the_row_rests_on(conn, locate):
    _, patterns = policy(conn)
    by_row = countable_sources(conn, patterns)
    out = []
    for r in rows(conn, "select id, sourcing from responses"):
        want = sourcing_of(by_row.get(r["id"], []))
        if r["sourcing"] != want:
            out.append(problem(locate, "responses", r["id"], "sourcing",
                               f"sourcing: {r['sourcing']!r}, but its sources make it {want!r}"))
    return out


# Kinds whose act is a decision an organisation publishes itself (its own page is the act).
SELF_PUBLISHED_KINDS = {"economic-withdrawal", "ilo-article-33-measure", "suspension-of-relations"}


def cites_act(row: dict, sources: list[dict], domains: list[dict], actor_type: str) -> bool:
    for s in sources:
        if s["source_kind"] not in ("official", "intergovernmental"):
            continue
        d = official_domain(host_of(s["url"]), domains)
        if d and d["publishes_acts"] == "yes":
            return True
        if (row["kind"] in SELF_PUBLISHED_KINDS and actor_type in ("international_organisation", "body_of_organisation")
                and s["source_kind"] == "intergovernmental"):
            return True
    return False


@rule
def sanctions_cite_their_act(conn, locate):
    """act_source = cited exactly when the row cites the act itself; otherwise the row says the gap."""
    domains, patterns = policy(conn)
    by_row = countable_sources(conn, patterns)
    out = []
    for r in rows(conn, """select r.id, r.kind, r.act_source, a.actor_type from responses r join actors a on a.id = r.actor_id
                           where r.is_sanction = 'yes'"""):
        cited = cites_act(r, by_row.get(r["id"], []), domains, r["actor_type"])
        if cited and r["act_source"] != "cited":
            out.append(problem(locate, "responses", r["id"], "act_source", "act_source: the row cites its act: write cited"))
        elif not cited and r["act_source"] == "cited":
            out.append(problem(locate, "responses", r["id"], "act_source",
                               "act_source: cited, but no source is the act (an official journal or legislation site); "
                               "write not_found or not_public"))
    return out


# --------------------------------------------------------------------------- public text and dates

WORKING_NOTES = re.compile(
    r"\b(round [0-9]+ used|in main|tool text|search tool|todo|fixme|helpers?|the corpus|stored corpus|excerpts?|"
    r"research slices?|this slice|the brief|brief (?:said|says|mentioned|mentions|referred|assumed|asked)|"
    r"lead (?:to verify|to check|may|should)|source id|title from url)\b", re.I)


@rule
def public_text_is_for_readers(conn, locate):
    out = []
    for r in rows(conn, "select id, title, description, notes from responses"):
        for col in ("title", "description", "notes"):
            m = WORKING_NOTES.search(r[col] or "")
            if m:
                out.append(problem(locate, "responses", r["id"], col,
                                   f"{col}: {m.group(0)!r} is about how the data was made; say what a reader needs"))
    for r in rows(conn, "select id, title from sources"):
        m = WORKING_NOTES.search(r["title"] or "") or TITLE_NOTES.search(r["title"] or "")
        if m:
            out.append(problem(locate, "sources", r["id"], "title",
                               f"title: {m.group(0)!r} is about how the title was read; give the page's title, or a "
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
    for r in rows(conn, "select id, date, date_precision, notes from responses"):
        if r["date_precision"] == "day" and MONTH_NOTE.search(r["notes"] or ""):
            out.append(problem(locate, "responses", r["id"], "notes",
                               f"notes: say month precision, but date {r['date']} stores a day; store {r['date'][:7]} "
                               f"with date_precision month, or rewrite the note"))
    return out


# --------------------------------------------------------------------------- duplicates

STOP = {"the", "a", "an", "of", "on", "in", "to", "and", "for", "with", "by", "its", "at", "over", "after", "from"}
SIMILAR = 0.5
WITHIN_DAYS = 3


def words(title: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", (title or "").lower()) if w not in STOP]


def similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, words(a), words(b)).ratio()


def first_day(date: str) -> dt.date:
    return dt.date.fromisoformat(date if len(date) == 10 else date[:7] + "-01")


def last_day(date: str) -> dt.date:
    if len(date) == 10:
        return dt.date.fromisoformat(date)
    d = dt.date.fromisoformat(date[:7] + "-01")
    return (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def duplicate_pairs(conn) -> list[tuple[str, str, float]]:
    """Same actor, dates within three days (a month-precision date spans its month), similar titles."""
    by_actor: dict[str, list[dict]] = {}
    for r in rows(conn, "select id, actor_id, date, title from responses order by id"):
        by_actor.setdefault(r["actor_id"], []).append(r)
    pairs = []
    for acts in by_actor.values():
        for i, a in enumerate(acts):
            for b in acts[i + 1:]:
                gap = max((first_day(b["date"]) - last_day(a["date"])).days, (first_day(a["date"]) - last_day(b["date"])).days, 0)
                if gap > WITHIN_DAYS:
                    continue
                s = similar(a["title"], b["title"])
                if s >= SIMILAR:
                    pairs.append((a["id"], b["id"], s))
    return pairs


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
