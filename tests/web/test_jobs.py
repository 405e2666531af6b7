"""The server's background jobs: one per name, problems kept for the status, stop on shutdown."""

from __future__ import annotations

import threading

import pytest

from bansos.core.errors import Problem
from bansos.web.jobs import Jobs


def test_a_running_job_is_not_started_twice_and_stops_when_asked() -> None:
    jobs, started, runs = Jobs(), threading.Event(), []

    def work(stop: threading.Event) -> None:
        runs.append(1)
        started.set()
        assert stop.wait(10), "never asked to stop"

    first = jobs.start("disburse:1", work)
    assert started.wait(10)
    again = jobs.start("disburse:1", work)
    assert again is first and first.running and runs == [1]
    jobs.shutdown(timeout=10)
    assert not first.running and first.problem is None and first.failed is None
    assert jobs.get("disburse:1") is first and jobs.get("disburse:2") is None


def test_a_problem_or_a_crash_is_kept_for_the_status(caplog: pytest.LogCaptureFixture) -> None:
    jobs = Jobs()

    def refuse(stop: threading.Event) -> None:
        raise Problem("cycle.wrong_status", status="closed", expected="funded")

    def crash(stop: threading.Event) -> None:
        raise ZeroDivisionError

    refused = jobs.start("a", refuse)
    crashed = jobs.start("b", crash)
    jobs.shutdown(timeout=10)
    assert "background job b failed" in caplog.text and "ZeroDivisionError" in caplog.text
    assert refused.problem is not None and refused.problem.code == "cycle.wrong_status"
    assert crashed.failed == "ZeroDivisionError" and crashed.problem is None
    rerun = jobs.start("a", lambda stop: None)
    assert rerun is not refused
    jobs.shutdown(timeout=10)
    assert rerun.problem is None
