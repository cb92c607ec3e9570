"""`./flotilla mutate [TARGET...]`: mutation testing of the load-bearing modules (issue 22).

A test suite proves a guarantee only if it fails when the code behind it is changed. Mutation
testing changes the code on purpose, one small edit at a time — a `<` made `<=`, a `True`
made `False`, an `and` made `or`, a `break` made `continue`, a number moved by one — and runs
the tests that cover that module against each such "mutant". A mutant the tests fail on is
killed; one they pass is a survivor: either a behaviour no test pins down (write the test), or
an equivalent mutant, a change that cannot alter behaviour (list it, with why).

The tool is cosmic-ray (https://cosmic-ray.readthedocs.io: `init` lists every mutant of the
modules into a session database, `exec` applies each to the file, runs the test command, and
puts the file back). Targets — which modules, which tests kill their mutants, which services
those tests need — and the equivalent mutants, each with its reason, are in
tests/mutation.toml.

What this does for each target, in a scratch copy of the checkout (cosmic-ray edits files in
place; the checkout is never touched): runs the tests once unmutated (they must pass), lists
the mutants, runs each, and prints the score — killed / (all − equivalent), timeouts counting
as killed, a survivor listed as equivalent counting as equivalent — and every other survivor
with its diff (and every listed equivalent that no longer survives: stale).
Tests run with the copy's sources first on PYTHONPATH, so the project's virtualenv serves it.
PostgreSQL and Kafka, when a target's tests need them, are started once for the whole run and
passed to each test run (FLOTILLA_TEST_POSTGRES_URL, FLOTILLA_TEST_KAFKA_BOOTSTRAP).

Exit status 1 when a target scores under its minimum (85 % unless it says); the last line is
one JSON object with every target's counts.

`--removals` checks docs/guarantees.md instead: for each guarantee, its mechanism is taken out
of the copy (a `[[removal]]` of tests/mutation.toml: a piece of code replaced) and the test the
table names must fail.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import functools
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flotilla_devstack.stack import find_root

TARGETS_FILE = Path("tests/mutation.toml")
# what the copy needs to import and test the Python packages (not the console, not the docs)
COPIED = ("libs", "services", "tools", "tests", "conftest.py", "pyproject.toml", "uv.lock")


@dataclass(frozen=True)
class Equivalent:
    """A mutant that cannot change behaviour: the module, cosmic-ray's operator, the source
    line it mutates (stripped, so it survives edits elsewhere), `to` when the operator makes
    several mutants of that line (a piece of the mutated line that tells this one apart),
    and why. It counts as equivalent only if it did survive."""

    module: str
    operator: str
    line: str
    reason: str
    to: str = ""

    def matches(self, survivor: dict[str, Any]) -> bool:
        return (
            survivor["module"] == self.module
            and survivor["operator"] == self.operator
            and survivor["line"] == self.line
            and (not self.to or self.to in survivor["mutated"])
        )


@dataclass
class Target:
    name: str
    modules: list[str]
    tests: list[str]
    needs: list[str] = field(default_factory=list)  # "postgres", "kafka"
    plugin: bool = True  # tests need the flotilla_devstack pytest plugin (its fixtures)
    timeout_s: float = 60.0
    minimum: float = 85.0
    equivalents: list[Equivalent] = field(default_factory=list)

    def test_command(self) -> str:
        args = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
        if not self.plugin:
            args += ["-p", "no:flotilla_devstack"]
        return " ".join([*args, *self.tests])


@dataclass
class Outcome:
    target: str
    mutants: int = 0
    killed: int = 0
    timeouts: int = 0
    equivalent: int = 0
    survivors: list[dict[str, Any]] = field(default_factory=list)
    stale: list[Equivalent] = field(default_factory=list)  # listed, but no such survivor
    annotations: int = 0  # of the equivalent: surviving mutants of a type annotation
    seconds: float = 0.0

    @property
    def score(self) -> float:
        judged = self.mutants - self.equivalent
        return 100.0 * self.killed / judged if judged else 100.0

    def summary(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "mutants": self.mutants,
            "equivalent": self.equivalent,
            "annotations": self.annotations,
            "killed": self.killed,
            "timeouts": self.timeouts,
            "survived": len(self.survivors),
            "score": round(self.score, 1),
            "seconds": round(self.seconds, 1),
        }


@dataclass(frozen=True)
class Edit:
    file: str
    old: str
    new: str


@dataclass(frozen=True)
class Removal:
    """A guarantee's mechanism taken out (each edit: `old` replaced by `new` in `file`), and
    the test that must then fail: docs/guarantees.md's table, checked."""

    guarantee: str
    test: str
    edits: tuple[Edit, ...]
    needs: tuple[str, ...] = ()


