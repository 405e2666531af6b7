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

from starlette.types import ASGIApp, Receive, Scope, Send

#: Starlette runs sync code on anyio's default limiter of 40 threads; keep a margin.
IN_FLIGHT = 32


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
