"""A real HTTP server for API tests: uvicorn on 127.0.0.1 in a background thread.

Tests talk to it with httpx over a socket, so routing, middleware, error handlers, the request's
unit of work and JSON encoding all run exactly as in production.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

START_TIMEOUT = 15.0


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` on a free port and yield its base URL; stop and join afterwards."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn stopped during start-up (see the log above)")
        if time.monotonic() > deadline:
            server.should_exit = True
            thread.join(5)
            raise RuntimeError("uvicorn did not start in time")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        if thread.is_alive():  # pragma: no cover - only when shutdown hangs
            raise RuntimeError("uvicorn did not stop")
