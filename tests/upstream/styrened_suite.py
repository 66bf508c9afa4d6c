"""styrened 0.18.0's own test suite, on styrened and then on the component.

    .venv/bin/python tests/upstream/styrened_suite.py fetch   # in scripts/bootstrap test
    .venv/bin/python tests/upstream/styrened_suite.py run     # in `just test`

``fetch`` downloads styrened 0.18.0's source distribution from PyPI, refuses
it unless its sha256 is the pinned one, and keeps only its ``tests/`` tree and
its ``pyproject.toml`` (the suite's pytest configuration) under
target/upstream/; it installs requirements.txt beside them.

``run`` runs that suite twice, each time from an empty HOME: on styrened as
installed, then with component/sitecustomize.py on PYTHONPATH, so that every
Python process of the run (the subprocesses styrened's tests start included)
has the component's drop-ins in place of styrened's modules before anything
imports styrened. It fails if a test that passed on styrened does not pass on
the component and exceptions.toml does not list it, and if anything that
exceptions.toml lists no longer applies, so that the list stays true.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VERSION = "0.18.0"
SDIST_URL = (
    "https://files.pythonhosted.org/packages/98/82/98478022eff28b000a03e56d6408a411687e969658157fa608c2282a86d8"
    f"/styrened-{VERSION}.tar.gz"
)
SDIST_SHA256 = "94b70b0bdd48b4676f992a73a78ec00d18e2c12e0b560e6fd791f07c2e9a6fd7"
UPSTREAM = ROOT / "target" / "upstream"
SUITE = UPSTREAM / f"styrened-{VERSION}"
SITE = UPSTREAM / "site-packages"
# each run takes under two minutes on two cores; one that reaches this is stuck
RUN_TIMEOUT = 1200


class SuiteError(Exception):
    """The suite could not be fetched or run, or its runs disagree."""


def fetch() -> None:
    """The suite and its test requirements, each left alone if already in place."""
    stamp = SUITE / ".sdist-sha256"
    if not (stamp.is_file() and stamp.read_text().strip() == SDIST_SHA256):
        with urllib.request.urlopen(SDIST_URL, timeout=300) as response:
            sdist = response.read()
        digest = hashlib.sha256(sdist).hexdigest()
        if digest != SDIST_SHA256:
            raise SuiteError(f"styrened {VERSION}'s sdist has sha256 {digest}, not the pinned {SDIST_SHA256}")
        UPSTREAM.mkdir(parents=True, exist_ok=True)
        top = f"styrened-{VERSION}/"
        with tempfile.TemporaryDirectory(dir=UPSTREAM) as scratch:
            with tarfile.open(fileobj=io.BytesIO(sdist)) as tar:
                wanted = [
                    m for m in tar if m.name.startswith(top + "tests/") or m.name == top + "pyproject.toml"
                ]
                tar.extractall(scratch, members=wanted, filter="data")
            shutil.rmtree(SUITE, ignore_errors=True)
            os.replace(Path(scratch) / top, SUITE)
        stamp.write_text(SDIST_SHA256 + "\n")
    requirements = HERE / "requirements.txt"
    installed = SITE / ".requirements.txt"
    if not (installed.is_file() and installed.read_text() == requirements.read_text()):
        shutil.rmtree(SITE, ignore_errors=True)
        pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--require-hashes"]
        subprocess.run([*pip, "--target", str(SITE), "-r", str(requirements)], check=True)
        shutil.copyfile(requirements, installed)


def _environment(home: str, implementation: str, outcomes: Path) -> dict[str, str]:
    """This process's environment without any styrened, Reticulum or XDG location,
    so that each run starts from an empty HOME; the component's compiled-artifact
    cache is kept, so that no process compiles it again."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("STYRENE_", "STYRENED_", "XDG_", "PYTEST_")) and key != "PYTHONPATH"
    }
    paths = [HERE / "plugin", SITE] + ([HERE / "component"] if implementation == "component" else [])
    env.update(
        HOME=home,
        PYTHONPATH=os.pathsep.join(map(str, paths)),
        STYRENE_CACHE_DIR=os.environ.get("STYRENE_CACHE_DIR", str(ROOT / "target" / "styrene-cache")),
        UPSTREAM_OUTCOMES=str(outcomes),
    )
    return env


