"""The web console in Debian's Chromium against a local stack: what a person waits for.

- `bundle_kb_gzip`: all the console's JS and CSS, gzip-compressed (what travels); of it,
  `entry_kb_gzip` is what the first page loads (the files index.html names) — the charts'
  library comes with the observability page only.
- `fcp_ms`: first contentful paint of the console's page (performance API), loaded fresh.
- `dashboard_ms`: from the sign-in click to the release dashboard's table on screen.
- `event_to_dom_ms_p50/p99`: for each of the release events a release page receives over its
  event stream, from the moment its SSE message is parsed (a `performance.mark` in
  console/src/sse.ts) to its line appearing in the page's DOM (a MutationObserver), over at
  least 200 events from releases of an app to three clusters. Target: p99 under 100 ms.
- baseline, same run: `blank_fcp_ms`, the first paint of a static page of the same size from
  the same server origin (an empty document with the bundle's bytes as a comment).

Usage: uv run python bench/console_metrics.py [--quick]  (needs chromium and npm)
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from _stack import report
from playwright.sync_api import sync_playwright

from flotilla_devstack.console import CHROMIUM, CHROMIUM_ARGS, build_console
from flotilla_devstack.stack import LocalStack, find_root

OBSERVE = """
window.__lat = [];
if (!window.__observing) window.__observing = new MutationObserver((records) => {
  const now = performance.now();
  for (const r of records) for (const n of r.addedNodes) {
    const id = n.dataset && n.dataset.eventId;
    if (!id) continue;
    const marks = performance.getEntriesByName('sse:' + id);
    if (marks.length) window.__lat.push(now - marks[marks.length - 1].startTime);
  }
});
window.__observing.observe(document.body, {childList: true, subtree: true});
"""


def bundle_kb(dist: Path, *, entry: bool = False) -> float:
    files = [p for p in (dist / "assets").iterdir() if p.suffix in (".js", ".css")]
    if entry:
        index = (dist / "index.html").read_text()
        files = [p for p in files if f"/assets/{p.name}" in index]
    return round(sum(len(gzip.compress(p.read_bytes())) for p in files) / 1024, 1)


def fcp(page: Any, url: str) -> float:
    page.goto(url)
    page.wait_for_function(
        "performance.getEntriesByName('first-contentful-paint').length > 0", timeout=10_000
    )
    return float(
        page.evaluate("performance.getEntriesByName('first-contentful-paint')[0].startTime")
    )


def main(quick: bool) -> None:
    root = find_root()
    dist = build_console(root)
    releases = 4 if quick else 9
    with tempfile.TemporaryDirectory() as tmp:
        stack = LocalStack.on_free_ports(
            Path(tmp) / "stack", environments=("prod",), console_dir=dist
        )
        stack.start()
        try:
            base = stack.urls["release-api"]
            with httpx.Client(base_url=base, headers=stack.admin_headers(), timeout=30) as api:
                r = api.post(
                    "/v1/apps",
                    json={
                        "name": "bench",
                        "team": "bench",
                        "type": "node",
                        "replicas": {"prod": 3},
                        "app_yaml": {"stack": "debian-12", "runtime": "node-20", "entrypoint": "n"},
                        "pod_annotations": {"kubesim.flotilla.io/ready-after-seconds": "1"},
                    },
                )
                r.raise_for_status()
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=list(CHROMIUM_ARGS)
                )
                fcps = []
                blanks = []
                blank = dist / "blank.html"
                blank.write_text("<!doctype html><p>x</p><!--" + "y" * 250_000 + "-->")
                try:
                    for _ in range(3 if quick else 5):
                        page = browser.new_page()
                        blanks.append(fcp(page, f"{base}/console/blank.html"))
                        page.close()
                        page = browser.new_page()
                        fcps.append(fcp(page, f"{base}/console/"))
                        page.close()
                finally:
                    blank.unlink()
                page = browser.new_page()
                page.on("dialog", lambda d: d.accept())
                page.goto(f"{base}/console/")
                page.get_by_label("User").fill("ada")
                page.get_by_label("Role").select_option("admin")
                started = time.perf_counter()
                page.get_by_role("button", name="Sign in").click()
                page.get_by_role("heading", name="Releases in flight").wait_for()
                page.locator("table, p:text('None.')").first.wait_for()
                dashboard_ms = (time.perf_counter() - started) * 1000
                lags: list[float] = []
                for n in range(releases):
                    with httpx.Client(
                        base_url=base, headers=stack.admin_headers(), timeout=30
                    ) as api:
                        answer = api.post(
                            "/v1/apps/bench/releases",
                            json={"image": f"bench/app:{n}", "env": "prod"},
                        )
                        if answer.status_code != 202:
                            raise SystemExit(f"release {n}: {answer.status_code} {answer.text}")
                        created = answer.json()
                    page.goto(f"{base}/console/#/releases/bench/{created['id']}")
                    page.evaluate(OBSERVE)
                    page.get_by_text(created["id"]).wait_for()
                    page.locator("h1 .phase-succeeded").wait_for(timeout=60_000)
                    page.wait_for_timeout(500)
                    lags += page.evaluate("window.__lat")
                browser.close()
        finally:
            stack.stop()
    lags.sort()
    report(
        {
            "bundle_kb_gzip": bundle_kb(dist),
            "entry_kb_gzip": bundle_kb(dist, entry=True),
            "fcp_ms": round(statistics.median(fcps), 1),
            "blank_fcp_ms": round(statistics.median(blanks), 1),
            "dashboard_ms": round(dashboard_ms, 1),
            "events": len(lags),
            "event_to_dom_ms_p50": round(statistics.median(lags), 2) if lags else None,
            "event_to_dom_ms_p99": round(lags[max(0, int(len(lags) * 0.99) - 1)], 2)
            if lags
            else None,
        }
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    main(parser.parse_args().quick)
