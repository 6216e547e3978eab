"""Take screenshots of the site's main pages with Debian's Chromium (for docs/ and for looking).

    python scripts/screenshots.py BASE_URL OUT_DIR [--width 1280] [path ...]
"""
import argparse
import re
from pathlib import Path

from playwright.sync_api import sync_playwright

PAGES = {
    "landing": "/",
    "responses": "/belarus/responses_detailed",
    "row": "/belarus/responses/eu-council-2020-10-02-first-listings",
    "map": "/belarus/actor_summary",
    "chart": "/belarus/responses_over_time#g.mark=bar&g.x_column=year&g.x_type=ordinal&g.y_column=responses&g.y_type=quantitative&g.color_column=response_type",
    "search": "/belarus/search?q=potash",
}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("out", type=Path)
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("paths", nargs="*")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    pages = {re.sub(r"\W+", "_", p).strip("_") or "root": p for p in args.paths} or PAGES
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": 900})
        for name, path in pages.items():
            page.goto(args.base.rstrip("/") + path, wait_until="networkidle")
            page.wait_for_timeout(800)
            page.screenshot(path=str(args.out / f"{name}.png"), full_page=name in ("landing", "row"))
            print(args.out / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main()
