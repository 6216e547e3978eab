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
         "/belarus/responses?_search=%3Cscript%3E", "/belarus/responses?title__contains=%3Csvg"]


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
