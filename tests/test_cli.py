"""`flotilla`, the CLI, run as a subprocess against the local stack (kubesim's three clusters in
two IDCs, the four services, HAProxy, Kafka, PostgreSQL): as a developer and a CI job use it.

Each command's exit code is asserted (flotilla_cli.errors): 0 done, 1 failed outcome, 2 usage,
3 denied or not found, 4 timed out, 5 unreachable.
"""

from __future__ import annotations

import json
import os
import pty
import queue
import re
import select
import signal
import stat
import subprocess
import threading
import time
import tomllib
from datetime import UTC, datetime

import pytest
import yaml

from flotilla_runtime.auth import mint_token
from flotilla_runtime.settings import AuthSettings

from .cli_world import APP, FLOTILLA, Cli, cli_fixture  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def test_login_keeps_the_token_private(cli: Cli) -> None:
    url = cli.stack.urls["release-api"]
    run = cli.ok("login", url, "--name", "local", "--user", "ada", "--role", "admin")
    config = cli.home / "config.toml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    stored = tomllib.loads(config.read_text())
    token = stored["contexts"]["local"]["token"]
    assert stored["current-context"] == "local"
    assert (
        stored["contexts"]["local"]["services"]["cluster-registry"]
        == (cli.stack.urls["cluster-registry"])
    )
    listed = cli.ok("context", "list", "-o", "json")
    for text in (run.out, run.err, listed.out, listed.err):
        assert token not in text
    [context] = json.loads(listed.out)
    assert context["subject"] == "ada"
    assert context["token"].startswith("valid ")
    debug = cli.ok("--debug", "apps", "list")
    assert "authorization: Bearer ***" in debug.err
    assert token not in debug.err + debug.out


def test_errors_say_what_to_do_next(cli: Cli) -> None:
    expired = mint_token(AuthSettings(), subject="late", ttl_s=-300)
    run = cli("apps", "list", FLOTILLA_TOKEN=expired)
    assert run.code == 3, run
    assert "token expired" in run.err
    assert "flotilla login" in run.err
    assert expired not in run.err + run.out

    run = cli("apps", "get", "nobody")
    assert run.code == 3
    assert "error: Not found" in run.err

    run = cli("release", "create", "shop", "--image", "x")  # no --env
    assert run.code == 2
    assert "--env" in run.err

    run = cli("apps", "list", FLOTILLA_URL="http://127.0.0.1:9")
    assert run.code == 5
    assert "cannot reach release-api at http://127.0.0.1:9" in run.err

    bad = cli.home / "bad.yaml"
    bad.write_text("name: [unclosed")
    run = cli("apps", "create", "-f", str(bad))
    assert run.code == 2
    assert "not valid YAML" in run.err

    invalid = cli.home / "invalid.yaml"
    invalid.write_text(yaml.safe_dump({**APP, "name": "Bad_Name"}))
    run = cli("apps", "create", "-f", str(invalid))
    assert run.code == 1
    assert "Request failed validation" in run.err
    assert "body.name" in run.err  # the field error, on its own line


