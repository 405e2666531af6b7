"""The payout worker: claims due payouts, calls the rails outside any transaction, records.

Three steps per payout: (1) the main thread claims a small batch and commits it (a queued
payout becomes ``sending`` *before* its call leaves, so a crash after the call can never be
mistaken for "not sent"); (2) a pool thread makes the call, holding no transaction (an answer
may take the full read timeout); (3) the main thread records the answers that have come back,
a batch per transaction (``outcomes.record_many``: ledger post or void, new state, event). A
process killed between (1) and (3) leaves payouts ``sending``; the next start
(``outcomes.recover``), or any worker once the claim's lease has run out, asks the provider
about them and never sends them again as they are.

Why threads call and one thread records: the calls wait on the network (a timeout holds a
thread for the whole read timeout, so a few threads keep the others going), while the database
work is short and contends anyway (SQLite has one writer; on PostgreSQL every post updates the
provider's one clearing account row). One recorder committing many answers at once pays for
one commit and one lock of that row per batch instead of per payout: measured on the 2-core
development machine, it took the run from 61 to well over 100 payouts a second on PostgreSQL.
If a batch cannot be recorded, each of its answers is tried on its own, so one bad answer
cannot hold back the others.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy.orm import Session, sessionmaker

from bansos.core.clock import now as clock_now
from bansos.core.crypto import FieldCipher
from bansos.core.errors import Problem
from bansos.db import unit_of_work
from bansos.payments import outcomes
from bansos.payments.outcomes import ACTOR, Answer, Clock, Job, Policy, Trouble
from bansos.payments.rails import PayoutRail

log = logging.getLogger(__name__)

Until = Literal["forever", "idle", "drained"]
#: Answers recorded in one transaction, at most.
RECORD_BATCH = 200


@dataclass
class RunReport:
    recovered: int = 0
    calls: int = 0
    #: New status after each recorded answer -> how many.
    results: dict[str, int] = field(default_factory=dict)
    troubles: int = 0


def run(
    factory: sessionmaker[Session],
    rails: Mapping[str, PayoutRail],
    *,
    cipher: FieldCipher,
    stop: Callable[[], bool] | None = None,
    threads: int = 4,
    clock: Clock = clock_now,
    policy: Policy | None = None,
    until: Until = "forever",
    poll: float = 1.0,
    batch: int = 50,
    actor: str = ACTOR,
) -> RunReport:
    """Work the payouts of the providers in ``rails`` until ``stop()`` is true, or:
    ``until="idle"`` (``--once``): nothing is due now and no call is in flight;
    ``until="drained"``: no payout of these providers is open any more.
    ``threads=0`` makes every call in the calling thread, one at a time (tests, debugging)."""
    if threads < 0:
        raise ValueError("threads must not be negative")
    policy = policy or Policy()
    report = RunReport()
    with unit_of_work(factory) as session:
        report.recovered = outcomes.recover(session, clock)
    answers: queue.SimpleQueue[tuple[Job, Answer]] = queue.SimpleQueue()

    def call(job: Job) -> None:
        answers.put((job, _call(rails[job.provider], job)))

    def record(done: Sequence[tuple[Job, Answer]]) -> None:
        for status in _record(factory, done, policy, clock, actor):
            report.calls += 1
            report.results[status] = report.results.get(status, 0) + 1
            report.troubles += status == "unrecorded"
        report.troubles += sum(isinstance(answer, Trouble) for _, answer in done)

    providers = sorted(rails)
    capacity = max(threads * 3, 1)
    in_flight = 0
    waited: list[tuple[Job, Answer]] = []  # an answer the loop blocked for
    with ThreadPoolExecutor(max(threads, 1), thread_name_prefix="payout") as pool:
        while stop is None or not stop():
            done, waited = waited + _take(answers, RECORD_BATCH - len(waited)), []
            if done:
                in_flight -= len(done)
                record(done)
            claimed: list[Job] = []
            if in_flight < capacity:
                with unit_of_work(factory) as session:
                    claimed = outcomes.claim(session, cipher, providers,
                                             min(batch, capacity - in_flight), policy,
                                             clock)  # fmt: skip
                for job in claimed:
                    if threads:
                        pool.submit(call, job)
                        in_flight += 1
                    else:
                        record([(job, _call(rails[job.provider], job))])
            if claimed or done:
                continue
            if in_flight:  # nothing to do but wait for the next answer
                with contextlib.suppress(queue.Empty):
                    waited.append(answers.get(timeout=poll))
                continue
            if until == "idle":
                break
            with unit_of_work(factory) as session:
                left, due = outcomes.work_left(session, providers)
            if until == "drained" and left == 0:
                break
            pause = poll if due is None else (due - clock()).total_seconds()
            _sleep(min(max(pause, 0.01), poll), stop)
        # Stopped: wait for the calls in flight and record them, so nothing is left unsaid.
        pool.shutdown(wait=True)
        while done := waited + _take(answers, RECORD_BATCH):
            waited = []
            record(done)
    return report


def _take(answers: queue.SimpleQueue[tuple[Job, Answer]], most: int) -> list[tuple[Job, Answer]]:
    taken: list[tuple[Job, Answer]] = []
    while len(taken) < most:
        try:
            taken.append(answers.get_nowait())
        except queue.Empty:
            break
    return taken


def _record(factory: sessionmaker[Session], done: Sequence[tuple[Job, Answer]], policy: Policy,
            clock: Clock, actor: str) -> list[str]:  # fmt: skip
    """The new statuses; a batch that fails is retried one answer per transaction."""
    try:
        with unit_of_work(factory) as session:
            return outcomes.record_many(session, done, policy, clock, actor)
    except Exception:
        if len(done) == 1:
            log.exception(
                "payout %s: the answer could not be recorded", done[0][0].payout.reference
            )
            return ["unrecorded"]  # the claim's lease brings the payout back to be asked about
    log.warning("a batch of %d answers failed; recording them one by one", len(done))
    return [status for item in done for status in _record(factory, [item], policy, clock, actor)]


def _call(rail: PayoutRail, job: Job) -> Answer:
    """The rail's answer, or the trouble when it raised instead of answering."""
    try:
        return rail.send(job.payout) if job.action == "send" else rail.status(job.payout)
    except Problem as exc:  # our own input refused: a person must look
        return Trouble(exc.code, str(exc))
    except Exception as exc:  # a rail must not raise for the other side; if it does: unknown
        log.exception("payout %s: the rail raised", job.payout.reference)
        return Trouble("exception", f"{type(exc).__name__}: {exc}"[:200])


def _sleep(seconds: float, stop: Callable[[], bool] | None) -> None:
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        if stop is not None and stop():
            return
        time.sleep(min(left, 0.05))
