"""pytest plugin: writes each test's outcome, by node id, to the JSON file named
by ``UPSTREAM_OUTCOMES`` when the session ends, with which ``NodeStore`` the
run's styrened had (styrened's own, or the component's after activation).

A test counts as passed only if its setup, call and teardown all passed; one
that was skipped in a phase and failed in none counts as skipped, with the
skip's reason as its cause; anything else as failed, with the first line of the
first error as its cause.
"""

from __future__ import annotations

import json
import os

import pytest

_outcomes: dict[str, str] = {}
_causes: dict[str, str] = {}


def _cause(report: pytest.TestReport | pytest.CollectReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    if isinstance(report.longrepr, tuple):  # a skip: (path, line, reason)
        lines = [report.longrepr[2]]
    elif crash is not None:
        lines = crash.message.strip().splitlines()
    else:  # an import error while collecting comes as text: its "E" lines say what
        text = str(report.longrepr).splitlines()
        lines = [line[1:].strip() for line in text if line.startswith("E ")][-1:] or text
    return lines[0] if lines else "no message"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    previous = _outcomes.get(report.nodeid, "passed")
    if report.failed:
        _outcomes[report.nodeid] = "failed"
        _causes.setdefault(report.nodeid, _cause(report))
    elif report.skipped and previous != "failed":
        _outcomes[report.nodeid] = "skipped"
        _causes[report.nodeid] = _cause(report)
    else:
        _outcomes[report.nodeid] = previous


def pytest_collectreport(report: pytest.CollectReport) -> None:
    # a module that cannot be imported stands for the tests it would have held
    if report.failed:
        _outcomes[report.nodeid] = "failed"
        _causes[report.nodeid] = _cause(report)


def pytest_sessionfinish(session: pytest.Session) -> None:
    from styrened.services import node_store

    result = {
        "node_store": node_store.NodeStore.__module__,
        "outcomes": dict(sorted(_outcomes.items())),
        "causes": dict(sorted(_causes.items())),
    }
    with open(os.environ["UPSTREAM_OUTCOMES"], "w", encoding="utf-8") as out:
        json.dump(result, out, indent=0)
