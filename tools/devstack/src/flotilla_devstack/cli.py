"""`flotilla-dev`: run the local stack (`up`) until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from flotilla_devstack.console import build_console
from flotilla_devstack.procs import StartError
from flotilla_devstack.stack import LocalStack, find_root


def _say(line: str) -> None:
    sys.stderr.write(f"[flotilla] {line}\n")
    sys.stderr.flush()


class _Stop(Exception):
    pass


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop(signal.Signals(signum).name)


def up(args: argparse.Namespace) -> int:
    console = None
    if not args.no_console and not args.no_services:
        try:
            console = build_console(find_root(), _say)
        except StartError as exc:
            _say(f"could not build the web console: {exc}")
            return 1
    stack = LocalStack(
        state_dir=args.state_dir or find_root() / ".flotilla",
        base_port=args.base_port,
        postgres_port=args.postgres_port,
        kafka_port=args.kafka_port,
        kubesim_port=args.kubesim_port,
        ingress_port=args.ingress_port,
        prometheus_port=args.prometheus_port,
        cache_dir=args.cache_dir,
        postgres_binaries=args.postgres,
        with_services=not args.no_services,
        console_dir=console,
        progress=_say,
    )
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    code = 0
    try:
        stack.start()
        sys.stdout.write(stack.summary() + "\n")
        sys.stdout.flush()
        while True:
            dead = stack.dead_processes()
            if dead:
                _say(f"exited unexpectedly: {', '.join(dead)}; see {stack.state_dir / 'logs'}")
                code = 1
                break
            time.sleep(1)
    except _Stop as stop:
        _say(f"{stop}: stopping")
    except StartError as exc:
        _say(f"could not start: {exc}")
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not orphan anything
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()
        _say("stopped")
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="flotilla-dev", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("up", help="run PostgreSQL, Kafka, kubesim and the services until Ctrl-C")
    p.add_argument("--state-dir", type=Path, help="data and logs (default: <repo>/.flotilla)")
    p.add_argument("--base-port", type=int, default=8080, help="release-api's port; +1, +2, +3")
    p.add_argument("--postgres-port", type=int, default=15432)
    p.add_argument("--kafka-port", type=int, default=19092)
    p.add_argument("--kubesim-port", type=int, default=16443)
    p.add_argument(
        "--ingress-port",
        type=int,
        default=18080,
        help="the first HAProxy instance's frontend; the second listens on the next port",
    )
    p.add_argument("--prometheus-port", type=int, default=19090, help="Prometheus scraping kubesim")
    p.add_argument("--cache-dir", type=Path, help="downloads (default: <state-dir>/cache)")
    p.add_argument(
        "--postgres",
        choices=["auto", "machine", "embedded"],
        default="auto",
        help="which PostgreSQL binaries (default: the machine's, else embedded)",
    )
    p.add_argument("--no-services", action="store_true", help="only the infrastructure")
    p.add_argument(
        "--no-console", action="store_true", help="do not build or serve the web console"
    )
    args = parser.parse_args(argv)
    return up(args)


if __name__ == "__main__":
    raise SystemExit(main())
