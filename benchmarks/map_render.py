"""How big map.html is and how fast headless Chromium renders it, offline (issue 14).

For each map.html given (e.g. ``results/map.html`` written by ``planner run``), opens it in Debian's
``chromium`` through playwright with every non-file request blocked, and prints: file size (MB), the time from
navigation until the page's script has drawn every layer (``window.plannerMapReady``, ms), the time to switch
on the people-beyond-reach grid and draw it (ms, when the map has one), and any console error.

Usage: python benchmarks/map_render.py results/map.html [more/map.html ...]
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
from datetime import date
from pathlib import Path

from playwright.sync_api import sync_playwright

TOGGLE = """() => new Promise(function (done) {
    var m = window.plannerMap, began = performance.now();
    if (!m.layers.unreached) { done(null); return; }
    m.map.addLayer(m.layers.unreached); m.order();
    window.requestAnimationFrame(function () { done(performance.now() - began); }); })"""


def measure(path: Path, chromium: str) -> dict:
    """Size, render and grid-toggle times of one map.html (ms), and console errors."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1400, "height": 900}, offline=True)
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                      else route.abort())
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(path.resolve().as_uri())
        page.wait_for_function("window.plannerMapReady !== undefined", timeout=120_000)
        ready = float(page.evaluate("window.plannerMapReady"))
        toggle = page.evaluate(TOGGLE)
        browser.close()
    return {"map_html": str(path), "mb": round(path.stat().st_size / 1e6, 2), "render_ms": round(ready),
            "grid_toggle_ms": None if toggle is None else round(toggle), "errors": errors}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("maps", nargs="+", type=Path)
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("needs Debian's chromium: apt-get install chromium", file=sys.stderr)
        return 2
    print(f"# {date.today().isoformat()} {platform.machine()} {platform.python_version()}")
    for path in args.maps:
        print(json.dumps(measure(path, chromium)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
