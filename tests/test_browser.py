"""What only a browser shows: the map draws with our tiles, a chart link draws a chart,
facets filter on click, the SQL editor runs a query. Real Chromium, real server."""
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def test_map_draws_markers_with_local_tiles(page, server):
    requests = []
    page.on("request", lambda req: requests.append(req.url))
    page.goto(server + "/belarus/actor_summary", wait_until="networkidle")
    page.wait_for_selector(".leaflet-container")
    page.wait_for_function("document.querySelectorAll('.leaflet-tile-loaded').length > 0")
    markers = page.locator(".leaflet-marker-icon")
    assert markers.count() > 0
    tiles = [u for u in requests if "/-/tiles/" in u]
    assert tiles and all(u.startswith(server) for u in tiles)
    # No reader is sent anywhere else.
    assert [u for u in requests if not u.startswith(server) and not u.startswith("data:")] == []
    shot(page, "map")


def test_chart_link_renders_a_chart(page, server):
    page.goto(server + "/", wait_until="networkidle")
    page.get_by_role("link", name=re.compile("Chart: responses over time")).click()
    page.wait_for_load_state("networkidle")
    page.wait_for_selector(".vega-embed svg, .vega-embed canvas, svg.marks, canvas.marks", timeout=15000)
    # Bars are drawn for the data (vega renders marks as paths in an SVG or on a canvas).
    assert page.locator("svg.marks, canvas.marks").count() >= 1
    shot(page, "chart")


def test_clicking_a_facet_filters_the_table(page, server):
    page.goto(server + "/belarus/responses", wait_until="networkidle")
    total = int(re.search(r"([\d,]+) rows?", page.locator("h3").first.inner_text()).group(1).replace(",", ""))
    item = page.locator(".facet-info[data-column='response_type'] li").first
    label = item.inner_text()
    item.locator("a").first.click()
    page.wait_for_load_state("networkidle")
    assert "response_type=" in page.url
    filtered = int(re.search(r"([\d,]+) rows?", page.locator("h3").first.inner_text()).group(1).replace(",", ""))
    assert 0 < filtered <= total
    expected = int(re.search(r"([\d,]+)\s*$", label).group(1).replace(",", ""))
    assert filtered == expected


def test_sql_editor_runs_a_query(page, server):
    page.goto(server + "/belarus", wait_until="networkidle")
    editor = page.locator(".CodeMirror")
    editor.wait_for()
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("select count(*) as n from responses where is_sanction = 'yes'")
    page.locator("form.sql input[type=submit], form.sql button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    assert "is_sanction" in page.url
    cell = page.locator("table.rows-and-columns td.col-n").first
    assert int(cell.inner_text()) > 0


def test_landing_search_box_finds_responses(page, server):
    page.goto(server + "/", wait_until="networkidle")
    page.fill("input#q", "sanctions")
    page.press("input#q", "Enter")
    page.wait_for_load_state("networkidle")
    assert page.locator("table.rows-and-columns tbody tr").count() > 0
    assert page.locator("table.rows-and-columns mark").count() > 0


# Counts the chart's drawn pixels: a canvas that is there but blank (or white) has none.
DRAWN_PIXELS = """() => {
  const c = document.querySelector('figure.chart canvas');
  if (!c) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) { if (d[i + 3] > 0 && (d[i] < 230 || d[i + 1] < 230 || d[i + 2] < 230)) n++; }
  return n;
}"""
# Which of the eight series colours the chart shows (at least 40 pixels each).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
COLOURS = """(palette) => {
  const c = document.querySelector('figure.chart canvas');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const want = palette.map(h => [1, 3, 5].map(i => parseInt(h.slice(i, i + 2), 16)).join(','));
  const seen = {};
  for (let i = 0; i < d.length; i += 4) { const k = d[i] + ',' + d[i + 1] + ',' + d[i + 2]; if (want.includes(k)) seen[k] = (seen[k] || 0) + 1; }
  return Object.values(seen).filter(n => n > 40).length;
}"""


def test_every_chart_in_the_gallery_draws_on_arrival(page, server):
    page.goto(server + "/", wait_until="networkidle")
    links = [a.inner_text() for a in page.locator("ul.charts a").all()]
    assert len(links) >= 4
    for text in links:
        page.goto(server + "/", wait_until="networkidle")
        page.locator("ul.charts").get_by_role("link", name=text, exact=True).click()
        page.wait_for_load_state("networkidle")
        page.wait_for_selector("figure.chart[data-drawn=yes] canvas", timeout=15000)
        assert page.evaluate(DRAWN_PIXELS) > 2000, text
        assert page.evaluate(COLOURS, PALETTE) >= 2, text
        assert page.title().startswith("Chart:")
        shot(page, "chart-" + page.url.rstrip("/").split("/")[-1].split("?")[0])
