"""The console script every service exposes: `flotilla-<service> [serve|migrate|openapi]`,
plus any process of its own (e.g. monitor-gateway's `ingest`), served the same way."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

import uvicorn
from fastapi import FastAPI

from flotilla_runtime.logging import configure_logging
from flotilla_runtime.migrations import upgrade
from flotilla_runtime.settings import FullServiceSettings, UnsafeSettings
from flotilla_runtime.shutdown import DrainingServer

S = TypeVar("S", bound=FullServiceSettings)


def run_service_cli(
    *,
    prog: str,
    settings_type: Callable[[], S],
    create_app: Callable[[S], FastAPI],
    migrations: Path,
    argv: list[str] | None = None,
    processes: Mapping[str, tuple[str, Callable[[S], FastAPI]]] | None = None,
    commands: Mapping[str, tuple[str, Callable[[S], int]]] | None = None,
) -> int:
    """`processes`: more commands, {name: (help, create_app)}, each served like `serve`;
    `commands`: one-shot commands, {name: (help, run)}, `run(settings)` is the exit code."""
    parser = argparse.ArgumentParser(prog=prog)
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the HTTP service (default)")
    serve.add_argument("--migrate", action="store_true", help="apply migrations first")
    for name, (text, _) in (processes or {}).items():
        sub.add_parser(name, help=text).add_argument(
            "--migrate", action="store_true", help="apply migrations first"
        )
    for name, (text, _) in (commands or {}).items():
        sub.add_parser(name, help=text)
    sub.add_parser("migrate", help="apply database migrations and exit")
    sub.add_parser("openapi", help="print the OpenAPI document as JSON")
    args = parser.parse_args(argv)
    settings = settings_type()
    command = args.command or "serve"
    if command == "openapi":
        json.dump(create_app(settings).openapi(), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    if command != "migrate":  # migrations need only the database
        try:
            settings.check_production()
        except UnsafeSettings as exc:
            sys.stderr.write(f"{prog}: refusing to start: {exc}\n")
            return 2
    configure_logging(level=settings.log_level, fmt=settings.log_format, service=prog)
    if command == "migrate" or getattr(args, "migrate", False):
        upgrade(settings.database_url, migrations)
        if command == "migrate":
            return 0
    if commands and command in commands:
        return commands[command][1](settings)
    if processes and command in processes:
        create_app = processes[command][1]
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=settings.access_log,
        lifespan="on",
        timeout_graceful_shutdown=int(settings.shutdown_timeout_s),
    )
    # SIGTERM starts draining at once (flotilla_runtime.shutdown), then uvicorn's own wait.
    DrainingServer(config, app.state.draining).run()
    return 0