def test_an_app_released_watched_promoted_and_rolled_back(cli: Cli) -> None:
    spec = cli.home / "app.yaml"
    spec.write_text(yaml.safe_dump(APP))
    created = cli.ok("apps", "create", "-f", str(spec), "-o", "json")
    with cli.api("release-api") as api:
        assert json.loads(created.out) == api.get("/v1/apps/shop").json()

    # A release followed in a pipe (a CI log): one line per event, the outcome as exit code.
    run = cli.ok("release", "create", "shop", "--env", "prod", "--image", "shop/web:1.0", "-w")
    assert "rollout.phase_changed" in run.out
    assert "waiting-ingress → succeeded" in run.out
    assert "of shop to prod: succeeded" in run.out
    for cluster in ("idc-a-1", "idc-a-2", "idc-b-1"):
        assert f"  {cluster}" in run.out

    # Blue-green, promoted by hand, watched in a terminal while another command promotes it.
    args = ["release", "create", "shop", "--env", "prod", "--image", "shop/web:2.0"]
    args += ["--strategy", "blue-green", "--option", "promote=manual", "--watch"]
    main, child = pty.openpty()
    env = cli.env(TERM="xterm-256color", COLUMNS="120", LINES="40")
    proc = subprocess.Popen([FLOTILLA, *args], stdout=child, stderr=subprocess.PIPE, env=env)
    os.close(child)
    screen = b""
    try:
        deadline = time.monotonic() + 60
        while b"waits for promotion" not in screen and time.monotonic() < deadline:
            if select.select([main], [], [], 0.2)[0]:
                screen += os.read(main, 65536)
        assert b"waits for promotion" in screen, screen.decode(errors="replace")
        promoted = cli.ok("release", "promote", "shop", "--env", "prod")
        assert "promote" in promoted.err
        while proc.poll() is None and time.monotonic() < deadline + 60:
            if select.select([main], [], [], 0.2)[0]:
                try:
                    screen += os.read(main, 65536)
                except OSError:
                    break
        assert proc.wait(timeout=30) == 0
    finally:
        os.close(main)
        if proc.poll() is None:
            proc.kill()
        assert proc.stderr is not None
        proc.stderr.close()
    drawn = screen.decode(errors="replace")
    assert "\x1b[" in drawn  # drawn in place, not printed line by line
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", drawn)
    for expected in ("wave 1", "IDC idc-a", "IDC idc-b", "waiting-promote", "pods 2/2"):
        assert expected in text, text
    assert "ingress 2/2" in text
    assert "of shop to prod: succeeded" in text

    # -o json is the API's document.
    got = json.loads(cli.ok("release", "get", "shop", "--env", "prod", "-o", "json").out)
    with cli.api("release-api") as api:
        latest = api.get("/v1/apps/shop/releases", params={"env": "prod"}).json()["items"][0]
        assert got == api.get(f"/v1/apps/shop/releases/{latest['id']}").json()
    assert got["image"] == "shop/web:2.0"
    assert got["strategy"] == "blue-green"

    # Back to 1.0: the release before the one that runs.
    run = cli.ok("release", "rollback", "shop", "--env", "prod", "--watch")
    assert "rolled-back" in run.out
    listed = json.loads(cli.ok("release", "list", "shop", "-o", "json").out)
    assert listed[0]["image"] == "shop/web:1.0"
    assert listed[0]["rollback_of"] is not None

    # `release status` waits like `kubectl argo rollouts status`: 4 when time runs out.
    cli.ok(
        "release",
        "create",
        "shop",
        "-e",
        "prod",
        "-i",
        "shop/web:2.1",
        "--strategy",
        "blue-green",
        "--option",
        "promote=manual",
    )
    run = cli("release", "status", "shop", "--env", "prod", "--timeout", "3")
    assert run.code == 4, run
    assert "still running after 3 s" in run.err
    cli.ok("release", "abort", "shop", "--env", "prod")
    run = cli("release", "status", "shop", "--env", "prod", "--timeout", "60")
    assert run.code == 1, run
    assert "shop → prod: aborted" in run.out


def test_a_release_that_fails_in_one_cluster_exits_1_naming_it(cli: Cli) -> None:
    cli.kubesim("idc-b-1", "faults", {"image": "shop/web:9.0", "fault": "CrashLoopBackOff"})
    args = ["release", "create", "shop", "-e", "prod", "-i", "shop/web:9.0", "--watch"]
    run = cli(*args, "--option", "timeout_s=30")
    assert run.code == 1, run
    assert "of shop to prod: partially-failed" in run.out
    assert "idc-b-1: pods cannot start" in run.err
    assert "idc-a-1" not in run.err