def load_removals(root: Path) -> list[Removal]:
    raw = tomllib.loads((root / TARGETS_FILE).read_text())
    return [
        Removal(
            guarantee=r["guarantee"],
            test=r["test"],
            edits=tuple(Edit(**e) for e in r["edits"]),
            needs=tuple(r.get("needs", ())),
        )
        for r in raw.get("removal", [])
    ]


def check_removals(removals: list[Removal], copy: Path, env: dict[str, str]) -> list[str]:
    """Each mechanism out in turn: its test must fail. The guarantees whose test did not."""
    unproven = []
    for removal in removals:
        originals = {e.file: (copy / e.file).read_text() for e in removal.edits}
        changed = dict(originals)
        for edit in removal.edits:
            if changed[edit.file].count(edit.old) != 1:
                raise SystemExit(
                    f"{removal.guarantee}: {edit.file} has not exactly one {edit.old!r}"
                )
            changed[edit.file] = changed[edit.file].replace(edit.old, edit.new)
        started = time.monotonic()
        try:
            for file, text in changed.items():
                (copy / file).write_text(text)
            argv = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
            result = subprocess.run(
                [*argv, removal.test], cwd=copy, env=env, capture_output=True, text=True
            )
        finally:
            for file, text in originals.items():
                (copy / file).write_text(text)
        failed = result.returncode == 1  # tests failed (not: none collected, an error)
        verdict = "fails" if failed else f"exits {result.returncode}"
        say(
            f"{'ok' if failed else 'NOT PROVEN'}: {removal.guarantee} — without it "
            f"{removal.test} {verdict} ({time.monotonic() - started:.0f} s)"
        )
        if failed:  # what failed, as evidence: the first assertion pytest printed
            said = [ln for ln in result.stdout.splitlines() if ln.startswith("E ")][:2]
            say("    " + "\n    ".join(ln[:300] for ln in said))
        else:
            unproven.append(removal.guarantee)
            say(result.stdout[-2000:])
    return unproven


def load_targets(root: Path) -> dict[str, Target]:
    raw = tomllib.loads((root / TARGETS_FILE).read_text())
    targets = {}
    for name, spec in raw["targets"].items():
        equivalents = [Equivalent(**e) for e in spec.pop("equivalent", [])]
        targets[name] = Target(name=name, equivalents=equivalents, **spec)
    return targets


