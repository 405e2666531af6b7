"""Long batch jobs started from the API (a disbursement of a million wallets takes seconds to
minutes): one background thread per job name in the server process, so the request answers
``202 Accepted`` at once and the client follows progress through the job's status.

A job is safe to lose: every job the API starts is one of the resumable batch jobs (each chunk
commits whole, with its progress), so a server that stops mid-way leaves work that the same
request, made again, finishes. At shutdown the server asks running jobs to stop after their
current chunk and waits for them. Several server processes may run the same job: the service
serialises them chunk by chunk.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from bansos.core.errors import Problem

log = logging.getLogger("bansos.jobs")


@dataclass
class Job:
    name: str
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    problem: Problem | None = None
    failed: str | None = None

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


class Jobs:
    """The server's background jobs, by name (e.g. ``disburse:12``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}

    def start(self, name: str, work: Callable[[threading.Event], None]) -> Job:
        """Run ``work(stop)`` in a thread unless a job of that name is already running (then
        that job is returned: starting twice is harmless). ``work`` should return soon after
        ``stop`` is set."""
        with self._lock:
            current = self._jobs.get(name)
            if current is not None and current.running:
                return current
            job = Job(name)

            def run() -> None:
                try:
                    work(job.stop)
                except Problem as exc:
                    job.problem = exc
                except Exception as exc:
                    job.failed = type(exc).__name__
                    log.exception("background job %s failed", name)

            job.thread = threading.Thread(target=run, name=f"job-{name}", daemon=True)
            self._jobs[name] = job
            job.thread.start()
            return job

    def get(self, name: str) -> Job | None:
        with self._lock:
            return self._jobs.get(name)

    def shutdown(self, timeout: float = 30.0) -> None:
        """Ask every running job to stop after its current chunk and wait for it."""
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.stop.set()
        for job in jobs:
            if job.thread is not None:
                job.thread.join(timeout)