def test_scale_pods_logs_and_nodes(cli: Cli) -> None:
    run = cli.ok("scale", "shop", "--env", "prod", "--replicas", "3", "-o", "json")
    assert json.loads(run.out)["replicas"] == 3

    # Logs: kubesim's pods log like applications, shipped to Kafka as Filebeat does.
    deadline = time.monotonic() + 60
    lines: list[str] = []
    while not lines and time.monotonic() < deadline:
        got = cli.ok("logs", "shop", "--env", "prod", "--since", "10m", "--grep", "HANDLED")
        lines = got.out.splitlines()
        time.sleep(1)
    assert lines, "no log line of shop in a minute"
    assert all("handled request" in line and "/shop-" in line for line in lines), lines[:5]
    assert not cli.ok("logs", "shop", "--env", "prod", "--grep", "no such text").out
    # -f: lines written after it started, until interrupted (Ctrl-C: 130). Its output is read
    # all along, as a terminal would: a pipe nobody reads would block it.
    follow = subprocess.Popen(
        [FLOTILLA, "logs", "shop", "--env", "prod", "--since", "1s", "-f", "-o", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=cli.env(),
    )
    received: queue.Queue[str] = queue.Queue()
    assert follow.stdout is not None

    def drain() -> None:
        for text in follow.stdout or []:
            received.put(text)

    reader = threading.Thread(target=drain)
    reader.start()
    try:
        started = time.time()
        fresh = None
        while fresh is None and time.time() < started + 30:
            line = json.loads(received.get(timeout=30))
            if line["ts"] >= datetime.fromtimestamp(started, UTC).isoformat():
                fresh = line
        assert fresh is not None
        assert fresh["app"] == "shop"
        follow.send_signal(signal.SIGINT)
        assert follow.wait(timeout=10) == 130
    finally:
        if follow.poll() is None:
            follow.kill()
            follow.wait()
        reader.join(timeout=10)
        follow.stdout.close()

    # `| head -1`: the reader goes away, the CLI stops at its next line (141, as a shell says)
    head = subprocess.Popen(
        [FLOTILLA, "logs", "shop", "--env", "prod", "-f"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli.env(),
    )
    assert head.stdout is not None
    assert head.stderr is not None
    head.stdout.readline()
    head.stdout.close()
    try:
        code = head.wait(timeout=30)
        said = head.stderr.read().decode()
        assert code == 141, said
        assert said == ""
    finally:
        if head.poll() is None:
            head.kill()
            head.wait()
        head.stderr.close()

    nodes = json.loads(cli.ok("nodes", "list", "idc-a-1", "-o", "json").out)
    busy = max(nodes, key=lambda n: n["pods"])
    run = cli.ok("nodes", "drain", "idc-a-1", busy["name"], "--timeout", "60")
    assert "drained" in run.err
    after = {n["name"]: n for n in json.loads(cli.ok("nodes", "list", "idc-a-1", "-o", "json").out)}
    assert after[busy["name"]]["unschedulable"] is True
    assert after[busy["name"]]["pods"] == 0
    cli.ok("nodes", "uncordon", "idc-a-1", busy["name"])

    table = cli.ok("clusters", "list").out.splitlines()
    assert table[0].split() == [
        "NAME",
        "IDC",
        "PROVIDER",
        "STATUS",
        "NODES",
        "VERSION",
        "LATENCY-MS",
    ]
    assert {line.split()[0] for line in table[1:]} == {"idc-a-1", "idc-a-2", "idc-b-1"}

    status = cli("sync", "status", "shop", "--env", "prod", "-o", "json")
    assert status.code in (0, 1)
    assert json.loads(status.out)["backend"] == "shop.prod"


def test_approval_by_another_person_edit_debug_isolate_and_the_registry(cli: Cli) -> None:
    # An environment whose releases wait for approval: the requester may not approve (four
    # eyes); a second person, signed in as a second context, may.
    with cli.api("cluster-registry") as registry:
        etag = registry.get("/v1/environments/prod").headers["ETag"]
        policy = {"approval": {"required": True, "by": {"role": "admin"}}}
        r = registry.put("/v1/environments/prod/policy", json=policy, headers={"If-Match": etag})
        assert r.status_code == 200, r.text
        etag = r.headers["ETag"]
    try:
        cli.ok("release", "create", "shop", "-e", "prod", "-i", "shop/web:3.0")
        held = json.loads(cli.ok("release", "get", "shop", "-e", "prod", "-o", "json").out)
        assert held["phase"] == "waiting-approval"
        own = cli("release", "approve", "shop", "-e", "prod")
        assert own.code == 3, own
        url = cli.stack.urls["release-api"]
        cli.ok("login", url, "--name", "sam", "--user", "sam", "--role", "admin")
        cli.ok("context", "use", "local")
        assert cli.ok("context", "current").out.strip() == "local"
        approved = cli.ok(
            "--context", "sam", "release", "approve", "shop", "-e", "prod", "-m", "ok"
        )
        assert "approve" in approved.err
        run = cli.ok("release", "status", "shop", "--env", "prod", "--timeout", "60")
        assert "shop → prod: succeeded" in run.out
        got = json.loads(cli.ok("release", "get", "shop", "-e", "prod", "-o", "json").out)
        assert got["approval"]["decision"] == "approved"
        assert got["approval"]["by"] == "sam"
    finally:
        with cli.api("cluster-registry") as registry:
            r = registry.put("/v1/environments/prod/policy", json={}, headers={"If-Match": etag})
            assert r.status_code == 200, r.text

    # apps edit: in $EDITOR (a script here), applied with If-Match
    editor = cli.home / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/^  prod: [0-9]*$/  prod: 1/' \"$1\"\n")
    editor.chmod(0o755)
    run = cli("apps", "edit", "shop", EDITOR=str(editor))
    assert run.code == 0, run
    assert "(replicas changed)" in run.err
    assert json.loads(cli.ok("apps", "get", "shop", "-o", "json").out)["spec"]["replicas"] == {
        "prod": 1
    }
    assert "no changes" in cli("apps", "edit", "shop", EDITOR="true").err

    # debug mode on and off: a release of what runs, probes and hooks off, then on again
    cli.ok("debug", "on", "shop", "--env", "prod", "--watch")
    assert json.loads(cli.ok("release", "get", "shop", "-o", "json").out)["debug"] is True
    cli.ok("debug", "off", "shop", "--env", "prod", "--watch")
    assert json.loads(cli.ok("release", "get", "shop", "-o", "json").out)["debug"] is False

    # isolate a pod, list it, delete it
    got = json.loads(cli.ok("release", "get", "shop", "-o", "json").out)
    with cli.api("k8s-sync") as sync:
        status = sync.get("/v1/sync/apps/shop/prod").json()
    pod = next(s["pod"] for s in status["desired"] if s["cluster"] == "idc-a-1")
    assert got["phase"] == "succeeded"
    cli.ok("pods", "isolate", "shop", pod, "--env", "prod", "--cluster", "idc-a-1")
    listed = json.loads(cli.ok("pods", "list", "shop", "--env", "prod", "-o", "json").out)
    assert [(p["cluster"], p["pod"]) for p in listed] == [("idc-a-1", pod)]
    cli.ok("pods", "delete", "shop", pod, "--env", "prod", "--cluster", "idc-a-1")
    deadline = time.monotonic() + 30  # deleted with its grace period
    while json.loads(cli.ok("pods", "list", "shop", "--env", "prod", "-o", "json").out):
        assert time.monotonic() < deadline, "the isolated pod is still there"
        time.sleep(0.5)

    # the registry: a cluster registered with a kubeconfig, mapped, unmapped, deregistered
    assert cli.stack.kubesim is not None
    kubeconfig = cli.stack.kubesim.clusters["idc-b-1"].kubeconfig
    cli.ok(
        "clusters",
        "register",
        "extra",
        "--idc",
        "idc-c",
        "--provider",
        "self-built",
        "--kubeconfig",
        str(kubeconfig),
        "--label",
        "tier=spare",
    )
    got = json.loads(cli.ok("clusters", "get", "extra", "-o", "json").out)
    assert (got["idc"], got["labels"]) == ("idc-c", {"tier": "spare"})
    assert "credentials" not in got
    cli.ok("envs", "map", "prod", "extra", "--namespace", "spare-prod")
    env = json.loads(cli.ok("envs", "get", "prod", "-o", "json").out)
    assert {"cluster": "extra", "namespace": "spare-prod"} in env["clusters"]
    refused = cli("clusters", "deregister", "extra")
    assert refused.code == 1, refused  # an environment still maps to it
    cli.ok("envs", "unmap", "prod", "extra")
    cli.ok("clusters", "deregister", "extra")
    assert cli("clusters", "get", "extra").code == 3


def test_completion_scripts_and_names(cli: Cli) -> None:
    for shell, marker in (
        ("bash", "complete -o"),
        ("zsh", "#compdef flotilla"),
        ("fish", "complete --no-files --command flotilla"),
    ):
        assert marker in cli.ok("completion", shell).out

    def complete(words: str) -> list[str]:
        done = cli(
            "",
            COMP_WORDS=words,
            COMP_CWORD=str(len(words.split()) - 1),
            _FLOTILLA_COMPLETE="bash_complete",
        )
        return [line.split(",", 1)[1] for line in done.out.splitlines()]

    assert "create" in complete("flotilla release cr")
    assert complete("flotilla release get sh") == ["shop"]  # names from the server
    assert complete("flotilla release get shop --env pr") == ["prod"]
    assert complete("flotilla nodes list idc-b") == ["idc-b-1"]


def test_notifications_subscribed_and_their_deliveries_listed(cli: Cli) -> None:
    """`flotilla notify`: a signed webhook for an app's releases, its delivery in the log."""
    from flotilla_devstack.receivers import HttpReceiver

    receiver = HttpReceiver()
    receiver.start()
    try:
        spec = cli.home / "bell.yaml"
        spec.write_text(yaml.safe_dump({**APP, "name": "bell"}))
        cli.ok("apps", "create", "-f", str(spec))
        usage = cli("notify", "subscribe", "--app", "bell", "--trigger", "release.started")
        assert usage.code == 2
        assert "exactly one of --webhook" in usage.err
        run = cli(
            "notify", "subscribe", "--app", "bell", "--trigger", "release.succeeded",
            "--webhook", receiver.url("/bell"), "--secret-env", "BELL_SECRET",
            BELL_SECRET="bell-secret-0123456789",
        )  # fmt: skip
        assert run.code == 0, run
        # and the team's channel: the app's team is asked of release-api
        team = cli(
            "notify", "subscribe", "--team", "commerce", "--trigger", "release.succeeded",
            "--only-env", "prod", "--slack-env", "TEAM_SLACK",
            TEAM_SLACK=receiver.url("/team/T0/B0/x"),
        )  # fmt: skip
        assert team.code == 0, team
        listed = json.loads(cli.ok("notify", "list", "--app", "bell", "-o", "json").out)
        assert [s["destination"] for s in listed] == [
            {"kind": "webhook", "url": receiver.url("/bell")}
        ]
        assert "bell-secret" not in cli.ok("notify", "list", "-o", "wide").out
        cli.ok("release", "create", "bell", "--env", "prod", "--image", "bell/web:1.0", "-w")
        deadline = time.monotonic() + 60
        while not receiver.by_path("/bell"):
            assert time.monotonic() < deadline, "no notification"
            time.sleep(0.5)
        message = json.loads(receiver.by_path("/bell")[0].body)
        assert message["summary"] == "bell bell/web:1.0 in prod: release succeeded"
        # the clusters with their IDCs (from cluster-registry), and the console's page
        assert message["clusters"] == {"idc-a-1": "idc-a", "idc-a-2": "idc-a", "idc-b-1": "idc-b"}
        assert message["link"] == (
            f"{cli.stack.urls['release-api']}/console/#/releases/bell/{message['about']}"
        )
        while not receiver.by_path("/team"):
            assert time.monotonic() < deadline, "no notification to the team's channel"
            time.sleep(0.5)
        assert "bell bell/web:1.0 in prod" in json.loads(receiver.by_path("/team")[0].body)["text"]
        log = json.loads(cli.ok("notify", "deliveries", "-o", "json").out)
        assert [d["state"] for d in log if d["trigger"] == "release.succeeded"] == ["delivered"] * 2
    finally:
        receiver.stop()
