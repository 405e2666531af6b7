"""At most ``limit`` requests in the app at once, fewer than the worker threads that run them.

Why: a request runs its sync dependencies and its handler in separate turns on Starlette's
thread pool (40 threads). On SQLite the request's transaction takes the write lock at its first
statement (BEGIN IMMEDIATE, see db.py), inside a dependency, and releases it when the handler's
unit of work commits, a later turn. Under 50 concurrent requests every thread could be held by a
request waiting for the lock while the one holding it waits for a thread: a deadlock that ends
in "database is locked" after the busy timeout. With fewer requests in the app than threads, a
thread is always free for the request that holds the lock. The others wait here, in the event
loop, at no cost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread
from starlette.types import ASGIApp, Receive, Scope, Send

#: Starlette runs sync code on anyio's default limiter of 40 threads; keep a margin.
IN_FLIGHT = 32
T = TypeVar("T")


class InFlightLimit:
    def __init__(self, app: ASGIApp, limit: int = IN_FLIGHT) -> None:
        self.app = app
        self.limit = limit
        self._gate: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._gate is None:
            self._gate = asyncio.Semaphore(self.limit)
        async with self._gate:
            await self.app(scope, receive, send)


#: Threads that run payments (redemptions, QRIS payments) at once, per process. On SQLite the
#: payments take turns at one write lock anyway; more threads only add hand-overs of the GIL
#: and of that lock while each waits for the other (measured with bench/redeem_http.py at 32
#: requests in flight: 300 redemptions/s with one thread, 198 with two, 177 with four). On
#: PostgreSQL payments of different wallets run side by side, so they get several.
PAYMENT_THREADS = {"sqlite": 1, "postgresql": 8}


class PaymentLane:
    """The thread pool lane of the payment routes (an anyio capacity limiter per process)."""

    def __init__(self, dialect: str) -> None:
        self.threads = PAYMENT_THREADS.get(dialect, 8)
        self._limiter: anyio.CapacityLimiter | None = None

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        if self._limiter is None:  # created inside the event loop
            self._limiter = anyio.CapacityLimiter(self.threads)
        return await anyio.to_thread.run_sync(fn, *args, limiter=self._limiter)
