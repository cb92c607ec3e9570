"""The web console in a real headless Chromium (Debian's `chromium`, driven by Playwright for
Python; no browser is downloaded) against a local stack that serves it: a person signs in,
creates an app, releases it blue-green to three clusters in two IDCs and watches it without
reloading, promotes it, sees a failed cluster's error and what runs where, has a bad app.yaml
value shown on its field, tails a pod's log line, sees the ingress's requests charted, acks
the crash loop's alert, rolls back, finds it all in the audit trail, drains a node as an
admin and is refused as a viewer. Screenshots go to the test's directory (and CONSOLE_SCREENSHOTS,
when set, keeps them: docs/console/ holds one of the dashboard and one of a release)."""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from flotilla_contracts.enums import Role
from flotilla_devstack.console import CHROMIUM, CHROMIUM_ARGS, build_console
from flotilla_devstack.oidc import LocalIdentityProvider, Person, running
from flotilla_devstack.stack import LocalStack, find_root

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

ROOT = find_root(Path(__file__))


def _browser_or_fail() -> None:
    if not Path(CHROMIUM).exists():
        message = "Chromium is missing (Debian: apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, flotilla_cache_dir: Path
) -> Iterator[LocalStack]:
    _browser_or_fail()
    console = build_console(ROOT)
    stack = LocalStack.on_free_ports(
        tmp_path_factory.mktemp("console-stack"),
        cache_dir=flotilla_cache_dir,
        environments=("prod",),
        console_dir=console,
    )
    # an identity provider the console can sign in with, beside the development login
    provider = LocalIdentityProvider(
        client_id="flotilla-console",
        redirect_uri=f"http://127.0.0.1:{stack.base_port}/console/",
        person=Person("olivia", roles=(Role.DEVELOPER,), teams=("web",)),
    )
    with running(provider):
        login = json.dumps(provider.browser_login())
        stack.extra_env = {"release-api": {"RELEASE_API_BROWSER_LOGIN": login}}
        stack.start()
        stack.identity_provider = provider  # type: ignore[attr-defined]
        try:
            yield stack
        finally:
            stack.stop()


@pytest.fixture(scope="module")
async def browser(stack: LocalStack) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=list(CHROMIUM_ARGS)
        )
        yield chromium
        await chromium.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    kept = os.environ.get("CONSOLE_SCREENSHOTS")
    return Path(kept) if kept else tmp_path


async def sign_in(browser: Any, stack: LocalStack, user: str, role: str, teams: str = "") -> Any:
    page = await browser.new_page(viewport={"width": 1280, "height": 800})
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))  # confirm: yes
    await page.goto(f"{stack.urls['release-api']}/console/")
    await page.get_by_label("User").fill(user)
    await page.get_by_label("Role").select_option(role)
    await page.get_by_label("Teams (comma-separated)").fill(teams)
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await page.get_by_role("heading", name="Releases in flight").wait_for()
    return page


UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea, button')]
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
    && !(el.tagName === 'BUTTON' && el.textContent.trim()))
  .map((el) => el.outerHTML.slice(0, 120))"""


async def assert_labelled(page: Any) -> None:
    """Every control on the page has an accessible name (a label, aria-label or its text)."""
    assert await page.evaluate(UNLABELLED) == []


def cluster_item(page: Any, cluster: str) -> Any:
    return page.locator(f"li.cluster[data-cluster='{cluster}']")


def kubesim_fault(stack: LocalStack, cluster: str, image: str) -> None:
    assert stack.kubesim is not None
    sim = stack.kubesim.clusters[cluster]
    with httpx.Client(verify=ssl.create_default_context(cafile=sim.ca_file)) as c:
        r = c.post(f"{sim.url}/_kubesim/faults", json={"image": image, "fault": "CrashLoopBackOff"})
        r.raise_for_status()


async def test_a_release_from_sign_in_to_rollback(
    browser: Any, stack: LocalStack, shots: Path
) -> None:
    page = await sign_in(browser, stack, "ada", "admin")

    # create an app in the form; a bad body shows the field that is wrong, and changes nothing
    await page.get_by_role("link", name="Applications").click()
    form = page.get_by_label("New application (the POST /v1/apps body)")
    await form.fill('{"name": "Bad Name", "team": "web", "type": "node"}')
    await page.get_by_role("button", name="Create").click()
    await page.get_by_role("alert").filter(has_text="Request failed validation").wait_for()
    assert await page.get_by_role("alert").locator("code", has_text="body.name").is_visible()
    body = (
        '{"name": "web", "team": "web", "type": "node", "replicas": {"prod": 2},'
        ' "app_yaml": {"stack": "debian-12", "runtime": "node-20", "entrypoint": "node ."},'
        ' "pod_annotations": {"kubesim.flotilla.io/ready-after-seconds": "1"}}'
    )
    await form.fill(body)
    await page.get_by_role("button", name="Create").click()
    await page.get_by_role("heading", name="web").wait_for()

    # first release (rolling), then blue-green promoted by hand
    # exact: the spec editor's label holds its JSON text, whose keys include "image_commands"
    await page.get_by_label("Image", exact=True).fill("web/app:1.0")
    await page.get_by_role("button", name="Release", exact=True).click()
    await page.locator("h1 .phase-succeeded").wait_for(timeout=60_000)
    await page.get_by_role("link", name="Applications").click()
    await page.get_by_role("heading", name="Applications").wait_for()
    await page.get_by_role("link", name="web", exact=True).click()
    await page.get_by_label("Image", exact=True).fill("web/app:2.0")
    await page.get_by_label("Strategy").select_option("blue-green")
    await page.get_by_label("promote by hand").check()
    await page.get_by_role("button", name="Release", exact=True).click()

    # the page follows the release without a reload: every cluster reaches waiting-promote
    await page.get_by_role("heading", name="Wave 1: all").wait_for()
    for idc in ("IDC idc-a", "IDC idc-b"):
        assert await page.get_by_role("heading", name=idc).is_visible()
    for cluster in ("idc-a-1", "idc-a-2", "idc-b-1"):
        await cluster_item(page, cluster).locator(".phase-waiting-promote").wait_for(timeout=60_000)
    assert "pods 2/2" in await cluster_item(page, "idc-a-1").inner_text()
    await page.get_by_role("button", name="Promote").click()
    await page.locator("h1 .phase-succeeded").wait_for(timeout=60_000)
    await cluster_item(page, "idc-b-1").get_by_text("ingress 2/2").wait_for(timeout=15_000)
    await page.screenshot(path=str(shots / "release.png"), full_page=True)
    await assert_labelled(page)
    good_release = page.url

    # the dashboard lists it
    await page.get_by_role("link", name="Releases").click()
    await page.get_by_role("cell", name="web/app:2.0").first.wait_for()
    await page.screenshot(path=str(shots / "dashboard.png"), full_page=True)
    await assert_labelled(page)

    # requests through the unified ingress, for the request-rate chart further on
    ingress = f"http://127.0.0.1:{stack.ingresses[0].port}/"
    async with httpx.AsyncClient(headers={"Host": "web.prod.apps.localhost"}) as http:
        answers = [(await http.get(ingress)).status_code for _ in range(40)]
    assert answers == [200] * 40

    # a version that cannot start in one cluster: its error is on the release page
    kubesim_fault(stack, "idc-b-1", "web/app:3.0")
    await page.get_by_role("link", name="Applications").click()
    await page.get_by_role("heading", name="Applications").wait_for()
    await page.get_by_role("link", name="web", exact=True).click()
    await page.get_by_label("Image", exact=True).fill("web/app:3.0")
    await page.get_by_role("button", name="Release", exact=True).click()
    await page.locator("h1 .phase-partially-failed").wait_for(timeout=120_000)
    error = cluster_item(page, "idc-b-1").locator(".cluster-error")
    assert "pods cannot start" in await error.inner_text()
    assert await cluster_item(page, "idc-a-1").locator(".cluster-error").count() == 0

    # the app page says what runs where: 3.0 where it started, 2.0 put back in idc-b-1
    await page.get_by_role("link", name="Applications").click()
    await page.get_by_role("link", name="web", exact=True).click()
    running = page.get_by_role("table", name="Running versions")
    await running.locator("tr[data-deployed='prod/idc-a-1']", has_text="web/app:3.0").wait_for()
    assert "web/app:2.0" in await running.locator("tr[data-deployed='prod/idc-b-1']").inner_text()
    await assert_labelled(page)

    # app.yaml: a value the server refuses is shown on its field, and nothing changes
    editor = page.get_by_role("form", name="Edit the spec")
    runtime = editor.get_by_label("Runtime (language-version)")
    await runtime.fill("Node 20")
    await editor.get_by_role("button", name="Save spec").click()
    await editor.locator("#err-app_yaml-runtime").wait_for()
    assert await runtime.get_attribute("aria-invalid") == "true"
    await runtime.fill("node-22")
    await editor.get_by_role("button", name="Save spec").click()
    await page.get_by_role("heading", name="Spec (version 2)").wait_for()

    # observability: a pod's log line in the live tail, the ingress's requests charted, and
    # the crash loop's alert acknowledged
    await page.get_by_role("link", name="Metrics, alerts and logs").click()
    tail = page.get_by_role("list", name="Live log tail")
    await tail.locator("li", has_text="handled request").first.wait_for(timeout=30_000)
    await page.get_by_label("Find").fill("handled request")
    await page.get_by_role("button", name="Search stored logs").click()
    stored = page.get_by_role("list", name="Stored log lines")
    await stored.locator("li", has_text="handled request").first.wait_for(timeout=15_000)
    requests = page.locator("figure[data-metric='http_requests_per_s']")
    await requests.get_by_role("list").locator("li", has_text="idc-").first.wait_for(timeout=60_000)
    assert await page.locator("figure[data-metric='cpu_usage_cores'] canvas").count() == 1
    alert = page.locator("tr[data-reason='crash_loop']", has_text="idc-b-1").first
    await alert.wait_for(timeout=60_000)
    await alert.get_by_role("button", name="Ack").click()
    await alert.get_by_text("by ada").wait_for()
    await page.screenshot(path=str(shots / "observe.png"), full_page=True)
    await assert_labelled(page)

    # roll back to 2.0 from its page
    await page.goto(good_release)
    await page.get_by_role("button", name="Roll back to this release").click()
    await page.get_by_text("web/app:2.0").first.wait_for()
    await page.locator("h1 .phase-rolled-back").wait_for(timeout=60_000)

    # the audit trail has it all, merged across the services
    await page.get_by_role("link", name="Audit").click()
    await page.get_by_label("Actor, action or outcome").fill("release.rollback")
    await page.locator("tr[data-action='release.rollback']", has_text="ada").first.wait_for()
    await page.get_by_label("Actor, action or outcome").fill("alert.ack")
    await page.locator("tr[data-action='alert.ack']", has_text="monitor-gateway").first.wait_for()
    await assert_labelled(page)
    await page.close()


async def test_nodes_drain_for_admins_only(browser: Any, stack: LocalStack) -> None:
    page = await sign_in(browser, stack, "ada", "admin")
    await page.get_by_role("link", name="Clusters").click()
    await page.get_by_role("button", name="idc-a-2").click()
    capacity = page.get_by_role("region", name="IDC idc-a").get_by_label("CPU requested")
    await capacity.nth(1).wait_for()  # the IDC's, and the open cluster's
    row = page.locator("tr[data-node='idc-a-2-node-1']")
    await row.get_by_role("button", name="Drain").click()
    await row.get_by_text("no (cordoned)").wait_for(timeout=60_000)
    await row.get_by_role("button", name="Uncordon").click()
    await row.get_by_text("yes", exact=True).first.wait_for()
    await assert_labelled(page)
    await page.close()

    viewer = await sign_in(browser, stack, "victor", "viewer")
    await viewer.get_by_role("link", name="Clusters").click()
    await viewer.get_by_role("button", name="idc-a-2").click()
    drain = viewer.locator("tr[data-node='idc-a-2-node-1']").get_by_role("button", name="Drain")
    assert await drain.is_disabled()
    assert await drain.get_attribute("title") == "only admins change nodes"
    await viewer.close()


async def test_a_subscription_made_listed_and_removed(browser: Any, stack: LocalStack) -> None:
    page = await sign_in(browser, stack, "ada", "admin")
    await page.get_by_role("link", name="Notifications").click()
    form = page.get_by_role("form", name="Subscribe")
    await form.get_by_label("Name").fill("web failures")
    await form.get_by_label("Of").fill("web")
    await form.get_by_label("URL").fill("http://127.0.0.1:9/hook")
    await form.get_by_label("Secret (16+ characters; kept encrypted, never shown)").fill(
        "a-long-enough-secret"
    )
    await form.get_by_role("button", name="Subscribe").click()
    row = page.get_by_role("table", name="Subscriptions").locator("tr", has_text="web failures")
    await row.wait_for()
    assert "a-long-enough-secret" not in await page.content()
    await assert_labelled(page)
    await row.get_by_role("button", name="Unsubscribe").click()
    await row.wait_for(state="detached")
    await page.close()


async def test_sign_in_with_the_identity_provider(browser: Any, stack: LocalStack) -> None:
    """Authorization code + PKCE: the provider checks the verifier against the challenge,
    the token is kept in memory only, and the address bar loses the code."""
    provider: LocalIdentityProvider = stack.identity_provider  # type: ignore[attr-defined]
    page = await browser.new_page()
    await page.goto(f"{stack.urls['release-api']}/console/#/apps")
    await page.get_by_role("button", name=f"Sign in with 127.0.0.1:{provider.port}").click()
    await page.get_by_role("heading", name="Applications").wait_for()  # back where it left
    assert "olivia (developer; web)" in await page.locator(".who").inner_text()
    assert "code=" not in page.url
    assert page.url.endswith("/console/#/apps")
    (request,) = provider.token_requests[-1:]
    assert request["grant_type"] == "authorization_code"
    assert len(request["code_verifier"]) >= 43
    stored = await page.evaluate("JSON.stringify([{...localStorage}, {...sessionStorage}])")
    assert stored == "[{},{}]"  # no token, and no verifier left behind

    # a code replayed (or a forged return) is refused with the provider's reason
    await page.goto(f"{stack.urls['release-api']}/console/?code=replayed&state=forged")
    alert = page.get_by_role("alert")
    await alert.wait_for()
    assert "not started here" in await alert.inner_text()
    await page.close()


def test_the_generated_client_is_current(tmp_path: Path) -> None:
    """console/src/api/*.ts are what openapi-typescript makes of the services' documents."""
    build_console(ROOT)  # node_modules
    subprocess.run([sys.executable, str(ROOT / "console/scripts/openapi.py")], check=True)
    done = subprocess.run(
        ["node", "scripts/generate-types.mjs", "--check"],
        cwd=ROOT / "console",
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