def run_suite(implementation: str, left_out: dict[str, str]) -> tuple[dict, float]:
    """One run of the suite: its outcomes file's contents and its wall time."""
    outcomes = UPSTREAM / f"outcomes-{implementation}.json"
    log = UPSTREAM / f"pytest-{implementation}.log"
    outcomes.unlink(missing_ok=True)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "upstream_outcomes"]
    command += ["--continue-on-collection-errors", *(f"--ignore={path}" for path in left_out), "tests"]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="styrened-suite-home.") as home, log.open("w") as out:
        # its own session, so that a stuck run is ended with every process it started
        process = subprocess.Popen(
            command,
            cwd=SUITE,
            env=_environment(home, implementation, outcomes),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            process.wait(RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise SuiteError(f"the run on {implementation} took over {RUN_TIMEOUT} s: see {log}") from None
    seconds = time.monotonic() - started
    if not outcomes.is_file():
        tail = "".join(log.read_text(errors="replace").splitlines(keepends=True)[-20:])
        raise SuiteError(f"the run on {implementation} did not finish; the end of {log}:\n{tail}")
    result = json.loads(outcomes.read_text())
    expected = "styrene_wasm._node_store" if implementation == "component" else "styrened.services.node_store"
    if result["node_store"] != expected:
        found = result["node_store"]
        raise SuiteError(f"the run on {implementation} had {found}'s NodeStore, not {expected}'s")
    return result, seconds


def summary(name: str, result: dict, seconds: float) -> str:
    outcomes = result["outcomes"]
    counts = collections.Counter(outcomes.values())
    # a module that cannot be imported is reported under its path, with no "::"
    unimportable = sum("::" not in test for test, outcome in outcomes.items() if outcome == "failed")
    return (
        f"styrened {VERSION}'s suite on {name}: {counts['passed']} passed, {counts['skipped']} skipped, "
        f"{counts['failed']} failed ({unimportable} of them modules that cannot be imported), "
        f"{seconds:.0f} s"
    )


def compare(pure: dict, component: dict, listed: dict[str, dict[str, str]]) -> list[str]:
    """What is wrong: tests that pass on styrened only, and listed entries that no longer apply."""
    passed_on_styrened = {test for test, outcome in pure["outcomes"].items() if outcome == "passed"}
    not_on_component = {
        test: component["outcomes"].get(test, "not run")
        for test in passed_on_styrened
        if component["outcomes"].get(test) != "passed"
    }
    problems = []
    every_listed = {test: section for section, tests in listed.items() for test in tests}
    for test in sorted(set(not_on_component) - set(every_listed)):
        cause = component["causes"].get(test, not_on_component[test])
        problems.append(f"passes on styrened, {not_on_component[test]} on the component: {test}\n    {cause}")
    for test, section in sorted(every_listed.items()):
        if test in not_on_component:
            continue
        if test not in pure["outcomes"]:
            state = "is not in the suite"
        elif test not in passed_on_styrened:
            state = f"is {pure['outcomes'][test]} on styrened"
        else:
            state = "passes on the component"
        problems.append(f"exceptions.toml [{section}] lists a test that {state} now: {test}")
    return problems


def run() -> None:
    config = tomllib.loads((HERE / "exceptions.toml").read_text())
    left_out = config["left_out"]
    if not (SUITE / ".sdist-sha256").is_file():
        raise SuiteError(f"{SUITE} is missing: scripts/bootstrap test fetches it")
    problems = [
        f"exceptions.toml [left_out] names {path}, which the suite does not have"
        for path in left_out
        if not (SUITE / path).exists()
    ]
    pure, pure_seconds = run_suite("styrened", left_out)
    print(summary("styrened", pure, pure_seconds))
    causes = collections.Counter(
        cause for test, cause in pure["causes"].items() if pure["outcomes"][test] == "failed"
    )
    for cause, count in causes.most_common(6):
        print(f"  not compared, failing on styrened itself: {count} x {cause[:140]}")
    component, component_seconds = run_suite("component", left_out)
    print(summary("the component", component, component_seconds))
    listed = {section: config.get(section, {}) for section in ("exceptions", "needs_shared_locking")}
    problems += compare(pure, component, listed)
    if problems:
        raise SuiteError("\n".join(problems))
    count = sum(map(len, listed.values()))
    passed = sum(outcome == "passed" for outcome in pure["outcomes"].values())
    print(f"all {passed - count} other tests that pass on styrened pass on the component ({count} listed)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["fetch", "run"])
    try:
        fetch() if parser.parse_args().command == "fetch" else run()
    except SuiteError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