def copy_checkout(root: Path, into: Path) -> None:
    """The files git knows (tracked, or new and not ignored), without caches."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z", *COPIED],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in listed:
        if not raw:
            continue
        path = Path(raw.decode())
        source = root / path
        if not source.is_file():
            continue  # deleted in the work tree
        (into / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, into / path)
    # downloads kept between runs (Kafka's jars, ...): the checkout's, not fetched again
    cache = root / ".flotilla" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    (into / ".flotilla").mkdir(exist_ok=True)
    (into / ".flotilla" / "cache").symlink_to(cache)


def source_paths(copy: Path) -> list[str]:
    """Every workspace package's `src` in the copy: first on sys.path, before the editable
    installs of the checkout the virtualenv points at."""
    return [str(p) for p in sorted(copy.glob("*/*/src")) if p.is_dir()]


@contextlib.contextmanager
def services(needs: set[str], state: Path, cache: Path) -> Iterator[dict[str, str]]:
    """PostgreSQL and Kafka once for the whole run, as the test plugin would per session."""
    env: dict[str, str] = {}
    with contextlib.ExitStack() as stack:
        if "postgres" in needs:
            from flotilla_devstack.postgres import PostgresServer

            server = PostgresServer(state / "pg", durable=False)
            server.start()
            stack.callback(server.stop)
            env["FLOTILLA_TEST_POSTGRES_URL"] = server.url()
        if "kafka" in needs:
            from flotilla_devstack.kafka import KafkaBroker

            broker = KafkaBroker(state / "kafka", cache_dir=cache)
            broker.start()
            stack.callback(broker.stop)
            env["FLOTILLA_TEST_KAFKA_BOOTSTRAP"] = broker.bootstrap
        yield env


COSMIC_RAY = str(Path(sys.executable).with_name("cosmic-ray"))


def _cosmic_ray(*args: str | Path, cwd: Path, env: dict[str, str]) -> None:
    subprocess.run([COSMIC_RAY, *map(str, args)], cwd=cwd, env=env, check=True)


def run_target(target: Target, copy: Path, env: dict[str, str]) -> Outcome:
    from cosmic_ray.work_db import WorkDB, use_db  # type: ignore[import-untyped]
    from cosmic_ray.work_item import TestOutcome  # type: ignore[import-untyped]

    started = time.monotonic()
    outcome = Outcome(target.name)
    config = copy / f"mutate-{target.name}.toml"
    session = copy / f"mutate-{target.name}.sqlite"
    session.unlink(missing_ok=True)
    config.write_text(
        "[cosmic-ray]\n"
        f"module-path = {json.dumps(target.modules)}\n"
        f"timeout = {target.timeout_s}\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(target.test_command())}\n"
        '[cosmic-ray.distributor]\nname = "local"\n'
    )
    baseline = subprocess.run(
        target.test_command(), shell=True, cwd=copy, env=env, capture_output=True, text=True
    )
    if baseline.returncode != 0:
        raise SystemExit(
            f"{target.name}: the tests fail before any mutation:\n{baseline.stdout[-3000:]}"
        )
    _cosmic_ray("init", config, session, cwd=copy, env=env)
    with use_db(str(session), WorkDB.Mode.open) as db:
        outcome.mutants = db.num_work_items
    say(f"{target.name}: {outcome.mutants} mutants of {', '.join(target.modules)}")
    _exec_with_progress(target.name, config, session, outcome.mutants, cwd=copy, env=env)
    used: set[Equivalent] = set()
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item, result in db.completed_work_items:
            if result.test_outcome != TestOutcome.SURVIVED:
                outcome.killed += 1
                outcome.timeouts += result.output == "timeout"
                continue
            mutation = item.mutations[0]
            diff = result.diff or ""
            survivor = {
                "module": str(mutation.module_path),
                "operator": mutation.operator_name,
                "line_no": mutation.start_pos[0],
                "line": _line(copy / mutation.module_path, mutation.start_pos[0]),
                "mutated": " ".join(
                    ln[1:].strip()
                    for ln in diff.splitlines()
                    if ln.startswith("+") and not ln.startswith("+++")
                ),
                "diff": diff,
            }
            equivalent = next((e for e in target.equivalents if e.matches(survivor)), None)
            if equivalent is not None:
                outcome.equivalent += 1
                used.add(equivalent)
            elif _in_annotation(copy / mutation.module_path, mutation.start_pos):
                outcome.equivalent += 1
                outcome.annotations += 1
            else:
                outcome.survivors.append(survivor)
    outcome.stale = [e for e in target.equivalents if e not in used]
    outcome.seconds = time.monotonic() - started
    return outcome


def _exec_with_progress(
    name: str, config: Path, session: Path, total: int, *, cwd: Path, env: dict[str, str]
) -> None:
    """`cosmic-ray exec`, saying every minute how many mutants are done (long work shows it)."""
    process = subprocess.Popen([COSMIC_RAY, "exec", str(config), str(session)], cwd=cwd, env=env)
    started = time.monotonic()
    while True:
        try:
            process.wait(60)
            break
        except subprocess.TimeoutExpired:
            done = _done(session)
            rate = (time.monotonic() - started) / max(1, done)
            say(f"{name}: {done}/{total} mutants run, about {rate * (total - done):.0f} s left")
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, process.args)


def _done(session: Path) -> int:
    with contextlib.closing(sqlite3.connect(session)) as db:
        return int(db.execute("SELECT count(*) FROM work_results").fetchone()[0])


@functools.cache
def _annotations(path: Path) -> tuple[tuple[tuple[int, int], tuple[int, int]], ...]:
    """Where the type annotations of a module are, if the module never evaluates them (it
    starts with `from __future__ import annotations`): (line, column) spans."""
    tree = ast.parse(path.read_text())
    lazy = any(
        isinstance(node, ast.ImportFrom)
        and node.module == "__future__"
        and any(a.name == "annotations" for a in node.names)
        for node in tree.body
    )
    if not lazy:
        return ()
    spans = []
    for node in ast.walk(tree):
        found: list[ast.expr | None] = []
        if isinstance(node, ast.arg):
            found.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            found.append(node.annotation)
        for expr in found:
            if expr is not None and expr.end_lineno is not None and expr.end_col_offset is not None:
                spans.append(
                    ((expr.lineno, expr.col_offset), (expr.end_lineno, expr.end_col_offset))
                )
    return tuple(spans)


def _in_annotation(path: Path, start: tuple[int, int]) -> bool:
    """A mutant inside an annotation that is never evaluated cannot change behaviour — but
    one that survived only: pydantic and dataclasses read some annotations, and a mutant
    there is killed by the tests (counted as killed, never here)."""
    return any(first <= tuple(start) < last for first, last in _annotations(path))


def _line(path: Path, number: int) -> str:
    lines = path.read_text().splitlines()
    return lines[number - 1].strip() if 0 < number <= len(lines) else ""


def say(message: str) -> None:
    sys.stderr.write(f"[mutate] {message}\n")
    sys.stderr.flush()


def out(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./flotilla mutate", description=__doc__.split("\n")[0])
    parser.add_argument("targets", nargs="*", help="targets of tests/mutation.toml")
    parser.add_argument("--list", action="store_true", help="the targets, and stop")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy")
    parser.add_argument(
        "--removals",
        action="store_true",
        help="instead: take out each guarantee's mechanism (tests/mutation.toml [[removal]]) "
        "and check that its test fails",
    )
    args = parser.parse_args(argv)
    root = find_root()
    targets = load_targets(root)
    if args.list:
        for target in targets.values():
            out(f"{target.name}: {' '.join(target.modules)}  ← {' '.join(target.tests)}")
        return 0
    unknown = [t for t in args.targets if t not in targets]
    if unknown:
        parser.error(f"unknown targets {unknown}; known: {sorted(targets)}")
    chosen = [targets[t] for t in args.targets] if args.targets else list(targets.values())
    scratch = Path(tempfile.mkdtemp(prefix="flotilla-mutate-"))
    copy = scratch / "checkout"
    copy_checkout(root, copy)
    say(f"scratch copy: {copy}")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([*source_paths(copy), env.get("PYTHONPATH", "")])
    env["FLOTILLA_DEV_MODE"] = "1"
    if args.removals:
        removals = load_removals(root)
        try:
            needs = {n for r in removals for n in r.needs}
            with services(needs, scratch / "state", root / ".flotilla" / "cache") as extra:
                env.update(extra)
                unproven = check_removals(removals, copy, env)
        finally:
            if not args.keep:
                shutil.rmtree(scratch, ignore_errors=True)
        out(json.dumps({"removals": len(removals), "unproven": unproven}))
        return 1 if unproven else 0
    outcomes: list[Outcome] = []
    try:
        needs = {n for t in chosen for n in t.needs}
        with services(needs, scratch / "state", root / ".flotilla" / "cache") as extra:
            env.update(extra)
            for target in chosen:
                outcome = run_target(target, copy, env)
                outcomes.append(outcome)
                report(outcome)
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    failing = [o.target for o, t in zip(outcomes, chosen, strict=True) if o.score < t.minimum]
    out(json.dumps({"targets": [o.summary() for o in outcomes], "below_minimum": failing}))
    return 1 if failing else 0


def report(outcome: Outcome) -> None:
    s = outcome.summary()
    say(
        f"{outcome.target}: score {s['score']} % — {s['killed']} killed ({s['timeouts']} by "
        f"timeout), {s['survived']} survived, {s['equivalent']} equivalent ({s['annotations']} "
        f"of them in annotations never evaluated), of {s['mutants']}; "
        f"{s['seconds']} s"
    )
    for stale in outcome.stale:
        say(f"  listed as equivalent, but no such survivor: {stale.module} {stale.operator}")
        say(f"    {stale.line}")
    for survivor in outcome.survivors:
        say(
            f"  survived: {survivor['module']}:{survivor['line_no']} {survivor['operator']}\n"
            f"    {survivor['line']}\n"
            + "\n".join(
                "    " + ln
                for ln in survivor["diff"].splitlines()
                if ln.startswith(("+", "-")) and not ln.startswith(("+++", "---"))
            )
        )


if __name__ == "__main__":
    sys.exit(main())
