"""Every page we template passes axe-core (WCAG 2.x A/AA) in Chromium with no serious or critical
violation, and stays usable on a 390-px phone screen. Screenshots go to tests/artifacts/."""
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PAGES = {
    "landing": "/",
    "response": "/belarus/responses/eu-council-2020-10-02-first-listings",
    "target": "/belarus/targets/alyaksandr-ryhorovich-lukashenka",
    "actor": "/belarus/actors/lt",
    "downloads": "/downloads",
    "methodology": "/methodology",
    "table": "/belarus/responses_detailed",
    "map": "/belarus/actor_summary",
    "chart": "/belarus/responses_over_time#g.mark=bar&g.x_column=year&g.x_type=ordinal&g.y_column=responses&g.y_type=quantitative&g.color_column=response_type",
    "search": "/belarus/search?q=potash",
    "search-corrected": "/belarus/search?q=%22",
    "event": "/belarus/responses_to_trigger?trigger=Ryanair",
    "event-empty": "/belarus/responses_to_trigger?trigger=volcano",
    "names": "/belarus/find_names?q=Lukashenka",
    "gallery-chart": "/belarus/chart_sanctions_per_year",
    "sliced-map": "/belarus/map_responses?from=2020-08&to=2020-08&type=statement&actor=",
    "lag": "/belarus/alignment_lag",
    "browse": "/belarus/responses_detailed?_col=id&_col=date&_col=actor_name&_col=response_type_label&_col=title&_col=description&_col=source_count",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_or_critical_axe_violations(page, server, name):
    page.goto(server + PAGES[name], wait_until="networkidle")
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], "\n".join(f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}" for v in bad)


@pytest.mark.parametrize("name", ["landing", "response", "target", "map", "chart", "event", "gallery-chart", "sliced-map"])
def test_usable_on_a_390px_phone(browser, server, name):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    page.goto(server + PAGES[name], wait_until="networkidle")
    page.wait_for_timeout(500)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"))
    # The page body does not scroll sideways (wide data tables scroll inside their own wrapper).
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 2, f"{name} is {overflow}px wider than the screen"
    assert page.locator("h1").first.is_visible()
    context.close()
