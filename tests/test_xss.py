"""Stored XSS: payloads in every text field, every page type loaded in a real Chromium.
No dialog fires, no payload runs, and every outbound link is http(s) with rel="noopener noreferrer"."""
import csv
import io
import re
import shutil

import pytest

import build
from conftest import ROOT, VALID, serve, write_csv

pytestmark = pytest.mark.browser
PAYLOADS = [
    "<script>window.__xss=1;alert(1)</script>",
    '"><img src=x onerror="window.__xss=1;alert(1)">',
    "javascript:window.__xss=1;alert(1)",
    "<svg onload=\"window.__xss=1;alert(1)\">",
    "' onmouseover='window.__xss=1' x='",
    "{{ 7*7 }}{% raw %}",
]
# Columns whose values are free text (ids, enumerations, dates, numbers and URLs are validated).
FREE_TEXT = {"name", "title", "description", "notes", "instrument", "publisher", "supports", "label", "role",
             "name_be", "name_ru", "name_variants", "program"}


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    data = tmp_path_factory.mktemp("hostile") / "data"
    data.mkdir()
    n = 0
    for name, rows in VALID.items():
        header, body = rows[0], [list(r) for r in rows[1:]]
        for row in body:
            for i, col in enumerate(header):
                if col in FREE_TEXT:
                    row[i] = PAYLOADS[n % len(PAYLOADS)] + f" {col}"
                    n += 1
                    if f"{col}_source_id" in header:  # a name needs its source
                        row[header.index(f"{col}_source_id")] = "s-one"
        write_csv(data / name, [header] + body)
    types = list(csv.reader(io.StringIO((ROOT / "data" / "response_types.csv").read_text())))
    for i, row in enumerate(types[1:]):
        row[1] = PAYLOADS[i % len(PAYLOADS)] + " label"
    write_csv(data / "response_types.csv", types)
    db = data.parent / "belarus.db"
    build.build(data, db)
    with serve(db) as base:
        yield base


PAGES = ["/", "/belarus", "/methodology",
         "/belarus/responses", "/belarus/responses_detailed", "/belarus/actors", "/belarus/actor_summary",
         "/belarus/sources", "/belarus/targets", "/belarus/designations_detailed", "/belarus/response_source_links",
         "/belarus/responses/r-one", "/belarus/responses/r-three", "/belarus/actors/xa", "/belarus/sources/s-one",
         "/belarus/targets/person-a", "/belarus/triggers/t-one", "/belarus/response_types/statement",
         "/belarus/search?q=script", "/belarus/search?q=%3Cscript%3E",
         "/belarus/target_history?name=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
         "/belarus/actor_responses?actor=%22%3E%3Cscript%3Ealert(1)%3C/script%3E",
         "/belarus/latest_responses", "/belarus/counter_measures", "/belarus/funding", "/belarus/sanctions_timeline?actor=",
         "/belarus/responses?_search=%3Cscript%3E", "/belarus/responses?title__contains=%3Csvg",
         # Journeys (issue 14): corrected searches echo the reader's input, pickers fill lists from the data, the map's
         # popups and the charts' legends show data text, ids become links.
         "/belarus/search?q=%22%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
         "/belarus/search?q=NOT%20%3Cscript%3Ealert(1)%3C/script%3E",
         "/belarus/find_names?q=%3Csvg%20onload%3Dalert(1)%3E%20OR",
         "/belarus/find_names?q=name",
         "/belarus/responses_to_trigger?trigger=%3Cscript%3Ealert(1)%3C/script%3E",
         "/belarus/responses_to_trigger?trigger=",
         "/belarus/map_responses?from=&to=&type=&actor=",
         "/belarus/map_responses?from=%3Cscript%3E&to=&type=%22%3E%3Cimg&actor=",
         "/belarus/chart_responses_per_month", "/belarus/chart_sanctions_per_year",
         "/belarus/alignment_lag", "/belarus/target_history?name="]


@pytest.mark.parametrize("path", PAGES)
def test_no_payload_executes(page, hostile_site, path):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(hostile_site + path, wait_until="networkidle")
    page.mouse.move(10, 10)
    for el in page.locator("td:visible, dd:visible, li:visible, p:visible").all()[:150]:
        el.hover(timeout=2000, force=True)
    assert dialogs == [], dialogs
    assert page.evaluate("window.__xss") is None
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => [e.getAttribute('href'), e.getAttribute('rel') || ''])")
    for href, rel in hrefs:
        assert not re.match(r"\s*(javascript|data|vbscript):", href, re.I), href
        if "example.org" in href:  # every link that comes from the data (sources, websites)
            assert "noopener" in rel and "noreferrer" in rel, (href, rel)
    # The payload text is shown as text, not swallowed or turned into markup.
    if "/responses/" in path or "/actors/" in path or "/targets/" in path:
        body = page.inner_text("body")
        assert any(p.strip() in body for p in PAYLOADS), body[:500]


def test_feed_titles_and_popups_carry_no_markup(hostile_site):
    """What the data or the address puts in a feed title is XML-escaped text; map popups are JSON the map escapes."""
    import json
    import urllib.parse
    import urllib.request
    import feedparser
    q = urllib.parse.quote('<script>alert(1)</script>')
    raw = urllib.request.urlopen(hostile_site + f"/belarus/feed_actor.atom?actor={q}").read()
    assert b"<script>" not in raw
    feed = feedparser.parse(raw)
    assert not feed.bozo and feed.feed.title == "Belarus responses: <script>alert(1)</script>"
    raw = urllib.request.urlopen(hostile_site + "/belarus/feed_actor.atom?actor=xa").read()
    assert b"<script>" not in raw and not feedparser.parse(raw).bozo
    rows = json.loads(urllib.request.urlopen(hostile_site + "/belarus/map_responses.json?from=&to=&type=&actor=&_shape=array").read())
    for row in rows:
        popup = json.loads(row["popup"])
        assert popup["link"].startswith("/belarus/responses/")
